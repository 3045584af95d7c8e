"""When the database or the cache does not answer: the readiness check says which, and the public
pages go on without the cache."""

import logging

import pytest
from django.db import OperationalError
from django.test import override_settings

from portal import cache as portal_cache

from .factories import ProjectFactory

pytestmark = pytest.mark.django_db

# A Redis nobody listens at: the connection is refused at once.
NOWHERE = {
    "default": {
        "BACKEND": "portal.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def redis_outage():
    portal_cache.RedisCache.outage = portal_cache.Outage()
    with override_settings(CACHES=NOWHERE):
        yield
    portal_cache.RedisCache.outage = portal_cache.Outage()


def test_liveness_and_readiness_answer_ok_when_all_is_well(client):
    assert client.get("/healthz/").text == "ok"
    ready = client.get("/readyz/")
    assert ready.status_code == 200
    assert ready.text == "ok"


def test_readiness_names_a_database_that_does_not_answer(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("portal.views.database_answers", refuse)
    ready = client.get("/readyz/")
    assert ready.status_code == 503
    assert ready.text == "not ready: database down"
    assert client.get("/healthz/").status_code == 200


def test_readiness_names_a_cache_that_does_not_answer(client, redis_outage):
    ready = client.get("/readyz/")
    assert ready.status_code == 503
    assert ready.text == "not ready: cache down"


@override_settings(SECURE_SSL_REDIRECT=True)
def test_the_health_checks_answer_over_plain_http_with_the_https_redirect_on(client):
    assert client.get("/readyz/").status_code == 200
    assert client.get("/healthz/").status_code == 200
    assert client.get("/projects/").status_code == 301


def test_public_pages_go_on_without_redis_and_say_so_once_in_the_log(client, redis_outage, caplog):
    ProjectFactory(title="Tea and talk")
    with caplog.at_level(logging.ERROR, logger="portal.cache"):
        for address in ("/", "/projects/", "/projects/?q=tea", "/boroughs/", "/themes/"):
            response = client.get(address)
            assert response.status_code == 200, address
    assert "Tea and talk" in client.get("/projects/").text
    outages = [r for r in caplog.records if "does not answer" in r.getMessage()]
    assert len(outages) == 1
