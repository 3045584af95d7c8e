"""Streamed CSV, JSON and XLSX exports of a filtered list of projects.

PostgreSQL writes every cell in its final form (dates, money, lists, protection against
spreadsheet formulas) in one query, and the CSV and JSON files themselves through COPY, so
Python only passes bytes along; a workbook's rows are read from the same query a chunk at a
time. COLUMNS is the single description of the columns: the export writes them and the "About
the data" page documents them.
"""

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import connections, transaction
from django.db.models import Aggregate, F, Func, StringAgg, TextField, Value, Window
from django.db.models.functions import Cast, Concat, RowNumber

from portal.money import financial_year_label
from portal.open_data import xlsx_pieces

from .facet_keys import FACETS, facet_key
from .models import Project, ProjectFunding, ProjectRecommendation
from .models.funding import funding_lines_sql, shared_years_sql, yearly_shares_sql

CSV_LIST = "; "  # joins a list's values in a CSV cell
PIECE = 65536  # bytes of COPY output gathered into one piece of the response
ROWS_AT_A_TIME = 2000  # rows of a workbook read from the database at once
EXPORT_WORK_MEM = "128MB"
# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Linked:
    """Values a project has several of, through a link table: `path` (a field's path or an
    expression) from the link's rows."""

    model: object
    path: object


@dataclass(frozen=True)
class ByYear:
    """A project's money by financial year (models.funding.yearly_shares_sql): a column per
    year in CSV and workbooks, an object of years in JSON."""


def org_id(short_code):
    """A London authority's 360Giving organisation identifier, from its three-letter code."""
    return Concat(Value("GB-LAE-"), F(short_code), output_field=TextField())


def year_column(year):
    """The name of a CSV or workbook column of money in one financial year."""
    return f"funding_gbp_{financial_year_label(year).replace('-', '_')}"


@dataclass(frozen=True)
class Held:
    """The options of a facet of fixed choices that a project holds, read from its stored keys
    (facet_keys.py): the column of a facet that no other column shows."""

    facet: object


@dataclass(frozen=True)
class Column:
    """One column of the downloads. `kind` says how its value is written:

    text, number, money (pounds), date (YYYY-MM-DD), datetime (ISO 8601), several (values in
    alphabetical order), lines (values one per line, in their own order), held (a facet's
    options' values, in alphabetical order), by_year (money by financial year) or url (the
    project's page). `source` is a field's path, an expression, Linked, Held or ByYear.
    """

    name: str
    description: str
    source: object
    kind: str = "text"
    #: A value as the JSON download writes it, for the "About the data" page.
    example: object = None

    @property
    def linked(self):
        return isinstance(self.source, Linked)


