"""Streamed CSV and JSON exports of a filtered list of projects.

Rows come from `values_list()` in chunks, never from model instances, so memory stays flat at any
size. COLUMNS is the single description of the columns: the export writes them and the
"About the data" page documents them.
"""

import csv
import datetime
import json
from decimal import Decimal

from django.db.models import OuterRef, Subquery, Value
from django.db.models.aggregates import StringAgg

from .models import Project, ProjectFunding

SEPARATOR = "\x1f"  # joins many-valued cells in the query; never typed by people
CHUNK_SIZE = 2000
# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def joined(model, field):
    """A correlated subquery joining one project's linked values with SEPARATOR.

    Not every database orders or removes duplicates inside such an aggregate, so the values are
    sorted and made unique afterwards.
    """
    return Subquery(
        model.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(names=StringAgg(field, delimiter=Value(SEPARATOR)))
        .values("names")
    )


# (column, what it holds, the expression or field it comes from, whether it holds several values)
# Several values come in alphabetical order, except delivery partners, which keep theirs.
COLUMNS = [
    ("id", "The project's permanent identifier (its slug).", "slug", False),
    ("title", "The project's name.", "title", False),
    ("summary", "One or two sentences about the project.", "summary", False),
    ("description", "The longer description.", "description", False),
    ("lead_borough", "The authority that leads the project.", "lead_borough__name", False),
    (
        "lead_borough_gss_code",
        "The lead authority's ONS GSS code (E09000001 to E09000033).",
        "lead_borough__gss_code",
        False,
    ),
    (
        "lead_borough_short_code",
        "The lead authority's three-letter code (its 360Giving identifier is GB-LAE- and this "
        "code).",
        "lead_borough__short_code",
        False,
    ),
    (
        "partner_boroughs",
        "Other authorities taking part.",
        joined(Project.partner_boroughs.through, "borough__name"),
        True,
    ),
    (
        "partner_borough_gss_codes",
        "Their GSS codes.",
        joined(Project.partner_boroughs.through, "borough__gss_code"),
        True,
    ),
    (
        "themes",
        "What the project works on.",
        joined(Project.themes.through, "theme__name"),
        True,
    ),
    (
        "target_groups",
        "Whom it is for.",
        joined(Project.target_groups.through, "targetgroup__name"),
        True,
    ),
    (
        "delivery_partners",
        "Organisations delivering it with the council.",
        "delivery_partners",
        True,
    ),
    (
        "delivery_status",
        "Planned, active, completed, paused or cancelled.",
        "delivery_status",
        False,
    ),
    ("start_date", "When it starts or started (YYYY-MM-DD).", "start_date", False),
    ("end_date", "When it ends or ended; empty while ongoing.", "end_date", False),
    ("people_reached", "How many people it has reached, where known.", "people_reached", False),
    (
        "funding_gbp",
        "Money allocated to it from funding settlements, in pounds.",
        "funding_total",
        False,
    ),
    ("funders", "Who funds it.", joined(ProjectFunding, "settlement__funder__name"), True),
    ("commission", "The commission it follows from, if any.", "commission__title", False),
    ("outcomes", "What it has achieved.", "outcomes", False),
    ("evaluation_url", "A link to an evaluation, if published.", "evaluation_url", False),
    ("contact_name", "Its public contact.", "contact_name", False),
    ("contact_email", "Its public contact's email address.", "contact_email", False),
    ("published_at", "When it was first published on the portal.", "published_at", False),
    ("updated_at", "When its record last changed.", "updated_at", False),
    ("url", "Its page on the portal.", None, False),
]


def rows(queryset, base_url):
    """Each project as a dict of column → value; many-valued columns as lists."""
    names, fields, annotations = [], [], {}
    for name, _, source, _ in COLUMNS:
        if source is None:
            continue
        names.append(name)
        if isinstance(source, str):
            fields.append(source)
        else:
            annotations[f"export_{name}"] = source
            fields.append(f"export_{name}")
    many = {name for name, _, _, several in COLUMNS if several}
    values = queryset.annotate(**annotations).values_list(*fields)
    for record in values.iterator(chunk_size=CHUNK_SIZE):
        row = dict(zip(names, record, strict=True))
        for name in many:
            separator = "\n" if name == "delivery_partners" else SEPARATOR
            parts = [part.strip() for part in (row[name] or "").split(separator)]
            parts = [part for part in parts if part]
            row[name] = parts if name == "delivery_partners" else sorted(set(parts))
        row["url"] = f"{base_url}{row['id']}/"
        yield row


def csv_cell(value):
    if isinstance(value, list):
        value = "; ".join(value)
    elif isinstance(value, datetime.datetime):
        value = value.isoformat(timespec="seconds")
    elif isinstance(value, datetime.date):
        value = value.isoformat()
    elif value is None:
        value = ""
    else:
        value = str(value)
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


class Echo:
    """A file-like object whose writes return the line, for csv.writer to stream through."""

    def write(self, value):
        return value


def csv_lines(records):
    """The CSV file line by line, starting with a byte-order mark so spreadsheets read UTF-8."""
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow([name for name, *_ in COLUMNS])
    for record in records:
        yield writer.writerow([csv_cell(record[name]) for name, *_ in COLUMNS])


def json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"Cannot write {type(value).__name__} as JSON")


def json_chunks(records, meta):
    """A JSON document {"meta": ..., "projects": [...]}, written project by project."""
    yield '{"meta": ' + json.dumps(meta, default=json_default) + ', "projects": ['
    for index, record in enumerate(records):
        yield ("," if index else "") + "\n" + json.dumps(record, default=json_default)
    yield "\n]}\n"
