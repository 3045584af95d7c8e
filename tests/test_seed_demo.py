"""The demo catalogue: deterministic, complete, at any size, loaded once."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from boroughs.models import Borough, Commission, Membership
from projects.models import (
    Funder,
    FundingSettlement,
    Project,
    ProjectFunding,
    Restrictions,
    Theme,
    YearlyAllocation,
)

from .factories import ProjectFactory, UserFactory, borough

pytestmark = pytest.mark.django_db

SIZE = 150


def seed(*args):
    output = io.StringIO()
    call_command("seed_demo", "--projects", str(SIZE), *args, stdout=output)
    return output.getvalue()


def snapshot():
    return {
        "projects": list(
            Project.objects.order_by("slug").values_list(
                "slug",
                "title",
                "lead_borough__slug",
                "delivery_status",
                "publication_state",
                "start_date",
                "end_date",
                "funding_total",
            )
        ),
        "themes": sorted(
            Project.themes.through.objects.values_list("project__slug", "theme__slug")
        ),
        "settlements": sorted(
            FundingSettlement.objects.values_list(
                "funder__name",
                "recipient__slug",
                "total_amount",
                "first_year",
                "last_year",
                "restrictions",
            )
        ),
    }


def test_the_demo_catalogue_is_deterministic():
    seed()
    first = snapshot()
    seed("--replace")
    assert snapshot() == first
    seed("--replace", "--seed", "7")
    assert snapshot() != first


def test_the_demo_catalogue_covers_everything_the_pages_show():
    seed()
    assert Project.objects.count() == SIZE
    assert Borough.objects.filter(led_projects__isnull=True).count() == 0
    published = Project.objects.published()
    assert published.values("lead_borough").distinct().count() == 33
    assert set(published.values_list("themes__slug", flat=True)) == set(
        Theme.objects.values_list("slug", flat=True)
    )
    assert set(Project.objects.values_list("delivery_status", flat=True)) == set(
        Project.DeliveryStatus.values
    )
    assert set(Project.objects.values_list("publication_state", flat=True)) == set(
        Project.PublicationState.values
    )
    assert set(FundingSettlement.objects.values_list("restrictions", flat=True)) == set(
        Restrictions.values
    )
    assert set(Funder.objects.values_list("kind", flat=True)) == set(Funder.Kind.values)
    assert FundingSettlement.objects.multi_year().exists()
    assert FundingSettlement.objects.single_year().exists()
    assert Project.objects.filter(partner_boroughs__isnull=False).exists()
    assert Project.objects.filter(recommendations__isnull=False).exists()
    westminster = Commission.objects.get(lead_borough__slug="westminster")
    assert westminster.is_cross_party
    assert westminster.title == "Westminster Community Cohesion Commission"
    assert westminster.recommendations.exists()
    assert set(Commission.objects.values_list("status", flat=True)) == set(Commission.Status.values)


def test_the_demo_money_adds_up():
    seed()
    for settlement in FundingSettlement.objects.prefetch_related("allocations", "project_fundings"):
        settlement.check_yearly_allocations(
            {a.financial_year: a.amount for a in settlement.allocations.all()}
        )
        settlement.check_project_allocations([f.amount for f in settlement.project_fundings.all()])
    stored = dict(Project.objects.values_list("pk", "funding_total"))
    Project.objects.refresh_funding_totals()
    assert dict(Project.objects.values_list("pk", "funding_total")) == stored
    assert YearlyAllocation.objects.exists()
    assert ProjectFunding.objects.exists()


def test_the_demo_catalogue_is_never_loaded_twice():
    assert f"Loaded {SIZE} of {SIZE} projects" in seed()
    with pytest.raises(CommandError, match="already holds catalogue data"):
        seed()
    assert "already holds catalogue data: nothing loaded" in seed("--if-empty")
    assert Project.objects.count() == SIZE


@pytest.mark.parametrize("size", ["0", "32", "-5", "1000001"])
def test_a_bad_size_gets_a_clear_error(size):
    with pytest.raises(CommandError, match="--projects must be from 33"):
        call_command("seed_demo", "--projects", size)
    assert not Project.objects.exists()


def test_replacing_the_demo_keeps_authorities_themes_and_accounts():
    officer = UserFactory()
    Membership.objects.create(user=officer, borough=borough("hackney"))
    themes = Theme.objects.count()
    ProjectFactory(title="An officer's own project")
    seed("--replace")
    assert not Project.objects.filter(title="An officer's own project").exists()
    assert not Project.history.filter(title="An officer's own project").exists()
    assert Project.objects.count() == SIZE
    assert Borough.objects.count() == 33
    assert Theme.objects.count() == themes
    assert Membership.objects.filter(user=officer, borough__slug="hackney").exists()


def catalogue_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename LIKE 'projects\\_%%' ORDER BY indexname"
        )
        return cursor.fetchall()


def test_a_load_builds_again_the_indexes_it_set_aside():
    before = catalogue_indexes()
    assert any("search_vector" in definition for _, definition in before)
    seed()
    assert catalogue_indexes() == before
    assert not Project.objects.filter(search_vector__isnull=True).exists()
    assert Project.objects.filter(search_vector="befriending").exists()
