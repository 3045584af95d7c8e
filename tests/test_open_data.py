"""The open data downloads: settlements in the 360Giving Data Standard and as CSV, JSON and
XLSX; the projects' workbook and its new columns; what every download says about itself."""

import csv
import html
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import OperationalError
from django.http import StreamingHttpResponse
from jsonschema import Draft202012Validator
from openpyxl import load_workbook
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from projects import exports, settlement_exports
from projects.models import ProjectFunding

from .factories import (
    FunderFactory,
    ProjectFactory,
    ProjectFundingFactory,
    RecommendationFactory,
    SettlementFactory,
    YearlyAllocationFactory,
    borough,
    theme,
)
from .helpers import fund

pytestmark = pytest.mark.django_db

OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


# The 360Giving schemas, kept with the tests (tests/schemas/360giving/README.md) ------------------

SCHEMAS = Path(__file__).resolve().parent / "schemas" / "360giving"


@pytest.fixture(scope="module")
def package_validator():
    """A validator of the 360Giving 1.4 package schema whose reference to the grant schema
    resolves to the local copy: nothing is fetched."""
    grant = json.loads((SCHEMAS / "360-giving-schema.json").read_text())
    package = json.loads((SCHEMAS / "360-giving-package-schema.json").read_text())
    grant_url = package["properties"]["grants"]["items"]["$ref"]
    registry = Registry().with_resources(
        [
            (grant_url, DRAFT202012.create_resource(grant)),
            (grant["$id"], DRAFT202012.create_resource(grant)),
        ]
    )
    return Draft202012Validator(
        package, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def assert_valid(validator, package):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(package)]
    assert errors == []


# Downloads ------------------------------------------------------------------------------------


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return response, b"".join(response.streaming_content)


def read_csv(body):
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def read_workbook(body):
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    sheets = {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }
    workbook.close()
    return sheets


def sheet_rows(rows):
    header, *cells = rows
    return [dict(zip(header, row, strict=True)) for row in cells]


@pytest.fixture
def catalogue():
    """Settlements of every sort: one spread over three years with allocations, to a project
    with several themes and a partner; one without allocations from a funder without an
    organisation identifier; one funding only a draft project."""
    hackney, islington = borough("hackney"), borough("islington")
    council_fund = FunderFactory(
        name="Cohesion Fund", kind="central-government", org_id="GB-GOR-D1"
    )
    trust = FunderFactory(name="Thames Trust", kind="trust")
    recommendation = RecommendationFactory(number=3, commission__title="Cohesion Commission")
    befriending = ProjectFactory(
        title="Befriending Network",
        lead_borough=hackney,
        partner_boroughs=[islington],
        themes=[theme("isolation"), theme("cohesion")],
        commission=recommendation.commission,
    )
    befriending.recommendations.set([recommendation])
    multi_year = SettlementFactory(
        funder=council_fund,
        programme="Integration Areas",
        recipient=islington,
        total_amount=Decimal("90000.00"),
        first_year=2023,
        last_year=2025,
        restrictions="ring-fenced",
    )
    for year, amount in ((2023, "10000.00"), (2024, "30000.00"), (2025, "50000.00")):
        YearlyAllocationFactory(settlement=multi_year, financial_year=year, amount=Decimal(amount))
    ProjectFundingFactory(settlement=multi_year, project=befriending, amount=Decimal("9000.00"))
    fund(befriending, "1000.50", funder=trust, programme="Small Grants")
    draft = ProjectFactory(title="Draft only", publication_state="draft", lead_borough=hackney)
    fund(draft, "500", funder=trust, programme="Hidden Grants", restrictions="unrestricted")
    return {"project": befriending, "settlement": multi_year, "trust": trust}


# 360Giving ------------------------------------------------------------------------------------


