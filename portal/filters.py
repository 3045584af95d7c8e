"""What every filtered list shares: readable URL values, the page number and sort order checked by
the same form as the filters, the active filters as tags that remove them, and the filter column
each list's FilterSet declares (`panel_groups`), drawn by one template
(components/filter_panel.html)."""

import copy
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.functional import cached_property

from .forms import DefaultedChoiceField, GOVUKDateField
from .querystrings import QueryString

PAGE_ERRORS = {
    "invalid": "Page must be a whole number, like 2",
    "min_value": "Page must be 1 or more",
}


def unknown_value(label):
    return {"invalid_choice": f"{label}: there is no option “%(value)s” – choose from the list"}


def page_field():
    return forms.IntegerField(min_value=1, required=False, error_messages=PAGE_ERRORS)


def sort_field(choices, default, label="Sort by"):
    return DefaultedChoiceField(
        label=label,
        choices=choices,
        initial=default,
        required=False,
        error_messages=unknown_value(label),
    )


def choice_filter(choices, label, *, method=None, field_name=None):
    """Checkboxes of fixed choices, any of which matches: the record's `field_name` holds one,
    or the FilterSet's `method` says which match."""
    return django_filters.MultipleChoiceFilter(
        choices=choices,
        label=label,
        method=method,
        field_name=field_name,
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=unknown_value(label),
    )


def radio_filter(choices, label, method, empty_label="Any"):
    """Radios of fixed choices, one of which matches, after an option that chooses none."""
    return django_filters.ChoiceFilter(
        choices=choices,
        label=label,
        method=method,
        widget=forms.RadioSelect,
        empty_label=empty_label,
        error_messages=unknown_value(label),
    )


def pounds_filter(lookup_expr, label, example):
    """An amount of money the project's funding total is compared with."""
    return django_filters.NumberFilter(
        field_name="funding_total",
        lookup_expr=lookup_expr,
        label=f"{label} (£)",
        min_value=0,
        error_messages={"invalid": f"{label} must be an amount in pounds, like {example}"},
    )


@dataclass(frozen=True)
class SortOrder:
    """One order a list offers: its value in ?sort=, its label, and its ordering (ending with
    a unique tie-breaker, so that pages never shift)."""

    value: str
    label: str
    ordering: tuple = ()


def sort_choices(orders):
    return [(order.value, order.label) for order in orders]


def sort_orderings(orders):
    return {order.value: list(order.ordering) for order in orders if order.ordering}


class SlugsField(django_filters.fields.ModelMultipleChoiceField):
    """Records chosen by their slugs. Given `known` ({slug: what to give for it}, for every
    record its queryset holds, read once for many requests: the record or its key), it finds
    the chosen ones there rather than asking the database."""

    known = None

    def _check_values(self, value):
        if self.known is None:
            return super()._check_values(value)
        chosen = {}
        for slug in map(str, value):
            if slug not in self.known:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": slug},
                )
            chosen.setdefault(slug, self.known[slug])
        return list(chosen.values())


class SlugsFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = SlugsField


def slug_filter(queryset, label, *, method=None, field_name=None):
    """Checkboxes of records chosen by their slugs in the URL, any of which matches: the
    record's `field_name` points at one, or the FilterSet's `method` says which match."""
    return SlugsFilter(
        queryset=queryset,
        to_field_name="slug",
        label=label,
        method=method,
        # The chosen records are matched by their slugs, as the URL names them.
        field_name=f"{field_name}__slug" if field_name else None,
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=unknown_value(label),
    )


class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField


class DateFilter(django_filters.Filter):
    """A date entered in the GOV.UK date input: ?active_from_day=1&active_from_month=4..."""

    field_class = GOVUKDateField


def is_unset(value):
    """Whether a cleaned filter value chooses nothing, without running a query to find out:
    an unticked model choice is an empty queryset (`.none()`)."""
    if isinstance(value, QuerySet):
        return value.query.is_empty()
    return value in (None, "", [], ())


@dataclass(frozen=True)
class Shown:
    """How one filter shows in its list's filter column: with a hint (None: its field's help
    text), an input `width`, a label size, `folded` into a details element (open while in use),
    or `hidden_unless_wrong`: carried along unseen, shown only to correct a wrong value."""

    name: str
    hint: str | None = None
    width: str = ""
    label_size: str = ""
    folded: bool = False
    hidden_unless_wrong: bool = False


class FiltersCopiedLightly(dict):
    """A FilterSet's filters, which django-filter deep-copies for every request (over a
    thousand objects for the projects list, a few milliseconds): each filter is copied with its
    own settings (`extra`) and method instead, which is all a request changes (its parent and
    model)."""

    def __deepcopy__(self, memo):
        copied = FiltersCopiedLightly()
        for name, item in self.items():
            copied[name] = copy.copy(item)
            copied[name].extra = dict(item.extra)
            # A filter with a FilterSet method calls it through an object bound to the filter.
            copied[name].method = item.method
        return copied


