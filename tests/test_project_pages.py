"""The projects list, a project's page and projects compared, as researchers see them."""

import datetime
import re
from decimal import Decimal

import pytest
from django.http import QueryDict

from projects.facets import counts, facets, valid_filters
from projects.filters.catalogue import ProjectFilterSet
from projects.models import Project

from .factories import (
    CommissionFactory,
    FunderFactory,
    ProjectFactory,
    ProjectFundingFactory,
    RecommendationFactory,
    SettlementFactory,
    YearlyAllocationFactory,
    borough,
    target_group,
    theme,
)
from .helpers import fund, get

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    """Four published projects that differ in every filtered attribute, and a draft."""
    commission = CommissionFactory(title="Camden Cohesion Commission", slug="camden-cohesion")
    trust = FunderFactory(name="Thames Trust", slug="thames-trust", kind="trust")
    gla = FunderFactory(name="Greater London Authority", slug="gla", kind="gla")
    council = FunderFactory(
        name="Westminster Council", slug="westminster-council", kind="london-borough"
    )

    hackney = ProjectFactory(
        title="Hackney Befriending",
        summary="Volunteers befriend isolated older neighbours.",
        themes=[theme("isolation")],
        target_groups=[target_group("older-people")],
        start_date=datetime.date(2023, 4, 1),
        published_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    )
    fund(hackney, "50000", funder=trust, restrictions="light-touch")
    camden = ProjectFactory(
        title="Camden Cohesion Forum",
        summary="Residents meet to talk.",
        lead_borough=borough("camden"),
        partner_boroughs=[borough("hackney")],
        themes=[theme("cohesion")],
        delivery_status="completed",
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2020, 3, 31),
        commission=commission,
        published_at=datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC),
    )
    fund(
        camden,
        "200000",
        funder=gla,
        total_amount=Decimal("300000"),
        first_year=2019,
        last_year=2021,
        restrictions="ring-fenced",
    )
    ProjectFactory(
        title="Bromley English Club",
        summary="Conversation practice.",
        lead_borough=borough("bromley"),
        themes=[theme("english-language")],
        delivery_status="planned",
        start_date=datetime.date(2027, 1, 1),
        published_at=datetime.datetime(2024, 2, 1, tzinfo=datetime.UTC),
    )
    westminster = ProjectFactory(
        title="Westminster Safe Spaces",
        summary="Safe places for young people.",
        lead_borough=borough("westminster"),
        themes=[theme("safeguarding"), theme("cohesion")],
        delivery_status="paused",
        start_date=datetime.date(2021, 1, 1),
        end_date=datetime.date(2022, 6, 30),
        published_at=datetime.datetime(2023, 6, 1, tzinfo=datetime.UTC),
    )
    fund(
        westminster,
        "10000",
        funder=council,
        first_year=2021,
        last_year=2022,
        restrictions="unrestricted",
    )
    ProjectFactory(
        title="Hidden Draft Befriending",
        themes=[theme("isolation")],
        publication_state="draft",
    )
    return commission


def result_titles(response):
    return re.findall(
        r'<h3 class="govuk-heading-m govuk-!-margin-bottom-2"><a [^>]+>([^<]+)</a>', response.text
    )


