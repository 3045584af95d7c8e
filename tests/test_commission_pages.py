"""The commissions' public pages: the filtered list and each commission with its
recommendations and the published projects that address them."""

import datetime
import re

import pytest

from boroughs.models import Commission

from .factories import CommissionFactory, ProjectFactory, RecommendationFactory, borough, theme
from .helpers import UNPUBLISHED, get, summary_list, text_of

pytestmark = pytest.mark.django_db


def listed(page):
    """The titles of the commissions on a page of the list, in order."""
    return [
        text_of(title)
        for title in re.findall(r'class="govuk-summary-card__title">(.*?)</h3>', page, re.S)
    ]


def card(page, title):
    """What the summary card of one commission says."""
    for block in page.split('<div class="govuk-summary-card">')[1:]:
        if f">{title}</a>" in block:
            return text_of(block)
    raise AssertionError(f"No card for {title}")


def three_commissions():
    hackney, camden = borough("hackney"), borough("camden")
    CommissionFactory(title="Hackney Cohesion Commission", is_cross_party=True)
    CommissionFactory(
        title="Camden Fairness Commission",
        lead_borough=camden,
        kind="fairness",
        status="sitting",
        reported_on=None,
    ).partner_boroughs.add(hackney, borough("islington"))
    CommissionFactory(
        title="Brent Equality Review",
        lead_borough=borough("brent"),
        kind="equality",
        status="planned",
        established_on=None,
        reported_on=None,
    )


# The list -----------------------------------------------------------------------------------


def test_the_list_shows_each_commission_with_its_figures(client):
    three_commissions()
    fairness = "Camden Fairness Commission"
    fair = Commission.objects.get(title=fairness)
    for number in (1, 2, 3):
        RecommendationFactory(commission=fair, number=number)
    ProjectFactory(lead_borough=borough("camden"), commission=fair)
    for state in UNPUBLISHED:
        ProjectFactory(lead_borough=borough("camden"), commission=fair, publication_state=state)

    response = client.get("/commissions/")
    assert response.status_code == 200
    page = response.text
    assert "<title>Commissions (3) – " in page
    assert "3 commissions found." in page
    assert listed(page) == [
        "Brent Equality Review",
        "Camden Fairness Commission",
        "Hackney Cohesion Commission",
    ]
    assert card(page, fairness) == (
        "Camden Fairness Commission Lead borough Camden, with Hackney and Islington"
        " Kind Fairness Status Sitting Cross-party No Dates Established 1 January 2020"
        " Recommendations 3 Published projects following from it 1"
    )
    assert "Dates Established 1 January 2020; reported 1 January 2021" in card(
        page, "Hackney Cohesion Commission"
    )
    assert "Cross-party Yes" in card(page, "Hackney Cohesion Commission")
    assert "Established on a date not recorded" in card(page, "Brent Equality Review")
    assert '<strong class="govuk-tag govuk-tag--yellow">Sitting</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--blue">Planned</strong>' in page
    assert f'href="/commissions/{fair.slug}/"' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "",
            ["Brent Equality Review", "Camden Fairness Commission", "Hackney Cohesion Commission"],
        ),
        ("kind=cohesion", ["Hackney Cohesion Commission"]),
        (
            "kind=cohesion&kind=fairness",
            ["Camden Fairness Commission", "Hackney Cohesion Commission"],
        ),
        ("status=sitting", ["Camden Fairness Commission"]),
        (
            "status=planned&status=reported",
            ["Brent Equality Review", "Hackney Cohesion Commission"],
        ),
        ("borough=hackney", ["Camden Fairness Commission", "Hackney Cohesion Commission"]),
        ("borough=islington", ["Camden Fairness Commission"]),
        (
            "borough=brent&borough=islington",
            ["Brent Equality Review", "Camden Fairness Commission"],
        ),
        ("borough=bromley", []),
        ("cross_party=yes", ["Hackney Cohesion Commission"]),
        ("cross_party=no", ["Brent Equality Review", "Camden Fairness Commission"]),
        (
            "cross_party=",
            ["Brent Equality Review", "Camden Fairness Commission", "Hackney Cohesion Commission"],
        ),
        ("kind=fairness&borough=hackney&cross_party=no", ["Camden Fairness Commission"]),
        ("kind=cohesion&borough=islington", []),
        # A blank value, as a hand-made link may carry, chooses nothing.
        ("kind=&status=&borough=&borough=brent", ["Brent Equality Review"]),
    ],
)
def test_the_filters(client, query, expected):
    three_commissions()
    response = client.get(f"/commissions/?{query}")
    assert response.status_code == 200
    assert listed(response.text) == expected
    if not expected:
        assert "No commissions match these filters." in response.text


