"""axe-core finds no WCAG 2.0, 2.1 or 2.2 level A or AA violation on any kind of page."""

import pytest
from playwright.sync_api import expect

from boroughs.models import Commission, Membership
from projects.models import FundingSettlement, Project, Theme

from ..factories import UserFactory
from .conftest import axe_violations

PASSWORD = "a-long-test-password"


def public_pages():
    project = Project.objects.published().order_by("pk").first()
    others = Project.objects.published().order_by("pk")[1:3]
    commission = Commission.objects.filter(recommendations__isnull=False).first()
    return {
        "home": "/",
        "projects list with filters": "/projects/?theme=isolation&london=inner&sort=title",
        "projects list with errors": "/projects/?borough=atlantis&amount_from=9&amount_to=1&page=x",
        "project": project.get_absolute_url(),
        "boroughs index with the map": "/boroughs/",
        "borough": "/boroughs/hackney/",
        "commissions": "/commissions/?kind=cohesion",
        "commission": commission.get_absolute_url(),
        "funders": "/funders/",
        "funder": FundingSettlement.objects.first().funder.get_absolute_url(),
        "settlements": "/settlements/?multi_year=yes",
        "settlement": FundingSettlement.objects.first().get_absolute_url(),
        "themes": "/themes/",
        "theme": Theme.objects.get(slug="isolation").get_absolute_url(),
        "compare projects": "/compare/projects/?"
        + "&".join(f"project={p.slug}" for p in [project, *others]),
        "compare boroughs": "/compare/boroughs/?borough=hackney&borough=camden&borough=brent",
        "compare with a bad selection": "/compare/projects/?project=nothing",
        "about the data": "/about/data/",
        "accessibility statement": "/accessibility/",
        "read API documentation": "/api/",
        "sign in": "/account/sign-in/",
        "not found": "/no-such-page/",
    }


def violations_report(page, pages):
    """Visit each page and return its axe violations, as readable lines, by kind of page."""
    report = {}
    for kind, go in pages.items():
        go()
        found = axe_violations(page)
        if found:
            report[kind] = [f"{v['id']}: {v['help']} at {', '.join(v['nodes'])}" for v in found]
    return report


def test_every_kind_of_public_page_has_no_accessibility_violations(page, url, demo):
    pages = {
        kind: (lambda path=path: page.goto(url(path))) for kind, path in public_pages().items()
    }

    def sign_in_with_errors():
        page.goto(url("/account/sign-in/"))
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()

    pages["sign in with errors"] = sign_in_with_errors
    assert violations_report(page, pages) == {}


def sign_in(page, url, user):
    page.goto(url("/account/sign-in/"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def officer(demo):
    user = UserFactory(username="hackney-officer")
    Membership.objects.create(user=user, borough_id=Project.objects.first().lead_borough_id)
    return user


def officer_pages(officer):
    """A path of each kind of officers' page, for `officer`."""
    project = Project.objects.of_officer(officer).first()
    return {
        "dashboard": "/officer/",
        "projects": "/officer/projects/",
        "project": f"/officer/projects/{project.slug}/",
        "project form": f"/officer/projects/{project.slug}/edit/",
        "history": f"/officer/projects/{project.slug}/history/",
        "commissions": "/officer/commissions/",
        "new commission": "/officer/commissions/new/",
        "settlements": "/officer/settlements/",
        "new settlement": "/officer/settlements/new/",
        "changes for review": "/officer/changes/",
        "password change": "/account/password/",
    }


def test_every_kind_of_officers_page_has_no_accessibility_violations(page, url, officer):
    sign_in(page, url, officer)
    paths = officer_pages(officer)
    pages = {kind: (lambda path=path: page.goto(url(path))) for kind, path in paths.items()}

    def project_form_with_errors():
        page.goto(url("/officer/projects/new/"))
        page.locator("main form").get_by_role("button", name="Save").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()

    pages["project form with errors"] = project_form_with_errors
    assert violations_report(page, pages) == {}
