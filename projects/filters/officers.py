"""The filters of the officers' own lists: their projects, settlements and commissions."""

import django_filters
from django import forms

from boroughs.models import Borough, Commission
from portal.filters import ListFilterSet, page_field

from ..models import FundingSettlement, Project


class OfficerListForm(forms.Form):
    page = page_field()


def authority_filter(field_name):
    """One of the officer's own authorities (any, for staff), by its slug: OfficerFilterSet
    offers only those."""
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=Borough.objects.all(),
        to_field_name="slug",
        label="Authority",
        empty_label="All my authorities",
        error_messages={"invalid_choice": "Choose one of your authorities from the list"},
    )


def one_of(choices, label, empty_label, noun, **options):
    """A select of fixed choices, one of which matches."""
    return django_filters.ChoiceFilter(
        choices=choices,
        label=label,
        empty_label=empty_label,
        error_messages={"invalid_choice": f"Choose {noun} from the list"},
        **options,
    )


class OfficerFilterSet(ListFilterSet):
    """A list of an officer's own records, a page at a time."""

    class Meta:
        fields = []
        form = OfficerListForm

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # The form's class is built once for everyone: each form offers its officer's own.
        self.form.fields["authority"].queryset = Borough.objects.of_officer(request.user)


class OfficerProjectFilterSet(OfficerFilterSet):
    """An officer's own projects, by publication state, authority and words in the title."""

    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Title")
    state = one_of(
        Project.PublicationState.choices,
        "Publication state",
        "Any state",
        "a publication state",
        field_name="publication_state",
    )
    authority = authority_filter("lead_borough")

    orderings = {"recent": ["-updated_at", "-pk"]}
    default_sort = "recent"
    search = "q"

    class Meta(OfficerFilterSet.Meta):
        model = Project


class OfficerSettlementFilterSet(OfficerFilterSet):
    """An officer's authorities' settlements."""

    authority = authority_filter("recipient")

    orderings = {"latest": ["-first_year", "funder__name", "pk"]}
    default_sort = "latest"

    class Meta(OfficerFilterSet.Meta):
        model = FundingSettlement


class OfficerCommissionFilterSet(OfficerFilterSet):
    """An officer's authorities' commissions, by authority and status."""

    authority = authority_filter("lead_borough")
    status = one_of(Commission.Status.choices, "Status", "Any status", "a status")

    orderings = {"title": ["title", "pk"]}
    default_sort = "title"

    class Meta(OfficerFilterSet.Meta):
        model = Commission
