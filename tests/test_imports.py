"""Curators import projects and funding settlements from CSV and Excel files in the admin.

Every test goes through the real admin flow: upload → preview → confirm.
"""

import csv
import datetime
import io
import time
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from projects.imports import MAX_ROWS, ProjectResource, SettlementResource
from projects.models import FundingSettlement, Project, ProjectFunding, Theme, YearlyAllocation

from .factories import (
    CommissionFactory,
    FunderFactory,
    ProjectFactory,
    ProjectFundingFactory,
    RecommendationFactory,
    SettlementFactory,
    UserFactory,
    YearlyAllocationFactory,
    borough,
    target_group,
    theme,
)
from .workbooks import expanding_workbook, far_cell_workbook, workbook_bytes

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def funder():
    return FunderFactory(name="Thames Community Trust", slug="thames-community-trust")


def url(model, name):
    return reverse(f"admin:projects_{model._meta.model_name}_{name}")


PROJECT_ROW = {
    "title": "Hackney Lunch Club",
    "summary": "Neighbours share a weekly lunch.",
    "lead_borough": "Hackney",
    "partner_boroughs": "TWH; e09000019",
    "themes": "cohesion; Isolation and loneliness",
    "target_groups": "older-people",
    "delivery_partners": "Age UK East London; Hackney CVS",
    "delivery_status": "Active",
    "start_date": "2024-04-01",
    "end_date": "31/03/2028",
    "people_reached": "1,250",
    "publication_state": "draft",
}
SETTLEMENT_ROW = {
    "funder": "Thames Community Trust",
    "programme": "Connected Communities",
    "recipient": "HCK",
    "total_amount": "£150,000",
    "first_year": "2024-25",
    "last_year": "2025-26",
    "restrictions": "Light-touch reporting",
    "conditions": "Quarterly reports.",
    "awarded_on": "01/03/2024",
    "allocations": "2024-25: 100000; 2025-26: 50,000",
    "projects": "",
}


def project_row(**values):
    """A row of a projects file: PROJECT_ROW with `values` in some of its columns."""
    return {**PROJECT_ROW, **values}


def settlement_row(**values):
    """A row of a settlements file: SETTLEMENT_ROW with `values` in some of its columns."""
    return {**SETTLEMENT_ROW, **values}


def blank(*columns):
    """Empty cells in `columns`, to spread into a row."""
    return dict.fromkeys(columns, "")


def columns_of(rows):
    return list(dict.fromkeys(column for row in rows for column in row))


