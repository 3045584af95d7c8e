"""Drawing geometry for the portal's server-rendered SVG charts and its tile-grid map of London.

The inclusion tags in portal/templatetags/charts.py call the three builders here, bar_chart(),
column_chart() and tile_map(), and the templates in templates/components/ only loop over the
results and print their attributes: every position, size, colour, id and piece of label text is
worked out in this module. Coordinates are SVG user units (one unit is one CSS pixel when a chart is
drawn at its natural size), rounded to two decimal places. Text is returned as plain strings, for
the templates to escape.

Rows and tiles may be objects or dicts. Numbers may be int, Decimal or float; bin boundaries and
bar lengths are computed with exact fractions so that values on a boundary fall on the right side.
"""

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.text import slugify

from boroughs.models import GRID_COLUMNS, GRID_ROWS
from portal.templatetags.govuk import percent, pounds, pounds_short

#: The value formats the chart tags accept: 1,234 / £1,234 / £1.2m / 45% (of a share from 0 to 1).
VALUE_FORMATS = ("count", "pounds", "pounds_short", "percent")

BRAND_PURPLE = "#5c2d91"
TEXT_BLACK = "#0b0c0c"
TEXT_WHITE = "#ffffff"
#: Axis lines and the outline of every map square: GOV.UK's secondary text grey, 7:1 on white.
OUTLINE_GREY = "#505a5f"
#: The map's sequential palette, lightest (lowest bin) to darkest: the brand purple.
MAP_PALETTE = ("#f2eef8", "#d7c9ea", "#b39bd6", "#8a64b8", BRAND_PURPLE)
#: Squares without a value: light grey, hatched with mid-grey lines so they differ from the
#: palette's lightest colour by pattern as well as colour.
NO_DATA_FILL = "#f3f2f1"
NO_DATA_HATCH = "#8f979b"
NO_DATA_LABEL = "no data"

FONT_SIZE = 16
SMALL_FONT_SIZE = 14
#: A generous average advance width of Helvetica/Arial characters, in ems, for sizing layouts.
CHARACTER_WIDTH = 0.6
#: From the middle of a line of text to its baseline, in ems (about half the cap height).
BASELINE_SHIFT = 0.35

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


def value_phrase(value, value_format="count", unit=""):
    """A value in words for labels: "1,234 projects", "£1,234", "45%" or "no data".

    The unit follows counts only; pounds and percentages carry their own symbol.
    """
    if value is None:
        return NO_DATA_LABEL
    text = format_value(value, value_format)
    if unit and value_format == "count":
        text = f"{text} {unit_word(unit, value)}"
    return text


def text_width(text, font_size=FONT_SIZE):
    """A generous estimate of the width of a line of text, for making room for it."""
    return len(text) * font_size * CHARACTER_WIDTH


def wrap_text(text, max_width, font_size=FONT_SIZE, max_lines=3):
    """Split text at spaces into lines that fit max_width, at most max_lines of them.

    A single word wider than max_width keeps a line of its own; whatever does not fit in
    max_lines joins the last line, so no text is ever dropped.
    """
    lines = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", font_size) <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines[max_lines - 1 :] = [" ".join(lines[max_lines - 1 :])]
    return lines


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
    """Black or white text, whichever contrasts more with the fill.

    On the map palette this gives black on the three lightest colours and white on the two
    darkest, each at least 4.5:1 (WCAG AA for text).
    """
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
    """A coordinate for printing: an int when whole, else a float to two decimal places."""
    number = round(float(number), 2)
    return int(number) if number.is_integer() else number


@dataclass(frozen=True)
class Line:
    """A straight line, such as an axis."""

    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class TextLine:
    """One line of text, positioned by its anchor point on the baseline."""

    text: str
    x: float
    y: float


def _rows(rows, value_format, unit):
    """Read chart rows into (label, value as Fraction, value text, accessible name, url)."""
    check_value_format(value_format)
    result = []
    for row in rows:
        label = _get(row, "label")
        label = "" if label is None else str(label)
        value = _get(row, "value")
        text = format_value(value, value_format)
        name = f"{label}: {value_phrase(value, value_format, unit)}"
        result.append((label, _number(value), text, name, _get(row, "url") or ""))
    return result


