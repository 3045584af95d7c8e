"""What is cached is shared by every visitor and forgotten as soon as the catalogue changes."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import CatalogueVersion, Project, Theme

from .factories import (
    CommissionFactory,
    FunderFactory,
    ProjectFactory,
    ProjectFundingFactory,
    UserFactory,
    borough,
    target_group,
    theme,
)

pytestmark = pytest.mark.django_db

catalogue_version = CatalogueVersion.current


@pytest.mark.parametrize(
    ("factory", "title", "new_title"),
    [
        (ProjectFactory, "Hackney supper club", "Hackney supper and stories club"),
        (CommissionFactory, "Old title", "New title"),
    ],
    ids=["project", "commission"],
)
def test_a_page_shows_an_edit_at_once(client, factory, title, new_title):
    record = factory(title=title)
    assert title in client.get(record.get_absolute_url()).text
    record.title = new_title
    record.save()
    assert new_title in client.get(record.get_absolute_url()).text


def test_an_unpublished_project_leaves_every_cached_page(client):
    project = ProjectFactory(title="Soon archived")
    for url in ("/", "/projects/", "/boroughs/hackney/", project.get_absolute_url()):
        assert "Soon archived" in client.get(url).text, url
    # A bulk update sends no signal: the database itself says the catalogue changed.
    Project.objects.filter(pk=project.pk).update(publication_state="archived")
    for url in ("/", "/projects/", "/boroughs/hackney/"):
        assert "Soon archived" not in client.get(url).text, url
    assert client.get(project.get_absolute_url()).status_code == 404


def test_facet_counts_follow_new_links_between_projects_and_themes(client):
    project = ProjectFactory(themes=[theme("cohesion")])
    assert (
        'Isolation and loneliness <span class="portal-facet-count">(0'
        in client.get("/projects/").text
    )
    project.themes.add(theme("isolation"))
    assert (
        'Isolation and loneliness <span class="portal-facet-count">(1'
        in client.get("/projects/").text
    )


def test_the_list_s_filter_options_follow_a_renamed_theme_and_a_new_funder(client):
    ProjectFactory(themes=[theme("isolation")])
    page = client.get("/projects/").text
    assert "Isolation and loneliness <span" in page
    assert "Fund for Neighbourly Suppers" not in page
    isolation = theme("isolation")
    isolation.name = "Loneliness"
    isolation.save()
    FunderFactory(name="Fund for Neighbourly Suppers")
    page = client.get("/projects/").text
    assert "Isolation and loneliness <span" not in page
    assert 'Loneliness <span class="portal-facet-count">(1' in page
    assert "Fund for Neighbourly Suppers <span" in page


def test_headline_figures_follow_new_funding(client):
    ProjectFundingFactory(settlement__total_amount=100_000, amount=1)
    assert "£100k" in client.get("/").text
    ProjectFundingFactory(settlement__total_amount=200_000, amount=1)
    assert "£300k" in client.get("/").text


def test_loading_demo_data_in_bulk_also_moves_the_version_on():
    before = catalogue_version()
    call_command("seed_demo", "--projects", "40", stdout=io.StringIO())
    assert catalogue_version() != before


def test_a_shared_page_keeps_each_visitor_s_own_header(client):
    project = ProjectFactory(title="Shared page", lead_borough=borough("camden"))
    anonymous = client.get(project.get_absolute_url()).text
    assert "Sign in" in anonymous
    client.force_login(UserFactory())
    signed_in = client.get(project.get_absolute_url()).text
    assert "Sign out" in signed_in
    assert "Shared page" in signed_in


def test_visitors_get_a_seen_list_without_a_query_until_the_catalogue_changes(
    client, django_assert_num_queries
):
    ProjectFactory(title="First listed")
    assert "First listed" in client.get("/projects/?theme=cohesion").text
    # One query, the catalogue's version: a query string exactly as the page is kept needs no
    # cleaning to find it.
    with django_assert_num_queries(1):
        again = client.get("/projects/?theme=cohesion")
    assert "First listed" in again.text
    assert "Sign in" in again.text
    ProjectFactory(title="Listed later")
    assert "Listed later" in client.get("/projects/?theme=cohesion").text


def test_a_new_release_never_shows_a_page_an_earlier_one_kept(client, settings):
    ProjectFactory(title="Listed before the release")
    assert "Listed before the release" in client.get("/projects/?theme=cohesion").text
    settings.CACHE_RELEASE = "next-release"
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/projects/?theme=cohesion").text
    assert "Listed before the release" in page
    # Worked out again (the kept page is found with one query, the catalogue's version).
    assert len(queries) > 1


def test_a_seen_list_asked_for_in_another_order_is_found_with_one_query(
    client, django_assert_num_queries
):
    ProjectFactory(
        title="Listed",
        lead_borough=borough("hackney"),
        themes=[theme("cohesion"), theme("isolation")],
        target_groups=[target_group("women")],
    )
    asked = "/projects/?theme=isolation&borough=hackney&theme=cohesion&target_group=women"
    assert "Listed" in client.get(asked).text
    # The chosen authorities, themes and target groups are checked against their rows as
    # read for this version of the catalogue, not in a query each.
    with django_assert_num_queries(1):
        again = client.get(asked)
    assert again.status_code == 200
    unknown = client.get("/projects/?theme=isolation&theme=no-such-theme")
    assert unknown.status_code == 400
    assert "Theme: there is no option “no-such-theme” – choose from the list" in unknown.text


def test_a_new_theme_can_be_chosen_at_once(client):
    assert client.get("/projects/?theme=kindness").status_code == 400
    Theme.objects.create(slug="kindness", name="Kindness", position=99)
    assert client.get("/projects/?theme=kindness").status_code == 200


def test_a_visitor_with_a_message_waiting_sees_it_on_a_shared_page(client):
    project = ProjectFactory(title="Shared with news")
    for url in ("/", project.get_absolute_url()):
        client.get(url)
    user = UserFactory(password="a-long-enough-password-1")
    client.force_login(user)
    response = client.post("/account/sign-out/", follow=True)
    assert "You have signed out" in response.text
    page = client.get(project.get_absolute_url()).text
    assert "Shared with news" in page
    assert "You have signed out" not in page


def test_work_on_a_draft_leaves_the_cached_pages_alone(client):
    ProjectFactory(title="Already public")
    assert "Already public" in client.get("/projects/").text
    before = catalogue_version()
    draft = ProjectFactory(title="Work in progress", publication_state="draft")
    draft.themes.add(theme("isolation"))
    draft.partner_boroughs.add(borough("camden"))
    draft.title = "Work still in progress"
    draft.save()
    assert catalogue_version() == before
    draft.publication_state = Project.PublicationState.PUBLISHED
    draft.save()
    assert catalogue_version() != before
    assert "Work still in progress" in client.get("/projects/").text
    unpublished = catalogue_version()
    ProjectFactory(title="Dropped draft", publication_state="draft").delete()
    assert catalogue_version() == unpublished


def cache_entries():
    # The test settings' cache is Django's local-memory one, whose entries are a dict.
    return set(cache._cache)


def test_query_strings_no_page_can_use_add_nothing_to_the_cache(client):
    project = ProjectFactory(title="Listed", themes=[theme("cohesion"), theme("isolation")])
    other = ProjectFactory(title="Also listed")
    seen = [
        "/",
        "/projects/",
        "/projects/?theme=cohesion&theme=isolation",
        "/boroughs/",
        "/themes/",
        f"/compare/projects/?project={project.slug}&project={other.slug}",
    ]
    for url in seen:
        assert client.get(url).status_code == 200, url
    before = cache_entries()
    junk = [
        "/projects/?utm_source=newsletter&ref=42",
        "/projects/?theme=isolation&theme=cohesion",
        "/projects/?theme=cohesion&theme=isolation&theme=cohesion&q=",
        "/projects/?theme=atlantis",
        "/projects/?page=999",
        "/projects/?page=last&year=3000",
        "/projects/?sort=sideways&amount_from=lots",
        "/?campaign=winter",
        "/boroughs/?sort=bogus&measure=x",
        "/compare/projects/?project=nothing-here",
        "/themes/?fbclid=abc",
    ]
    for url in junk:
        response = client.get(url)
        assert response.status_code in (200, 400), url
        assert response.status_code != 400 or "There is a problem" in response.text, url
        assert cache_entries() == before, url