ALL = {
    "Hackney Befriending",
    "Camden Cohesion Forum",
    "Bromley English Club",
    "Westminster Safe Spaces",
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("borough=hackney", {"Hackney Befriending", "Camden Cohesion Forum"}),
        (
            "borough=hackney&borough=bromley",
            {"Hackney Befriending", "Camden Cohesion Forum", "Bromley English Club"},
        ),
        ("partnership=central-london-forward", ALL - {"Bromley English Club"}),
        ("london=outer", {"Bromley English Club"}),
        ("london=inner", ALL - {"Bromley English Club"}),
        ("theme=cohesion", {"Camden Cohesion Forum", "Westminster Safe Spaces"}),
        ("theme=cohesion&theme=isolation", ALL - {"Bromley English Club"}),
        ("target_group=older-people", {"Hackney Befriending"}),
        ("status=planned", {"Bromley English Club"}),
        ("status=planned&status=paused", {"Bromley English Club", "Westminster Safe Spaces"}),
        ("funder=thames-trust", {"Hackney Befriending"}),
        ("funder_kind=gla", {"Camden Cohesion Forum"}),
        ("commission=camden-cohesion", {"Camden Cohesion Forum"}),
        ("multi_year=yes", {"Camden Cohesion Forum", "Westminster Safe Spaces"}),
        ("multi_year=no", {"Hackney Befriending", "Bromley English Club"}),
        ("restrictions=ring-fenced", {"Camden Cohesion Forum"}),
        ("amount_from=40000", {"Hackney Befriending", "Camden Cohesion Forum"}),
        ("amount_to=40000", {"Bromley English Club", "Westminster Safe Spaces"}),
        ("amount_from=10000&amount_to=50000", {"Hackney Befriending", "Westminster Safe Spaces"}),
        ("year=2020", {"Camden Cohesion Forum"}),
        (
            "active_from_day=1&active_from_month=1&active_from_year=2024",
            {"Hackney Befriending", "Bromley English Club"},
        ),
        (
            "active_to_day=31&active_to_month=12&active_to_year=2020",
            {"Camden Cohesion Forum"},
        ),
        ("q=befriend", {"Hackney Befriending"}),
        ("theme=cohesion&borough=westminster", {"Westminster Safe Spaces"}),
        # A blank value, as a hand-made link may carry, chooses nothing.
        ("theme=&status=&funder=&borough=", ALL),
        ("theme=&theme=cohesion&borough=westminster", {"Westminster Safe Spaces"}),
    ],
)
def test_each_filter_shows_exactly_the_matching_published_projects(
    client, catalogue, query, expected
):
    response = client.get(f"/projects/?{query}")
    assert response.status_code == 200
    assert set(result_titles(response)) == expected
    count = len(expected)
    assert f"{count} project{'s' if count != 1 else ''} found" in response.text


def test_no_matching_projects_suggests_what_to_try(client, catalogue):
    response = client.get("/projects/?theme=hate-crime-and-justice")
    assert response.status_code == 200
    assert "No projects match these filters." in response.text
    assert "removing some filters" in response.text


def test_the_list_never_shows_unpublished_projects(client, catalogue):
    for state in ("submitted", "archived"):
        ProjectFactory(title=f"Not public {state}", publication_state=state)
    response = client.get("/projects/?q=befriending")
    assert "Hidden Draft" not in response.text
    assert "Not public" not in client.get("/projects/").text


def test_facets_count_every_option_under_the_other_filters(catalogue):
    filterset = ProjectFilterSet(
        QueryDict("theme=cohesion&london=inner"), queryset=Project.objects.published()
    )
    assert filterset.is_valid()
    key = valid_filters(filterset)
    by_name = {facet.name: facet for facet in facets(filterset, counts(filterset, key, 1), 1)}
    themes = {o.value: o.count for o in by_name["theme"].options}
    # The theme facet ignores the theme filter but keeps the inner-London one.
    assert themes["cohesion"] == 2
    assert themes["isolation"] == 1
    assert themes["english-language"] == 0
    london = {o.value: (o.count, o.selected) for o in by_name["london"].options}
    # The London facet ignores its own filter but keeps the theme one.
    assert london == {"": (2, False), "inner": (2, True), "outer": (0, False)}
    boroughs = {o.value: o.count for o in by_name["borough"].options}
    assert (boroughs["camden"], boroughs["hackney"], boroughs["westminster"]) == (1, 1, 1)
    kinds = {o.value: o.count for o in by_name["funder_kind"].options}
    assert (kinds["gla"], kinds["london-borough"], kinds["trust"]) == (1, 1, 0)
    multi_year = {o.value: o.count for o in by_name["multi_year"].options}
    assert multi_year == {"": 2, "yes": 2, "no": 0}


def test_facet_counts_and_removable_tags_show_on_the_page(client, catalogue):
    response = client.get("/projects/?theme=cohesion&borough=westminster")
    text = response.text
    assert (
        'Isolation and loneliness <span class="portal-facet-count">(0'
        '<span class="govuk-visually-hidden"> projects</span>)' in text
    )
    assert "Selected filters" in text
    assert 'href="?borough=westminster"' in text  # removes the theme
    assert 'href="?theme=cohesion"' in text  # removes the borough
    assert "Remove this filter: Theme</span> Cohesion" in text


def test_search_tag_and_amount_tags_can_be_removed(client, catalogue):
    response = client.get("/projects/?q=befriend&amount_from=1000")
    assert "“befriend”" in response.text
    assert "£1,000" in response.text
    assert 'href="?amount_from=1000"' in response.text


