"""The filters of the officers' own lists: their projects, settlements and commissions."""

import django_filters
from django import forms

from boroughs.models import Borough, Commission
from portal.filters import ListFilterSet, page_field

from ..models import FundingSettlement, Project


class OfficerListForm(forms.Form):
    page = page_field()


def authority_filter(field_name):
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=Borough.objects.all(),
        to_field_name="slug",
        label="Authority",
        empty_label="All my authorities",
        error_messages={"invalid_choice": "Choose one of your authorities from the list"},
    )


class OfficerProjectFilterSet(ListFilterSet):
    """An officer's own projects, by publication state, authority and words in the title."""

    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Title")
    state = django_filters.ChoiceFilter(
        field_name="publication_state",
        choices=Project.PublicationState.choices,
        label="Publication state",
        empty_label="Any state",
        error_messages={"invalid_choice": "Choose a publication state from the list"},
    )
    authority = authority_filter("lead_borough")

    orderings = {"recent": ["-updated_at", "-pk"]}
    default_sort = "recent"

    class Meta:
        model = Project
        fields = []
        form = OfficerListForm


class OfficerSettlementFilterSet(ListFilterSet):
    """An officer's authorities' settlements."""

    authority = authority_filter("recipient")

    orderings = {"latest": ["-first_year", "funder__name", "pk"]}
    default_sort = "latest"

    class Meta:
        model = FundingSettlement
        fields = []
        form = OfficerListForm


class OfficerCommissionFilterSet(ListFilterSet):
    """An officer's authorities' commissions, by authority and status."""

    authority = authority_filter("lead_borough")
    status = django_filters.ChoiceFilter(
        choices=Commission.Status.choices,
        label="Status",
        empty_label="Any status",
        error_messages={"invalid_choice": "Choose a status from the list"},
    )

    orderings = {"title": ["title", "pk"]}
    default_sort = "title"

    class Meta:
        model = Commission
        fields = []
        form = OfficerListForm
