"""Data entry in one pass: funding lines, yearly allocations and recommendations are added on
the record's own page ("Add another", which without JavaScript sends the form back with one
more row and saves nothing), and a settlement sets out a row for each of its years."""

import re
from decimal import Decimal

import pytest

from boroughs.models import Commission
from projects.models import FundingSettlement, Project

from .factories import FunderFactory, SettlementFactory, UserFactory, borough, theme
from .test_officers import date_fields, officer, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    return signed_in(client, officer("hackney-editor", "hackney", "editor"))


def new_project(**changes):
    return {
        "title": "Family Cookery Evenings",
        "summary": "Families cook and eat together.",
        "description": "Every Thursday.",
        "lead_borough": borough("hackney").pk,
        "themes": [theme("cohesion").pk],
        "delivery_status": "active",
        **date_fields("start_date", "1/10/2025"),
        "contact_name": "Community team",
        "contact_email": "community@example.org",
        "fundings-TOTAL_FORMS": 1,
        "fundings-INITIAL_FORMS": 0,
        **changes,
    }


def rows_shown(page, prefix, field):
    return re.findall(rf'name="{prefix}-(\d+)-{field}"', page)


def test_add_another_without_javascript_adds_a_row_and_saves_nothing(editor):
    typed = new_project(title="")  # not finished yet: no message about it
    response = editor.post("/officer/projects/new/", {**typed, "add_row": "fundings"})
    assert response.status_code == 200
    page = response.text
    assert "There is a problem" not in page
    assert "govuk-error-message" not in page
    assert rows_shown(page, "fundings", "settlement") == ["0", "1"]
    assert 'name="fundings-TOTAL_FORMS" value="2"' in page
    assert 'value="Families cook and eat together."' in page
    assert "Add another funding line" in page
    assert not Project.objects.exists()


def test_several_funding_lines_are_saved_with_a_new_project_in_one_pass(editor):
    trust = SettlementFactory(first_year=2025, last_year=2026, total_amount=Decimal("50000"))
    gla = SettlementFactory(first_year=2025, last_year=2025, total_amount=Decimal("20000"))
    lines = {
        "fundings-TOTAL_FORMS": 2,
        "fundings-0-settlement": trust.pk,
        "fundings-0-amount": "30000",
        "fundings-1-settlement": gla.pk,
        "fundings-1-amount": "15000",
    }
    assert editor.post("/officer/projects/new/", new_project(**lines)).status_code == 302
    project = Project.objects.get()
    assert sorted(project.fundings.values_list("amount", flat=True)) == [15000, 30000]
    assert project.funding_total == Decimal("45000")


def new_settlement(**changes):
    return {
        "funder": FunderFactory().pk,
        "programme": "Belonging Fund",
        "recipient": borough("hackney").pk,
        "total_amount": "300000",
        "first_year": "2025",
        "last_year": "2027",
        "restrictions": "light-touch",
        **date_fields("awarded_on", "1/3/2025"),
        "allocations-TOTAL_FORMS": 2,
        "allocations-INITIAL_FORMS": 0,
        "fundings-TOTAL_FORMS": 0,
        "fundings-INITIAL_FORMS": 0,
        **changes,
    }


@pytest.fixture
def curator(client):
    """An admin, whose saves go through at once (an officer's wait for a reviewer)."""
    client.force_login(UserFactory(username="curator", is_staff=True, is_superuser=True))
    return client


def test_a_settlement_sets_out_a_row_for_each_year_then_saves_them(curator):
    editor = curator
    response = editor.post("/officer/settlements/new/", {**new_settlement(), "set_out_years": "1"})
    assert response.status_code == 200
    page = response.text
    assert "There is a problem" not in page
    years = dict(re.findall(r'name="allocations-(\d+)-financial_year"[^>]*value="(\d+)"', page))
    amounts = dict(re.findall(r'name="allocations-(\d+)-amount"[^>]*value="([\d.]+)"', page))
    assert sorted((years[row], amounts[row]) for row in years) == [
        ("2025", "100000"),
        ("2026", "100000"),
        ("2027", "100000"),
    ]
    assert not FundingSettlement.objects.exists()

    data = new_settlement()
    data["allocations-TOTAL_FORMS"] = 3
    for row, year in years.items():
        data[f"allocations-{row}-financial_year"] = year
        data[f"allocations-{row}-amount"] = amounts[row]
    assert editor.post("/officer/settlements/new/", data).status_code == 302
    settlement = FundingSettlement.objects.get()
    assert dict(settlement.allocations.values_list("financial_year", "amount")) == {
        2025: 100000,
        2026: 100000,
        2027: 100000,
    }


def test_setting_out_years_keeps_amounts_already_entered(editor):
    typed = new_settlement(
        **{"allocations-0-financial_year": "2026", "allocations-0-amount": "120000"}
    )
    page = editor.post("/officer/settlements/new/", {**typed, "set_out_years": "1"}).text
    rows = re.findall(r'name="allocations-(\d+)-financial_year"[^>]*value="(\d+)"', page)
    assert sorted(year for _, year in rows) == ["2025", "2026", "2027"]
    assert 'value="120000"' in page
    assert len(re.findall(r'name="allocations-\d+-amount"[^>]*value="\d', page)) == 1


def test_a_commission_gets_another_recommendation_row(editor):
    response = editor.post(
        "/officer/commissions/new/",
        {
            "title": "Hackney Belonging Commission",
            "recommendations-TOTAL_FORMS": 1,
            "recommendations-INITIAL_FORMS": 0,
            "add_row": "recommendations",
        },
    )
    assert response.status_code == 200
    assert rows_shown(response.text, "recommendations", "text") == ["0", "1"]
    assert not Commission.objects.exists()
