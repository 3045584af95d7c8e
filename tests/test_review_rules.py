"""A second pair of eyes on every publication, and only complete records go to review: no one
publishes a project they created or submitted, and a project lacking what publication needs
can be neither submitted nor published; the officer's page shows the checklist and who can
help."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils.html import escape

from projects.models import Project, ProjectTransition

from .factories import (
    CommissionFactory,
    ProjectFactory,
    ProjectFundingFactory,
    RecommendationFactory,
    UserFactory,
    theme,
)
from .test_officers import officer, project_form_data, signed_in, step_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def hackney():
    return {
        "editor": officer("hackney-editor", "hackney", "editor"),
        "reviewer": officer("hackney-reviewer", "hackney", "reviewer"),
        "second": officer("hackney-second", "hackney", "reviewer"),
    }


def submitted_by(client, user):
    """A draft the user creates, fills in and submits through the officers' pages."""
    project = ProjectFactory(title="Neighbours Cook", publication_state="draft", created_by=user)
    signed_in(client, user)
    assert client.post(step_url(project, "submit")).status_code == 302
    project.refresh_from_db()
    assert project.publication_state == "submitted"
    return project


def test_a_reviewer_cannot_publish_what_they_submitted_and_another_reviewer_can(client, hackney):
    project = submitted_by(client, hackney["reviewer"])
    page = client.get(f"/officer/projects/{project.slug}/").text
    assert "It cannot be published yet:" in page
    assert (
        escape(
            "You created or submitted this project, so someone else must publish it: another "
            "reviewer of Hackney (hackney-second <hackney-second@example.org>) or an administrator."
        )
        in page
    )
    assert f'href="{step_url(project, "publish")}"' not in page
    refused = client.post(step_url(project, "publish"), {"comment": ""})
    assert refused.status_code == 400
    assert "someone else must publish it" in refused.text
    project.refresh_from_db()
    assert project.publication_state == "submitted"

    signed_in(client, hackney["second"])
    assert (
        f'href="{step_url(project, "publish")}"'
        in client.get(f"/officer/projects/{project.slug}/").text
    )
    assert client.post(step_url(project, "publish"), {"comment": ""}).status_code == 302
    project.refresh_from_db()
    assert project.publication_state == "published"


def test_an_editor_submits_and_the_one_reviewer_publishes(client, hackney):
    project = submitted_by(client, hackney["editor"])
    signed_in(client, hackney["reviewer"])
    assert client.post(step_url(project, "publish"), {"comment": ""}).status_code == 302


def test_the_creator_cannot_publish_it_after_someone_else_submits_it(client, hackney):
    project = ProjectFactory(publication_state="draft", created_by=hackney["reviewer"])
    signed_in(client, hackney["editor"])
    client.post(step_url(project, "submit"))
    signed_in(client, hackney["reviewer"])
    page = client.get(step_url(project, "publish"))
    assert page.status_code == 403
    assert "someone else must publish it" in page.text


def test_an_authority_with_one_reviewer_is_told_to_ask_an_administrator(client):
    lone = officer("barnet-reviewer", "barnet", "reviewer")
    UserFactory(username="portal-admin", email="admin@example.org", is_staff=True)
    project = ProjectFactory(publication_state="draft", created_by=lone)
    project.lead_borough_id = lone.memberships.get().borough_id
    project.save()
    signed_in(client, lone)
    client.post(step_url(project, "submit"))
    page = client.get(f"/officer/projects/{project.slug}/").text
    assert (
        escape(
            "Barnet has no other reviewer, so ask an administrator (portal-admin "
            "<admin@example.org>) to publish it or to make another officer a reviewer."
        )
        in page
    )


def test_the_admin_bulk_publish_refuses_an_admins_own_project(client):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    own = ProjectFactory(title="Mine", publication_state="submitted", created_by=admin)
    theirs = ProjectFactory(title="Theirs", publication_state="submitted")
    client.force_login(admin)
    response = client.post(
        "/admin/projects/project/",
        {"action": "publish_projects", "_selected_action": [own.pk, theirs.pk]},
        follow=True,
    )
    assert "1 project published." in response.text
    assert "Not published: Mine: You created or submitted this project" in response.text


