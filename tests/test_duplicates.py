"""Duplicates caught: a new project with the title and lead authority of one that exists, or a
settlement with the funder, programme, recipient and years of one, is saved only once the
person confirms, and the page links to what exists; an import asks for a slug; the admin
merges two duplicate projects, keeping links, funding and history."""

import datetime
from decimal import Decimal

import pytest

from projects.models import FundingSettlement, Project, ProjectTransition, ProposedChange

from .factories import (
    FunderFactory,
    ProjectFactory,
    ProjectFundingFactory,
    SettlementFactory,
    UserFactory,
    YearlyAllocationFactory,
    borough,
    target_group,
    theme,
)
from .test_imports import csv_file, import_types, preview, project_row, settlement_row
from .test_officers import officer, signed_in
from .test_one_pass_entry import new_project, new_settlement

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    return signed_in(client, officer("hackney-editor", "hackney", "editor"))


def test_a_new_project_like_an_existing_one_asks_first_and_links_to_it(editor):
    existing = ProjectFactory(title="Family Cookery Evenings", lead_borough=borough("hackney"))
    asked = editor.post("/officer/projects/new/", new_project(title="family cookery evenings"))
    assert asked.status_code == 200
    assert (
        "A project called “family cookery evenings” led by Hackney already exists (Family "
        "Cookery Evenings). Change it, or tick “Save it anyway” if this is another one."
    ) in asked.content.decode()
    assert f'href="/officer/projects/{existing.slug}/"' in asked.text
    assert 'name="save_anyway"' in asked.text
    assert Project.objects.count() == 1
    saved = editor.post(
        "/officer/projects/new/", new_project(title="family cookery evenings", save_anyway="on")
    )
    assert saved.status_code == 302
    assert Project.objects.filter(title__iexact="family cookery evenings").count() == 2


def test_the_same_title_in_another_authority_is_not_a_duplicate(editor):
    ProjectFactory(title="Family Cookery Evenings", lead_borough=borough("camden"))
    assert editor.post("/officer/projects/new/", new_project()).status_code == 302


def test_a_new_settlement_like_an_existing_one_asks_first(client):
    # An admin's save goes through at once (an officer's waits for a reviewer).
    client.force_login(UserFactory(username="curator", is_staff=True, is_superuser=True))
    editor = client
    existing = SettlementFactory(
        programme="Belonging Fund", recipient=borough("hackney"), first_year=2025, last_year=2027
    )
    data = new_settlement(funder=existing.funder_id, **{"allocations-TOTAL_FORMS": 0})
    asked = editor.post("/officer/settlements/new/", data)
    assert asked.status_code == 200
    assert "already exists" in asked.text
    assert f'href="/officer/settlements/{existing.pk}/edit/"' in asked.text
    assert FundingSettlement.objects.count() == 1
    saved = editor.post("/officer/settlements/new/", {**data, "save_anyway": "on"})
    assert saved.status_code == 302
    assert FundingSettlement.objects.count() == 2


def test_an_import_row_like_an_existing_project_asks_for_a_slug(curator):
    existing = ProjectFactory(title="Hackney Lunch Club", lead_borough=borough("hackney"))
    response = preview(curator, Project, csv_file([project_row()]))
    assert import_types(response) == ["invalid"]
    assert (
        "Row 2, title: a project with this title led by Hackney already exists "
        f"({existing.slug}) – give its slug to update it, or a slug of its own to add another "
        "project"
    ) in response.content.decode()
    own_slug = preview(curator, Project, csv_file([project_row(slug="hackney-lunch-club-2")]))
    assert import_types(own_slug) == ["new"]


def test_an_import_row_asks_about_a_title_taken_in_another_case_by_the_same_lead(curator):
    existing = ProjectFactory(title="Hackney Lunch Club", lead_borough=borough("hackney"))
    response = preview(curator, Project, csv_file([project_row(title="HACKNEY lunch club")]))
    assert import_types(response) == ["invalid"]
    assert (
        f"Row 2, title: a project with this title led by Hackney already exists ({existing.slug})"
    ) in response.content.decode()
    other_lead = project_row(lead_borough="Camden", partner_boroughs="")
    assert import_types(preview(curator, Project, csv_file([other_lead]))) == ["new"]


