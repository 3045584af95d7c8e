"""The catalogue's version moves when, and only when, a change that the public sees commits;
every kind of write moves it, and a reader never keeps what it read before a commit as if it
were after it."""

import re
import threading

import pytest
import tablib
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from boroughs.models import Membership
from projects.demo import delete_catalogue
from projects.imports import ProjectResource
from projects.models import CatalogueVersion, Project
from projects.services import publish_project

from .factories import (
    CommissionFactory,
    FunderFactory,
    ProjectFactory,
    SettlementFactory,
    UserFactory,
    borough,
    theme,
)

version = CatalogueVersion.current


def moves_the_version(write):
    before = version()
    write()
    return version() != before


@pytest.mark.django_db
def test_every_write_the_public_sees_moves_the_version_and_no_other_does():
    project = ProjectFactory(themes=[theme("cohesion")])
    draft = ProjectFactory(publication_state="draft", themes=[theme("cohesion")])
    published = Project.objects.filter(pk=project.pk)
    assert moves_the_version(lambda: ProjectFactory(themes=[theme("isolation")]))
    assert moves_the_version(lambda: project.themes.add(theme("isolation")))
    assert moves_the_version(lambda: published.update(summary="Now with a new summary"))
    assert moves_the_version(lambda: SettlementFactory())
    assert moves_the_version(lambda: FunderFactory())
    assert moves_the_version(lambda: CommissionFactory())
    assert not moves_the_version(lambda: draft.themes.add(theme("isolation")))
    assert not moves_the_version(lambda: ProjectFactory(publication_state="draft"))
    assert not moves_the_version(lambda: draft.delete())
    assert moves_the_version(lambda: published.update(publication_state="archived"))
    assert moves_the_version(lambda: Project.objects.published().first().delete())
    assert moves_the_version(delete_catalogue)


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_the_version_as_it_was():
    before = version()
    with transaction.atomic():
        ProjectFactory()
        transaction.set_rollback(True)
    assert version() == before


# A reader in the middle of a writer's transaction ---------------------------------------------


def the_list_total(client):
    """How many projects the list says it found."""
    found = re.search(r"([\d,]+) projects? found", client.get("/projects/").text)
    return int(found[1].replace(",", ""))


def seen_only_after_commit(client, write):
    """The list's total read by `client` before `write` (in another transaction, as another
    request), in the middle of it, and after it commits."""
    before = the_list_total(client)
    written, go_on = threading.Event(), threading.Event()
    errors = []

    def writer():
        try:
            with transaction.atomic():
                write()
                written.set()
                go_on.wait(10)
        except Exception as error:  # reported by the test, not lost in the thread
            errors.append(error)
            written.set()
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(10)
    during = the_list_total(client)
    go_on.set()
    thread.join(10)
    assert not errors, errors
    return before, during, the_list_total(client)


@pytest.fixture
def reviewer(transactional_db, reference_data):
    user = UserFactory(is_staff=True, is_superuser=True)
    Membership.objects.create(user=user, borough=borough("hackney"), role="reviewer")
    return user


@pytest.mark.django_db(transaction=True)
def test_a_publish_is_seen_once_it_commits_and_not_before(client, reviewer):
    ProjectFactory(title="Already public")
    draft = ProjectFactory(title="About to be published", publication_state="submitted")
    totals = seen_only_after_commit(
        client, lambda: publish_project(project=draft, by=reviewer, comment="")
    )
    assert totals == (1, 1, 2)


@pytest.mark.django_db(transaction=True)
def test_a_bulk_update_is_seen_once_it_commits(client, reviewer):
    ProjectFactory(title="Already public")
    drafts = [ProjectFactory(publication_state="submitted") for _ in range(3)]
    totals = seen_only_after_commit(
        client,
        lambda: Project.objects.filter(pk__in=[d.pk for d in drafts]).update(
            publication_state="published", published_at=timezone.now()
        ),
    )
    assert totals == (1, 1, 4)


@pytest.mark.django_db(transaction=True)
def test_an_admin_bulk_action_is_seen_once_it_commits(client, reviewer):
    ProjectFactory(title="Already public")
    drafts = [ProjectFactory(publication_state="submitted") for _ in range(2)]

    def publish_in_the_admin():
        admin = Client()
        admin.force_login(reviewer)
        admin.post(
            reverse("admin:projects_project_changelist"),
            {"action": "publish_projects", "_selected_action": [d.pk for d in drafts]},
        )

    assert seen_only_after_commit(client, publish_in_the_admin) == (1, 1, 3)


@pytest.mark.django_db(transaction=True)
def test_an_import_is_seen_once_it_commits(client, reviewer):
    ProjectFactory(title="Already public")
    rows = tablib.Dataset(
        headers=["title", "summary", "lead_borough", "themes", "start_date", "publication_state"]
    )
    for n in range(2):
        rows.append(
            [f"Imported {n}", "Imported.", "Hackney", "cohesion", "2024-04-01", "published"]
        )

    def import_file():
        result = ProjectResource().import_data(rows, dry_run=False, user=reviewer)
        assert not result.has_errors()
        assert not result.has_validation_errors()

    assert seen_only_after_commit(client, import_file) == (1, 1, 3)
