"""A researcher's journeys in a real browser: find, filter, sort, page, compare and download."""

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import (
    FunderFactory,
    ProjectFactory,
    ProjectFundingFactory,
    SettlementFactory,
    borough,
    theme,
)


@pytest.fixture
def isolation_work():
    """35 projects on isolation: 30 funded by the GLA (25 in Hackney, 5 in Camden), 5 by a trust."""
    gla = FunderFactory(name="Greater London Authority", slug="gla", kind="gla")
    trust = FunderFactory(name="Thames Trust", slug="thames-trust", kind="trust")
    for n in range(30):
        where = "hackney" if n < 25 else "camden"
        project = ProjectFactory(
            title=f"{where.title()} befriending circle {n:02d}",
            lead_borough=borough(where),
            themes=[theme("isolation")],
        )
        ProjectFundingFactory(
            project=project,
            amount=Decimal(1000 * (n + 1)),
            settlement=SettlementFactory(funder=gla, recipient=borough(where)),
        )
    for n in range(5):
        project = ProjectFactory(title=f"Hackney lunch club {n}", themes=[theme("isolation")])
        ProjectFundingFactory(project=project, settlement=SettlementFactory(funder=trust))
    ProjectFactory(title="Hackney cohesion forum", themes=[theme("cohesion")])


def result_titles(page):
    return page.locator(".portal-result h3 a").all_inner_texts()


def test_a_researcher_filters_sorts_pages_and_comes_back(page, url, isolation_work):
    page.goto(url("/"))
    page.get_by_role("link", name="Isolation and loneliness", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Isolation and loneliness")
    page.get_by_role("link", name=re.compile(r"See all 35 projects")).click()
    expect(page).to_have_url(re.compile(r"/projects/\?theme=isolation"))
    expect(page.get_by_text("35 projects found")).to_be_visible()

    page.locator("summary", has_text="Borough (lead or partner)").click()
    page.get_by_label(re.compile(r"^Hackney \(30")).check()
    page.get_by_role("button", name="Apply filters").first.click()
    expect(page.get_by_text("30 projects found, filtered")).to_be_visible()

    kinds = page.get_by_role("group", name="Kind of funder")
    kinds.get_by_label(re.compile(r"^Greater London Authority \(25")).check()
    page.get_by_role("button", name="Apply filters").first.click()
    expect(page.get_by_text("25 projects found, filtered")).to_be_visible()

    page.get_by_role("link", name=re.compile(r"Remove this filter: Borough .* Hackney")).click()
    expect(page.get_by_text("30 projects found, filtered")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"borough="))

    page.get_by_label("Sort by").select_option("funding")
    page.get_by_role("button", name="Update").click()
    assert result_titles(page)[0] == "Camden befriending circle 29"

    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Showing 21 to 30")).to_be_visible()
    listed = page.url
    first = result_titles(page)[0]
    assert first == "Hackney befriending circle 09"

    page.get_by_role("link", name=first).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first)
    page.go_back()
    assert page.url == listed
    assert result_titles(page)[0] == first
    expect(page.get_by_label("Sort by")).to_have_value("funding")


def test_a_researcher_compares_projects_then_boroughs(page, url, isolation_work):
    page.goto(url("/projects/?theme=isolation&sort=title&page_size=50"))
    compare = page.get_by_role("button", name=re.compile("^Compare"))
    for title in [
        "Camden befriending circle 25",
        "Camden befriending circle 26",
        "Hackney lunch club 0",
    ]:
        page.get_by_label(f"Compare {title}").check()
        # The button stays in reach while ticking, and counts what is ticked.
        expect(compare).to_be_in_viewport()
    expect(compare).to_have_text("Compare (3 selected)")
    compare.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare projects")
    expect(page.get_by_text("3 projects side by side")).to_be_visible()
    headers = page.locator("thead th a").all_inner_texts()
    assert headers == [
        "Camden befriending circle 25",
        "Camden befriending circle 26",
        "Hackney lunch club 0",
    ]

    page.goto(url("/boroughs/"))
    page.get_by_label("Compare Hackney").check()
    page.get_by_label("Compare Camden").check()
    page.get_by_role("button", name="Compare selected authorities").click()
    expect(page).to_have_url(re.compile(r"/compare/boroughs/\?"))
    expect(page.locator("thead").first).to_contain_text("Camden")
    expect(page.locator("thead").first).to_contain_text("Hackney")


def test_downloads_hold_exactly_the_rows_the_list_showed(page, url, isolation_work):
    page.goto(url("/projects/?theme=isolation&funder_kind=trust&page_size=100"))
    shown = sorted(result_titles(page))
    assert len(shown) == 5

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV (spreadsheet)").click()
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    assert sorted(row["title"] for row in csv.DictReader(io.StringIO(text))) == shown
    assert csv_download.value.suggested_filename.endswith(".csv")

    with page.expect_download() as json_download:
        page.get_by_role("link", name="JSON").click()
    document = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert sorted(project["title"] for project in document["projects"]) == shown
