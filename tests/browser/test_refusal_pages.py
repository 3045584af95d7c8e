"""The pages that refuse a request for now (downloads busy, too many password resets, a form
sent without its security token): readable at 320 and 1280 pixels wide, without sideways
scrolling, and with no accessibility violation."""

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from .conftest import axe_violations

WIDTHS = [320, 1280]


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_downloads_busy_page(page, url, width):
    page.set_viewport_size({"width": width, "height": 900})
    with override_settings(DOWNLOADS_AT_ONCE=0):
        page.goto(url("/projects/"))
        page.get_by_role("link", name="Download all projects (CSV)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Downloads are busy")
    expect(page.get_by_role("link", name="Go back to the projects")).to_be_visible()
    assert fits(page)
    assert axe_violations(page) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_too_many_password_resets_page(page, url, width):
    page.set_viewport_size({"width": width, "height": 900})
    with override_settings(PASSWORD_RESET_RATE="0/h"):
        page.goto(url("/account/reset/"))
        page.get_by_label("Email address").fill("someone@example.org")
        page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Too many requests to reset a password"
    )
    assert fits(page)
    assert axe_violations(page) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_form_without_its_security_token_page(page, url, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url("/account/sign-in/"))
    page.context.clear_cookies()  # as when the form was left open past its session
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password", exact=True).fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your form could not be sent")
    assert fits(page)
    assert axe_violations(page) == []
