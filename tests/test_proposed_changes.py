"""A second pair of eyes on settlements, commissions and published projects: an officer's new or
changed settlement or commission, and a reviewer's change to a published project, waits for a
reviewer of the authority (not the proposer) and public pages show the record as last approved
until then."""

import re

import pytest

from boroughs.models import Commission
from portal.models import OutgoingEmail
from projects.models import FundingSettlement, ProposedChange

from .factories import (
    FunderFactory,
    ProjectFactory,
    SettlementFactory,
    UserFactory,
    YearlyAllocationFactory,
    borough,
    theme,
)
from .test_officers import date_fields, officer, project_form_data, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def hackney():
    return {
        "editor": officer("hackney-editor", "hackney", "editor"),
        "reviewer": officer("hackney-reviewer", "hackney", "reviewer"),
        "camden": officer("camden-reviewer", "camden", "reviewer"),
    }


def settlement_data(**changes):
    return {
        "funder": FunderFactory(name="Thames Trust").pk,
        "programme": "Belonging Fund",
        "recipient": borough("hackney").pk,
        "total_amount": "90000",
        "first_year": "2025",
        "last_year": "2025",
        "restrictions": "light-touch",
        **date_fields("awarded_on", "1/3/2025"),
        "allocations-TOTAL_FORMS": 1,
        "allocations-INITIAL_FORMS": 0,
        "allocations-0-financial_year": "2025",
        "allocations-0-amount": "90000",
        "fundings-TOTAL_FORMS": 0,
        "fundings-INITIAL_FORMS": 0,
        **changes,
    }


def test_a_new_settlement_is_public_only_once_another_reviewer_approves_it(client, hackney):
    signed_in(client, hackney["editor"])
    sent = client.post("/officer/settlements/new/", settlement_data(), follow=True)
    assert (
        "Sent to the reviewers of Hackney: the change is public once one of them approves it."
        in (sent.text)
    )
    assert not FundingSettlement.objects.exists()
    assert "Belonging Fund" not in client.get("/settlements/").text
    change = ProposedChange.objects.get()
    page = client.get(f"/officer/changes/{change.pk}/").text
    assert "Waiting for a reviewer of Hackney other than who proposed it." in page
    assert "Approve and publish" not in page
    # The proposer cannot approve it.
    assert client.post(f"/officer/changes/{change.pk}/", {"decision": "approve"}).status_code == 403
    assert not FundingSettlement.objects.exists()

    signed_in(client, hackney["camden"])  # another authority's reviewer cannot see it
    assert client.get(f"/officer/changes/{change.pk}/").status_code == 404

    signed_in(client, hackney["reviewer"])
    assert "1 change waiting for your review" in client.get("/officer/").text
    waiting = client.get("/officer/changes/").text
    assert "New funding settlement: Belonging Fund from Thames Trust to Hackney" in waiting
    page = client.get(f"/officer/changes/{change.pk}/").text
    differences = page.split("What it changes", 1)[1].split("</table>", 1)[0]
    assert re.search(
        r"Programme name</th>\s*<td[^>]*>–</td>\s*<td[^>]*>Belonging Fund", differences
    )
    approved = client.post(f"/officer/changes/{change.pk}/", {"decision": "approve"}, follow=True)
    assert "Approved: it is public now." in approved.text
    settlement = FundingSettlement.objects.get()
    assert settlement.allocations.get().amount == 90000
    assert "Belonging Fund" in client.get("/settlements/").text
    change.refresh_from_db()
    assert (change.state, change.decided_by) == ("approved", hackney["reviewer"])
    emails = list(OutgoingEmail.objects.order_by("pk").values_list("subject", "recipients"))
    assert emails == [
        (f"{change}: proposed", ["hackney-reviewer@example.org"]),
        (f"{change}: approved", ["hackney-editor@example.org"]),
    ]
    assert settlement.history.first().history_user == hackney["editor"]


def renamed_by_officer(client, user, settlement):
    """`user` saves the settlement's edit page with its programme renamed "New Name"."""
    signed_in(client, user)
    page = client.get(f"/officer/settlements/{settlement.pk}/edit/").text
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    data.pop("csrfmiddlewaretoken")
    data.update(
        funder=settlement.funder_id,
        recipient=settlement.recipient_id,
        restrictions=settlement.restrictions,
        programme="New Name",
    )
    return client.post(f"/officer/settlements/{settlement.pk}/edit/", data)


def test_a_changed_settlement_stays_as_approved_until_the_change_is(client, hackney):
    settlement = SettlementFactory(
        programme="Old Name",
        recipient=borough("hackney"),
        total_amount=90000,
        first_year=2025,
        last_year=2025,
    )
    YearlyAllocationFactory(settlement=settlement, financial_year=2025, amount=90000)
    assert renamed_by_officer(client, hackney["editor"], settlement).status_code == 302
    settlement.refresh_from_db()
    assert settlement.programme == "Old Name"
    assert "Old Name" in client.get(settlement.get_absolute_url()).text
    change = ProposedChange.objects.get()

    signed_in(client, hackney["reviewer"])
    page = client.get(f"/officer/changes/{change.pk}/").text
    differences = page.split("What it changes", 1)[1].split("</table>", 1)[0]
    assert re.search(
        r"Programme name</th>\s*<td[^>]*>Old Name</td>\s*<td[^>]*>New Name", differences
    )
    unexplained = client.post(f"/officer/changes/{change.pk}/", {"decision": "return"}, follow=True)
    assert "Say what needs changing, so the officer knows what to do." in unexplained.text
    returned = client.post(
        f"/officer/changes/{change.pk}/",
        {"decision": "return", "comment": "Keep the funder's own name."},
        follow=True,
    )
    assert "Returned." in returned.text
    assert "“Keep the funder&#x27;s own name.”" in returned.text
    settlement.refresh_from_db()
    assert settlement.programme == "Old Name"
    assert client.post(f"/officer/changes/{change.pk}/", {"decision": "approve"}, follow=True)
    settlement.refresh_from_db()
    assert settlement.programme == "Old Name"  # decided already


