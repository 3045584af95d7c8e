"""The officers' side: their dashboard, and keeping their authorities' projects, funding
settlements and commissions.

Every lookup goes through `of_officer(user)`, so another authority's record answers 404. What
each person may do to a project, and from which state, lives in projects.services; forms are
saved with services.save_edits, which refuses to overwrite someone else's save.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Count
from django.forms.utils import ErrorDict
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.generic import TemplateView

from boroughs.forms import CommissionRecommendations, OfficerCommissionForm
from boroughs.models import Borough, Commission, Membership, Recommendation
from portal.history import changes_since, history_of
from portal.lists import FilteredListView
from portal.merging import THEIRS, differences, merge, settle

from .. import services
from ..filters.officers import (
    OfficerCommissionFilterSet,
    OfficerProjectFilterSet,
    OfficerSettlementFilterSet,
)
from ..forms import (
    SET_OUT_YEARS,
    OfficerProjectForm,
    OfficerSettlementForm,
    ProjectFundingLines,
    SettlementAllocations,
    SettlementProjectFundings,
    allocations_set_out,
    int_or_zero,
)
from ..models import (
    FundingSettlement,
    Project,
    ProjectFunding,
    ProposedChange,
    YearlyAllocation,
)

State = Project.PublicationState
RECENT = 10
#: The "Add another" button's name; its value is the prefix of the rows to add one to.
ADD_ROW = "add_row"
MAX_ROWS = 200
# What the database refuses at the end of a save, as the person is told it.
REFUSALS = {
    "funding_line_fits_project": (
        "A funding line's settlement would no longer cover any of the project's years, or is "
        "paid to an authority that neither leads it nor is a partner: change the line or the "
        "project's dates and authorities."
    ),
    "project_status_fits_dates": (
        "The delivery status no longer agrees with the project's dates: nothing planned or "
        "active can have ended, nothing active or completed can be yet to start, and a completed "
        "project has ended. Change the status or the dates."
    ),
}


class SaveRefused(Exception):
    """The database refused the save; the message says why, for the person."""


def refusal(error):
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    return REFUSALS.get(
        constraint, "Your changes could not be saved as they are: check them and save again."
    )


PER_PAGE = 25


# Who may enter, and forms that never lose an edit ---------------------------------------------


class OfficerMixin(LoginRequiredMixin):
    """Signed-in officers of at least one authority, and staff; anyone else is refused. What
    they see is theirs alone: no browser or proxy keeps it (Cache-Control: private, no-store)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (
            request.user.is_staff or Membership.objects.roles_of(request.user)
        ):
            raise PermissionDenied("Your account is not an officer of any London authority.")
        response = super().dispatch(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class RecordFormView(OfficerMixin, TemplateView):
    """Create or edit a record with its inline rows, refusing to overwrite someone else's save.

    Subclasses give `form_class`, `formset_classes` ({prefix: class}), `get_object()` (None to
    create), `check_may_edit(obj)` and `success_url(saved)`.
    """

    form_class = None
    formset_classes = {}
    success_message = "Your changes were saved."
    #: The kind of ProposedChange an officer's save becomes, for records a reviewer approves.
    kind = None

    def get_object(self):
        return None

    def check_may_edit(self, obj):
        """Raise PermissionDenied when the signed-in person may not change `obj`."""

    @staticmethod
    def authority_of(form):
        """The authority whose reviewers decide on a proposed change: the record's lead."""
        return form.cleaned_data["lead_borough"]

    @staticmethod
    def title_of(form):
        """What a proposed change is to, as entered."""
        return form.cleaned_data["title"]

    def form_kwargs(self):
        return {"user": self.request.user}

    def formset_kwargs(self, prefix):
        return {}

    def build(self, data=None):
        form = self.form_class(data, instance=self.object, **self.form_kwargs())
        formsets = [
            formset_class(
                data, instance=form.instance, prefix=prefix, **self.formset_kwargs(prefix)
            )
            for prefix, formset_class in self.formset_classes.items()
        ]
        return form, formsets

    def render(self, form, formsets, status=200, **extra):
        context = self.get_context_data(object=self.object, form=form, formsets=formsets, **extra)
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.check_may_edit(self.object)
        return self.render(*self.build())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.check_may_edit(self.object)
        rows_asked = self.rows_asked(request.POST)
        if rows_asked is not None:
            return self.render_unchecked(*self.build(rows_asked))
        form, formsets = self.build(request.POST)
        valid = form.is_valid()
        for formset in formsets:
            valid = formset.is_valid() and valid
        if not valid:
            return self.render(form, formsets)
        if self.kind is not None and services.needs_review(request.user):
            return self.propose(form)
        chosen = request.POST.getlist(THEIRS)
        if self.object is not None and chosen:
            # The fields both sides changed, where the person chose the other side's value, as
            # stored (the form has already put the person's values on self.object).
            settle(form, type(self.object)._default_manager.get(pk=self.object.pk), chosen)
        version = form.cleaned_data.get("version")
        try:
            saved = self.save(form, formsets, version)
        except services.EditConflict as conflict:
            return self.merge(form, formsets, conflict.current, version)
        except SaveRefused as refused:
            form.add_error(None, str(refused))
            return self.render(form, formsets, status=409)
        messages.success(request, self.success_message)
        return redirect(self.success_url(saved))

    def propose(self, form):
        """Keep the officer's valid new or changed record for a reviewer of its authority."""
        data = {
            name: self.request.POST.getlist(name)
            for name in self.request.POST
            if name not in ("csrfmiddlewaretoken", ADD_ROW, SET_OUT_YEARS, THEIRS)
        }
        change = services.propose(
            kind=self.kind,
            record=self.object,
            authority=self.authority_of(form),
            title=self.title_of(form),
            data=data,
            by=self.request.user,
        )
        messages.success(
            self.request,
            f"Sent to the reviewers of {change.authority}: the change is public once one of "
            "them approves it.",
        )
        return redirect("officers:change", pk=change.pk)

    def rows_asked(self, data):
        """The form's data with the rows asked for ("Add another"), or None when the person
        asked to save. Without JavaScript, that button sends the form to come back with one
        more row; with it, the row is added in the page."""
        prefix = data.get(ADD_ROW)
        if prefix not in self.formset_classes:
            return None
        data = data.copy()
        total = f"{prefix}-TOTAL_FORMS"
        data[total] = str(min(int_or_zero(data.get(total)) + 1, MAX_ROWS))
        return data

    def render_unchecked(self, form, formsets):
        """The form as typed, with its new rows and no error messages: nothing was saved, and
        nothing is checked until the person saves."""
        form._errors = ErrorDict()
        for formset in formsets:
            formset._errors, formset._non_form_errors = [], formset.error_class()
            for row in formset.forms:
                row._errors = ErrorDict()
        return self.render(form, formsets)

    def save(self, form, formsets, version):
        try:
            return services.save_edits(
                form=form, formsets=formsets, by=self.request.user, version=version
            )
        except IntegrityError as error:
            # What the forms could not see in time: another save in the meantime, say.
            raise SaveRefused(refusal(error)) from error

    def merge(self, form, formsets, current, version):
        """Someone saved the record since this person opened it: keep the others' changes to
        the fields this person left alone and save, or, where both changed a field, show both
        for them to choose."""
        merged = merge(form, current, version)
        if merged is not None and not merged.conflicts:
            try:
                form.instance.full_clean(exclude=self.unedited(form), validate_constraints=False)
                saved = self.save(form, formsets, current.version)
            except (ValidationError, SaveRefused, services.EditConflict):
                pass
            else:
                if merged.kept_from_them:
                    kept = ", ".join(merged.kept_from_them)
                    messages.info(
                        self.request,
                        f"Someone else saved this record while you were editing it: their "
                        f"changes to {kept} are kept with yours.",
                    )
                messages.success(self.request, self.success_message)
                return redirect(self.success_url(saved))
        form.instance.version = current.version
        return self.render(
            self.merged_form(form),
            formsets,
            status=409,
            conflict=current,
            changes=changes_since(current, version),
            conflicts=merged.conflicts if merged else [],
        )

    def merged_form(self, form):
        """A new form showing the merged record: the person's values, with the others' where
        only they changed a field."""
        many = {
            name: list(form.cleaned_data[name])
            for name, field in form.fields.items()
            if isinstance(field, forms.ModelMultipleChoiceField) and name in form.cleaned_data
        }
        return self.form_class(instance=form.instance, initial=many, **self.form_kwargs())

    @staticmethod
    def unedited(form):
        return [f.name for f in form.instance._meta.fields if f.name not in form.fields]


class OfficerListView(OfficerMixin, FilteredListView):
    """A filtered list of an officer's own records, a page at a time."""

    paginate_by = PER_PAGE


# The dashboard and projects -------------------------------------------------------------------


def officer_projects(user):
    return Project.objects.of_officer(user).select_related("lead_borough")


class DashboardView(OfficerMixin, TemplateView):
    """An officer's authorities, what needs their attention and what changed lately."""

    template_name = "officers/dashboard.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        projects = officer_projects(user)
        counts = dict(
            projects.order_by()
            .values_list("publication_state")
            .annotate(n=Count("pk"))
            .values_list("publication_state", "n")
        )
        waiting = projects.filter(publication_state=State.SUBMITTED)
        if not user.is_staff:
            reviewing = Membership.objects.of(user).reviewers().values("borough")
            waiting = waiting.filter(lead_borough__in=reviewing)
        return super().get_context_data(
            memberships=Membership.objects.of(user).select_related("borough"),
            states=[(value, label, counts.get(value, 0)) for value, label in State.choices],
            returned=projects.returned().order_by("-updated_at", "-pk")[:RECENT],
            waiting=waiting.order_by("updated_at", "pk")[:RECENT],
            waiting_count=waiting.count(),
            changes_waiting=ProposedChange.objects.waiting().for_reviewer(user).distinct().count(),
            recent=projects.order_by("-updated_at", "-pk")[:RECENT],
            **kwargs,
        )


class OfficerProjectListView(OfficerListView):
    template_name = "officers/project_list.html"
    filterset_class = OfficerProjectFilterSet

    def get_queryset(self):
        return officer_projects(self.request.user)


class OfficerProjectDetailView(OfficerMixin, TemplateView):
    """A project as its officers see it: its state, what they may do next and its review steps."""

    template_name = "officers/project_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        project = get_object_or_404(
            officer_projects(user).prefetch_related("themes", "partner_boroughs", "fundings"),
            slug=self.kwargs["slug"],
        )
        return super().get_context_data(
            project=project,
            can_edit=services.can_edit(user, project),
            actions=services.allowed_actions(user, project),
            blocked=services.blocked_actions(user, project),
            checklist=project.publication_checklist(),
            changes_waiting=project.proposed_changes.waiting().select_related("proposed_by"),
            transitions=project.transitions.select_related("by"),
            **kwargs,
        )


