"""Streamed downloads of a filtered list of funding settlements: CSV, JSON and XLSX with the
columns of COLUMNS, and the 360Giving Data Standard (1.4) file, each settlement a grant from its
funder to its recipient authority.

As for projects (exports.py), PostgreSQL writes every cell, in one query: the CSV and JSON files
through COPY, the workbook's and the 360Giving file's rows through a server-side cursor a chunk
at a time, so a worker's memory stays flat whatever the number of settlements. A settlement's
own figures are public; of the projects it funds, only the published ones are named.
"""

import csv
import io
import json
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import (
    Aggregate,
    Case,
    DecimalField,
    F,
    Func,
    JSONField,
    Max,
    Min,
    OuterRef,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Concat, JSONObject, LPad, Mod, RowNumber

from portal.money import financial_year_label
from portal.open_data import DEMO_NOTICE, PUBLISHER, xlsx_pieces

from .exports import (
    CSV_LIST,
    Column,
    ISODate,
    ISODateTime,
    Pounds,
    copied,
    expression,
    fetched,
    formula_safe,
    org_id,
)
from .models import Project, ProjectFunding, Theme, YearlyAllocation

#: The version of the 360Giving Data Standard the file follows.
THREESIXTYGIVING_VERSION = "1.4"
#: Where the portal's own fields sit in each grant (an additional field the standard allows).
PORTAL_FIELDS = "londonIntegrationPortal"
THEMES_VOCABULARY = "London Integration Projects Portal themes"


class JSONObjectAgg(Aggregate):
    function = "JSON_OBJECT_AGG"
    allow_order_by = True
    output_field = JSONField()


def year_label(year):
    """SQL for a financial year as 2024-25 (portal.money.financial_year_label)."""
    return Concat(
        Cast(year, TextField()),
        Value("-"),
        LPad(Cast(Mod(F(year) + 1, 100), TextField()), 2, Value("0")),
        output_field=TextField(),
    )


def allocations_by_year():
    """A settlement's yearly allocations as a JSON object {"2024-25": amount, ...}."""
    allocations = (
        YearlyAllocation.objects.filter(settlement=OuterRef("pk"))
        .order_by()
        .values("settlement")
        .annotate(
            by_year=JSONObjectAgg(year_label("financial_year"), "amount", order_by="financial_year")
        )
        .values("by_year")
    )
    return Subquery(allocations, output_field=JSONField())


def published_lines():
    """The funding lines of a settlement that give money to published projects."""
    return ProjectFunding.objects.filter(
        settlement=OuterRef("pk"), project__in=Project.objects.published()
    ).order_by("-amount", "project__slug")


def funder_org_id():
    """The funder's own organisation identifier, or one under the portal's 360Giving prefix
    when it has none."""
    return Case(
        When(funder__org_id="", then=own_identifier("funder", "funder__slug")),
        default=F("funder__org_id"),
        output_field=TextField(),
    )


def own_identifier(kind, slug):
    return Concat(
        Value(f"{settings.THREESIXTYGIVING_PREFIX}-{kind}-"), F(slug), output_field=TextField()
    )


COLUMNS = [
    Column(
        "id", "The settlement's permanent identifier on the portal.", "pk", "number", example=42
    ),
    Column("funder", "Who settles the money.", "funder__name", example="Thames Trust"),
    Column(
        "funder_org_id",
        "The funder's organisation identifier (org-id.guide), or one under the portal's "
        "360Giving prefix where it has none.",
        funder_org_id(),
        example="GB-CHC-1234567",
    ),
    Column(
        "funder_kind",
        "The kind of funder (its value, such as trust).",
        "funder__kind",
        example="trust",
    ),
    Column("programme", "The funder's programme.", "programme", example="Connected Communities"),
    Column("recipient", "The authority that receives it.", "recipient__name", example="Hackney"),
    Column(
        "recipient_gss_code",
        "The recipient's ONS GSS code.",
        "recipient__gss_code",
        example="E09000012",
    ),
    Column(
        "recipient_org_id",
        "The recipient's organisation identifier (GB-LAE- and its three-letter code).",
        org_id("recipient__short_code"),
        example="GB-LAE-HCK",
    ),
    Column(
        "total_gbp", "The settlement's total, in pounds.", "total_amount", "money", example=90000.0
    ),
    Column(
        "first_year",
        "Its first financial year (2024-25).",
        year_label("first_year"),
        example="2024-25",
    ),
    Column("last_year", "Its last financial year.", year_label("last_year"), example="2026-27"),
    Column(
        "multi_year",
        "yes when it pays in more than one financial year, else no.",
        Case(
            When(last_year__gt=F("first_year"), then=Value("yes")),
            default=Value("no"),
            output_field=TextField(),
        ),
        example="yes",
    ),
    Column(
        "restrictions",
        "Its restrictions level: unrestricted, light-touch, ring-fenced or heavily-restricted.",
        "restrictions",
        example="light-touch",
    ),
    Column(
        "conditions",
        "What the funder requires.",
        "conditions",
        example="A yearly report on outcomes.",
    ),
    Column(
        "awarded_on",
        "When it was awarded (YYYY-MM-DD).",
        "awarded_on",
        "date",
        example="2024-02-01",
    ),
    Column(
        "allocations_gbp_by_year",
        "Its yearly allocations, in pounds. In CSV and XLSX a column per year, named "
        "allocation_gbp_2024_25 for 2024-25; in JSON an object of years.",
        allocations_by_year(),
        "by_year",
        example={"2024-25": 30000.0, "2025-26": 30000.0, "2026-27": 30000.0},
    ),
    Column(
        "projects",
        "The permanent identifiers of the published projects it funds.",
        ArraySubquery(published_lines().values("project__slug")),
        "several",
        example=["befriending-network-hackney"],
    ),
    Column(
        "updated_at",
        "When its record last changed.",
        "updated_at",
        "datetime",
        example="2025-09-01T10:00:00+00:00",
    ),
    Column(
        "url",
        "Its permanent address on the portal.",
        None,
        "url",
        example="https://portal.example.org/settlements/42/",
    ),
]


def allocation_column(year):
    return f"allocation_gbp_{financial_year_label(year).replace('-', '_')}"


def header(years):
    names = []
    for column in COLUMNS:
        if column.kind == "by_year":
            names += [allocation_column(year) for year in years]
        else:
            names.append(column.name)
    return names


def years_allocated(settlements):
    """The financial years, first to last, of any of these settlements."""
    bounds = settlements.order_by().aggregate(first=Min("first_year"), last=Max("last_year"))
    if bounds["first"] is None:
        return []
    return list(range(bounds["first"], bounds["last"] + 1))


def value_of(column, base_url, *, for_csv):
    """The expression of one column's value, formatted as the download writes it, except for
    what the query around it does once per value (protection against formulas, the years of
    money by year): a subquery inside those would run once for each time it is named."""
    if column.kind == "url":
        return Concat(
            Value(base_url), Cast("pk", TextField()), Value("/"), output_field=TextField()
        )
    value = expression(column.source)
    if column.kind == "several" and for_csv:
        return Func(value, Value(CSV_LIST), function="ARRAY_TO_STRING", output_field=TextField())
    if column.kind == "date":
        return ISODate(value)
    if column.kind == "datetime":
        return ISODateTime(value)
    if column.kind == "money":
        if for_csv:
            return Pounds(value)
        # A number to the penny: JSON writes it exactly, as PostgreSQL holds it.
        return Func(value, 2, function="ROUND", output_field=DecimalField())
    if column.kind == "number" and for_csv:
        return Cast(value, TextField())
    return value


def cells_of(column, *, for_csv, years):
    """[(SQL, parameters)] of the cells of one column, from the value the inner query named
    row."export_<name>": a cell per year for money by year in CSV, text made safe for
    spreadsheets."""
    value = f'row."export_{column.name}"'
    if column.kind == "by_year":
        if not for_csv:
            return [(f"COALESCE({value}, '{{}}'::json)", [])]
        return [(f"{value} ->> %s", [financial_year_label(year)]) for year in years]
    if for_csv and column.kind in ("text", "several"):
        sql, params = formula_safe(value, ())
        return [(sql, list(params))]
    return [(value, [])]


def rows_query(settlements, base_url, *, for_csv, years=()):
    """SQL and parameters of one row of cells per settlement in the list's order, each named
    as its column (in CSV, money by year as one cell per year), and with its `position`."""
    values = {
        f"export_{column.name}": value_of(column, base_url, for_csv=for_csv) for column in COLUMNS
    }
    ordering = settlements.query.order_by or settlements.model._meta.ordering
    order = [F(name[1:]).desc() if name.startswith("-") else F(name).asc() for name in ordering]
    rows = settlements.annotate(
        **values, export_position=Window(RowNumber(), order_by=order)
    ).values(*values, "export_position")
    inner, inner_params = rows.query.sql_with_params()
    selected, params = ['row."export_position" AS position'], []
    for column in COLUMNS:
        cells = cells_of(column, for_csv=for_csv, years=years)
        names = (
            [allocation_column(year) for year in years]
            if for_csv and column.kind == "by_year"
            else [column.name]
        )
        for (sql, cell_params), name in zip(cells, names, strict=True):
            selected.append(f'{sql} AS "{name}"')
            params += cell_params
    return f"SELECT {', '.join(selected)} FROM ({inner}) AS row", [*params, *inner_params]


def csv_lines(settlements, base_url):
    years = years_allocated(settlements)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer, lineterminator="\n").writerow(header(years))
    yield buffer.getvalue()
    sql, params = rows_query(settlements, base_url, for_csv=True, years=years)
    names = ", ".join(f'"{name}"' for name in header(years))
    yield from copied(
        connections[settlements.db],
        f"SELECT {names} FROM ({sql}) AS cells ORDER BY position",
        params,
        "FORMAT csv",
    )


