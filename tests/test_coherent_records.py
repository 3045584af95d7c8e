"""Records that hang together: a project's funding comes from settlements of its own authorities
that cover its years, and its money by year follows its dates; its delivery status agrees with
its dates. Held at the model, the forms, the admin, the import and the database; and
`check_catalogue` finds whatever slipped past, on the demo catalogue too."""

import datetime
import io
import re
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.html import escape

from projects.models import Project, ProjectFunding

from .factories import (
    ProjectFactory,
    ProjectFundingFactory,
    RecommendationFactory,
    SettlementFactory,
    UserFactory,
    YearlyAllocationFactory,
    borough,
    theme,
)
from .test_officers import officer, project_form_data, signed_in

pytestmark = pytest.mark.django_db


def settlement_for(first_year, last_year, recipient="hackney", **fields):
    return SettlementFactory(
        first_year=first_year, last_year=last_year, recipient=borough(recipient), **fields
    )


def broken_rules(line):
    with pytest.raises(ValidationError) as refused:
        line.full_clean()
    return refused.value.message_dict["settlement"]


# The rule on the models ------------------------------------------------------------------------


def test_a_settlement_that_covers_none_of_the_projects_years_cannot_fund_it():
    project = ProjectFactory(start_date=datetime.date(2024, 4, 1))
    line = ProjectFunding(project=project, settlement=settlement_for(2022, 2023), amount=1)
    assert broken_rules(line) == [
        f"{line.settlement} covers 2022-23 to 2023-24, but the project runs from 2024-25 "
        "onwards: choose a settlement that covers at least one of the project's years, or "
        "change its dates."
    ]


def test_a_settlement_paid_to_another_authority_cannot_fund_the_project():
    project = ProjectFactory(lead_borough=borough("hackney"))
    line = ProjectFunding(project=project, settlement=settlement_for(2024, 2024, "camden"))
    line.amount = 1
    assert broken_rules(line) == [
        f"{line.settlement} is paid to Camden, which neither leads the project nor is a "
        "partner in it."
    ]


def test_a_partners_settlement_covering_one_shared_year_may_fund_the_project():
    project = ProjectFactory(
        start_date=datetime.date(2024, 3, 1),  # 2023-24
        end_date=datetime.date(2024, 3, 31),
        delivery_status=Project.DeliveryStatus.COMPLETED,
        partner_boroughs=[borough("camden")],
    )
    ProjectFunding(project=project, settlement=settlement_for(2021, 2023, "camden"), amount=1)
    ProjectFunding(
        project=project, settlement=settlement_for(2021, 2023, "camden"), amount=1
    ).full_clean()


def test_the_database_refuses_a_line_written_past_the_forms():
    project = ProjectFactory(start_date=datetime.date(2024, 4, 1))
    with pytest.raises(IntegrityError, match="funding line"), transaction.atomic():
        ProjectFunding.objects.bulk_create(
            [ProjectFunding(project=project, settlement=settlement_for(2020, 2020), amount=1)]
        )
    with pytest.raises(IntegrityError, match="funding line"), transaction.atomic():
        ProjectFunding.objects.bulk_create(
            [
                ProjectFunding(
                    project=project, settlement=settlement_for(2024, 2024, "camden"), amount=1
                )
            ]
        )


@pytest.fixture
def funded_twice():
    """A project of Hackney's with Camden as a partner, funded by a settlement of each."""
    project = ProjectFactory(
        start_date=datetime.date(2024, 4, 1), partner_boroughs=[borough("camden")]
    )
    for recipient in ("hackney", "camden"):
        ProjectFundingFactory(project=project, settlement=settlement_for(2024, 2025, recipient))
    return project


# Checked when a transaction commits; the tests' transactions never do, and check everything at
# once (conftest), so these tests defer them as a commit would, then check them.
AT_COMMIT = (
    "projects_project_dates_fit_funding, projects_settlement_terms_fit_funding, "
    "projects_partner_left_fits_funding, projects_recommendation_linked_on_theme, "
    "projects_theme_removed_on_theme, projects_reason_blanked_on_theme, "
    "projects_recommendation_themes_on_theme"
)


def checks_deferred():
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {AT_COMMIT} DEFERRED")


def checked_as_at_commit():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def committed(change):
    """Run `change` in a transaction and check what its commit would check."""
    with transaction.atomic():
        checks_deferred()
        change()
        checked_as_at_commit()