COLUMNS = [
    Column(
        "id",
        "The project's permanent identifier (its slug).",
        "slug",
        example="befriending-network-hackney",
    ),
    Column("title", "The project's name.", "title", example="Befriending Network"),
    Column(
        "summary",
        "One or two sentences about the project.",
        "summary",
        example="Volunteers visit older neighbours every week.",
    ),
    Column(
        "description",
        "The longer description.",
        "description",
        example="Trained volunteers visit older residents at home and run weekly lunches.",
    ),
    Column(
        "lead_borough",
        "The authority that leads the project.",
        "lead_borough__name",
        example="Hackney",
    ),
    Column(
        "lead_borough_gss_code",
        "The lead authority's ONS GSS code (E09000001 to E09000033).",
        "lead_borough__gss_code",
        example="E09000012",
    ),
    Column(
        "lead_borough_short_code",
        "The lead authority's three-letter code (its 360Giving identifier is GB-LAE- and this "
        "code).",
        "lead_borough__short_code",
        example="HCK",
    ),
    Column(
        "lead_borough_org_id",
        "The lead authority's organisation identifier (org-id.guide, as 360Giving uses).",
        org_id("lead_borough__short_code"),
        example="GB-LAE-HCK",
    ),
    Column(
        "partner_boroughs",
        "Other authorities taking part.",
        Linked(Project.partner_boroughs.through, "borough__name"),
        "several",
        example=["Camden", "Islington"],
    ),
    Column(
        "partner_borough_gss_codes",
        "Their GSS codes.",
        Linked(Project.partner_boroughs.through, "borough__gss_code"),
        "several",
        example=["E09000007", "E09000019"],
    ),
    Column(
        "partner_borough_org_ids",
        "Their organisation identifiers.",
        Linked(Project.partner_boroughs.through, org_id("borough__short_code")),
        "several",
        example=["GB-LAE-CMD", "GB-LAE-ISL"],
    ),
    Column(
        "themes",
        "What the project works on.",
        Linked(Project.themes.through, "theme__name"),
        "several",
        example=["Cohesion", "Isolation and loneliness"],
    ),
    Column(
        "target_groups",
        "Whom it is for.",
        Linked(Project.target_groups.through, "targetgroup__name"),
        "several",
        example=["Older people"],
    ),
    Column(
        "delivery_partners",
        "Organisations delivering it with the council.",
        "delivery_partners",
        "lines",
        example=["Silver Threads", "Talking Tables"],
    ),
    Column(
        "delivery_status",
        "Planned, active, completed, paused or cancelled.",
        "delivery_status",
        example="active",
    ),
    Column(
        "start_date",
        "When it starts or started (YYYY-MM-DD).",
        "start_date",
        "date",
        example="2024-04-01",
    ),
    Column(
        "end_date", "When it ends or ended; empty while ongoing.", "end_date", "date", example=None
    ),
    Column(
        "people_reached",
        "How many people it has reached, where known.",
        "people_reached",
        "number",
        example=250,
    ),
    Column(
        "funding_gbp",
        "Money allocated to it from funding settlements, in pounds.",
        "funding_total",
        "money",
        example=45000.5,
    ),
    Column(
        "funding_gbp_by_year",
        "Its funding in each financial year, in pounds: each funding line shared over the "
        "years its settlement and the project share, in proportion to the settlement's yearly "
        "allocations (evenly without any). In CSV and XLSX a column per year, named "
        "funding_gbp_2024_25 for 2024-25; in JSON an object of years.",
        ByYear(),
        "by_year",
        example={"2024-25": 20000.5, "2025-26": 25000.0},
    ),
    Column(
        "funders",
        "Who funds it.",
        Linked(ProjectFunding, "settlement__funder__name"),
        "several",
        example=["Thames Trust"],
    ),
    Column(
        "commission",
        "The commission it follows from, if any.",
        "commission__title",
        example="Hackney Fairness Commission",
    ),
    Column(
        "commission_id",
        "The commission's permanent identifier (its address on the portal).",
        "commission__slug",
        example="hackney-fairness-commission",
    ),
    Column(
        "recommendations",
        "The commission recommendations it answers, by reference: the commission's identifier, "
        "-r and the recommendation's number.",
        Linked(
            ProjectRecommendation,
            Concat(
                F("recommendation__commission__slug"),
                Value("-r"),
                Cast("recommendation__number", TextField()),
                output_field=TextField(),
            ),
        ),
        "several",
        example=["hackney-fairness-commission-r3"],
    ),
    Column(
        "outcomes",
        "What it has achieved.",
        "outcomes",
        example="Fewer residents report feeling lonely.",
    ),
    Column(
        "evaluation_url",
        "A link to an evaluation, if published.",
        "evaluation_url",
        example="https://example.org/evaluation",
    ),
    Column(
        "contact_name", "Its public contact.", "contact_name", example="Community engagement team"
    ),
    Column(
        "contact_email",
        "Its public contact's email address.",
        "contact_email",
        example="community@example.org",
    ),
    Column(
        "published_at",
        "When it was first published on the portal.",
        "published_at",
        "datetime",
        example="2025-06-30T23:15:07+00:00",
    ),
    Column(
        "updated_at",
        "When its record last changed.",
        "updated_at",
        "datetime",
        example="2025-09-01T10:00:00+00:00",
    ),
    *(
        Column(
            facet.name,
            f"{facet.label}: the values of the options it holds.",
            Held(facet),
            "held",
        )
        for facet in FACETS
        if not facet.columns
    ),
    Column(
        "url",
        "Its permanent address on the portal.",
        None,
        "url",
        example="https://portal.example.org/projects/befriending-network-hackney/",
    ),
]
NAMES = [column.name for column in COLUMNS]


def header(years):
    """The names of the CSV and workbook columns, with a column for each of `years`."""
    names = []
    for column in COLUMNS:
        if column.kind == "by_year":
            names += [year_column(year) for year in years]
        else:
            names.append(column.name)
    return names