def json_chunks(settlements, base_url, meta):
    """A JSON document {"meta": ..., "settlements": [...]}, money as numbers, lists as lists."""
    yield '{"meta": ' + json.dumps(meta, default=str) + ', "settlements": [\n'
    sql, params = rows_query(settlements, base_url, for_csv=False)
    names = ", ".join(f'"{c.name}"' for c in COLUMNS)
    # Each settlement after the first starts with the comma that separates it from the last.
    yield from copied(
        connections[settlements.db],
        "SELECT CASE WHEN position > 1 THEN ',' ELSE '' END || ROW_TO_JSON(settlement)::text "
        f"FROM ({sql}) AS cells CROSS JOIN LATERAL (SELECT {names}) AS settlement "
        "ORDER BY position",
        params,
        "FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02'",
    )
    yield "\n]}\n"


def xlsx_pieces_of(settlements, base_url, about):
    years = years_allocated(settlements)
    kinds = []
    for column in COLUMNS:
        if column.kind == "by_year":
            kinds += [Decimal] * len(years)
        else:
            kinds.append({"number": int, "money": Decimal}.get(column.kind, str))
    sql, params = rows_query(settlements, base_url, for_csv=True, years=years)
    names = ", ".join(f'"{name}"' for name in header(years))
    rows = (
        [None if value is None else kind(value) for kind, value in zip(kinds, row, strict=True)]
        for row in fetched(
            connections[settlements.db],
            f"SELECT {names} FROM ({sql}) AS cells ORDER BY position",
            params,
        )
    )
    return xlsx_pieces("Settlements", header(years), rows, about)