@pytest.mark.parametrize(
    "change",
    [
        lambda project: Project.objects.filter(pk=project.pk).update(
            start_date=datetime.date(2027, 4, 1), delivery_status="planned"
        ),
        lambda project: Project.objects.filter(pk=project.pk).update(
            lead_borough=borough("barnet")
        ),
        lambda project: project.settlements.update(first_year=2019, last_year=2019),
        lambda project: project.partner_boroughs.clear(),
    ],
    ids=["project dates", "project lead", "settlement years", "partner leaves"],
)
def test_the_database_refuses_changes_that_leave_a_line_misplaced_when_they_commit(
    funded_twice, change
):
    with pytest.raises(IntegrityError, match="funding line"):
        committed(lambda: change(funded_twice))


def test_changes_to_both_sides_in_one_transaction_are_accepted():
    project = ProjectFactory(start_date=datetime.date(2024, 4, 1))
    line = ProjectFundingFactory(project=project, settlement=settlement_for(2024, 2024))

    def both():
        Project.objects.filter(pk=project.pk).update(start_date=datetime.date(2025, 4, 1))
        type(line.settlement).objects.filter(pk=line.settlement_id).update(last_year=2025)

    committed(both)
    assert line.settlement.projects.get() == project


# Money by year follows the project -------------------------------------------------------------


def test_a_lines_money_is_spent_in_the_years_its_settlement_and_project_share():
    settlement = settlement_for(2019, 2021, total_amount=Decimal("300000"))
    for year, amount in [(2019, "100000"), (2020, "50000"), (2021, "150000")]:
        YearlyAllocationFactory(settlement=settlement, financial_year=year, amount=Decimal(amount))
    in_one_year = ProjectFundingFactory(
        settlement=settlement,
        amount=Decimal("90000"),
        project=ProjectFactory(
            start_date=datetime.date(2020, 6, 1),
            end_date=datetime.date(2021, 2, 1),
            delivery_status=Project.DeliveryStatus.COMPLETED,
        ),
    )
    assert in_one_year.yearly_shares() == {2020: Decimal("90000")}
    ongoing = ProjectFundingFactory(
        settlement=settlement,
        amount=Decimal("80000"),
        project=ProjectFactory(start_date=datetime.date(2020, 4, 1)),
    )
    # 2020-21 and 2021-22, weighted as the settlement pays out in them: 50,000 to 150,000.
    assert ongoing.yearly_shares() == {2020: Decimal("20000"), 2021: Decimal("60000")}


def test_the_project_page_shows_money_only_in_the_projects_own_years(client):
    settlement = settlement_for(2023, 2026, total_amount=Decimal("400000"))
    project = ProjectFactory(
        title="Later Walks",
        start_date=datetime.date(2025, 4, 1),
        end_date=datetime.date(2027, 3, 31),
        delivery_status=Project.DeliveryStatus.ACTIVE,
    )
    ProjectFundingFactory(settlement=settlement, project=project, amount=Decimal("100000"))
    page = client.get(project.get_absolute_url()).text
    # £100,000 over the project's two years of the settlement's four, evenly without
    # allocations.
    for year in ("2025-26", "2026-27"):
        assert re.search(rf"{year}</td>\s*<td[^>]*>£50,000", page)
    for year in ("2023-24", "2024-25"):
        assert not re.search(rf"{year}</td>\s*<td", page)


# Recommendations a project answers share a theme with it, or it says why -----------------------


def on_theme(slug):
    recommendation = RecommendationFactory()
    recommendation.themes.set([theme(slug)])
    return recommendation


@pytest.fixture
def answers_on_theme():
    """A project on cohesion answering a recommendation on cohesion."""
    recommendation = on_theme("cohesion")
    project = ProjectFactory(themes=[theme("cohesion")])
    project.recommendations.set([recommendation])
    return project, recommendation


@pytest.mark.parametrize(
    "change",
    [
        lambda project, _: project.themes.set([theme("isolation")]),
        lambda project, recommendation: recommendation.themes.set([theme("equalities")]),
        lambda project, _: project.recommendations.add(on_theme("equalities")),
    ],
    ids=["project's theme changed", "recommendation's theme changed", "recommendation added"],
)
def test_the_database_refuses_a_recommendation_off_theme_without_a_reason(answers_on_theme, change):
    with pytest.raises(IntegrityError, match="shares none of its themes"):
        committed(lambda: change(*answers_on_theme))


