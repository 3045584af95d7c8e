"""The SVG bar and column charts and the tile-grid map of London, as rendered by their tags."""

import re
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import engines

from boroughs.models import Borough
from portal import charts

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def render(source, **context):
    return engines["django"].from_string("{% load charts %}" + source).render(context)


def parse(html):
    """The rendered fragment as XML, which also checks that the SVG is well formed."""
    return ET.fromstring(f"<root>{html}</root>")


def svg_elements(root, tag, css_class):
    return [
        element
        for element in root.iter(f"{SVG}{tag}")
        if css_class in element.get("class", "").split()
    ]


def number(element, attribute):
    return float(element.get(attribute))


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


# Bar charts -----------------------------------------------------------------------------------


def test_the_largest_bar_gets_the_full_length_and_the_others_their_share():
    rows = [
        {"label": "Cohesion", "value": 10},
        SimpleNamespace(label="Older people", value=Decimal("5"), url=""),
        {"label": "Sport", "value": 2.5},
    ]
    root = parse(render('{% bar_chart rows title="Projects by theme" %}', rows=rows))
    widths = [number(bar, "width") for bar in svg_elements(root, "rect", "portal-chart__bar")]
    full = charts.bar_chart(rows, "Projects by theme").bar_length
    assert widths == pytest.approx([full, full / 2, full / 4], abs=0.01)
    svg = root.find(f".//{SVG}svg")
    view_width = float(svg.get("viewBox").split()[2])
    for bar, value in zip(
        svg_elements(root, "rect", "portal-chart__bar"),
        svg_elements(root, "text", "portal-chart__value"),
        strict=True,
    ):
        assert number(value, "x") > number(bar, "x") + number(bar, "width")
        assert number(value, "x") + charts.text_width(value.text) <= view_width


def test_bars_all_zero_have_no_width_and_no_division_by_zero():
    rows = [{"label": "A", "value": 0}, {"label": "B", "value": Decimal("0.00")}]
    root = parse(render('{% bar_chart rows title="Nothing yet" %}', rows=rows))
    assert [number(bar, "width") for bar in svg_elements(root, "rect", "portal-chart__bar")] == [
        0,
        0,
    ]
    assert [text.text for text in svg_elements(root, "text", "portal-chart__value")] == ["0", "0"]


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
    rows = [{"label": "Row", "value": value}]
    root = parse(
        render("{% bar_chart rows title='T' value_format=format %}", rows=rows, format=value_format)
    )
    assert [text.text for text in svg_elements(root, "text", "portal-chart__value")] == [expected]


def test_short_labels_sit_left_of_the_bars_and_long_ones_above():
    short = parse(render("{% bar_chart rows title='T' %}", rows=[{"label": "Ealing", "value": 1}]))
    label = svg_elements(short, "text", "portal-chart__label")[0]
    bar = svg_elements(short, "rect", "portal-chart__bar")[0]
    assert label.get("text-anchor") == "end"
    assert number(label, "x") < number(bar, "x")
    assert number(bar, "y") < number(label, "y") < number(bar, "y") + number(bar, "height")

    long_label = "A community project with a name far too long to sit beside its bar"
    tall = parse(render("{% bar_chart rows title='T' %}", rows=[{"label": long_label, "value": 1}]))
    label = svg_elements(tall, "text", "portal-chart__label")[0]
    bar = svg_elements(tall, "rect", "portal-chart__bar")[0]
    assert label.text == long_label
    assert label.get("text-anchor") == "start"
    assert number(label, "x") == number(bar, "x")
    assert number(label, "y") < number(bar, "y")


def test_a_chart_without_links_is_one_image_named_by_its_title_and_description():
    root = parse(
        render("{% bar_chart rows title='Projects by theme' %}", rows=[{"label": "A", "value": 1}])
    )
    svg = root.find(f".//{SVG}svg")
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id
    assert svg.find(f"{SVG}title").text == "Projects by theme"
    assert svg.find(f"{SVG}desc").get("id") == desc_id
    assert svg.find(f"{SVG}desc").text == "Bar chart. The table beside it gives the same figures."
    assert list(svg.iter(f"{SVG}a")) == []


def test_rows_with_urls_become_named_links_in_a_group_rather_than_an_image():
    rows = [
        {"label": "Cohesion", "value": 1234, "url": "/themes/cohesion/"},
        {"label": "Sport", "value": 1, "url": "/themes/sport/"},
    ]
    root = parse(render("{% bar_chart rows title='T' unit='project,projects' %}", rows=rows))
    svg = root.find(f".//{SVG}svg")
    assert svg.get("role") == "group"
    assert svg.find(f"{SVG}title").get("id") == svg.get("aria-labelledby")
    links = list(svg.iter(f"{SVG}a"))
    assert [(link.get("href"), link.get("aria-label")) for link in links] == [
        ("/themes/cohesion/", "Cohesion: 1,234 projects"),
        ("/themes/sport/", "Sport: 1 project"),
    ]
    assert not [element for element in root.iter() if element.get("role") == "img"]