def test_every_settlement_is_a_valid_360giving_grant(client, catalogue, package_validator):
    response, body = download(client, "/settlements/360giving.json")
    assert response["Content-Type"] == "application/json"
    package = json.loads(body)
    assert_valid(package_validator, package)
    assert package["version"] == "1.4"
    assert package["license"] == OGL
    grants = {grant["grantProgramme"][0]["title"]: grant for grant in package["grants"]}
    assert set(grants) == {"Integration Areas", "Small Grants", "Hidden Grants"}

    multi_year = grants["Integration Areas"]
    assert multi_year["id"] == f"360G-londonintegration-settlement-{catalogue['settlement'].pk}"
    assert multi_year["currency"] == "GBP"
    assert multi_year["amountAwarded"] == 90000
    assert multi_year["awardDate"] == "2024-02-01"
    assert multi_year["fundingOrganization"] == [{"id": "GB-GOR-D1", "name": "Cohesion Fund"}]
    assert multi_year["recipientOrganization"] == [{"id": "GB-LAE-ISL", "name": "Islington"}]
    assert multi_year["beneficiaryLocation"][0]["geoCode"] == "E09000019"
    assert multi_year["beneficiaryLocation"][0]["geoCodeType"] == "LONB"
    assert multi_year["plannedDates"] == [
        {"startDate": "2023-04-01", "endDate": "2026-03-31", "duration": 36}
    ]
    assert [c["code"] for c in multi_year["classifications"]] == ["cohesion", "isolation"]
    own = multi_year["londonIntegrationPortal"]
    assert own["restrictions"] == "ring-fenced"
    assert own["multiYear"] is True
    assert own["yearlyAllocations"] == [
        {"financialYear": "2023-24", "amount": 10000},
        {"financialYear": "2024-25", "amount": 30000},
        {"financialYear": "2025-26", "amount": 50000},
    ]
    assert [p["id"] for p in own["projectsFunded"]] == [catalogue["project"].slug]
    assert own["projectsFunded"][0]["amount"] == 9000

    # A funder without an identifier of its own gets one under the portal's prefix; a
    # settlement without allocations has none; a draft project is never named.
    small = grants["Small Grants"]
    assert small["fundingOrganization"][0]["id"] == "360G-londonintegration-funder-thames-trust"
    assert small["londonIntegrationPortal"]["yearlyAllocations"] == []
    hidden = grants["Hidden Grants"]
    assert hidden["londonIntegrationPortal"]["projectsFunded"] == []
    assert hidden["classifications"] == []


def test_a_filtered_360giving_file_is_valid_and_holds_the_filtered_settlements(
    client, catalogue, package_validator, settings
):
    settings.THREESIXTYGIVING_PREFIX = "360G-testportal"
    response, body = download(client, "/settlements/360giving.json?funder=thames-trust&sort=funder")
    package = json.loads(body)
    assert_valid(package_validator, package)
    assert {grant["grantProgramme"][0]["title"] for grant in package["grants"]} == {
        "Small Grants",
        "Hidden Grants",
    }
    assert all(grant["id"].startswith("360G-testportal-") for grant in package["grants"])
    assert "funder=thames-trust" in package["description"]
    assert response["X-Data-Filters"] == "funder=thames-trust&sort=funder"


def test_no_360giving_file_is_made_of_no_settlements(client, catalogue):
    """The standard's package holds at least one grant."""
    response = client.get("/settlements/360giving.json?recipient=bexley")
    assert response.status_code == 404
    assert "No settlements to download" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/settlements/360giving.json",
        "/settlements/export.csv",
        "/settlements/export.json",
        "/settlements/export.xlsx",
    ],
)
def test_settlement_downloads_with_bad_filters_explain_the_errors(client, catalogue, path):
    response = client.get(f"{path}?recipient=atlantis&year=twenty")
    assert response.status_code == 400
    assert "there is no option “atlantis”" in response.text
    assert "Financial year must be a year, like 2024" in response.text


def test_a_busy_settlements_download_leads_back_to_the_settlements(client, catalogue, settings):
    settings.DOWNLOADS_AT_ONCE = 0
    response = client.get("/settlements/export.xlsx?funder=thames-trust")
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert (
        'href="http://testserver/settlements/?funder=thames-trust">Go back to the settlements'
        in (response.text)
    )


# Settlements as CSV, JSON and XLSX -------------------------------------------------------------


