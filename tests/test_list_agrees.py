"""Under any combination of filters, the projects list's figures agree with each other and with
a plain query of the projects: the list's total, each facet's counts, the CSV download's rows,
also straight after projects are published, archived and edited."""

import csv
import io
import re
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boroughs.models import Borough
from projects.facet_keys import FACETS
from projects.models import Project, ProjectFunding, web_search_query

from .factories import theme

pytestmark = pytest.mark.django_db

WORDS = ["fictional", "club", "english", "older", "welcome", "youth", "network", "women"]


@pytest.fixture
def catalogue():
    call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
    # Seeding defers the constraint checks again; the version should move with each change.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return {facet.name: facet.option_values() for facet in FACETS}


def filters(options):
    """A strategy of filter combinations: some facets with some of their options, words to
    search for, an amount range, a year."""
    facet_choices = st.fixed_dictionaries(
        {},
        optional={
            facet.name: (
                st.sampled_from(options[facet.name]).map(lambda value: [value])
                if facet.only_one
                else st.lists(st.sampled_from(options[facet.name]), min_size=1, max_size=3)
            )
            for facet in FACETS
        },
    )
    return st.tuples(
        facet_choices,
        st.none() | st.sampled_from(WORDS),
        st.none() | st.sampled_from([0, 5_000, 50_000]),
        st.none() | st.integers(2016, 2027),
    )


def query_of(chosen):
    facets, word, amount, year = chosen
    params = [(name, value) for name, values in facets.items() for value in values]
    if word:
        params.append(("q", word))
    if amount is not None:
        params += [("amount_from", amount), ("amount_to", amount + 100_000)]
    if year is not None:
        params.append(("year", year))
    return urlencode(params)


def plain_query(chosen):
    """The published projects the filters choose, by a plain query of their links: no facet
    keys, no index."""
    facets, word, amount, year = chosen
    projects = Project.objects.published()
    boroughs = {
        "borough": lambda values: Borough.objects.filter(slug__in=values),
        "partnership": lambda values: Borough.objects.filter(partnership__in=values),
        "london": lambda values: Borough.objects.filter(inner_outer_ons__in=values),
    }
    funding = ProjectFunding.objects.filter(project=OuterRef("pk"))
    for name, values in facets.items():
        if name in boroughs:
            places = boroughs[name](values)
            projects = projects.filter(Q(lead_borough__in=places) | Q(partner_boroughs__in=places))
        elif name == "theme":
            projects = projects.filter(themes__slug__in=values)
        elif name == "target_group":
            projects = projects.filter(target_groups__slug__in=values)
        elif name == "status":
            projects = projects.filter(delivery_status__in=values)
        elif name == "commission":
            projects = projects.filter(commission__slug__in=values)
        elif name == "funder":
            projects = projects.filter(Exists(funding.filter(settlement__funder__slug__in=values)))
        elif name == "funder_kind":
            projects = projects.filter(Exists(funding.filter(settlement__funder__kind__in=values)))
        elif name == "restrictions":
            projects = projects.filter(Exists(funding.filter(settlement__restrictions__in=values)))
        elif name == "multi_year":
            multi = Exists(funding.filter(settlement__last_year__gt=F("settlement__first_year")))
            projects = projects.filter(multi if values == ["yes"] else ~multi)
        else:
            raise AssertionError(f"A facet the plain query does not know: {name}")
    if word:
        projects = projects.filter(search_vector=web_search_query(word))
    if amount is not None:
        projects = projects.filter(funding_total__gte=amount, funding_total__lte=amount + 100_000)
    if year is not None:
        projects = projects.active_in(year)
    return projects.distinct()


def listed_total(page):
    found = re.search(r"([\d,]+) projects? found", page)
    return int(found[1].replace(",", "")) if found else 0


def facet_counts(page):
    """{(facet input name, option value): count} as the filter column shows them."""
    return {
        (name, value): int(count)
        for name, value, count in re.findall(
            r'name="([a-z_]+)" type="(?:checkbox|radio)"\s+value="([^"]*)"[^>]*>\s*'
            r'<label[^>]*>[^<]*<span class="portal-facet-count">\((\d+)',
            page,
        )
    }


def change(data):
    """A change of the catalogue, as a reviewer makes it, to a project `data` draws."""
    kind = data.draw(st.sampled_from(["none", "publish", "archive", "edit"]))
    if kind == "none":
        return
    submitted = list(Project.objects.filter(publication_state="submitted").order_by("pk"))
    published = list(Project.objects.published().order_by("pk"))
    project = data.draw(st.sampled_from(submitted if kind == "publish" else published))
    if kind == "publish":
        project.publication_state, project.published_at = "published", timezone.now()
    elif kind == "archive":
        project.publication_state = "archived"
    else:
        project.themes.add(theme("isolation"))
        project.delivery_status = "paused"
    project.save()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_list_its_counts_its_download_and_a_plain_query_agree(client, catalogue, data):
    # Every example starts from the same catalogue: its change is undone after it.
    with transaction.atomic():
        check_agreement(client, catalogue, data)
        transaction.set_rollback(True)


def check_agreement(client, catalogue, data):
    change(data)
    chosen = data.draw(filters(catalogue))
    query = query_of(chosen)
    expected = plain_query(chosen)

    page = client.get(f"/projects/?{query}")
    assert page.status_code == 200, query
    assert listed_total(page.text) == expected.count(), query

    download = client.get(f"/projects/export.csv?{query}")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert len(rows) - 1 == expected.count(), query

    # Each option's count is what choosing it (instead of its facet's other options) shows.
    facets, *rest = chosen
    shown = facet_counts(page.text)
    for facet in data.draw(
        st.lists(st.sampled_from(FACETS), max_size=3, unique_by=lambda facet: facet.name)
    ):
        option = data.draw(st.sampled_from(catalogue[facet.name]))
        alone = plain_query(({**facets, facet.name: [option]}, *rest))
        assert shown[(facet.name, option)] == alone.count(), (query, facet.name, option)