def test_labels_and_titles_are_escaped():
    rows = [{"label": '<script>alert("x")</script>', "value": 1, "url": "/a?b=1&c=2"}]
    html = render("{% bar_chart rows title=title %}", rows=rows, title="<script>bad()</script>")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;script&gt;bad()&lt;/script&gt;" in html
    root = parse(html)
    assert (
        svg_elements(root, "text", "portal-chart__label")[0].text == '<script>alert("x")</script>'
    )
    assert root.find(f".//{SVG}a").get("href") == "/a?b=1&c=2"


def test_an_unknown_value_format_is_an_error():
    with pytest.raises(ValueError, match="value_format"):
        charts.bar_chart([{"label": "A", "value": 1}], "T", value_format="euros")


# Column charts --------------------------------------------------------------------------------


def test_columns_rise_from_the_axis_in_proportion_with_values_above_and_labels_below():
    rows = [
        {"label": "2022–23", "value": Decimal("800000.00")},
        {"label": "2023–24", "value": Decimal("400000.00")},
        {"label": "2024–25", "value": Decimal("0.00")},
    ]
    root = parse(render("{% column_chart rows title='T' value_format='pounds' %}", rows=rows))
    axis_y = number(root.find(f".//{SVG}line"), "y1")
    columns = svg_elements(root, "rect", "portal-chart__bar")
    values = svg_elements(root, "text", "portal-chart__value")
    labels = svg_elements(root, "text", "portal-chart__label")
    full = charts.column_chart(rows, "T").column_length
    assert [number(column, "height") for column in columns] == [full, full / 2, 0]
    assert [text.text for text in values] == ["£800,000", "£400,000", "£0"]
    assert ["".join(label.itertext()) for label in labels] == ["2022–23", "2023–24", "2024–25"]
    for column, value, label in zip(columns, values, labels, strict=True):
        left, right = number(column, "x"), number(column, "x") + number(column, "width")
        assert number(column, "y") + number(column, "height") == axis_y
        assert number(value, "y") < number(column, "y")
        assert left < number(value, "x") < right
        for line in label.iter(f"{SVG}tspan"):
            assert number(line, "y") > axis_y
            assert left < number(line, "x") < right
    assert number(columns[0], "x") < number(columns[1], "x") < number(columns[2], "x")


def test_long_column_labels_wrap_under_their_column():
    rows = [{"label": f"Kensington and Chelsea {n}", "value": n} for n in range(12)]
    root = parse(render("{% column_chart rows title='T' %}", rows=rows))
    chart = charts.column_chart(rows, "T")
    label = svg_elements(root, "text", "portal-chart__label")[0]
    lines = [line.text for line in label.iter(f"{SVG}tspan")]
    assert len(lines) > 1
    assert " ".join(lines) == "Kensington and Chelsea 0"
    slot = chart.columns[0].band_width
    assert all(charts.text_width(line, charts.SMALL_FONT_SIZE) <= slot for line in lines)
    assert root.find(f".//{SVG}desc").text.startswith("Column chart.")


# The tile map ---------------------------------------------------------------------------------


def test_every_authority_has_one_square_at_its_grid_position():
    boroughs = list(Borough.objects.all())
    assert len(boroughs) == 33
    root = parse(render("{% tile_map tiles title='Projects' %}", tiles=borough_tiles()))
    links = list(root.iter(f"{SVG}a"))
    assert len(links) == 33
    pitch = charts.TILE_SIZE + charts.TILE_GAP
    for borough in boroughs:
        [link] = [
            link
            for link in links
            if link.get("aria-label").startswith(f"{borough.name}, {borough.short_code}:")
        ]
        assert link.get("href") == f"/boroughs/{borough.slug}/"
        tile = svg_elements(link, "rect", "portal-map__tile")[0]
        assert number(tile, "x") == charts.MAP_PADDING + borough.grid_col * pitch
        assert number(tile, "y") == charts.MAP_PADDING + borough.grid_row * pitch
        assert number(tile, "width") == number(tile, "height") == charts.TILE_SIZE
        code = link.find(f"{SVG}text")
        assert code.text == borough.short_code
        assert number(tile, "x") < number(code, "x") < number(tile, "x") + charts.TILE_SIZE
        assert number(tile, "y") < number(code, "y") < number(tile, "y") + charts.TILE_SIZE
    svg = root.find(f".//{SVG}svg")
    _, _, width, height = map(float, svg.get("viewBox").split())
    assert width == 2 * charts.MAP_PADDING + 8 * pitch - charts.TILE_GAP
    assert height == 2 * charts.MAP_PADDING + 7 * pitch - charts.TILE_GAP