def test_the_settlements_downloads_hold_the_same_documented_cells(client, catalogue):
    settlement = catalogue["settlement"]
    _, body = download(client, "/settlements/export.csv?recipient=islington")
    [row] = read_csv(body)
    assert list(row) == settlement_exports.header([2023, 2024, 2025])
    assert row["funder"] == "Cohesion Fund"
    assert row["funder_org_id"] == "GB-GOR-D1"
    assert row["funder_kind"] == "central-government"
    assert row["recipient_gss_code"] == "E09000019"
    assert row["recipient_org_id"] == "GB-LAE-ISL"
    assert row["total_gbp"] == "90000.00"
    assert (row["first_year"], row["last_year"], row["multi_year"]) == ("2023-24", "2025-26", "yes")
    assert row["restrictions"] == "ring-fenced"
    assert row["allocation_gbp_2023_24"] == "10000.00"
    assert row["allocation_gbp_2025_26"] == "50000.00"
    assert row["projects"] == catalogue["project"].slug
    assert row["url"] == f"http://testserver/settlements/{settlement.pk}/"

    _, body = download(client, "/settlements/export.json?recipient=islington")
    document = json.loads(body)
    assert set(document["meta"]["columns"]) == {c.name for c in settlement_exports.COLUMNS}
    [settled] = document["settlements"]
    assert settled["total_gbp"] == 90000
    assert settled["allocations_gbp_by_year"] == {
        "2023-24": 10000,
        "2024-25": 30000,
        "2025-26": 50000,
    }
    assert settled["projects"] == [catalogue["project"].slug]

    _, body = download(client, "/settlements/export.xlsx?recipient=islington")
    sheets = read_workbook(body)
    [cells] = sheet_rows(sheets["Settlements"])
    assert cells["total_gbp"] == 90000
    assert cells["allocation_gbp_2024_25"] == 30000
    assert cells["recipient_org_id"] == "GB-LAE-ISL"


def test_the_settlements_downloads_hold_the_filtered_list(client, catalogue):
    listed = client.get("/settlements/?funder=thames-trust")
    assert "Small Grants" in listed.text
    assert "Integration Areas" not in listed.text
    _, body = download(client, "/settlements/export.csv?funder=thames-trust")
    assert sorted(row["programme"] for row in read_csv(body)) == ["Hidden Grants", "Small Grants"]


# Projects' new columns and workbook ------------------------------------------------------------


def test_the_project_downloads_name_authorities_commissions_and_money_by_year(client, catalogue):
    project = catalogue["project"]
    recommendation = project.recommendations.get()
    _, body = download(client, "/projects/export.csv?q=befriending")
    [row] = read_csv(body)
    assert row["lead_borough_org_id"] == "GB-LAE-HCK"
    assert row["partner_borough_org_ids"] == "GB-LAE-ISL"
    assert row["commission_id"] == recommendation.commission.slug
    assert row["recommendations"] == f"{recommendation.commission.slug}-r3"
    assert row["funders"] == "Cohesion Fund; Thames Trust"
    assert row["funder_kind"] == "central-government; trust"
    assert row["multi_year"] == "yes"
    assert row["restrictions"] == "light-touch; ring-fenced"
    # The project runs from 2024-25 onwards: of the three-year settlement's 9,000 it has the
    # share of 2024-25 and 2025-26 (30,000 to 50,000), and the single year's 1,000.50 in 2024-25.
    assert "funding_gbp_2023_24" not in row  # a column for each year it has money in
    assert row["funding_gbp_2024_25"] == "4375.50"
    assert row["funding_gbp_2025_26"] == "5625.00"

    _, body = download(client, "/projects/export.json?q=befriending")
    [exported] = json.loads(body)["projects"]
    assert exported["funding_gbp_by_year"] == {"2024-25": 4375.5, "2025-26": 5625}
    assert exported["partner_borough_org_ids"] == ["GB-LAE-ISL"]

    _, body = download(client, "/projects/export.xlsx?q=befriending")
    [cells] = sheet_rows(read_workbook(body)["Projects"])
    assert cells["funding_gbp_2024_25"] == Decimal("4375.50")
    assert cells["lead_borough_org_id"] == "GB-LAE-HCK"


