"""What the portal's charts and its tile-grid map of London show, worked out for the templates.

The inclusion tags in portal/templatetags/charts.py call the three builders here, bar_chart(),
column_chart() and tile_map(), and the templates in templates/components/ only loop over the
results and print them. Every piece of text (labels, values, the map's codes and key) is HTML
text in the page's own font, so it never shrinks below the body size however narrow the screen;
only the bars and the squares' fills are small SVGs, stretched to their box and without text.
A bar's length is a percentage of the chart's width, so charts reflow with the page.

A chart of one or two rows, or of rows that are all equal, says so in a sentence instead: a
drawing adds nothing to "Hackney: £1.2m; Camden: £0.8m." Pages show a table of the same figures
beside every chart.

Rows and tiles may be objects or dicts. Numbers may be int, Decimal or float; bin boundaries and
bar lengths are computed with exact fractions so that values on a boundary fall on the right side.
"""

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.contrib.humanize.templatetags.humanize import apnumber
from django.utils.text import slugify

from boroughs.models import GRID_COLUMNS, GRID_ROWS
from portal.templatetags.govuk import percent, pounds, pounds_short

#: The value formats the chart tags accept: 1,234 / £1,234 / £1.2m / 45% (of a share from 0 to 1).
VALUE_FORMATS = ("count", "pounds", "pounds_short", "percent")

BRAND_PURPLE = "#5c2d91"
TEXT_BLACK = "#0b0c0c"
TEXT_WHITE = "#ffffff"
#: The map's shades of purple for figures above zero, lightest (lowest bin) to darkest. Each is at
#: least 3:1 against the next, so no two neighbouring bins rely on a slight difference of colour.
MAP_PALETTE = ("#efe8f8", "#9867d0", "#361b56")
#: Squares whose figure is zero: white, with a dashed outline (drawn by the stylesheet).
ZERO_FILL = TEXT_WHITE
#: Squares without a figure: light grey, hatched with mid-grey lines.
NO_DATA_FILL = "#f3f2f1"
NO_DATA_HATCH = "#8f979b"
NO_DATA_LABEL = "no data"

#: A generous average advance width of Helvetica/Arial characters, in ems, bold included.
CHARACTER_WIDTH = 0.65

_ids = itertools.count(1)


# Values and text ------------------------------------------------------------------------------


def format_value(value, value_format="count"):
    """A value as the chart prints it, reusing the portal's template filters.

    "count" gives 1,234 (or 2.5 for a fraction), "pounds" £1,234, "pounds_short" £1.2m and
    "percent" 45% of a share from 0 to 1. None gives an en dash, like the filters.
    """
    check_value_format(value_format)
    if value is None:
        return "–"
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    if value_format == "pounds":
        return pounds(value)
    if value_format == "pounds_short":
        return pounds_short(value)
    if value_format == "percent":
        return percent(value)
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.1f}"


def check_value_format(value_format):
    """Raise ValueError for a value format the charts do not know."""
    if value_format not in VALUE_FORMATS:
        raise ValueError(
            f"Unknown value_format {value_format!r}: use one of {', '.join(VALUE_FORMATS)}."
        )


def unit_word(unit, value):
    """The unit for a value: "projects", or with unit="project,projects" the singular for 1."""
    singular, comma, plural = unit.partition(",")
    if not comma:
        return unit
    return singular if value == 1 else plural


def unit_after(value, value_format="count", unit=""):
    """The unit that follows a value in words: counts only, as pounds and percentages carry
    their own symbol."""
    if value is None or not unit or value_format != "count":
        return ""
    return unit_word(unit, value)


def value_phrase(value, value_format="count", unit=""):
    """A value in words for labels: "1,234 projects", "£1,234", "45%" or "no data"."""
    if value is None:
        return NO_DATA_LABEL
    text = format_value(value, value_format)
    words = unit_after(value, value_format, unit)
    return f"{text} {words}" if words else text