def test_the_active_filters_are_shown_and_can_be_removed(client):
    three_commissions()
    page = client.get("/commissions/?kind=fairness&borough=hackney&cross_party=no").text
    assert "1 commission found, filtered." in page
    assert "Selected filters" in page
    tags = text_of(
        re.search(r'<div class="moj-filter__selected">.*?</ul>\s*</div>', page, re.S).group(0)
    )
    assert "Remove this filter: Kind of commission Fairness" in tags
    assert "Remove this filter: Borough (lead or partner) Hackney" in tags
    assert "Remove this filter: Cross-party Not cross-party" in tags
    assert 'href="?borough=hackney&amp;cross_party=no"' in page
    assert 'href="?kind=fairness&amp;cross_party=no"' in page
    assert 'href="?kind=fairness&amp;borough=hackney"' in page
    assert re.search(r'value="hackney" checked', page)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("kind=bogus", "Kind of commission: there is no option “bogus” – choose from the list"),
        ("status=finished", "Status: there is no option “finished” – choose from the list"),
        ("borough=atlantis", "Borough (lead or partner): there is no option “atlantis”"),
        ("cross_party=maybe", "Cross-party: there is no option “maybe” – choose from the list"),
        ("page=abc", "Page must be a whole number, like 2"),
        ("page=0", "Page must be 1 or more"),
    ],
)
def test_a_bad_filter_is_explained_with_a_400(client, query, message):
    three_commissions()
    response = client.get(f"/commissions/?{query}")
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text
    assert message in response.text
    assert "<title>Error: Commissions – " in response.text
    assert "Correct the filters to see the commissions." in response.text


def test_the_list_pages_by_twenty(client):
    for number in range(23):
        CommissionFactory(title=f"Commission {number:02d}")
    first = client.get("/commissions/").text
    assert "23 commissions found." in first
    assert "Showing 1 to 20." in first
    assert len(listed(first)) == 20
    assert 'class="govuk-pagination"' in first
    assert 'href="?page=2"' in first
    second = client.get("/commissions/?page=2").text
    assert listed(second) == ["Commission 20", "Commission 21", "Commission 22"]
    beyond = client.get("/commissions/?page=9")
    assert beyond.status_code == 200
    assert "only 2 pages of results, so this is the last page" in beyond.text
    assert listed(beyond.text) == listed(second)


def test_the_list_never_counts_unpublished_projects(client):
    commission = CommissionFactory(title="Hackney Cohesion Commission")
    for state in UNPUBLISHED:
        ProjectFactory(commission=commission, publication_state=state)
    page = client.get("/commissions/").text
    assert "Published projects following from it 0" in card(page, "Hackney Cohesion Commission")


def many_commissions(count):
    boroughs = ["hackney", "camden", "brent", "barnet", "bexley", "sutton"]
    for number in range(count):
        commission = CommissionFactory(lead_borough=borough(boroughs[number % 6]))
        commission.partner_boroughs.add(borough(boroughs[(number + 1) % 6]))
        for rec in range(3):
            RecommendationFactory(commission=commission, number=rec + 1)
        ProjectFactory(commission=commission)
        ProjectFactory(commission=commission, publication_state="draft")


def test_the_list_runs_the_same_queries_whatever_the_data(client, django_assert_max_num_queries):
    many_commissions(2)
    url = "/commissions/?kind=cohesion&borough=hackney&borough=camden&page=1"
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200
    many_commissions(30)
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200


# A commission -------------------------------------------------------------------------------


def project_item(page, title):
    """What the list item of one project says, tags included."""
    return text_of(
        re.search(rf"<li>\s*<a [^>]*>{re.escape(title)}</a>.*?</li>", page, re.S).group(0)
    )


def recommendation_section(page, reference):
    """The part of a commission's page about one recommendation, up to the next one."""
    start = f'<div class="portal-recommendation" id="{reference.lower()}">'
    following = r'(?=<div class="portal-recommendation"|<h2)'
    return re.search(rf"{re.escape(start)}.*?{following}", page, re.S).group(0)


def hackney_commission_with_projects():
    """Hackney's commission (with Islington) and projects addressing R1 in and beyond them."""
    commission = CommissionFactory(
        title="Hackney Cohesion Commission",
        chair="Cllr A. Example",
        report_url="https://example.org/report.pdf",
        established_on=datetime.date(2019, 5, 1),
        reported_on=datetime.date(2020, 6, 30),
        is_cross_party=True,
    )
    commission.partner_boroughs.add(borough("islington"))
    r1 = RecommendationFactory(commission=commission, number=1, text="Bring neighbours together.")
    r1.themes.set([theme("cohesion"), theme("isolation")])
    RecommendationFactory(commission=commission, number=2, text="Teach English in every ward.")
    ProjectFactory(title="Hackney Street Parties", commission=commission).recommendations.add(r1)
    ProjectFactory(
        title="Camden and Islington Supper Clubs",
        lead_borough=borough("camden"),
        partner_boroughs=[borough("islington")],
    ).recommendations.add(r1)
    ProjectFactory(
        title="Brent Neighbours Week", lead_borough=borough("brent")
    ).recommendations.add(r1)
    for state in UNPUBLISHED:
        project = ProjectFactory(
            title=f"Hackney {state} project", commission=commission, publication_state=state
        )
        project.recommendations.add(r1)
    return commission


