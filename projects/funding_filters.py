"""The filters of the funders and settlements lists, with URL values that people can read:
?kind=trust&recipient=hackney&restrictions=ring-fenced.

Each list has one FilterSet: the page, its totals and its "selected filters" tags all derive from
it. Invalid values become the form's errors, which the pages show with status 400.
"""

import django_filters
from django import forms
from django.db.models import F

from boroughs.models import Borough
from portal.filters import (
    ListFilterSet,
    YearFilter,
    choice_filter,
    page_field,
    slug_filter,
    sort_field,
    unknown_value,
)

from .models import (
    FIRST_FINANCIAL_YEAR,
    LAST_FINANCIAL_YEAR,
    Funder,
    FundingSettlement,
    Restrictions,
    financial_year_label,
)

SETTLEMENTS_PER_PAGE = 25


# Funders ---------------------------------------------------------------------------------------


class FunderColumns:
    """The funders table's sortable columns: ?sort=total sorts ascending, ?sort=-total descending.

    Names sort from A by default, figures from the largest.
    """

    COLUMNS = [
        ("name", "name", "Funder"),
        ("settlements", "settlement_count", "Settlements"),
        ("total", "total", "Total settled"),
        ("boroughs", "borough_count", "Authorities funded"),
        ("multi-year", "multi_year_share", "Multi-year"),
        (
            "without-burdensome-restrictions",
            "without_burdensome_restrictions_share",
            "Without burdensome restrictions",
        ),
    ]
    DEFAULT = "name"

    @classmethod
    def choices(cls):
        return [
            (f"{sign}{key}", f"{label} ({'descending' if sign else 'ascending'})")
            for key, _, label in cls.COLUMNS
            for sign in ("", "-")
        ]

    @classmethod
    def orderings(cls):
        orderings = {}
        for key, field, _ in cls.COLUMNS:
            orderings[key] = [F(field).asc(nulls_first=True), "name", "pk"]
            orderings[f"-{key}"] = [F(field).desc(nulls_last=True), "name", "pk"]
        return orderings

    @classmethod
    def first_sort(cls, key):
        """The order a column sorts in when its heading is first chosen."""
        return key if key == "name" else f"-{key}"


class FunderFilterForm(forms.Form):
    sort = sort_field(FunderColumns.choices(), FunderColumns.DEFAULT)


class FunderFilterSet(ListFilterSet):
    """Funders by kind; the queryset is FundingSettlement.objects.by_funder()."""

    kind = choice_filter(Funder.Kind.choices, "Kind of funder", "filter_kinds")

    orderings = FunderColumns.orderings()
    default_sort = FunderColumns.DEFAULT

    class Meta:
        model = Funder
        fields = []
        form = FunderFilterForm

    def filter_kinds(self, queryset, name, value):
        return queryset.filter(kind__in=value) if value else queryset

    def sort_headers(self):
        """The table's column headings: label, link that sorts by it and its aria-sort."""
        current = self.sort
        headers = []
        for key, _, label in FunderColumns.COLUMNS:
            if current == key:
                aria_sort, next_sort = "ascending", f"-{key}"
            elif current == f"-{key}":
                aria_sort, next_sort = "descending", key
            else:
                aria_sort, next_sort = "none", FunderColumns.first_sort(key)
            query = self.data.copy()
            query["sort"] = next_sort
            headers.append(
                {
                    "key": key,
                    "label": label,
                    "aria_sort": aria_sort,
                    "href": f"?{query.urlencode()}",
                    "numeric": key != "name",
                }
            )
        return headers


# Settlements -----------------------------------------------------------------------------------


class SettlementSort:
    LATEST = "latest"
    LARGEST = "largest"
    FUNDER = "funder"
    RECIPIENT = "recipient"

    CHOICES = [
        (LATEST, "Latest first year"),
        (LARGEST, "Largest total"),
        (FUNDER, "Funder (A to Z)"),
        (RECIPIENT, "Receiving authority (A to Z)"),
    ]
    ORDERINGS = {
        LATEST: ["-first_year", "funder__name", "programme", "pk"],
        LARGEST: ["-total_amount", "pk"],
        FUNDER: ["funder__name", "-first_year", "pk"],
        RECIPIENT: ["recipient__name", "-first_year", "pk"],
    }


class SettlementFilterForm(forms.Form):
    sort = sort_field(SettlementSort.CHOICES, SettlementSort.LATEST)
    page = page_field()


class SettlementFilterSet(ListFilterSet):
    """Funding settlements by funder, kind of funder, receiving authority, length, restrictions
    and financial year."""

    funder = slug_filter(Funder.objects.all(), "Funder", "filter_funders")
    kind = choice_filter(Funder.Kind.choices, "Kind of funder", "filter_kinds")
    recipient = slug_filter(Borough.objects.all(), "Receiving authority", "filter_recipients")
    multi_year = django_filters.ChoiceFilter(
        choices=[("yes", "Multi-year"), ("no", "Single-year")],
        label="Length",
        method="filter_multi_year",
        widget=forms.RadioSelect,
        empty_label="Any",
        error_messages=unknown_value("Length"),
    )
    restrictions = choice_filter(Restrictions.choices, "Restrictions", "filter_restrictions")
    year = YearFilter(
        label="Financial year",
        method="filter_year",
        min_value=FIRST_FINANCIAL_YEAR,
        max_value=LAST_FINANCIAL_YEAR,
        error_messages={
            "invalid": "Financial year must be a year, like 2024",
            "min_value": f"Financial year must be {FIRST_FINANCIAL_YEAR} or later",
            "max_value": f"Financial year must be {LAST_FINANCIAL_YEAR} or earlier",
        },
    )

    orderings = SettlementSort.ORDERINGS
    default_sort = SettlementSort.LATEST

    class Meta:
        model = FundingSettlement
        fields = []
        form = SettlementFilterForm

    def describe(self, name, value):
        if name == "year":
            return financial_year_label(value)
        return super().describe(name, value)

    def filter_funders(self, queryset, name, value):
        return queryset.filter(funder__in=value) if value else queryset

    def filter_kinds(self, queryset, name, value):
        return queryset.filter(funder__kind__in=value) if value else queryset

    def filter_recipients(self, queryset, name, value):
        return queryset.filter(recipient__in=value) if value else queryset

    def filter_multi_year(self, queryset, name, value):
        if value == "yes":
            return queryset.multi_year()
        if value == "no":
            return queryset.single_year()
        return queryset

    def filter_restrictions(self, queryset, name, value):
        return queryset.filter(restrictions__in=value) if value else queryset

    def filter_year(self, queryset, name, value):
        return queryset.covering_year(value) if value is not None else queryset