def _scale(value, largest, length):
    """How long to draw a value when the largest value gets the full length.

    Nothing (None), negative values and a largest value of zero all give zero.
    """
    if value is None or value <= 0 or largest <= 0:
        return 0
    return _round(value / largest * Fraction(length))


def _largest(rows):
    return max((value for _, value, *_ in rows if value is not None), default=0)


# Bar chart ------------------------------------------------------------------------------------

BAR_CHART_WIDTH = 640
BAR_HEIGHT = 24
BAR_GAP = 12
CHART_PADDING = 8
#: Labels left of the bars take at most this share of the width; longer ones go above the bars.
BAR_LABEL_SHARE = 0.4
#: Space between a label or value and its bar.
TEXT_GAP = 8


@dataclass(frozen=True, kw_only=True)
class Mark:
    """What a bar and a column share: a row's label, its value as text, the name a screen
    reader gives it, its link (if any) and the rectangle drawn for it."""

    label: str
    value_text: str
    accessible_name: str
    url: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, kw_only=True)
class Bar(Mark):
    """One horizontal bar with its label and its value at the end of the bar."""

    label_x: float
    label_y: float
    value_x: float
    value_y: float
    #: The band behind the whole row, highlighted when the row's link has focus.
    band_y: float
    band_height: float


@dataclass(frozen=True, kw_only=True)
class Chart:
    """What every chart has: an id, a title and a description for screen readers, a size."""

    id: str
    title: str
    description: str
    width: float
    height: float

    @property
    def title_id(self):
        return f"{self.id}-title"

    @property
    def desc_id(self):
        return f"{self.id}-desc"


@dataclass(frozen=True, kw_only=True)
class AxisChart(Chart):
    """A chart of bars or columns drawn out from an axis."""

    axis: Line
    #: Whether any row has a url, making the chart a group of links rather than one image.
    linked: bool
    bar_colour: str = BRAND_PURPLE
    text_colour: str = TEXT_BLACK
    axis_colour: str = OUTLINE_GREY


@dataclass(frozen=True, kw_only=True)
class BarChart(AxisChart):
    """A horizontal bar chart: one bar per row, scaled so the largest value gets bar_length."""

    bars: tuple[Bar, ...]
    #: "end" when the labels sit left of the bars (right-aligned), "start" when they sit above.
    label_anchor: str
    #: The full length of a bar, given to the largest value.
    bar_length: float
    font_size: int = FONT_SIZE


def bar_chart(rows, title, value_format="count", unit="", description=None):
    """The geometry of a horizontal bar chart, or None when there are no rows.

    Labels sit left of the bars, right-aligned, when the longest fits in 40% of the width;
    otherwise each sits on a line of its own above its bar. Each value is printed just past the end
    of its bar, and the largest value's bar takes all the width that leaves. The viewBox is 640
    units wide.
    """
    rows = _rows(rows, value_format, unit)
    if not rows:
        return None
    width = BAR_CHART_WIDTH
    label_width = max(text_width(label) for label, *_ in rows)
    value_width = max(text_width(text) for _, _, text, *_ in rows)
    labels_left = label_width <= width * BAR_LABEL_SHARE
    if labels_left:
        bar_x = CHART_PADDING + (label_width + TEXT_GAP if label_width else 0)
        label_x = bar_x - TEXT_GAP
        bar_offset = 0
    else:
        bar_x = label_x = CHART_PADDING
        bar_offset = FONT_SIZE + TEXT_GAP
    row_pitch = bar_offset + BAR_HEIGHT + BAR_GAP
    bar_length = max(width - CHART_PADDING - TEXT_GAP - value_width - bar_x, width / 4)
    largest = _largest(rows)
    bars = []
    for index, (label, value, value_text, name, url) in enumerate(rows):
        top = CHART_PADDING + index * row_pitch
        y = top + bar_offset
        middle = y + BAR_HEIGHT / 2 + FONT_SIZE * BASELINE_SHIFT
        length = _scale(value, largest, bar_length)
        bars.append(
            Bar(
                label=label,
                value_text=value_text,
                accessible_name=name,
                url=url,
                x=_round(bar_x),
                y=_round(y),
                width=length,
                height=BAR_HEIGHT,
                label_x=_round(label_x),
                label_y=_round(middle if labels_left else top + FONT_SIZE * 0.9),
                value_x=_round(bar_x + length + TEXT_GAP),
                value_y=_round(middle),
                band_y=_round(top - BAR_GAP / 2),
                band_height=_round(row_pitch),
            )
        )
    last_bottom = bars[-1].y + BAR_HEIGHT
    return BarChart(
        id=unique_id("portal-chart", title),
        title=str(title),
        description=description or "Bar chart. The table beside it gives the same figures.",
        width=width,
        height=_round(last_bottom + BAR_GAP / 2 + CHART_PADDING),
        bars=tuple(bars),
        label_anchor="end" if labels_left else "start",
        bar_length=_round(bar_length),
        axis=Line(
            _round(bar_x),
            _round(CHART_PADDING + bar_offset - BAR_GAP / 4),
            _round(bar_x),
            _round(last_bottom + BAR_GAP / 4),
        ),
        linked=any(bar.url for bar in bars),
    )