class ProjectFormView(RecordFormView):
    form_class = OfficerProjectForm
    formset_classes = {"fundings": ProjectFundingLines}
    template_name = "officers/project_form.html"

    def formset_kwargs(self, prefix):
        settlements = FundingSettlement.objects.filter(
            recipient__in=Borough.objects.of_officer(self.request.user)
        ).select_related("funder", "recipient")
        return {"settlements": settlements}

    def success_url(self, saved):
        return reverse("officers:project", args=[saved.slug])


class ProjectCreateView(ProjectFormView):
    success_message = "The project was saved as a draft."


class ProjectUpdateView(ProjectFormView):
    def get_object(self):
        return get_object_or_404(officer_projects(self.request.user), slug=self.kwargs["slug"])

    @property
    def kind(self):
        # A change to a published project waits for a second reviewer; a draft's is saved.
        published = self.object is not None and self.object.is_published
        return ProposedChange.Kind.PROJECT if published else None

    def check_may_edit(self, project):
        if not services.can_edit(self.request.user, project):
            raise PermissionDenied(
                f"You cannot edit this project while it is "
                f"{project.get_publication_state_display().lower()}: "
                + (
                    "only a reviewer of its authority can change a published project."
                    if project.is_published
                    else "ask a reviewer of its authority."
                )
            )


