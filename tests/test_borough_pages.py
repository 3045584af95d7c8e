"""The authorities' public pages: the index with its map, each authority's profile and the
comparison of two to four authorities."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from boroughs.models import Borough, Commission

from .factories import (
    CommissionFactory,
    ProjectFactory,
    SettlementFactory,
    YearlyAllocationFactory,
    borough,
    theme,
)
from .helpers import UNPUBLISHED, get, summary_list, text_of

pytestmark = pytest.mark.django_db


def rows(page):
    """Every table row of a page as the list of its cells' text."""
    return [
        [text_of(cell) for cell in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", page, re.S)
    ]


def row(page, header, caption=None):
    """The cells of the first row headed `header`, in the table with `caption` if given."""
    if caption:
        page = next(
            table
            for table in re.findall(r"<table\b.*?</table>", page, re.S)
            if caption in re.search(r"<caption\b.*?</caption>", table, re.S).group(0)
        )
    return next(cells for cells in rows(page) if cells and cells[0] == header)


def map_square(page, name):
    """What the map says about an authority: the figure its square's link reads out."""
    squares = re.findall(r'<a class="portal-map__tile\b.*?</a>', page, re.S)
    [square] = [text_of(s) for s in squares if text_of(s).startswith(f"{name}, ")]
    return square.rpartition(": ")[2]


def first_column(page):
    """The row headers of the authorities table, in order."""
    return [cells[0] for cells in rows(page) if len(cells) == 8][1:]


def hackney_with_figures():
    """Hackney leads two published projects and partners a third, receives £400,000 (£300,000
    multi-year) and leads one commission and partners another; it also has unpublished projects."""
    hackney, camden = borough("hackney"), borough("camden")
    ProjectFactory(title="Hackney Befriending")
    ProjectFactory(title="Hackney Welcome Walks", themes=[theme("cohesion"), theme("isolation")])
    ProjectFactory(
        title="Camden and Hackney Conversation Clubs",
        lead_borough=camden,
        partner_boroughs=[hackney],
    )
    for state in UNPUBLISHED:
        ProjectFactory(title=f"Hackney {state} project", publication_state=state)
    single = SettlementFactory(total_amount=Decimal("100000.00"))
    multi = SettlementFactory(
        total_amount=Decimal("300000.00"),
        first_year=2024,
        last_year=2026,
        restrictions="ring-fenced",
    )
    YearlyAllocationFactory(settlement=single)
    for year in (2024, 2025, 2026):
        YearlyAllocationFactory(settlement=multi, financial_year=year, amount=Decimal("100000"))
    CommissionFactory(title="Hackney Fairness Commission")
    CommissionFactory(
        title="Camden Cohesion Review", lead_borough=camden, status="sitting", reported_on=None
    ).partner_boroughs.add(hackney)


def more_of_everything(count=12):
    """Many more published and unpublished projects, settlements and commissions everywhere."""
    boroughs = list(Borough.objects.all())
    for i in range(count):
        lead, partner = boroughs[i % 33], boroughs[(i + 5) % 33]
        ProjectFactory(
            lead_borough=lead,
            partner_boroughs=[partner],
            themes=[theme("cohesion"), theme("isolation")],
        )
        ProjectFactory(lead_borough=lead, publication_state=UNPUBLISHED[i % 3])
        settlement = SettlementFactory(recipient=lead, first_year=2020, last_year=2022)
        YearlyAllocationFactory(settlement=settlement)
        CommissionFactory(lead_borough=lead).partner_boroughs.add(partner)


# The index of authorities -------------------------------------------------------------------


def test_the_index_lists_every_authority_with_its_published_figures(client):
    hackney_with_figures()
    page = get(client, "/boroughs/").text
    assert "<title>Boroughs – " in page
    assert len(first_column(page)) == 33
    assert first_column(page)[:2] == ["Barking and Dagenham", "Barnet"]
    assert row(page, "Hackney")[:7] == [
        "Hackney",
        "Inner London",
        "Central London Forward",
        "3",
        "£400,000",
        "75%",
        "2",
    ]
    assert row(page, "Camden")[:7] == [
        "Camden",
        "Inner London",
        "Central London Forward",
        "1",
        "£0",
        "–",
        "1",
    ]
    assert row(page, "Bromley")[2] == "None"
    assert '<a class="govuk-link" href="/boroughs/hackney/">Hackney</a>' in page
    assert "is the map's accessible alternative" in page
    assert 'aria-sort="ascending"' in page
    assert 'action="/compare/boroughs/"' in page


@pytest.mark.parametrize(
    ("sort", "first", "aria_sort"),
    [
        ("name", "Barking and Dagenham", 'aria-sort="ascending"'),
        ("-name", "Westminster", 'aria-sort="descending"'),
        ("-projects", "Hackney", 'aria-sort="descending"'),
        ("projects", "Barking and Dagenham", 'aria-sort="ascending"'),
        ("-funding", "Hackney", 'aria-sort="descending"'),
        ("-commissions", "Hackney", 'aria-sort="descending"'),
        ("-multi-year", "Hackney", 'aria-sort="descending"'),
        ("partnership", "Bromley", 'aria-sort="ascending"'),
    ],
)
def test_the_table_sorts_by_a_column_heading(client, sort, first, aria_sort):
    hackney_with_figures()
    response = client.get(f"/boroughs/?sort={sort}")
    assert response.status_code == 200
    assert first_column(response.text)[0] == first
    sorted_heading = re.search(r"<th [^>]*aria-sort[^>]*>(.*?)</th>", response.text, re.S)
    assert aria_sort in sorted_heading.group(0)


def test_a_sorted_heading_links_to_the_other_direction_and_keeps_the_measure(client):
    response = client.get("/boroughs/?sort=-projects&measure=funding")
    assert 'href="?sort=projects&amp;measure=funding#authorities"' in response.text
    assert 'href="?sort=-funding&amp;measure=funding#authorities"' in response.text


@pytest.mark.parametrize(
    ("query", "measure", "hackney", "camden"),
    [
        ("", "Published projects", "3 projects", "1 project"),
        ("?measure=projects", "Published projects", "3 projects", "1 project"),
        ("?measure=funding", "Funding received", "£400k", "£0"),
        ("?measure=commissions", "Commissions", "2 commissions", "1 commission"),
        ("?measure=multi_year_share", "Share of funding that is multi-year", "75%", "no data"),
    ],
)
def test_the_map_is_shaded_by_the_chosen_measure(client, query, measure, hackney, camden):
    hackney_with_figures()
    response = client.get(f"/boroughs/{query}")
    assert response.status_code == 200
    assert f'role="region" aria-label="{measure} by authority"' in response.text
    assert map_square(response.text, "Hackney") == hackney
    assert map_square(response.text, "Camden") == camden
    chosen = re.search(r'<input [^>]*name="measure"[^>]* checked>', response.text).group(0)
    assert f'value="{query.partition("=")[2] or "projects"}"' in chosen
    assert "Update map" in response.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?sort=bogus", "Sort the table by: there is no option “bogus” – choose a column heading"),
        ("?sort=-", "Sort the table by: there is no option “-”"),
        ("?measure=bogus", "Shade the map by: there is no option “bogus” – choose from the list"),
    ],
)
def test_a_bad_sort_or_measure_is_explained_with_a_400(client, query, message):
    response = client.get(f"/boroughs/{query}")
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text
    assert message in response.text
    assert "<title>Error: Boroughs" in response.text
    assert len(first_column(response.text)) == 33


