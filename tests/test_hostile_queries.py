"""Junk in any parameter of any public page or download is answered, with a message where the
page reads it, and never with a server error."""

import io
import re
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boroughs.models import Borough, Commission
from projects.models import Funder, FundingSettlement, Project, Theme

pytestmark = pytest.mark.django_db

# Values people and robots send that the pages must not trip over: digits int() cannot read,
# numbers beyond any column, impossible dates, characters PostgreSQL refuses in text.
NASTY = [
    "²",
    "x-r²",
    "٤",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "NaN",
    "Infinity",
    "\x00",
    "a\x00b",
    "%",
    "'; DROP TABLE projects_project; --",
    "../../etc/passwd",
    " ",
    "2024-02-30",
    "<script>alert(1)</script>",
    "\ud7ff\ufffd",
    "-" * 300,
]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=30), st.integers().map(str))


def public_pages():
    """An address of every kind of public page and download, from the demo catalogue."""
    project = Project.objects.published().order_by("pk").first()
    return [
        "/",
        "/projects/",
        "/projects/export.csv",
        "/projects/export.json",
        "/projects/feed.atom",
        f"/projects/{project.slug}/",
        f"/compare/projects/?project={project.slug}",
        "/boroughs/",
        f"/boroughs/{Borough.objects.order_by('pk').first().slug}/",
        "/compare/boroughs/",
        "/commissions/",
        f"/commissions/{Commission.objects.order_by('pk').first().slug}/",
        "/funders/",
        f"/funders/{Funder.objects.order_by('pk').first().slug}/",
        "/projects/export.xlsx",
        "/settlements/",
        "/settlements/export.csv",
        "/settlements/export.json",
        "/settlements/export.xlsx",
        "/settlements/360giving.json",
        f"/settlements/{FundingSettlement.objects.order_by('pk').first().pk}/",
        "/themes/",
        f"/themes/{Theme.objects.order_by('pk').first().slug}/",
        "/about/data/",
        "/accessibility/",
    ]


def parameters_read(client, address):
    """The names of the parameters a page's own forms and links send (for a download or a
    feed, its list's)."""
    if address.startswith(("/projects/export", "/projects/feed")):
        address = "/projects/"
    elif address.startswith(("/settlements/export", "/settlements/360giving")):
        address = "/settlements/"
    page = client.get(address).content.decode()
    names = set(re.findall(r'name="([a-z_]+)"', page))
    names |= set(re.findall(r"[?&;]([a-z_]+)=", page.replace("&amp;", "&")))
    return sorted(names - {"csrfmiddlewaretoken", "viewport", "description"})


def test_junk_in_any_parameter_of_any_public_page_is_never_a_server_error():
    call_command("seed_demo", "--projects", "40", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    client = Client(raise_request_exception=False)
    pages = [(address, parameters_read(client, address)) for address in public_pages()]
    assert {"q", "theme", "borough", "amount_from", "year"} <= set(dict(pages)["/projects/"])

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def answered(data):
        address, names = data.draw(st.sampled_from(pages))
        chosen = data.draw(
            st.lists(st.sampled_from([*names, "page", "sort", "unknown"]), max_size=4)
        )
        query = urlencode([(name, data.draw(VALUES)) for name in chosen])
        joined = f"{address}{'&' if '?' in address else '?'}{query}"
        response = client.get(joined)
        assert response.status_code < 500, joined
        if response.status_code == 400:
            assert "govuk-error-summary" in response.content.decode(), joined

    answered()