class StepForm(forms.Form):
    comment = forms.CharField(
        label="Comment", required=False, widget=forms.Textarea, max_length=5000
    )


class ProjectStepView(OfficerMixin, TemplateView):
    """Confirm and take one step through review: submit, publish, return or archive."""

    template_name = "officers/project_step.html"

    def setup_step(self):
        action = self.kwargs["action"]
        if action not in services.STEPS:
            raise Http404("No such step.")
        self.project = get_object_or_404(
            officer_projects(self.request.user), slug=self.kwargs["slug"]
        )
        self.step = services.STEPS[action]

    def render(self, form, status=200):
        return self.render_to_response(
            self.get_context_data(project=self.project, step=self.step, form=form),
            status=status,
        )

    def get(self, request, *args, **kwargs):
        self.setup_step()
        if self.step.action not in services.allowed_actions(request.user, self.project):
            raise PermissionDenied(self.refusal())
        return self.render(StepForm())

    def post(self, request, *args, **kwargs):
        self.setup_step()
        form = StepForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            transition = services.take_step(
                project=self.project,
                action=self.step.action,
                by=request.user,
                comment=form.cleaned_data["comment"],
            )
        except services.WorkflowError as error:
            form.add_error("comment" if self.step.needs_comment else None, str(error))
            return self.render(form, status=400)
        messages.success(request, f"{self.project.title}: {transition.get_action_display()}.")
        return redirect("officers:project", slug=self.project.slug)

    def refusal(self):
        if services.role_in(self.request.user, self.project.lead_borough_id) not in self.step.roles:
            return "Only a reviewer of the project's authority can do that."
        reasons = services.blockers(self.request.user, self.project, self.step.action)
        if reasons and self.project.publication_state in self.step.from_states:
            return " ".join(reasons)
        state = self.project.get_publication_state_display().lower()
        return f"This project is {state}, so that step is not possible now."


