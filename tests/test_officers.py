"""Officers keep their own authorities' records; reviewers publish; nothing reaches the public
before it is published; no edit is silently lost."""

import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.utils import timezone

from boroughs.models import Commission, Membership
from portal.models import OutgoingEmail
from projects.models import FundingSettlement, Project, ProjectTransition

from .factories import (
    CommissionFactory,
    ProjectFactory,
    ProjectFundingFactory,
    RecommendationFactory,
    SettlementFactory,
    UserFactory,
    YearlyAllocationFactory,
    borough,
    theme,
)
from .helpers import text_of

pytestmark = pytest.mark.django_db


def officer(username, slug, role):
    user = UserFactory(username=username, email=f"{username}@example.org")
    Membership.objects.create(user=user, borough=borough(slug), role=role)
    return user


@pytest.fixture
def people():
    return {
        "editor": officer("hackney-editor", "hackney", "editor"),
        "reviewer": officer("hackney-reviewer", "hackney", "reviewer"),
        "other-editor": officer("camden-editor", "camden", "editor"),
        "other-reviewer": officer("camden-reviewer", "camden", "reviewer"),
        "admin": UserFactory(username="admin", is_staff=True, is_superuser=True),
    }


@pytest.fixture
def projects():
    return {
        state: ProjectFactory(title=f"Hackney {state} project", publication_state=state)
        for state in ("draft", "submitted", "published", "archived")
    }


def signed_in(client, user):
    client.force_login(user)
    return client


# Who may enter ---------------------------------------------------------------------------------


def test_the_officers_menu_marks_the_current_section(client, people):
    response = signed_in(client, people["editor"]).get("/officer/projects/")

    menu = response.content.decode().split('aria-label="Officers\' menu"')[1]
    assert '<strong class="govuk-service-navigation__active-fallback">Projects</strong>' in menu
    assert 'active-fallback">Dashboard' not in menu
    assert (
        '<strong class="govuk-service-navigation__active-fallback">'
        not in (response.content.decode().split('aria-label="Officers\' menu"')[0])
    )


def test_officer_pages_ask_anonymous_visitors_to_sign_in(client):
    response = client.get("/officer/")
    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in/?next=/officer/"


@pytest.mark.parametrize(
    "path",
    [
        "/officer/",
        "/officer/projects/",
        "/officer/projects/new/",
        "/officer/projects/hackney-draft-project/",
        "/officer/settlements/",
        "/admin/",
        "/admin/projects/project/",
    ],
)
def test_officer_and_admin_pages_are_kept_by_no_browser_or_proxy(client, people, projects, path):
    response = signed_in(client, people["admin"]).get(path)
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_an_account_without_an_authority_is_refused_with_a_reason(client):
    response = signed_in(client, UserFactory()).get("/officer/projects/")
    assert response.status_code == 403
    assert "Your account is not an officer of any London authority." in response.text


def test_the_dashboard_shows_what_needs_attention(client, people, projects):
    ProjectTransition.objects.create(
        project=projects["draft"],
        action="return",
        from_state="submitted",
        to_state="draft",
        comment="Add the delivery partners.",
    )
    ProjectFactory(title="Camden draft", lead_borough=borough("camden"), publication_state="draft")
    editor_view = signed_in(client, people["editor"]).get("/officer/").text
    assert "You are editor for" in editor_view
    assert ">Hackney</a>" in editor_view
    assert "“Add the delivery partners.”" in editor_view
    assert "Nothing is waiting for your review." in editor_view
    assert "Camden draft" not in editor_view
    assert re.search(r'portal-headline__figure">1</span> <a [^>]+>draft', editor_view)

    reviewer_view = signed_in(client, people["reviewer"]).get("/officer/").text
    assert "Waiting for your review (1)" in reviewer_view
    assert "Hackney submitted project" in reviewer_view


def test_the_dashboard_runs_a_constant_number_of_queries(
    client, people, projects, django_assert_max_num_queries
):
    signed_in(client, people["reviewer"])
    with django_assert_max_num_queries(20) as small:
        client.get("/officer/")
    for n in range(20):
        ProjectFactory(title=f"More {n}", publication_state="submitted")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/officer/")