def test_squares_are_in_reading_order_for_the_keyboard():
    root = parse(render("{% tile_map tiles title='T' %}", tiles=borough_tiles()))
    positions = [
        (number(rect, "y"), number(rect, "x"))
        for rect in svg_elements(root, "rect", "portal-map__tile")
    ]
    assert positions == sorted(positions)
    names = [link.get("aria-label").split(", ")[0] for link in root.iter(f"{SVG}a")]
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
def test_squares_are_links_with_accessible_names(value_format, unit, value, name):
    tiles = borough_tiles({"hackney": value})
    root = parse(
        render(
            "{% tile_map tiles title='T' value_format=format unit=unit %}",
            tiles=tiles,
            format=value_format,
            unit=unit,
        )
    )
    [link] = [link for link in root.iter(f"{SVG}a") if link.get("href") == "/boroughs/hackney/"]
    assert link.get("aria-label") == name


def test_the_map_is_a_titled_group_of_links_not_an_image():
    html = render("{% tile_map tiles title='Projects by authority' %}", tiles=borough_tiles())
    root = parse(html)
    svg = root.find(f".//{SVG}svg")
    assert svg.get("role") == "group"
    title = svg.find(f"{SVG}title")
    assert title.get("id") == svg.get("aria-labelledby")
    assert title.text == "Projects by authority"
    assert not [element for element in root.iter() if element.get("role") == "img"]
    hidden = root.find(".//p[@class='govuk-visually-hidden']")
    assert "The table on this page gives the same figures." in hidden.text


def test_squares_are_shaded_in_five_equal_bins_with_no_data_hatched():
    tiles = borough_tiles({"barnet": 0, "hackney": 100, "camden": None, "ealing": 39, "brent": 40})
    root = parse(render("{% tile_map tiles title='T' %}", tiles=tiles))
    by_name = {
        link.get("aria-label").split(", ")[0]: svg_elements(link, "rect", "portal-map__tile")[0]
        for link in root.iter(f"{SVG}a")
    }
    assert by_name["Barnet"].get("fill") == charts.MAP_PALETTE[0]
    assert by_name["Hackney"].get("fill") == charts.MAP_PALETTE[4]
    assert by_name["Ealing"].get("fill") == charts.MAP_PALETTE[1]  # 20 ≤ 39 < 40
    assert by_name["Brent"].get("fill") == charts.MAP_PALETTE[2]  # a boundary goes up a bin
    camden = by_name["Camden"]
    assert "portal-map__tile--no-data" in camden.get("class")
    hatch = re.fullmatch(r"url\(#(.+)\)", camden.get("fill")).group(1)
    assert root.find(f".//{SVG}pattern").get("id") == hatch
    assert Counter(rect.get("fill") for rect in by_name.values())[camden.get("fill")] == 1


def test_bins_are_equal_width_from_the_smallest_to_the_largest_value():
    bins = charts.make_bins([10, None, 0, 3], unit="projects")
    assert [(b.lower, b.upper) for b in bins] == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10)]
    assert [b.label for b in bins] == [
        "0 to 1 projects",
        "2 to 3 projects",
        "4 to 5 projects",
        "6 to 7 projects",
        "8 to 10 projects",
    ]
    assert charts.find_bin(0, bins).index == 0
    assert charts.find_bin(Decimal("1.99"), bins).index == 0
    assert charts.find_bin(2, bins).index == 1
    assert charts.find_bin(10, bins).index == 4
    assert charts.find_bin(None, bins) is None
    assert charts.make_bins([None, None]) == ()


def test_equal_values_share_one_bin():
    bins = charts.make_bins([5, 5, None], unit="projects")
    assert len(bins) == 1
    assert bins[0].label == "5 projects"
    assert charts.find_bin(5, bins).fill == charts.MAP_PALETTE[0]


