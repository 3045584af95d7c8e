"""Inclusion tags for the portal's server-rendered charts and its tile-grid map of London.

    {% load charts %}
    {% bar_chart rows title="Projects by theme" value_format="count" row_noun="theme,themes" %}
    {% column_chart rows title="Funding by year" value_format="pounds" %}
    {% tile_map tiles title="Projects by authority" value_format="count" unit="projects" %}

What they show comes from portal.charts; the templates are in templates/components/. Each tag also
takes description="..." to replace the default sentence that points readers to the table of the
same figures, which the page should show beside the drawing. A chart of one or two rows, or of
rows all equal, is a sentence instead; the charts' row_noun ("theme,themes") names the rows in it.
"""

from django import template

from portal import charts as chart_data

register = template.Library()


@register.inclusion_tag("components/bar_chart.html")
def bar_chart(rows, title, value_format="count", unit="", description=None, row_noun=""):
    """A horizontal bar chart of rows with label, value and optional url.

    value_format is "count", "pounds", "pounds_short" or "percent" (of shares from 0 to 1); unit
    ("projects", or "project,projects" for a singular) follows counts. A row with a url has its
    label as a link. No rows: "No data to show."
    """
    return {
        "chart": chart_data.bar_chart(
            rows,
            title,
            value_format=value_format,
            unit=unit,
            description=description,
            row_noun=row_noun,
        )
    }


@register.inclusion_tag("components/column_chart.html")
def column_chart(rows, title, value_format="count", unit="", description=None, row_noun=""):
    """A vertical column chart of rows with label, value and optional url, such as money by year.

    Takes the same arguments as bar_chart.
    """
    return {
        "chart": chart_data.column_chart(
            rows,
            title,
            value_format=value_format,
            unit=unit,
            description=description,
            row_noun=row_noun,
        )
    }


@register.inclusion_tag("components/tile_map.html")
def tile_map(tiles, title, value_format="count", unit="", description=None):
    """London as a grid of equal squares, one link per authority, shaded in three bins above zero
    (zero and no data each have a look of their own), with a key.

    tiles have borough, value (None for no data) and url. unit ("projects", or "project,projects"
    for a singular) follows counts in the squares' accessible names and in the key.
    """
    return {
        "map": chart_data.tile_map(
            tiles, title, value_format=value_format, unit=unit, description=description
        )
    }