def unique_id(prefix, title):
    """An id for one drawing on a page: the prefix, a slug of the title and a counter.

    The counter makes two charts with the same title on one page differ.
    """
    slug = slugify(str(title))[:40].strip("-") or "untitled"
    return f"{prefix}-{slug}-{next(_ids)}"


# Colours --------------------------------------------------------------------------------------


def relative_luminance(colour):
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = []
    for start in (1, 3, 5):
        channel = int(colour[start : start + 2], 16) / 255
        channels.append(
            channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4
        )
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first, second):
    """WCAG 2 contrast ratio between two #rrggbb colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(fill):
    """Black or white text, whichever contrasts more with the fill (at least 4.5:1 on every
    fill of the map)."""
    if contrast_ratio(TEXT_BLACK, fill) >= contrast_ratio(TEXT_WHITE, fill):
        return TEXT_BLACK
    return TEXT_WHITE


# Reading rows ---------------------------------------------------------------------------------


def _get(item, name, default=None):
    """An attribute of an object, or a key of a dict."""
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


def _number(value):
    """A value as an exact Fraction, or None when there is none."""
    if value is None or value == "":
        return None
    return Fraction(value)


def _round(number):
    """A number for printing: an int when whole, else a float to two decimal places."""
    number = round(float(number), 2)
    return int(number) if number.is_integer() else number


@dataclass(frozen=True)
class Line:
    """A straight line, such as one of the hatch lines of squares without data."""

    x1: float
    y1: float
    x2: float
    y2: float


# Bar and column charts ------------------------------------------------------------------------

#: The container widths, in ems of the chart's text, from which the stylesheet can draw a column
#: chart as columns; narrower, its rows are drawn as bars across, like a bar chart.
COLUMN_WIDTHS = (20, 25, 30, 35, 40)
#: The narrowest a column may be, in ems, and the space kept between two columns' text.
COLUMN_MIN_WIDTH = 3
COLUMN_TEXT_GAP = 1


@dataclass(frozen=True, kw_only=True)
class Mark:
    """One row of a chart: its label, link (if any) and value, and the length of its bar."""

    label: str
    url: str
    value: Fraction | None
    #: The value as printed beside the bar: "1,234", "£1.2m".
    value_text: str
    #: The unit that follows the value for screen readers and in sentences: "projects".
    unit: str
    #: The bar's length as a percentage of the largest value's, from 0 to 100.
    share: float

    @property
    def value_phrase(self):
        """The value in words: "1,234 projects", "£1.2m", "no data"."""
        if self.value is None:
            return NO_DATA_LABEL
        return f"{self.value_text} {self.unit}" if self.unit else self.value_text

    @property
    def rest(self):
        """What is left of 100% above a column: where the column starts, from the top."""
        return _round(100 - self.share)


@dataclass(frozen=True, kw_only=True)
class Chart:
    """A bar or column chart, or the sentence that says the same when a drawing would add
    nothing."""

    title: str
    description: str
    #: "bar" (bars across) or "column" (columns up, when there is room).
    kind: str
    marks: tuple[Mark, ...]
    #: One or two rows: the sentence lists them ("Hackney: £1.2m; Camden: £0.8m.").
    listed: bool = False
    #: Three or more rows all equal: the sentence that says so, else "".
    summary: str = ""
    #: For a column chart, the smallest of COLUMN_WIDTHS (in ems) at which its columns fit side by
    #: side, or None when they fit at none.
    columns_from: int | None = None
    bar_colour: str = BRAND_PURPLE


def _marks(rows, value_format, unit):
    """Read chart rows into Marks, each bar's share scaled to the largest value."""
    check_value_format(value_format)
    read = []
    for row in rows:
        label = _get(row, "label")
        value = _number(_get(row, "value"))
        read.append(("" if label is None else str(label), value, _get(row, "url") or ""))
    largest = max((value for _, value, _ in read if value is not None), default=0)
    return tuple(
        Mark(
            label=label,
            url=url,
            value=value,
            value_text=format_value(value, value_format),
            unit=unit_after(value, value_format, unit),
            share=_share(value, largest),
        )
        for label, value, url in read
    )


