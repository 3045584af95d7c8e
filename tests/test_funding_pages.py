"""The public funders and settlements pages, as a researcher without an account sees them."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from projects.models import Funder, FundingSettlement

from .factories import (
    FunderFactory,
    ProjectFactory,
    ProjectFundingFactory,
    SettlementFactory,
    YearlyAllocationFactory,
    borough,
    theme,
)
from .helpers import UNPUBLISHED, get, has_link, table, text

pytestmark = pytest.mark.django_db


# Data ------------------------------------------------------------------------------------------


@pytest.fixture
def bridges():
    """A trust with a multi-year light-touch settlement and a single-year ring-fenced one."""
    funder = FunderFactory(
        name="Bridges Together Foundation",
        slug="bridges-together",
        org_id="GB-CHC-1234567",
        website="https://bridges.example.org",
    )
    multi = SettlementFactory(
        funder=funder,
        programme="Welcome Programme",
        total_amount=Decimal("300000"),
        first_year=2024,
        last_year=2026,
        restrictions="light-touch",
        conditions="An annual report of two pages.",
    )
    for year, amount in [(2024, "100000"), (2025, "120000"), (2026, "80000")]:
        YearlyAllocationFactory(settlement=multi, financial_year=year, amount=Decimal(amount))
    single = SettlementFactory(
        funder=funder,
        programme="Tackling Loneliness",
        recipient=borough("camden"),
        total_amount=Decimal("100000"),
        first_year=2023,
        last_year=2023,
        restrictions="ring-fenced",
    )
    YearlyAllocationFactory(settlement=single)
    return funder


@pytest.fixture
def gla():
    funder = FunderFactory(name="Greater London Authority", slug="gla", kind=Funder.Kind.GLA)
    SettlementFactory(
        funder=funder,
        programme="London Together",
        total_amount=Decimal("50000"),
        restrictions="unrestricted",
    )
    return funder


def unpublished_projects_funded_by(settlement):
    """A project in each unpublished state, funded by the settlement, on the isolation theme."""
    for state in UNPUBLISHED:
        ProjectFundingFactory(
            settlement=settlement,
            amount=Decimal("1000"),
            project=ProjectFactory(
                title=f"Secret {state} project",
                lead_borough=settlement.recipient,
                start_date=datetime.date(settlement.first_year, 4, 1),
                publication_state=state,
                themes=[theme("isolation")],
            ),
        )


def catalogue(size):
    """`size` funders, each with three settlements funding published projects."""
    for n in range(size):
        funder = FunderFactory(kind=Funder.Kind.values[n % len(Funder.Kind.values)])
        for first_year, recipient in [(2023, "hackney"), (2024, "camden"), (2025, "barnet")]:
            settlement = SettlementFactory(
                funder=funder,
                recipient=borough(recipient),
                first_year=first_year,
                last_year=first_year + n % 3,
                restrictions=["unrestricted", "ring-fenced", "light-touch"][n % 3],
            )
            YearlyAllocationFactory(settlement=settlement, amount=settlement.total_amount)
            project = ProjectFactory(
                lead_borough=borough(recipient),
                start_date=datetime.date(first_year, 4, 1),
                partner_boroughs=[borough("islington")],
                themes=[theme("cohesion"), theme("isolation")],
            )
            ProjectFundingFactory(settlement=settlement, project=project)
    unpublished_projects_funded_by(settlement)


# Funders ---------------------------------------------------------------------------------------


def test_the_funders_page_sets_each_funder_s_money_against_the_publication_s_asks(
    client, bridges, gla
):
    response = get(client, "/funders/")
    assert "<title>Funders – " in response.text
    assert '<h1 class="govuk-heading-xl">Funders</h1>' in response.text
    assert (
        "2 funders settled £450,000 in 3 settlements: 67% of it multi-year and 78% without "
        "burdensome restrictions." in text(response)
    )
    assert table(response, "Funders and their settlements") == [
        [
            "Funder ▲",
            "Kind",
            "Settlements",
            "Total settled",
            "Authorities funded",
            "Multi-year",
            "Without burdensome restrictions",
        ],
        [
            "Bridges Together Foundation",
            "Charitable trust or foundation",
            "2",
            "£400,000",
            "2",
            "75%",
            "75%",
        ],
        ["Greater London Authority", "Greater London Authority", "1", "£50,000", "1", "0%", "100%"],
    ]
    assert has_link(response, "/funders/bridges-together/", "Bridges Together Foundation")
    assert has_link(response, "?sort=-total", "Total settled")
    assert 'aria-sort="ascending"' in response.text


def test_a_funder_without_settlements_is_listed_with_nothing_settled(client):
    FunderFactory(name="New Trust")
    response = get(client, "/funders/")
    assert table(response, "Funders and their")[1] == [
        "New Trust",
        "Charitable trust or foundation",
        "0",
        "£0",
        "0",
        "–",
        "–",
    ]


def test_funders_filtered_by_kind(client, bridges, gla):
    response = get(client, "/funders/?kind=gla")
    rows = table(response, "Funders and their")
    assert [row[0] for row in rows[1:]] == ["Greater London Authority"]
    assert "Remove this filter: Kind of funder" in response.text
    assert has_link(response, "?", "Greater London Authority")
    assert "1 funder of the chosen kinds settled £50,000 in 1 settlement" in text(response)


@pytest.mark.parametrize(
    ("sort", "order", "aria"),
    [
        ("-total", ["Bridges Together Foundation", "Greater London Authority"], "descending"),
        ("total", ["Greater London Authority", "Bridges Together Foundation"], "ascending"),
        ("-name", ["Greater London Authority", "Bridges Together Foundation"], "descending"),
        ("-multi-year", ["Bridges Together Foundation", "Greater London Authority"], "descending"),
        (
            "-without-burdensome-restrictions",
            ["Greater London Authority", "Bridges Together Foundation"],
            "descending",
        ),
    ],
)
def test_funders_sort_by_a_column_heading(client, bridges, gla, sort, order, aria):
    response = get(client, f"/funders/?sort={sort}")
    assert [row[0] for row in table(response, "Funders and their")[1:]] == order
    assert re.search(rf'aria-sort="{aria}">\s*<a [^>]*href="\?sort=', response.text)


@pytest.mark.parametrize("size", [1, 12])
def test_the_funders_page_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, size
):
    catalogue(size)
    with django_assert_max_num_queries(2):
        get(client, "/funders/?kind=trust&kind=gla&sort=-total")


# One funder ------------------------------------------------------------------------------------


def test_a_funder_s_page_shows_what_it_funds_where_when_and_how(client, bridges):
    funded = ProjectFactory(title="Welcome Walks", themes=[theme("cohesion")])
    settlement = bridges.settlements.get(programme="Welcome Programme")
    ProjectFundingFactory(settlement=settlement, project=funded)
    unpublished_projects_funded_by(settlement)

    response = get(client, "/funders/bridges-together/")
    page = text(response)
    assert '<h1 class="govuk-heading-xl">Bridges Together Foundation</h1>' in response.text
    assert "360Giving organisation identifier GB-CHC-1234567" in page
    assert has_link(response, "https://bridges.example.org")
    assert "£400k settled in 2 settlements" in page
    assert "2 of 33 authorities funded" in page
    assert "75% of the money is multi-year" in page
    assert "1 published project funded" in page
    assert table(response, "Money settled by receiving authority") == [
        ["Authority", "Settlements", "Total"],
        ["Hackney", "1", "£300,000"],
        ["Camden", "1", "£100,000"],
    ]
    assert has_link(response, "/settlements/?funder=bridges-together&recipient=hackney")
    assert re.search(
        r'<a class="portal-map__tile [^"]*" '
        r'href="/settlements/\?funder=bridges-together&amp;recipient=hackney"',
        response.text,
    )
    assert table(response, "Money by financial year") == [
        ["Financial year", "Amount"],
        ["2023-24", "£100,000"],
        ["2024-25", "£100,000"],
        ["2025-26", "£120,000"],
        ["2026-27", "£80,000"],
    ]
    assert "portal-chart--column" in response.text
    assert table(response, "Money by restrictions level") == [
        ["Restrictions", "Settlements", "Total"],
        ["Unrestricted", "0", "£0"],
        ["Light-touch reporting", "1", "£300,000"],
        ["Ring-fenced", "1", "£100,000"],
        ["Heavily restricted", "0", "£0"],
    ]
    assert table(response, "All 2 settlements") == [
        ["Programme", "Total", "Authority", "Years", "Restrictions"],
        ["Welcome Programme", "£300,000", "Hackney", "2024-25 to 2026-27", "Light-touch reporting"],
        ["Tackling Loneliness", "£100,000", "Camden", "2023-24", "Ring-fenced"],
    ]
    assert has_link(response, f"/settlements/{settlement.pk}/", "Welcome Programme")
    assert table(response, "Published projects funded, by theme") == [
        ["Theme", "Projects"],
        ["Cohesion", "1"],
    ]
    assert has_link(response, "/projects/?funder=bridges-together&theme=cohesion", "Cohesion")
    assert "Secret" not in response.text
    assert "Isolation" not in page


def test_a_funder_with_many_settlements_shows_the_latest_and_links_to_all(client):
    funder = FunderFactory(slug="big-trust", name="Big Trust")
    for year in range(2010, 2022):
        SettlementFactory(funder=funder, first_year=year, last_year=year)
    response = get(client, "/funders/big-trust/")
    rows = table(response, "The latest 10 of 12 settlements")
    assert [row[3] for row in rows[1:]] == [
        f"{y}-{(y + 1) % 100:02d}" for y in range(2021, 2011, -1)
    ]
    assert has_link(
        response, "/settlements/?funder=big-trust", "See all 12 settlements from Big Trust"
    )


def test_a_funder_with_no_settlements_yet_says_so(client):
    FunderFactory(slug="new-trust", name="New Trust")
    response = get(client, "/funders/new-trust/")
    assert "No funding settlements from New Trust have been recorded yet." in response.text
    assert "No published projects funded by New Trust yet." in response.text


def test_an_unknown_funder_is_not_found(client):
    get(client, "/funders/nobody/", status=404)


@pytest.mark.parametrize("size", [1, 12])
def test_a_funder_s_page_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, size
):
    catalogue(size)
    funder = Funder.objects.order_by("pk").first()
    with django_assert_max_num_queries(12):
        get(client, funder.get_absolute_url())


# Settlements -----------------------------------------------------------------------------------


def test_the_settlements_page_lists_them_with_the_totals_of_the_filtered_set(client, bridges, gla):
    response = get(client, "/settlements/")
    page = text(response)
    assert "<title>Funding settlements (3) – " in response.text
    assert "3 settlements found. Showing 1 to 3." in page
    assert "£450k settled in total (£450,000)" in page
    assert "67% of it multi-year" in page
    assert "78% without burdensome restrictions" in page
    multi = bridges.settlements.get(programme="Welcome Programme")
    assert table(response, "Settlements 1 to 3 of 3") == [
        ["Programme", "Total", "Funder", "Authority", "Years", "Multi-year", "Restrictions"],
        [
            "Welcome Programme",
            "£300,000",
            "Bridges Together Foundation",
            "Hackney",
            "2024-25 to 2026-27",
            "Yes",
            "Light-touch reporting",
        ],
        [
            "London Together",
            "£50,000",
            "Greater London Authority",
            "Hackney",
            "2024-25",
            "No",
            "Unrestricted",
        ],
        [
            "Tackling Loneliness",
            "£100,000",
            "Bridges Together Foundation",
            "Camden",
            "2023-24",
            "No",
            "Ring-fenced",
        ],
    ]
    assert has_link(response, f"/settlements/{multi.pk}/", "Welcome Programme")
    assert has_link(response, "/funders/bridges-together/", "Bridges Together Foundation")
    assert has_link(response, "/boroughs/hackney/", "Hackney")
    assert '<strong class="govuk-tag govuk-tag--orange">Ring-fenced</strong>' in response.text


@pytest.mark.parametrize(
    ("query", "programmes"),
    [
        ("funder=bridges-together", {"Welcome Programme", "Tackling Loneliness"}),
        ("funder=bridges-together&funder=gla", {"Welcome", "Loneliness", "London Together"}),
        ("kind=gla", {"London Together"}),
        ("kind=trust&kind=gla", {"Welcome", "Loneliness", "London Together"}),
        ("recipient=camden", {"Tackling Loneliness"}),
        ("recipient=hackney", {"Welcome Programme", "London Together"}),
        ("multi_year=yes", {"Welcome Programme"}),
        ("multi_year=no", {"Tackling Loneliness", "London Together"}),
        ("multi_year=", {"Welcome", "Loneliness", "London Together"}),
        ("restrictions=ring-fenced", {"Tackling Loneliness"}),
        ("restrictions=unrestricted&restrictions=light-touch", {"Welcome", "London Together"}),
        ("year=2025", {"Welcome Programme"}),
        ("year=2024", {"Welcome Programme", "London Together"}),
        ("year=2022", set()),
        ("kind=trust&recipient=hackney&restrictions=light-touch", {"Welcome Programme"}),
        ("kind=trust&restrictions=unrestricted", set()),
    ],
)
def test_settlement_filters(client, bridges, gla, query, programmes):
    response = get(client, f"/settlements/?{query}")
    if not programmes:
        assert "No settlements match these filters." in response.text
        return
    shown = {row[0] for row in table(response, "Settlements 1 to")[1:]}
    short = {"Welcome": "Welcome Programme", "Loneliness": "Tackling Loneliness"}
    assert shown == {short.get(p, p) for p in programmes}


def test_active_settlement_filters_show_as_tags_that_remove_them(client, bridges, gla):
    response = get(
        client, "/settlements/?kind=trust&recipient=hackney&restrictions=ring-fenced&year=2024"
    )
    page = text(response)
    assert "Selected filters" in page
    for heading, label, href in [
        (
            "Kind of funder",
            "Charitable trust or foundation",
            "?recipient=hackney&restrictions=ring-fenced&year=2024",
        ),
        ("Receiving authority", "Hackney", "?kind=trust&restrictions=ring-fenced&year=2024"),
        ("Restrictions", "Ring-fenced", "?kind=trust&recipient=hackney&year=2024"),
        ("Financial year", "2024-25", "?kind=trust&recipient=hackney&restrictions=ring-fenced"),
    ]:
        assert f"Remove this filter: {heading}</span> {label}" in response.text
        assert has_link(response, href, label)
    assert has_link(response, "/settlements/", "Clear filters")


FUNDER_FILTER_ERRORS = [
    ("kind=bank", "Kind of funder: there is no option “bank” – choose from the list"),
    ("sort=richest", "Sort by: there is no option “richest” – choose from the list"),
]
SETTLEMENT_FILTER_ERRORS = [
    ("funder=nobody", "Funder: there is no option “nobody” – choose from the list"),
    ("kind=bank", "Kind of funder: there is no option “bank” – choose from the list"),
    ("recipient=atlantis", "Receiving authority: there is no option “atlantis”"),
    ("multi_year=maybe", "Length: there is no option “maybe” – choose from the list"),
    ("restrictions=loose", "Restrictions: there is no option “loose” – choose from the list"),
    ("year=abc", "Financial year must be a year, like 2024"),
    ("year=2024-25", "Financial year must be a year, like 2024"),
    ("year=1800", "Financial year must be 1990 or later"),
    ("year=3000", "Financial year must be 2100 or earlier"),
    ("page=abc", "Page must be a whole number, like 2"),
    ("page=0", "Page must be 1 or more"),
    ("sort=cheapest", "Sort by: there is no option “cheapest” – choose from the list"),
]


@pytest.mark.parametrize(
    ("listing", "title", "query", "message"),
    [("funders", "Funders", *error) for error in FUNDER_FILTER_ERRORS]
    + [("settlements", "Funding settlements", *error) for error in SETTLEMENT_FILTER_ERRORS],
)
def test_bad_filters_are_explained_not_crashed_on(client, bridges, listing, title, query, message):
    """On the funders and the settlements pages alike."""
    response = get(client, f"/{listing}/?{query}", status=400)
    assert f"<title>Error: {title}" in response.text
    assert "There is a problem" in response.text
    assert message in response.text
    assert f"Correct the filters to see the {listing}." in response.text


def test_settlements_come_25_to_a_page(client):
    funder = FunderFactory(name="Many Trust")
    for n in range(26):
        SettlementFactory(funder=funder, programme=f"Round {n:02d}", total_amount=1000 + n)
    first = get(client, "/settlements/?sort=largest")
    assert len(table(first, "Settlements 1 to 25 of 26")) == 26
    assert has_link(first, "?sort=largest&page=2", "Next")
    second = get(client, "/settlements/?sort=largest&page=2")
    assert table(second, "Settlements 26 to 26 of 26")[1][0] == "Round 00"
    past_the_end = get(client, "/settlements/?sort=largest&page=9")
    assert "There are only 2 pages of results, so this is the last page." in past_the_end.text


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("latest", "Welcome Programme"),
        ("largest", "Welcome Programme"),
        ("recipient", "Tackling Loneliness"),
    ],
)
def test_settlements_sort(client, bridges, gla, sort, first):
    response = get(client, f"/settlements/?sort={sort}")
    assert table(response, "Settlements 1 to")[1][0] == first


@pytest.mark.parametrize("size", [1, 12])
def test_the_settlements_page_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, size
):
    catalogue(size)
    funder = Funder.objects.order_by("pk").first()
    query = f"funder={funder.slug}&kind={funder.kind}&recipient=hackney&recipient=camden&year=2024"
    with django_assert_max_num_queries(7):
        get(client, f"/settlements/?{query}&multi_year=&page=1")
    with django_assert_max_num_queries(5):
        get(client, "/settlements/")


# One settlement --------------------------------------------------------------------------------


def test_a_settlement_s_page_shows_its_facts_profile_and_published_projects(client, bridges):
    settlement = bridges.settlements.get(programme="Welcome Programme")
    walks = ProjectFactory(title="Welcome Walks", lead_borough=borough("hackney"))
    ProjectFundingFactory(settlement=settlement, project=walks, amount=Decimal("90000"))
    cafe = ProjectFactory(
        title="Language Café", lead_borough=borough("camden"), partner_boroughs=[borough("hackney")]
    )
    ProjectFundingFactory(settlement=settlement, project=cafe, amount=Decimal("30000"))
    unpublished_projects_funded_by(settlement)

    response = get(client, settlement.get_absolute_url())
    page = text(response)
    assert '<h1 class="govuk-heading-xl">Welcome Programme</h1>' in response.text
    for fact in [
        "Funder Bridges Together Foundation Charitable trust or foundation",
        "Programme Welcome Programme",
        "Receiving authority Hackney",
        "Total £300,000",
        "Financial years 2024-25 to 2026-27",
        "Multi-year Yes, 3 financial years",
        "Restrictions Light-touch reporting An annual report of two pages.",
        "Date awarded 1 February 2024",
    ]:
        assert fact in page
    assert has_link(response, "/funders/bridges-together/", "Bridges Together Foundation")
    assert has_link(response, "/boroughs/hackney/", "Hackney")
    assert '<strong class="govuk-tag govuk-tag--turquoise">Light-touch reporting</strong>' in (
        response.text
    )
    assert table(response, "Allocation by financial year") == [
        ["Financial year", "Amount"],
        ["2024-25", "£100,000"],
        ["2025-26", "£120,000"],
        ["2026-27", "£80,000"],
    ]
    assert "portal-chart--column" in response.text
    assert "Allocated to published projects: £120,000 of £300,000 (40%)." in page
    assert "Not yet allocated to published projects: £180,000." in page
    assert table(response, "Published projects funded by this settlement") == [
        ["Project", "Lead authority", "Amount", "Share of the settlement"],
        ["Welcome Walks", "Hackney", "£90,000", "30%"],
        ["Language Café", "Camden", "£30,000", "10%"],
    ]
    assert has_link(response, walks.get_absolute_url(), "Welcome Walks")
    assert "Secret" not in response.text


def test_a_settlement_without_projects_or_profile_says_so(client):
    settlement = SettlementFactory(total_amount=Decimal("5000"))
    response = get(client, settlement.get_absolute_url())
    page = text(response)
    assert "Multi-year No, one financial year" in page
    assert "No yearly allocations have been recorded for this settlement." in page
    assert "Allocated to published projects: £0 of £5,000 (0%)." in page
    assert "No published projects are funded by this settlement yet." in page


def test_an_unknown_settlement_is_not_found(client):
    get(client, "/settlements/999999/", status=404)


@pytest.mark.parametrize("size", [1, 12])
def test_a_settlement_s_page_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, size
):
    funder = FunderFactory()
    settlement = SettlementFactory(funder=funder, total_amount=Decimal("1000000"), last_year=2026)
    for year in settlement.financial_years:
        YearlyAllocationFactory(settlement=settlement, financial_year=year, amount=Decimal("1"))
    for _ in range(size):
        project = ProjectFactory(partner_boroughs=[borough("camden")])
        ProjectFundingFactory(settlement=settlement, project=project, amount=Decimal("1000"))
    unpublished_projects_funded_by(settlement)
    with django_assert_max_num_queries(4):
        get(client, settlement.get_absolute_url())


# Every page ------------------------------------------------------------------------------------


def test_no_page_shows_unpublished_projects(client, bridges):
    settlement = bridges.settlements.get(programme="Welcome Programme")
    unpublished_projects_funded_by(settlement)
    for url in [
        "/funders/",
        "/funders/bridges-together/",
        "/settlements/",
        settlement.get_absolute_url(),
        "/themes/",
        "/themes/isolation/",
    ]:
        response = get(client, url)
        assert "Secret" not in response.text, url


def test_every_page_works_on_the_demo_catalogue(client):
    call_command("seed_demo", "--projects", "200", stdout=io.StringIO())
    settlement = FundingSettlement.objects.select_related("funder").order_by("pk").first()
    funder = settlement.funder
    for url in [
        "/funders/",
        "/funders/?kind=trust&sort=-total",
        funder.get_absolute_url(),
        "/settlements/",
        "/settlements/?multi_year=yes&year=2024&page=2",
        settlement.get_absolute_url(),
        "/themes/",
        "/themes/cohesion/",
    ]:
        get(client, url)