def test_removal_links_keep_the_other_filters_encoded_and_start_from_page_one(client, catalogue):
    response = client.get("/projects/?q=art+%26+craft&theme=cohesion&theme=isolation&page=1")
    text = response.text
    # Removing one theme keeps the search (its "&" still encoded) and the other theme.
    assert 'href="?q=art+%26+craft&amp;theme=isolation"' in text
    assert 'href="?q=art+%26+craft&amp;theme=cohesion"' in text
    # Removing the search keeps both themes; no link carries the page number.
    assert 'href="?theme=cohesion&amp;theme=isolation"' in text
    assert "page=1" not in text.split('id="filter-form"')[0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("borough=atlantis", "Borough (lead or partner): there is no option “atlantis”"),
        ("theme=knitting", "Theme: there is no option “knitting”"),
        ("status=finished", "Delivery status: there is no option “finished”"),
        ("london=middle", "Inner or outer London: there is no option “middle”"),
        ("amount_from=lots", "Funding from must be an amount in pounds, like 50000"),
        ("amount_from=-5", "Ensure this value is greater than or equal to 0."),
        (
            "amount_from=500&amount_to=100",
            "Funding to must be the same as or more than funding from",
        ),
        ("year=twenty", "Year must be a year, like 2024"),
        ("year=1800", "Year must be 1990 or later"),
        (
            "active_from_day=31&active_from_month=2&active_from_year=2024",
            "Active from must be a real date",
        ),
        ("active_from_day=1&active_from_year=2024", "Active from must include a month"),
        (
            "active_from_day=1&active_from_month=1&active_from_year=2025"
            "&active_to_day=1&active_to_month=1&active_to_year=2024",
            "Active to must be the same as or after active from",
        ),
        ("page=abc", "Page must be a whole number, like 2"),
        ("page=0", "Page must be 1 or more"),
        ("sort=cheapest", "Choose a sort order from the list"),
        ("page_size=7", "Results per page must be 10, 20, 50 or 100"),
    ],
)
def test_bad_parameters_are_shown_as_errors_with_a_400(client, catalogue, query, message):
    response = client.get(f"/projects/?{query}")
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert message in response.text
    assert response.text.count(message) >= 2  # in the summary and beside the field
    assert "<title>Error: Projects" in response.text
    assert result_titles(response) == []


def test_a_page_past_the_end_shows_the_last_page(client, catalogue):
    response = client.get("/projects/?page_size=10&page=9")
    assert response.status_code == 200
    assert "only 1 page of results, so this is the last page" in response.text
    assert len(result_titles(response)) == 4


def test_pages_and_page_size(client, catalogue):
    first = client.get("/projects/?page_size=10&sort=title")
    assert result_titles(first) == sorted(ALL)
    for n in range(12):
        ProjectFactory(title=f"Zeta {n:02d}")
    page_two = client.get("/projects/?page_size=10&sort=title&page=2")
    assert result_titles(page_two) == [f"Zeta {n:02d}" for n in range(6, 12)]
    assert "Showing 11 to 16" in page_two.text
    assert 'aria-current="page">2</a>' in page_two.text


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            "newest",
            [
                "Camden Cohesion Forum",
                "Bromley English Club",
                "Hackney Befriending",
                "Westminster Safe Spaces",
            ],
        ),
        (
            "start",
            [
                "Bromley English Club",
                "Hackney Befriending",
                "Westminster Safe Spaces",
                "Camden Cohesion Forum",
            ],
        ),
        (
            "funding",
            [
                "Camden Cohesion Forum",
                "Hackney Befriending",
                "Westminster Safe Spaces",
                "Bromley English Club",
            ],
        ),
        ("title", sorted(ALL)),
        (
            "",
            [
                "Camden Cohesion Forum",
                "Bromley English Club",
                "Hackney Befriending",
                "Westminster Safe Spaces",
            ],
        ),
    ],
)
def test_sort_orders(client, catalogue, sort, expected):
    assert result_titles(client.get(f"/projects/?sort={sort}")) == expected


def test_relevance_puts_title_matches_first_when_searching(client, catalogue):
    ProjectFactory(title="Lunch club", summary="Lunch and befriending for isolated neighbours.")
    response = client.get("/projects/?q=befriending")
    titles = result_titles(response)
    assert titles[0] == "Hackney Befriending"
    assert set(titles) == {"Hackney Befriending", "Lunch club"}
    assert '<option value="relevance" selected>' in response.text


def test_the_list_keeps_its_state_in_the_url_for_sort_and_size_controls(client, catalogue):
    response = client.get("/projects/?theme=cohesion&sort=title&page_size=50")
    assert '<option value="title" selected>' in response.text
    assert '<option value="50" selected>' in response.text
    assert 'form="filter-form"' in response.text
    assert 'href="/projects/export.csv?theme=cohesion&amp;sort=title"' in response.text