# Only complete records -------------------------------------------------------------------------


def test_an_incomplete_draft_shows_its_checklist_and_cannot_be_submitted(client, hackney):
    project = ProjectFactory(
        publication_state="draft",
        description="",
        contact_name="",
        no_funding_reason="",
    )
    signed_in(client, hackney["editor"])
    page = client.get(f"/officer/projects/{project.slug}/").text
    assert "What publication needs" in page
    checklist = page.split("What publication needs", 1)[1].split("</ul>", 1)[0]
    for item, status in [
        ("A summary", "Done"),
        ("A description", "To do"),
        ("At least one theme", "Done"),
        ("A public contact: a name and an email address", "To do"),
        ("Funding lines, or why no funding is recorded", "To do"),
    ]:
        assert item in checklist
        assert status in checklist.split(item, 1)[1].split("</li>", 1)[0]
    assert "Before it can be submitted for review:" in page
    for to_do in [
        "Add a description.",
        "Add a public contact.",
        "Add its funding lines, or say why no funding is recorded.",
    ]:
        assert f"<li>{to_do}</li>" in page
    refused = client.post(step_url(project, "submit"))
    assert refused.status_code == 400
    assert "Add a description." in refused.text
    project.refresh_from_db()
    assert project.publication_state == "draft"

    ProjectFundingFactory(project=project)
    Project.objects.filter(pk=project.pk).update(description="What it does.", contact_name="Team")
    assert client.post(step_url(project, "submit")).status_code == 302


def test_a_recommendation_on_other_themes_needs_a_reason(client, hackney):
    commission = CommissionFactory(title="Hackney Commission")
    equalities = RecommendationFactory(commission=commission, number=2, text="Pay fairly.")
    equalities.themes.set([theme("equalities")])
    project = ProjectFactory(publication_state="draft", themes=[theme("cohesion")])
    signed_in(client, hackney["editor"])
    chosen = {"commission": commission.pk, "recommendations": [equalities.pk]}
    refused = client.post(
        f"/officer/projects/{project.slug}/edit/", project_form_data(project, **chosen)
    )
    assert (
        escape(
            "R2 shares none of the project's themes: say why the project answers it, or untick it."
        )
        in refused.text
    )
    explained = project_form_data(
        project, off_theme_reason="Fair pay keeps volunteers involved.", **chosen
    )
    assert client.post(f"/officer/projects/{project.slug}/edit/", explained).status_code == 302
    project.refresh_from_db()
    assert list(project.recommendations.all()) == [equalities]


# The demo's officers find work waiting ---------------------------------------------------------


def test_the_demo_officers_find_work_waiting_and_the_reviewer_can_publish_it(client, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("demo_accounts", stdout=io.StringIO())
    call_command("demo_accounts", stdout=io.StringIO())  # a second run adds nothing
    editor = get_user_model().objects.get(username="hackney-editor")
    reviewer = get_user_model().objects.get(username="hackney-reviewer")

    dashboard = signed_in(client, editor).get("/officer/").text
    returned = dashboard.split("Returned to you with a comment", 1)[1].split("<h3", 1)[0]
    assert "Say how many people it reached so far" in returned
    assert Project.objects.filter(created_by=editor, publication_state="draft").count() == 1

    dashboard = signed_in(client, reviewer).get("/officer/").text
    waiting = dashboard.split("Waiting for your review", 1)[1].split("<h2", 1)[0]
    slug = re.search(r'href="/officer/projects/([^/]+)/"', waiting).group(1)
    assert client.post(f"/officer/projects/{slug}/steps/publish/").status_code == 302
    assert Project.objects.get(slug=slug).is_published
    assert ProjectTransition.objects.filter(action="return", by=reviewer).count() == 1
