"""Money by financial year, and how much of it is multi-year and unrestricted or light-touch,
on the home page and each authority's profile: the seed publication's two asks, year by year."""

from decimal import Decimal

import pytest

from projects.models import FundingSettlement

from .factories import SettlementFactory, YearlyAllocationFactory, borough
from .helpers import get, table, text

pytestmark = pytest.mark.django_db

HEADINGS = [
    "Financial year",
    "Total",
    "Multi-year",
    "Share multi-year",
    "Unrestricted or light-touch",
    "Share unrestricted or light-touch",
]


def settle(slug, restrictions, yearly):
    """A settlement to the authority `slug` paying {financial year: pounds}."""
    settlement = SettlementFactory(
        recipient=borough(slug),
        restrictions=restrictions,
        total_amount=Decimal(sum(yearly.values())),
        first_year=min(yearly),
        last_year=max(yearly),
    )
    for year, amount in yearly.items():
        YearlyAllocationFactory(settlement=settlement, financial_year=year, amount=Decimal(amount))


def four_settlements():
    """Hackney: £300,000 unrestricted over 2023-24 to 2025-26, £200,000 ring-fenced in 2024-25,
    £100,000 heavily restricted over 2024-25 and 2025-26. Camden: £80,000 light-touch in
    2025-26."""
    settle("hackney", "unrestricted", {2023: 50_000, 2024: 100_000, 2025: 150_000})
    settle("hackney", "ring-fenced", {2024: 200_000})
    settle("hackney", "heavily-restricted", {2024: 40_000, 2025: 60_000})
    settle("camden", "light-touch", {2025: 80_000})


def test_the_home_page_gives_each_years_multi_year_and_light_touch_money(client):
    four_settlements()
    response = get(client, "/")
    # 2024-25: 100,000 + 200,000 + 40,000, of which 140,000 multi-year and 100,000 unrestricted.
    # 2025-26: 150,000 + 60,000 + 80,000, of which 210,000 multi-year and 230,000 light.
    assert table(response, "Money settled with London's authorities by financial year") == [
        HEADINGS,
        ["2023-24", "£50,000", "£50,000", "100%", "£50,000", "100%"],
        ["2024-25", "£340,000", "£140,000", "41%", "£100,000", "29%"],
        ["2025-26", "£290,000", "£210,000", "72%", "£230,000", "79%"],
    ]
    assert (
        "In 2023-24, 100% of the money was multi-year and 100% was unrestricted or light-touch; "
        "in 2025-26, 72% was multi-year and 79% unrestricted or light-touch." in text(response)
    )
    assert "Share of the money that is multi-year, by financial year. Column chart" in (
        response.text
    )
    assert (
        "Share of the money that is unrestricted or light-touch, by financial year. Column chart"
        in response.text
    )


def test_a_profile_gives_its_own_years_and_they_add_up_to_londons(client):
    four_settlements()
    hackney = table(get(client, "/boroughs/hackney/"), "Funding Hackney received by financial")
    camden = table(get(client, "/boroughs/camden/"), "Funding Camden received by financial")
    assert hackney == [
        HEADINGS,
        ["2023-24", "£50,000", "£50,000", "100%", "£50,000", "100%"],
        ["2024-25", "£340,000", "£140,000", "41%", "£100,000", "29%"],
        ["2025-26", "£210,000", "£210,000", "100%", "£150,000", "71%"],
    ]
    assert camden == [HEADINGS, ["2025-26", "£80,000", "£0", "0%", "£80,000", "100%"]]
    london = FundingSettlement.objects.by_year()
    for row in london:
        in_authorities = [
            line[1] for line in (*hackney[1:], *camden[1:]) if line[0] == row["label"]
        ]
        assert (
            sum(Decimal(each.strip("£").replace(",", "")) for each in in_authorities)
            == (row["total"])
        )


def test_a_year_without_money_between_two_with_some_shows_no_share(client):
    settle("hackney", "unrestricted", {2022: 10_000})
    settle("hackney", "ring-fenced", {2024: 30_000})
    response = get(client, "/boroughs/hackney/")
    rows = table(response, "Funding Hackney received by financial")
    assert rows[2] == ["2023-24", "£0", "£0", "–", "£0", "–"]
    assert "In 2022-23, 0% of the money was multi-year and 100% was unrestricted" in text(response)


def test_without_settlements_the_home_page_says_none_are_recorded(client):
    response = get(client, "/")
    assert table(response, "Money settled with London's authorities by financial year") == [
        HEADINGS,
        ["No yearly allocations are recorded."],
    ]
    assert "of the money was multi-year" not in text(response)


def test_the_home_page_takes_the_same_queries_whatever_the_data(
    client, django_assert_max_num_queries
):
    four_settlements()
    with django_assert_max_num_queries(12) as few:
        get(client, "/")
    for slug in ("brent", "ealing", "sutton", "newham"):
        settle(slug, "light-touch", {2020: 1_000, 2021: 2_000})
    with django_assert_max_num_queries(len(few)):
        get(client, "/")