def test_a_reason_or_a_shared_theme_in_the_same_transaction_is_accepted(answers_on_theme):
    project, _ = answers_on_theme

    def explained():
        project.themes.set([theme("isolation")])
        Project.objects.filter(pk=project.pk).update(off_theme_reason="Loneliness divides us.")

    committed(explained)
    with pytest.raises(IntegrityError, match="shares none of its themes"):
        committed(lambda: Project.objects.filter(pk=project.pk).update(off_theme_reason=""))
    committed(lambda: project.themes.set([theme("equalities"), theme("cohesion")]))
    committed(lambda: Project.objects.filter(pk=project.pk).update(off_theme_reason=""))


# Delivery status agrees with the dates ---------------------------------------------------------


TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("status", "start", "end", "field", "message"),
    [
        (
            "active",
            TODAY - 400 * DAY,
            TODAY - DAY,
            "delivery_status",
            f"The project ended on {TODAY - DAY:%-d %B %Y}, so it cannot be active: choose "
            "completed or cancelled, or correct the end date.",
        ),
        (
            "planned",
            TODAY - 400 * DAY,
            TODAY - 30 * DAY,
            "delivery_status",
            f"The project ended on {TODAY - 30 * DAY:%-d %B %Y}, so it cannot be planned: "
            "choose completed or cancelled, or correct the end date.",
        ),
        (
            "active",
            TODAY + 10 * DAY,
            None,
            "delivery_status",
            f"The project starts on {TODAY + 10 * DAY:%-d %B %Y}, so it cannot be active yet: "
            "choose planned, or correct the start date.",
        ),
        (
            "completed",
            TODAY - 400 * DAY,
            None,
            "end_date",
            "Enter the date the project ended: a completed project has an end date on or "
            "before today.",
        ),
    ],
)
def test_a_status_that_disagrees_with_the_dates_is_refused(status, start, end, field, message):
    project = ProjectFactory.build(
        delivery_status=status,
        start_date=start,
        end_date=end,
        lead_borough=borough(),
        publication_state="draft",
    )
    with pytest.raises(ValidationError) as refused:
        project.full_clean(exclude=["slug"])
    assert refused.value.message_dict[field] == [message]


@pytest.mark.parametrize(
    ("status", "start", "end"),
    [
        ("active", TODAY - 400 * DAY, None),
        ("active", TODAY - 400 * DAY, TODAY),
        ("planned", TODAY + DAY, None),
        ("completed", TODAY - 400 * DAY, TODAY),
        ("paused", TODAY - 400 * DAY, TODAY - DAY),
        ("cancelled", TODAY + DAY, None),
    ],
)
def test_a_status_that_agrees_with_the_dates_is_accepted(status, start, end):
    ProjectFactory.build(
        delivery_status=status,
        start_date=start,
        end_date=end,
        lead_borough=borough(),
        publication_state="draft",
    ).full_clean(exclude=["slug"])


# The officers' form ----------------------------------------------------------------------------


@pytest.fixture
def editor():
    return officer("hackney-editor", "hackney", "editor")


def test_an_officer_cannot_move_a_funded_project_out_of_its_settlements_years(client, editor):
    project = ProjectFactory(publication_state="draft", start_date=datetime.date(2024, 4, 1))
    line = ProjectFundingFactory(project=project, settlement=settlement_for(2024, 2025))
    signed_in(client, editor)
    kept = {
        "fundings-TOTAL_FORMS": 1,
        "fundings-INITIAL_FORMS": 1,
        "fundings-0-id": line.pk,
        "fundings-0-project": project.pk,
        "fundings-0-settlement": line.settlement_id,
        "fundings-0-amount": "25000",
    }
    moved = project_form_data(project, start_date_year="2027", delivery_status="planned", **kept)
    response = client.post(f"/officer/projects/{project.slug}/edit/", moved)
    assert response.status_code == 200
    assert (
        escape(
            "covers 2024-25 to 2025-26, but the project runs from 2027-28 onwards: choose a "
            "settlement that covers at least one of the project's years, or change its dates."
        )
        in response.text
    )
    project.refresh_from_db()
    assert project.start_date == datetime.date(2024, 4, 1)
    # Dropping the line in the same save lets the dates move.
    dropped = {**moved, "fundings-0-DELETE": "on"}
    checks_deferred()
    response = client.post(f"/officer/projects/{project.slug}/edit/", dropped)
    assert response.status_code == 302, response.context["form"].errors
    checked_as_at_commit()
    project.refresh_from_db()
    assert project.start_date == datetime.date(2027, 4, 1)
    assert not project.fundings.exists()


