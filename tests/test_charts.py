"""The bar and column charts, the sentences that replace them, and the tile-grid map of London,
as rendered by their tags."""

import itertools
import xml.etree.ElementTree as ET
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from django.template import engines

from boroughs.models import Borough
from portal import charts

pytestmark = pytest.mark.django_db


def render(source, **context):
    return engines["django"].from_string("{% load charts %}" + source).render(context)


def parse(html):
    """The rendered fragment as XML, which also checks that it is well formed."""
    return ET.fromstring(f"<root>{html}</root>")


def by_class(root, css_class, tag="*"):
    return [
        element
        for element in root.iter()
        if (tag == "*" or element.tag == tag) and css_class in element.get("class", "").split()
    ]


def text(element):
    """An element's text as read out, visually hidden parts included, spaces collapsed."""
    return " ".join("".join(element.itertext()).split())


def sentence(html):
    [paragraph] = by_class(parse(html), "portal-chart__sentence")
    return text(paragraph)


def place(name, code, col, row):
    return SimpleNamespace(name=name, short_code=code, grid_col=col, grid_row=row)


def borough_tiles(values=None, **extra):
    """A tile for each of the 33 authorities: value from values by slug, else the list position."""
    return [
        {
            "borough": borough,
            "value": (values or {}).get(borough.slug, index),
            "url": f"/boroughs/{borough.slug}/",
            **extra,
        }
        for index, borough in enumerate(Borough.objects.all())
    ]


THEMES = [
    {"label": "Cohesion", "value": 10},
    SimpleNamespace(label="Older people", value=Decimal("5"), url=""),
    {"label": "Sport", "value": 2.5},
]


# Bar charts -----------------------------------------------------------------------------------


def test_the_largest_bar_gets_the_full_width_and_the_others_their_share():
    root = parse(render('{% bar_chart rows title="Projects by theme" %}', rows=THEMES))
    across = by_class(root, "portal-chart__across", "rect")
    assert [rect.get("width") for rect in across] == ["100%", "50%", "25%"]
    assert [text(value) for value in by_class(root, "portal-chart__value")] == ["10", "5", "2.5"]
    assert [text(label) for label in by_class(root, "portal-chart__label")] == [
        "Cohesion",
        "Older people",
        "Sport",
    ]


def test_all_the_text_is_html_and_the_bars_are_hidden_pictures_without_any():
    root = parse(render('{% bar_chart rows title="T" unit="projects" %}', rows=THEMES))
    assert not [element for element in root.iter() if element.tag in ("text", "tspan")]
    bars = by_class(root, "portal-chart__bar", "svg")
    assert len(bars) == 3
    for bar in bars:
        assert bar.get("aria-hidden") == "true"
        assert "viewBox" not in bar.attrib  # nothing in it is scaled, so nothing shrinks
        assert text(bar) == ""
    rows = by_class(root, "portal-chart__row", "li")
    assert [text(row) for row in rows] == [
        "Cohesion 10 projects",
        "Older people 5 projects",
        "Sport 2.5 projects",
    ]


def test_no_figure_and_zero_give_no_bar_and_no_division_by_zero():
    rows = [{"label": "A", "value": 0}, {"label": "B", "value": None}, {"label": "C", "value": 4}]
    root = parse(render('{% bar_chart rows title="T" %}', rows=rows))
    assert [rect.get("width") for rect in by_class(root, "portal-chart__across")] == [
        "0%",
        "0%",
        "100%",
    ]
    assert [text(value) for value in by_class(root, "portal-chart__value")] == ["0", "–", "4"]


@pytest.mark.parametrize(
    "tag", ['bar_chart rows title="T"', 'column_chart rows title="T"', 'tile_map rows title="T"']
)
def test_no_rows_gives_a_paragraph_instead_of_a_drawing(tag):
    html = render("{% " + tag + " %}", rows=iter(()))
    assert '<p class="govuk-body">No data to show.</p>' in html
    assert "<svg" not in html