# Column chart ---------------------------------------------------------------------------------

COLUMN_CHART_MIN_WIDTH = 640
COLUMN_PLOT_HEIGHT = 240
COLUMN_MIN_SLOT = 56
#: A column's width as a share of its slot, and its widest.
COLUMN_SHARE = 0.64
COLUMN_MAX_WIDTH = 80
LINE_HEIGHT = 18


@dataclass(frozen=True, kw_only=True)
class Column(Mark):
    """One vertical column with its value above it and its label, wrapped, under the axis."""

    label_lines: tuple[TextLine, ...]
    #: Where the label and value are centred.
    centre_x: float
    value_y: float
    #: The slot behind the whole column, highlighted when the column's link has focus.
    band_x: float
    band_width: float


@dataclass(frozen=True, kw_only=True)
class ColumnChart(AxisChart):
    """A vertical column chart: the largest value gets column_length, from the axis up."""

    columns: tuple[Column, ...]
    column_length: float
    font_size: int = SMALL_FONT_SIZE


def column_chart(rows, title, value_format="count", unit="", description=None):
    """The geometry of a vertical column chart, or None when there are no rows.

    Columns share the width equally (at least 640 units, wider when their values or the words of
    their labels need more room), values sit above the columns and labels under the axis, wrapped
    onto up to three lines.
    """
    rows = _rows(rows, value_format, unit)
    if not rows:
        return None
    slot_needed = max(
        COLUMN_MIN_SLOT,
        *(text_width(text, SMALL_FONT_SIZE) + TEXT_GAP for _, _, text, *_ in rows),
        *(
            text_width(word, SMALL_FONT_SIZE) + TEXT_GAP
            for label, *_ in rows
            for word in label.split()
        ),
    )
    plot_width = max(COLUMN_CHART_MIN_WIDTH - 2 * CHART_PADDING, slot_needed * len(rows))
    slot = plot_width / len(rows)
    column_width = min(slot * COLUMN_SHARE, COLUMN_MAX_WIDTH)
    plot_top = CHART_PADDING + SMALL_FONT_SIZE + TEXT_GAP
    plot_bottom = plot_top + COLUMN_PLOT_HEIGHT
    largest = _largest(rows)
    columns = []
    line_count = 1
    for index, (label, value, value_text, name, url) in enumerate(rows):
        band_x = CHART_PADDING + index * slot
        centre = band_x + slot / 2
        height = _scale(value, largest, COLUMN_PLOT_HEIGHT)
        lines = wrap_text(label, slot - TEXT_GAP, SMALL_FONT_SIZE)
        line_count = max(line_count, len(lines))
        columns.append(
            Column(
                label=label,
                label_lines=tuple(
                    TextLine(line, _round(centre), _round(plot_bottom + 20 + number * LINE_HEIGHT))
                    for number, line in enumerate(lines)
                ),
                value_text=value_text,
                accessible_name=name,
                url=url,
                x=_round(centre - column_width / 2),
                y=_round(plot_bottom - height),
                width=_round(column_width),
                height=height,
                centre_x=_round(centre),
                value_y=_round(plot_bottom - height - TEXT_GAP),
                band_x=_round(band_x),
                band_width=_round(slot),
            )
        )
    return ColumnChart(
        id=unique_id("portal-chart", title),
        title=str(title),
        description=description or "Column chart. The table beside it gives the same figures.",
        width=_round(plot_width + 2 * CHART_PADDING),
        height=_round(plot_bottom + 6 + line_count * LINE_HEIGHT + CHART_PADDING),
        columns=tuple(columns),
        column_length=COLUMN_PLOT_HEIGHT,
        axis=Line(
            CHART_PADDING,
            _round(plot_bottom),
            _round(plot_width + CHART_PADDING),
            _round(plot_bottom),
        ),
        linked=any(column.url for column in columns),
    )