class ProjectHistoryView(OfficerMixin, TemplateView):
    template_name = "officers/history.html"

    def get_context_data(self, **kwargs):
        project = get_object_or_404(officer_projects(self.request.user), slug=self.kwargs["slug"])
        fundings = ProjectFunding.history.filter(project_id=project.pk)
        return super().get_context_data(
            record=project,
            back_url=reverse("officers:project", args=[project.slug]),
            entries=history_of(project, related=[(fundings, lambda r: "Funding line")]),
            **kwargs,
        )


# Settlements ----------------------------------------------------------------------------------


def officer_settlements(user):
    return FundingSettlement.objects.of_officer(user).select_related("funder", "recipient")


class OfficerSettlementListView(OfficerListView):
    template_name = "officers/settlement_list.html"
    filterset_class = OfficerSettlementFilterSet

    def get_queryset(self):
        return officer_settlements(self.request.user)


class SettlementFormView(RecordFormView):
    form_class = OfficerSettlementForm
    formset_classes = {"allocations": SettlementAllocations, "fundings": SettlementProjectFundings}
    template_name = "officers/settlement_form.html"
    kind = ProposedChange.Kind.SETTLEMENT

    @staticmethod
    def authority_of(form):
        return form.cleaned_data["recipient"]

    @staticmethod
    def title_of(form):
        cleaned = form.cleaned_data
        return f"{cleaned['programme']} from {cleaned['funder']} to {cleaned['recipient']}"

    def rows_asked(self, data):
        if SET_OUT_YEARS in data:
            return allocations_set_out(data)
        return super().rows_asked(data)

    def formset_kwargs(self, prefix):
        if prefix == "fundings":
            return {"projects": Project.objects.of_officer(self.request.user)}
        return {}

    def success_url(self, saved):
        return reverse("officers:settlements")


class SettlementCreateView(SettlementFormView):
    success_message = "The settlement was saved."


class SettlementUpdateView(SettlementFormView):
    def get_object(self):
        return get_object_or_404(officer_settlements(self.request.user), pk=self.kwargs["pk"])


