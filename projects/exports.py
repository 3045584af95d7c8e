"""Streamed CSV and JSON exports of a filtered list of projects.

Rows come from one query read in chunks through a server-side cursor, never from model
instances, and leave as batches of lines, so memory stays flat and time stays short at any
size. COLUMNS is the single description of the columns: the export writes them and the
"About the data" page documents them.
"""

import csv
import datetime
import io
import json
from dataclasses import dataclass

from django.db import connections
from django.db.models import F, Value, Window
from django.db.models.aggregates import StringAgg
from django.db.models.functions import RowNumber

from .models import Project, ProjectFunding

SEPARATOR = "\x1f"  # joins many-valued cells in the query; never typed by people
CHUNK_SIZE = 500
BATCH = 500  # rows per piece of the response
# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
FORMULA_FIRST = frozenset("=+-@\t\r")


@dataclass(frozen=True)
class Linked:
    """Values a project has several of, through a link table: `path` from the link's rows."""

    model: object
    path: str


@dataclass(frozen=True)
class Column:
    """One column of the downloads. `kind` says how its value is written:

    text, number, money (pounds), date (YYYY-MM-DD), datetime (ISO 8601), several (values in
    alphabetical order),
    lines (values one per line, in their own order) or url (the project's page).
    """

    name: str
    description: str
    source: object
    kind: str = "text"

    @property
    def linked(self):
        return isinstance(self.source, Linked)


COLUMNS = [
    Column("id", "The project's permanent identifier (its slug).", "slug"),
    Column("title", "The project's name.", "title"),
    Column("summary", "One or two sentences about the project.", "summary"),
    Column("description", "The longer description.", "description"),
    Column("lead_borough", "The authority that leads the project.", "lead_borough__name"),
    Column(
        "lead_borough_gss_code",
        "The lead authority's ONS GSS code (E09000001 to E09000033).",
        "lead_borough__gss_code",
    ),
    Column(
        "lead_borough_short_code",
        "The lead authority's three-letter code (its 360Giving identifier is GB-LAE- and this "
        "code).",
        "lead_borough__short_code",
    ),
    Column(
        "partner_boroughs",
        "Other authorities taking part.",
        Linked(Project.partner_boroughs.through, "borough__name"),
        "several",
    ),
    Column(
        "partner_borough_gss_codes",
        "Their GSS codes.",
        Linked(Project.partner_boroughs.through, "borough__gss_code"),
        "several",
    ),
    Column(
        "themes",
        "What the project works on.",
        Linked(Project.themes.through, "theme__name"),
        "several",
    ),
    Column(
        "target_groups",
        "Whom it is for.",
        Linked(Project.target_groups.through, "targetgroup__name"),
        "several",
    ),
    Column(
        "delivery_partners",
        "Organisations delivering it with the council.",
        "delivery_partners",
        "lines",
    ),
    Column(
        "delivery_status", "Planned, active, completed, paused or cancelled.", "delivery_status"
    ),
    Column("start_date", "When it starts or started (YYYY-MM-DD).", "start_date", "date"),
    Column("end_date", "When it ends or ended; empty while ongoing.", "end_date", "date"),
    Column(
        "people_reached",
        "How many people it has reached, where known.",
        "people_reached",
        "number",
    ),
    Column(
        "funding_gbp",
        "Money allocated to it from funding settlements, in pounds.",
        "funding_total",
        "money",
    ),
    Column(
        "funders",
        "Who funds it.",
        Linked(ProjectFunding, "settlement__funder__name"),
        "several",
    ),
    Column("commission", "The commission it follows from, if any.", "commission__title"),
    Column("outcomes", "What it has achieved.", "outcomes"),
    Column("evaluation_url", "A link to an evaluation, if published.", "evaluation_url"),
    Column("contact_name", "Its public contact.", "contact_name"),
    Column("contact_email", "Its public contact's email address.", "contact_email"),
    Column(
        "published_at", "When it was first published on the portal.", "published_at", "datetime"
    ),
    Column("updated_at", "When its record last changed.", "updated_at", "datetime"),
    Column("url", "Its page on the portal.", None, "url"),
]
NAMES = [column.name for column in COLUMNS]


