"""Every kind of page on a phone (375 px) and a desktop (1280 px): nothing moves as it loads, a
phone shows a list's results before its filters, the header's menus keep to one row. The
screenshots are kept in test-artifacts/screenshots/, to be looked at after a change of layout."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS
from .test_accessibility import officer, officer_pages, public_pages, sign_in  # noqa: F401

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = ARTIFACTS / "screenshots"

# The page's cumulative layout shift so far (what Lighthouse counts as CLS), from the browser's
# own record of every shift since the page began to load.
LAYOUT_SHIFT = """() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const shift of list.getEntries()) if (!shift.hadRecentInput) total += shift.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 300);
})"""


def shifts_and_screenshots(page, url, paths, width, prefix=""):
    """{kind of page: its layout shift} for each of `paths`, photographing each (its file
    named `prefix` and the kind of page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shifts = {}
    for kind, path in paths.items():
        page.goto(url(path))
        page.wait_for_load_state("load")
        shifts[kind] = round(page.evaluate(LAYOUT_SHIFT), 3)
        name = prefix + re.sub(r"\W+", "-", kind)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    return shifts


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_public_page_moves_as_it_loads(page, url, demo, size):
    page.set_viewport_size(size)
    shifts = shifts_and_screenshots(page, url, public_pages(), size["width"])
    assert {kind: shift for kind, shift in shifts.items() if shift >= 0.01} == {}


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_officers_page_moves_as_it_loads(page, url, officer, size):  # noqa: F811
    page.set_viewport_size(size)
    sign_in(page, url, officer)
    paths = officer_pages(officer)
    shifts = shifts_and_screenshots(page, url, paths, size["width"], prefix="officer-")
    assert {kind: shift for kind, shift in shifts.items() if shift >= 0.01} == {}


def test_a_phone_shows_the_results_first_and_the_filters_on_request(page, url, demo):
    page.set_viewport_size(PHONE)
    page.goto(url("/projects/"))
    filters = page.get_by_role("heading", name="Filter", exact=True)
    expect(filters).to_be_hidden()
    expect(page.get_by_label("Search")).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d+ projects found"))).to_be_in_viewport()
    first_result = page.locator(".portal-results > li").first
    assert first_result.bounding_box()["y"] < 2 * PHONE["height"]

    show = page.get_by_role("button", name="Show filters")
    show.click()
    expect(filters).to_be_in_viewport()
    page.get_by_role("group", name="Theme").get_by_label(re.compile(r"^Isolation")).check()
    page.get_by_role("button", name="Apply filters").first.click()
    expect(page).to_have_url(re.compile(r"theme=isolation"))
    expect(page.get_by_text(re.compile(r"\d+ projects? found, filtered"))).to_be_visible()
    expect(filters).to_be_hidden()

    page.get_by_role("button", name="Show filters").click()
    page.get_by_role("button", name="Close filters").click()
    expect(filters).to_be_hidden()
    expect(page.get_by_role("button", name="Show filters")).to_be_focused()


def test_without_javascript_a_phone_can_skip_past_the_filters(browser, url, demo):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(url("/projects/"))
    expect(page.get_by_role("heading", name="Filter", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Show filters")).to_have_count(0)
    page.get_by_role("link", name="Skip to results").click()
    expect(page.get_by_label("Search")).to_be_in_viewport()
    context.close()


def test_a_desktop_shows_the_filters_beside_the_results(page, url, demo):
    page.set_viewport_size(DESKTOP)
    page.goto(url("/projects/"))
    expect(page.get_by_role("heading", name="Filter", exact=True)).to_be_in_viewport()
    expect(page.get_by_role("button", name="Show filters")).to_be_hidden()
    expect(page.get_by_role("link", name="Skip to results")).to_be_hidden()


def test_signed_in_each_menu_of_the_header_keeps_to_one_row(page, url, officer):  # noqa: F811
    page.set_viewport_size(DESKTOP)
    sign_in(page, url, officer)
    page.goto(url("/officer/projects/"))
    for menu in ("Menu", "Officers' pages"):
        rows = (
            page.get_by_role("navigation", name=menu)
            .locator("li")
            .evaluate_all(
                "items => new Set(items.map(item => Math.round(item.getBoundingClientRect().top)))"
                ".size"
            )
        )
        assert rows == 1, f"the {menu} wraps onto {rows} rows"
    current = page.get_by_role("navigation", name="Officers' pages").locator("[aria-current]")
    expect(current).to_have_text("Projects")


def test_on_a_phone_wrong_filters_stay_in_view_where_the_errors_lead(page, url, demo):
    page.set_viewport_size(PHONE)
    page.goto(url("/projects/?amount_from=lots"))
    expect(page.get_by_role("button", name="Show filters")).to_have_count(0)
    page.locator(".govuk-error-summary").get_by_role("link").first.click()
    expect(page.get_by_label("Funding from")).to_be_focused()
    expect(page.get_by_label("Funding from")).to_be_in_viewport()