@pytest.mark.parametrize(
    ("value_format", "value", "expected"),
    [
        ("count", 1234, "1,234"),
        ("count", 1234567.0, "1,234,567"),
        ("pounds", Decimal("1234567.00"), "£1,234,567"),
        ("pounds_short", Decimal("1200000"), "£1.2m"),
        ("percent", 0.4, "40%"),
        ("percent", Decimal("0.25"), "25%"),
    ],
)
def test_bar_values_are_printed_in_their_format(value_format, value, expected):
    rows = [{"label": "Row", "value": value}, {"label": "Less", "value": 0}, {"label": "Unknown"}]
    root = parse(
        render("{% bar_chart rows title='T' value_format=format %}", rows=rows, format=value_format)
    )
    assert text(by_class(root, "portal-chart__value")[0]) == expected


def test_a_chart_is_a_figure_named_by_its_title_and_description():
    root = parse(render("{% bar_chart rows title='Projects by theme' %}", rows=THEMES))
    [figure] = root.findall("figure")
    assert "portal-chart--bar" in figure.get("class")
    assert text(figure.find("figcaption")) == (
        "Projects by theme. Bar chart. The table beside it gives the same figures."
    )
    assert figure.find("figcaption").get("class") == "govuk-visually-hidden"
    assert list(figure.iter("a")) == []


def test_rows_with_urls_have_their_labels_as_links():
    rows = [
        {"label": "Cohesion", "value": 1234, "url": "/themes/cohesion/"},
        {"label": "Sport", "value": 1, "url": "/themes/sport/"},
        {"label": "Other", "value": 3},
    ]
    root = parse(render("{% bar_chart rows title='T' unit='project,projects' %}", rows=rows))
    links = list(root.iter("a"))
    assert [(link.get("href"), link.get("class"), text(link)) for link in links] == [
        ("/themes/cohesion/", "govuk-link", "Cohesion"),
        ("/themes/sport/", "govuk-link", "Sport"),
    ]
    assert [text(row) for row in by_class(root, "portal-chart__row")] == [
        "Cohesion 1,234 projects",
        "Sport 1 project",
        "Other 3 projects",
    ]


def test_labels_and_titles_are_escaped():
    rows = [
        {"label": '<script>alert("x")</script>', "value": 1, "url": "/a?b=1&c=2"},
        {"label": "B", "value": 2},
        {"label": "C", "value": 3},
    ]
    html = render("{% bar_chart rows title=title %}", rows=rows, title="<script>bad()</script>")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;script&gt;bad()&lt;/script&gt;" in html
    root = parse(html)
    assert text(by_class(root, "portal-chart__label")[0]) == '<script>alert("x")</script>'
    assert root.find(".//a").get("href") == "/a?b=1&c=2"


def test_an_unknown_value_format_is_an_error():
    with pytest.raises(ValueError, match="value_format"):
        charts.bar_chart([{"label": "A", "value": 1}], "T", value_format="euros")


# Column charts --------------------------------------------------------------------------------


def test_columns_rise_in_proportion_with_values_above_and_labels_below():
    rows = [
        {"label": "2022–23", "value": Decimal("800000.00")},
        {"label": "2023–24", "value": Decimal("400000.00")},
        {"label": "2024–25", "value": Decimal("0.00")},
    ]
    root = parse(render("{% column_chart rows title='T' value_format='pounds' %}", rows=rows))
    [figure] = root.findall("figure")
    assert "portal-chart--column" in figure.get("class")
    # Three short columns fit side by side in the narrowest width the stylesheet knows.
    assert "portal-chart--columns-from-20" in figure.get("class")
    up = by_class(root, "portal-chart__up", "rect")
    assert [(rect.get("y"), rect.get("height")) for rect in up] == [
        ("0%", "100%"),
        ("50%", "50%"),
        ("100%", "0%"),
    ]
    assert all(rect.get("display") == "none" for rect in up)  # until the stylesheet has room
    assert [text(row) for row in by_class(root, "portal-chart__row")] == [
        "2022–23 £800,000",
        "2023–24 £400,000",
        "2024–25 £0",
    ]
    assert text(figure.find("figcaption")) == (
        "T. Column chart. The table beside it gives the same figures."
    )


def test_columns_too_many_or_too_wide_for_any_width_stay_bars_across():
    rows = [{"label": f"Kensington and Chelsea {n}", "value": n} for n in range(12)]
    root = parse(render("{% column_chart rows title='T' %}", rows=rows))
    [figure] = root.findall("figure")
    assert figure.get("class") == "portal-chart portal-chart--column"


