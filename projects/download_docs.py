"""What the "About the data" page says of each download, from the columns the downloads
declare (exports.COLUMNS, settlement_exports.COLUMNS): its addresses and formats, its columns
with an example of each, an example of each format, and the schema.org Dataset metadata
(JSON-LD) that describes them to search engines and data catalogues."""

import csv
import datetime
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings
from django.urls import reverse
from django.utils.html import json_script
from django.utils.safestring import mark_safe

from portal.open_data import DEMO_NOTICE, PUBLISHER, XLSX_CONTENT_TYPE

from . import exports, settlement_exports
from .facet_keys import FACETS


@dataclass(frozen=True)
class Format:
    label: str
    url_name: str
    encoding_format: str


@dataclass(frozen=True)
class Dataset:
    key: str
    title: str
    description: str
    list_url_name: str
    columns: list
    #: The key of the records' list in the JSON download, and what a by-year column is named.
    records: str
    year_column: object
    formats: tuple


SPREADSHEET_FORMATS = ("CSV", "JSON", "XLSX")

DATASETS = [
    Dataset(
        key="projects",
        title="London integration projects",
        description="Every published project of London's 33 local authorities that promotes "
        "social integration: where, on what themes, for whom, delivered by whom, from which "
        "commission, and its funding by settlement and financial year.",
        list_url_name="projects:list",
        columns=exports.COLUMNS,
        records="projects",
        year_column=exports.year_column,
        formats=(
            Format("CSV", "projects:export-csv", "text/csv"),
            Format("JSON", "projects:export-json", "application/json"),
            Format("XLSX", "projects:export-xlsx", XLSX_CONTENT_TYPE),
        ),
    ),
    Dataset(
        key="settlements",
        title="Funding settlements for social integration in London",
        description="The funding settlements funders make with London's authorities: who "
        "funds whom, how much, over which financial years, with what restrictions, the "
        "yearly allocations and the published projects each funds.",
        list_url_name="projects:settlements",
        columns=settlement_exports.COLUMNS,
        records="settlements",
        year_column=settlement_exports.allocation_column,
        formats=(
            Format("CSV", "projects:settlements-csv", "text/csv"),
            Format("JSON", "projects:settlements-json", "application/json"),
            Format("XLSX", "projects:settlements-xlsx", XLSX_CONTENT_TYPE),
            Format("360Giving JSON", "projects:settlements-360giving", "application/json"),
        ),
    ),
]

FACETS_BY_NAME = {facet.name: facet for facet in FACETS}