# Tile map -------------------------------------------------------------------------------------

TILE_SIZE = 56
TILE_GAP = 8
#: The yellow focus ring's width, drawn outside a square and narrower than the gap between two.
FOCUS_RING = 6
#: Room around the grid for the focus ring of the outermost squares.
MAP_PADDING = 8
BIN_COUNT = len(MAP_PALETTE)
SWATCH_SIZE = 24


@dataclass(frozen=True)
class Bin:
    """One of the map's shading bins: values from lower up to upper (the last bin includes it)."""

    index: int
    lower: Fraction
    upper: Fraction
    fill: str
    text_colour: str
    #: The range for the legend, in the map's value format: "0 to 4 projects", "£0 to £2,499".
    label: str
    #: False when no value can fall in the bin (whole-number values in a bin narrower than one).
    possible: bool = True


@dataclass(frozen=True)
class Tile:
    """One authority's square on the map."""

    name: str
    code: str
    url: str
    value_text: str
    #: The link's accessible name: "Hackney: 1,234 projects", "Hackney: no data".
    accessible_name: str
    #: The shading bin, or None when the authority has no value.
    bin: Bin | None
    fill: str
    text_colour: str
    column: int
    row: int
    x: float
    y: float
    size: float
    text_x: float
    text_y: float
    #: The square whose stroke is the focus ring: centred on a line FOCUS_RING / 2 outside the
    #: square, so the ring covers the band FOCUS_RING wide around it.
    ring_x: float
    ring_y: float
    ring_size: float

    @property
    def has_data(self):
        return self.bin is not None


