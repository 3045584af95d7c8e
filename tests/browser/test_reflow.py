"""WCAG 2.2 success criterion 1.4.10, Reflow: at 320 CSS pixels wide no page scrolls sideways.
Wide tables and the tile map scroll inside their own labelled region; nothing else may widen the
page."""

from .test_accessibility import officer, officer_pages, public_pages, sign_in  # noqa: F401

NARROW = {"width": 320, "height": 720}

# What sticks out of the viewport, for the failure message: the widest elements outside the
# scroll regions that are allowed to be wider than the page.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.closest(".portal-table-scroll, .portal-map__scroll")) continue;
    const box = element.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      const classes = String(element.className || "").trim().split(/\\s+/).join(".");
      const name = element.tagName.toLowerCase() + (classes ? "." + classes : "");
      wide.push(`${name} (${Math.round(box.right)} px)`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 3)};
}"""


def too_wide(page, url, paths):
    """{kind of page: what makes it wider than the viewport} for each of `paths`."""
    found = {}
    for kind, path in paths.items():
        page.goto(url(path))
        measured = page.evaluate(OVERFLOW)
        if measured["scroll"] > measured["width"]:
            found[kind] = f"{measured['scroll']} px wide: {', '.join(measured['wide'])}"
    return found


def test_no_public_page_scrolls_sideways_at_320_pixels(page, url, demo):
    page.set_viewport_size(NARROW)
    assert too_wide(page, url, public_pages()) == {}


def test_no_officers_page_scrolls_sideways_at_320_pixels(page, url, officer):  # noqa: F811
    page.set_viewport_size(NARROW)
    sign_in(page, url, officer)
    paths = officer_pages(officer)
    assert too_wide(page, url, paths) == {}


def test_the_settlements_table_fits_a_desktop_screen(page, url, demo):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url("/settlements/"))
    region = page.get_by_role("region", name="Settlements table")
    sizes = region.evaluate("region => [region.scrollWidth, region.clientWidth]")
    assert sizes[0] <= sizes[1], f"the table is {sizes[0]} px wide in {sizes[1]} px"
    headings = page.locator("table thead th").all_inner_texts()
    assert headings[:2] == ["Programme", "Total"]
