"""The headers every page is sent with: a strict Content-Security-Policy, a Permissions-Policy."""

import pytest

from .factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="curator", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "path",
    ["/", "/projects/", "/boroughs/", "/account/sign-in/", "/officer/", "/admin/", "/nowhere/"],
)
def test_every_page_has_a_strict_content_security_policy_and_a_permissions_policy(
    admin_client, path
):
    ProjectFactory(title="Tea and talk")
    response = admin_client.get(path)
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "geolocation", "microphone", "payment"):
        assert f"{feature}=()" in permissions


def test_no_page_of_the_portal_carries_inline_script_or_style(client):
    ProjectFactory(title="Tea and talk")
    for path in ("/", "/projects/", "/boroughs/", "/themes/", "/about/data/"):
        page = client.get(path).text
        assert "<script>" not in page, path
        assert "<style" not in page, path
        assert ' style="' not in page, path