def test_the_index_never_counts_unpublished_projects(client):
    for state in UNPUBLISHED:
        ProjectFactory(lead_borough=borough("barnet"), publication_state=state)
    page = client.get("/boroughs/?measure=projects").text
    assert row(page, "Barnet")[3] == "0"
    assert map_square(page, "Barnet") == "0 projects"


def test_the_index_runs_the_same_queries_whatever_the_data(client, django_assert_max_num_queries):
    hackney_with_figures()
    with django_assert_max_num_queries(5):
        assert client.get("/boroughs/?measure=multi_year_share&sort=-funding").status_code == 200
    more_of_everything(30)
    with django_assert_max_num_queries(5):
        assert client.get("/boroughs/?measure=multi_year_share&sort=-funding").status_code == 200


# An authority's profile ---------------------------------------------------------------------


def test_an_authority_profile_shows_its_facts_commissions_projects_and_funding(client):
    hackney_with_figures()
    page = get(client, "/boroughs/hackney/").text
    assert "<title>Hackney – " in page
    assert '<h1 class="govuk-heading-xl">Hackney</h1>' in page
    assert 'class="govuk-breadcrumbs"' in page
    facts = summary_list(page)
    for fact in (
        "ONS GSS code E09000012",
        "Three-letter code HCK",
        "360Giving organisation identifier GB-LAE-HCK",
        "Type of authority London borough",
        "Inner or outer London (ONS) Inner London",
        "Inner or outer London (London Government Act 1963) Inner London",
        "Sub-regional partnership Central London Forward (full member)",
        "Website https://www.hackney.gov.uk",
    ):
        assert fact in facts
    assert row(page, "Hackney Fairness Commission") == [
        "Hackney Fairness Commission",
        "Leads it",
        "Cohesion",
        "Reported",
    ]
    assert row(page, "Camden Cohesion Review") == [
        "Camden Cohesion Review",
        "Partner, led by Camden",
        "Cohesion",
        "Sitting",
    ]
    assert '<strong class="govuk-tag govuk-tag--green">Reported</strong>' in page
    assert row(page, "Cohesion", caption="by theme") == ["Cohesion", "3"]
    assert row(page, "Isolation and loneliness", caption="by theme") == [
        "Isolation and loneliness",
        "1",
    ]
    assert 'href="/projects/?borough=hackney&amp;theme=cohesion"' in page
    assert ">Published projects in Hackney by theme. Bar chart." in page
    assert row(page, "Charitable trust or foundation", caption="kind of funder") == [
        "Charitable trust or foundation",
        "2",
        "£400,000",
    ]
    assert row(page, "2024-25", caption="financial year") == [
        "2024-25",
        "£200,000",
        "£100,000",
        "50%",
        "£100,000",
        "50%",
    ]
    assert row(page, "2026-27", caption="financial year") == [
        "2026-27",
        "£100,000",
        "£100,000",
        "100%",
        "£0",
        "0%",
    ]
    assert "received by financial year. Column chart." in page
    assert "£300,000 (75% of the total)" in page
    assert "£100,000 (25% of the total)" in page
    assert row(page, "Ring-fenced", caption="restrictions") == ["Ring-fenced", "1", "£300,000"]
    assert "The other members of Central London Forward" in page
    assert 'href="/boroughs/camden/">Camden</a>' in page
    assert 'href="/boroughs/hackney/">Hackney</a>' not in page
    assert "See all 3 projects" in page
    assert 'href="/projects/?borough=hackney"' in page