def csv_file(rows, name="import.csv", encoding="utf-8"):
    columns = columns_of(rows)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return SimpleUploadedFile(name, text.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows, name="import.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    columns = columns_of(rows)
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    return SimpleUploadedFile(name, workbook_bytes(book), content_type=XLSX_TYPE)


def preview(client, model, upload):
    """Upload a file on the model's import page, as a browser does."""
    file_format = "1" if upload.name.endswith(".xlsx") else "0"
    response = client.post(url(model, "import"), {"import_file": upload, "format": file_format})
    assert response.status_code == 200
    return response


def confirm(client, model, response):
    """Press "Confirm import" on a preview."""
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(url(model, "process_import"), data, follow=True)


def import_types(response):
    return [row.import_type for row in response.context["result"].rows]


def imported(client, model, upload, types):
    """Preview `upload`, which must show its rows' import types (new or update) as `types`, and
    confirm it."""
    response = preview(client, model, upload)
    assert import_types(response) == types
    return confirm(client, model, response)


def assert_refused(response, message):
    """The page says `message` and offers nothing to confirm."""
    assert escape(message) in response.text
    assert response.context.get("confirm_form") is None


def test_a_curator_imports_projects_from_a_csv_file_after_a_preview(curator):
    upload = csv_file(
        [
            project_row(),
            project_row(
                title="Barking Conversation Club",
                lead_borough="E09000002",
                themes="english-language",
                publication_state="Published",
                **blank(
                    "partner_boroughs",
                    "target_groups",
                    "delivery_status",
                    "end_date",
                    "people_reached",
                ),
            ),
        ]
    )
    response = preview(curator, Project, upload)
    assert import_types(response) == ["new", "new"]
    assert "Confirm import" in response.text
    assert not Project.objects.exists()  # the preview saves nothing

    response = confirm(curator, Project, response)

    assert "Import finished: 2 new, 0 updated" in response.text
    lunch = Project.objects.get(slug="hackney-lunch-club")
    assert lunch.lead_borough == borough("hackney")
    assert set(lunch.partner_boroughs.all()) == {borough("tower-hamlets"), borough("islington")}
    assert set(lunch.themes.all()) == {theme("cohesion"), theme("isolation")}
    assert list(lunch.target_groups.all()) == [target_group("older-people")]
    assert lunch.delivery_partners == "Age UK East London\nHackney CVS"
    assert lunch.delivery_status == "active"
    assert lunch.start_date == datetime.date(2024, 4, 1)
    assert lunch.end_date == datetime.date(2028, 3, 31)
    assert lunch.people_reached == 1250
    assert lunch.publication_state == "draft"
    assert lunch.published_at is None
    assert lunch.created_by == curator.user
    assert lunch.updated_by == curator.user
    club = Project.objects.get(slug="barking-conversation-club")
    assert club.lead_borough == borough("barking-and-dagenham")
    assert club.delivery_status == "planned"
    assert club.published_at is not None
    step = club.transitions.get()
    assert (step.action, step.from_state, step.to_state, step.by) == (
        "publish",
        "draft",
        "published",
        curator.user,
    )
    assert not lunch.transitions.exists()


def test_a_curator_imports_projects_from_an_excel_workbook(curator):
    row = project_row(
        start_date=datetime.datetime(2024, 9, 1),
        end_date=datetime.date(2025, 7, 31),
        delivery_status="Completed",
        people_reached=80,
        lead_borough="hck",
    )
    imported(curator, Project, xlsx_file([row]), ["new"])

    project = Project.objects.get()
    assert project.start_date == datetime.date(2024, 9, 1)
    assert project.end_date == datetime.date(2025, 7, 31)
    assert project.people_reached == 80
    assert project.lead_borough == borough("hackney")


def test_a_curator_imports_settlements_with_their_allocations_and_project_funding(curator, funder):
    befriending = ProjectFactory(title="Befriending", slug="befriending")
    lunch = ProjectFactory(title="Lunch", slug="lunch")
    upload = csv_file(
        [
            settlement_row(projects="befriending: 60000; LUNCH: 40,000.50"),
            settlement_row(
                funder="thames-community-trust",
                programme="Welcome Weekends",
                recipient="Tower Hamlets",
                total_amount="20000",
                first_year="2025",
                restrictions="ring-fenced",
                **blank("last_year", "allocations"),
            ),
        ]
    )
    imported(curator, FundingSettlement, upload, ["new", "new"])

    connected = FundingSettlement.objects.get(programme="Connected Communities")
    assert connected.funder == funder
    assert connected.recipient == borough("hackney")
    assert connected.total_amount == Decimal("150000.00")
    assert (connected.first_year, connected.last_year) == (2024, 2025)
    assert connected.restrictions == "light-touch"
    assert connected.awarded_on == datetime.date(2024, 3, 1)
    allocations = {a.financial_year: a.amount for a in connected.allocations.all()}
    assert allocations == {2024: Decimal("100000.00"), 2025: Decimal("50000.00")}
    assert sum(allocations.values()) == connected.total_amount
    fundings = {f.project: f.amount for f in connected.project_fundings.all()}
    assert fundings == {befriending: Decimal("60000.00"), lunch: Decimal("40000.50")}
    assert sum(fundings.values()) <= connected.total_amount
    befriending.refresh_from_db()
    assert befriending.funding_total == Decimal("60000.00")
    welcome = FundingSettlement.objects.get(programme="Welcome Weekends")
    assert (welcome.first_year, welcome.last_year) == (2025, 2025)
    assert not welcome.allocations.exists()


def test_imported_rows_give_their_projects_the_facet_keys_their_links_give(curator, funder):
    ProjectFactory(title="Befriending", slug="befriending", themes=[theme("isolation")])
    rows = [
        project_row(),
        project_row(
            slug="befriending", title="Befriending", themes="safeguarding", publication_state=""
        ),
    ]
    imported(curator, Project, csv_file(rows), ["new", "update"])
    imported(
        curator, FundingSettlement, csv_file([settlement_row(projects="befriending: 1")]), ["new"]
    )

    for project in Project.objects.all():
        assert set(project.facet_keys) == set(project.matching_facet_keys()), project.slug
    befriending = Project.objects.get(slug="befriending")
    assert f"theme:{theme('safeguarding').pk}" in befriending.facet_keys
    assert f"theme:{theme('isolation').pk}" not in befriending.facet_keys
    assert f"funder:{funder.pk}" in befriending.facet_keys


def test_a_row_naming_a_retired_theme_is_refused_unless_its_project_has_it(curator):
    isolation = theme("isolation")
    isolation.retired = True
    isolation.save()
    ProjectFactory(title="Befriending", slug="befriending", themes=[isolation])
    rows = [
        project_row(themes="cohesion; isolation"),
        project_row(
            slug="befriending", title="Befriending", themes="isolation", publication_state=""
        ),
    ]
    response = preview(curator, Project, csv_file(rows))
    assert import_types(response) == ["invalid", "update"]
    assert (
        "Row 2, themes: “Isolation and loneliness” is retired – choose a current one"
        in (response.context["row_errors"])
    )


def test_settlements_import_from_an_excel_workbook(curator, funder):
    row = settlement_row(
        total_amount=150000,
        first_year=2024,
        last_year=2025,
        awarded_on=datetime.datetime(2024, 3, 1),
        allocations="2024: 100000.0\n2025: 50000",
    )
    imported(curator, FundingSettlement, xlsx_file([row]), ["new"])

    settlement = FundingSettlement.objects.get()
    assert settlement.awarded_on == datetime.date(2024, 3, 1)
    assert settlement.allocations.count() == 2


def test_a_project_is_updated_by_its_slug(curator):
    project = ProjectFactory(
        slug="befriending",
        title="Befriending",
        themes=[theme("isolation")],
        publication_state="published",
        created_by=UserFactory(),
    )
    row = project_row(slug="befriending", title="Befriending Network", publication_state="")
    imported(curator, Project, csv_file([row]), ["update"])

    project.refresh_from_db()
    assert Project.objects.count() == 1
    assert project.title == "Befriending Network"
    assert set(project.themes.all()) == {theme("cohesion"), theme("isolation")}
    assert project.publication_state == "published"  # a blank state keeps the project's
    assert project.updated_by == curator.user
    assert project.created_by != curator.user


def test_each_imported_project_row_leaves_one_history_record_with_its_relations(curator):
    existing = ProjectFactory(slug="befriending", themes=[theme("isolation")])
    records_before = existing.history.count()
    rows = [
        project_row(),
        project_row(slug="befriending", title="Befriending", publication_state=""),
    ]
    confirm(curator, Project, preview(curator, Project, csv_file(rows)))

    def relations(record):
        return (
            {link.theme.slug for link in record.themes.all()},
            {link.borough.slug for link in record.partner_boroughs.all()},
        )

    (created,) = Project.objects.get(slug="hackney-lunch-club").history.all()
    assert created.history_type == "+"
    assert relations(created) == ({"cohesion", "isolation"}, {"islington", "tower-hamlets"})
    assert created.history_user == curator.user
    assert existing.history.count() == records_before + 1
    assert relations(existing.history.latest()) == relations(created)


def test_imported_projects_get_slugs_no_project_has(curator):
    ProjectFactory(title="Lunch Club", slug="lunch-club", lead_borough=borough("camden"))
    ProjectFactory(title="Lunch Club two", slug="lunch-club-2")
    rows = [project_row(title="Lunch Club"), project_row(title="Lunch Club 3")]
    imported(curator, Project, csv_file(rows), ["new", "new"])

    titles = dict(Project.objects.values_list("slug", "title"))
    assert titles["lunch-club-3"] == "Lunch Club"
    assert titles["lunch-club-3-2"] == "Lunch Club 3"


def test_an_import_cannot_move_a_project_through_review(curator):
    ProjectFactory(slug="befriending", publication_state="draft")
    row = project_row(slug="befriending", publication_state="published")
    response = preview(curator, Project, csv_file([row]))
    assert_refused(
        response,
        "Row 2, publication_state: the project is draft; change the publication state of an "
        "existing project with the review actions",
    )


def test_a_settlement_is_updated_and_its_allocations_and_funding_replaced(curator, funder):
    settlement = SettlementFactory(
        funder=funder, programme="Connected Communities", total_amount=Decimal("90000")
    )
    YearlyAllocationFactory(settlement=settlement, amount=Decimal("90000"))
    ProjectFundingFactory(settlement=settlement, amount=Decimal("1000"))
    row = settlement_row(programme="connected communities", first_year="2024", projects="")
    imported(curator, FundingSettlement, csv_file([row]), ["update"])

    settlement.refresh_from_db()
    assert FundingSettlement.objects.count() == 1
    assert settlement.total_amount == Decimal("150000.00")
    assert list(settlement.allocations.values_list("financial_year", "amount")) == [
        (2024, Decimal("100000.00")),
        (2025, Decimal("50000.00")),
    ]
    assert not settlement.project_fundings.exists()


def test_imported_settlements_and_their_lines_each_leave_a_history_record(curator, funder):
    befriending = ProjectFactory(title="Befriending", slug="befriending")
    existing = SettlementFactory(funder=funder, programme="Welcome Weekends")
    records_before = existing.history.count()
    rows = [
        settlement_row(projects="befriending: 60000"),
        settlement_row(
            programme="Welcome Weekends",
            first_year=str(existing.first_year),
            last_year=str(existing.last_year),
            total_amount="1000",
            **blank("allocations", "projects"),
        ),
    ]
    imported(curator, FundingSettlement, csv_file(rows), ["new", "update"])

    created = FundingSettlement.objects.get(programme="Connected Communities")
    (record,) = created.history.all()
    assert (record.history_type, record.history_user) == ("+", curator.user)
    assert record.total_amount == Decimal("150000.00")
    for line in [*created.allocations.all(), *created.project_fundings.all()]:
        assert [r.history_type for r in line.history.all()] == ["+"]
    assert existing.history.count() == records_before + 1
    assert existing.history.latest().total_amount == Decimal("1000.00")
    befriending.refresh_from_db()
    assert befriending.funding_total == Decimal("60000.00")


PROJECT_ROW_ERRORS = [
    (
        {"lead_borough": "Atlantis"},
        "Row 3, lead_borough: no London authority called “Atlantis” – use its name, GSS code "
        "or three-letter code",
    ),
    (
        {"partner_boroughs": "Camden; Gotham, Metropolis"},
        "Row 3, partner_boroughs: no London authority called “Gotham, Metropolis” – use its "
        "name, GSS code or three-letter code (separate several with “;”)",
    ),
    ({"themes": "happiness"}, "Row 3, themes: no theme called “happiness” – use the slug"),
    ({"themes": " ; "}, "Row 3, themes: give at least one theme, e.g. cohesion"),
    ({"target_groups": "cats"}, "Row 3, target_groups: no target group called “cats”"),
    ({"commission": "nowhere"}, "Row 3, commission: no commission with the slug “nowhere”"),
    (
        {"partner_boroughs": "hackney"},
        "Row 3, partner_boroughs: Hackney leads the project, so it cannot also be a partner",
    ),
    # The rules across columns are the admin's and officers' form's: one message everywhere.
    ({"end_date": "2024-01-01"}, "Row 3: The end date cannot be before the start date."),
    ({"start_date": "31/02/2024"}, "Row 3, start_date: “31/02/2024” is not a date"),
    ({"start_date": ""}, "Row 3, start_date: required, but the cell is empty"),
    ({"title": ""}, "Row 3, title: required, but the cell is empty"),
    ({"delivery_status": "ongoing"}, "Row 3, delivery_status: “ongoing” is not a delivery"),
    ({"people_reached": "lots"}, "Row 3, people_reached: “lots” is not a whole number"),
    ({"contact_email": "nobody"}, "Row 3, contact_email: Enter a valid email address."),
    ({"evaluation_url": "not a link"}, "Row 3, evaluation_url: Enter a valid URL."),
    ({"slug": "Not A Slug"}, "Row 3, slug: “Not A Slug” is not a slug"),
    ({"summary": "x" * 601}, "Row 3, summary: Ensure this value has at most 600 characters"),
]


@pytest.mark.parametrize(("change", "message"), PROJECT_ROW_ERRORS)
def test_one_bad_project_row_names_its_row_and_column_and_nothing_is_imported(
    curator, change, message
):
    rows = [
        project_row(title="First", evaluation_url="", contact_email=""),
        project_row(**{"title": "Second", "evaluation_url": "", "contact_email": "", **change}),
        project_row(title="Third", evaluation_url="", contact_email=""),
    ]
    response = preview(curator, Project, csv_file(rows))
    assert_refused(response, message)
    assert "Nothing can be imported from this file" in response.text
    assert not Project.objects.exists()


SETTLEMENT_ROW_ERRORS = [
    (
        {"funder": "Nobody Trust"},
        "Row 2, funder: no funder called “Nobody Trust” – add it under Funders in the admin "
        "first; an import never creates funders",
    ),
    ({"recipient": "Atlantis"}, "Row 2, recipient: no London authority called “Atlantis”"),
    ({"total_amount": "lots"}, "Row 2, total_amount: “lots” is not an amount of money"),
    ({"total_amount": "-5"}, "Row 2, total_amount: -5 is negative"),
    ({"first_year": "24/25"}, "Row 2, first_year: “24/25” is not a financial year"),
    ({"first_year": "2024-26"}, "Row 2, first_year: “2024-26” is not a financial year"),
    (
        {"first_year": "2024", "last_year": "2023", "allocations": ""},
        "Row 2: The last financial year cannot be before the first.",
    ),
    ({"restrictions": "strict"}, "Row 2, restrictions: “strict” is not a restrictions level"),
    (
        {"allocations": "2024-25: 100000; 2025-26: 20000"},
        "Row 2, allocations: The yearly allocations add up to £120,000.00, but the "
        "settlement's total is £150,000.00.",
    ),
    (
        {"allocations": "2024-25: 100000; 2027-28: 50000"},
        "Row 2, allocations: Yearly allocations must fall within the settlement's years "
        "(2024-25 to 2025-26); 2027-28 does not.",
    ),
    (
        {"allocations": "2024-25 100000"},
        "Row 2, allocations: “2024-25 100000” is not written as “2024-25: 100000; 2025-26: 50000”",
    ),
    (
        {"allocations": "2024: 100000; 2024-25: 50000"},
        "Row 2, allocations: 2024-25 appears more than once",
    ),
    (
        {"projects": "befriending: 200000"},
        "Row 2, projects: The money allocated to projects (£200,000.00) exceeds the "
        "settlement's total of £150,000.00.",
    ),
    (
        {"recipient": "CMD", "projects": "befriending: 100"},
        "Row 2, projects: befriending: Thames Community Trust: Connected Communities (2024-25 to "
        "2025-26) is paid to Camden, which neither leads the project nor is a partner in it.",
    ),
    (
        {
            "first_year": "2020",
            "last_year": "2021",
            "allocations": "",
            "projects": "befriending: 1",
        },
        "Row 2, projects: befriending: Thames Community Trust: Connected Communities (2020-21 to "
        "2021-22) covers 2020-21 to 2021-22, but the project runs from 2024-25 onwards: choose a "
        "settlement that covers at least one of the project's years, or change its dates.",
    ),
    (
        {"projects": "nowhere: 100"},
        "Row 2, projects: no project with the slug “nowhere” – check the slug, or import the "
        "project first",
    ),
]


@pytest.mark.parametrize(("change", "message"), SETTLEMENT_ROW_ERRORS)
def test_a_settlement_breaking_a_rule_is_refused_with_its_row_and_column(
    curator, funder, change, message
):
    ProjectFactory(slug="befriending")
    response = preview(curator, FundingSettlement, csv_file([settlement_row(**change)]))
    assert_refused(response, message)
    assert not FundingSettlement.objects.exists()


def test_the_same_project_twice_in_a_file_names_the_first_row(curator):
    rows = [
        project_row(slug="lunch-club"),
        project_row(title="Another"),
        project_row(slug="lunch-club", title="Lunch club again"),
        project_row(title="ANOTHER"),
    ]
    response = preview(curator, Project, csv_file(rows))
    assert_refused(response, "Row 4, slug: the same project as row 2")
    assert_refused(response, "Row 5, title: the same project as row 3")
    assert not Project.objects.exists()


def test_the_same_settlement_twice_in_a_file_names_the_first_row(curator, funder):
    rows = [settlement_row(), settlement_row(programme="CONNECTED COMMUNITIES")]
    response = preview(curator, FundingSettlement, csv_file(rows))
    assert_refused(response, "Row 3: the same settlement as row 2")


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(curator):
    rows = [project_row(), dict.fromkeys(project_row(), ""), project_row(title="X", themes="?")]
    response = preview(curator, Project, xlsx_file(rows))
    assert_refused(response, "Row 4, themes: no theme called “?”")


def test_nothing_is_imported_when_a_row_fails_at_confirmation(curator):
    passing = Theme.objects.create(name="Passing theme", slug="passing-theme")
    rows = [project_row(title="Kept?"), project_row(title="Doomed", themes="passing-theme")]
    response = preview(curator, Project, csv_file(rows))
    assert import_types(response) == ["new", "new"]
    passing.delete()  # someone changes the data between the preview and the confirmation

    response = confirm(curator, Project, response)

    assert not Project.objects.exists()
    text = response.text
    assert "Nothing was imported, because some rows no longer import" in text
    assert escape("Row 3, themes: no theme called “passing-theme”") in text
    assert response.redirect_chain[-1][0] == url(Project, "import")


def test_a_settlement_failing_at_confirmation_leaves_no_allocations_behind(curator, funder):
    project = ProjectFactory(slug="befriending")
    rows = [
        settlement_row(),
        settlement_row(programme="Second", projects="befriending: 1000"),
    ]
    response = preview(curator, FundingSettlement, csv_file(rows))
    project.delete()

    confirm(curator, FundingSettlement, response)

    assert not FundingSettlement.objects.exists()
    assert not YearlyAllocation.objects.exists()
    assert not ProjectFunding.objects.exists()


BAD_FILES = [
    (
        "missing columns",
        "projects.csv",
        b"title,summary\nA,B\n",
        "The file is missing the required columns: lead_borough, themes, start_date.",
    ),
    (
        "an unknown column",
        "projects.csv",
        b"title,summary,lead_borough,themes,start_date,colour\nA,B,Hackney,cohesion,2024-01-01,"
        b"red\n",
        "The file has a column this import does not know: colour.",
    ),
    (
        "semicolons",
        "projects.csv",
        b"title;summary;lead_borough;themes;start_date\nA;B;Hackney;cohesion;2024-01-01\n",
        "Its columns seem to be separated by “;” – use commas.",
    ),
    (
        "a column named twice",
        "projects.csv",
        b"title,Title,summary\nA,B,C\n",
        "The first row names the column “title” more than once",
    ),
    (
        "a value in a column without a name",
        "projects.csv",
        b"title,summary,lead_borough,themes,start_date\nA,B,Hackney,cohesion,2024-01-01,oops\n",
        "Row 2 has a value in column F, which has no name in the first row",
    ),
    (
        "not UTF-8",
        "projects.csv",
        "title,summary,lead_borough,themes,start_date\nCafé,B,Hackney,cohesion,2024-01-01\n".encode(
            "cp1252"
        ),
        "The file is not UTF-8 text (the first character that is not is on line 2).",
    ),
    ("empty", "projects.csv", b"", "The file is empty"),
    ("blank", "projects.csv", b"\n\n", "The file is empty"),
    (
        "column names only",
        "projects.csv",
        b"title,summary,lead_borough,themes,start_date\n,,,,\n",
        "The file has column names but no rows to import.",
    ),
    ("a PDF", "report.pdf", b"%PDF-1.4", "“report.pdf” is not a CSV (.csv) or Excel (.xlsx) file."),
    ("an old workbook", "projects.xls", b"\xd0\xcf\x11\xe0", "Excel 97–2003 workbooks (.xls)"),
    (
        "a broken workbook",
        "projects.xlsx",
        b"not really a workbook",
        "The file could not be read as an Excel workbook (.xlsx).",
    ),
    (
        "a workbook named .csv",
        "projects.csv",
        b"PK\x03\x04rest",
        "The file looks like an Excel workbook, not CSV text",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_a_file_that_cannot_be_imported_is_refused_with_a_message(curator, name, content, message):
    ProjectFactory(title="Already here")
    response = preview(curator, Project, SimpleUploadedFile(name, content))
    assert_refused(response, message)
    assert response.context.get("result") is None
    assert list(Project.objects.values_list("title", flat=True)) == ["Already here"]


def test_a_file_over_the_size_limit_is_refused(curator):
    content = b"title,summary,lead_borough,themes,start_date\n" + b"x" * (5 * 1024 * 1024)
    response = preview(curator, Project, SimpleUploadedFile("big.csv", content))
    assert_refused(response, "The file is 5.0 MB; an import file can be at most 5 MB")


def test_a_file_over_the_row_limit_is_refused(curator):
    rows = [project_row(title=f"Project {n}") for n in range(MAX_ROWS + 1)]
    response = preview(curator, Project, csv_file(rows))
    assert_refused(
        response,
        f"The file has more than {MAX_ROWS:,} rows; an import can take at most {MAX_ROWS:,}",
    )
    assert not Project.objects.exists()


@pytest.mark.parametrize("model", [Project, FundingSettlement])
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (far_cell_workbook, "more than 10,000 lines, blank ones included"),
        (
            lambda: far_cell_workbook(declared=False),
            "more than 10,000 lines, blank ones included",
        ),
        (expanding_workbook, "The workbook expands to more than 50 MB"),
    ],
)
def test_a_spreadsheet_bomb_is_refused_quickly_with_a_message(curator, model, make, message):
    content = make()
    assert len(content) < 1024 * 1024
    started = time.perf_counter()
    response = preview(curator, model, SimpleUploadedFile("bomb.xlsx", content))
    assert_refused(response, message)
    # Refused before anything like a hundred million rows was read: an order of magnitude
    # under the five seconds allowed, so the bound shows on a slow machine too.
    assert time.perf_counter() - started < 5
    assert not model.objects.exists()


@pytest.mark.parametrize(
    ("model", "resource", "filename"),
    [
        (Project, ProjectResource, "projects-import-template.csv"),
        (FundingSettlement, SettlementResource, "funding-settlements-import-template.csv"),
    ],
    ids=["projects", "settlements"],
)
def test_the_template_imports_as_it_is(curator, funder, model, resource, filename):
    ProjectFactory(slug="befriending")
    response = curator.get(url(model, "import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    header, example = list(csv.reader(io.StringIO(text[1:])))
    assert header == list(resource.columns())
    example = dict(zip(header, example, strict=True))
    assert all(example[name] for name, column in resource.columns().items() if column.required)
    before = model.objects.count()

    imported(curator, model, SimpleUploadedFile(filename, response.content), ["new"])

    assert model.objects.count() == before + 1


@pytest.mark.parametrize("model", [Project, FundingSettlement], ids=lambda m: m.__name__)
def test_import_pages_offer_the_template_and_describe_the_columns(curator, model):
    changelist = curator.get(url(model, "changelist"))
    assert url(model, "import_template") in changelist.text
    page = curator.get(url(model, "import"))
    assert "Download a template (CSV)" in page.text
    assert url(model, "import_template") in page.text
    assert f"at most 5 MB and {MAX_ROWS:,} rows" in page.text


def test_only_curators_who_may_add_and_change_may_import(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url(Project, "import")).status_code == 403
    assert client.get(url(Project, "import_template")).status_code == 403


def test_a_row_is_checked_by_the_same_form_as_the_admin_and_officers(curator):
    """A rule the project form holds (the recommendations a project addresses are its
    commission's) refuses an import too, with the form's own words."""
    westminster = CommissionFactory(title="Westminster Cohesion Commission")
    project = ProjectFactory(slug="befriending", commission=westminster)
    project.recommendations.set([RecommendationFactory(commission=westminster, number=2)])
    CommissionFactory(title="Brent Fairness Commission", slug="brent-fairness")
    rows = [project_row(slug="befriending", commission="brent-fairness", publication_state="")]
    response = preview(curator, Project, csv_file(rows))
    assert_refused(
        response,
        "Row 2, recommendations: Choose only recommendations of Brent Fairness Commission; "
        "Westminster Cohesion Commission R2 is not one.",
    )
    project.refresh_from_db()
    assert project.commission == westminster
