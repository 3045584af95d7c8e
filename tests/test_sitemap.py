"""The sitemap of every public page and robots.txt, as a search engine's crawler reads them."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from boroughs.models import Borough
from projects.models import Project, Theme
from projects.sitemaps import RecordsSitemap

from .factories import CommissionFactory, ProjectFactory, SettlementFactory, borough
from .helpers import UNPUBLISHED, get

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SERVER = "http://testserver"


def read_xml(client, url):
    response = get(client, url)
    assert response["Content-Type"] == "application/xml"
    return ET.fromstring(response.content)


def sections(client):
    """The addresses of the sitemap's pages, as its index lists them."""
    index = read_xml(client, "/sitemap.xml")
    return [entry.findtext(f"{SITEMAP}loc") for entry in index.iter(f"{SITEMAP}sitemap")]


def addresses(client, url):
    """{address: its last modification (or None)} of a page of the sitemap."""
    urlset = read_xml(client, url)
    return {
        entry.findtext(f"{SITEMAP}loc").removeprefix(SERVER): entry.findtext(f"{SITEMAP}lastmod")
        for entry in urlset.iter(f"{SITEMAP}url")
    }


def every_address(client):
    found = {}
    for section in sections(client):
        found |= addresses(client, section.removeprefix(SERVER))
    return found


@pytest.fixture
def catalogue():
    published = ProjectFactory(title="Hackney Befriending")
    Project.objects.filter(pk=published.pk).update(
        updated_at=datetime.datetime(2025, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    )
    unpublished = [
        ProjectFactory(title=f"Hackney {state}", publication_state=state) for state in UNPUBLISHED
    ]
    commission = CommissionFactory(title="Camden Cohesion Commission", slug="camden-cohesion")
    settlement = SettlementFactory(recipient=borough("camden"))
    return {
        "published": published,
        "unpublished": unpublished,
        "commission": commission,
        "settlement": settlement,
    }


def test_the_index_lists_a_sitemap_for_each_kind_of_page(client, catalogue):
    assert sections(client) == [
        f"{SERVER}/sitemap-{name}.xml"
        for name in (
            "pages",
            "projects",
            "boroughs",
            "commissions",
            "funders",
            "settlements",
            "themes",
        )
    ]


def test_the_sitemap_holds_every_public_page_and_no_other(client, catalogue):
    found = every_address(client)
    settlement, funder = catalogue["settlement"], catalogue["settlement"].funder
    expected = {
        "/",
        "/projects/",
        "/boroughs/",
        "/commissions/",
        "/funders/",
        "/settlements/",
        "/themes/",
        "/about/data/",
        "/accessibility/",
        f"/projects/{catalogue['published'].slug}/",
        "/commissions/camden-cohesion/",
        f"/funders/{funder.slug}/",
        f"/settlements/{settlement.pk}/",
        *(f"/boroughs/{slug}/" for slug in Borough.objects.values_list("slug", flat=True)),
        *(f"/themes/{slug}/" for slug in Theme.objects.values_list("slug", flat=True)),
    }
    assert set(found) == expected
    assert len(found) == len(expected)


def test_drafts_and_officers_pages_never_appear(client, catalogue):
    found = every_address(client)
    for project in catalogue["unpublished"]:
        assert f"/projects/{project.slug}/" not in found
    assert not [address for address in found if address.startswith(("/officer/", "/admin/"))]


def test_records_say_when_they_last_changed_where_it_is_known(client, catalogue):
    projects = addresses(client, "/sitemap-projects.xml")
    assert projects == {f"/projects/{catalogue['published'].slug}/": "2025-05-06"}
    commissions = addresses(client, "/sitemap-commissions.xml")
    updated = catalogue["commission"].updated_at.date().isoformat()
    assert commissions == {"/commissions/camden-cohesion/": updated}
    assert set(addresses(client, "/sitemap-boroughs.xml").values()) == {None}


def test_a_sample_of_the_addresses_answer(client, catalogue):
    found = every_address(client)
    sample = [address for address in found if not address.startswith(("/boroughs/", "/themes/"))]
    for address in [*sample, "/boroughs/hackney/", "/themes/isolation/"]:
        get(client, address)


def test_large_sections_come_in_pages(client, catalogue, monkeypatch):
    monkeypatch.setattr(RecordsSitemap, "limit", 2)
    for n in range(4):
        ProjectFactory(title=f"More {n}")
    pages = [url for url in sections(client) if "/sitemap-projects.xml" in url]
    assert pages == [f"{SERVER}/sitemap-projects.xml", *(
        f"{SERVER}/sitemap-projects.xml?p={number}" for number in (2, 3)
    )]  # fmt: skip
    published = Project.objects.published().order_by("pk")
    shown = [addresses(client, url.removeprefix(SERVER)) for url in pages]
    assert [len(page) for page in shown] == [2, 2, 1]
    assert [address for page in shown for address in page] == [
        f"/projects/{slug}/" for slug in published.values_list("slug", flat=True)
    ]


@pytest.mark.parametrize("number", ["4", "0", "two", "99999999999999999999"])
def test_a_page_past_the_end_or_no_page_at_all_is_not_found(client, catalogue, number):
    get(client, f"/sitemap-projects.xml?p={number}", status=404)


def test_an_unknown_section_is_not_found(client, catalogue):
    get(client, "/sitemap-officers.xml", status=404)


def test_the_sitemap_reads_a_constant_number_of_queries_and_few_fields(
    client, catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15) as index:
        sections(client)
    with django_assert_max_num_queries(3) as projects:
        addresses(client, "/sitemap-projects.xml")
    for n in range(20):
        ProjectFactory(title=f"More {n}", description="Long text " * 500)
    with django_assert_max_num_queries(len(index.captured_queries)):
        sections(client)
    with django_assert_max_num_queries(len(projects.captured_queries)) as again:
        assert len(addresses(client, "/sitemap-projects.xml")) == 21
    read = again.captured_queries[-1]["sql"]
    assert '"slug"' in read
    assert '"description"' not in read


def test_the_sitemap_is_kept_until_the_catalogue_changes(
    client, catalogue, django_assert_num_queries
):
    before = addresses(client, "/sitemap-projects.xml")
    with django_assert_num_queries(1):  # the catalogue's version
        assert addresses(client, "/sitemap-projects.xml?p=1") == before
    published = ProjectFactory(title="Just published")
    assert f"/projects/{published.slug}/" in addresses(client, "/sitemap-projects.xml")


def test_robots_may_crawl_the_public_pages_and_find_the_sitemap(client):
    response = get(client, "/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    disallowed = {line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow")}
    assert {"/officer/", "/admin/", "/account/", "/projects/feed.atom"} <= disallowed
    assert {"/projects/export.csv", "/projects/export.json", "/projects/?"} <= disallowed
    for public in ("/", "/projects/", "/projects/a-project/", "/boroughs/hackney/"):
        assert not [prefix for prefix in disallowed if public.startswith(prefix)]