def test_an_import_row_naming_two_settlements_in_any_case_cannot_say_which_to_update(curator):
    funder = FunderFactory(name="Thames Community Trust", slug="thames-community-trust")
    for programme in ("Belonging Fund", "belonging fund"):
        SettlementFactory(
            funder=funder,
            programme=programme,
            recipient=borough("hackney"),
            first_year=2024,
            last_year=2026,
            total_amount=Decimal("150000"),
        )
    row = settlement_row(programme="BELONGING FUND", allocations="", projects="")
    response = preview(curator, FundingSettlement, csv_file([row]))
    assert import_types(response) == ["invalid"]
    assert (
        "several settlements already have this funder, programme, recipient and first year, so "
        "the import cannot tell which to update"
    ) in response.content.decode()
    assert FundingSettlement.objects.count() == 2


def test_an_import_row_like_a_settlement_but_for_its_first_year_is_a_new_settlement(curator):
    funder = FunderFactory(name="Thames Community Trust", slug="thames-community-trust")
    SettlementFactory(
        funder=funder,
        programme="Connected Communities",
        recipient=borough("hackney"),
        first_year=2023,
        last_year=2025,
        total_amount=Decimal("150000"),
    )
    response = preview(curator, FundingSettlement, csv_file([settlement_row(projects="")]))
    assert import_types(response) == ["new"]


# Merging two duplicates in the admin -----------------------------------------------------------


@pytest.fixture
def twins():
    settlement = SettlementFactory(total_amount=Decimal("100000"))
    keep = ProjectFactory(
        title="Lunch Club", themes=[theme("cohesion")], description="", contact_name=""
    )
    twin = ProjectFactory(
        title="Lunch club",
        themes=[theme("isolation")],
        target_groups=[target_group("older-people")],
        partner_boroughs=[borough("camden")],
        description="Weekly lunches.",
        contact_name="Lunch team",
    )
    ProjectFundingFactory(project=keep, settlement=settlement, amount=Decimal("10000"))
    ProjectFundingFactory(project=twin, settlement=settlement, amount=Decimal("5000"))
    ProjectFundingFactory(project=twin, amount=Decimal("2000"))
    ProjectTransition.objects.create(
        project=twin, action="submit", from_state="draft", to_state="submitted"
    )
    return keep, twin


