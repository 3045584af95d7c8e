"""Curators export any list the admin shows, as filtered, to CSV or XLSX in the import's own
columns, so a file can be exported, corrected and imported back."""

import csv
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import FundingSettlement, Project

from .factories import (
    CommissionFactory,
    FunderFactory,
    ProjectFactory,
    ProjectFundingFactory,
    SettlementFactory,
    YearlyAllocationFactory,
    borough,
)
from .test_imports import confirm, import_types, preview

pytestmark = pytest.mark.django_db

LISTS = {
    Project: "/admin/projects/project/",
    FundingSettlement: "/admin/projects/fundingsettlement/",
}


def exported(client, model, file_format="0", query=""):
    """The file the list's Export page gives with every column ticked (format 0: CSV, 1: XLSX)."""
    url = f"{LISTS[model]}export/{query}"
    page = client.get(url)
    assert page.status_code == 200
    columns = re.findall(r'name="([a-z]+resource_[a-z_]+)"', page.text)
    response = client.post(
        url, {"format": file_format, "resource": "0", **dict.fromkeys(columns, "on")}
    )
    assert response.status_code == 200
    return response


def rows_of(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def template_columns(client, model):
    template = client.get(f"{LISTS[model]}import/template/").content.decode("utf-8-sig")
    return next(csv.reader(io.StringIO(template)))


def test_the_projects_list_exports_as_filtered_and_imports_back_corrected(curator):
    kept = ProjectFactory(title="Hackney Lunch Club", lead_borough=borough("hackney"))
    ProjectFactory(title="Camden Walks", lead_borough=borough("camden"))
    response = exported(curator, Project, query=f"?lead_borough__id__exact={kept.lead_borough_id}")
    assert response["Content-Type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == template_columns(curator, Project)
    [row] = rows_of(response)
    assert (row["slug"], row["lead_borough"], row["themes"]) == (kept.slug, "Hackney", "cohesion")

    row["title"] = "Hackney Lunch Club for Neighbours"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=header)
    writer.writeheader()
    writer.writerow(row)
    upload = SimpleUploadedFile("corrected.csv", text.getvalue().encode(), "text/csv")
    checked = preview(curator, Project, upload)
    assert import_types(checked) == ["update"]
    confirm(curator, Project, checked)
    kept.refresh_from_db()
    assert kept.title == "Hackney Lunch Club for Neighbours"
    assert Project.objects.count() == 2


def test_settlements_export_to_a_workbook_with_their_allocations_and_projects(curator):
    settlement = SettlementFactory(programme="Welcome Programme", first_year=2024, last_year=2025)
    YearlyAllocationFactory(settlement=settlement, financial_year=2024, amount=60000)
    YearlyAllocationFactory(settlement=settlement, financial_year=2025, amount=40000)
    line = ProjectFundingFactory(settlement=settlement)
    response = exported(curator, FundingSettlement, file_format="1")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, row = [[cell.value for cell in row] for row in sheet.iter_rows(max_row=2)]
    assert header == template_columns(curator, FundingSettlement)
    values = dict(zip(header, row, strict=True))
    assert values["programme"] == "Welcome Programme"
    assert values["allocations"] == "2024-25: 60000.00; 2025-26: 40000.00"
    assert values["projects"] == f"{line.project.slug}: 25000.00"


@pytest.mark.parametrize("model", [Project, FundingSettlement])
def test_an_export_runs_a_constant_number_of_queries(curator, django_assert_max_num_queries, model):
    ProjectFundingFactory()
    with django_assert_max_num_queries(30) as few:
        exported(curator, model)
    for _ in range(10):
        ProjectFundingFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = exported(curator, model)
    assert len(rows_of(response)) == 11


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/admin/projects/funder/", "Thames Community Trust"),
        ("/admin/projects/theme/", "cohesion"),
        ("/admin/boroughs/borough/", "Hackney"),
        ("/admin/boroughs/commission/", "Hackney Belonging Commission"),
        ("/admin/projects/projectfunding/", "25000.00"),
    ],
)
def test_every_curated_list_exports(curator, path, expected):
    FunderFactory(name="Thames Community Trust")
    CommissionFactory(title="Hackney Belonging Commission")
    ProjectFundingFactory()
    assert "Export" in curator.get(path).text
    page = curator.get(f"{path}export/")
    columns = re.findall(r'name="([a-z]+resource_[a-z_]+)"', page.text)
    response = curator.post(
        f"{path}export/", {"format": "0", "resource": "0", **dict.fromkeys(columns, "on")}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert expected in response.content.decode("utf-8-sig")