def years_funded(queryset):
    """The financial years, first to last, in which any of `queryset`'s projects has money."""
    projects, params = queryset.order_by().values("pk").query.sql_with_params()
    first, last = shared_years_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            f"SELECT MIN({first}), MAX({last}) FROM {funding_lines_sql()} "
            f"WHERE {first} <= {last} AND line.project_id IN ({projects})",
            params,
        )
        first_year, last_year = cursor.fetchone()
    return list(range(first_year, last_year + 1)) if first_year is not None else []


# Cells, written by the database --------------------------------------------------------------


def formula_safe(sql, params):
    """SQL for a text that a spreadsheet shows rather than runs: an apostrophe before a
    formula's first character. Empty text becomes NULL, an empty cell."""
    marks = ", ".join(["%s"] * len(FORMULA_FIRST))
    return (
        f"CASE WHEN SUBSTR({sql}, 1, 1) IN ({marks}) THEN '''' || {sql} ELSE NULLIF({sql}, '') END",
        (*params, *FORMULA_FIRST, *params, *params),
    )


class FormulaSafe(Func):
    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        return formula_safe(*compiler.compile(self.source_expressions[0]))


class ISODate(Func):
    """A date as YYYY-MM-DD."""

    template = "TO_CHAR(%(expressions)s, 'YYYY-MM-DD')"
    output_field = TextField()


class ISODateTime(Func):
    """A moment in ISO 8601, in UTC, to the second."""

    template = """TO_CHAR(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')"""
    output_field = TextField()


class Pounds(Func):
    """An amount of money as text with two decimal places."""

    template = "ROUND(%(expressions)s, 2)::text"
    output_field = TextField()


class HeldOptions(Func):
    """The values of the options of one facet that a project holds, in alphabetical order, from
    its stored keys: a test of each option's key, several times quicker than a pass over the
    keys."""

    output_field = ArrayField(TextField())

    def __init__(self, facet, values):
        super().__init__(F("facet_keys"))
        self.facet = facet
        self.values = sorted(values)

    def as_sql(self, compiler, connection, **extra_context):
        keys, params = compiler.compile(self.source_expressions[0])
        tests = ", ".join([f"CASE WHEN %s = ANY({keys}) THEN %s END"] * len(self.values))
        tested = [(facet_key(self.facet, value), *params, value) for value in self.values]
        return (
            f"ARRAY_REMOVE(ARRAY[{tests}]::text[], NULL)",
            [param for test in tested for param in test],
        )


def cell(column, *, for_csv):
    """The SQL expression for one of the project's own columns."""
    if column.kind == "held":
        facet = column.source.facet
        value = HeldOptions(facet.name, tuple(facet.option_values()))
        if for_csv:
            # Made safe for spreadsheets by the query around it (export_query), so the
            # options are tested once.
            value = Func(
                value, Value(CSV_LIST), function="array_to_string", output_field=TextField()
            )
        return value
    value = expression(column.source)
    if column.kind == "date":
        value = ISODate(value)
    elif column.kind == "datetime":
        value = ISODateTime(value)
    elif column.kind == "money":
        value = Pounds(value)
    elif for_csv and column.kind == "number":
        value = Cast(value, TextField())
    elif for_csv and column.kind == "lines":
        value = Func(value, Value("\n"), Value(CSV_LIST), function="REPLACE")
    if for_csv and column.kind in ("text", "lines"):
        value = FormulaSafe(value)
    return value


class JSONList(Aggregate):
    """The values as a JSON array, written as text (JSONB_AGG's binary form costs more to write
    out)."""

    function = "JSON_AGG"
    allow_distinct = True
    allow_order_by = True
    output_field = TextField()


def expression(source):
    """A column's value: a field by its path, or an expression as it is."""
    return F(source) if isinstance(source, str) else source


def linked_table(column, *, for_csv):
    """SQL for a derived table of (project_id, names): each project's distinct values of a
    linked column, in alphabetical order, joined into one CSV cell or as a JSON array."""
    value = expression(column.source.path)
    if for_csv:
        names = StringAgg(value, Value(CSV_LIST), distinct=True, order_by=value)
    else:
        names = JSONList(value, distinct=True, order_by=value)
    aggregated = (
        column.source.model.objects.order_by()
        .values("project_id")
        .annotate(names=names)
        .values("project_id", "names")
    )
    return aggregated.query.sql_with_params()


