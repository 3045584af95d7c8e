"""The projects list's filters: the list page, its facets, its exports and comparisons use them."""

import datetime
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from boroughs.models import Recommendation
from portal.filters import (
    DateFilter,
    ListFilterSet,
    Shown,
    SortOrder,
    YearFilter,
    is_unset,
    page_field,
    pounds_filter,
    sort_choices,
    sort_orderings,
)
from portal.forms import DefaultedChoiceField

from ..facet_keys import FACETS
from ..models import BY_RELEVANCE, Project, year_dates

# The search filter's name, which is also the query string's.
SEARCH = "q"
# A search's bounds: each word is one more test of every project's words, and nobody types more.
SEARCH_MOST_CHARACTERS = 200
SEARCH_MOST_WORDS = 12
PAGE_SIZES = [10, 20, 50, 100]
DEFAULT_PAGE_SIZE = 20


def chosen_options(value):
    """A facet filter's cleaned value as a list of options: checkboxes give several (a queryset
    or a list), radios one."""
    return list(value) if isinstance(value, QuerySet | list | tuple) else [value]


class Sort:
    """The list's orders. A search sorts by relevance (BY_RELEVANCE), which only it has."""

    RELEVANCE, NEWEST, START, FUNDING, TITLE = "relevance", "newest", "start", "funding", "title"
    ORDERS = [
        SortOrder(RELEVANCE, "Relevance (when searching)"),
        SortOrder(NEWEST, "Most recently published", ("-published_at", "-pk")),
        SortOrder(START, "Latest start date", ("-start_date", "-pk")),
        SortOrder(FUNDING, "Most funding", ("-funding_total", "-pk")),
        SortOrder(TITLE, "Title (A to Z)", ("title", "pk")),
    ]
    CHOICES = sort_choices(ORDERS)
    ORDERINGS = sort_orderings(ORDERS)


