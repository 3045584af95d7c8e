"""Pages read like GOV.UK: body text in GOV.UK paragraphs, grammatical counts, breadcrumbs that
name the right section, the demo banner in a landmark; HTML sent compressed and every static
file, the scripts' own imports included, under a hashed name."""

import gzip
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings

from .factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_a_description_is_gov_uk_body_text_paragraph_by_paragraph(client):
    project = ProjectFactory(
        description="Neighbours <meet> weekly.\n\nThey cook\ntogether.",
        outcomes="Fewer feel alone.",
    )
    page = client.get(project.get_absolute_url()).text
    assert (
        '<p class="govuk-body">Neighbours &lt;meet&gt; weekly.</p>'
        '<p class="govuk-body">They cook<br>together.</p>'
    ) in page
    assert '<p class="govuk-body">Fewer feel alone.</p>' in page


def test_one_result_is_offered_as_this_project(client):
    ProjectFactory(title="Cookery Club One")
    assert "Download this project" in client.get("/projects/?q=cookery").text
    ProjectFactory(title="Cookery Club Two")
    assert "Download these 2 projects" in client.get("/projects/?q=cookery").text


def test_the_settlements_list_is_not_placed_under_funders(client):
    page = client.get("/settlements/").text
    crumbs = page.split('aria-label="Breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert "Funders" not in crumbs
    assert ">Home</a>" in crumbs


@override_settings(DEMO_NOTICE=True)
def test_the_demo_banner_is_a_landmark(client):
    page = client.get("/").text
    assert re.search(r'<div class="govuk-phase-banner" role="region" aria-label="About', page)


def test_html_is_sent_compressed(client):
    ProjectFactory()
    response = client.get("/projects/", headers={"accept-encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    assert b"1 project found" in gzip.decompress(response.content)


def test_the_scripts_import_each_other_by_hashed_names(tmp_path):
    storages = {"staticfiles": {"BACKEND": "portal.staticfiles.HashedStaticFiles"}}
    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path):
        call_command("collectstatic", "--noinput", verbosity=0)
    [script] = [p for p in (tmp_path / "js").glob("portal.*.js") if p.name.count(".") == 2]
    imported = re.search(r'from "([^"]+)"', script.read_text()).group(1)
    assert re.fullmatch(r"\.\./build/govuk-frontend\.min\.[0-9a-f]{12}\.js", imported)
    assert (tmp_path / "js" / imported).resolve().exists()


def test_every_image_the_stylesheets_ask_for_is_shipped():
    for sheet in ("build/portal.css", "build/moj-filter.css"):
        css = Path(finders.find(sheet)).read_text(encoding="utf-8")
        for asked in re.findall(r"url\(([^)]+)\)", css):
            asked = asked.strip("\"'")
            if asked.startswith("data:"):
                continue
            assert not asked.startswith("/"), asked  # relative, so the manifest hashes it
            assert finders.find(f"build/{asked}"), f"{sheet} asks for {asked}"


def test_links_that_change_the_filters_leave_out_empty_boxes(client):
    for n in range(12):
        ProjectFactory(title=f"Cohesion Club {n}")
    page = client.get("/projects/?q=&theme=cohesion&london=&amount_from=&page_size=10").text
    links = re.findall(r'href="(\?[^"]*|/projects/\?[^"]*)"', page)
    assert len(links) >= 4  # the pages and the chosen theme's tag
    for link in links:
        query = link.split("?", 1)[1].replace("&amp;", "&")
        assert not re.search(r"(^|&)[a-z_]+=(&|$)", query), link