def test_officers_list_only_their_own_authorities_projects(client, people, projects):
    ProjectFactory(title="Camden draft", lead_borough=borough("camden"), publication_state="draft")
    text = signed_in(client, people["editor"]).get("/officer/projects/").text
    assert "Hackney draft project" in text
    assert "Camden draft" not in text
    assert (
        signed_in(client, people["editor"]).get("/officer/projects/?state=nonsense").status_code
        == 400
    )


def test_an_officer_filters_their_projects_and_sees_the_filters_as_tags(client, people, projects):
    ProjectFactory(title="Hackney befriending", publication_state="draft")
    client = signed_in(client, people["editor"])
    response = client.get("/officer/projects/?q=befriend&state=draft&authority=hackney")
    assert response.status_code == 200
    assert "Hackney befriending" in response.text
    assert "Hackney draft project" not in response.text
    # The selected filters, each a tag that removes it.
    assert "Remove this filter: Title</span> befriend" in response.text
    assert "Remove this filter: Publication state</span> Draft" in response.text
    # Another authority is not one of theirs to choose; it is the next officer's.
    refused = client.get("/officer/projects/?authority=camden")
    assert refused.status_code == 400
    assert "Choose one of your authorities from the list" in refused.text
    camden = signed_in(client, people["other-editor"]).get("/officer/projects/?authority=camden")
    assert camden.status_code == 200


# Another authority's records answer 404 --------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/officer/projects/{slug}/",
        "/officer/projects/{slug}/edit/",
        "/officer/projects/{slug}/history/",
        "/officer/projects/{slug}/steps/submit/",
        "/officer/projects/{slug}/steps/publish/",
        "/officer/projects/{slug}/steps/return/",
        "/officer/projects/{slug}/steps/archive/",
    ],
)
@pytest.mark.parametrize("who", ["other-editor", "other-reviewer"])
@pytest.mark.parametrize("state", ["draft", "submitted", "published"])
def test_another_authoritys_project_urls_answer_404(client, people, projects, path, who, state):
    url = path.format(slug=projects[state].slug)
    signed_in(client, people[who])
    assert client.get(url).status_code == 404
    # Read-only pages do not take posts at all.
    read_only = url.endswith(("/history/", f"/{projects[state].slug}/"))
    assert client.post(url, {"comment": "x", "version": 1}).status_code == (
        405 if read_only else 404
    )
    projects[state].refresh_from_db()
    assert projects[state].publication_state == state


def test_another_authoritys_commissions_and_settlements_answer_404(client, people):
    commission = CommissionFactory(lead_borough=borough("hackney"))
    settlement = SettlementFactory(recipient=borough("hackney"))
    signed_in(client, people["other-editor"])
    for url in [
        f"/officer/commissions/{commission.slug}/edit/",
        f"/officer/commissions/{commission.slug}/history/",
        f"/officer/settlements/{settlement.pk}/edit/",
        f"/officer/settlements/{settlement.pk}/history/",
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"version": 1}).status_code == (
            405 if url.endswith("/history/") else 404
        ), url


# Editing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "state", "allowed"),
    [
        ("editor", "draft", True),
        ("editor", "submitted", False),
        ("editor", "published", False),
        ("editor", "archived", False),
        ("reviewer", "draft", True),
        ("reviewer", "submitted", True),
        ("reviewer", "published", True),
        ("reviewer", "archived", False),
        ("admin", "published", True),
    ],
)
def test_who_may_edit_a_project_in_which_state(client, people, projects, who, state, allowed):
    project = projects[state]
    response = signed_in(client, people[who]).get(f"/officer/projects/{project.slug}/edit/")
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert "You cannot edit this project while it is" in response.text


def date_fields(name, typed):
    """The day, month and year boxes of the date field `name`, as typed: "31/2/2026"."""
    day, month, year = typed.split("/")
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


