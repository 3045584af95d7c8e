"""Each rule is held by the database where it can be, and gives its message in validation."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from boroughs.models import Commission
from projects.models import Project, ProjectFunding, YearlyAllocation

from .factories import (
    CommissionFactory,
    ProjectFactory,
    ProjectFundingFactory,
    RecommendationFactory,
    SettlementFactory,
    YearlyAllocationFactory,
)

pytestmark = pytest.mark.django_db


def rejected_by_database(queryset, **changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**changes)
    return True


def assert_refused(record, message, **changes):
    """The database refuses `changes` to `record`, and validating them says `message`."""
    assert rejected_by_database(type(record).objects.filter(pk=record.pk), **changes)
    for field, value in changes.items():
        setattr(record, field, value)
    with pytest.raises(ValidationError, match=message):
        record.full_clean()


def test_a_project_cannot_end_before_it_starts():
    message = "The end date cannot be before the start date"
    assert_refused(ProjectFactory(), message, end_date=datetime.date(2020, 1, 1))


def test_a_project_may_end_on_the_day_it_starts():
    project = ProjectFactory()
    project.delivery_status = Project.DeliveryStatus.COMPLETED
    project.end_date = project.start_date
    project.full_clean()
    project.save()


def test_a_published_project_has_a_publication_date():
    project = ProjectFactory()
    assert project.published_at is not None
    assert rejected_by_database(Project.objects.filter(pk=project.pk), published_at=None)


def test_project_slugs_are_unique_and_made_from_the_title():
    first = ProjectFactory(title="Walking Stories")
    second = ProjectFactory(title="Walking Stories")
    assert (first.slug, second.slug) == ("walking-stories", "walking-stories-2")
    assert rejected_by_database(Project.objects.filter(pk=second.pk), slug="walking-stories")


def test_a_projects_slug_stays_when_its_title_changes():
    project = ProjectFactory(title="Walking Stories")
    project.title = "Walking Stories of Hackney"
    project.save()
    project.refresh_from_db()
    assert project.slug == "walking-stories"


def test_people_reached_cannot_be_negative():
    project = ProjectFactory()
    assert rejected_by_database(Project.objects.filter(pk=project.pk), people_reached=-1)


def test_a_settlement_total_cannot_be_negative():
    message = "The total amount cannot be negative"
    assert_refused(SettlementFactory(), message, total_amount=Decimal("-1"))


def test_a_settlements_last_year_cannot_be_before_its_first():
    settlement = SettlementFactory(first_year=2024, last_year=2024)
    assert_refused(settlement, "cannot be before the first", last_year=2023)


def test_one_allocation_per_settlement_and_year():
    allocation = YearlyAllocationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        YearlyAllocation.objects.create(
            settlement=allocation.settlement, financial_year=allocation.financial_year, amount=1
        )
    duplicate = YearlyAllocation(
        settlement=allocation.settlement, financial_year=allocation.financial_year, amount=1
    )
    with pytest.raises(ValidationError, match="already has an allocation for this year"):
        duplicate.full_clean()


def test_allocations_and_project_funding_cannot_be_negative():
    allocation = YearlyAllocationFactory()
    assert rejected_by_database(YearlyAllocation.objects.filter(pk=allocation.pk), amount=-5)
    funding = ProjectFundingFactory()
    assert rejected_by_database(ProjectFunding.objects.filter(pk=funding.pk), amount=-5)


def test_one_funding_line_per_settlement_and_project():
    funding = ProjectFundingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFunding.objects.create(
            settlement=funding.settlement, project=funding.project, amount=1
        )


def test_a_commission_cannot_report_before_it_is_established():
    message = "cannot report before it is established"
    assert_refused(CommissionFactory(), message, reported_on=datetime.date(2019, 1, 1))


@pytest.mark.parametrize(
    ("status", "reported_on", "allowed"),
    [
        ("planned", None, True),
        ("sitting", None, True),
        ("reported", datetime.date(2021, 1, 1), True),
        ("concluded", datetime.date(2021, 1, 1), True),
        ("planned", datetime.date(2021, 1, 1), False),
        ("reported", None, False),
    ],
)
def test_a_commissions_report_date_matches_its_status(status, reported_on, allowed):
    commission = CommissionFactory()
    commission.status, commission.reported_on = status, reported_on
    if allowed:
        commission.full_clean()
        commission.save()
    else:
        with pytest.raises(ValidationError, match="needs the date it reported"):
            commission.full_clean()
        assert rejected_by_database(
            Commission.objects.filter(pk=commission.pk), status=status, reported_on=reported_on
        )


def test_recommendation_numbers_are_unique_within_a_commission():
    recommendation = RecommendationFactory(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecommendationFactory(commission=recommendation.commission, number=1)
    RecommendationFactory(number=1)  # another commission may have its own R1


def test_the_yearly_allocations_must_add_up_to_the_total():
    settlement = SettlementFactory(total_amount=Decimal("300000"), first_year=2024, last_year=2026)
    settlement.check_yearly_allocations(
        {2024: Decimal("100000"), 2025: Decimal("100000"), 2026: Decimal("100000")}
    )
    with pytest.raises(ValidationError) as error:
        settlement.check_yearly_allocations({2024: Decimal("100000"), 2025: Decimal("150000")})
    assert error.value.messages == [
        "The yearly allocations add up to £250,000.00, but the settlement's total is £300,000.00."
    ]


def test_yearly_allocations_must_fall_within_the_settlement_years():
    settlement = SettlementFactory(total_amount=Decimal("100"), first_year=2024, last_year=2024)
    with pytest.raises(ValidationError) as error:
        settlement.check_yearly_allocations({2027: Decimal("100")})
    assert error.value.messages == [
        "Yearly allocations must fall within the settlement's years (2024-25); 2027-28 does not."
    ]


def test_money_allocated_to_projects_cannot_exceed_the_settlement():
    settlement = SettlementFactory(total_amount=Decimal("1000"))
    settlement.check_project_allocations([Decimal("600"), Decimal("400")])
    with pytest.raises(ValidationError) as error:
        settlement.check_project_allocations([Decimal("600"), Decimal("401")])
    assert error.value.messages == [
        "The money allocated to projects (£1,001.00) exceeds the settlement's total of £1,000.00."
    ]
