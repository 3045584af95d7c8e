"""Every operation of the read API, called by schemathesis with values drawn from its OpenAPI
document (within the bounds it declares, and some outside them), never answers with a server
error, and answers only with the statuses, content types and bodies the document declares."""

import io

import hypothesis
import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from hypothesis import HealthCheck
from schemathesis import checks

pytestmark = pytest.mark.django_db

DOCUMENT = "/api/v1/openapi.json"
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


# Read from the portal itself, as a client reads it (it reads no data).
schema = schemathesis.openapi.from_wsgi(DOCUMENT, get_wsgi_application())


@pytest.fixture(autouse=True)
def catalogue(db, settings):
    """A small catalogue, so that the lists hold records of every kind."""
    call_command("seed_demo", "--projects", "33", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Every example is answered, rather than some with 429.
    settings.API_RATE = "100000/m"


@pytest.fixture(autouse=True)
def one_connection():
    """Requests made straight to the WSGI application keep the test's database connection
    (and its transaction), as Django's test client does."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@hypothesis.settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_documented(case):
    # Uncompressed: the WSGI transport hands the body over as the portal sends it.
    case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})


def test_every_operation_is_covered(client):
    document = client.get(DOCUMENT).json()
    operations = {path for path, methods in document["paths"].items() if "get" in methods}
    assert operations == {
        "/api/v1/projects/",
        "/api/v1/projects/{slug}/",
        "/api/v1/boroughs/",
        "/api/v1/boroughs/{slug}/",
        "/api/v1/commissions/",
        "/api/v1/commissions/{slug}/",
        "/api/v1/funders/",
        "/api/v1/funders/{slug}/",
        "/api/v1/settlements/",
        "/api/v1/settlements/{id}/",
        "/api/v1/themes/",
        "/api/v1/themes/{slug}/",
        "/api/v1/target-groups/",
    }