def project_form_data(project, **changes):
    data = {
        "version": project.version,
        "title": project.title,
        "summary": project.summary,
        "description": project.description,
        "lead_borough": project.lead_borough_id,
        "themes": [t.pk for t in project.themes.all()],
        "delivery_status": project.delivery_status,
        "start_date_day": project.start_date.day,
        "start_date_month": project.start_date.month,
        "start_date_year": project.start_date.year,
        "fundings-TOTAL_FORMS": 0,
        "fundings-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def test_an_editor_edits_a_draft_and_history_records_it(client, people, projects):
    project = projects["draft"]
    signed_in(client, people["editor"])
    response = client.post(
        f"/officer/projects/{project.slug}/edit/",
        project_form_data(project, title="Hackney walking club", themes=[theme("isolation").pk]),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Hackney walking club"
    assert project.updated_by == people["editor"]
    history = client.get(f"/officer/projects/{project.slug}/history/").text
    assert "Changed: Project" in history
    assert "by hackney-editor" in history
    assert "Hackney draft project" in history
    assert "Hackney walking club" in history
    assert "Isolation and loneliness" in history


def test_an_editor_creates_a_draft_for_their_own_authority_only(client, people):
    signed_in(client, people["editor"])
    form = client.get("/officer/projects/new/")
    assert form.status_code == 200
    assert f'<option value="{borough("camden").pk}"' not in form.text
    data = {
        "title": "Hackney welcome walks",
        "summary": "Walks for new arrivals.",
        "lead_borough": borough("hackney").pk,
        "themes": [theme("migrants-and-citizenship").pk],
        "delivery_status": "planned",
        **date_fields("start_date", "1/9/2026"),
        "fundings-TOTAL_FORMS": 0,
        "fundings-INITIAL_FORMS": 0,
    }
    response = client.post("/officer/projects/new/", data)
    assert response.status_code == 302
    project = Project.objects.get(title="Hackney welcome walks")
    assert project.publication_state == "draft"
    assert project.created_by == people["editor"]
    assert response["Location"] == f"/officer/projects/{project.slug}/"
    refused = client.post("/officer/projects/new/", {**data, "lead_borough": borough("camden").pk})
    assert "Select a valid choice" in refused.text
    assert Project.objects.filter(title="Hackney welcome walks").count() == 1


def test_a_form_with_mistakes_keeps_everything_typed(client, people):
    signed_in(client, people["editor"])
    response = client.post(
        "/officer/projects/new/",
        {
            "summary": "Walks for new arrivals.",
            "description": "Every Saturday.",
            "lead_borough": borough("hackney").pk,
            "delivery_status": "planned",
            **date_fields("start_date", "31/2/2026"),
            "delivery_partners": "Open Door",
            "fundings-TOTAL_FORMS": 0,
            "fundings-INITIAL_FORMS": 0,
        },
    )
    text = response.text
    assert response.status_code == 200
    assert "<title>Error: New project" in text
    for error in [
        '<a href="#id_title">Enter the title</a>',
        '<a href="#id_themes_0">Select at least one of the themes</a>',
        '<a href="#id_start_date_0">Start date must be a real date',
    ]:
        assert error in text, error
    for typed in [
        'value="Walks for new arrivals."',
        "Every Saturday.</textarea>",
        'value="31"',
        "Open Door</textarea>",
    ]:
        assert typed in text, typed
    assert not Project.objects.exists()


def test_recommendations_must_be_of_the_chosen_commission(client, people, projects):
    commission = CommissionFactory(title="Hackney Commission")
    mine = RecommendationFactory(commission=commission, text="Meet your neighbours.")
    other = RecommendationFactory(text="Elsewhere.")
    project = projects["draft"]
    signed_in(client, people["editor"])
    form = client.get(f"/officer/projects/{project.slug}/edit/").text
    assert (
        '<h3 class="govuk-heading-s govuk-!-margin-top-4 govuk-!-margin-bottom-2">'
        "Hackney Commission</h3>" in form
    )
    response = client.post(
        f"/officer/projects/{project.slug}/edit/",
        project_form_data(project, commission=commission.pk, recommendations=[mine.pk, other.pk]),
    )
    assert "is not one" in response.text
    response = client.post(
        f"/officer/projects/{project.slug}/edit/",
        project_form_data(project, commission=commission.pk, recommendations=[mine.pk]),
    )
    assert response.status_code == 302
    assert list(project.recommendations.all()) == [mine]


def test_funding_lines_stay_within_their_settlement(client, people, projects):
    project = projects["draft"]
    settlement = SettlementFactory(total_amount=Decimal("1000"))
    ProjectFundingFactory(settlement=settlement, amount=Decimal("700"))
    signed_in(client, people["editor"])
    line = {
        "fundings-TOTAL_FORMS": 1,
        "fundings-INITIAL_FORMS": 0,
        "fundings-0-settlement": settlement.pk,
        "fundings-0-amount": "301",
    }
    refused = client.post(
        f"/officer/projects/{project.slug}/edit/", project_form_data(project, **line)
    )
    assert "exceeds the settlement&#x27;s total of £1,000.00" in refused.text
    accepted = client.post(
        f"/officer/projects/{project.slug}/edit/",
        project_form_data(project, **{**line, "fundings-0-amount": "300"}),
    )
    assert accepted.status_code == 302
    project.refresh_from_db()
    assert project.funding_total == Decimal("300")


# No lost updates -----------------------------------------------------------------------------


def test_a_second_save_from_an_old_version_gets_a_conflict_and_keeps_its_input(
    client, people, projects
):
    project = projects["submitted"]
    opened_at = project.version
    other = signed_in(client.__class__(), people["admin"])
    assert (
        other.post(
            f"/officer/projects/{project.slug}/edit/",
            project_form_data(project, summary="The admin's summary."),
        ).status_code
        == 302
    )
    signed_in(client, people["reviewer"])
    response = client.post(
        f"/officer/projects/{project.slug}/edit/",
        project_form_data(project, version=opened_at, summary="The reviewer's summary."),
    )
    text = response.text
    assert response.status_code == 409
    assert "Someone else saved this record while you were editing it (admin)" in text
    assert "What they changed" in text
    assert "The admin&#x27;s summary." in text
    assert 'value="The reviewer&#x27;s summary."' in text
    project.refresh_from_db()
    assert project.summary == "The admin's summary."
    hidden = re.search(r'name="version" value="(\d+)"', text).group(1)
    assert int(hidden) == project.version
    saved = client.post(
        f"/officer/projects/{project.slug}/edit/",
        project_form_data(project, version=hidden, summary="The reviewer's summary."),
    )
    assert saved.status_code == 302
    project.refresh_from_db()
    assert project.summary == "The reviewer's summary."


# The workflow --------------------------------------------------------------------------------


STEPS = [
    ("editor", "draft", "submit", "submitted"),
    ("reviewer", "draft", "submit", "submitted"),
    ("reviewer", "submitted", "publish", "published"),
    ("reviewer", "submitted", "return", "draft"),
    ("reviewer", "published", "archive", "archived"),
    ("admin", "submitted", "publish", "published"),
]
REFUSED_ROLE = [
    ("editor", "submitted", "publish"),
    ("editor", "submitted", "return"),
    ("editor", "published", "archive"),
]
REFUSED_STATE = [
    ("editor", "submitted", "submit"),
    ("reviewer", "draft", "publish"),
    ("reviewer", "published", "publish"),
    ("reviewer", "draft", "return"),
    ("reviewer", "archived", "archive"),
    ("reviewer", "submitted", "archive"),
]


def step_url(project, action):
    return f"/officer/projects/{project.slug}/steps/{action}/"


def open_step(client, user, project, action):
    """`user` signs in and opens the page for the step `action` on `project`."""
    return signed_in(client, user).get(step_url(project, action))


@pytest.mark.parametrize(("who", "start", "action", "end"), STEPS)
def test_each_allowed_step_is_taken_and_recorded(client, people, projects, who, start, action, end):
    project = projects[start]
    page = open_step(client, people[who], project, action)
    assert page.status_code == 200
    response = client.post(step_url(project, action), {"comment": "Looks right."})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.publication_state == end
    transition = project.transitions.get()
    assert (transition.action, transition.by, transition.comment) == (
        action,
        people[who],
        "Looks right.",
    )
    detail = client.get(f"/officer/projects/{project.slug}/").text
    assert f"by {people[who].username}" in detail
    assert "“Looks right.”" in detail


@pytest.mark.parametrize(("who", "start", "action"), REFUSED_ROLE)
def test_a_step_beyond_ones_role_is_refused(client, people, projects, who, start, action):
    project = projects[start]
    page = open_step(client, people[who], project, action)
    assert page.status_code == 403
    assert "Only a reviewer of the project&#x27;s authority can do that." in page.text
    assert client.post(step_url(project, action)).status_code == 403
    project.refresh_from_db()
    assert project.publication_state == start
    assert not project.transitions.exists()


@pytest.mark.parametrize(("who", "start", "action"), REFUSED_STATE)
def test_a_step_from_the_wrong_state_is_refused(client, people, projects, who, start, action):
    project = projects[start]
    page = open_step(client, people[who], project, action)
    assert page.status_code == 403
    response = client.post(step_url(project, action), {"comment": "Please."})
    assert response.status_code == 400
    assert "so it cannot be" in response.text
    project.refresh_from_db()
    assert project.publication_state == start


def test_an_unknown_step_is_not_found(client, people, projects):
    signed_in(client, people["reviewer"])
    assert client.get(step_url(projects["draft"], "delete")).status_code == 404


def test_returning_needs_a_comment(client, people, projects):
    project = projects["submitted"]
    signed_in(client, people["reviewer"])
    response = client.post(step_url(project, "return"), {"comment": "  "})
    assert response.status_code == 400
    assert "Say what needs changing, so the editor knows what to do." in response.text
    project.refresh_from_db()
    assert project.publication_state == "submitted"


def test_notifications_go_to_the_right_people_after_commit(
    client, people, projects, django_capture_on_commit_callbacks
):
    project = projects["draft"]
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(client, people["editor"]).post(step_url(project, "submit"))
    assert [m.to for m in mail.outbox] == [["hackney-reviewer@example.org"]]
    assert mail.outbox[0].subject == "Hackney draft project: submitted for review"
    assert f"/officer/projects/{project.slug}/" in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(client, people["reviewer"]).post(
            step_url(project, "return"), {"comment": "Add partners."}
        )
    assert [m.to for m in mail.outbox] == [["hackney-editor@example.org"]]
    assert "Add partners." in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(client, people["editor"]).post(step_url(project, "submit"))
        signed_in(client, people["reviewer"]).post(step_url(project, "publish"))
    assert [m.to for m in mail.outbox] == [
        ["hackney-reviewer@example.org"],
        ["hackney-editor@example.org"],
    ]
    assert "camden" not in str([m.to for m in mail.outbox])


def test_no_email_is_sent_when_the_step_does_not_commit(
    people, projects, django_capture_on_commit_callbacks
):
    from projects import services

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.submit_project(project=projects["draft"], by=people["editor"])
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_unpublished_projects_never_reach_the_public(client, people, projects):
    published = projects["published"]
    assert client.get(published.get_absolute_url()).status_code == 200
    signed_in(client, people["reviewer"]).post(step_url(published, "archive"))
    client.logout()
    assert client.get(published.get_absolute_url()).status_code == 404
    listing = client.get("/projects/").text
    export = b"".join(client.get("/projects/export.csv").streaming_content).decode()
    for state in ("draft", "submitted", "published", "archived"):
        assert f"Hackney {state} project" not in listing
        assert f"Hackney {state} project" not in export


# Commissions and settlements -----------------------------------------------------------------


def test_an_officer_adds_a_commission_with_recommendations(client, people):
    signed_in(client, people["editor"])
    response = client.post(
        "/officer/commissions/new/",
        {
            "title": "Hackney Belonging Commission",
            "lead_borough": borough("hackney").pk,
            "kind": "integration",
            "status": "reported",
            **date_fields("established_on", "1/1/2024"),
            "summary": "What makes people feel they belong.",
            "recommendations-TOTAL_FORMS": 1,
            "recommendations-INITIAL_FORMS": 0,
            "recommendations-0-number": 1,
            "recommendations-0-text": "Open the town hall to everyone.",
        },
    )
    assert response.status_code == 200
    assert "needs the date it reported" in response.text
    assert not Commission.objects.filter(title="Hackney Belonging Commission").exists()


@pytest.mark.parametrize(
    ("address", "prefix", "messages"),
    [
        ("/officer/commissions/new/", "recommendations", ["Enter the title", "Select the kind"]),
        (
            "/officer/settlements/new/",
            "allocations",
            ["Select the funder", "Enter the programme", "Enter the total amount"],
        ),
    ],
    ids=["commission", "settlement"],
)
def test_an_empty_form_says_what_to_enter_and_select(client, people, address, prefix, messages):
    signed_in(client, people["editor"])
    response = client.post(
        address,
        {
            f"{formset}-{count}": 0
            for formset in (prefix, "fundings")
            for count in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    )
    summary = text_of(re.search(r'<div class="govuk-error-summary.*?</ul>', response.text, re.S)[0])
    for message in messages:
        assert message in summary
    assert "This field is required" not in response.text


def test_an_officer_keeps_a_settlement_whose_money_adds_up(client, people):
    signed_in(client, people["editor"])
    funder = SettlementFactory().funder
    data = {
        "funder": funder.pk,
        "programme": "Belonging Fund",
        "recipient": borough("hackney").pk,
        "total_amount": "300000",
        "first_year": 2025,
        "last_year": 2026,
        "restrictions": "light-touch",
        **date_fields("awarded_on", "1/3/2025"),
        "allocations-TOTAL_FORMS": 2,
        "allocations-INITIAL_FORMS": 0,
        "allocations-0-financial_year": 2025,
        "allocations-0-amount": "100000",
        "allocations-1-financial_year": 2026,
        "allocations-1-amount": "100000",
        "fundings-TOTAL_FORMS": 0,
        "fundings-INITIAL_FORMS": 0,
    }
    refused = client.post("/officer/settlements/new/", data)
    assert (
        "The yearly allocations add up to £200,000.00, but the settlement&#x27;s total is "
        "£300,000.00." in refused.text
    )
    assert not FundingSettlement.objects.filter(programme="Belonging Fund").exists()
    accepted = client.post("/officer/settlements/new/", {**data, "allocations-1-amount": "200000"})
    assert accepted.status_code == 302
    # Not public until another reviewer of Hackney approves it.
    assert not FundingSettlement.objects.filter(programme="Belonging Fund").exists()
    signed_in(client, people["reviewer"])
    approved = client.post(accepted.url, {"decision": "approve"}, follow=True)
    assert "Approved: it is public now." in approved.text
    signed_in(client, people["editor"])
    settlement = FundingSettlement.objects.get(programme="Belonging Fund")
    assert sorted(settlement.allocations.values_list("amount", flat=True)) == [100000, 200000]
    edit = client.get(f"/officer/settlements/{settlement.pk}/edit/")
    assert edit.status_code == 200
    history = client.get(f"/officer/settlements/{settlement.pk}/history/").text
    assert "Created: Yearly allocation" in history
    assert "Created: Funding settlement" in history


def test_settlement_edits_do_not_overwrite_each_other(client, people):
    settlement = SettlementFactory(recipient=borough("hackney"), total_amount=Decimal("100"))
    YearlyAllocationFactory(settlement=settlement, amount=Decimal("100"))
    opened_at = settlement.version
    settlement.programme = "Renamed by someone else"
    settlement.save()
    signed_in(client, people["admin"])  # an admin saves at once; an officer proposes
    page = client.get(f"/officer/settlements/{settlement.pk}/edit/")
    data = {
        key: value
        for key, value in re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', page.text)
        # The form's fields, less the buttons a browser sends only when pressed.
        if not key.startswith("csrf") and key not in ("add_row", "set_out_years")
    }
    data.update(
        {
            "version": opened_at,
            "funder": settlement.funder_id,
            "recipient": settlement.recipient_id,
            "restrictions": settlement.restrictions,
            "programme": "My name for it",
        }
    )
    response = client.post(f"/officer/settlements/{settlement.pk}/edit/", data)
    assert response.status_code == 409
    assert "Renamed by someone else" in response.text
    settlement.refresh_from_db()
    assert settlement.programme == "Renamed by someone else"


# Admin curation ------------------------------------------------------------------------------


def test_admin_bulk_actions_follow_the_same_rules(client, people, projects):
    signed_in(client, people["admin"])
    changelist = "/admin/projects/project/"
    response = client.post(
        changelist,
        {
            "action": "publish_projects",
            "_selected_action": [projects["submitted"].pk, projects["draft"].pk],
        },
        follow=True,
    )
    assert "1 project published." in response.text
    assert "Not published: Hackney draft project: This project is draft" in response.text
    projects["submitted"].refresh_from_db()
    assert projects["submitted"].publication_state == "published"
    assert projects["submitted"].transitions.get().by == people["admin"]

    submitted = ProjectFactory(title="Waiting", publication_state="submitted")
    ask = client.post(
        changelist, {"action": "return_projects_to_draft", "_selected_action": [submitted.pk]}
    )
    assert "What needs changing" in ask.text
    done = client.post(
        changelist,
        {
            "action": "return_projects_to_draft",
            "_selected_action": [submitted.pk],
            "apply": "1",
            "comment": "Needs a summary.",
        },
        follow=True,
    )
    assert "1 project returned to draft." in done.text
    submitted.refresh_from_db()
    assert submitted.publication_state == "draft"
    assert submitted.transitions.get().comment == "Needs a summary."


def test_the_admin_cannot_change_a_state_by_hand(client, people, projects):
    signed_in(client, people["admin"])
    page = client.get(f"/admin/projects/project/{projects['draft'].pk}/change/")
    assert 'name="publication_state"' not in page.text


def test_commission_edits_are_recorded_and_do_not_overwrite_each_other(client, people):
    commission = CommissionFactory(lead_borough=borough("hackney"), title="Hackney Commission")
    RecommendationFactory(commission=commission, number=1, text="Meet more.")
    signed_in(client, people["admin"])  # an admin saves at once; an officer proposes
    recommendation = commission.recommendations.get()
    data = {
        "version": commission.version,
        "title": commission.title,
        "lead_borough": borough("hackney").pk,
        "kind": commission.kind,
        "status": commission.status,
        **date_fields("established_on", "1/1/2020"),
        **date_fields("reported_on", "1/1/2021"),
        "summary": "A new summary.",
        "recommendations-TOTAL_FORMS": 1,
        "recommendations-INITIAL_FORMS": 1,
        "recommendations-0-id": recommendation.pk,
        "recommendations-0-number": 1,
        "recommendations-0-text": "Meet your neighbours more often.",
    }
    assert client.post(f"/officer/commissions/{commission.slug}/edit/", data).status_code == 302
    history = client.get(f"/officer/commissions/{commission.slug}/history/").text
    assert "Changed: Commission" in history
    assert "A new summary." in history
    assert "Changed: Recommendation R1" in history
    assert "Meet your neighbours more often." in history
    assert commission.history.count() == 2

    stale = client.post(
        f"/officer/commissions/{commission.slug}/edit/", {**data, "summary": "Stale summary."}
    )
    assert stale.status_code == 409
    commission.refresh_from_db()
    assert commission.summary == "A new summary."


class UnreachableMailer(locmem.EmailBackend):
    """A mail server that cannot be reached."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("[Errno 111] Connection refused")


def test_with_the_mail_server_down_a_step_succeeds_and_its_email_waits_in_the_outbox(
    client, people, projects, settings, django_capture_on_commit_callbacks
):
    project = projects["draft"]
    settings.MAILERS = {"default": {"BACKEND": "tests.test_officers.UnreachableMailer"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(client, people["editor"]).post(step_url(project, "submit"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.publication_state == "submitted"
    [waiting] = OutgoingEmail.objects.all()
    assert waiting.sent_at is None
    assert waiting.attempts == 1
    assert "Connection refused" in waiting.last_error
    assert waiting.recipients == ["hackney-reviewer@example.org"]

    # Later, the mail server is back: the deliverer sends it once it is due, and only once.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    call_command("deliver_email", stdout=io.StringIO())
    assert mail.outbox == []  # not due yet
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())
    out = io.StringIO()
    call_command("deliver_email", stdout=out)
    assert "1 sent, 0 not sent" in out.getvalue()
    call_command("deliver_email", stdout=io.StringIO())
    assert [m.to for m in mail.outbox] == [["hackney-reviewer@example.org"]]
    assert mail.outbox[0].subject == "Hackney draft project: submitted for review"
    waiting.refresh_from_db()
    assert waiting.sent_at is not None


def test_a_step_that_fails_leaves_no_email_behind(client, people, projects):
    project = projects["published"]
    response = signed_in(client, people["editor"]).post(step_url(project, "submit"))
    assert response.status_code in (400, 403)
    assert not OutgoingEmail.objects.exists()