@dataclass(frozen=True)
class LegendEntry:
    """One line of the map's key: a swatch and the range of values it stands for."""

    label: str
    fill: str
    #: Diagonal hatch lines drawn over the swatch (for "no data").
    hatch: tuple[Line, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TileMap(Chart):
    """London as a grid of equal squares, shaded by value, with its key."""

    tiles: tuple[Tile, ...]
    bins: tuple[Bin, ...]
    legend: tuple[LegendEntry, ...]
    #: The id of the hatched pattern that fills squares without data.
    hatch_id: str
    font_size: int = FONT_SIZE
    swatch_size: int = SWATCH_SIZE
    no_data_fill: str = NO_DATA_FILL
    no_data_hatch: str = NO_DATA_HATCH
    outline: str = OUTLINE_GREY
    focus_ring: int = FOCUS_RING

    @property
    def swatch_square(self):
        """The side of a legend swatch's square, inset so its 1-unit outline is not clipped."""
        return self.swatch_size - 1

    @property
    def has_missing_values(self):
        return any(tile.bin is None for tile in self.tiles)


def bin_index(value, lowest, highest, count=BIN_COUNT):
    """Which of count equal-width bins from lowest to highest a value falls in, from 0.

    A value on a boundary belongs to the bin above it, except the highest, which is in the last
    bin. When every value is the same there is only the first bin.
    """
    if highest == lowest:
        return 0
    return min(math.floor((value - lowest) * count / (highest - lowest)), count - 1)


def make_bins(values, value_format="count", unit="", count=BIN_COUNT):
    """Equal-width bins from the smallest to the largest of the values that are not None.

    Returns one bin when all the values are the same, and none when there are no values. When
    the values are whole numbers of things or pounds, the legend gives whole-number ranges that
    do not overlap ("0 to 4", "5 to 9"); otherwise the boundaries themselves ("0% to 20%").
    """
    check_value_format(value_format)
    known = [_number(value) for value in values]
    known = [value for value in known if value is not None]
    if not known:
        return ()
    lowest, highest = min(known), max(known)
    if lowest == highest:
        fill = MAP_PALETTE[0]
        label = _range(lowest, highest, value_format, unit)
        return (Bin(0, lowest, highest, fill, text_colour_on(fill), label),)
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
        fill = MAP_PALETTE[index]
        bins.append(Bin(index, lower, upper, fill, text_colour_on(fill), label, possible))
    return tuple(bins)


def find_bin(value, bins):
    """The bin (from make_bins) a value falls in, or None for no value."""
    value = _number(value)
    if value is None or not bins:
        return None
    return bins[bin_index(value, bins[0].lower, bins[-1].upper, len(bins))]


def _range(first, last, value_format, unit):
    """A legend range: "5 to 9 projects", "£0 to £2,499", or one value when first is last."""
    if first == last:
        return value_phrase(first, value_format, unit)
    text = f"{format_value(first, value_format)} to {format_value(last, value_format)}"
    if unit and value_format == "count":
        text = f"{text} {unit_word(unit, None)}"
    return text


def hatch_lines(size, spacing=6):
    """Diagonal lines, bottom left to top right, filling a size × size square."""
    return tuple(
        Line(max(0, offset - size), min(size, offset), min(size, offset), max(0, offset - size))
        for offset in range(spacing // 2, 2 * size, spacing)
    )


def tile_position(column, row):
    """The top left corner of the square at a grid column and row."""
    pitch = TILE_SIZE + TILE_GAP
    return MAP_PADDING + column * pitch, MAP_PADDING + row * pitch


def _tile_url(tile, borough):
    url = _get(tile, "url")
    if not url and hasattr(borough, "get_absolute_url"):
        url = borough.get_absolute_url()
    return url or ""


def tile_map(tiles, title, value_format="count", unit="", description=None):
    """The geometry of the tile-grid map of London, or None when there are no tiles.

    Each tile needs a borough (anything with name, short_code, grid_col and grid_row), a value
    (None for no data) and a url; without a url, the borough's get_absolute_url() is used if it
    has one. Squares come out in reading order (north to south, west to east), which is their tab
    order. Raises ValueError for a square off the 8 × 7 grid or two tiles on one square.
    """
    check_value_format(value_format)
    tiles = list(tiles)
    if not tiles:
        return None
    map_id = unique_id("portal-map", title)
    hatch_id = f"{map_id}-no-data"
    bins = make_bins((_get(tile, "value") for tile in tiles), value_format, unit)
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
        bin_ = find_bin(value, bins)
        x, y = tile_position(column, row)
        drawn.append(
            Tile(
                name=str(borough.name),
                code=str(borough.short_code),
                url=_tile_url(tile, borough),
                value_text=format_value(value, value_format),
                accessible_name=(
                    f"{borough.name}, {borough.short_code}: "
                    f"{value_phrase(value, value_format, unit)}"
                ),
                bin=bin_,
                fill=bin_.fill if bin_ else f"url(#{hatch_id})",
                text_colour=bin_.text_colour if bin_ else text_colour_on(NO_DATA_FILL),
                column=column,
                row=row,
                x=x,
                y=y,
                size=TILE_SIZE,
                text_x=_round(x + TILE_SIZE / 2),
                text_y=_round(y + TILE_SIZE / 2 + FONT_SIZE * BASELINE_SHIFT),
                ring_x=_round(x - FOCUS_RING / 2),
                ring_y=_round(y - FOCUS_RING / 2),
                ring_size=TILE_SIZE + FOCUS_RING,
            )
        )
    drawn.sort(key=lambda tile: (tile.row, tile.column))
    legend = [LegendEntry(bin_.label, bin_.fill) for bin_ in bins if bin_.possible]
    if any(tile.bin is None for tile in drawn):
        legend.append(LegendEntry("No data", NO_DATA_FILL, hatch_lines(SWATCH_SIZE)))
    right, bottom = tile_position(GRID_COLUMNS, GRID_ROWS)
    return TileMap(
        id=map_id,
        title=str(title),
        description=description
        or (
            "Each square is one of London's local authorities, placed roughly where it lies and"
            " shaded by its figure. The table on this page gives the same figures."
        ),
        width=right - TILE_GAP + MAP_PADDING,
        height=bottom - TILE_GAP + MAP_PADDING,
        tiles=tuple(drawn),
        bins=bins,
        legend=tuple(legend),
        hatch_id=hatch_id,
    )