@pytest.mark.parametrize(
    ("labels", "value", "width"),
    [
        (["A", "B", "C"], 1, 20),
        ([f"20{year}–{year + 1}" for year in range(20, 24)], Decimal("1200000"), 25),
        ([f"20{year}–{year + 1}" for year in range(20, 26)], Decimal("1200000"), 35),
        ([f"20{year}–{year + 1}" for year in range(20, 32)], Decimal("1200000"), None),
    ],
)
def test_columns_need_room_for_their_values_and_the_words_of_their_labels(labels, value, width):
    rows = [{"label": label, "value": value * (n + 1)} for n, label in enumerate(labels)]
    chart = charts.column_chart(rows, "T", value_format="pounds_short")
    assert chart.columns_from == width


# Sentences instead of charts ------------------------------------------------------------------


def test_one_row_is_a_sentence():
    rows = [{"label": "Cohesion", "value": 3, "url": "/themes/cohesion/"}]
    html = render("{% bar_chart rows title='T' unit='project,projects' %}", rows=rows)
    assert sentence(html) == "Cohesion: 3 projects."
    root = parse(html)
    assert root.find(".//a").get("href") == "/themes/cohesion/"
    assert root.findall(".//figure") == []
    assert "<svg" not in html


def test_two_rows_are_a_sentence_whatever_their_values():
    rows = [
        {"label": "Hackney", "value": Decimal("1200000")},
        {"label": "Camden", "value": Decimal("800000")},
    ]
    html = render("{% column_chart rows title='T' value_format='pounds_short' %}", rows=rows)
    assert sentence(html) == "Hackney: £1.2m; Camden: £800k."
    assert "<figure" not in html
    single = [{"label": "Camden", "value": 1}, {"label": "Barnet", "value": None}]
    html = render("{% bar_chart rows title='T' unit='project,projects' %}", rows=single)
    assert sentence(html) == "Camden: 1 project; Barnet: no data."


@pytest.mark.parametrize(
    ("count", "value", "value_format", "unit", "row_noun", "expected"),
    [
        (
            5,
            3,
            "count",
            "project,projects",
            "theme,themes",
            "All five themes have 3 projects each.",
        ),
        (5, 1, "count", "project,projects", "theme,themes", "All five themes have 1 project each."),
        (12, 2, "count", "projects", "themes", "All 12 themes have 2 projects each."),
        (3, 3, "count", "project,projects", "", "All three have 3 projects each."),
        (
            3,
            Decimal("1200000"),
            "pounds_short",
            "",
            "financial year,financial years",
            "All three financial years have £1.2m each.",
        ),
        (4, Decimal("0.25"), "percent", "", "authorities", "All four authorities are at 25%."),
        (
            5,
            0,
            "count",
            "project,projects",
            "theme,themes",
            "None of the five themes has any projects.",
        ),
        (3, None, "count", "projects", "themes", "None of the three themes has a figure."),
    ],
)
def test_rows_all_equal_are_a_sentence(count, value, value_format, unit, row_noun, expected):
    rows = [{"label": f"Row {n}", "value": value} for n in range(count)]
    html = render(
        "{% bar_chart rows title='T' value_format=format unit=unit row_noun=noun %}",
        rows=rows,
        format=value_format,
        unit=unit,
        noun=row_noun,
    )
    assert sentence(html) == expected
    assert "<figure" not in html


def test_three_rows_two_of_them_equal_are_still_a_chart():
    rows = [{"label": name, "value": value} for name, value in (("A", 2), ("B", 2), ("C", 1))]
    html = render("{% bar_chart rows title='T' %}", rows=rows)
    assert "portal-chart__sentence" not in html
    assert len(by_class(parse(html), "portal-chart__row")) == 3


# The tile map ---------------------------------------------------------------------------------


def tile_links(root):
    """{authority's name: its square's link} as the map draws them."""
    return {text(link).split(", ")[0]: link for link in by_class(root, "portal-map__tile", "a")}