def _share(value, largest):
    """A value as a percentage of the largest: nothing (None), negative values and a largest
    value of zero all give zero."""
    if value is None or value <= 0 or largest <= 0:
        return 0
    return _round(value / largest * 100)


def rows_in_words(count, row_noun=""):
    """The rows of a chart counted in words: "five themes", "12 themes" or just "five".

    row_noun is what each row is: "themes", or "theme,themes" to give the singular for one.
    """
    number = str(apnumber(count))
    return f"{number} {unit_word(row_noun, count)}" if row_noun else number


def summary(marks, value_format="count", unit="", row_noun=""):
    """The sentence for three or more rows whose values are all the same, else "".

    "All five themes have 3 projects each.", "None of the five themes has any projects."
    """
    if len(marks) < 3 or len({mark.value for mark in marks}) != 1:
        return ""
    rows = rows_in_words(len(marks), row_noun)
    first = marks[0]
    if first.value is None:
        return f"None of the {rows} has a figure."
    if first.value == 0 and value_format == "count" and unit:
        return f"None of the {rows} has any {unit_word(unit, None)}."
    if value_format == "percent":
        return f"All {rows} are at {first.value_phrase}."
    return f"All {rows} have {first.value_phrase} each."


def columns_from(marks):
    """The smallest of COLUMN_WIDTHS (ems) in which the columns fit side by side, or None.

    Each column needs room for its value and the longest word of its label, which wraps.
    """
    slot = max(
        COLUMN_MIN_WIDTH,
        *(len(mark.value_text) * CHARACTER_WIDTH + COLUMN_TEXT_GAP for mark in marks),
        *(
            len(word) * CHARACTER_WIDTH + COLUMN_TEXT_GAP
            for mark in marks
            for word in mark.label.split()
        ),
    )
    return next((width for width in COLUMN_WIDTHS if width >= slot * len(marks)), None)


def _chart(kind, rows, title, value_format, unit, description, row_noun):
    marks = _marks(rows, value_format, unit)
    if not marks:
        return None
    return Chart(
        title=str(title),
        description=description
        or f"{kind.capitalize()} chart. The table beside it gives the same figures.",
        kind=kind,
        marks=marks,
        listed=len(marks) <= 2,
        summary=summary(marks, value_format, unit, row_noun),
        columns_from=columns_from(marks) if kind == "column" else None,
    )


def bar_chart(rows, title, value_format="count", unit="", description=None, row_noun=""):
    """A horizontal bar chart of rows (label, value, optional url), or None without rows.

    Each row's label and value share a line above its bar; the largest value's bar takes the
    chart's full width. With one or two rows, or all values equal, it is a sentence instead;
    row_noun ("theme,themes") names the rows in "All five themes have 3 projects each."
    """
    return _chart("bar", rows, title, value_format, unit, description, row_noun)


def column_chart(rows, title, value_format="count", unit="", description=None, row_noun=""):
    """A vertical column chart of rows (label, value, optional url), or None without rows.

    Values sit above the columns and labels, wrapped, under them. Where the chart's width leaves
    too little room for every column (a phone, or many columns) the rows are drawn as bars across
    instead. A sentence replaces it as for bar_chart().
    """
    return _chart("column", rows, title, value_format, unit, description, row_noun)


# Tile map -------------------------------------------------------------------------------------

BIN_COUNT = len(MAP_PALETTE)
#: The side of the square (in SVG units) that a fill is drawn in, stretched to its box.
SWATCH_SIZE = 24


