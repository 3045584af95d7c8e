"""The facet index held in memory follows every write to projects, however it is made."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pyroaring import BitMap

from projects import facet_index
from projects.demo import delete_catalogue
from projects.facet_index import current_index
from projects.filters.catalogue import ProjectFilterSet, Sort
from projects.models import FacetIndexVersion, Project

from .factories import ProjectFactory, borough, theme

pytestmark = pytest.mark.django_db


def themed(index, slug):
    return set(index.holding("theme", [theme(slug)]))


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


def moves_the_token(write):
    before = FacetIndexVersion.current()
    write()
    after = FacetIndexVersion.current()
    assert after is not None
    return after != before


def test_every_write_to_published_projects_keys_gives_a_new_token_and_no_other_does():
    project = ProjectFactory(themes=[theme("cohesion")])
    draft = ProjectFactory(publication_state="draft", themes=[theme("cohesion")])
    published = Project.objects.filter(pk=project.pk)
    assert moves_the_token(lambda: ProjectFactory(themes=[theme("isolation")]))
    assert moves_the_token(lambda: project.themes.add(theme("isolation")))
    assert not moves_the_token(lambda: published.update(summary="Now with a new summary"))
    assert not moves_the_token(lambda: draft.themes.add(theme("isolation")))
    assert not moves_the_token(lambda: ProjectFactory(publication_state="draft"))
    assert moves_the_token(lambda: published.update(publication_state="archived"))
    assert not moves_the_token(project.delete)
    assert moves_the_token(lambda: Project.objects.published().first().delete())
    ProjectFactory()
    assert moves_the_token(delete_catalogue)


def test_a_rolled_back_write_leaves_the_token_the_projects_had():
    before = FacetIndexVersion.current()
    during = []
    with transaction.atomic():
        ProjectFactory()
        during.append(FacetIndexVersion.current())
        transaction.set_rollback(True)
    assert during[0] != before
    assert FacetIndexVersion.current() == before


def test_the_index_is_built_again_after_any_write_and_not_before():
    kept = ProjectFactory(themes=[theme("cohesion")])
    held = current_index()
    assert current_index() is held
    Project.objects.filter(pk=kept.pk).update(publication_state="archived")
    assert themed(current_index(), "cohesion") == set()
    added = ProjectFactory(themes=[theme("cohesion")])
    assert themed(current_index(), "cohesion") == {added.pk}


def test_another_worker_takes_the_index_from_the_cache_without_reading_projects():
    project = ProjectFactory(themes=[theme("cohesion")])
    current_index()
    facet_index.held.clear()
    with CaptureQueriesContext(connection) as queries:
        index = current_index()
    assert len(queries) == 1
    assert "facetindexversion" in queries[0]["sql"]
    assert themed(index, "cohesion") == {project.pk}


def test_a_committed_change_builds_the_index_before_anyone_asks(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        project = ProjectFactory(themes=[theme("cohesion")])
    with CaptureQueriesContext(connection) as queries:
        index = current_index()
    assert len(queries) == 1
    assert "facetindexversion" in queries[0]["sql"]
    assert themed(index, "cohesion") == {project.pk}


@pytest.mark.parametrize("chosen", ["", "theme=cohesion&london=outer", "year=2020&status=active"])
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


def test_a_published_projects_sort_columns_give_a_new_token():
    project = ProjectFactory(funding_total=100)
    published = Project.objects.filter(pk=project.pk)
    assert moves_the_token(lambda: published.update(title="Renamed"))
    assert moves_the_token(lambda: published.update(funding_total=200))
    assert moves_the_token(lambda: published.update(start_date=datetime.date(2019, 4, 1)))
    assert moves_the_token(lambda: published.update(published_at=timezone.now()))


def test_the_cache_holds_one_index_the_latest():
    ProjectFactory(themes=[theme("cohesion")])
    current_index()
    ProjectFactory(themes=[theme("isolation")])
    index = current_index()
    token, shared = cache.get(f"facet-index:{connection.settings_dict['NAME']}")
    assert token == FacetIndexVersion.current()
    assert shared == index
    assert len(themed(shared, "cohesion")) == len(themed(shared, "isolation")) == 1