# 360Giving ------------------------------------------------------------------------------------


def grant_rows(settlements):
    """What each grant is made of, a row per settlement in the list's order."""
    published = published_lines()
    return settlements.select_related(None).values(
        "pk",
        "programme",
        "total_amount",
        "first_year",
        "last_year",
        "restrictions",
        "conditions",
        "awarded_on",
        "updated_at",
        "funder__name",
        "funder__slug",
        "funder__kind",
        "recipient__name",
        "recipient__gss_code",
        "recipient__short_code",
        funder_org_id=funder_org_id(),
        # JSON as text, read by json.loads below: the same whatever the driver makes of JSON.
        allocated_by_year=Cast(allocations_by_year(), TextField()),
        funded=ArraySubquery(
            published.values(
                json=Cast(
                    JSONObject(
                        slug="project__slug",
                        title="project__title",
                        amount=Cast("amount", TextField()),
                    ),
                    TextField(),
                )
            )
        ),
        theme_ids=ArraySubquery(
            Theme.objects.filter(
                projects__in=Project.objects.published(),
                projects__fundings__settlement=OuterRef("pk"),
            )
            .order_by("pk")
            .values("pk")
            .distinct()
        ),
    )


def financial_year_dates(first, last):
    """The 360Giving planned dates of financial years first to last: 1 April to 31 March."""
    return {
        "startDate": f"{first}-04-01",
        "endDate": f"{last + 1}-03-31",
        "duration": 12 * (last - first + 1),
    }


