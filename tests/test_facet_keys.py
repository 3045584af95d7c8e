"""Each project's stored facet keys, which the projects list filters and counts by, follow every
change to what they describe."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Q
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext

from boroughs.models import Borough, Membership
from projects import exports
from projects import facets as facets_module
from projects.demo import delete_catalogue
from projects.facet_index import current_index
from projects.facet_keys import FACETS
from projects.facets import counts, facets, valid_filters
from projects.filters.catalogue import ProjectFilterSet
from projects.models import CatalogueVersion, Funder, FundingSettlement, Project
from projects.services import archive_project, publish_project
from projects.signals import facet_keys_deferred

from .factories import (
    ProjectFactory,
    ProjectFundingFactory,
    SettlementFactory,
    UserFactory,
    borough,
    target_group,
    theme,
)

pytestmark = pytest.mark.django_db


def keys(project):
    return set(Project.objects.values_list("facet_keys", flat=True).get(pk=project.pk))


def linked_to(projects, place):
    """Those of `projects` that `place` leads or joins as a partner, from the links."""
    linked = Project.objects.filter(Q(lead_borough=place) | Q(partner_boroughs=place))
    return projects.filter(pk__in=linked.values("pk"))


def key(facet, row):
    return f"{facet}:{row.pk}"


def test_a_new_project_has_the_keys_of_its_lead_borough_themes_and_status():
    project = ProjectFactory(
        lead_borough=borough("hackney"),
        themes=[theme("cohesion"), theme("isolation")],
        target_groups=[target_group("older-people")],
        delivery_status="planned",
    )
    hackney = borough("hackney")
    assert keys(project) == {
        key("borough", hackney),
        f"london:{hackney.inner_outer_ons}",
        f"partnership:{hackney.partnership}",
        key("theme", theme("cohesion")),
        key("theme", theme("isolation")),
        key("target_group", target_group("older-people")),
        "status:planned",
        "multi_year:no",
    }


def test_keys_follow_the_themes_and_target_groups_of_a_project():
    project = ProjectFactory(themes=[theme("cohesion")])
    project.themes.add(theme("safeguarding"))
    assert key("theme", theme("safeguarding")) in keys(project)
    project.themes.remove(theme("cohesion"))
    assert key("theme", theme("cohesion")) not in keys(project)
    project.target_groups.set([target_group("women")])
    assert key("target_group", target_group("women")) in keys(project)
    project.target_groups.clear()
    assert not any(k.startswith("target_group:") for k in keys(project))


def test_a_partner_borough_adds_its_borough_partnership_and_side_of_london():
    project = ProjectFactory(lead_borough=borough("bromley"))
    assert "london:inner" not in keys(project)
    project.partner_boroughs.add(borough("camden"))
    camden = borough("camden")
    assert {key("borough", camden), "london:inner", f"partnership:{camden.partnership}"} <= (
        keys(project)
    )
    project.partner_boroughs.remove(camden)
    assert key("borough", camden) not in keys(project)


def test_saving_a_project_keeps_its_keys_for_its_new_status_and_commission():
    project = ProjectFactory(delivery_status="active")
    project.delivery_status = "completed"
    project.end_date = project.start_date
    project.save()
    assert "status:completed" in keys(project)
    assert "status:active" not in keys(project)


def test_funding_gives_the_keys_of_its_funder_kind_restrictions_and_years():
    project = ProjectFactory()
    funding = ProjectFundingFactory(
        project=project,
        settlement=SettlementFactory(
            restrictions="ring-fenced", first_year=2024, last_year=2026, funder__kind="lottery"
        ),
    )
    funder = funding.settlement.funder
    assert {
        key("funder", funder),
        "funder_kind:lottery",
        "restrictions:ring-fenced",
        "multi_year:yes",
    } <= keys(project)
    assert "multi_year:no" not in keys(project)
    funding.delete()
    assert not {key("funder", funder), "funder_kind:lottery", "multi_year:yes"} & keys(project)
    assert "multi_year:no" in keys(project)


def test_changing_a_settlement_or_its_funder_changes_the_keys_of_the_projects_it_funds():
    project = ProjectFundingFactory(settlement=SettlementFactory(last_year=2024)).project
    settlement = FundingSettlement.objects.get()
    settlement.last_year = 2025
    settlement.restrictions = "unrestricted"
    settlement.save()
    assert {"multi_year:yes", "restrictions:unrestricted"} <= keys(project)
    funder = Funder.objects.get()
    funder.kind = "gla"
    funder.save()
    assert "funder_kind:gla" in keys(project)
    assert "funder_kind:trust" not in keys(project)


def test_deferred_keys_are_worked_out_as_the_block_ends():
    projects = [ProjectFactory(themes=[theme("cohesion")]) for _ in range(3)]
    with facet_keys_deferred():
        for project in projects:
            project.themes.set([theme("isolation")])
            project.delivery_status = "paused"
            project.save()
        assert not any(key("theme", theme("isolation")) in keys(p) for p in projects)
    for project in projects:
        assert {key("theme", theme("isolation")), "status:paused"} <= keys(project)
        assert key("theme", theme("cohesion")) not in keys(project)


def test_deferred_keys_are_left_alone_when_the_block_fails():
    project = ProjectFactory(delivery_status="active")

    def pause_then_fail():
        with facet_keys_deferred():
            Project.objects.filter(pk=project.pk).update(delivery_status="paused")
            project.refresh_from_db()
            project.save()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        pause_then_fail()
    assert "status:active" in keys(project)


def test_a_borough_moving_partnership_moves_its_projects_keys(django_assert_max_num_queries):
    project = ProjectFactory(lead_borough=borough("bromley"))
    bromley = borough("bromley")
    assert not any(k.startswith("partnership:") for k in keys(project))
    bromley.partnership, bromley.partnership_membership = "local-london", "full"
    bromley.save()
    assert "partnership:local-london" in keys(project)
    # Saving what the keys do not hold works out no project's keys again.
    bromley.name = "Bromley"
    with django_assert_max_num_queries(3):
        bromley.save()


def test_the_lookup_finds_rows_holding_any_of_several_keys():
    cohesion = ProjectFactory(themes=[theme("cohesion")])
    both = ProjectFactory(themes=[theme("cohesion"), theme("isolation")])
    ProjectFactory(themes=[theme("safeguarding")])
    found = Project.objects.filter(facet_keys__overlap=[key("theme", theme("cohesion")), "theme:0"])
    assert set(found) == {cohesion, both}
    assert not Project.objects.filter(facet_keys__overlap=["theme:0"]).exists()
    assert set(Project.objects.in_facet("theme", [theme("isolation")])) == {both}


def test_the_demo_catalogue_has_the_keys_its_links_give():
    call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
    stored = dict(Project.objects.values_list("pk", "facet_keys"))
    Project.objects.all().refresh_facet_keys()
    assert dict(Project.objects.values_list("pk", "facet_keys")) == stored
    # And the keys agree with the links: a borough's projects are those it leads or joins.
    for place in Borough.objects.all():
        assert set(Project.objects.in_borough(place)) == set(linked_to(Project.objects, place))


@pytest.mark.parametrize(
    "chosen",
    [
        "",
        "theme=cohesion",
        "theme=cohesion&theme=isolation&london=inner",
        "status=active&status=completed&funder_kind=gla&multi_year=yes&q=club",
    ],
)
def test_the_count_beside_each_option_is_what_choosing_it_alone_shows(chosen):
    """Counted from the keys in one pass, each count still equals the results of a list with
    that option alone in its facet and the other filters as they are."""
    call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
    assert_each_count_is_what_choosing_it_alone_shows(chosen)


def assert_each_count_is_what_choosing_it_alone_shows(chosen):
    published = Project.objects.published()
    filterset = ProjectFilterSet(QueryDict(chosen), queryset=published)
    assert filterset.is_valid()
    shown = facets(filterset, counts(filterset, valid_filters(filterset), 1), 1)
    checked = 0
    for facet in shown:
        for option in facet.options:
            query = QueryDict(chosen, mutable=True)
            query.setlist(facet.name, [option.value] if option.value else [])
            alone = ProjectFilterSet(query, queryset=published)
            assert alone.is_valid()
            assert option.count == alone.qs.count(), (facet.name, option.value)
            checked += option.count > 0
    assert checked > 15


@pytest.mark.parametrize(
    "chosen", ["q=fictional", "q=fictional&theme=cohesion", "q=fictional&amount_from=20000"]
)
def test_a_search_most_projects_match_is_checked_on_the_projects_it_leaves_out(chosen, monkeypatch):
    # As many projects as a query would name by id at 100,000 (facets.NAMED): too many.
    monkeypatch.setattr(facets_module, "NAMED", 20)
    call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
    # Statistics, as autovacuum keeps them, from which the planner sees the word is common.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE projects_project, projects_publishedsearchvector")
    filterset = ProjectFilterSet(QueryDict(chosen), queryset=Project.objects.published())
    assert filterset.is_valid()
    with CaptureQueriesContext(connection) as queries:
        counts(filterset, valid_filters(filterset), 1)
    searching = [
        q["sql"]
        for q in queries.captured_queries
        if "fictional" in q["sql"] and not q["sql"].startswith("EXPLAIN")
    ]
    assert searching
    # Every demo project is fictional: the query goes through the projects that do not match
    # (none), not those that do.
    assert all("NOT" in sql for sql in searching if "@@" in sql)
    assert_each_count_is_what_choosing_it_alone_shows(chosen)


@pytest.mark.django_db(transaction=True)
def test_a_list_filtered_by_facets_alone_counts_from_the_index_without_a_query(
    client, reference_data
):
    ProjectFactory(title="Cohesion", themes=[theme("cohesion")])
    ProjectFactory(title="Isolation", themes=[theme("isolation"), theme("safeguarding")])
    ProjectFactory(title="Safeguarding", themes=[theme("safeguarding")])
    client.get("/projects/")
    chosen = "theme=cohesion&theme=isolation&london=inner"
    filterset = ProjectFilterSet(QueryDict(chosen), queryset=Project.objects.published())
    assert filterset.is_valid()
    version = CatalogueVersion.current()
    with CaptureQueriesContext(connection) as queries:
        counts(filterset, valid_filters(filterset), version)
    # No query: the index in memory answers every count (the request read the catalogue's
    # version, which the index was built at).
    assert len(queries) == 0
    response = client.get("/projects/?theme=cohesion&theme=isolation")
    assert 'Safeguarding <span class="portal-facet-count">(2' in response.text
    assert "2 projects found" in response.text


def test_a_list_filtered_by_one_option_counts_what_each_other_option_adds(client):
    ProjectFactory(title="Cohesion", lead_borough=borough("camden"), themes=[theme("cohesion")])
    ProjectFactory(title="Both", themes=[theme("isolation"), theme("safeguarding")])
    ProjectFactory(title="Safeguarding", themes=[theme("safeguarding")])
    response = client.get("/projects/?theme=safeguarding")
    assert "2 projects found" in response.text
    assert 'Isolation and loneliness <span class="portal-facet-count">(1' in response.text
    assert 'Cohesion <span class="portal-facet-count">(1' in response.text
    assert 'Camden <span class="portal-facet-count">(0' in response.text


def key_counts(projects):
    """{facet: {option: count}} of `projects`, recounted from their keys."""
    held = Counter(key for keys in projects.values_list("facet_keys", flat=True) for key in keys)
    found = {}
    for key, count in held.items():
        facet, option = key.split(":", 1)
        found.setdefault(facet, {})[option] = count
    return found


def without_zeros(found):
    found = {facet: {o: n for o, n in options.items() if n} for facet, options in found.items()}
    return {facet: options for facet, options in found.items() if options}


def assert_index_counts_are_the_catalogues():
    """The facet index's counts equal a recount of the projects' keys: of all published
    projects, and of those with each key."""
    published = Project.objects.published()
    index = current_index()
    expected = key_counts(published)
    assert len(index.published) == published.count()
    for facet in expected:
        assert without_zeros({facet: index.counts(facet, index.published)}) == {
            facet: expected[facet]
        }
    for facet, options in expected.items():
        for option in options:
            within = index.holders[f"{facet}:{option}"]
            recount = key_counts(published.filter(facet_keys__overlap=[f"{facet}:{option}"]))
            found = {other: index.counts(other, within) for other in recount}
            assert without_zeros(found) == recount, (facet, option)


def test_the_index_counts_follow_the_demo_catalogue_loaded_and_deleted():
    call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
    assert_index_counts_are_the_catalogues()
    delete_catalogue()
    assert len(current_index().published) == 0


def test_the_index_counts_per_authority_and_theme_are_those_the_links_give():
    call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
    published = Project.objects.published()
    index = current_index()
    themes = Project.themes.through.objects.filter(project__in=published)
    assert index.count_per("theme") == Counter(themes.values_list("theme_id", flat=True))
    for place in Borough.objects.all():
        linked = linked_to(published, place)
        assert index.count_per("borough").get(place.pk, 0) == linked.count()
        assert index.count_per("theme", within=("borough", [place])) == Counter(
            themes.filter(project__in=linked).values_list("theme_id", flat=True)
        )


def test_the_index_counts_follow_publishing_links_funding_and_deletions():
    hackney = borough("hackney")
    reviewer = UserFactory()
    Membership.objects.create(user=reviewer, borough=hackney, role=Membership.Role.REVIEWER)
    draft = ProjectFactory(lead_borough=hackney, publication_state="draft", themes=[])
    published = ProjectFactory(lead_borough=hackney, themes=[theme("cohesion"), theme("isolation")])
    funded = ProjectFactory(lead_borough=hackney)
    ProjectFundingFactory(project=funded)
    assert current_index().count_per("theme")[theme("isolation").pk] == 1
    assert_index_counts_are_the_catalogues()

    draft.themes.add(theme("safeguarding"))
    draft.publication_state = Project.PublicationState.SUBMITTED
    draft.save()
    publish_project(project=draft, by=reviewer)
    assert_index_counts_are_the_catalogues()
    published.themes.remove(theme("cohesion"))
    published.partner_boroughs.add(borough("camden"))
    assert_index_counts_are_the_catalogues()
    published.themes.remove(theme("isolation"))
    theme("isolation").delete()
    funded.fundings.get().settlement.delete()
    assert_index_counts_are_the_catalogues()
    archive_project(project=published, by=reviewer)
    assert_index_counts_are_the_catalogues()
    funded.delete()
    Project.objects.filter(pk=draft.pk).update(publication_state="archived")
    assert_index_counts_are_the_catalogues()
    assert len(current_index().published) == 0


@pytest.fixture(scope="module")
def demo_page(django_db_setup, django_db_blocker):
    """The demo catalogue's projects list and each project's keys, loaded once for the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
        keys = set().union(*Project.objects.published().values_list("facet_keys", flat=True))
        page = Client().get("/projects/").text
        transaction.set_rollback(True)
    return keys, page


@pytest.mark.parametrize("facet", FACETS, ids=lambda facet: facet.name)
def test_every_declared_facet_is_in_the_filters_the_column_the_keys_counts_and_downloads(
    facet, demo_page
):
    keys, page = demo_page
    assert ProjectFilterSet.base_filters[facet.name].method == "filter_facet"
    shown = [item.name for _, items in ProjectFilterSet.panel_groups for item in items]
    assert facet.name in shown
    assert any(key.startswith(f"{facet.name}:") for key in keys)
    assert facet.name in facets_module.FACETS
    assert set(facet.columns or [facet.name]) <= set(exports.NAMES)
    assert f">{facet.label}</" in page