class SettlementHistoryView(OfficerMixin, TemplateView):
    template_name = "officers/history.html"

    def get_context_data(self, **kwargs):
        settlement = get_object_or_404(officer_settlements(self.request.user), pk=self.kwargs["pk"])
        related = [
            (
                YearlyAllocation.history.filter(settlement_id=settlement.pk),
                lambda r: "Yearly allocation",
            ),
            (ProjectFunding.history.filter(settlement_id=settlement.pk), lambda r: "Funding line"),
        ]
        return super().get_context_data(
            record=settlement,
            back_url=reverse("officers:settlement-edit", args=[settlement.pk]),
            entries=history_of(settlement, related=related),
            **kwargs,
        )


# Commissions ----------------------------------------------------------------------------------


def officer_commissions(user):
    return Commission.objects.of_officer(user).select_related("lead_borough")


class OfficerCommissionListView(OfficerListView):
    template_name = "officers/commission_list.html"
    filterset_class = OfficerCommissionFilterSet

    def get_queryset(self):
        return officer_commissions(self.request.user)


class CommissionFormView(RecordFormView):
    form_class = OfficerCommissionForm
    formset_classes = {"recommendations": CommissionRecommendations}
    template_name = "officers/commission_form.html"
    kind = ProposedChange.Kind.COMMISSION

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


# Settlements and commissions waiting for a reviewer --------------------------------------------


class ChangeListView(OfficerMixin, TemplateView):
    """The changes waiting for this reviewer, and this officer's own."""

    template_name = "officers/change_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        changes = ProposedChange.objects.select_related("authority", "proposed_by", "decided_by")
        return super().get_context_data(
            waiting=changes.waiting().for_reviewer(user).distinct(),
            mine=changes.filter(proposed_by=user)[:RECENT],
            **kwargs,
        )


class ChangeDetailView(OfficerMixin, TemplateView):
    """One proposed change: what it changes, and the reviewer's approval or return."""

    template_name = "officers/change_detail.html"

    def setup_change(self):
        self.change = get_object_or_404(
            ProposedChange.objects.of_officer(self.request.user)
            .select_related("authority", "proposed_by", "decided_by")
            .distinct(),
            pk=self.kwargs["pk"],
        )
        record_view = RECORD_VIEWS[self.change.kind]()
        record_view.setup(self.request)
        stored = self.change.record
        record_view.object = type(stored)._default_manager.get(pk=stored.pk) if stored else None
        data = QueryDict(mutable=True)
        for name, values in self.change.data.items():
            data.setlist(name, values)
        self.form, self.formsets = record_view.build(data)
        checked = [self.form.is_valid(), *(formset.is_valid() for formset in self.formsets)]
        self.valid = all(checked)
        # The record as stored, not the form's, on which the form has put the proposed values.
        self.stored = stored

    def get(self, request, *args, **kwargs):
        self.setup_change()
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.setup_change()
        approve = request.POST.get("decision") == "approve"
        comment = request.POST.get("comment", "")
        if approve and not self.valid:
            messages.error(
                request,
                "This change no longer meets the record's rules (see below): return it with a "
                "comment.",
            )
            return redirect("officers:change", pk=self.change.pk)
        try:
            services.decide(
                change=self.change,
                by=request.user,
                approve=approve,
                comment=comment,
                save=self.save,
            )
        except services.EditConflict:
            messages.error(
                request,
                "The record was changed after this was proposed: return it, so the officer "
                "proposes it again from the record as it is now.",
            )
        except services.WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Approved: it is public now." if approve else "Returned.")
        return redirect("officers:change", pk=self.change.pk)

    def save(self):
        services.save_edits(
            form=self.form,
            formsets=self.formsets,
            by=self.change.proposed_by or self.request.user,
            version=self.form.cleaned_data.get("version"),
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            change=self.change,
            valid=self.valid,
            form=self.form,
            formsets=self.formsets,
            differences=differences(self.form, self.stored) if self.valid else [],
            may_decide=self.change.state == ProposedChange.State.SUBMITTED
            and services.may_decide(self.request.user, self.change),
            **kwargs,
        )


RECORD_VIEWS = {
    ProposedChange.Kind.SETTLEMENT: SettlementFormView,
    ProposedChange.Kind.COMMISSION: CommissionFormView,
    ProposedChange.Kind.PROJECT: ProjectUpdateView,
}