def test_money_by_year_agrees_with_the_project_page(client, catalogue):
    project = catalogue["project"]
    # An uneven split and a settlement with no allocation in the years it shares.
    uneven = SettlementFactory(
        recipient=project.lead_borough, first_year=2024, last_year=2026, total_amount=100
    )
    YearlyAllocationFactory(settlement=uneven, financial_year=2026, amount=100)
    ProjectFundingFactory(settlement=uneven, project=project, amount=Decimal("100.00"))
    unallocated = SettlementFactory(
        recipient=project.lead_borough, first_year=2024, last_year=2026, total_amount=7
    )
    ProjectFundingFactory(settlement=unallocated, project=project, amount=Decimal("7.00"))
    project.end_date = project.start_date.replace(year=2027, month=3, day=31)
    project.save()

    expected = {}
    for line in ProjectFunding.objects.filter(project=project).prefetch_related(
        "settlement__allocations"
    ):
        for year, amount in line.yearly_shares().items():
            expected[year] = expected.get(year, 0) + amount
    page = client.get(project.get_absolute_url())
    shown = {row["label"]: row["value"] for row in page.context["funding_by_year"]}

    _, body = download(client, "/projects/export.json?q=befriending")
    [exported] = json.loads(body)["projects"]
    by_year = exported["funding_gbp_by_year"]
    assert by_year == {
        f"{year}-{(year + 1) % 100:02d}": float(round(amount, 2))
        for year, amount in sorted(expected.items())
    }
    assert {label: round(amount) for label, amount in by_year.items()} == shown
    _, body = download(client, "/projects/export.csv?q=befriending")
    [row] = read_csv(body)
    assert {
        label: float(row[f"funding_gbp_{label.replace('-', '_')}"]) for label in by_year
    } == by_year


def test_the_project_workbook_has_the_csv_columns_and_cells(client, catalogue):
    ProjectFactory(title='=HYPERLINK("http://evil.example")', description="Bell \x07 rung")
    _, csv_body = download(client, "/projects/export.csv")
    _, xlsx_body = download(client, "/projects/export.xlsx")
    rows = read_csv(csv_body)
    sheets = read_workbook(xlsx_body)
    cells = sheet_rows(sheets["Projects"])
    assert list(cells[0]) == list(rows[0])
    numbers = {c.name for c in exports.COLUMNS if c.kind in ("number", "money")}
    for row, cell in zip(rows, cells, strict=True):
        for name, value in row.items():
            got = cell[name]
            if name in numbers or name.startswith("funding_gbp_"):
                got = "" if got is None else f"{got:.2f}" if name != "people_reached" else str(got)
            elif got is None:
                got = ""
            assert got == value.replace("\x07", ""), name
    evil = next(c for c in cells if c["title"].startswith("'"))
    assert evil["title"] == '\'=HYPERLINK("http://evil.example")'


# What every download says about itself ---------------------------------------------------------

DOWNLOADS = [
    "/projects/export.csv",
    "/projects/export.json",
    "/projects/export.xlsx",
    "/settlements/export.csv",
    "/settlements/export.json",
    "/settlements/export.xlsx",
    "/settlements/360giving.json",
]


@pytest.mark.parametrize("path", DOWNLOADS)
def test_every_download_states_licence_source_date_and_filters(client, catalogue, path):
    filters = "sort=latest" if path.startswith("/settlements/") else "theme=isolation"
    response, body = download(client, f"{path}?{filters}")
    assert response["Link"] == f'<{OGL}>; rel="license"'
    assert response["X-Data-Licence"] == "Open Government Licence v3.0"
    listed = path.rsplit("/", 1)[0] + "/"
    assert response["X-Data-Source"] == f"http://testserver{listed}?{filters}"
    assert response["X-Data-Produced"].endswith("+00:00")
    assert response["X-Data-Filters"] == filters
    assert "X-Data-Demo" not in response
    if path.endswith("export.json"):
        meta = json.loads(body)["meta"]
        assert meta["licence"] == {"name": "Open Government Licence v3.0", "url": OGL}
        assert meta["list"] == f"http://testserver{listed}?{filters}"
        assert meta["produced_at"] == response["X-Data-Produced"]
        name, value = filters.split("=")
        assert meta["filters"] == {name: [value]}
    elif path.endswith(".xlsx"):
        about = dict(read_workbook(body)["About"][1:])
        assert about["Licence"] == "Open Government Licence v3.0"
        assert about["Licence address"] == OGL
        assert about["Source"] == f"http://testserver{listed}?{filters}"
        assert about["Produced"] == response["X-Data-Produced"]
        assert about["Filters"] == filters


