"""The facet index held in memory follows every write to projects, however it is made."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from projects import facet_index
from projects.demo import delete_catalogue
from projects.facet_index import current_index
from projects.models import Project, PublishedKeysVersion

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
    before = PublishedKeysVersion.current()
    write()
    after = PublishedKeysVersion.current()
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
    before = PublishedKeysVersion.current()
    during = []
    with transaction.atomic():
        ProjectFactory()
        during.append(PublishedKeysVersion.current())
        transaction.set_rollback(True)
    assert during[0] != before
    assert PublishedKeysVersion.current() == before


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
    assert "publishedkeysversion" in queries[0]["sql"]
    assert themed(index, "cohesion") == {project.pk}


def test_a_committed_change_builds_the_index_before_anyone_asks(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        project = ProjectFactory(themes=[theme("cohesion")])
    with CaptureQueriesContext(connection) as queries:
        index = current_index()
    assert len(queries) == 1
    assert "publishedkeysversion" in queries[0]["sql"]
    assert themed(index, "cohesion") == {project.pk}