def test_every_authority_has_one_square_at_its_grid_position():
    boroughs = list(Borough.objects.all())
    assert len(boroughs) == 33
    root = parse(render("{% tile_map tiles title='Projects' %}", tiles=borough_tiles()))
    cells = by_class(root, "portal-map__cell", "li")
    assert len(cells) == 33
    links = tile_links(root)
    for borough in boroughs:
        link = links[borough.name]
        assert link.get("href") == f"/boroughs/{borough.slug}/"
        [cell] = [cell for cell in cells if link in list(cell)]
        assert f"portal-map__cell--column-{borough.grid_col}" in cell.get("class").split()
        assert f"portal-map__cell--row-{borough.grid_row}" in cell.get("class").split()
        [code] = by_class(link, "portal-map__code")
        assert code.text is None  # the code follows the visually hidden name
        assert code[0].tail == borough.short_code


def test_the_map_has_no_text_in_svg_and_scrolls_in_its_own_region_when_narrow():
    root = parse(
        render("{% tile_map tiles title='Projects by authority' %}", tiles=borough_tiles())
    )
    assert not [element for element in root.iter() if element.tag in ("text", "tspan")]
    for svg in root.iter("svg"):
        assert svg.get("aria-hidden") == "true"
    [region] = by_class(root, "portal-map__scroll")
    assert region.get("role") == "region"
    assert region.get("aria-label") == "Projects by authority"
    assert region.get("tabindex") == "0"
    hidden = root.find(".//p[@class='govuk-visually-hidden']")
    assert "The table on this page gives the same figures." in hidden.text


def test_squares_are_in_reading_order_for_the_keyboard():
    root = parse(render("{% tile_map tiles title='T' %}", tiles=borough_tiles()))
    names = [text(link).split(", ")[0] for link in by_class(root, "portal-map__tile", "a")]
    by_name = {borough.name: borough for borough in Borough.objects.all()}
    positions = [(by_name[name].grid_row, by_name[name].grid_col) for name in names]
    assert positions == sorted(positions)
    assert names[0] == "Enfield"  # the only authority on the top row
    assert names[-1] == "Sutton"  # and on the bottom row


@pytest.mark.parametrize(
    ("value_format", "unit", "value", "name"),
    [
        ("count", "projects", 1234, "Hackney, HCK: 1,234 projects"),
        ("count", "project,projects", 1, "Hackney, HCK: 1 project"),
        ("count", "", 7, "Hackney, HCK: 7"),
        ("pounds", "projects", Decimal("1234.00"), "Hackney, HCK: £1,234"),
        ("percent", "", 0.25, "Hackney, HCK: 25%"),
        ("count", "projects", None, "Hackney, HCK: no data"),
    ],
)
def test_squares_are_links_named_by_the_authority_and_its_figure(value_format, unit, value, name):
    tiles = borough_tiles({"hackney": value})
    root = parse(
        render(
            "{% tile_map tiles title='T' value_format=format unit=unit %}",
            tiles=tiles,
            format=value_format,
            unit=unit,
        )
    )
    [link] = [link for link in root.iter("a") if link.get("href") == "/boroughs/hackney/"]
    assert text(link) == name
    assert "aria-label" not in link.attrib  # the name is the link's own text


def test_squares_are_shaded_in_three_bins_above_zero_with_zero_and_no_data_apart():
    tiles = borough_tiles(
        {"barnet": 0, "hackney": 100, "camden": None, "ealing": 1, "brent": 34, "bexley": 35}
    )
    root = parse(render("{% tile_map tiles title='T' unit='projects' %}", tiles=tiles))
    links = tile_links(root)

    def shade(name):
        [fill] = links[name].iter("rect")
        modifiers = [
            c for c in links[name].get("class").split() if c.startswith("portal-map__tile--")
        ]
        return modifiers[0].removeprefix("portal-map__tile--"), fill.get("fill")

    # Bins of 33 from 1 to 100: 1 to 33, 34 to 66, 67 to 100.
    assert shade("Ealing") == ("shade-0", charts.MAP_PALETTE[0])
    assert shade("Brent") == ("shade-1", charts.MAP_PALETTE[1])  # a boundary goes up a bin
    assert shade("Hackney") == ("shade-2", charts.MAP_PALETTE[2])
    assert shade("Barnet") == ("zero", charts.ZERO_FILL)
    assert shade("Camden") == ("no-data", charts.NO_DATA_FILL)
    assert list(links["Camden"].iter("line"))  # hatched, beyond its colour
    assert not list(links["Barnet"].iter("line"))


