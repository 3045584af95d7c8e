"""The headers every page is sent with: a strict Content-Security-Policy, a Permissions-Policy."""

import base64
import hashlib
import re

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
    sources = policy["script-src"].split()
    assert sources[0] == "'self'"
    assert len(sources) == 2
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", sources[1])
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "geolocation", "microphone", "payment"):
        assert f"{feature}=()" in permissions


def test_no_page_of_the_portal_carries_inline_script_or_style_but_the_one_allowed(client):
    ProjectFactory(title="Tea and talk")
    for path in ("/", "/projects/", "/boroughs/", "/themes/", "/about/data/"):
        response = client.get(path)
        page = response.text
        inline = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
        assert len(inline) == 1, path
        digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
        assert f"'sha256-{digest}'" in response["Content-Security-Policy"], path
        assert "<style" not in page, path
        assert ' style="' not in page, path
