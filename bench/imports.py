"""In the benchmark's database: an admin import of 1,000 valid rows, projects and settlements,
previewed and confirmed as a curator does it (upload, preview, confirm), each step timed; and
the spreadsheet bombs a curator might upload, each timed with the worker's memory growth.
Everything runs in a transaction rolled back at the end, so the catalogue stays as it was.
Prints JSON."""

import json
import re
import sys
import threading
import time
from pathlib import Path

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from boroughs.models import Borough  # noqa: E402
from projects.imports import MAX_ROWS  # noqa: E402
from projects.models import Funder, FundingSettlement, Project, Theme  # noqa: E402
from tests.workbooks import expanding_workbook, far_cell_workbook, long_workbook  # noqa: E402

#: Rows of each file: the import's own limit (MAX_ROWS) unless told fewer.
ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else MAX_ROWS


class Rollback(Exception):
    pass


def resident_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakMemory:
    """The most this process held, sampled while the block runs, over what it held before."""

    def __enter__(self):
        self.before = self.peak = resident_mb()
        self.done = threading.Event()
        self.sampler = threading.Thread(target=self.sample)
        self.sampler.start()
        return self

    def sample(self):
        while not self.done.is_set():
            self.peak = max(self.peak, resident_mb())
            time.sleep(0.01)

    def __exit__(self, *exc):
        self.done.set()
        self.sampler.join()
        self.peak = max(self.peak, resident_mb())

    @property
    def growth_mb(self):
        return round(self.peak - self.before, 1)


def csv_upload(rows):
    columns = list(rows[0])
    lines = [",".join(columns)]
    for row in rows:
        lines.append(",".join('"' + row[column].replace('"', '""') + '"' for column in columns))
    return SimpleUploadedFile("import.csv", "\n".join(lines).encode(), content_type="text/csv")


def project_rows():
    boroughs = list(Borough.objects.values_list("gss_code", flat=True))
    themes = list(Theme.objects.values_list("slug", flat=True))
    return [
        {
            "title": f"Benchmark import project {n}",
            "summary": "Neighbours of every background meet each week.",
            "lead_borough": boroughs[n % len(boroughs)],
            "partner_boroughs": boroughs[(n + 1) % len(boroughs)],
            "themes": "; ".join(themes[n % len(themes) : n % len(themes) + 2]),
            "delivery_partners": "A community centre; A library",
            "delivery_status": "active",
            "start_date": "2024-04-01",
            "end_date": "2028-03-31",
            "people_reached": str(100 + n),
            "publication_state": "draft",
        }
        for n in range(ROWS)
    ]


def settlement_rows():
    funder = Funder.objects.order_by("pk").first()
    boroughs = list(Borough.objects.values_list("gss_code", flat=True))
    return [
        {
            "funder": funder.slug,
            "programme": f"Benchmark import programme {n}",
            "recipient": boroughs[n % len(boroughs)],
            "total_amount": "150000",
            "first_year": "2024-25",
            "last_year": "2025-26",
            "restrictions": "light-touch",
            "awarded_on": "2024-03-01",
            "allocations": "2024-25: 100000; 2025-26: 50000",
        }
        for n in range(ROWS)
    ]


def timed_import(client, model, upload):
    """Seconds to preview `upload` and to confirm it, and whether every row was imported."""
    name = f"admin:projects_{model._meta.model_name}"
    file_format = "1" if upload.name.endswith(".xlsx") else "0"
    started = time.perf_counter()
    response = client.post(
        reverse(f"{name}_import"), {"import_file": upload, "format": file_format}
    )
    preview = time.perf_counter() - started
    confirm_form = re.search(r'<form action="[^"]*process_import/".*?</form>', response.text, re.S)
    if response.status_code != 200 or confirm_form is None:
        raise SystemExit(f"The {model._meta.verbose_name} preview was refused.")
    data = dict(re.findall(r'type="hidden" name="([^"]+)" (?:value="([^"]*)")?', confirm_form[0]))
    before = model.objects.count()
    started = time.perf_counter()
    response = client.post(reverse(f"{name}_process_import"), data)
    confirm = time.perf_counter() - started
    if model.objects.count() - before != ROWS:
        raise SystemExit(f"Confirming the {model._meta.verbose_name} import left rows out.")
    return {"rows": ROWS, "preview_s": round(preview, 2), "confirm_s": round(confirm, 2)}


def bombs():
    """{name: workbook}: one cell 100,000,000 rows down (its size declared, then not), a sheet
    that unzips to 700 MB, and 100,000 rows of one character each."""
    return {
        "far cell, declared": far_cell_workbook(declared=True),
        "far cell, undeclared": far_cell_workbook(declared=False),
        "expands to 700 MB": expanding_workbook(megabytes=700),
        "100,000 rows": long_workbook(100_000),
    }


def bomb_figures(client):
    result = {}
    url = reverse("admin:projects_project_import")
    for name, content in bombs().items():
        upload = SimpleUploadedFile("bomb.xlsx", content)
        with PeakMemory() as memory:
            started = time.perf_counter()
            response = client.post(url, {"import_file": upload, "format": "1"})
            seconds = time.perf_counter() - started
        refused = response.status_code == 200 and "process_import/" not in response.text
        result[name] = {
            "kb": round(len(content) / 1024, 1),
            "seconds": round(seconds, 2),
            "memory_growth_mb": memory.growth_mb,
            "refused": bool(refused),
        }
    return result


def main():
    result = {}
    try:
        with transaction.atomic():
            curator = get_user_model().objects.create_superuser(
                "benchmark-curator", "curator@example.org", "not-used-0123456789"
            )
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(curator)
            result["bombs"] = bomb_figures(client)
            result["projects"] = timed_import(client, Project, csv_upload(project_rows()))
            result["settlements"] = timed_import(
                client, FundingSettlement, csv_upload(settlement_rows())
            )
            raise Rollback
    except Rollback:
        pass
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