@dataclass(frozen=True, kw_only=True)
class Shade:
    """One class of the map's key: how its squares look, and what the key says it means."""

    #: The stylesheet's modifier for the class: "shade-0", "zero", "no-data".
    name: str
    #: What the key says: "1 to 4 projects", "No projects", "No data".
    label: str
    fill: str
    text_colour: str
    #: Diagonal hatch lines drawn over the fill (for "no data").
    hatch: tuple[Line, ...] = ()

    @property
    def on_dark(self):
        """Whether the square's text is white."""
        return self.text_colour == TEXT_WHITE


@dataclass(frozen=True, kw_only=True)
class Bin(Shade):
    """One of the map's shading bins for figures above zero: from lower up to upper (the last
    bin includes it)."""

    #: Its shade's place in MAP_PALETTE.
    index: int
    lower: Fraction
    upper: Fraction
    #: False when no value can fall in the bin (whole-number values in a bin narrower than one).
    possible: bool = True


@dataclass(frozen=True)
class Tile:
    """One authority's square on the map."""

    name: str
    code: str
    url: str
    #: The figure in words, for screen readers: "1,234 projects", "no data".
    value_phrase: str
    shade: Shade
    column: int
    row: int

    @property
    def has_data(self):
        return self.shade.name != "no-data"


@dataclass(frozen=True, kw_only=True)
class TileMap:
    """London as a grid of squares, shaded by value, with its key."""

    id: str
    title: str
    description: str
    tiles: tuple[Tile, ...]
    bins: tuple[Bin, ...]
    #: The classes the map uses, in the order of the key: zero, the bins, no data.
    legend: tuple[Shade, ...]
    no_data_hatch: str = NO_DATA_HATCH
    swatch_size: int = SWATCH_SIZE


def bin_index(value, lowest, highest, count=BIN_COUNT):
    """Which of count equal-width bins from lowest to highest a value falls in, from 0.

    A value on a boundary belongs to the bin above it, except the highest, which is in the last
    bin. When every value is the same there is only the first bin.
    """
    if highest == lowest:
        return 0
    return min(max(math.floor((value - lowest) * count / (highest - lowest)), 0), count - 1)