def test_text_is_black_on_the_three_lightest_colours_and_white_on_the_two_darkest():
    tiles = borough_tiles({"camden": None})  # the others 0 to 32, filling every bin
    root = parse(render("{% tile_map tiles title='T' %}", tiles=tiles))
    seen = set()
    for link in root.iter(f"{SVG}a"):
        fill = svg_elements(link, "rect", "portal-map__tile")[0].get("fill")
        colour = link.find(f"{SVG}text").get("fill")
        if fill.startswith("url("):
            assert colour == charts.TEXT_BLACK
            continue
        index = charts.MAP_PALETTE.index(fill)
        assert colour == (charts.TEXT_BLACK if index < 3 else charts.TEXT_WHITE)
        assert charts.contrast_ratio(colour, fill) >= 4.5
        seen.add(index)
    assert seen == {0, 1, 2, 3, 4}
    assert round(charts.contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert charts.contrast_ratio(charts.TEXT_BLACK, charts.NO_DATA_FILL) >= 4.5


def test_the_key_is_an_html_list_of_swatches_and_ranges_in_the_map_format():
    values = {borough.slug: Decimal("500000.00") for borough in Borough.objects.all()}
    values.update(barnet=Decimal("0.00"), hackney=Decimal("1000000.00"), camden=None)
    tiles = borough_tiles(values)
    root = parse(render("{% tile_map tiles title='T' value_format='pounds' %}", tiles=tiles))
    legend = root.find(".//ul[@class='govuk-list portal-map__legend-list']")
    items = legend.findall("li")
    assert ["".join(item.itertext()).strip() for item in items] == [
        "£0 to £199,999",
        "£200,000 to £399,999",
        "£400,000 to £599,999",
        "£600,000 to £799,999",
        "£800,000 to £1,000,000",
        "No data",
    ]
    swatches = [item.find(f"{SVG}svg") for item in items]
    assert all(swatch.get("aria-hidden") == "true" for swatch in swatches)
    fills = [swatch.find(f"{SVG}rect").get("fill") for swatch in swatches]
    assert fills == [*charts.MAP_PALETTE, charts.NO_DATA_FILL]
    assert swatches[-1].findall(f"{SVG}line")  # hatched, like the squares
    assert swatches[0].findall(f"{SVG}line") == []


def test_the_key_leaves_out_missing_values_and_bins_no_whole_number_can_fill():
    tiles = [
        {"borough": place("Hackney", "HCK", 5, 2), "value": 0, "url": "/h/"},
        {"borough": place("Camden", "CMD", 3, 2), "value": 3, "url": "/c/"},
    ]
    html = render("{% tile_map tiles title='T' unit='project,projects' %}", tiles=tiles)
    items = parse(html).findall(".//ul/li")
    # Bins of 0.6: [0, 0.6), [0.6, 1.2), [1.2, 1.8), [1.8, 2.4), [2.4, 3]; the third holds no count.
    assert ["".join(item.itertext()).strip() for item in items] == [
        "0 projects",
        "1 project",
        "2 projects",
        "3 projects",
    ]


def test_two_maps_and_charts_on_one_page_have_unique_ids_that_resolve():
    tiles = borough_tiles({"camden": None})
    rows = [{"label": "A", "value": 1}]
    html = render(
        "{% tile_map tiles title='Projects' %}{% tile_map tiles title='Projects' %}"
        "{% bar_chart rows title='Projects' %}{% bar_chart rows title='Projects' %}"
        "{% column_chart rows title='Projects' %}",
        tiles=tiles,
        rows=rows,
    )
    root = parse(html)
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    # Each map: its div, title and no-data pattern; each chart: its title and description.
    assert len(ids) == len(set(ids)) == 2 * 3 + 3 * 2
    for svg in root.iter(f"{SVG}svg"):
        inside = {element.get("id") for element in svg.iter()}
        references = " ".join(
            svg.get(attribute, "") for attribute in ("aria-labelledby", "aria-describedby")
        ).split()
        references += [
            match
            for element in svg.iter()
            for match in re.findall(r"url\(#([^)]+)\)", element.get("fill", ""))
        ]
        assert all(reference in inside for reference in references)
    assert all(re.fullmatch(r"portal-(chart|map)-projects-\d+(-[a-z-]+)?", i) for i in ids)


def test_map_text_is_escaped():
    tiles = [{"borough": place("<b>Bad</b>", "B&D", 0, 0), "value": 1, "url": "/x/"}]
    html = render("{% tile_map tiles title=title %}", tiles=tiles, title="<script>x</script>")
    assert "<b>" not in html
    assert "<script>" not in html
    root = parse(html)
    assert root.find(f".//{SVG}a").get("aria-label") == "<b>Bad</b>, B&D: 1"
    assert root.find(f".//{SVG}title").text == "<script>x</script>"


def test_a_square_without_a_url_is_a_named_image_rather_than_a_link():
    tiles = [{"borough": place("Hackney", "HCK", 5, 2), "value": 1}]
    root = parse(render("{% tile_map tiles title='T' %}", tiles=tiles))
    assert list(root.iter(f"{SVG}a")) == []
    square = root.find(f".//{SVG}g")
    assert square.get("role") == "img"
    assert square.get("aria-label") == "Hackney, HCK: 1"


def test_squares_off_the_grid_or_on_top_of_each_other_are_errors():
    with pytest.raises(ValueError, match="outside"):
        charts.tile_map([{"borough": place("X", "XXX", 8, 0), "value": 1, "url": "/"}], "T")
    twice = [{"borough": place(name, name[:3], 1, 1), "value": 1, "url": "/"} for name in "AB"]
    with pytest.raises(ValueError, match="share"):
        charts.tile_map(twice, "T")
