"""The Atom feed of newly published projects for any filter of the projects list, read with a
feed parser as a feed reader would, and the list's links to it."""

import datetime
import re

import feedparser
import pytest

from projects.models import Project

from .factories import ProjectFactory, borough, theme
from .helpers import get

pytestmark = pytest.mark.django_db

FEED = "/projects/feed.atom"


def day(month, date):
    return datetime.datetime(2025, month, date, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def catalogue():
    """Published projects in Hackney and Camden on isolation and cohesion, and unpublished ones
    that would match."""
    newest = ProjectFactory(
        title="Hackney Lunch Club",
        summary="Fish & chips for <neighbours> who eat alone.",
        themes=[theme("isolation"), theme("cohesion")],
        published_at=day(3, 1),
    )
    older = ProjectFactory(
        title="Hackney Befriending",
        summary="Volunteers visit older neighbours.",
        lead_borough=borough("camden"),
        partner_boroughs=[borough("hackney")],
        themes=[theme("isolation")],
        published_at=day(1, 15),
    )
    ProjectFactory(
        title="Camden Phone Friends",
        lead_borough=borough("camden"),
        themes=[theme("isolation")],
        published_at=day(2, 1),
    )
    ProjectFactory(title="Hackney Street Party", themes=[theme("cohesion")], published_at=day(2, 2))
    for state in ("draft", "submitted", "archived"):
        ProjectFactory(
            title=f"Hackney {state}", publication_state=state, themes=[theme("isolation")]
        )
    return {"newest": newest, "older": older}


def read_feed(client, url):
    response = get(client, url)
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def titles(feed):
    return [entry.title for entry in feed.entries]


def test_a_filtered_feed_holds_the_newest_published_projects_it_chooses(client, catalogue):
    feed = read_feed(client, f"{FEED}?theme=isolation&borough=hackney")
    assert feed.feed.title == "New projects: Isolation and loneliness in Hackney"
    assert feed.feed.link == "http://testserver/projects/?theme=isolation&borough=hackney"
    [self_link] = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_link == "http://testserver/projects/feed.atom?theme=isolation&borough=hackney"
    assert feed.feed.author == "London Integration Projects Portal"
    assert titles(feed) == ["Hackney Lunch Club", "Hackney Befriending"]

    lunch = feed.entries[0]
    slug = catalogue["newest"].slug
    assert lunch.link == lunch.id == f"http://testserver/projects/{slug}/"
    assert lunch.summary == "Fish &amp; chips for &lt;neighbours&gt; who eat alone."
    assert lunch.published_parsed[:5] == (2025, 3, 1, 9, 30)
    assert lunch.updated_parsed >= lunch.published_parsed
    assert [tag.term for tag in lunch.tags] == ["Hackney", "Cohesion", "Isolation and loneliness"]
    assert [tag.term for tag in feed.entries[1].tags] == ["Camden", "Isolation and loneliness"]


def test_the_whole_catalogues_feed_is_bounded_newest_first(client, catalogue, monkeypatch):
    monkeypatch.setattr("projects.views.feeds.ENTRIES", 3)
    feed = read_feed(client, FEED)
    assert feed.feed.title == "New projects"
    assert feed.feed.link == "http://testserver/projects/"
    assert titles(feed) == ["Hackney Lunch Club", "Hackney Street Party", "Camden Phone Friends"]


IN_CAMDEN = ["Camden Phone Friends", "Hackney Befriending"]
EVERY_ONE = ["Hackney Lunch Club", "Hackney Street Party", *IN_CAMDEN]


@pytest.mark.parametrize(
    ("query", "title", "found"),
    [
        ("borough=camden", "New projects in Camden", IN_CAMDEN),
        (
            "theme=cohesion&theme=isolation&borough=camden&sort=title&page=2&page_size=50",
            "New projects: Cohesion or Isolation and loneliness in Camden",
            IN_CAMDEN,
        ),
        ("q=lunch", "New projects (Search: “lunch”)", ["Hackney Lunch Club"]),
        (
            "active_from_day=1&active_from_month=4&active_from_year=2024&status=active",
            "New projects (Delivery status: Active; Active from: 1 April 2024)",
            EVERY_ONE,
        ),
        ("theme=safeguarding", "New projects: Safeguarding", []),
    ],
)
def test_any_query_string_the_list_accepts_chooses_the_feeds_projects(
    client, catalogue, query, title, found
):
    feed = read_feed(client, f"{FEED}?{query}")
    assert feed.feed.title == title
    assert titles(feed) == found


def test_the_feeds_links_carry_its_filters_alone(client, catalogue):
    feed = read_feed(client, f"{FEED}?q=lunch&sort=title&page=3&utm_source=mail&theme=")
    assert feed.feed.link == "http://testserver/projects/?q=lunch"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("borough=atlantis", "there is no option “atlantis”"),
        ("year=twenty", "Year must be a year, like 2024"),
        ("active_from_day=31&active_from_month=2&active_from_year=2025", "must be a real date"),
    ],
)
def test_filters_the_list_cannot_use_are_explained_with_a_400(client, catalogue, query, message):
    response = get(client, f"{FEED}?{query}", status=400)
    assert "govuk-error-summary" in response.text
    assert message in response.text


def test_a_newly_published_project_is_in_the_feed_at_once(client, catalogue):
    url = f"{FEED}?theme=isolation"
    assert "Hackney draft" not in titles(read_feed(client, url))
    draft = Project.objects.get(title="Hackney draft")
    draft.publication_state = "published"
    draft.save()
    assert titles(read_feed(client, url))[0] == "Hackney draft"


def test_the_feed_is_kept_until_the_catalogue_changes(client, catalogue, django_assert_num_queries):
    first = get(client, f"{FEED}?borough=hackney")
    with django_assert_num_queries(1):  # the catalogue's version
        again = get(client, f"{FEED}?borough=hackney&sort=title&utm_source=mail")
    assert again.content == first.content
    assert again["Last-Modified"] == first["Last-Modified"]


def test_the_feed_runs_a_constant_number_of_queries(
    client, catalogue, django_assert_max_num_queries
):
    query = f"{FEED}?theme=isolation&borough=hackney&q=volunteers&status=active"
    with django_assert_max_num_queries(30) as few:
        assert titles(read_feed(client, query)) == ["Hackney Befriending"]
    for n in range(30):
        ProjectFactory(
            title=f"More volunteers {n}", themes=[theme("isolation")], published_at=day(4, 1)
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(read_feed(client, query).entries) == 31


def links_to_feed(page):
    """The addresses of the feeds the page's head offers."""
    head = page.split("</head>")[0]
    return re.findall(r'<link rel="alternate" type="application/atom\+xml".*?href="([^"]+)"', head)


def test_the_list_links_to_the_feed_of_its_filters(client, catalogue):
    page = get(client, "/projects/?theme=isolation&borough=hackney&sort=title").text
    expected = "/projects/feed.atom?theme=isolation&amp;borough=hackney"
    assert links_to_feed(page) == [expected]
    assert f'href="{expected}">Get updates for this search</a>' in page


def test_a_list_without_results_still_offers_updates(client, catalogue):
    page = get(client, "/projects/?theme=safeguarding").text
    assert "No projects match these filters." in page
    assert 'href="/projects/feed.atom?theme=safeguarding">Get updates for this search' in page


def test_a_list_with_wrong_filters_offers_no_feed(client, catalogue):
    page = get(client, "/projects/?borough=atlantis", status=400).text
    assert links_to_feed(page) == []
    assert "Get updates for this search" not in page