def test_an_officer_adds_a_partner_and_its_settlement_in_one_save(client, editor):
    Membership = type(editor.memberships.first())
    Membership.objects.create(user=editor, borough=borough("camden"), role="editor")
    project = ProjectFactory(publication_state="draft")
    camden_money = settlement_for(2024, 2024, "camden")
    signed_in(client, editor)
    line = {
        "fundings-TOTAL_FORMS": 1,
        "fundings-INITIAL_FORMS": 0,
        "fundings-0-settlement": camden_money.pk,
        "fundings-0-amount": "1000",
    }
    without_partner = client.post(
        f"/officer/projects/{project.slug}/edit/", project_form_data(project, **line)
    )
    assert "is paid to Camden, which neither leads the project nor is a partner in it." in (
        without_partner.text
    )
    with_partner = project_form_data(project, partner_boroughs=[borough("camden").pk], **line)
    assert client.post(f"/officer/projects/{project.slug}/edit/", with_partner).status_code == 302
    assert project.fundings.get().settlement == camden_money


# The admin and the import ----------------------------------------------------------------------


def test_the_admin_refuses_a_funding_line_for_another_authority(client):
    client.force_login(UserFactory(username="curator", is_staff=True, is_superuser=True))
    project = ProjectFactory(lead_borough=borough("hackney"))
    settlement = settlement_for(2024, 2024, "camden")
    response = client.post(
        "/admin/projects/projectfunding/add/",
        {"project": project.pk, "settlement": settlement.pk, "amount": "10"},
    )
    assert response.status_code == 200
    assert "which neither leads the project nor is a partner in it." in response.text
    assert not ProjectFunding.objects.exists()


# The whole catalogue ---------------------------------------------------------------------------


def test_the_demo_catalogue_keeps_every_rule():
    call_command("seed_demo", "--projects", "300", stdout=io.StringIO())
    out = io.StringIO()
    call_command("check_catalogue", stdout=out)
    assert "The catalogue keeps every rule." in out.getvalue()
    assert "FAIL" not in out.getvalue()
    # Plausible money: most projects have some.
    funded = Project.objects.filter(funding_total__gt=0).count()
    assert funded >= 0.85 * Project.objects.count()


@contextmanager
def written_while_it_fitted():
    """Writes of projects past the database's check of status against dates, as if made before
    time made them wrong (in the test's transaction, rolled back with it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE projects_project DISABLE TRIGGER projects_status_fits_dates_insert"
        )
        yield
        cursor.execute(
            "ALTER TABLE projects_project ENABLE TRIGGER projects_status_fits_dates_insert"
        )


def test_the_database_refuses_a_status_written_against_the_dates():
    project = ProjectFactory(start_date=TODAY - 400 * DAY, end_date=None)
    for change in (
        {"delivery_status": "completed"},
        {"end_date": TODAY - DAY},
        {"start_date": TODAY + DAY},
    ):
        with pytest.raises(IntegrityError) as refused, transaction.atomic():
            Project.objects.filter(pk=project.pk).update(**change)
        assert refused.value.__cause__.diag.constraint_name == "project_status_fits_dates"
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(delivery_status="completed", end_date=None)
    Project.objects.filter(pk=project.pk).update(end_date=TODAY - DAY, delivery_status="completed")
    with written_while_it_fitted():
        stale = ProjectFactory(start_date=TODAY - 400 * DAY, end_date=TODAY - DAY)
    # A status gone stale with time does not stop other changes; check_catalogue reports it.
    Project.objects.filter(pk=stale.pk).update(title="Still active, it says")


def test_check_catalogue_names_what_breaks_a_rule():
    with written_while_it_fitted():
        ended = ProjectFactory(title="Ended but active", end_date=TODAY - 10 * DAY)
    ProjectFactory(title="No contact", contact_email="")
    line = ProjectFundingFactory(settlement=settlement_for(2024, 2024))
    # Past the forms and, in a transaction that never commits, the database.
    checks_deferred()
    Project.objects.filter(pk=line.project_id).update(start_date=datetime.date(2026, 4, 1))
    out = io.StringIO()
    with pytest.raises(CommandError, match="3 of the catalogue's rules are broken"):
        call_command("check_catalogue", stdout=out)
    report = out.getvalue()
    assert "FAIL  Projects planned or active that have ended: 1" in report
    assert f"        {ended.title}" in report
    assert (
        "FAIL  Funding lines from a settlement that covers none of the project's financial "
        "years: 1" in report
    )
    assert (
        "FAIL  Projects submitted, published or archived without what publication needs: 1"
        in report
    )
    assert "        No contact" in report
    assert "ok    Settlements giving projects more than their total: none" in report
    # Put right again, or the test's end (which checks what is deferred) would refuse it.
    Project.objects.filter(pk=line.project_id).update(start_date=datetime.date(2024, 4, 1))
