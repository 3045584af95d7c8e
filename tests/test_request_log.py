"""The log an operator reads: one line of JSON for each record, and for each request its
method, path, status, bytes, duration and client."""

import json
import logging

import pytest

from portal.logs import JsonFormatter

from .factories import ProjectFactory

pytestmark = pytest.mark.django_db


def request_lines(caplog):
    return [
        json.loads(JsonFormatter().format(record))
        for record in caplog.records
        if record.name == "portal.requests"
    ]


def test_each_request_is_one_line_with_its_duration(client, caplog, settings):
    settings.CLIENT_ADDRESS_HEADER = "X-Forwarded-For"
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        client.get("/themes/?sort=name", headers={"X-Forwarded-For": "198.51.100.7"})
        client.get("/no-such-page/")
    themes, missing = request_lines(caplog)
    assert themes["method"] == "GET"
    assert themes["path"] == "/themes/?sort=name"
    assert themes["status"] == 200
    assert themes["bytes"] > 1000
    assert 0 < themes["duration_ms"] < 10_000
    assert themes["client"] == "198.51.100.7"
    assert themes["level"] == "INFO"
    assert themes["message"].startswith("GET /themes/?sort=name 200 ")
    assert (missing["path"], missing["status"]) == ("/no-such-page/", 404)


def test_health_checks_are_logged_only_when_not_ok(client, caplog, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        client.get("/healthz/")
        client.get("/readyz/")
    assert [(line["path"], line["status"]) for line in request_lines(caplog)] == [("/readyz/", 503)]


def test_a_download_is_logged_when_its_stream_ends_with_all_its_bytes(client, caplog):
    ProjectFactory(title="Befriending Network")
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        response = client.get("/projects/export.csv")
        assert request_lines(caplog) == []
        content = b"".join(response.streaming_content)
    [line] = request_lines(caplog)
    assert (line["path"], line["status"], line["bytes"]) == (
        "/projects/export.csv",
        200,
        len(content),
    )


def test_every_record_is_one_line_of_json_even_with_a_traceback(caplog):
    with caplog.at_level(logging.ERROR, logger="portal"):
        try:
            1 / 0  # noqa: B018 (the error is the point)
        except ZeroDivisionError:
            logging.getLogger("portal").exception("Something broke")
    [record] = caplog.records
    text = JsonFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert (line["level"], line["logger"], line["message"]) == (
        "ERROR",
        "portal",
        "Something broke",
    )
    assert "ZeroDivisionError" in line["exception"]


def test_the_console_writes_json():
    assert any(
        isinstance(handler.formatter, JsonFormatter) for handler in logging.getLogger().handlers
    )
