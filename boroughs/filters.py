"""The boroughs app's list controls: the authorities table's sort order and map measure, the
commissions list's filters, and the choice of authorities to compare."""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

from portal.filters import (
    ListFilterSet,
    Shown,
    choice_filter,
    page_field,
    radio_filter,
    slug_filter,
)
from portal.forms import DefaultedChoiceField
from portal.tables import Column, SortableTable

from .models import Borough, Commission

COMMISSIONS_PER_PAGE = 20
MIN_COMPARED = 2
MAX_COMPARED = 4


# The authorities table and its map ------------------------------------------------------------

AUTHORITIES_TABLE = SortableTable(
    [
        Column("name", "Authority", "name"),
        Column("london", "Inner or outer London (ONS)", "inner_outer_ons"),
        Column("partnership", "Sub-regional partnership", "partnership"),
        Column("projects", "Published projects", "project_count", numeric=True),
        Column("funding", "Funding received", "funding_received", numeric=True),
        Column("multi-year", "Multi-year share of funding", "multi_year_share", numeric=True),
        Column("commissions", "Commissions", "commission_count", numeric=True),
    ],
    default="name",
)


@dataclass(frozen=True)
class Measure:
    """A figure the map can be shaded by: an annotation of Borough.objects.with_*()."""

    key: str
    label: str
    attribute: str
    value_format: str
    unit: str = ""


MEASURES = [
    Measure("projects", "Published projects", "project_count", "count", "project,projects"),
    Measure("funding", "Funding received", "funding_received", "pounds_short"),
    Measure("commissions", "Commissions", "commission_count", "count", "commission,commissions"),
    Measure(
        "multi_year_share", "Share of funding that is multi-year", "multi_year_share", "percent"
    ),
]
MEASURES_BY_KEY = {measure.key: measure for measure in MEASURES}
DEFAULT_MEASURE = "projects"


class BoroughTableForm(forms.Form):
    """How the authorities table is sorted and what the map above it is shaded by."""

    measure = DefaultedChoiceField(
        label="Shade the map by",
        choices=[(measure.key, measure.label) for measure in MEASURES],
        initial=DEFAULT_MEASURE,
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": "Shade the map by: there is no option “%(value)s” – choose from "
            "the list"
        },
    )
    sort = DefaultedChoiceField(
        label="Sort the table by",
        choices=AUTHORITIES_TABLE.choices(),
        initial=AUTHORITIES_TABLE.default,
        required=False,
        error_messages={
            "invalid_choice": "Sort the table by: there is no option “%(value)s” – choose a "
            "column heading"
        },
    )

    def chosen(self, name, default):
        """The valid choice of a field, or its default when it is missing or invalid."""
        return getattr(self, "cleaned_data", {}).get(name) or default

    @property
    def measure_choice(self):
        return MEASURES_BY_KEY[self.chosen("measure", DEFAULT_MEASURE)]

    @property
    def sort_choice(self):
        return self.chosen("sort", AUTHORITIES_TABLE.default)

    def choices_made(self):
        """{field: choice} of those not at their defaults: what tells one table and map from
        another."""
        made = {
            "sort": (self.sort_choice, AUTHORITIES_TABLE.default),
            "measure": (self.measure_choice.key, DEFAULT_MEASURE),
        }
        return {name: value for name, (value, default) in made.items() if value != default}

    def sorted(self, boroughs):
        return boroughs.order_by(*AUTHORITIES_TABLE.orderings()[self.sort_choice])

    def headings(self):
        """The table's column headings, their links keeping the map's measure."""
        return AUTHORITIES_TABLE.headings(self.sort_choice, self.data, anchor="#authorities")

    def tiles(self, boroughs):
        """The map's squares: each authority with the chosen measure's figure."""
        attribute = self.measure_choice.attribute
        return [
            {
                "borough": borough,
                "value": getattr(borough, attribute),
                "url": borough.get_absolute_url(),
            }
            for borough in boroughs
        ]


# The commissions list -------------------------------------------------------------------------


class CommissionFilterForm(forms.Form):
    page = page_field()


class CommissionFilterSet(ListFilterSet):
    """Filters for the commissions list, with readable URL values: ?kind=cohesion&borough=brent."""

    kind = choice_filter(Commission.Kind.choices, "Kind of commission", field_name="kind")
    status = choice_filter(Commission.Status.choices, "Status", field_name="status")
    borough = slug_filter(
        Borough.objects.all(), "Borough (lead or partner)", method="filter_boroughs"
    )
    cross_party = radio_filter(
        [("yes", "Cross-party"), ("no", "Not cross-party")], "Cross-party", "filter_cross_party"
    )

    orderings = {"title": ["title", "pk"]}
    default_sort = "title"
    panel_groups = (
        ("", (Shown("kind"), Shown("status"), Shown("borough", folded=True), Shown("cross_party"))),
    )

    class Meta:
        model = Commission
        fields = []
        form = CommissionFilterForm

    def filter_boroughs(self, queryset, name, value):
        return queryset.involving_any(value) if value else queryset

    def filter_cross_party(self, queryset, name, value):
        if value == "yes":
            return queryset.cross_party()
        if value == "no":
            return queryset.exclude(is_cross_party=True)
        return queryset


# Comparing authorities ------------------------------------------------------------------------


class BoroughComparisonForm(forms.Form):
    """Two to four authorities, chosen by their slugs: ?borough=hackney&borough=brent."""

    borough = forms.ModelMultipleChoiceField(
        queryset=Borough.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Authorities to compare",
        help_text=f"Choose {MIN_COMPARED} to {MAX_COMPARED}.",
        error_messages={
            "invalid_choice": "There is no London authority “%(value)s” – choose from the list",
        },
    )

    def clean_borough(self):
        chosen = self.cleaned_data["borough"]
        if not MIN_COMPARED <= len(chosen) <= MAX_COMPARED:
            raise ValidationError(
                "Choose between %(min)s and %(max)s authorities to compare – you chose %(count)s",
                code="count",
                params={"min": MIN_COMPARED, "max": MAX_COMPARED, "count": len(chosen)},
            )
        order = list(dict.fromkeys(self.data.getlist("borough")))
        return sorted(chosen, key=lambda borough: order.index(borough.slug))