def make_bins(values, value_format="count", unit="", count=BIN_COUNT):
    """Equal-width bins from the smallest to the largest of the values above zero.

    Zero and missing values have classes of their own (zero_shade(), NO_DATA). Returns one bin
    when all those values are the same, and none when there are none. When the values are whole
    numbers of things or pounds, the key gives whole-number ranges that do not overlap ("1 to 4",
    "5 to 9"); otherwise the boundaries themselves ("10% to 30%").
    """
    check_value_format(value_format)
    known = [_number(value) for value in values]
    known = [value for value in known if value is not None and value > 0]
    if not known:
        return ()
    lowest, highest = min(known), max(known)
    if lowest == highest:
        # One figure above zero: the middle shade, clearly apart from zero's white.
        label = _range(lowest, highest, value_format, unit)
        return (_bin(count // 2, lowest, highest, label),)
    whole = value_format != "percent" and all(value.denominator == 1 for value in known)
    bins = []
    for index in range(count):
        lower = lowest + (highest - lowest) * index / count
        upper = lowest + (highest - lowest) * (index + 1) / count
        if whole:
            first = math.ceil(lower)
            last = highest if index == count - 1 else math.ceil(upper) - 1
            possible = first <= last
            label = _range(first, last, value_format, unit) if possible else ""
        else:
            possible, label = True, _range(lower, upper, value_format, unit)
        bins.append(_bin(index, lower, upper, label, possible))
    return tuple(bins)


def _bin(index, lower, upper, label, possible=True):
    fill = MAP_PALETTE[index]
    return Bin(
        name=f"shade-{index}",
        label=label,
        fill=fill,
        text_colour=text_colour_on(fill),
        index=index,
        lower=lower,
        upper=upper,
        possible=possible,
    )


def zero_shade(value_format="count", unit=""):
    """The class of squares whose figure is zero: "No projects", "£0", "0%"."""
    if value_format == "count" and unit:
        label = f"No {unit_word(unit, None)}"
    else:
        label = format_value(0, value_format)
    return Shade(name="zero", label=label, fill=ZERO_FILL, text_colour=text_colour_on(ZERO_FILL))


def hatch_lines(size=SWATCH_SIZE, spacing=6):
    """Diagonal lines, bottom left to top right, filling a size × size square."""
    return tuple(
        Line(max(0, offset - size), min(size, offset), min(size, offset), max(0, offset - size))
        for offset in range(spacing // 2, 2 * size, spacing)
    )


NO_DATA = Shade(
    name="no-data",
    label="No data",
    fill=NO_DATA_FILL,
    text_colour=text_colour_on(NO_DATA_FILL),
    hatch=hatch_lines(),
)


def find_bin(value, bins):
    """The bin (from make_bins) a value above zero falls in, or None for no value."""
    value = _number(value)
    if value is None or not bins:
        return None
    return bins[bin_index(value, bins[0].lower, bins[-1].upper, len(bins))]


def find_shade(value, bins, zero):
    """The class of a square: its bin, zero's class or NO_DATA."""
    number = _number(value)
    if number is None:
        return NO_DATA
    if number <= 0 or not bins:
        return zero
    return find_bin(number, bins)


def _range(first, last, value_format, unit):
    """A key's range: "5 to 9 projects", "£1 to £2,499", or one value when first is last."""
    if first == last:
        return value_phrase(first, value_format, unit)
    text = f"{format_value(first, value_format)} to {format_value(last, value_format)}"
    if unit and value_format == "count":
        text = f"{text} {unit_word(unit, None)}"
    return text


def _tile_url(tile, borough):
    url = _get(tile, "url")
    if not url and hasattr(borough, "get_absolute_url"):
        url = borough.get_absolute_url()
    return url or ""


def tile_map(tiles, title, value_format="count", unit="", description=None):
    """The tile-grid map of London, or None when there are no tiles.

    Each tile needs a borough (anything with name, short_code, grid_col and grid_row), a value
    (None for no data) and a url; without a url, the borough's get_absolute_url() is used if it
    has one. Squares come out in reading order (north to south, west to east), which is their tab
    order. Raises ValueError for a square off the 8 × 7 grid or two tiles on one square.
    """
    check_value_format(value_format)
    tiles = list(tiles)
    if not tiles:
        return None
    bins = make_bins((_get(tile, "value") for tile in tiles), value_format, unit)
    zero = zero_shade(value_format, unit)
    drawn = []
    squares = set()
    for tile in tiles:
        borough = _get(tile, "borough")
        column, row = int(borough.grid_col), int(borough.grid_row)
        if not (0 <= column < GRID_COLUMNS and 0 <= row < GRID_ROWS):
            raise ValueError(f"{borough.name} lies outside the map's grid at ({column}, {row}).")
        if (column, row) in squares:
            raise ValueError(f"Two tiles share the map square at ({column}, {row}).")
        squares.add((column, row))
        value = _get(tile, "value")
        drawn.append(
            Tile(
                name=str(borough.name),
                code=str(borough.short_code),
                url=_tile_url(tile, borough),
                value_phrase=value_phrase(value, value_format, unit),
                shade=find_shade(value, bins, zero),
                column=column,
                row=row,
            )
        )
    drawn.sort(key=lambda tile: (tile.row, tile.column))
    used = {tile.shade.name for tile in drawn}
    # Every bin a figure can fall in is in the key, so that its ranges run without a gap from the
    # lowest figure to the highest; zero and "no data" only when a square has them.
    legend = (
        *([zero] if zero.name in used else []),
        *(bin_ for bin_ in bins if bin_.possible),
        *([NO_DATA] if NO_DATA.name in used else []),
    )
    return TileMap(
        id=unique_id("portal-map", title),
        title=str(title),
        description=description
        or (
            "Each square is one of London's local authorities, placed roughly where it lies and"
            " shaded by its figure. The table on this page gives the same figures."
        ),
        tiles=tuple(drawn),
        bins=bins,
        legend=legend,
    )
