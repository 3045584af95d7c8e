"""Authorities like this one: which authorities each profile shows as most alike, how it says
they were judged, and the link that compares them side by side."""

from decimal import Decimal

import pytest

from projects.facet_index import current_index
from projects.likeness import HOW_JUDGED, likenesses

from .factories import ProjectFactory, SettlementFactory, YearlyAllocationFactory, borough, theme
from .helpers import get, has_link, table, text

pytestmark = pytest.mark.django_db


def projects(slug, *themes_of_each, partners=()):
    """Published projects led by the authority `slug`, one per list of theme slugs."""
    for slugs in themes_of_each:
        ProjectFactory(
            lead_borough=borough(slug),
            themes=[theme(each) for each in slugs],
            partner_boroughs=[borough(each) for each in partners],
        )


def money(slug, amount, *, multi_year=False):
    settlement = SettlementFactory(
        recipient=borough(slug),
        total_amount=Decimal(amount),
        first_year=2024,
        last_year=2025 if multi_year else 2024,
    )
    YearlyAllocationFactory(settlement=settlement)


def five_inner_and_outer_authorities():
    """Hackney and Westminster (inner London) alike in every way; Camden (inner) with half its
    projects on another theme; Bexley (outer) otherwise as Hackney; Lambeth (inner) with ten
    times the funding per project, all of it multi-year; and no projects in Barnet. (Names
    chosen so that the alphabet, which breaks ties, would put them in another order.)"""
    for slug in ("hackney", "westminster", "bexley"):
        projects(slug, ["cohesion"], ["cohesion"])
        money(slug, "200000")
    projects("camden", ["cohesion"], ["isolation"])
    money("camden", "200000")
    projects("lambeth", ["cohesion"], ["cohesion"])
    money("lambeth", "2000000", multi_year=True)


def alike_names(slug):
    every = likenesses(current_index())
    return [portrait.borough.name for portrait in every[borough(slug).pk].alike]


def test_the_most_alike_come_first():
    five_inner_and_outer_authorities()
    # Westminster differs in nothing; Camden in half its themes (a tenth in all); Bexley in
    # being outer London (a fifth); Lambeth in funding per project and multi-year money (two
    # fifths), so it is fourth and not shown.
    assert alike_names("hackney") == ["Westminster", "Camden", "Bexley"]
    assert alike_names("westminster") == ["Hackney", "Camden", "Bexley"]


def test_an_authority_without_projects_is_like_none_and_none_is_like_it():
    five_inner_and_outer_authorities()
    every = likenesses(current_index())
    assert borough("barnet").pk not in every
    assert all(
        portrait.borough.slug != "barnet" for each in every.values() for portrait in each.alike
    )


def test_joint_projects_make_authorities_alike():
    # Hackney and Camden run all their projects together, Islington alone: otherwise the same.
    projects("hackney", ["cohesion"], partners=["camden"])
    projects("islington", ["cohesion"])
    every = likenesses(current_index())
    hackney = every[borough("hackney").pk]
    assert hackney.portrait.joint_share == 1
    assert every[borough("islington").pk].portrait.joint_share == 0
    assert [portrait.borough.name for portrait in hackney.alike] == ["Camden", "Islington"]


def test_a_profile_shows_the_authorities_like_it_and_how_they_were_judged(client):
    five_inner_and_outer_authorities()
    response = get(client, "/boroughs/hackney/")
    assert "Authorities like this one" in text(response)
    assert HOW_JUDGED in text(response)
    assert table(response, "Hackney and the authorities most like it") == [
        [
            "Authority",
            "Inner or outer London",
            "Most common themes",
            "Published projects",
            "Funding per project",
            "Money multi-year",
            "Projects run jointly",
        ],
        ["Hackney (this authority)", "Inner London", "Cohesion", "2", "£100,000", "0%", "0%"],
        ["Westminster", "Inner London", "Cohesion", "2", "£100,000", "0%", "0%"],
        [
            "Camden",
            "Inner London",
            "Cohesion; Isolation and loneliness",
            "2",
            "£100,000",
            "0%",
            "0%",
        ],
        ["Bexley", "Outer London", "Cohesion", "2", "£100,000", "0%", "0%"],
    ]
    assert has_link(response, "/boroughs/westminster/", "Westminster")
    compare = "/compare/boroughs/?borough=hackney&borough=westminster&borough=camden&borough=bexley"
    assert has_link(
        response, compare, "Compare Hackney with Westminster, Camden and Bexley side by side"
    )
    compared = get(client, compare)
    assert "Hackney , Westminster , Camden and Bexley side by side" in text(compared)


def test_a_profile_without_projects_says_so_rather_than_guessing(client):
    five_inner_and_outer_authorities()
    response = get(client, "/boroughs/barnet/")
    assert (
        "Barnet has no published projects yet, so there is nothing to judge which authorities "
        "are like it by." in text(response)
    )
    assert "/compare/boroughs/?borough=barnet" not in response.text


def test_the_only_authority_with_projects_has_none_to_compare_with(client):
    projects("hackney", ["cohesion"])
    response = get(client, "/boroughs/hackney/")
    assert (
        "No other authority has published projects yet, so there is none to compare Hackney "
        "with." in text(response)
    )


def test_likeness_takes_the_same_queries_whatever_the_data(django_assert_max_num_queries):
    five_inner_and_outer_authorities()
    with django_assert_max_num_queries(6):
        likenesses(current_index())
    for slug in ("brent", "ealing", "sutton", "newham", "lewisham", "merton"):
        projects(slug, ["cohesion", "equalities"], ["resilience"], partners=["hackney"])
        money(slug, "50000", multi_year=True)
    with django_assert_max_num_queries(6):
        every = likenesses(current_index())
    assert len(every) == 11
