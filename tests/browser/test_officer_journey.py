"""An officer's project from first draft to the public list, through a reviewer, in a browser."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from boroughs.models import Membership
from portal.money import pounds
from projects.models import FundingSettlement, Project

from ..factories import FunderFactory, SettlementFactory, UserFactory, borough

PASSWORD = "a-long-test-password"
TITLE = "Hackney family cookery evenings"


@pytest.fixture
def officers():
    people = {}
    for username, slug, role in [
        ("hackney-editor", "hackney", "editor"),
        ("hackney-reviewer", "hackney", "reviewer"),
        ("camden-editor", "camden", "editor"),
    ]:
        people[username] = UserFactory(username=username)
        Membership.objects.create(user=people[username], borough=borough(slug), role=role)
    return people


@pytest.fixture
def hackney_money():
    """Two settlements paid to Hackney that cover 2025-26."""
    return [
        SettlementFactory(
            funder=FunderFactory(name=name),
            programme=programme,
            recipient=borough("hackney"),
            first_year=2025,
            last_year=last_year,
        )
        for name, programme, last_year in [
            ("Thames Trust", "Cookery Fund", 2026),
            ("Greater London Authority", "Family Fund", 2025),
        ]
    ]


def funding_line(page, number, settlement, amount):
    row = page.get_by_role("group", name=f"Funding line {number} (new)")
    row.get_by_label("Settlement").select_option(
        label=f"{settlement.funder}: {settlement.programme}, {settlement.recipient} "
        f"({settlement.years_label}, {pounds(settlement.total_amount)})"
    )
    row.get_by_label("Amount (£)").fill(amount)


def sign_in(page, url, username):
    page.goto(url("/account/sign-in/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your dashboard")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()


def open_project(page, url):
    page.goto(url("/officer/projects/"))
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def test_a_project_goes_from_draft_to_the_public_list(page, url, officers, hackney_money):
    sign_in(page, url, "hackney-editor")
    page.get_by_role("link", name="Add a project").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill("Families cook and eat together.")
    page.get_by_label("Description").fill("Every Thursday in three community kitchens.")
    page.get_by_label("Public contact", exact=True).fill("Community team")
    page.get_by_label("Public contact email").fill("community@example.org")
    # Two funding lines on the same page, the second added with "Add another".
    funding_line(page, 1, hackney_money[0], "30000")
    page.get_by_role("button", name="Add another funding line").click()
    funding_line(page, 2, hackney_money[1], "15000")
    page.get_by_role("group", name="Delivery status").get_by_label("Active").check()
    start = page.get_by_role("group", name="Start date")
    start.get_by_label("Day").fill("1")
    start.get_by_label("Month").fill("13")
    start.get_by_label("Year").fill("2025")
    page.locator("main form").get_by_role("button", name="Save").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    summary.get_by_role("link", name="Select at least one of the themes").click()
    expect(page.get_by_role("group", name="Themes").get_by_role("checkbox").first).to_be_focused()
    page.get_by_role("group", name="Themes").get_by_label(
        "Shared experiences and relationships"
    ).check()
    summary.get_by_role("link", name=re.compile("Start date must be a real date")).click()
    expect(start.get_by_label("Day")).to_be_focused()
    start.get_by_label("Month").fill("10")
    page.locator("main form").get_by_role("button", name="Save").click()
    expect(page.get_by_text("The project was saved as a draft.")).to_be_visible()
    project = Project.objects.get(title=TITLE)
    assert sorted(project.fundings.values_list("amount", flat=True)) == [15000, 30000]

    page.get_by_role("link", name="Submit for review").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".govuk-tag", has_text="Submitted for review")).to_be_visible()
    sign_out(page)

    sign_in(page, url, "hackney-reviewer")
    expect(page.get_by_text("Waiting for your review (1)")).to_be_visible()
    page.get_by_role("link", name=TITLE).first.click()
    page.get_by_role("link", name="Return to draft").click()
    page.get_by_label("Comment").fill("Say who delivers it.")
    page.get_by_role("button", name="Return to draft").click()
    expect(page.get_by_text("“Say who delivers it.”")).to_be_visible()
    sign_out(page)

    sign_in(page, url, "hackney-editor")
    expect(page.get_by_text("“Say who delivers it.”")).to_be_visible()
    open_project(page, url)
    page.get_by_role("link", name="Edit").click()
    # Meanwhile the reviewer rewrites the summary: both changes are kept.
    project = Project.objects.get(title=TITLE)
    project.summary = "Families of every background cook and eat together."
    project._history_user = officers["hackney-reviewer"]
    project.save()
    page.get_by_label("Delivery partners").fill("Kitchen Table Collective")
    page.locator("main form").get_by_role("button", name="Save").click()
    expect(page.get_by_text("their changes to summary are kept with yours")).to_be_visible()
    page.get_by_role("link", name="Submit for review").click()
    page.get_by_role("button", name="Submit for review").click()
    sign_out(page)

    sign_in(page, url, "hackney-reviewer")
    open_project(page, url)
    page.get_by_role("link", name="Publish").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".govuk-tag", has_text="Published")).to_be_visible()
    project_path = page.url.replace(url(""), "")
    sign_out(page)

    page.goto(url("/projects/?q=cookery"))
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV (spreadsheet)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert [row["title"] for row in rows] == [TITLE]
    assert rows[0]["delivery_partners"] == "Kitchen Table Collective"
    assert rows[0]["summary"] == "Families of every background cook and eat together."

    sign_in(page, url, "camden-editor")
    response = page.goto(url(project_path))
    assert response.status == 404
    response = page.goto(url(project_path + "edit/"))
    assert response.status == 404


def test_a_settlement_is_entered_with_a_row_for_each_year_in_one_pass(page, url, officers):
    FunderFactory(name="Thames Trust")
    sign_in(page, url, "hackney-editor")
    page.get_by_role("link", name="Add a funding settlement").click()
    page.get_by_label("Funder").select_option(label="Thames Trust")
    page.get_by_label("Programme name").fill("Belonging Fund")
    page.get_by_label("Total amount (£)").fill("90000")
    page.get_by_label("First financial year").fill("2025")
    page.get_by_label("Last financial year").fill("2027")
    page.get_by_label("Light-touch reporting").check()
    awarded = page.get_by_role("group", name="Date awarded")
    awarded.get_by_label("Day").fill("1")
    awarded.get_by_label("Month").fill("3")
    awarded.get_by_label("Year").fill("2025")
    page.get_by_role("button", name="Set out a row for each year").click()
    for number, year in enumerate(["2025", "2026", "2027"], start=1):
        row = page.get_by_role("group", name=re.compile(rf"^Year {number}"))
        expect(row.get_by_label(re.compile("Financial year"))).to_have_value(year)
        expect(row.get_by_label("Amount (£)")).to_have_value("30000")
    expect(page.get_by_label("Programme name")).to_have_value("Belonging Fund")
    page.locator("main form").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Sent to the reviewers of Hackney")).to_be_visible()
    assert not FundingSettlement.objects.filter(programme="Belonging Fund").exists()
    sign_out(page)

    sign_in(page, url, "hackney-reviewer")
    page.get_by_role("link", name="Changes for review").click()
    page.get_by_role("link", name=re.compile("Belonging Fund")).click()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("Approved: it is public now.")).to_be_visible()
    settlement = FundingSettlement.objects.get(programme="Belonging Fund")
    assert sorted(settlement.allocations.values_list("financial_year", flat=True)) == [
        2025,
        2026,
        2027,
    ]