class ProjectFilterForm(forms.Form):
    """The list's controls beyond its filters, and the rules that span several fields."""

    sort = DefaultedChoiceField(
        label="Sort by",
        choices=Sort.CHOICES,
        required=False,
        error_messages={"invalid_choice": "Choose a sort order from the list"},
    )
    page = page_field()
    page_size = DefaultedChoiceField(
        label="Results per page",
        choices=[(size, str(size)) for size in PAGE_SIZES],
        coerce=int,
        initial=DEFAULT_PAGE_SIZE,
        required=False,
        error_messages={
            "invalid_choice": "Results per page must be "
            + ", ".join(str(s) for s in PAGE_SIZES[:-1])
            + f" or {PAGE_SIZES[-1]}"
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        searching = bool(self.data.get(SEARCH, "").strip())
        self.fields["sort"].initial = Sort.RELEVANCE if searching else Sort.NEWEST

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("amount_from"), cleaned.get("amount_to")
        if low is not None and high is not None and low > high:
            self.add_error(
                "amount_to",
                ValidationError(
                    "Funding to must be the same as or more than funding from",
                    code="amount_range",
                ),
            )
        start, end = cleaned.get("active_from"), cleaned.get("active_to")
        if start and end and start > end:
            self.add_error(
                "active_to",
                ValidationError(
                    "Active to must be the same as or after active from", code="date_range"
                ),
            )
        return cleaned


class RecommendationField(forms.CharField):
    """A commission's recommendation by its readable reference: westminster-...-commission-r3."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        found = Recommendation.objects.select_related("commission").by_reference(value).first()
        if found is None:
            raise ValidationError(
                "Addresses the recommendation: there is no recommendation “%(value)s”",
                code="unknown",
                params={"value": value},
            )
        return found


class SearchField(forms.CharField):
    """Words to search for, within SEARCH_MOST_CHARACTERS and SEARCH_MOST_WORDS (said when
    exceeded, not cut short by the input, as GOV.UK advises)."""

    def clean(self, value):
        value = super().clean(value)
        if len(value) > SEARCH_MOST_CHARACTERS:
            raise ValidationError(
                "Search: use %(most)s characters or fewer (this search has %(length)s)",
                code="too_long",
                params={"most": SEARCH_MOST_CHARACTERS, "length": len(value)},
            )
        if len(value.split()) > SEARCH_MOST_WORDS:
            raise ValidationError(
                "Search: use %(most)s words or fewer (this search has %(count)s)",
                code="too_many_words",
                params={"most": SEARCH_MOST_WORDS, "count": len(value.split())},
            )
        return value


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


class RecommendationFilter(django_filters.Filter):
    field_class = RecommendationField


class CatalogueFilterSet(ListFilterSet):
    """What the projects list's filters do; ProjectFilterSet below declares them, the facets
    from their declarations (facet_keys.FACETS)."""

    class Meta:
        model = Project
        fields = []
        form = ProjectFilterForm

    def filter_queryset(self, queryset):
        return self.sorted(self.filter_queryset_without(queryset))

    def filter_queryset_without(self, queryset, *skipped):
        """Apply every valid filter except those named `skipped` (for their own facet
        counts)."""
        for name, value in self.form.cleaned_data.items():
            if name in self.filters and name not in skipped and not is_unset(value):
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def searching(self):
        return bool(self.form.cleaned_data.get(SEARCH, "").strip())

    @property
    def default_sort(self):
        return Sort.RELEVANCE if self.searching else Sort.NEWEST

    @property
    def sort(self):
        """The chosen order; relevance only applies to a search, and is its default."""
        chosen = self.form.cleaned_data.get("sort")
        if chosen == Sort.RELEVANCE or not chosen:
            return self.default_sort
        return chosen

    def sorted(self, queryset):
        if self.sort == Sort.RELEVANCE:
            return queryset.order_by(*BY_RELEVANCE)
        return queryset.order_by(*Sort.ORDERINGS[self.sort])

    @property
    def page_size(self):
        return self.form.cleaned_data.get("page_size") or DEFAULT_PAGE_SIZE

    def chosen_controls(self):
        """{control: value} of the order, page size and page, where not at their defaults."""
        chosen = {
            "sort": (self.sort, self.default_sort),
            "page_size": (self.page_size, DEFAULT_PAGE_SIZE),
            "page": (self.page_number, 1),
        }
        return {name: value for name, (value, default) in chosen.items() if value != default}

    def filters_query(self):
        """The query string of the filters alone, as given ("" without any): what a feed of
        the list reads, without its order, page or parameters it does not read."""
        read = set()
        for name in self.filters:
            widget = self.form.fields[name].widget
            # A date is given in three parameters, one for each of its boxes.
            read.update(f"{name}{box}" for box in getattr(widget, "widgets_names", [""]))
        pairs = [
            (name, value)
            for name, values in self.data.lists()
            if name in read
            for value in values
            if value != ""
        ]
        return f"?{urlencode(pairs)}" if pairs else ""

    def applied_filters(self, facets):
        """The active filters as removable tags: [{"heading", "items": [{"label", "href"}]}]."""
        groups = []
        for facet in facets:
            items = [
                {"label": o.label, "href": self.query_without(facet.name, value=o.value)}
                for o in facet.options
                if o.selected and o.value
            ]
            if items:
                groups.append({"heading": facet.field.label, "items": items})
        cleaned = self.form.cleaned_data
        singles = [
            (SEARCH, "Search", lambda v: f"“{v}”" if v.strip() else None),
            ("recommendation", "Addresses", lambda v: f"{v.commission} {v.reference}"),
            ("amount_from", "Funding from", lambda v: f"£{v:,.0f}"),
            ("amount_to", "Funding to", lambda v: f"£{v:,.0f}"),
            ("year", "Active in year", str),
            ("active_from", "Active from", lambda v: f"{v:%-d %B %Y}"),
            ("active_to", "Active to", lambda v: f"{v:%-d %B %Y}"),
        ]
        for name, heading, describe in singles:
            value = cleaned.get(name)
            label = describe(value) if value not in (None, "") else None
            if label:
                names = [name, f"{name}_day", f"{name}_month", f"{name}_year"]
                groups.append(
                    {
                        "heading": heading,
                        "items": [{"label": label, "href": self.query_without(*names)}],
                    }
                )
        return groups

    def filter_search(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

    def filter_facet(self, queryset, name, value):
        """Projects matching any chosen option of the facet `name`, by their facet keys."""
        if not value:
            return queryset
        return queryset.in_facet(name, chosen_options(value))

    def filter_recommendation(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(pk__in=value.projects.values("pk"))

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.active_between(*ACTIVE_BETWEEN[name](value))


# The dates between which each filter by date chooses the projects running at any time: in a
# query (ProjectQuerySet.active_between) and in the facet index alike.
ACTIVE_BETWEEN = {
    "year": year_dates,
    "active_from": lambda day: (day, datetime.date.max),
    "active_to": lambda day: (datetime.date.min, day),
}


# The filters that are not facets, with where and how the filter column shows them.
SHOWN_BEFORE_FACETS = {
    "": (
        Shown(
            SEARCH,
            label_size="s",
            hint="Words in the title, summary, description or delivery partners",
        ),
        Shown(
            "recommendation",
            hint="A commission's recommendation, as linked from its page",
            hidden_unless_wrong=True,
        ),
    )
}
SHOWN_AFTER_FACETS = {
    "Money": (Shown("amount_from", width="10"), Shown("amount_to", width="10")),
    "When": (
        Shown("year", width="4", hint="Projects running at any time in that year"),
        Shown("active_from", hint="For example, 1 4 2024"),
        Shown("active_to", hint="For example, 31 3 2025"),
    ),
}


def panel_groups():
    """The filter column: the search, then each group's facets in the order FACETS declares
    them, followed by the group's other filters."""
    groups = dict.fromkeys(["", *(facet.group for facet in FACETS), *SHOWN_AFTER_FACETS], ())
    for group, shown in SHOWN_BEFORE_FACETS.items():
        groups[group] += shown
    for facet in FACETS:
        groups[facet.group] += (Shown(facet.name, folded=facet.folded),)
    for group, shown in SHOWN_AFTER_FACETS.items():
        groups[group] += shown
    return tuple(groups.items())


def declared_filters():
    """Every filter of the list, in the order its form holds them: the search, the facets,
    then the rest."""
    return {
        SEARCH: SearchFilter(label="Search", method="filter_search"),
        **{facet.name: facet.filter() for facet in FACETS},
        "recommendation": RecommendationFilter(
            label="Addresses the recommendation", method="filter_recommendation"
        ),
        "amount_from": pounds_filter("gte", "Funding from", "50000"),
        "amount_to": pounds_filter("lte", "Funding to", "250000"),
        "year": YearFilter(
            label="Active in year",
            method="filter_active",
            min_value=1990,
            max_value=2100,
            error_messages={
                "invalid": "Year must be a year, like 2024",
                "min_value": "Year must be 1990 or later",
                "max_value": "Year must be 2100 or earlier",
            },
        ),
        "active_from": DateFilter(label="Active from", method="filter_active"),
        "active_to": DateFilter(label="Active to", method="filter_active"),
    }


ProjectFilterSet = type(
    "ProjectFilterSet",
    (CatalogueFilterSet,),
    {
        "__module__": __name__,
        "__doc__": "Filters for published projects, with URL values that people can read: "
        "?borough=hackney.",
        "panel_groups": panel_groups(),
        "search": SEARCH,
        **declared_filters(),
    },
)