def test_a_profile_lists_only_the_latest_five_published_projects(client):
    for number in range(7):
        ProjectFactory(title=f"Hackney Project {number}")
    for state in UNPUBLISHED:
        ProjectFactory(title=f"Hackney {state} project", publication_state=state)
    page = client.get("/boroughs/hackney/").text
    assert [f"Hackney Project {n}" in page for n in range(7)] == [False] * 2 + [True] * 5
    assert "See all 7 projects" in page
    for state in UNPUBLISHED:
        assert f"Hackney {state} project" not in page


def test_a_profile_never_counts_unpublished_projects(client):
    for state in UNPUBLISHED:
        ProjectFactory(publication_state=state)
    page = client.get("/boroughs/hackney/").text
    assert "0 published projects" in page
    assert row(page, "Cohesion", caption="by theme") == ["Cohesion", "0"]
    assert "Hackney has no published projects yet." in page


def test_bromley_has_no_sub_regional_partners(client):
    page = client.get("/boroughs/bromley/").text
    assert "Bromley is not a member of a sub-regional partnership" in page
    assert "Bromley has no commissions recorded." in page
    assert "No funding settlements to Bromley are recorded." in page


def test_the_city_of_london_is_not_classed_by_the_act(client):
    page = client.get("/boroughs/city-of-london/").text
    assert "City of London Corporation" in page
    assert "Not classed: the Act does not class the City of London" in page


def test_an_unknown_authority_is_not_found(client):
    assert client.get("/boroughs/atlantis/").status_code == 404


