"""The public themes pages, as a researcher without an account sees them."""

import datetime
import re
from decimal import Decimal

import pytest

from boroughs.models import Recommendation
from projects.models import Funder

from .factories import (
    CommissionFactory,
    FunderFactory,
    ProjectFactory,
    ProjectFundingFactory,
    RecommendationFactory,
    SettlementFactory,
    borough,
    theme,
)
from .helpers import UNPUBLISHED, get, has_link, table, text

pytestmark = pytest.mark.django_db

CORE = ["Cohesion", "Equalities", "Resilience", "Safeguarding", "Isolation and loneliness"]


def unpublished_on(themes):
    for state in UNPUBLISHED:
        project = ProjectFactory(
            title=f"Secret {state} project",
            publication_state=state,
            lead_borough=borough("barnet"),
            themes=themes,
        )
        ProjectFundingFactory(
            settlement=SettlementFactory(recipient=borough("barnet")),
            project=project,
            amount=Decimal("999"),
        )


# All themes ------------------------------------------------------------------------------------


def test_the_themes_page_puts_the_publication_s_five_first_with_their_published_projects(client):
    ProjectFactory(themes=[theme("cohesion"), theme("english-language")])
    ProjectFactory(themes=[theme("cohesion")])
    unpublished_on([theme("cohesion"), theme("isolation")])

    response = get(client, "/themes/")
    assert "<title>Themes – " in response.text
    assert '<h1 class="govuk-heading-xl">Themes</h1>' in response.text
    rows = table(response, "Themes and their published projects")
    assert rows[0] == ["Theme", "What it covers", "Published projects"]
    assert [row[0] for row in rows[1:6]] == [f"{name} London Councils theme" for name in CORE]
    assert "London Councils theme" not in rows[6][0]
    assert len(rows) == 1 + 15
    cohesion = rows[1]
    assert cohesion[1].startswith("People of different backgrounds getting on well together")
    assert cohesion[2] == "2"
    assert rows[5] == [
        "Isolation and loneliness London Councils theme",
        "Reaching people cut off from others by age, language, disability, health or circumstance.",
        "0",
    ]
    english = next(row for row in rows if row[0] == "English language (ESOL)")
    assert english[2] == "1"
    assert has_link(response, "/themes/cohesion/", "Cohesion")
    assert "Secret" not in response.text


@pytest.mark.parametrize("size", [1, 20])
def test_the_themes_page_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, size
):
    for _ in range(size):
        ProjectFactory(themes=[theme("cohesion"), theme("resilience")])
    with django_assert_max_num_queries(5):
        get(client, "/themes/")


# One theme -------------------------------------------------------------------------------------


@pytest.fixture
def cohesion_work():
    """Projects on cohesion in Hackney (three, one with Camden as a partner) and Camden (one),
    funded by a trust and the GLA; a commission recommending cohesion work."""
    trust = SettlementFactory(funder=FunderFactory(kind=Funder.Kind.TRUST))
    gla = SettlementFactory(funder=FunderFactory(kind=Funder.Kind.GLA))
    for n, (lead, partners, published_on) in enumerate(
        [
            ("hackney", [], datetime.date(2024, 1, 1)),
            ("hackney", ["camden"], datetime.date(2024, 2, 1)),
            ("hackney", [], datetime.date(2024, 3, 1)),
            ("islington", [], datetime.date(2024, 4, 1)),
        ]
    ):
        project = ProjectFactory(
            title=f"Cohesion project {n + 1}",
            lead_borough=borough(lead),
            partner_boroughs=[borough(p) for p in partners],
            themes=[theme("cohesion"), theme("resilience")],
        )
        project.published_at = datetime.datetime(
            published_on.year, published_on.month, 1, tzinfo=datetime.UTC
        )
        project.save()
        # The trust pays each authority leading the work its own settlement.
        paid = (
            trust
            if lead == "hackney"
            else SettlementFactory(funder=trust.funder, recipient=borough(lead))
        )
        ProjectFundingFactory(settlement=paid, project=project, amount=Decimal("20000"))
    ProjectFundingFactory(
        settlement=gla,
        project=ProjectFactory(title="Cohesion project 5", themes=[theme("cohesion")]),
        amount=Decimal("5000"),
    )
    ProjectFactory(title="Not on cohesion", themes=[theme("isolation")])
    commission = CommissionFactory(title="Hackney Integration Commission")
    recommendation = RecommendationFactory(
        commission=commission, number=3, text="Fund neighbourhood cohesion work for five years."
    )
    recommendation.themes.set([theme("cohesion")])
    other = RecommendationFactory(commission=commission, number=4, text="Count loneliness.")
    other.themes.set([theme("isolation")])
    unpublished_on([theme("cohesion")])
    return commission


