from django import forms
from django.core.exceptions import ValidationError

from .models import Project

MIN_COMPARED = 2
MAX_COMPARED = 4


class ProjectForm(forms.ModelForm):
    """The rules a project must meet beyond what the database holds, for the admin and officers."""

    class Meta:
        model = Project
        fields = [
            "title",
            "slug",
            "summary",
            "description",
            "lead_borough",
            "partner_boroughs",
            "themes",
            "target_groups",
            "delivery_partners",
            "commission",
            "recommendations",
            "delivery_status",
            "start_date",
            "end_date",
            "people_reached",
            "outcomes",
            "evaluation_url",
            "contact_name",
            "contact_email",
            "publication_state",
        ]

    def clean(self):
        cleaned = super().clean()
        lead = cleaned.get("lead_borough")
        partners = cleaned.get("partner_boroughs") or []
        if lead and lead in partners:
            self.add_error(
                "partner_boroughs", f"{lead} leads the project, so it cannot also be a partner."
            )
        commission = cleaned.get("commission")
        recommendations = cleaned.get("recommendations") or []
        stray = [r for r in recommendations if r.commission_id != getattr(commission, "pk", None)]
        if stray:
            if commission:
                message = "Choose only recommendations of %(commission)s; %(stray)s is not one."
            else:
                message = "Choose the commission that made %(stray)s first."
            self.add_error(
                "recommendations",
                ValidationError(
                    message,
                    params={
                        "commission": commission,
                        "stray": ", ".join(f"{r.commission} {r.reference}" for r in stray),
                    },
                ),
            )
        return cleaned


class SettlementLinesFormSet(forms.BaseInlineFormSet):
    """Inline rows of a settlement, checked together against the settlement's total."""

    def kept_rows(self):
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]

    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.total_amount is None:
            return
        self.check_rows(self.kept_rows())


class YearlyAllocationFormSet(SettlementLinesFormSet):
    def check_rows(self, rows):
        self.instance.check_yearly_allocations(
            {row["financial_year"]: row["amount"] for row in rows}
        )


class ProjectFundingFormSet(SettlementLinesFormSet):
    def check_rows(self, rows):
        self.instance.check_project_allocations([row["amount"] for row in rows])


class ProjectComparisonForm(forms.Form):
    """Two to four published projects, chosen by their slugs: ?project=a&project=b."""

    project = forms.ModelMultipleChoiceField(
        queryset=Project.objects.published()
        .select_related("lead_borough", "commission")
        .prefetch_related(
            "partner_boroughs", "themes", "target_groups", "fundings__settlement__funder"
        ),
        to_field_name="slug",
        required=False,
        error_messages={
            "invalid_choice": "There is no published project “%(value)s” – it may have been "
            "archived, or the link is wrong",
        },
    )

    def __init__(self, data, **kwargs):
        data = data.copy()
        data.setlist("project", [slug for slug in data.getlist("project") if slug.strip()])
        super().__init__(data, **kwargs)

    def clean_project(self):
        chosen = self.cleaned_data["project"]
        if not MIN_COMPARED <= len(chosen) <= MAX_COMPARED:
            raise ValidationError(
                "Choose between %(min)s and %(max)s projects to compare – you chose %(count)s",
                code="count",
                params={"min": MIN_COMPARED, "max": MAX_COMPARED, "count": len(chosen)},
            )
        order = list(dict.fromkeys(self.data.getlist("project")))
        return sorted(chosen, key=lambda project: order.index(project.slug))