def test_a_profile_runs_the_same_queries_whatever_the_data(client, django_assert_max_num_queries):
    hackney_with_figures()
    with django_assert_max_num_queries(18):
        assert client.get("/boroughs/hackney/").status_code == 200
    more_of_everything(40)
    with django_assert_max_num_queries(18):
        assert client.get("/boroughs/hackney/").status_code == 200


# Comparing authorities ----------------------------------------------------------------------


def test_two_authorities_side_by_side(client):
    hackney_with_figures()
    page = get(client, "/compare/boroughs/?borough=hackney&borough=camden").text
    assert "Hackney and Camden side by side" in text_of(page)
    assert row(page, "Cohesion", caption="by theme") == ["Cohesion", "3", "1"]
    assert row(page, "All published projects") == ["All published projects", "3", "1"]
    assert row(page, "Charitable trust or foundation") == [
        "Charitable trust or foundation",
        "£400,000",
        "£0",
    ]
    assert row(page, "2025-26", caption="financial year") == ["2025-26", "£100,000", "£0"]
    assert row(page, "Multi-year") == ["Multi-year", "75%", "–"]
    assert row(page, "Without burdensome restrictions (unrestricted or light-touch)") == [
        "Without burdensome restrictions (unrestricted or light-touch)",
        "25%",
        "–",
    ]
    commissions = row(page, "Hackney", caption="Commissions")
    assert "Hackney Fairness Commission" in commissions[1]
    assert "Camden Cohesion Review" in commissions[1]
    assert row(page, "Camden", caption="Commissions") == [
        "Camden",
        "Camden Cohesion Review Sitting",
    ]


def test_the_comparison_never_counts_unpublished_projects(client):
    for state in UNPUBLISHED:
        ProjectFactory(publication_state=state)
    page = client.get("/compare/boroughs/?borough=hackney&borough=camden").text
    assert row(page, "All published projects") == ["All published projects", "0", "0"]


def test_without_a_choice_the_comparison_offers_every_authority(client):
    response = client.get("/compare/boroughs/")
    assert response.status_code == 200
    assert response.text.count('name="borough"') == 33
    assert "govuk-error-summary" not in response.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("borough=hackney", "Choose between 2 and 4 authorities to compare – you chose 1"),
        ("borough=hackney&borough=hackney", "you chose 1"),
        (
            "borough=hackney&borough=camden&borough=brent&borough=barnet&borough=bexley",
            "Choose between 2 and 4 authorities to compare – you chose 5",
        ),
        (
            "borough=hackney&borough=atlantis",
            "There is no London authority “atlantis” – choose from the list",
        ),
        ("borough=", "There is no London authority “”"),
    ],
)
def test_a_bad_choice_of_authorities_is_explained_with_a_400(client, query, message):
    response = client.get(f"/compare/boroughs/?{query}")
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text
    assert message in response.text
    assert "<title>Error: Compare authorities" in response.text


def test_the_comparison_runs_the_same_queries_whatever_the_data(
    client, django_assert_max_num_queries
):
    hackney_with_figures()
    query = "/compare/boroughs/?borough=hackney&borough=camden&borough=brent&borough=barnet"
    # Each authority's figures take a fixed number of queries, then come from the cache.
    with django_assert_max_num_queries(40):
        assert client.get(query).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(query).status_code == 200
    more_of_everything(40)
    with django_assert_max_num_queries(40):
        assert client.get(query).status_code == 200


# Every page with a realistic catalogue -------------------------------------------------------


def test_every_page_renders_with_the_demo_catalogue(client):
    call_command("seed_demo", "--projects", "200", stdout=io.StringIO())
    commission = Commission.objects.order_by("pk").first()
    for url in (
        "/boroughs/",
        "/boroughs/?measure=funding&sort=-commissions",
        "/boroughs/?measure=multi_year_share&sort=-multi-year",
        "/boroughs/hackney/",
        "/boroughs/bromley/",
        "/boroughs/city-of-london/",
        "/commissions/",
        "/commissions/?kind=cohesion&status=reported&borough=hackney&cross_party=no&page=1",
        commission.get_absolute_url(),
        "/compare/boroughs/",
        "/compare/boroughs/?borough=hackney&borough=bromley&borough=city-of-london",
    ):
        assert client.get(url).status_code == 200, url