def example_of(column):
    """A column's example, as the JSON download writes it."""
    if column.example is None and column.kind == "held":
        return FACETS_BY_NAME[column.name].option_values()[:1]
    return column.example


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return exports.CSV_LIST.join(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def csv_example(dataset):
    """The header and a row of the CSV download, as its examples make them."""
    names, cells = [], []
    for column in dataset.columns:
        example = example_of(column)
        if column.kind == "by_year":
            for label, amount in example.items():
                names.append(dataset.year_column(int(label[:4])))
                cells.append(csv_cell(amount))
        else:
            names.append(column.name)
            cells.append(csv_cell(example))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([names, cells])
    return buffer.getvalue()


def json_example(dataset, meta):
    record = {column.name: example_of(column) for column in dataset.columns}
    return json.dumps({"meta": meta, dataset.records: [record]}, indent=2, ensure_ascii=False)


def grant_example():
    """A settlement as the 360Giving download writes it, made by the download's own code."""
    example = {column.name: column.example for column in settlement_exports.COLUMNS}
    row = {
        "pk": example["id"],
        "programme": example["programme"],
        "total_amount": Decimal(str(example["total_gbp"])),
        "first_year": int(example["first_year"][:4]),
        "last_year": int(example["last_year"][:4]),
        "restrictions": example["restrictions"],
        "conditions": example["conditions"],
        "awarded_on": datetime.date.fromisoformat(example["awarded_on"]),
        "updated_at": datetime.datetime.fromisoformat(example["updated_at"]),
        "funder__name": example["funder"],
        "funder__slug": "thames-trust",
        "funder__kind": example["funder_kind"],
        "funder_org_id": example["funder_org_id"],
        "recipient__name": example["recipient"],
        "recipient__gss_code": example["recipient_gss_code"],
        "recipient__short_code": example["recipient_org_id"].removeprefix("GB-LAE-"),
        "allocated_by_year": json.dumps(example["allocations_gbp_by_year"]),
        "funded": [
            json.dumps({"slug": slug, "title": "Befriending Network", "amount": "45000.50"})
            for slug in example["projects"]
        ],
        "theme_ids": [1],
    }
    themes = {1: SimpleNamespace(slug="isolation", name="Isolation and loneliness")}
    urls = {
        "settlements": "https://portal.example.org/settlements/",
        "projects": "https://portal.example.org/projects/",
    }
    return json.dumps(settlement_exports.grant(row, themes, urls), indent=2, ensure_ascii=False)


def documented(request):
    """Each dataset as the page documents it."""
    licence = settings.OPEN_DATA_LICENCE
    described = []
    for dataset in DATASETS:
        meta = {
            "title": dataset.title,
            "publisher": PUBLISHER,
            "licence": licence,
            "source": request.build_absolute_uri(
                reverse(dataset.formats[1].url_name) + "?sort=latest"
            ),
            "list": request.build_absolute_uri(reverse(dataset.list_url_name) + "?sort=latest"),
            "produced_at": "2025-09-01T10:00:00+00:00",
            "filters": {"sort": ["latest"]},
            "columns": {"id": "…"},
        }
        described.append(
            {
                "dataset": dataset,
                "formats": [
                    {
                        "format": download_format,
                        "path": reverse(download_format.url_name),
                        "url": request.build_absolute_uri(reverse(download_format.url_name)),
                    }
                    for download_format in dataset.formats
                ],
                "list_path": reverse(dataset.list_url_name),
                "columns": [
                    {
                        "name": column.name,
                        "description": column.description,
                        "example": json.dumps(example_of(column), ensure_ascii=False),
                    }
                    for column in dataset.columns
                ],
                "csv_example": csv_example(dataset),
                "json_example": json_example(dataset, meta),
            }
        )
    return described


def dataset_metadata(request, described):
    """schema.org metadata of the downloads, as a JSON-LD script element."""
    licence = settings.OPEN_DATA_LICENCE["url"]
    publisher = {"@type": "Organization", "name": PUBLISHER}
    notice = f"{DEMO_NOTICE} " if settings.DEMO_NOTICE else ""
    catalogue = {
        "@context": "https://schema.org",
        "@type": "DataCatalog",
        "name": PUBLISHER,
        "url": request.build_absolute_uri(reverse("about-data")),
        "publisher": publisher,
        "license": licence,
        "dataset": [
            {
                "@type": "Dataset",
                "name": item["dataset"].title,
                "description": notice + item["dataset"].description,
                "url": request.build_absolute_uri(item["list_path"]),
                "license": licence,
                "isAccessibleForFree": True,
                "creator": publisher,
                "spatialCoverage": "London, United Kingdom",
                "variableMeasured": [column["name"] for column in item["columns"]],
                "distribution": [
                    {
                        "@type": "DataDownload",
                        "name": f"{item['dataset'].title} ({entry['format'].label})",
                        "encodingFormat": entry["format"].encoding_format,
                        "contentUrl": entry["url"],
                        "license": licence,
                    }
                    for entry in item["formats"]
                ],
            }
            for item in described
        ],
    }
    # json_script escapes what could end the element early (safe HTML); only its type changes.
    return mark_safe(
        json_script(catalogue).replace(
            '<script type="application/json">', '<script type="application/ld+json">', 1
        )
    )