def merge(client, projects, keep):
    admin = UserFactory(username="curator-admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    chosen = {"action": "merge_duplicate_projects", "_selected_action": [p.pk for p in projects]}
    page = client.post("/admin/projects/project/", chosen)
    assert "Which project to keep" in page.text
    return client.post(
        "/admin/projects/project/", {**chosen, "apply": "1", "keep": keep.pk}, follow=True
    )


def test_the_admin_merges_two_duplicates_keeping_links_funding_and_history(client, twins):
    keep, twin = twins
    response = merge(client, twins, keep)
    assert "“Lunch club” was merged into “Lunch Club”." in response.text
    assert not Project.objects.filter(pk=twin.pk).exists()
    keep.refresh_from_db()
    assert {t.slug for t in keep.themes.all()} == {"cohesion", "isolation"}
    assert [g.slug for g in keep.target_groups.all()] == ["older-people"]
    assert [b.slug for b in keep.partner_boroughs.all()] == ["camden"]
    assert sorted(keep.fundings.values_list("amount", flat=True)) == [2000, 15000]
    assert keep.funding_total == Decimal("17000")
    assert (keep.description, keep.contact_name) == ("Weekly lunches.", "Lunch team")
    assert keep.transitions.filter(action="submit").exists()
    assert keep.history.first().history_change_reason == (
        f"Merged with its duplicate “Lunch club” ({twin.slug})"
    )
    deleted = Project.history.filter(id=twin.pk, history_type="-").get()
    assert deleted.history_change_reason == f"Merged into “Lunch Club” ({keep.slug})"
    client.logout()
    moved = client.get(f"/projects/{twin.slug}/")
    assert (moved.status_code, moved["Location"]) == (301, keep.get_absolute_url())
    assert client.get("/projects/never-was/").status_code == 404


def test_a_merge_that_would_misplace_funding_is_refused(client, twins):
    keep, twin = twins
    keep.fundings.all().delete()
    Project.objects.filter(pk=keep.pk).update(
        start_date=datetime.date(2030, 4, 1), delivery_status="planned"
    )
    response = merge(client, twins, keep)
    assert "Not merged:" in response.text
    assert "covers 2024-25, but the project runs from 2030-31 onwards" in response.text
    assert Project.objects.filter(pk=twin.pk).exists()


# Merging two settlements entered twice -----------------------------------------------------------


@pytest.fixture
def settlement_twins():
    funder = FunderFactory(name="Thames Trust")
    terms = {
        "funder": funder,
        "recipient": borough("hackney"),
        "first_year": 2024,
        "last_year": 2025,
        "total_amount": Decimal("100000"),
    }
    keep = SettlementFactory(programme="Belonging Fund", conditions="", **terms)
    twin = SettlementFactory(programme="Belonging fund", conditions="Yearly report.", **terms)
    both = ProjectFactory(title="Lunch Club", start_date=datetime.date(2024, 4, 1))
    only_twin = ProjectFactory(title="Walking Club", start_date=datetime.date(2024, 4, 1))
    ProjectFundingFactory(project=both, settlement=keep, amount=Decimal("30000"))
    ProjectFundingFactory(project=both, settlement=twin, amount=Decimal("30000"))
    ProjectFundingFactory(project=only_twin, settlement=twin, amount=Decimal("20000"))
    YearlyAllocationFactory(settlement=twin, financial_year=2024, amount=Decimal("60000"))
    YearlyAllocationFactory(settlement=twin, financial_year=2025, amount=Decimal("40000"))
    return keep, twin


def merge_settlements(client, settlements, keep):
    admin = UserFactory(username="curator-admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    chosen = {
        "action": "merge_duplicate_settlements",
        "_selected_action": [s.pk for s in settlements],
    }
    page = client.post("/admin/projects/fundingsettlement/", chosen)
    assert "Which funding settlement to keep" in page.text
    return client.post(
        "/admin/projects/fundingsettlement/",
        {**chosen, "apply": "1", "keep": keep.pk},
        follow=True,
    )


def test_the_admin_merges_a_settlement_entered_twice(client, settlement_twins):
    keep, twin = settlement_twins
    response = merge_settlements(client, settlement_twins, keep)
    assert f"“{twin}” was merged into “{keep}”." in response.text
    assert not FundingSettlement.objects.filter(pk=twin.pk).exists()
    keep.refresh_from_db()
    lines = {line.project.title: line.amount for line in keep.project_fundings.all()}
    assert lines == {"Lunch Club": Decimal("30000"), "Walking Club": Decimal("20000")}
    assert dict(keep.allocations.values_list("financial_year", "amount")) == {
        2024: Decimal("60000"),
        2025: Decimal("40000"),
    }
    assert keep.conditions == "Yearly report."
    assert Project.objects.get(title="Lunch Club").funding_total == Decimal("30000")
    assert Project.objects.get(title="Walking Club").funding_total == Decimal("20000")
    assert keep.history.first().history_change_reason.startswith("Merged with its duplicate")
    deleted = FundingSettlement.history.filter(id=twin.pk, history_type="-").get()
    assert deleted.history_change_reason == f"Merged into “{keep}” (settlement {keep.pk})"


def test_a_settlement_merge_beyond_the_kept_total_is_refused(client, settlement_twins):
    keep, twin = settlement_twins
    FundingSettlement.objects.filter(pk=keep.pk).update(total_amount=Decimal("40000"))
    keep.refresh_from_db()
    response = merge_settlements(client, settlement_twins, keep)
    assert "Not merged:" in response.text
    assert FundingSettlement.objects.filter(pk=twin.pk).exists()
    assert twin.project_fundings.count() == 2


def test_a_settlement_with_a_change_waiting_is_not_merged(client, settlement_twins):
    keep, twin = settlement_twins
    ProposedChange.objects.create(
        kind="settlement", settlement=twin, authority=borough("hackney"), title="x", data={}
    )
    response = merge_settlements(client, settlement_twins, keep)
    assert "Not merged: A change to one of them is waiting for a reviewer" in response.text
    assert FundingSettlement.objects.filter(pk=twin.pk).exists()
