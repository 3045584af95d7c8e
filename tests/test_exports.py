"""The CSV and JSON downloads of the projects list: their columns, cells, filters and safety."""

import csv
import datetime
import io
import json

import pytest
from django.db import OperationalError, connection
from django.test import Client

from portal.downloads import DownloadPlaces, HeldWhileStreaming, TooManyDownloads
from projects import exports
from projects.exports import COLUMNS

from .factories import FunderFactory, ProjectFactory, borough, target_group, theme
from .helpers import fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects():
    befriending = ProjectFactory(
        title="Befriending Network",
        lead_borough=borough("hackney"),
        partner_boroughs=[borough("islington"), borough("camden")],
        themes=[theme("isolation"), theme("cohesion")],
        target_groups=[target_group("older-people")],
        delivery_partners=" Silver Threads\r\n\r\n  Talking Tables \n",
        people_reached=250,
        published_at=datetime.datetime(2025, 6, 30, 23, 15, 7, 123456, tzinfo=datetime.UTC),
    )
    for funder in ("Thames Trust", "Bridges Foundation"):
        fund(befriending, "1000.50", funder=FunderFactory(name=funder))
    ProjectFactory(
        title='=HYPERLINK("http://evil.example")',
        summary="+SUM(1,2)",
        lead_borough=borough("camden"),
        themes=[theme("safeguarding")],
    )
    ProjectFactory(title="Draft only", publication_state="draft", themes=[theme("isolation")])
    ProjectFactory(title="Archived one", publication_state="archived", themes=[theme("isolation")])
    return befriending


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return b"".join(response.streaming_content).decode("utf-8")


def read_csv(text):
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_csv_export_holds_the_published_projects_with_documented_columns(client, projects):
    text = download(client, "/projects/export.csv")
    header = next(csv.reader(io.StringIO(text[1:])))
    # Money by year takes a column for each year the projects have money in: here 2024-25.
    assert header == exports.header([2024])
    assert "funding_gbp_2024_25" in header
    assert "funding_gbp_by_year" not in header
    rows = read_csv(text)
    assert sorted(row["title"] for row in rows) == sorted(
        ['\'=HYPERLINK("http://evil.example")', "Befriending Network"]
    )
    row = next(r for r in rows if r["title"] == "Befriending Network")
    assert row["id"] == projects.slug
    assert row["lead_borough"] == "Hackney"
    assert row["lead_borough_gss_code"] == "E09000012"
    assert row["lead_borough_short_code"] == "HCK"
    assert row["partner_boroughs"] == "Camden; Islington"
    assert row["partner_borough_gss_codes"] == "E09000007; E09000019"
    assert row["themes"] == "Cohesion; Isolation and loneliness"
    assert row["target_groups"] == "Older people"
    assert row["delivery_partners"] == "Silver Threads; Talking Tables"
    assert row["funders"] == "Bridges Foundation; Thames Trust"
    assert row["funding_gbp"] == "2001.00"
    assert row["people_reached"] == "250"
    assert row["start_date"] == "2024-04-01"
    assert row["end_date"] == ""
    assert row["url"] == f"http://testserver/projects/{projects.slug}/"
    assert row["published_at"] == "2025-06-30T23:15:07+00:00"
    assert datetime.datetime.fromisoformat(row["updated_at"]).tzinfo == datetime.UTC


def test_the_downloads_write_each_value_the_same_way(client, projects):
    [row] = read_csv(download(client, "/projects/export.csv?q=befriending"))
    [project] = json.loads(download(client, "/projects/export.json?q=befriending"))["projects"]
    for name, value in project.items():
        if isinstance(value, dict):  # money by year: a column per year
            for label, amount in value.items():
                assert row[exports.year_column(int(label[:4]))] == f"{amount:.2f}"
            continue
        if isinstance(value, list):
            value = "; ".join(value)
        elif isinstance(value, float):
            value = f"{value:.2f}"
        assert row[name] == ("" if value is None else str(value)), name


def test_csv_cells_are_protected_against_formula_injection(client, projects):
    rows = read_csv(download(client, "/projects/export.csv?borough=camden&theme=safeguarding"))
    assert [(r["title"], r["summary"]) for r in rows] == [
        ('\'=HYPERLINK("http://evil.example")', "'+SUM(1,2)")
    ]


def test_the_exports_hold_exactly_the_rows_of_the_filtered_list(client, projects):
    for n in range(3):
        ProjectFactory(title=f"Isolation {n}", themes=[theme("isolation")])
    listed = client.get("/projects/?theme=isolation&page_size=100")
    assert "4 projects found" in listed.text
    rows = read_csv(download(client, "/projects/export.csv?theme=isolation"))
    assert sorted(r["title"] for r in rows) == [
        "Befriending Network",
        "Isolation 0",
        "Isolation 1",
        "Isolation 2",
    ]
    document = json.loads(download(client, "/projects/export.json?theme=isolation"))
    assert sorted(p["title"] for p in document["projects"]) == sorted(r["title"] for r in rows)


