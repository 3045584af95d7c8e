"""Saving again after someone else saved the record merges field by field: fields only they
changed keep their value, fields only you changed take yours, and fields you both changed are
shown side by side for you to choose. Nothing anyone entered is lost."""

import re

import pytest
from django.test import Client

from .factories import ProjectFactory, SettlementFactory, UserFactory, borough, theme
from .test_officers import officer, project_form_data, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return ProjectFactory(
        title="Lunch Club",
        summary="Neighbours share lunch.",
        description="Weekly.",
        publication_state="draft",
        themes=[theme("cohesion")],
    )


@pytest.fixture
def editor():
    return officer("hackney-editor", "hackney", "editor")


def saved_by_someone_else(project, **changes):
    """Another officer's save of `project`, through the same page."""
    other = signed_in(Client(), officer("hackney-other", "hackney", "editor"))
    response = other.post(
        f"/officer/projects/{project.slug}/edit/", project_form_data(project, **changes)
    )
    assert response.status_code == 302


def edit_url(project):
    return f"/officer/projects/{project.slug}/edit/"


def test_changes_to_different_fields_are_merged_and_saved_at_once(client, editor, project):
    opened = project_form_data(project)  # the form as I opened it
    saved_by_someone_else(project, summary="Neighbours cook and share lunch.")
    signed_in(client, editor)
    response = client.post(
        edit_url(project), {**opened, "title": "Lunch Club for All"}, follow=True
    )
    assert response.redirect_chain
    assert "their changes to summary are kept with yours" in response.text
    project.refresh_from_db()
    assert project.title == "Lunch Club for All"
    assert project.summary == "Neighbours cook and share lunch."


def test_their_new_theme_is_kept_when_i_change_something_else(client, editor, project):
    opened = project_form_data(project)
    saved_by_someone_else(project, themes=[theme("cohesion").pk, theme("isolation").pk])
    signed_in(client, editor)
    assert (
        client.post(edit_url(project), {**opened, "description": "Every week."}).status_code == 302
    )
    project.refresh_from_db()
    assert project.description == "Every week."
    assert {t.slug for t in project.themes.all()} == {"cohesion", "isolation"}


def test_a_field_both_changed_is_shown_side_by_side_to_choose(client, editor, project):
    opened = project_form_data(project)
    saved_by_someone_else(project, summary="Their summary.", description="Their description.")
    signed_in(client, editor)
    mine = {**opened, "summary": "My summary.", "title": "Lunch Club for All"}
    response = client.post(edit_url(project), mine)
    assert response.status_code == 409
    page = response.text
    assert "Choose between your changes and theirs" in page
    choice = page.split("Choose between your changes and theirs", 1)[1].split("</fieldset>", 1)[0]
    assert "Summary" in choice
    assert "Their summary." in choice
    assert "My summary." in choice
    assert 'name="keep_theirs" type="checkbox" value="summary"' in choice
    # The form holds my summary and title and their description, at the version now saved.
    assert 'value="My summary."' in page
    assert 'value="Lunch Club for All"' in page
    assert "Their description." in page.split('name="description"', 1)[1].split("</textarea>")[0]
    project.refresh_from_db()
    assert project.title == "Lunch Club"
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert int(version) == project.version

    resolved = {
        **mine,
        "version": version,
        "description": "Their description.",
        "keep_theirs": ["summary"],
    }
    assert client.post(edit_url(project), resolved).status_code == 302
    project.refresh_from_db()
    assert (project.title, project.summary, project.description) == (
        "Lunch Club for All",
        "Their summary.",
        "Their description.",
    )


def test_settlement_changes_to_different_fields_are_merged(client):
    settlement = SettlementFactory(recipient=borough("hackney"), conditions="Report yearly.")
    # An admin's save goes through at once (an officer's waits for a reviewer).
    client.force_login(UserFactory(username="curator", is_staff=True, is_superuser=True))
    page = client.get(f"/officer/settlements/{settlement.pk}/edit/").text
    opened = {
        key: value
        for key, value in re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', page)
        # The form's fields, less the buttons a browser sends only when pressed.
        if not key.startswith("csrf") and key not in ("add_row", "set_out_years")
    }
    opened.update(
        {
            "funder": settlement.funder_id,
            "recipient": settlement.recipient_id,
            "restrictions": settlement.restrictions,
            "conditions": settlement.conditions,
        }
    )
    settlement.programme = "Renamed by someone else"
    settlement._history_user = UserFactory()
    settlement.save()
    response = client.post(
        f"/officer/settlements/{settlement.pk}/edit/", {**opened, "conditions": "Report twice."}
    )
    assert response.status_code == 302
    settlement.refresh_from_db()
    assert (settlement.programme, settlement.conditions) == (
        "Renamed by someone else",
        "Report twice.",
    )