def several(value):
    return sorted({part for part in (value or "").split(SEPARATOR) if part})


def lines(value):
    return [part.strip() for part in (value or "").splitlines() if part.strip()]


def plain_values(value, kind):
    """A value from the database in the form both downloads share (lists stay lists)."""
    if value is None:
        return None
    if kind == "several":
        return several(value)
    if kind == "lines":
        return lines(value)
    if kind in ("date", "datetime") and isinstance(value, str):
        # SQLite gives dates and times as text.
        value = datetime.datetime.fromisoformat(value)
        value = value.date() if kind == "date" else value.replace(tzinfo=datetime.UTC)
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        return value.isoformat(timespec="seconds")
    if kind == "money":
        return float(value)
    return value


def export_query(queryset):
    """One query, in SQL, for the rows of `queryset` in its order: its own columns, plus each
    linked column aggregated once per project over its whole link table and joined on.

    Aggregating each link table in one pass is several times faster than a subquery per
    project; the ORM writes every part, so the SQL suits the database in use.
    """
    ordering = queryset.query.order_by or queryset.model._meta.ordering
    order = [F(name[1:]).desc() if name.startswith("-") else F(name).asc() for name in ordering]
    own = {f"export_{c.name}": F(c.source) for c in COLUMNS if isinstance(c.source, str)}
    base = queryset.annotate(
        **own, export_pk=F("pk"), export_position=Window(RowNumber(), order_by=order)
    ).values(*own, "export_pk", "export_position")
    sql, params = base.query.sql_with_params()
    selected = [f'base."export_{c.name}"' if isinstance(c.source, str) else None for c in COLUMNS]
    joins = []
    for index, column in enumerate(COLUMNS):
        if not column.linked:
            continue
        link = (
            column.source.model.objects.order_by()
            .values("project_id")
            .annotate(names=StringAgg(column.source.path, delimiter=Value(SEPARATOR)))
            .values("project_id", "names")
        )
        link_sql, link_params = link.query.sql_with_params()
        joins.append(
            f'LEFT JOIN ({link_sql}) AS link{index} ON link{index}."project_id" = base."export_pk"'
        )
        params += link_params
        selected[index] = f'link{index}."names"'
    columns = ", ".join(column for column in selected if column)
    return (
        f'SELECT {columns} FROM ({sql}) AS base {" ".join(joins)} ORDER BY base."export_position"',
        params,
    )


def records(queryset, base_url):
    """Each project as a list of plain values in COLUMNS order, ending with its address."""
    sql, params = export_query(queryset)
    kinds = [column.kind for column in COLUMNS if column.source is not None]
    special = [(i, kind) for i, kind in enumerate(kinds) if kind != "text"]
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK_SIZE):
            for record in chunk:
                row = list(record)
                for index, kind in special:
                    row[index] = plain_values(row[index], kind)
                row.append(f"{base_url}{row[0]}/")
                yield row


def batches(rows):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def csv_cell(value):
    """A value as a CSV cell, a formula-starting text made inert with an apostrophe (the
    common cases first: this runs for every cell)."""
    if value.__class__ is str:
        return "'" + value if value[:1] in FORMULA_FIRST else value
    if value is None:
        return ""
    if value.__class__ is list:
        return csv_cell("; ".join(value))
    if value.__class__ is float:
        return f"{value:.2f}"
    return str(value)


def csv_lines(rows):
    """The CSV file in batches of lines, starting with a byte-order mark so spreadsheets read
    it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(NAMES)
    for batch in batches(rows):
        writer.writerows([csv_cell(value) for value in row] for row in batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def json_chunks(rows, meta):
    """A JSON document {"meta": ..., "projects": [...]}, written in batches of projects."""
    yield '{"meta": ' + json.dumps(meta, default=str) + ', "projects": ['
    separator = "\n"
    for batch in batches(rows):
        yield separator + ",\n".join(
            json.dumps(dict(zip(NAMES, row, strict=True))) for row in batch
        )
        separator = ",\n"
    yield "\n]}\n"