def test_a_theme_s_page_shows_where_who_pays_and_what_was_recommended(client, cohesion_work):
    response = get(client, "/themes/cohesion/")
    page = text(response)
    assert "<title>Cohesion – Themes – " in response.text
    assert '<h1 class="govuk-heading-xl">Cohesion</h1>' in response.text
    assert "London Councils theme" in page
    assert "People of different backgrounds getting on well together" in page
    assert "5 published projects" in page
    assert "3 of 33 authorities with projects" in page
    assert table(response, "Published projects by authority") == [
        ["Authority", "Projects"],
        ["Hackney", "4"],
        ["Camden", "1"],
        ["Islington", "1"],
    ]
    assert has_link(response, "/projects/?theme=cohesion&borough=hackney", "Hackney")
    assert re.search(
        r'<a class="portal-map__tile [^"]*" href="/projects/\?theme=cohesion&amp;borough=camden"',
        response.text,
    )
    assert table(response, "Money allocated to published projects on this theme") == [
        ["Kind of funder", "Projects funded", "Amount"],
        ["Central government", "0", "£0"],
        ["Greater London Authority", "1", "£5,000"],
        ["London borough", "0", "£0"],
        ["National Lottery and other distributors", "0", "£0"],
        ["Charitable trust or foundation", "4", "£80,000"],
        ["Private sector", "0", "£0"],
        ["Other", "0", "£0"],
    ]
    assert "£85k allocated to these projects" in page
    assert "portal-chart--bar" in response.text
    assert has_link(response, "/projects/?theme=cohesion&funder_kind=trust")
    assert table(response, "Commission recommendations on this theme") == [
        ["Commission", "Recommendation"],
        [
            "Hackney Integration Commission Hackney",
            "R3: Fund neighbourhood cohesion work for five years.",
        ],
    ]
    assert has_link(response, cohesion_work.get_absolute_url(), "Hackney Integration Commission")
    assert "Count loneliness." not in page
    latest = page[page.index("Latest projects") :]
    assert re.findall(r"Cohesion project \d", latest) == [
        f"Cohesion project {n}" for n in (5, 4, 3, 2, 1)
    ]
    assert has_link(response, "/projects/?theme=cohesion", "See all 5 projects")
    assert "Secret" not in response.text
    assert "£999" not in page


def test_a_theme_without_projects_says_so(client):
    response = get(client, "/themes/evidence-and-measurement/")
    page = text(response)
    assert "Theme Evidence and measurement" in page
    assert "London Councils theme" not in page
    assert "No published projects on this theme yet." in page
    assert "No money has been recorded for published projects on this theme yet." in page
    assert "No commission recommendations on this theme have been recorded." in page


def test_an_unknown_theme_is_not_found(client):
    get(client, "/themes/knitting/", status=404)


@pytest.mark.parametrize("size", [1, 15])
def test_a_theme_s_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, size):
    commission = CommissionFactory()
    for n in range(size):
        funder = FunderFactory(kind=Funder.Kind.values[n % len(Funder.Kind.values)])
        project = ProjectFactory(
            lead_borough=borough(["hackney", "camden", "barnet"][n % 3]),
            partner_boroughs=[borough("islington")],
            themes=[theme("cohesion"), theme("isolation")],
        )
        ProjectFundingFactory(
            settlement=SettlementFactory(funder=funder, recipient=project.lead_borough),
            project=project,
        )
        RecommendationFactory(commission=commission).themes.set([theme("cohesion")])
    assert Recommendation.objects.count() == size
    with django_assert_max_num_queries(9):
        get(client, "/themes/cohesion/")