@dataclass
class ExportQuery:
    """The SQL of each cell, in COLUMNS order, and of the rest of the query (FROM to ORDER BY),
    each with its parameters."""

    cells: list
    cell_params: list
    rest: str
    params: list

    def sql(self):
        return f"SELECT {', '.join(self.cells)} {self.rest}", [*self.cell_params, *self.params]


def by_year_table(years, *, for_csv):
    """SQL and parameters of a derived table of each project's money in each of `years` (every
    year any of the exported projects has money in), to the penny, in one pass over the yearly
    shares: for CSV (project_id, year0, year1, ...), a cell of text for each year; for JSON
    (project_id, by_year), an object of the years it has money in, {"2024-25": 1250.5, ...}."""
    shares_sql, shares_params = yearly_shares_sql(years[0], years[-1])
    sums = [("ROUND(SUM(amount) FILTER (WHERE financial_year = %s), 2)", [year]) for year in years]
    if for_csv:
        cells = ", ".join(f'{sql}::text AS "year{index}"' for index, (sql, _) in enumerate(sums))
        params = [param for _, year_params in sums for param in year_params]
    else:
        pairs = ", ".join(f"%s, {sql}" for sql, _ in sums)
        cells = f"JSON_STRIP_NULLS(JSON_BUILD_OBJECT({pairs})) AS by_year"
        params = [param for year in years for param in (financial_year_label(year), year)]
    sql = f"SELECT project_id, {cells} FROM ({shares_sql}) AS shares GROUP BY project_id"
    return sql, [*params, *shares_params]


def export_query(queryset, base_url, *, for_csv, years=()):
    """One query for the cells of `queryset`'s rows, in its order: its own columns, plus each
    linked column aggregated once per project over its whole link table and joined on (as
    JSON arrays unless `for_csv`), and the money in each of `years` (years_funded: a cell for
    each if `for_csv`, else a JSON object).

    Aggregating each link table in one pass is several times faster than a subquery per
    project.
    """
    ordering = queryset.query.order_by or queryset.model._meta.ordering
    order = [F(name[1:]).desc() if name.startswith("-") else F(name).asc() for name in ordering]
    own = {
        f"export_{c.name}": cell(c, for_csv=for_csv)
        for c in COLUMNS
        if not isinstance(c.source, Linked | ByYear) and c.kind != "url"
    }
    own["export_url"] = Concat(Value(base_url), F("slug"), Value("/"), output_field=TextField())
    base = queryset.annotate(
        **own, export_pk=F("pk"), export_position=Window(RowNumber(), order_by=order)
    ).values(*own, "export_pk", "export_position")
    sql, params = base.query.sql_with_params()
    query = ExportQuery([], [], "", list(params))
    joins = []
    for index, column in enumerate(COLUMNS):
        if column.kind == "by_year":
            if not years:  # no project has money in any year
                if not for_csv:
                    query.cells.append("NULL::json")
                continue
            money_sql, money_params = by_year_table(years, for_csv=for_csv)
            joins.append(
                f'LEFT JOIN ({money_sql}) AS money ON money."project_id" = base."export_pk"'
            )
            query.params += money_params
            if for_csv:
                query.cells += [f'money."year{index}"' for index in range(len(years))]
            else:
                query.cells.append('money."by_year"')
            continue
        if not column.linked:
            value, value_params = f'base."export_{column.name}"', ()
            if for_csv and column.kind == "held":
                value, value_params = formula_safe(value, value_params)
            query.cells.append(value)
            query.cell_params += value_params
            continue
        link_sql, link_params = linked_table(column, for_csv=for_csv)
        joins.append(
            f'LEFT JOIN ({link_sql}) AS link{index} ON link{index}."project_id" = base."export_pk"'
        )
        query.params += link_params
        names, names_params = f'link{index}."names"', ()
        if for_csv:
            names, names_params = formula_safe(names, names_params)
        query.cells.append(names)
        query.cell_params += names_params
    query.rest = f'FROM ({sql}) AS base {" ".join(joins)} ORDER BY base."export_position"'
    return query


