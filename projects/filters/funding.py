"""The filters of the funders and settlements lists, with URL values that people can read:
?kind=trust&recipient=hackney&restrictions=ring-fenced.

Each list has one FilterSet: the page, its totals and its "selected filters" tags all derive from
it. Invalid values become the form's errors, which the pages show with status 400.
"""

from django import forms

from boroughs.models import Borough
from portal.filters import (
    ListFilterSet,
    Shown,
    SortOrder,
    YearFilter,
    choice_filter,
    page_field,
    radio_filter,
    slug_filter,
    sort_choices,
    sort_field,
    sort_orderings,
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

    kind = choice_filter(Funder.Kind.choices, "Kind of funder", field_name="kind")

    orderings = FUNDERS_TABLE.orderings()
    default_sort = FUNDERS_TABLE.default
    carried = ("sort",)

    class Meta:
        model = Funder
        fields = []
        form = FunderFilterForm


# Settlements -----------------------------------------------------------------------------------


SETTLEMENT_ORDERS = [
    SortOrder("latest", "Latest first year", ("-first_year", "funder__name", "programme", "pk")),
    SortOrder("largest", "Largest total", ("-total_amount", "pk")),
    SortOrder("funder", "Funder (A to Z)", ("funder__name", "-first_year", "pk")),
    SortOrder(
        "recipient", "Receiving authority (A to Z)", ("recipient__name", "-first_year", "pk")
    ),
]


class SettlementFilterForm(forms.Form):
    sort = sort_field(sort_choices(SETTLEMENT_ORDERS), SETTLEMENT_ORDERS[0].value)
    page = page_field()


class SettlementFilterSet(ListFilterSet):
    """Funding settlements by funder, kind of funder, receiving authority, length, restrictions
    and financial year."""

    funder = slug_filter(Funder.objects.all(), "Funder", field_name="funder")
    kind = choice_filter(Funder.Kind.choices, "Kind of funder", field_name="funder__kind")
    recipient = slug_filter(Borough.objects.all(), "Receiving authority", field_name="recipient")
    multi_year = radio_filter(
        [("yes", "Multi-year"), ("no", "Single-year")], "Length", "filter_multi_year"
    )
    restrictions = choice_filter(Restrictions.choices, "Restrictions", field_name="restrictions")
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

    orderings = sort_orderings(SETTLEMENT_ORDERS)
    default_sort = SETTLEMENT_ORDERS[0].value
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

    def filter_multi_year(self, queryset, name, value):
        if value == "yes":
            return queryset.multi_year()
        if value == "no":
            return queryset.single_year()
        return queryset

    def filter_year(self, queryset, name, value):
        return queryset.covering_year(value) if value is not None else queryset
