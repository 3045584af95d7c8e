"""Officers keep the commissions their authorities lead, with their recommendations."""

import django_filters
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import TemplateView

from portal.filters import ListFilterSet
from portal.history import history_of
from portal.officers import OfficerMixin, RecordFormView
from projects.officer_filters import OfficerListForm, authority_filter
from projects.officer_views import OfficerListView

from .forms import CommissionRecommendations, OfficerCommissionForm
from .models import Commission, Recommendation


def officer_commissions(user):
    return Commission.objects.of_officer(user).select_related("lead_borough")


class OfficerCommissionFilterSet(ListFilterSet):
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


class OfficerCommissionListView(OfficerListView):
    template_name = "officers/commission_list.html"
    filterset_class = OfficerCommissionFilterSet

    def records(self):
        return officer_commissions(self.request.user)


class CommissionFormView(RecordFormView):
    form_class = OfficerCommissionForm
    formset_classes = {"recommendations": CommissionRecommendations}
    template_name = "officers/commission_form.html"

    def success_url(self, saved):
        return reverse("officers:commissions")


class CommissionCreateView(CommissionFormView):
    success_message = "The commission was saved."


class CommissionUpdateView(CommissionFormView):
    def get_object(self):
        return get_object_or_404(officer_commissions(self.request.user), slug=self.kwargs["slug"])


class CommissionHistoryView(OfficerMixin, TemplateView):
    template_name = "officers/history.html"

    def get_context_data(self, **kwargs):
        commission = get_object_or_404(
            officer_commissions(self.request.user), slug=self.kwargs["slug"]
        )
        return super().get_context_data(
            record=commission,
            back_url=reverse("officers:commission-edit", args=[commission.slug]),
            entries=history_of(
                commission,
                related=[
                    (
                        Recommendation.history.filter(commission_id=commission.pk),
                        lambda record: f"Recommendation R{record.number}",
                    )
                ],
            ),
            **kwargs,
        )