def json_documents_query(queryset, base_url, years):
    """The same query, writing each project as a JSON object, lists as arrays and money as
    numbers. ROW_TO_JSON over a row of named cells is quicker than JSON_BUILD_OBJECT,
    which looks up how to write each of its arguments anew for every project."""
    query = export_query(queryset, base_url, for_csv=False, years=years)
    cells, cell_params = [], []
    for column, value in zip(COLUMNS, query.cells, strict=True):
        if column.linked:
            value = f"COALESCE({value}, '[]')"
        elif column.kind == "held":
            value = f"TO_JSON({value})"
        elif column.kind == "lines":
            value = f"COALESCE(TO_JSON(STRING_TO_ARRAY({value}, %s)), '[]')"
            cell_params.append("\n")
        elif column.kind == "money":
            value = f"{value}::numeric"
        elif column.kind == "by_year":
            value = f"COALESCE({value}, '{{}}'::json)"
        cells.append(f'{value} AS "{column.name}"')
    source, order = query.rest.rsplit(" ORDER BY ", 1)
    # Each project after the first starts with the comma that separates it from the last.
    return (
        "SELECT CASE WHEN base.\"export_position\" > 1 THEN ',' ELSE '' END "
        f"|| ROW_TO_JSON(project)::text {source} "
        f"CROSS JOIN LATERAL (SELECT {', '.join(cells)}) AS project ORDER BY {order}",
        [*query.params, *cell_params],
    )


# The downloads -------------------------------------------------------------------------------


def csv_lines(queryset, base_url):
    """The CSV file in pieces, starting with a byte-order mark so spreadsheets read it as
    UTF-8."""
    years = years_funded(queryset)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    buffer.write("\ufeff")
    writer.writerow(header(years))
    yield buffer.getvalue()
    # PostgreSQL writes the rows, quoting as the csv module does.
    sql, params = export_query(queryset, base_url, for_csv=True, years=years).sql()
    yield from copied(connections[queryset.db], sql, params, "FORMAT csv")


def workbook_cells(years):
    """For each column of a workbook row, what turns the CSV query's text into the cell's
    value: numbers and money as numbers, the rest as text."""
    kinds = []
    for column in COLUMNS:
        if column.kind == "by_year":
            kinds += [Decimal] * len(years)
        else:
            kinds.append({"number": int, "money": Decimal}.get(column.kind, str))
    return kinds


def fetched(connection, sql, params):
    """The rows of a query, read through a server-side cursor ROWS_AT_A_TIME at a time."""
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{EXPORT_WORK_MEM}'")
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(ROWS_AT_A_TIME):
                yield from rows


def xlsx_pieces_of(queryset, base_url, about):
    """The workbook: a "Projects" sheet with the CSV file's columns and cells (numbers as
    numbers), and an "About" sheet."""
    years = years_funded(queryset)
    kinds = workbook_cells(years)
    sql, params = export_query(queryset, base_url, for_csv=True, years=years).sql()
    rows = (
        [None if value is None else kind(value) for kind, value in zip(kinds, row, strict=True)]
        for row in fetched(connections[queryset.db], sql, params)
    )
    return xlsx_pieces("Projects", header(years), rows, about)


def copied(connection, sql, params, options):
    """The output of COPY (query) TO STDOUT, gathered into pieces of about PIECE bytes."""
    statement = f"COPY ({connection.ops.compose_sql(sql, params)}) TO STDOUT ({options})"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # The export sorts and joins the whole catalogue: with this much memory PostgreSQL
        # does it in memory instead of in temporary files, for this transaction only.
        cursor.execute(f"SET LOCAL work_mem = '{EXPORT_WORK_MEM}'")
        with cursor.copy(statement) as copy:
            piece, size = [], 0
            for data in copy:
                piece.append(bytes(data))
                size += len(data)
                if size >= PIECE:
                    yield b"".join(piece)
                    piece, size = [], 0
            yield b"".join(piece)


def json_chunks(queryset, base_url, meta):
    """A JSON document {"meta": ..., "projects": [...]}, written a chunk of projects at a time,
    lists as lists and numbers as numbers."""
    yield '{"meta": ' + json.dumps(meta, default=str) + ', "projects": [\n'
    # PostgreSQL writes each project's JSON, a line each, through COPY's CSV form with a
    # delimiter and quote character that JSON always escapes, so nothing is quoted.
    yield from copied(
        connections[queryset.db],
        *json_documents_query(queryset, base_url, years_funded(queryset)),
        "FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02'",
    )
    yield "\n]}\n"
