"""Fixtures for every test: an empty cache around each, the reference data (authorities,
themes, target groups) for tests whose database is emptied after them, and a curator signed in
to the admin."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.db import connection

from boroughs.models import Borough
from portal import caching

from .factories import UserFactory

# Before any test module imports the shared helpers, so that their asserts report their values.
pytest.register_assert_rewrite("tests.helpers")

LOADERS = [
    ("boroughs.migrations.0003_load_london_authorities", "load_authorities"),
    ("projects.migrations.0001_squashed_0012_active_dates_in_start_index", "load_taxonomies"),
]


@pytest.fixture(autouse=True)
def empty_cache():
    """An empty cache, and nothing held in the process: a test's catalogue version may have been
    another's, since each test's changes are rolled back."""
    cache.clear()
    caching.held.clear()
    yield
    cache.clear()
    caching.held.clear()


@pytest.fixture(autouse=True)
def changes_seen_at_once(request):
    """A test that does not commit runs inside one transaction, which never commits: there the
    catalogue's version, which moves as a change commits, moves with each change instead, as the
    next request of a running site would see it."""
    marker = request.node.get_closest_marker("django_db")
    committing = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if committing or not (marker or "db" in request.fixturenames):
        return
    request.getfixturevalue("db")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def reference_data(transactional_db):
    """The authorities, themes and target groups that the data migrations load, for tests that
    commit (a live server's, say): the database is emptied after each of them, so this puts the
    reference data back, the migrations' way."""
    if not Borough.objects.exists():
        for module, loader in LOADERS:
            getattr(importlib.import_module(module), loader)(django_apps, None)


@pytest.fixture
def curator_user(db):
    """A curator: staff with every permission in the admin."""
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def curator(client, curator_user):
    """The test client, signed in as `curator_user` (also at `curator.user`)."""
    client.user = curator_user
    client.force_login(curator_user)
    return client