def test_the_list_runs_a_constant_number_of_queries(
    client, catalogue, django_assert_max_num_queries
):
    query = "/projects/?theme=cohesion&theme=isolation&borough=hackney&funder_kind=gla&q=forum"
    with django_assert_max_num_queries(30) as small:
        client.get(query)
    for n in range(30):
        project = ProjectFactory(
            title=f"Camden Forum {n}",
            lead_borough=borough("camden"),
            partner_boroughs=[borough("hackney")],
            themes=[theme("cohesion"), theme("isolation")],
        )
        ProjectFundingFactory(project=project, settlement=SettlementFactory(funder__kind="gla"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(query)
    assert "31 projects found" in response.text


def test_the_project_page_shows_every_public_field(client, catalogue):
    project = Project.objects.get(title="Camden Cohesion Forum")
    recommendation = RecommendationFactory(commission=catalogue, number=3, text="Meet more.")
    project.recommendations.set([recommendation])
    project.target_groups.set([target_group("whole-community")])
    project.delivery_partners = "Talking Tables\nOpen Door"
    project.people_reached = 1234
    project.outcomes = "People met."
    project.evaluation_url = "https://example.org/evaluation"
    project.save()
    settlement = project.fundings.get().settlement
    YearlyAllocationFactory(settlement=settlement, financial_year=2019, amount=Decimal("100000"))
    YearlyAllocationFactory(settlement=settlement, financial_year=2020, amount=Decimal("200000"))
    ProjectFactory(
        title="Another cohesion project", lead_borough=borough("barnet"), themes=[theme("cohesion")]
    )

    text = get(client, "/projects/camden-cohesion-forum/").text
    assert '<h1 class="govuk-heading-xl">Camden Cohesion Forum</h1>' in text
    for expected in [
        "Residents meet to talk.",
        "Completed",
        "1 April 2019 to 31 March 2020",
        ">Hackney</a>",
        ">Cohesion</a>",
        "Whole community",
        "Talking Tables<br>Open Door",
        "1,234",
        "£200,000",
        ">Camden Cohesion Commission</a>",
        "<strong>R3</strong>",
        "Meet more.",
        "People met.",
        "Read the evaluation",
        "Greater London Authority: Connected Communities",
        "2019-20 to 2021-22",
        "Ring-fenced",
    ]:
        assert expected in text, expected
    # The project ran in 2019-20 alone, so all £200,000 of its line is spent in that year,
    # though its settlement pays out over three.
    assert re.search(r"2019-20</td>\s*<td[^>]*>£200,000", text)
    assert not re.search(r"2020-21</td>\s*<td", text)
    assert "Another cohesion project" in text
    assert "Westminster Safe Spaces" in text  # same theme, another borough
    assert 'name="project" value="camden-cohesion-forum"' in text


def test_the_project_page_runs_a_constant_number_of_queries(
    client, catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12) as small:
        client.get("/projects/camden-cohesion-forum/")
    project = Project.objects.get(title="Camden Cohesion Forum")
    for n in range(5):
        ProjectFundingFactory(
            project=project, amount=1, settlement=SettlementFactory(first_year=2019, last_year=2022)
        )
        ProjectFactory(
            title=f"Related {n}", lead_borough=borough("barnet"), themes=[theme("cohesion")]
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/projects/camden-cohesion-forum/")


@pytest.mark.parametrize("state", ["draft", "submitted", "archived"])
def test_unpublished_projects_have_no_public_page(client, state):
    project = ProjectFactory(publication_state=state)
    assert client.get(f"/projects/{project.slug}/").status_code == 404


def test_comparing_projects_side_by_side(client, catalogue):
    response = client.get(
        "/compare/projects/?project=camden-cohesion-forum&project=hackney-befriending"
        "&project=westminster-safe-spaces"
    )
    assert response.status_code == 200
    text = response.text
    assert "3 projects side by side" in text
    headers = re.findall(r'<th scope="col" class="govuk-table__header"><a [^>]+>([^<]+)</a>', text)
    assert headers == ["Camden Cohesion Forum", "Hackney Befriending", "Westminster Safe Spaces"]
    assert "Greater London Authority" in text
    assert "Thames Trust" in text
    assert re.search(
        r"Multi-year funding</th><td[^>]*>Yes</td><td[^>]*>No</td><td[^>]*>Yes</td>", text
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("project=hackney-befriending", "Choose between 2 and 4 projects to compare – you chose 1"),
        (
            "project=hackney-befriending&project=hackney-befriending",
            "Choose between 2 and 4 projects to compare – you chose 1",
        ),
        (
            "project=hackney-befriending&project=camden-cohesion-forum&project=bromley-english-club"
            "&project=westminster-safe-spaces&project=nope",
            "There is no published project “nope”",
        ),
        (
            "project=hackney-befriending&project=hidden-draft-befriending",
            "There is no published project “hidden-draft-befriending”",
        ),
        ("project=", "Choose between 2 and 4 projects to compare – you chose 0"),
    ],
)
def test_a_bad_comparison_gets_a_clear_message(client, catalogue, query, message):
    response = client.get(f"/compare/projects/?{query}")
    assert response.status_code == 400
    assert message in response.text
    assert "Hidden Draft" not in response.text


def test_five_projects_are_too_many_to_compare(client, catalogue):
    ProjectFactory(title="Fifth")
    slugs = "&".join(f"project={p.slug}" for p in Project.objects.published())
    response = client.get(f"/compare/projects/?{slugs}")
    assert response.status_code == 400
    assert "Choose between 2 and 4 projects to compare – you chose 5" in response.text


def test_the_compare_page_explains_itself_without_a_selection(client):
    response = client.get("/compare/projects/")
    assert response.status_code == 200
    assert "tick 2 to 4 of them" in response.text


def test_the_home_page_gives_headline_figures_from_published_data(client, catalogue):
    response = client.get("/")
    text = response.text
    assert response.status_code == 200
    assert re.search(r'portal-headline__figure">4</span> <a [^>]+>published projects', text)
    assert re.search(r'portal-headline__figure">4 of 33</span>', text)
    # Settlements: 100,000 + 300,000 + 100,000, of which 400,000 multi-year, 200,000 light.
    assert "£500k" in text
    assert re.search(
        r'portal-headline__figure">80%</span> <a [^>]+>of that money is multi-year', text
    )
    assert re.search(
        r'portal-headline__figure">40%</span> <a [^>]+>is unrestricted or light-touch', text
    )
    assert "Hidden Draft" not in text
    assert "Westminster Safe Spaces" in text


def test_the_about_page_documents_every_export_column(client):
    from projects.exports import COLUMNS

    response = client.get("/about/data/")
    assert response.status_code == 200
    for column in COLUMNS:
        assert f"<code>{column.name}</code>" in response.text


def test_the_list_filters_by_the_recommendation_a_project_addresses(client, catalogue):
    recommendation = RecommendationFactory(commission=catalogue, number=4, text="Meet.")
    Project.objects.get(title="Camden Cohesion Forum").recommendations.set([recommendation])
    response = client.get("/projects/?recommendation=camden-cohesion-r4")
    assert result_titles(response) == ["Camden Cohesion Forum"]
    assert "Camden Cohesion Commission R4" in response.text
    assert 'name="recommendation" value="camden-cohesion-r4"' in response.text
    refused = client.get("/projects/?recommendation=camden-cohesion-r9")
    assert refused.status_code == 400
    assert "there is no recommendation “camden-cohesion-r9”" in refused.text


@pytest.mark.parametrize(
    "reference", ["camden-cohesion-r²", "camden-cohesion-r٤", "camden-cohesion-r99999999999", "-r"]
)
@pytest.mark.parametrize("path", ["/projects/", "/projects/export.csv", "/projects/export.json"])
def test_a_recommendation_that_is_no_number_is_refused_with_a_message(
    client, catalogue, reference, path
):
    RecommendationFactory(commission=catalogue, number=4, text="Meet.")
    response = client.get(path, {"recommendation": reference})
    assert response.status_code == 400
    assert f"there is no recommendation “{reference}”" in response.text


def test_results_escape_what_officers_typed(client):
    ProjectFactory(title="<script>alert(1)</script> club", summary="Tea & <b>talk</b>")
    text = client.get("/projects/").text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; club" in text
    assert "Tea &amp; &lt;b&gt;talk&lt;/b&gt;" in text


@pytest.mark.parametrize(
    ("search", "message"),
    [
        (
            " ".join(f"-w{n}" for n in range(20)),
            "Search: use 12 words or fewer (this search has 20)",
        ),
        (" ".join(f"-word{n}" for n in range(300)), "Search: use 200 characters or fewer"),
    ],
)
@pytest.mark.parametrize("path", ["/projects/", "/projects/export.csv"])
def test_a_search_too_long_to_be_typed_is_refused_with_a_message(
    client, catalogue, search, message, path
):
    response = client.get(path, {"q": search})
    assert response.status_code == 400
    assert message in response.text


def test_a_search_of_twelve_words_is_answered(client, catalogue):
    response = client.get("/projects/", {"q": "camden cohesion forum " * 4})
    assert response.status_code == 200
    assert result_titles(response) == ["Camden Cohesion Forum"]