def grant(row, themes, urls):
    """A settlement as a 360Giving grant."""
    years = (
        financial_year_label(row["first_year"])
        if row["first_year"] == row["last_year"]
        else f"{financial_year_label(row['first_year'])} to "
        f"{financial_year_label(row['last_year'])}"
    )
    title = f"{row['programme']}: {row['funder__name']} to {row['recipient__name']}, {years}"
    description = (
        f"A funding settlement from {row['funder__name']} to {row['recipient__name']} under "
        f"its {row['programme']} programme, for {years}."
    )
    if row["conditions"].strip():
        description += f" Conditions: {row['conditions'].strip()}"
    url = f"{urls['settlements']}{row['pk']}/"
    allocations = json.loads(row["allocated_by_year"] or "{}")
    funded = [json.loads(line) for line in row["funded"]]
    chosen = [themes[pk] for pk in row["theme_ids"] if pk in themes]
    return {
        "id": f"{settings.THREESIXTYGIVING_PREFIX}-settlement-{row['pk']}",
        "title": title,
        "description": description,
        "currency": "GBP",
        "amountAwarded": float(row["total_amount"]),
        "awardDate": row["awarded_on"].isoformat(),
        "plannedDates": [financial_year_dates(row["first_year"], row["last_year"])],
        "recipientOrganization": [
            {"id": f"GB-LAE-{row['recipient__short_code']}", "name": row["recipient__name"]}
        ],
        "fundingOrganization": [{"id": row["funder_org_id"], "name": row["funder__name"]}],
        "grantProgramme": [
            {
                "code": f"{row['funder__slug']}:{row['programme']}",
                "title": row["programme"],
            }
        ],
        "beneficiaryLocation": [
            {
                "name": row["recipient__name"],
                "countryCode": "GB",
                "geoCode": row["recipient__gss_code"],
                "geoCodeType": "LONB",
            }
        ],
        "classifications": [
            {"vocabulary": THEMES_VOCABULARY, "code": theme.slug, "title": theme.name}
            for theme in chosen
        ],
        "url": url,
        "dataSource": url,
        "dateModified": row["updated_at"].isoformat(timespec="seconds"),
        PORTAL_FIELDS: {
            "restrictions": row["restrictions"],
            "multiYear": row["last_year"] > row["first_year"],
            "funderKind": row["funder__kind"],
            "yearlyAllocations": [
                {"financialYear": label, "amount": float(amount)}
                for label, amount in allocations.items()
            ],
            "projectsFunded": [
                {
                    "id": line["slug"],
                    "title": line["title"],
                    "amount": float(line["amount"]),
                    "url": f"{urls['projects']}{line['slug']}/",
                }
                for line in funded
            ],
        },
    }


def package_meta(about):
    """The 360Giving package's own fields: what it is, who publishes it, under what licence."""
    description = (
        "Funding settlements made with London's local authorities for social integration, "
        f"as published on the {PUBLISHER}. Filters: {about.filter_text}. "
        f"The portal's own fields are in each grant's {PORTAL_FIELDS} object: the restrictions "
        "level, whether it is multi-year, the funder's kind, the yearly allocations and the "
        "published projects it funds."
    )
    if about.demo:
        description = f"{DEMO_NOTICE} {description}"
    return {
        "version": THREESIXTYGIVING_VERSION,
        "title": about.title,
        "description": description,
        "issued": about.produced,
        "modified": about.produced,
        "publisher": {"name": PUBLISHER},
        "license": about.licence["url"],
        "downloadURL": about.url,
        "accessURL": about.source,
    }


def threesixtygiving_chunks(settlements, urls, about):
    """The 360Giving package of these settlements (at least one: the standard asks for a
    grant), a grant at a time. `urls` has the addresses of the settlements' and projects'
    pages."""
    themes = {theme.pk: theme for theme in Theme.objects.all()}
    meta = json.dumps(package_meta(about))
    yield meta[:-1] + ', "grants": [\n'
    for position, row in enumerate(grant_rows(settlements).iterator(chunk_size=2000)):
        yield ("," if position else "") + json.dumps(grant(row, themes, urls)) + "\n"
    yield "]}\n"