def test_an_authority_with_no_projects_has_a_class_of_its_own_named_in_the_key():
    tiles = borough_tiles({"camden": None, "hackney": 0})  # the others 1 to 32
    root = parse(render("{% tile_map tiles title='T' unit='project,projects' %}", tiles=tiles))
    hackney = tile_links(root)["Hackney"]
    assert "portal-map__tile--zero" in hackney.get("class").split()
    assert text(hackney) == "Hackney, HCK: 0 projects"
    items = root.findall(".//ul[@class='govuk-list portal-map__legend-list']/li")
    assert [text(item) for item in items] == [
        "No projects",
        "1 to 11 projects",
        "12 to 21 projects",
        "22 to 32 projects",
        "No data",
    ]
    swatches = [item.find("span") for item in items]
    assert "portal-map__tile--zero" in swatches[0].get("class").split()
    assert [swatch.find("svg/rect").get("fill") for swatch in swatches] == [
        charts.ZERO_FILL,
        *charts.MAP_PALETTE,
        charts.NO_DATA_FILL,
    ]
    assert all(swatch.find("svg").get("aria-hidden") == "true" for swatch in swatches)


@pytest.mark.parametrize(
    "values",
    [[0, 1, 32], [3, 10, None, 0], [1, 2], [5, 6, 7, 100], [250, 251, 252, 253, 1000]],
)
def test_the_keys_whole_number_ranges_cover_every_figure_once(values):
    bins = charts.make_bins(values, unit="projects")
    positive = [value for value in values if value]
    ranges = []
    for bin_ in bins:
        if bin_.possible:
            label = bin_.label.removesuffix(" projects").replace(",", "")
            first, _, last = label.partition(" to ")
            ranges.append((int(first), int(last or first), bin_))
    for (_, last, _), (first, _, _) in itertools.pairwise(ranges):
        assert last + 1 == first  # no gap and no overlap
    assert ranges[0][0] == min(positive)
    assert ranges[-1][1] == max(positive)
    for value in range(min(positive), max(positive) + 1):
        [home] = [bin_ for first, last, bin_ in ranges if first <= value <= last]
        assert charts.find_bin(value, bins) == home


def test_bins_are_equal_width_from_the_smallest_to_the_largest_figure_above_zero():
    bins = charts.make_bins([10, None, 0, 1, 4], unit="projects")
    assert [(b.lower, b.upper) for b in bins] == [(1, 4), (4, 7), (7, 10)]
    assert [b.label for b in bins] == ["1 to 3 projects", "4 to 6 projects", "7 to 10 projects"]
    assert charts.find_bin(Decimal("3.99"), bins).index == 0
    assert charts.find_bin(4, bins).index == 1
    assert charts.find_bin(10, bins).index == 2
    assert charts.find_bin(None, bins) is None
    assert charts.make_bins([None, None, 0]) == ()
    percentages = charts.make_bins([Fraction(1, 10), Fraction(4, 10)], value_format="percent")
    assert [b.label for b in percentages] == ["10% to 20%", "20% to 30%", "30% to 40%"]


def test_equal_figures_share_the_middle_shade():
    bins = charts.make_bins([5, 5, None, 0], unit="projects")
    assert len(bins) == 1
    assert bins[0].label == "5 projects"
    assert charts.find_bin(5, bins).fill == charts.MAP_PALETTE[1]


def test_neighbouring_shades_differ_by_at_least_3_to_1_and_text_on_every_fill_by_4_5():
    for lighter, darker in itertools.pairwise(charts.MAP_PALETTE):
        assert charts.contrast_ratio(lighter, darker) >= 3
    fills = [*charts.MAP_PALETTE, charts.ZERO_FILL, charts.NO_DATA_FILL]
    for fill in fills:
        assert charts.contrast_ratio(charts.text_colour_on(fill), fill) >= 4.5
    # The hatching of "no data" is dark enough to see, and the code on it stays readable.
    assert charts.contrast_ratio(charts.NO_DATA_HATCH, charts.NO_DATA_FILL) >= 2.5
    assert charts.contrast_ratio(charts.TEXT_BLACK, charts.NO_DATA_HATCH) >= 4.5
    assert round(charts.contrast_ratio("#000000", "#ffffff"), 1) == 21.0


