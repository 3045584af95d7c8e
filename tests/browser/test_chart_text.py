"""The charts' and the map's text stays readable on a phone and on a desktop: every label, value,
code and line of the key at least 16 CSS pixels, none of it drawn in a scaled SVG, each map code
inside its square, and no chart wider than the page."""

import pytest

from projects.models import FundingSettlement, Theme

# For each chart, map and sentence on the page: the text a person sees, with its size and
# whether it lies inside its map square; and how far the drawing reaches right.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const drawings = [...document.querySelectorAll(
    ".portal-chart, .portal-map, .portal-chart__sentence")];
  const texts = [];
  for (const drawing of drawings) {
    const walker = document.createTreeWalker(drawing, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!node.textContent.trim() || element.closest(".govuk-visually-hidden")) continue;
      const box = element.getBoundingClientRect();
      const tile = element.closest(".portal-map__tile");
      const square = tile && tile.getBoundingClientRect();
      texts.push({
        text: node.textContent.trim(),
        size: parseFloat(getComputedStyle(element).fontSize),
        height: box.height,
        in_svg: Boolean(element.closest("svg")),
        in_square: !square || (box.left >= square.left && box.right <= square.right),
      });
    }
  }
  const region = (drawing) => drawing.querySelector(".portal-map__scroll") || drawing;
  return {
    drawings: drawings.length,
    texts,
    overflowing: drawings.filter((d) => region(d).getBoundingClientRect().right > width + 1)
      .map((d) => d.className),
  };
}"""


@pytest.mark.parametrize("width", [320, 1280])
def test_chart_and_map_text_is_at_least_16_pixels_at_every_width(page, url, demo, width):
    page.set_viewport_size({"width": width, "height": 900})
    paths = {
        "home": "/",
        "boroughs": "/boroughs/",
        "borough": "/boroughs/hackney/",
        "theme": Theme.objects.get(slug="isolation").get_absolute_url(),
        "funder": FundingSettlement.objects.first().funder.get_absolute_url(),
    }
    for kind, path in paths.items():
        page.goto(url(path))
        measured = page.evaluate(MEASURE)
        assert measured["drawings"], f"{kind}: no chart or map"
        assert measured["texts"], f"{kind}: no text in its charts"
        small = [t for t in measured["texts"] if t["size"] < 16 or t["height"] < 16]
        assert small == [], f"{kind} at {width} px"
        assert [t["text"] for t in measured["texts"] if t["in_svg"]] == [], kind
        assert [t["text"] for t in measured["texts"] if not t["in_square"]] == [], kind
        assert measured["overflowing"] == [], f"{kind} at {width} px"
