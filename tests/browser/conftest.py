"""Real-browser tests: Playwright driving Debian's Chromium against Django's live server.

No test tool downloads a browser: CHROMIUM (default /usr/bin/chromium, installed with apt-get) is
launched directly. On a failing test the page's screenshot and HTML are kept in test-artifacts/.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's synchronous API runs an event loop in the test thread; the ORM calls the tests
# make from that thread are still synchronous, so Django's async-safety check does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(autouse=True)
def committed_reference_data(reference_data):
    """The live server needs committed data: each browser test runs in a real transaction,
    after which the database is emptied, and puts the reference data back first."""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not at {CHROMIUM}: install Debian's chromium (apt-get install chromium)."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def url(live_server):
    """The live server's address of a path."""
    return lambda path: f"{live_server.url}{path}"


@pytest.fixture
def page(page):
    """A browser page that fails the test if the Content-Security-Policy refuses anything the
    portal's own pages ask for (the browser says so on its console). The admin's are Django's
    and django-import-export's, whose scripts set a few style attributes the policy refuses,
    at no loss of function."""
    page.set_default_timeout(10_000)
    refused = []

    def seen(message):
        if "Content Security Policy" in message.text and "/admin/" not in page.url:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", seen)
    yield page
    assert refused == []


@pytest.fixture
def demo():
    """A small demo catalogue: every authority, theme, status and kind of funding."""
    call_command("seed_demo", "--projects", "150", stdout=io.StringIO())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page")
        if page is not None and not page.is_closed():
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", item.nodeid)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
    return report


def axe_violations(page):
    """The WCAG 2.0/2.1/2.2 A and AA violations axe-core finds on the page as it stands."""
    # Run through the browser's devtools, which the portal's Content-Security-Policy does not
    # govern: a script element added to the page would be refused, as it should be.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => ({
                id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
            }));
        }""",
        WCAG_AA,
    )