class FieldsCopiedLightly(dict):
    """A list's form fields, which Django deep-copies for every form, their choices and
    querysets included (about a millisecond for the projects list): each field is copied with
    its own widget instead, sharing what no request changes in place (choices, querysets and
    messages are replaced, never altered)."""

    def __deepcopy__(self, memo):
        copied = FieldsCopiedLightly()
        for name, field in self.items():
            copied[name] = copy.copy(field)
            copied[name].widget = widget = copy.copy(field.widget)
            widget.attrs = dict(field.widget.attrs)
            if hasattr(widget, "widgets"):
                widget.widgets = [copy.copy(part) for part in widget.widgets]
            if isinstance(field, forms.ModelChoiceField):
                # Choices that follow the copy's queryset (and its label and empty label).
                widget.choices = copied[name].choices
        return copied


class ListFilterSet(django_filters.FilterSet):
    """Filtering, then sorting by one of `orderings` ({sort value: ordering}, each ending with a
    unique tie-breaker), for a form that may also hold `page` and `sort` fields.

    `panel_groups` lays out the filter column: ((heading, (Shown, ...)), ...), by default every
    filter under no heading; `carried` names the list's other controls (a sort order chosen by
    a table's headings, say) that applying the filters keeps; `search` names the filter drawn as
    the search box above the results, which a phone shows before the filters."""

    orderings = {}
    default_sort = ""
    panel_groups = ()
    carried = ()
    search = ""

    @classmethod
    def get_filters(cls):
        return FiltersCopiedLightly(super().get_filters())

    def __init__(self, data=None, *args, **kwargs):
        # A blank value of a filter with checkboxes (?theme=, as a hand-made link or a form
        # with an "any" option sends) chooses nothing, rather than an option that is not there.
        if data is not None:
            data = data.copy()
            for name, item in self.base_filters.items():
                if isinstance(item, django_filters.MultipleChoiceFilter) and name in data:
                    data.setlist(name, [value for value in data.getlist(name) if value != ""])
        super().__init__(data, *args, **kwargs)

    def get_form_class(self):
        """The form class, built once per FilterSet class: django-filter would build a new one
        on every request, and its fields do not depend on the request."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            form_class = super().get_form_class()
            form_class.base_fields = FieldsCopiedLightly(form_class.base_fields)
            cls._form_class = form_class
        return cls._form_class

    def filter_queryset(self, queryset):
        for name, value in self.form.cleaned_data.items():
            if name in self.filters and not is_unset(value):
                queryset = self.filters[name].filter(queryset, value)
        if self.orderings:
            queryset = queryset.order_by(*self.orderings[self.sort])
        return queryset

    @property
    def sort(self):
        return self.form.cleaned_data.get("sort") or self.default_sort

    @property
    def page_number(self):
        return self.form.cleaned_data.get("page") or 1

    @cached_property
    def query_string(self):
        return QueryString(self.data)

    def query_without(self, *names, value=None):
        return self.query_string.without(*names, value=value)

    def applied_filters(self):
        """The valid active filters as tags that remove them:
        [{"heading", "items": [{"label", "href"}]}]."""
        groups = []
        for name, value in self.form.cleaned_data.items():
            if name not in self.filters or value is None or value == "":
                continue
            if isinstance(value, QuerySet | list | tuple):
                items = [
                    {"label": label, "href": self.query_without(name, value=param)}
                    for param, label in self.describe_each(name, value)
                ]
            else:
                items = [{"label": self.describe(name, value), "href": self.query_without(name)}]
            if items:
                groups.append({"heading": self.form[name].label, "items": items})
        return groups

    def describe_each(self, name, values):
        """(URL value, label) of each chosen option of a multiple choice."""
        field = self.form.fields[name]
        if isinstance(field, forms.ModelMultipleChoiceField):
            return [(item.slug, str(item)) for item in values]
        labels = dict(field.choices)
        return [(value, labels[value]) for value in values]

    def describe(self, name, value):
        """A single filter's value as its tag reads: a choice by its label, a record by its
        name, words as they were typed."""
        choices = getattr(self.form.fields[name], "choices", ())
        return dict(choices).get(value, str(value))

    @property
    def shown_groups(self):
        return self.panel_groups or [("", [Shown(name) for name in self.filters])]

    def panel(self, facets=None):
        """The filter column as components/filter_panel.html draws it: groups of filters, each
        a bound field (or, for a facet in `facets`, the facet with its counts), and the carried
        controls' values."""
        facets = facets or {}
        items = [
            (heading, [self.panel_item(s, facets) for s in shown_items if s.name != self.search])
            for heading, shown_items in self.shown_groups
        ]
        carried = [
            (self.form[name].html_name, value)
            for name in self.carried
            if not self.form[name].errors
            for value in self.data.getlist(name)
        ]
        return {
            "groups": [{"heading": heading, "items": group} for heading, group in items if group],
            "carried": carried,
            "long": sum(len(group) for _, group in items) > 2,
        }

    @property
    def search_box(self):
        """The `search` filter, as the search box above the results draws it."""
        if not self.search:
            return None
        shown = next(s for _, items in self.shown_groups for s in items if s.name == self.search)
        return self.panel_item(shown, {})

    def panel_item(self, shown, facets):
        field = self.form[shown.name]
        return {
            "field": field,
            "facet": facets.get(shown.name),
            "hint": field.help_text if shown.hint is None else shown.hint,
            "width": shown.width,
            "label_size": shown.label_size,
            "folded": shown.folded,
            "open": bool(field.errors or field.value()),
            "hidden": shown.hidden_unless_wrong and not field.errors,
        }
