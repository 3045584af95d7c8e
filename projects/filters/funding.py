"""The filters of the funders and settlements lists, with URL values that people can read:
?kind=trust&recipient=hackney&restrictions=ring-fenced.

Each list has one FilterSet: the page, its totals and its "selected filters" tags all derive from
it. Invalid values become the form's errors, which the pages show with status 400.
"""

import django_filters
from django import forms

from boroughs.models import Borough
from portal.filters import (
    ListFilterSet,
    Shown,
    YearFilter,
    choice_filter,
    page_field,
    slug_filter,
    sort_field,
    unknown_value,
)
from portal.money import FIRST_FINANCIAL_YEAR, LAST_FINANCIAL_YEAR, financial_year_label
from portal.tables import Column, SortableTable

from ..models import Funder, FundingSettlement, Restrictions

SETTLEMENTS_PER_PAGE = 25


# Funders ---------------------------------------------------------------------------------------

FUNDERS_TABLE = SortableTable(
    [
        Column("name", "Funder", "name"),
        Column("kind", "Kind"),
        Column("settlements", "Settlements", "settlement_count", numeric=True),
        Column("total", "Total settled", "total", numeric=True),
        Column("boroughs", "Authorities funded", "borough_count", numeric=True),
        Column("multi-year", "Multi-year", "multi_year_share", numeric=True),
        Column(
            "without-burdensome-restrictions",
            "Without burdensome restrictions",
            "without_burdensome_restrictions_share",
            numeric=True,
        ),
    ],
    default="name",
)


class FunderFilterForm(forms.Form):
    sort = sort_field(FUNDERS_TABLE.choices(), FUNDERS_TABLE.default)


class FunderFilterSet(ListFilterSet):
    """Funders by kind, sorted by the table's headings; the queryset is
    FundingSettlement.objects.by_funder()."""

    kind = choice_filter(Funder.Kind.choices, "Kind of funder", "filter_kinds")

    orderings = FUNDERS_TABLE.orderings()
    default_sort = FUNDERS_TABLE.default
    carried = ("sort",)

    class Meta:
        model = Funder
        fields = []
        form = FunderFilterForm

    def filter_kinds(self, queryset, name, value):
        return queryset.filter(kind__in=value) if value else queryset


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
    panel_groups = (
        (
            "",
            (
                Shown("funder", folded=True),
                Shown("kind"),
                Shown("recipient", folded=True),
                Shown(
                    "multi_year", hint="Multi-year settlements pay in more than one financial year"
                ),
                Shown(
                    "restrictions",
                    hint="Unrestricted and light-touch money is without burdensome restrictions",
                ),
                Shown(
                    "year",
                    width="4",
                    hint="Settlements paying in the financial year that starts in April of this "
                    "year: 2024 for 2024-25",
                ),
            ),
        ),
    )

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