def test_a_commission_with_its_recommendations_and_the_projects_that_address_them(client):
    commission = hackney_commission_with_projects()
    page = get(client, f"/commissions/{commission.slug}/").text
    assert "<title>Hackney Cohesion Commission – " in page
    assert '<h1 class="govuk-heading-xl">Hackney Cohesion Commission</h1>' in page
    assert 'href="/commissions/">Commissions</a>' in page
    facts = summary_list(page)
    assert facts == (
        "Lead borough Hackney Partner boroughs Islington Kind Cohesion Status Reported"
        " Cross-party Yes Chair Cllr A. Example Established 1 May 2019 Reported 30 June 2020"
        " Report Read the report of Hackney Cohesion Commission"
    )
    assert 'href="https://example.org/report.pdf"' in page
    assert "A commission for the tests." in page

    r1 = recommendation_section(page, "R1")
    assert "Bring neighbours together." in r1
    assert "Themes: Cohesion Isolation and loneliness" in text_of(r1)
    assert project_item(r1, "Hackney Street Parties") == "Hackney Street Parties – Hackney"
    assert project_item(r1, "Camden and Islington Supper Clubs") == (
        "Camden and Islington Supper Clubs – Camden"
    )
    assert (
        project_item(r1, "Brent Neighbours Week") == "Brent Neighbours Week – Brent Another borough"
    )
    r2 = recommendation_section(page, "R2")
    assert "No published project addresses R2 yet." in r2

    following = page[page.index("Projects that follow from this commission") :]
    assert "Hackney Street Parties" in following
    assert "Brent Neighbours Week" not in following
    assert "See this project in the projects list" in following
    assert f'href="/projects/?commission={commission.slug}"' in following


def test_a_commission_never_lists_unpublished_projects(client):
    commission = hackney_commission_with_projects()
    page = client.get(f"/commissions/{commission.slug}/").text
    for state in UNPUBLISHED:
        assert f"Hackney {state} project" not in page


def test_a_commission_without_recommendations_or_projects(client):
    commission = CommissionFactory(title="Quiet Commission", report_url="")
    page = client.get(f"/commissions/{commission.slug}/").text
    assert "No recommendations are recorded for this commission." in page
    assert "No published project follows from this commission yet." in page
    assert "Partner boroughs None" in text_of(page)


def test_an_unknown_commission_is_not_found(client):
    assert client.get("/commissions/no-such-commission/").status_code == 404


def test_a_commission_runs_the_same_queries_whatever_the_data(
    client, django_assert_max_num_queries
):
    commission = hackney_commission_with_projects()
    url = f"/commissions/{commission.slug}/"
    with django_assert_max_num_queries(7):
        assert client.get(url).status_code == 200
    for number in range(3, 15):
        recommendation = RecommendationFactory(commission=commission, number=number)
        recommendation.themes.set([theme("cohesion"), theme("safeguarding")])
        for lead in ("camden", "brent", "hackney"):
            project = ProjectFactory(
                lead_borough=borough(lead),
                partner_boroughs=[borough("sutton")],
                commission=commission,
            )
            project.recommendations.add(recommendation)
    with django_assert_max_num_queries(7):
        assert client.get(url).status_code == 200


def test_a_much_addressed_recommendation_shows_the_newest_and_links_to_all(client):
    commission = CommissionFactory(title="Busy Commission", slug="busy-commission")
    recommendation = RecommendationFactory(commission=commission, number=1)
    for n in range(12):
        project = ProjectFactory(title=f"Follower {n:02d}", commission=commission)
        project.recommendations.set([recommendation])
    page = client.get("/commissions/busy-commission/").text
    section = recommendation_section(page, "R1")
    assert "12 published projects address R1: the newest" in section
    assert section.count("Follower") == 8
    assert "Follower 11" in section
    assert "Follower 00" not in section
    assert 'href="/projects/?recommendation=busy-commission-r1"' in section
    assert "See all 12 projects that address R1" in section
    assert "See all 12 projects in the projects list" in page
    listed = client.get("/projects/?recommendation=busy-commission-r1&page_size=50").text
    assert "12 projects found" in listed
