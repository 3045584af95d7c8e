"""The catalogue with JavaScript switched off, and with a keyboard alone."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.factories import ProjectFactory, borough, theme


@pytest.fixture
def projects():
    for n in range(12):
        ProjectFactory(
            title=f"Hackney befriending circle {n:02d}",
            summary="Volunteers befriend isolated neighbours.",
            themes=[theme("isolation")],
        )
    for n in range(3):
        ProjectFactory(
            title=f"Camden befriending circle {n}",
            lead_borough=borough("camden"),
            themes=[theme("isolation")],
        )
    ProjectFactory(title="Camden cohesion forum", lead_borough=borough("camden"))


@pytest.fixture
def no_script_page(browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_filtering_works_with_javascript_switched_off(no_script_page, url, projects):
    page = no_script_page
    page.goto(url("/"))
    assert page.evaluate("document.body.classList.contains('js-enabled')") is False
    page.get_by_label("Search projects").fill("befriending")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("15 projects found, filtered")).to_be_visible()

    page.locator("summary", has_text="Borough (lead or partner)").click()
    page.get_by_label(re.compile(r"^Camden \(3")).check()
    page.get_by_role("group", name="Theme").get_by_label(re.compile(r"^Isolation")).check()
    page.get_by_role("button", name="Apply filters").first.click()
    expect(page.get_by_text("3 projects found, filtered")).to_be_visible()
    chosen = parse_qs(urlsplit(page.url).query)
    assert (chosen["q"], chosen["borough"], chosen["theme"]) == (
        ["befriending"],
        ["camden"],
        ["isolation"],
    )

    page.get_by_role("link", name=re.compile(r"Remove this filter: Borough")).click()
    expect(page.get_by_text("15 projects found, filtered")).to_be_visible()
    page.get_by_label("Results per page").select_option("10")
    page.get_by_label("Sort by").select_option("title")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_text("Showing 1 to 10")).to_be_visible()
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Showing 11 to 15")).to_be_visible()


def press_tab_until(page, predicate, limit=250):
    """Press Tab until the focused element matches the JavaScript predicate."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate})(document.activeElement)"):
            return
    raise AssertionError(f"Never reached an element where {predicate}")


def focus_is_visible(page):
    """GOV.UK focus styles: a yellow background or outline with a dark underline or shadow."""
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return style.outlineStyle !== "none" && style.outlineWidth !== "0px"
                || style.boxShadow !== "none"
                || style.backgroundColor === "rgb(255, 221, 0)";
        }"""
    )


def test_a_keyboard_alone_finds_filters_and_opens_a_project(page, url, projects):
    page.goto(url("/"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main-content$"))

    press_tab_until(page, "el.id === 'home-search'")
    page.keyboard.type("befriending")
    page.keyboard.press("Enter")
    expect(page.get_by_text("15 projects found, filtered")).to_be_visible()

    press_tab_until(page, "el.tagName === 'SUMMARY' && el.textContent.includes('Borough')")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    press_tab_until(
        page, "el.labels && el.labels[0] && el.labels[0].textContent.startsWith('Camden')"
    )
    assert focus_is_visible(page)
    page.keyboard.press("Space")
    expect(page.get_by_label(re.compile(r"^Camden \(3"))).to_be_checked()
    press_tab_until(page, "el.textContent.trim() === 'Apply filters'")
    page.keyboard.press("Enter")
    expect(page.get_by_text("3 projects found, filtered")).to_be_visible()

    press_tab_until(page, "el.textContent.trim() === 'Camden befriending circle 0'")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Camden befriending circle 0")
