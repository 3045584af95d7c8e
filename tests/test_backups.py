"""A backup of the database restored into a new one is a portal that works: migrations have
nothing to apply, the deployment checks pass on it, and the catalogue keeps every rule."""

import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from portal import backups

from .factories import ProjectFactory, theme

ROOT = settings.BASE_DIR
PRODUCTION_LIKE = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "backup-test-a-long-production-like-secret-key-0123456789abcdefghij",
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    "DJANGO_ENV_FILE": os.devnull,
}


def source_url():
    """The URL of the test database, on the server the tests run on."""
    return backups.with_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])


@pytest.fixture
def restored_name():
    name = f"{connection.settings_dict['NAME']}_restored"
    yield name
    with psycopg.connect(source_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(url, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        # The portal's own settings only: not those the test suite set for itself.
        env={
            **{name: value for name, value in os.environ.items() if not name.startswith("DJANGO")},
            **PRODUCTION_LIKE,
            "DATABASE_URL": url,
        },
        capture_output=True,
        text=True,
    )


def test_a_backup_restores_into_a_new_database_that_passes_every_check(
    reference_data, restored_name, tmp_path
):
    published = ProjectFactory(title="Befriending in Hackney", themes=[theme("isolation")])
    ProjectFactory(title="Draft in Camden", publication_state="draft")

    path = backups.dump(source_url(), folder=tmp_path)
    assert path.stat().st_size > 0
    restored_database = backups.restore(path, source_url(), restored_name)
    assert restored_database == backups.with_database(source_url(), restored_name)

    with psycopg.connect(restored_database) as restored:
        titles = restored.execute(
            "SELECT title, publication_state FROM projects_project ORDER BY title"
        ).fetchall()
        authorities = restored.execute("SELECT count(*) FROM boroughs_borough").fetchone()[0]
    assert titles == [("Befriending in Hackney", "published"), ("Draft in Camden", "draft")]
    assert authorities == 33
    assert published.slug

    migrations = manage(restored_database, "migrate", "--check", "--no-input")
    assert migrations.returncode == 0, migrations.stdout + migrations.stderr
    deploy = manage(
        restored_database, "check", "--deploy", "--fail-level", "WARNING", "--database", "default"
    )
    assert deploy.returncode == 0, deploy.stderr
    catalogue = manage(restored_database, "check_catalogue")
    assert catalogue.returncode == 0, catalogue.stdout + catalogue.stderr
    assert "The catalogue keeps every rule." in catalogue.stdout


def test_a_backup_is_never_restored_over_a_database(db, tmp_path):
    path = tmp_path / "portal.dump"
    path.write_bytes(b"PGDMP")
    with pytest.raises(backups.BackupError, match="exists: a backup is restored into a new"):
        backups.restore(path, source_url(), connection.settings_dict["NAME"])


def test_a_file_that_is_not_a_backup_leaves_no_database_behind(db, tmp_path, restored_name):
    path = tmp_path / "notes.dump"
    path.write_text("not a backup")
    with pytest.raises(backups.BackupError, match="pg_restore failed"):
        backups.restore(path, source_url(), restored_name)
    with psycopg.connect(source_url()) as connection:
        left = connection.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s", [restored_name]
        ).fetchone()[0]
    assert left == 0
