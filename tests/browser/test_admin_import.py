"""An admin imports projects from a CSV file in the Django admin, in a browser."""

import csv

import pytest
from playwright.sync_api import expect

from projects.models import Project

from ..factories import UserFactory

PASSWORD = "a-long-test-password"
HEADER = ["title", "summary", "lead_borough", "themes", "delivery_status", "start_date"]


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def admin_user():
    return UserFactory(username="curator", is_staff=True, is_superuser=True)


def test_a_dry_run_shows_a_row_error_and_the_corrected_file_imports(
    page, url, admin_user, tmp_path
):
    page.goto(url("/admin/login/"))
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(url("/admin/projects/project/"))
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("link", name="Download a template (CSV)")).to_be_visible()

    rows = [
        [
            "Hackney supper club",
            "Neighbours cook together.",
            "Hackney",
            "cohesion",
            "active",
            "2025-04-01",
        ],
        [
            "Atlantis welcome desk",
            "Advice for new arrivals.",
            "Atlantis",
            "migrants-and-citizenship",
            "planned",
            "2025-09-01",
        ],
    ]
    page.locator("input[type=file]").set_input_files(write_csv(tmp_path / "projects.csv", rows))
    page.locator("select[name=format]").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Row 3, lead_borough")).to_be_visible()
    expect(page.get_by_text("no London authority called “Atlantis”")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)
    assert not Project.objects.exists()

    rows[1][2] = "Tower Hamlets"
    page.goto(url("/admin/projects/project/import/"))
    page.locator("input[type=file]").set_input_files(write_csv(tmp_path / "fixed.csv", rows))
    page.locator("select[name=format]").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_text("Import finished")).to_be_visible()
    assert sorted(Project.objects.values_list("title", "lead_borough__name")) == [
        ("Atlantis welcome desk", "Tower Hamlets"),
        ("Hackney supper club", "Hackney"),
    ]