def test_a_change_overtaken_by_another_save_is_not_approved(client, hackney):
    settlement = SettlementFactory(programme="Old Name", recipient=borough("hackney"))
    renamed_by_officer(client, hackney["editor"], settlement)
    settlement.conditions = "Changed by an admin meanwhile."
    settlement.save()
    signed_in(client, hackney["reviewer"])
    change = ProposedChange.objects.get()
    response = client.post(f"/officer/changes/{change.pk}/", {"decision": "approve"}, follow=True)
    assert "The record was changed after this was proposed" in response.text
    settlement.refresh_from_db()
    assert settlement.programme == "Old Name"


def test_a_new_commission_waits_for_a_reviewer(client, hackney):
    signed_in(client, hackney["editor"])
    data = {
        "title": "Hackney Belonging Commission",
        "lead_borough": borough("hackney").pk,
        "kind": "cohesion",
        "status": "sitting",
        "recommendations-TOTAL_FORMS": 1,
        "recommendations-INITIAL_FORMS": 0,
        "recommendations-0-number": "1",
        "recommendations-0-text": "Meet your neighbours.",
    }
    assert client.post("/officer/commissions/new/", data).status_code == 302
    assert not Commission.objects.exists()
    signed_in(client, hackney["reviewer"])
    change = ProposedChange.objects.get()
    client.post(f"/officer/changes/{change.pk}/", {"decision": "approve"})
    commission = Commission.objects.get()
    assert commission.recommendations.get().text == "Meet your neighbours."
    assert client.get(commission.get_absolute_url()).status_code == 200


def test_a_reviewers_change_to_a_published_project_waits_for_a_second_reviewer(client, hackney):
    second = officer("hackney-second-reviewer", "hackney", "reviewer")
    project = ProjectFactory(
        title="Hackney Lunch Club",
        publication_state="published",
        lead_borough=borough("hackney"),
        themes=[theme("cohesion")],
    )
    signed_in(client, hackney["reviewer"])
    edit = f"/officer/projects/{project.slug}/edit/"
    data = project_form_data(project, title="Hackney Lunch and Supper Club")
    sent = client.post(edit, data, follow=True)
    assert "the change is public once one of them approves it" in sent.text
    project.refresh_from_db()
    assert project.title == "Hackney Lunch Club"
    assert "Hackney Lunch Club" in client.get(project.get_absolute_url()).text
    change = ProposedChange.objects.get()
    assert (change.kind, change.record) == ("project", project)
    waiting = client.get(f"/officer/projects/{project.slug}/").text
    assert "is waiting for another reviewer" in waiting
    # Its author cannot approve it.
    assert client.post(f"/officer/changes/{change.pk}/", {"decision": "approve"}).status_code == 403

    signed_in(client, second)
    page = client.get(f"/officer/changes/{change.pk}/").text
    assert "Changed project: Hackney Lunch and Supper Club" in page
    differences = page.split("What it changes", 1)[1].split("</table>", 1)[0]
    assert re.search(
        r"Hackney Lunch Club</td>\s*<td[^>]*>Hackney Lunch and Supper Club", differences
    )
    approved = client.post(f"/officer/changes/{change.pk}/", {"decision": "approve"}, follow=True)
    assert "Approved: it is public now." in approved.text
    project.refresh_from_db()
    assert project.title == "Hackney Lunch and Supper Club"
    assert "Hackney Lunch and Supper Club" in client.get(project.get_absolute_url()).text
    assert project.history.first().history_user == hackney["reviewer"]


def test_a_reviewer_edits_a_draft_and_an_admin_a_published_project_at_once(client, hackney):
    draft = ProjectFactory(
        title="Draft Club", publication_state="draft", lead_borough=borough("hackney")
    )
    signed_in(client, hackney["reviewer"])
    saved = client.post(
        f"/officer/projects/{draft.slug}/edit/", project_form_data(draft, title="Draft Club 2")
    )
    assert saved.status_code == 302
    published = ProjectFactory(
        title="Published Club", publication_state="published", lead_borough=borough("hackney")
    )
    signed_in(client, UserFactory(username="curator", is_staff=True, is_superuser=True))
    saved = client.post(
        f"/officer/projects/{published.slug}/edit/",
        project_form_data(published, title="Published Club 2"),
    )
    assert saved.status_code == 302
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.title, published.title) == ("Draft Club 2", "Published Club 2")
    assert not ProposedChange.objects.exists()
