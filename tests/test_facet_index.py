"""The facet index held in memory follows every change to the catalogue, however it is made,
brought up to date from the changes alone."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pyroaring import BitMap

from projects import facet_index
from projects.demo import delete_catalogue
from projects.facet_index import current_index
from projects.filters.catalogue import ProjectFilterSet, Sort
from projects.models import CatalogueVersion, Project

from .factories import ProjectFactory, borough, theme

pytestmark = pytest.mark.django_db


def themed(index, slug):
    return set(index.holding("theme", [theme(slug)]))


@pytest.fixture
def committed(transactional_db, reference_data):
    """Tests whose writes commit, as a running site's do, with no index held from before."""
    facet_index.held.clear()
    yield
    facet_index.held.clear()


def test_the_index_holds_the_published_projects_of_each_option():
    cohesion = ProjectFactory(themes=[theme("cohesion")], lead_borough=borough("camden"))
    both = ProjectFactory(themes=[theme("cohesion"), theme("isolation")])
    ProjectFactory(themes=[theme("cohesion")], publication_state="draft")
    index = current_index()
    assert themed(index, "cohesion") == {cohesion.pk, both.pk}
    assert set(index.holding("theme", [theme("cohesion"), theme("isolation")])) == {
        cohesion.pk,
        both.pk,
    }
    assert set(index.published) == {cohesion.pk, both.pk}
    assert index.counts("borough", index.published)[str(borough("camden").pk)] == 1


# The demo's active projects started in the four years before the day it was loaded.
LAST_YEAR = datetime.date.today().year - 1


@pytest.mark.parametrize(
    "chosen", ["", "theme=cohesion&london=outer", f"year={LAST_YEAR}&status=active"]
)
def test_every_page_in_every_order_is_the_lists_own(chosen):
    call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
    index = current_index()
    for sort in Sort.ORDERINGS:
        filterset = ProjectFilterSet(
            QueryDict(f"{chosen}&sort={sort}"), queryset=Project.objects.published()
        )
        assert filterset.is_valid()
        listed = list(filterset.qs.values_list("pk", flat=True))
        projects = BitMap(listed)
        assert len(listed) > 5
        for window in (slice(0, 5), slice(5, 10), slice(len(listed) - 3, len(listed) + 20)):
            assert index.page(sort, projects, window) == listed[window], (sort, window)


def test_inside_a_transaction_the_index_is_kept_by_nobody():
    """What a transaction sees may never be committed: the index it reads is its own."""
    ProjectFactory(themes=[theme("cohesion")])
    current_index()
    assert facet_index.held == {}


# Committed, as on a running site ---------------------------------------------------------------


def test_a_held_index_answers_without_a_query_until_the_catalogue_changes(committed):
    ProjectFactory(themes=[theme("cohesion")])
    version = CatalogueVersion.current()
    index = current_index(version=version)
    with CaptureQueriesContext(connection) as queries:
        assert current_index(version=version) is index
    assert len(queries) == 0


def test_a_change_is_brought_in_from_the_changed_projects_alone(committed):
    call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
    before = current_index()
    project = (
        Project.objects.published()
        .exclude(facet_keys__overlap=[f"theme:{theme('isolation').pk}"])
        .first()
    )
    project.themes.add(theme("isolation"))
    with CaptureQueriesContext(connection) as queries:
        after = current_index()
    # The catalogue's version and state, the changes since the index's snapshot, and the
    # changed projects' keys and places in the orders, in one snapshot: never every project's
    # keys or orders again.
    sql = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"] not in ("BEGIN", "COMMIT") and not query["sql"].startswith("SET ")
    ]
    assert len(sql) == 4, sql
    assert not any(
        '"facet_keys" FROM' in statement and "= ANY" not in statement for statement in sql
    )
    assert not any("ARRAY(" in statement for statement in sql)
    assert project.pk in themed(after, "isolation")
    assert project.pk not in themed(before, "isolation")
    assert after.version > before.version
    assert after.holders.keys() >= {key for key, ids in before.holders.items() if ids}
    rebuilt = facet_index.FacetIndex.build()
    assert after.holders == rebuilt.holders
    assert after.orders == rebuilt.orders


@pytest.mark.parametrize(
    "write",
    [
        lambda project: Project.objects.filter(pk=project.pk).update(publication_state="archived"),
        lambda project: project.delete(),
        lambda project: Project.objects.filter(pk=project.pk).update(title="Aardvark first"),
        lambda project: project.themes.set([theme("resilience")]),
        lambda project: Project.objects.filter(pk=project.pk).update(
            start_date=datetime.date(2001, 1, 1), end_date=None
        ),
        lambda project: Project.objects.filter(pk=project.pk).update(
            funding_total=Decimal("1000000.01"), published_at=timezone.now()
        ),
        lambda project: Project.objects.update(title=Concat(Value("A "), "title")),
    ],
    ids=[
        "archived by an update",
        "deleted",
        "renamed by an update",
        "themes changed",
        "dates changed",
        "funding and publication changed",
        "every project renamed",
    ],
)
def test_every_kind_of_write_is_brought_in(committed, write):
    kept = ProjectFactory(title="Kept", themes=[theme("cohesion")])
    project = ProjectFactory(title="Zebra crossing", themes=[theme("cohesion")])
    current_index()
    write(project)
    index = current_index()
    rebuilt = facet_index.FacetIndex.build()
    assert index.holders == rebuilt.holders
    assert index.orders == rebuilt.orders
    assert kept.pk in index.published


def test_many_changes_at_once_are_brought_in(committed):
    """Beyond a few changed projects the orders are read anew; the result is the same."""
    call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
    current_index()
    # Completed projects keep their end dates: the database holds a status to its dates.
    ongoing = Project.objects.published().exclude(delivery_status="completed")
    Project.objects.filter(pk__in=ongoing.values("pk")[:60]).update(
        start_date=F("start_date") - datetime.timedelta(days=400),
        funding_total=F("funding_total") + 1,
        end_date=None,
    )
    index = current_index()
    rebuilt = facet_index.FacetIndex.build()
    assert index.holders == rebuilt.holders
    assert index.orders == rebuilt.orders


def test_emptying_the_catalogue_builds_the_index_anew(committed):
    ProjectFactory(themes=[theme("cohesion")])
    current_index()
    delete_catalogue()
    assert len(current_index().published) == 0


def test_another_worker_takes_the_index_from_the_cache_without_reading_projects(committed):
    project = ProjectFactory(themes=[theme("cohesion")])
    version = CatalogueVersion.current()
    current_index(version=version)
    facet_index.held.clear()
    with CaptureQueriesContext(connection) as queries:
        index = current_index(version=version)
    assert len(queries) == 0
    assert themed(index, "cohesion") == {project.pk}


def test_the_cache_holds_one_index_the_one_built_from_nothing(committed):
    ProjectFactory(themes=[theme("cohesion")])
    built = current_index()
    ProjectFactory(themes=[theme("isolation")])
    current_index()
    shared = cache.get(f"facet-index:default:{connection.settings_dict['NAME']}")
    assert shared == built
    # A worker starting now takes it and brings it up to date itself.
    facet_index.held.clear()
    index = current_index()
    assert len(themed(index, "cohesion")) == len(themed(index, "isolation")) == 1
