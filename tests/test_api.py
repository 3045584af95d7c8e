"""The read API: published records only, the same filters and counts as the portal's pages,
pages linked by `next`, bad parameters named with status 400, conditional requests, CORS and
the rate limit."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from boroughs.models import Borough, Commission
from projects.models import FormerSlug, Funder, FundingSettlement, Project, TargetGroup, Theme

from .factories import (
    CommissionFactory,
    ProjectFactory,
    ProjectFundingFactory,
    RecommendationFactory,
    SettlementFactory,
    UserFactory,
    YearlyAllocationFactory,
    borough,
    theme,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def catalogue():
    call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def every_page(client, url):
    """Every result of a list, following its `next` links from `url`."""
    found = []
    while url:
        body = client.get(url).json()
        found += body["results"]
        url = body["next"]
    return found


def html_count(client, path, noun="project"):
    found = re.search(rf"([\d,]+) {noun}s? found", client.get(path).text)
    return int(found.group(1).replace(",", ""))


def test_the_projects_list_shows_published_projects_only(client):
    shown = ProjectFactory(title="Hackney Welcome Café")
    for state in ["draft", "submitted", "archived"]:
        ProjectFactory(title=f"Hidden {state}", publication_state=state)
    body = client.get(f"{API}projects/").json()
    assert body["count"] == 1
    [project] = body["results"]
    assert project["id"] == shown.slug
    assert project["title"] == "Hackney Welcome Café"
    assert project["lead_borough"] == {
        "slug": "hackney",
        "name": "Hackney",
        "gss_code": "E09000012",
    }
    assert project["themes"] == [{"slug": "cohesion", "name": theme().name}]
    assert project["html_url"] == f"http://testserver/projects/{shown.slug}/"
    assert client.get(project["url"]).json()["id"] == shown.slug


@pytest.mark.parametrize("state", ["draft", "submitted", "archived"])
def test_an_unpublished_project_is_not_found(client, state):
    project = ProjectFactory(publication_state=state)
    response = client.get(f"{API}projects/{project.slug}/")
    assert response.status_code == 404
    assert project.slug in response.json()["detail"]


def test_a_project_shows_its_public_fields_and_nothing_of_its_officers(client):
    officer = UserFactory(username="editor-jane", email="jane@hackney.example.org")
    project = ProjectFactory(
        created_by=officer,
        partner_boroughs=[borough("camden")],
        delivery_partners="Talking Tables\nOpen Door",
    )
    recommendation = RecommendationFactory(number=3)
    project.recommendations.set([recommendation])
    line = ProjectFundingFactory(project=project, amount=1234.5)
    response = client.get(f"{API}projects/{project.slug}/")
    body = response.json()
    assert body["partner_boroughs"][0]["gss_code"] == "E09000007"
    assert body["delivery_partners"] == ["Talking Tables", "Open Door"]
    assert body["recommendations"] == [recommendation.slug]
    assert body["fundings"] == [
        {
            "settlement": line.settlement.pk,
            "funder": {"slug": line.settlement.funder.slug, "name": line.settlement.funder.name},
            "programme": "Connected Communities",
            "amount_gbp": 1234.5,
        }
    ]
    assert body["contact_email"] == "community@example.org"
    assert "editor-jane" not in response.text
    assert "jane@hackney" not in response.text


def test_a_merged_project_moves_to_the_one_kept(client):
    kept = ProjectFactory()
    FormerSlug.objects.create(slug="old-name", project=kept)
    response = client.get(f"{API}projects/old-name/")
    assert response.status_code == 301
    assert response.headers["Location"] == f"http://testserver{API}projects/{kept.slug}/"


def test_a_signed_in_officer_sees_what_everyone_sees(client):
    ProjectFactory(publication_state="draft")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(f"{API}projects/").json()["count"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "",
        "theme=cohesion",
        "borough=hackney&borough=camden&status=active",
        "funder_kind=gla&multi_year=yes",
        "q=youth&sort=funding",
        "london=inner&amount_from=10000&year=2024",
        "active_from_day=1&active_from_month=4&active_from_year=2024&target_group=older-people",
    ],
)
def test_the_projects_list_agrees_with_the_page(client, catalogue, query):
    api = client.get(f"{API}projects/?{query}").json()
    assert api["count"] == html_count(client, f"/projects/?{query}")
    assert len(every_page(client, f"{API}projects/?{query}&page_size=50")) == api["count"]


@pytest.mark.parametrize(
    ("path", "noun", "query"),
    [
        ("settlements/", "settlement", "multi_year=yes&restrictions=light-touch"),
        ("settlements/", "settlement", "kind=gla&year=2024&sort=largest"),
        ("settlements/", "settlement", "recipient=hackney&recipient=camden"),
        ("commissions/", "commission", "kind=cohesion&cross_party=yes"),
        ("commissions/", "commission", "borough=westminster&status=reported"),
    ],
)
def test_the_other_lists_agree_with_their_pages(client, catalogue, path, noun, query):
    api = client.get(f"{API}{path}?{query}").json()
    assert api["count"] == html_count(client, f"/{path}?{query}", noun)
    assert len(every_page(client, f"{API}{path}?{query}")) == api["count"]


def test_facet_counts_are_the_pages(client, catalogue):
    body = client.get(f"{API}projects/?theme=cohesion&facets=true").json()
    status = {option["value"]: option["count"] for option in body["facets"]["status"]["options"]}
    for value, count in status.items():
        if value and count:
            assert html_count(client, f"/projects/?theme=cohesion&status={value}") == count
    cohesion = next(o for o in body["facets"]["theme"]["options"] if o["value"] == "cohesion")
    assert cohesion["selected"]
    assert "facets" not in client.get(f"{API}projects/").json()


def test_pages_link_to_each_other(client, catalogue):
    first = client.get(f"{API}projects/?sort=title&page_size=10").json()
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/projects/?sort=title&page_size=10&page=2"
    second = client.get(first["next"]).json()
    assert second["previous"].endswith("page=1")
    titles = [p["title"] for p in first["results"] + second["results"]]
    assert titles == sorted(titles, key=str.lower) or len(set(titles)) == 20
    everything = every_page(client, f"{API}projects/?page_size=100")
    assert len({p["id"] for p in everything}) == Project.objects.published().count()


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("theme=no-such-theme", "theme"),
        ("borough=atlantis", "borough"),
        ("year=twenty", "year"),
        ("year=99999999999999999999", "year"),
        ("page=0", "page"),
        ("page=9999", "page"),
        ("page_size=7", "page_size"),
        ("amount_from=lots", "amount_from"),
        ("active_from_day=31&active_from_month=2&active_from_year=2024", "active_from"),
        ("q=" + "word " * 20, "q"),
        ("q=%00", "q"),
        ("recommendation=x-r%C2%B2", "recommendation"),
        ("sort=%3Cscript%3E", "sort"),
        ("facets=maybe", "facets"),
        ("them=cohesion", "them"),
    ],
)
def test_bad_parameters_are_named(client, query, parameter):
    ProjectFactory()
    response = client.get(f"{API}projects/?{query}")
    assert response.status_code == 400
    assert parameter in response.json()["errors"]


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("boroughs/", "sort=size", "sort"),
        ("commissions/", "borough=atlantis", "borough"),
        ("commissions/", "kind=%00", "kind"),
        ("funders/", "kind=bank", "kind"),
        ("settlements/", "year=1066", "year"),
        ("settlements/", "recipient=a%00b", "recipient"),
    ],
)
def test_every_list_names_its_bad_parameters(client, path, query, parameter):
    response = client.get(f"{API}{path}?{query}")
    assert response.status_code == 400
    assert parameter in response.json()["errors"]


def test_unknown_records_are_not_found(client):
    for path in [
        "projects/nothing/",
        "boroughs/atlantis/",
        "commissions/nothing/",
        "funders/nothing/",
        "settlements/999999/",
        "themes/nothing/",
    ]:
        response = client.get(f"{API}{path}", headers={"if-none-match": "*"})
        assert response.status_code == 404, path
        assert "detail" in response.json()


def test_authorities_carry_their_codes_and_figures(client):
    ProjectFactory(lead_borough=borough("brent"), partner_boroughs=[borough("camden")])
    ProjectFactory(lead_borough=borough("brent"), publication_state="draft")
    body = client.get(f"{API}boroughs/?sort=-projects").json()
    assert body["count"] == 33
    assert body["next"] is None
    brent = client.get(f"{API}boroughs/brent/").json()
    assert brent["gss_code"] == "E09000005"
    assert brent["org_id"] == "GB-LAE-BEN"
    assert brent["project_count"] == 1
    names = [row["name"] for row in client.get(f"{API}boroughs/?sort=name").json()["results"]]
    assert names == list(Borough.objects.order_by("name").values_list("name", flat=True))


def test_commissions_come_with_their_recommendations(client):
    commission = CommissionFactory(title="Brent Cohesion Commission", lead_borough=borough("brent"))
    recommendation = RecommendationFactory(commission=commission, number=1, text="Meet more.")
    recommendation.themes.set([theme("cohesion")])
    ProjectFactory(title="Addresses it").recommendations.set([recommendation])
    ProjectFactory(title="Drafted", publication_state="draft").recommendations.set([recommendation])
    body = client.get(f"{API}commissions/?borough=brent").json()
    [listed] = body["results"]
    assert listed["slug"] == commission.slug
    [item] = listed["recommendations"]
    assert item["id"] == recommendation.slug
    assert item["themes"] == ["cohesion"]
    addressing = client.get(item["projects_url"]).json()
    assert [p["title"] for p in addressing["results"]] == ["Addresses it"]
    assert client.get(f"{API}commissions/{commission.slug}/").json()["title"] == commission.title


def test_commissions_pages(client):
    for n in range(21):
        CommissionFactory(title=f"Commission {n:02}")
    first = client.get(f"{API}commissions/").json()
    assert first["count"] == Commission.objects.count() == 21
    assert len(first["results"]) == 20
    assert len(client.get(first["next"]).json()["results"]) == 1


def test_funders_and_settlements(client):
    settlement = SettlementFactory(funder__name="Trust for London", first_year=2023, last_year=2024)
    YearlyAllocationFactory(settlement=settlement, financial_year=2023, amount=60000)
    YearlyAllocationFactory(settlement=settlement, financial_year=2024, amount=40000)
    ProjectFundingFactory(settlement=settlement, project=ProjectFactory(title="Shown"))
    ProjectFundingFactory(
        settlement=settlement, project=ProjectFactory(title="Hidden", publication_state="draft")
    )
    funders = client.get(f"{API}funders/?kind=trust").json()
    assert [f["name"] for f in funders["results"]] == ["Trust for London"]
    assert funders["results"][0]["project_count"] == 1
    assert funders["results"][0]["multi_year_share"] == 1.0
    settlements = client.get(f"{API}settlements/?multi_year=yes&recipient=hackney").json()
    assert [s["id"] for s in settlements["results"]] == [settlement.pk]
    detail = client.get(f"{API}settlements/{settlement.pk}/").json()
    assert detail["allocations"] == {"2023": 60000.0, "2024": 40000.0}
    assert [line["project"] for line in detail["projects"]] == [
        Project.objects.get(title="Shown").slug
    ]
    assert client.get(f"{API}settlements/?multi_year=no").json()["count"] == 0
    assert client.get(f"{API}funders/{settlement.funder.slug}/").json()["settlement_count"] == 1


def test_themes_and_target_groups_count_published_projects(client):
    ProjectFactory(themes=[theme("cohesion")])
    ProjectFactory(themes=[theme("cohesion")], publication_state="draft")
    themes = client.get(f"{API}themes/").json()
    assert themes["count"] == Theme.objects.count()
    cohesion = next(t for t in themes["results"] if t["slug"] == "cohesion")
    assert cohesion["project_count"] == 1
    assert client.get(cohesion["projects_url"]).json()["count"] == 1
    groups = client.get(f"{API}target-groups/").json()
    assert groups["count"] == TargetGroup.objects.count()


def test_an_unchanged_catalogue_answers_not_modified(client):
    ProjectFactory()
    first = client.get(f"{API}projects/?theme=cohesion")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get(f"{API}projects/?theme=cohesion", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    since = client.get(
        f"{API}projects/?theme=cohesion",
        headers={"if-modified-since": first.headers["Last-Modified"]},
    )
    assert since.status_code == 304
    assert client.get(f"{API}projects/?theme=equalities").headers["ETag"] != etag
    ProjectFactory(title="Another")
    changed = client.get(f"{API}projects/?theme=cohesion", headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed.json()["count"] == 2


def test_any_site_may_read_the_api(client):
    response = client.get(f"{API}themes/", headers={"origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        f"{API}themes/",
        headers={
            "origin": "https://example.org",
            "access-control-request-method": "GET",
            "access-control-request-headers": "if-none-match",
        },
    )
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    page = client.get("/projects/", headers={"origin": "https://example.org"})
    assert "Access-Control-Allow-Origin" not in page.headers


def test_too_many_requests_are_told_when_to_try_again(client, settings):
    settings.API_RATE = "3/m"
    for _ in range(3):
        assert client.get(f"{API}themes/").status_code == 200
    response = client.get(f"{API}themes/")
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "detail" in response.json()


def test_every_list_runs_a_constant_number_of_queries(
    client, catalogue, django_assert_max_num_queries
):
    lists = [
        "projects/?theme=cohesion&q=youth&facets=true",
        "projects/?page_size=100&sort=title",
        "boroughs/",
        "commissions/",
        "funders/",
        "settlements/",
        "themes/",
        "target-groups/",
    ]
    before = {}
    for path in lists:
        with django_assert_max_num_queries(20) as counted:
            client.get(f"{API}{path}")
        before[path] = len(counted.captured_queries)
    for n in range(30):
        project = ProjectFactory(
            title=f"Youth Forum {n}",
            partner_boroughs=[borough("camden")],
            themes=[theme("cohesion"), theme("isolation")],
        )
        ProjectFundingFactory(project=project, settlement=SettlementFactory(funder__kind="gla"))
        RecommendationFactory().themes.set([theme("cohesion")])
    for path in lists:
        # Inside the test's transaction every request reads the facet index anew (a running site
        # reads it once a version), which may take one query more than it did.
        with django_assert_max_num_queries(before[path] + 1):
            assert client.get(f"{API}{path}").status_code == 200


def test_the_openapi_document_is_version_3_1(client):
    document = client.get(f"{API}openapi.json").json()
    assert document["openapi"].startswith("3.1")
    parameters = {
        parameter["name"]
        for parameter in document["paths"]["/api/v1/projects/"]["get"]["parameters"]
    }
    assert {"q", "theme", "borough", "page", "page_size", "facets", "active_from_day"} <= (
        parameters
    )


def test_the_documentation_page(client):
    response = client.get("/api/")
    assert response.status_code == 200
    assert "Read API" in response.text
    assert "/api/v1/openapi.json" in response.text
    assert "120 a minute" in response.text


def test_money_and_records_listed_agree_with_the_database(client, catalogue):
    funders = client.get(f"{API}funders/").json()
    assert funders["count"] == Funder.objects.count()
    settlements = every_page(client, f"{API}settlements/")
    assert len(settlements) == FundingSettlement.objects.count()


def test_an_answer_is_kept_until_the_catalogue_changes(client, django_assert_max_num_queries):
    ProjectFactory()
    client.get(f"{API}projects/?theme=cohesion&status=active")
    # Only the catalogue's version is read, whatever the parameters' order.
    with django_assert_max_num_queries(1):
        again = client.get(f"{API}projects/?status=active&theme=cohesion")
    assert again.json()["count"] == 1
    ProjectFactory(title="Another")
    assert client.get(f"{API}projects/?theme=cohesion&status=active").json()["count"] == 2