@pytest.mark.parametrize("path", DOWNLOADS)
def test_demo_data_stays_marked_as_fictional_in_every_download(client, catalogue, settings, path):
    settings.DEMO_NOTICE = True
    response, body = download(client, path)
    assert "fictional" in response["X-Data-Demo"].lower()
    assert "-fictional-demo-" in response["Content-Disposition"]
    if path.endswith("export.json"):
        assert "Fictional" in json.loads(body)["meta"]["demo"]
    elif path.endswith("360giving.json"):
        assert json.loads(body)["description"].startswith("Fictional demonstration data")
    elif path.endswith(".xlsx"):
        about = dict(read_workbook(body)["About"][1:])
        assert "Fictional" in about["Demo"]


@pytest.mark.parametrize("path", DOWNLOADS)
def test_downloads_run_a_constant_number_of_queries(
    client, catalogue, path, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12) as small:
        download(client, path)
    for n in range(15):
        project = ProjectFactory(
            title=f"More {n}", themes=[theme("isolation"), theme("equalities")]
        )
        fund(project, "10", first_year=2022, last_year=2026)
    with django_assert_max_num_queries(len(small.captured_queries)):
        download(client, path)


def test_the_about_page_documents_each_download_with_dataset_metadata(client):
    page = client.get("/about/data/")
    assert page.status_code == 200
    for path in DOWNLOADS:
        assert path in page.text
    for column in settlement_exports.COLUMNS:
        assert f"<code>{column.name}</code>" in page.text
    start = page.text.index('<script type="application/ld+json">')
    end = page.text.index("</script>", start)
    dataset = json.loads(page.text[start + len('<script type="application/ld+json">') : end])
    assert dataset["@type"] == "DataCatalog"
    for described in dataset["dataset"]:
        assert described["@type"] == "Dataset"
        assert described["license"] == OGL
        for distribution in described["distribution"]:
            assert distribution["@type"] == "DataDownload"
            assert distribution["contentUrl"].startswith("http://testserver/")
            assert distribution["encodingFormat"]
    urls = {d["contentUrl"] for s in dataset["dataset"] for d in s["distribution"]}
    assert urls == {f"http://testserver{path}" for path in DOWNLOADS}
    assert "Open Government Licence v3.0" in page.text


def test_the_about_page_documents_the_api_and_the_feed_with_examples_that_work(client):
    page = client.get("/about/data/").text
    api_example = html.unescape(re.search(r'href="(/api/v1/projects/\?[^"]+)"', page).group(1))
    feed_example = html.unescape(re.search(r'href="(/projects/feed\.atom\?[^"]+)"', page).group(1))
    assert 'href="/api/"' in page
    assert 'href="/api/v1/openapi.json"' in page

    answer = client.get(api_example)
    assert answer.status_code == 200
    assert "facets" in answer.json()
    feed = client.get(feed_example)
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")


def test_the_about_pages_example_grant_is_valid_360giving(client, package_validator):
    page = client.get("/about/data/").text
    example = re.search(r'aria-label="Example 360Giving grant"><code>(.*?)</code>', page, re.S)
    grant = json.loads(html.unescape(example.group(1)))
    assert_valid(package_validator, {"grants": [grant]})
    assert grant["recipientOrganization"] == [{"id": "GB-LAE-HCK", "name": "Hackney"}]


def test_a_database_failure_part_way_ends_a_workbook_as_failed(client, catalogue, monkeypatch):
    """As for the CSV and JSON files: the client sees a failed download, never a workbook that
    looks complete."""

    def fetched_then_lost(connection, sql, params):
        yield from [["first"] * 200] * 400
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(exports, "fetched", fetched_then_lost)
    monkeypatch.setattr(exports, "workbook_cells", lambda years: [str] * 200)
    monkeypatch.setattr(exports, "header", lambda years: [f"c{n}" for n in range(200)])
    response = client.get("/projects/export.xlsx")
    received = []
    with pytest.raises(OperationalError):
        received.extend(response.streaming_content)
    assert received  # rows were already on their way
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(b"".join(received)))