def test_codes_on_the_darkest_shade_are_white_and_black_elsewhere():
    tiles = borough_tiles({"camden": None, "barnet": 0})  # the others up to 32, in every bin
    root = parse(render("{% tile_map tiles title='T' %}", tiles=tiles))
    seen = set()
    for link in by_class(root, "portal-map__tile", "a"):
        fill = next(link.iter("rect")).get("fill")
        on_dark = "portal-map__tile--on-dark" in link.get("class").split()
        assert on_dark == (fill == charts.MAP_PALETTE[2])
        seen.add(fill)
    assert seen == {*charts.MAP_PALETTE, charts.ZERO_FILL, charts.NO_DATA_FILL}


def test_the_key_gives_ranges_in_the_maps_format():
    values = {borough.slug: Decimal("500000.00") for borough in Borough.objects.all()}
    values.update(barnet=Decimal("1.00"), hackney=Decimal("900001.00"), camden=Decimal("0"))
    root = parse(
        render("{% tile_map tiles title='T' value_format='pounds' %}", tiles=borough_tiles(values))
    )
    items = root.findall(".//ul[@class='govuk-list portal-map__legend-list']/li")
    assert [text(item) for item in items] == [
        "£0",
        "£1 to £300,000",
        "£300,001 to £600,000",
        "£600,001 to £900,001",
    ]


def test_the_key_leaves_out_bins_no_whole_number_can_fill():
    tiles = [
        {"borough": place("Hackney", "HCK", 5, 2), "value": 1, "url": "/h/"},
        {"borough": place("Camden", "CMD", 3, 2), "value": 2, "url": "/c/"},
    ]
    html = render("{% tile_map tiles title='T' unit='project,projects' %}", tiles=tiles)
    items = parse(html).findall(".//ul/li[@class='portal-map__legend-item']")
    # Bins of a third: [1, 1⅓), [1⅓, 1⅔), [1⅔, 2]; the second holds no count.
    assert [text(item) for item in items] == ["1 project", "2 projects"]


def test_two_maps_on_one_page_have_unique_ids():
    tiles = borough_tiles()
    html = render(
        "{% tile_map tiles title='Projects' %}{% tile_map tiles title='Projects' %}", tiles=tiles
    )
    ids = [element.get("id") for element in parse(html).iter() if element.get("id")]
    assert len(ids) == len(set(ids)) == 2
    assert all(i.startswith("portal-map-projects-") for i in ids)


def test_map_text_is_escaped():
    tiles = [{"borough": place("<b>Bad</b>", "B&D", 0, 0), "value": 1, "url": "/x/"}]
    html = render("{% tile_map tiles title=title %}", tiles=tiles, title="<script>x</script>")
    assert "<b>" not in html
    assert "<script>" not in html
    root = parse(html)
    assert text(root.find(".//a")) == "<b>Bad</b>, B&D: 1"
    assert root.find(".//div[@role='region']").get("aria-label") == "<script>x</script>"


def test_a_square_without_a_url_is_text_rather_than_a_link():
    tiles = [{"borough": place("Hackney", "HCK", 5, 2), "value": 1}]
    root = parse(render("{% tile_map tiles title='T' %}", tiles=tiles))
    assert list(root.iter("a")) == []
    [square] = by_class(root, "portal-map__tile", "span")
    assert text(square) == "Hackney, HCK: 1"


def test_squares_off_the_grid_or_on_top_of_each_other_are_errors():
    with pytest.raises(ValueError, match="outside"):
        charts.tile_map([{"borough": place("X", "XXX", 8, 0), "value": 1, "url": "/"}], "T")
    twice = [{"borough": place(name, name[:3], 1, 1), "value": 1, "url": "/"} for name in "AB"]
    with pytest.raises(ValueError, match="share"):
        charts.tile_map(twice, "T")