def test_the_json_export_keeps_lists_and_numbers(client, projects):
    document = json.loads(download(client, "/projects/export.json?q=befriending"))
    assert document["meta"]["source"] == "http://testserver/projects/export.json?q=befriending"
    assert set(document["meta"]["columns"]) == {column.name for column in COLUMNS}
    [project] = document["projects"]
    assert project["themes"] == ["Cohesion", "Isolation and loneliness"]
    assert project["partner_boroughs"] == ["Camden", "Islington"]
    assert project["delivery_partners"] == ["Silver Threads", "Talking Tables"]
    assert project["funding_gbp"] == 2001.0
    assert project["end_date"] is None
    assert project["lead_borough_gss_code"] == "E09000012"
    # The facets no other column shows: the values of the options the project holds.
    hackney = borough("hackney")
    assert project["london"] == [hackney.inner_outer_ons]
    assert project["partnership"] == [hackney.partnership]
    assert project["funder_kind"] == ["trust"]
    assert project["multi_year"] == ["no"]
    assert project["restrictions"] == ["light-touch"]


def test_a_facets_column_lists_every_option_held_in_alphabetical_order(client, projects):
    fund(projects, "10", restrictions="ring-fenced", first_year=2024, last_year=2026)
    [row] = read_csv(download(client, "/projects/export.csv?q=befriending"))
    assert row["restrictions"] == "light-touch; ring-fenced"
    assert row["multi_year"] == "yes"  # one of its settlements is for several years
    [camden] = read_csv(download(client, "/projects/export.csv?borough=camden&theme=safeguarding"))
    assert camden["restrictions"] == camden["funder_kind"] == ""


def test_an_export_with_bad_filters_explains_the_errors(client, projects):
    response = client.get("/projects/export.csv?borough=atlantis")
    assert response.status_code == 400
    assert "there is no option “atlantis”" in response.text


def test_exports_run_a_constant_number_of_queries(client, projects, django_assert_max_num_queries):
    with django_assert_max_num_queries(8) as small:
        download(client, "/projects/export.csv")
    for n in range(40):
        ProjectFactory(title=f"More {n}", partner_boroughs=[borough("barnet")])
    with django_assert_max_num_queries(len(small.captured_queries)):
        download(client, "/projects/export.json")


def test_the_json_export_keeps_every_character_of_the_text(client, projects):
    awkward = 'Line one\nline "two"\t\\ a back\\slash, a comma; \x01 and \r\n€ – done'
    ProjectFactory(title="Awkward text", description=awkward)
    document = json.loads(download(client, "/projects/export.json?q=awkward"))
    [project] = document["projects"]
    assert project["description"] == awkward
    [row] = read_csv(download(client, "/projects/export.csv?q=awkward"))
    assert row["description"] == awkward


def work_mem():
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/projects/export.csv", "/projects/export.json"])
def test_an_export_leaves_the_database_connection_as_it_found_it(client, reference_data, path):
    """A download is sorted with more memory, for its own transaction only: the connection,
    which later requests reuse, keeps its settings."""
    ProjectFactory(title="Exported")
    before = work_mem()
    response = client.get(path)
    assert b"Exported" in b"".join(response.streaming_content)
    assert work_mem() == before


def test_downloads_at_once_are_limited_per_client_and_in_all(client, projects, settings):
    settings.DOWNLOADS_PER_CLIENT = 1
    settings.DOWNLOADS_AT_ONCE = 2
    first = client.get("/projects/export.csv")
    assert first.status_code == 200
    # While the first still streams, the same client is asked to wait.
    busy = client.get("/projects/export.json")
    assert busy.status_code == 429
    assert busy["Retry-After"] == "30"
    assert "Downloads are busy" in busy.text
    # Another client may download, and then nobody else.
    second = Client(REMOTE_ADDR="192.0.2.7").get("/projects/export.json")
    assert second.status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.8").get("/projects/export.csv").status_code == 429
    # A download gives its places back when it ends.
    b"".join(first.streaming_content)
    b"".join(second.streaming_content)
    again = client.get("/projects/export.csv")
    assert again.status_code == 200
    assert read_csv(b"".join(again.streaming_content).decode("utf-8"))
    assert Client(REMOTE_ADDR="192.0.2.8").get("/projects/export.csv").status_code == 200


def test_a_download_abandoned_part_way_gives_its_places_back(rf, settings):
    settings.DOWNLOADS_PER_CLIENT = settings.DOWNLOADS_AT_ONCE = 1
    request = rf.get("/projects/export.csv")
    stream = HeldWhileStreaming(iter([b"id,title\n", b"more\n"]), DownloadPlaces(request))
    with pytest.raises(TooManyDownloads):
        DownloadPlaces(request)
    next(iter(stream))
    stream.close()  # as the server does when the client goes away
    DownloadPlaces(request).give_back()


@pytest.mark.parametrize("path", ["/projects/export.csv", "/projects/export.json"])
def test_a_database_failure_part_way_ends_the_download_as_failed(
    client, projects, path, monkeypatch
):
    """The server then closes the connection without the stream's proper end, so that the
    client sees a failed download, never a shorter file that looks complete."""

    def copied_then_lost(connection, sql, params, options):
        yield b"a first piece\n"
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(exports, "copied", copied_then_lost)
    response = client.get(path)
    assert response.status_code == 200
    received = []
    with pytest.raises(OperationalError):
        received.extend(response.streaming_content)
    # Whatever was sent before the failure, the file's end never is.
    assert received
    assert not b"".join(received).rstrip().endswith(b"]}")
