"""Lighthouse on every kind of public page, as a phone on a slow network sees it.

    python bench/audit.py       # make audit

Serves the benchmark's 1,000-project database (loaded when missing) with gunicorn and production
settings, as bench/run.py does, and runs Lighthouse (from the npm registry, at the version
below, on demand: too slow and too big for every install) with Debian's Chromium on each page.
Prints each page's scores and layout shift, writes them as JSON to bench/results/, and exits 1
if a page scores under the targets: performance 95, accessibility 100.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    HOST,
    RESULTS,
    ROOT,
    SMOKE,
    Server,
    environment,
    manage,
    pages,
    prepare_database,
)

LIGHTHOUSE = "lighthouse@12.8.2"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 95, "accessibility": 100}


def page_types(projects):
    """One address of each kind of public page: the benchmark's pages (but the API's, which
    are not pages) and the rest."""
    script = """
import json
from projects.models import Funder, Theme
print(json.dumps({
    "funder": Funder.objects.order_by("pk").first().get_absolute_url(),
    "theme": Theme.objects.order_by("pk").first().get_absolute_url(),
}))
"""
    found = json.loads(manage(projects, "shell", "-c", script).stdout.strip().splitlines()[-1])
    html_pages = {kind: path for kind, path in pages(projects).items() if "/api/" not in path}
    return {
        **html_pages,
        "commissions": "/commissions/",
        "funders": "/funders/",
        "funder": found["funder"],
        "settlements": "/settlements/",
        "themes": "/themes/",
        "theme": found["theme"],
        "compare boroughs": "/compare/boroughs/?borough=hackney&borough=camden",
        "about the data": "/about/data/",
        "accessibility statement": "/accessibility/",
        "sign in": "/account/sign-in/",
    }


def lighthouse(address, tries=2):
    """Lighthouse's report of one page, with its default (mobile) settings; tried again when
    Lighthouse itself fails (its trace of a page load is now and then lost on a busy machine)."""
    result = subprocess.run(
        [
            "npx",
            "--yes",
            LIGHTHOUSE,
            address,
            f"--chrome-path={CHROMIUM}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            f"--only-categories={','.join(CATEGORIES)}",
            "--output=json",
            "--output-path=stdout",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        if tries > 1:
            return lighthouse(address, tries - 1)
        raise SystemExit(f"Lighthouse failed on {address}:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)


def failed_audits(report):
    """The audits that cost a page points, by category: what to mend."""
    failed = {}
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                failed.setdefault(name, []).append(audit["id"])
    return failed


def main():
    if not shutil.which("npx"):
        raise SystemExit("The audit runs Lighthouse with npx: install Node.js 20 or newer.")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"No Chromium at {CHROMIUM}: apt-get install chromium, or set CHROMIUM.")
    projects = SMOKE.projects
    prepare_database(projects)
    manage(projects, "collectstatic", "--no-input", "--clear")
    addresses = page_types(projects)
    scores = {}
    with Server(environment(projects)) as server:
        for kind, path in addresses.items():
            report = lighthouse(f"http://{HOST}:{server.port}{path}")
            scores[kind] = {
                **{name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES},
                "layout shift": report["audits"]["cumulative-layout-shift"]["numericValue"],
                "failed audits": failed_audits(report),
            }
            row = "  ".join(f"{scores[kind][name]:>3}" for name in CATEGORIES)
            failed = "; ".join(
                f"{name}: {', '.join(ids)}" for name, ids in scores[kind]["failed audits"].items()
            )
            print(f"{kind:<28} {row}  CLS {scores[kind]['layout shift']:.3f}  {failed}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"audit-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(scores))
    under = {
        kind: {name: figures[name] for name, least in TARGETS.items() if figures[name] < least}
        for kind, figures in scores.items()
    }
    under = {kind: figures for kind, figures in under.items() if figures}
    print(f"Columns: {', '.join(CATEGORIES)}. Targets: {TARGETS}.")
    if under:
        print(f"Under target: {under}")
        sys.exit(1)
    print("Every page meets the targets.")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
