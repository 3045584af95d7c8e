"""Tables sorted by their column headings: ?sort=total sorts a column up, ?sort=-total down.

A heading's link first sorts names A to Z and figures most first; on the sorted column it
reverses the order. Rows without a figure come last either way, and the name, then the primary
key, break ties, so that the order never shifts between pages or visits.
"""

from dataclasses import dataclass

from django.db.models import F


@dataclass(frozen=True)
class Column:
    """A column of a sortable table. `field` is what it sorts by (None: it does not sort)."""

    key: str
    label: str
    field: str | None = None
    numeric: bool = False

    def direction(self, descending):
        """How a sort reads: "A to Z" for names, "most first" for figures."""
        if self.numeric:
            return "most first" if descending else "least first"
        return "Z to A" if descending else "A to Z"

    def ordering(self, descending, tie_breaker):
        value = F(self.field)
        first = value.desc(nulls_last=True) if descending else value.asc(nulls_last=True)
        if self.field == tie_breaker:
            return [first, F("pk").desc() if descending else "pk"]
        return [first, tie_breaker, "pk"]


class SortableTable:
    """The columns of a table, the sort orders its headings offer, and the headings."""

    def __init__(self, columns, *, default, tie_breaker="name"):
        self.columns = columns
        self.default = default
        self.tie_breaker = tie_breaker
        self.sortable = {column.key: column for column in columns if column.field}

    def choices(self):
        """(value, label) of every order, for the form field that checks ?sort=."""
        return [
            (
                f"{'-' if descending else ''}{column.key}",
                f"{column.label} ({column.direction(descending)})",
            )
            for column in self.sortable.values()
            for descending in (False, True)
        ]

    def orderings(self):
        """{sort value: ordering} of every order the headings offer."""
        return {
            value: self.sortable[value.lstrip("-")].ordering(
                value.startswith("-"), self.tie_breaker
            )
            for value, _ in self.choices()
        }

    def headings(self, current, query, anchor=""):
        """Each column's heading as the table's head shows it: its label, whether it is
        numeric, its aria-sort, and (if it sorts) the link that sorts by it, keeping the rest of
        the query string (a QueryDict) but the page, with a hint of the order it gives."""
        headings = []
        for column in self.columns:
            heading = {"label": column.label, "numeric": column.numeric, "aria_sort": ""}
            if column.field:
                if current == column.key:
                    heading["aria_sort"], descending = "ascending", True
                elif current == f"-{column.key}":
                    heading["aria_sort"], descending = "descending", False
                else:
                    descending = column.numeric
                linked = query.copy()
                linked.pop("page", None)
                linked["sort"] = f"{'-' if descending else ''}{column.key}"
                heading["href"] = f"?{linked.urlencode()}{anchor}"
                heading["hint"] = f"sort {column.direction(descending)}"
            headings.append(heading)
        return headings
