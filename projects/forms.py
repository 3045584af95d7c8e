"""The forms of projects and their funding, for officers and the admin: a project with its
funding lines, a settlement with its yearly allocations and projects funded, and the choice of
projects to compare. The rules a record must meet beyond what the database holds live here (and
in the models' checks), so the officers' pages, the admin and the import all apply them."""

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from boroughs.forms import OffersCurrentChoices, RestoreForm
from boroughs.models import Borough, Recommendation
from portal.forms import AsksBeforeDuplicating, GOVUKDateField, SaysWhatToDo, VersionedForm
from portal.money import pounds

from .models import Funder, FundingSettlement, Project, ProjectFunding, YearlyAllocation

MIN_COMPARED = 2
MAX_COMPARED = 4


class ProjectForm(OffersCurrentChoices, SaysWhatToDo, AsksBeforeDuplicating, forms.ModelForm):
    """The rules a project must meet beyond what the database holds, for the admin and officers.
    It offers only current themes, target groups and commissions, and those it has already, and
    asks before adding a project with the title and lead authority of one that exists."""

    current_choices = ["themes", "target_groups", "commission"]
    duplicate_field = "title"

    def matching(self, cleaned):
        title, lead = (cleaned.get("title") or "").strip(), cleaned.get("lead_borough")
        if not title or lead is None:
            return Project.objects.none()
        return Project.objects.filter(title__iexact=title, lead_borough=lead).order_by("pk")

    def duplicate_description(self, cleaned):
        return f"A project called “{cleaned['title']}” led by {cleaned['lead_borough']}"

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
            "off_theme_reason",
            "delivery_status",
            "start_date",
            "end_date",
            "people_reached",
            "outcomes",
            "evaluation_url",
            "contact_name",
            "contact_email",
            "no_funding_reason",
            "publication_state",
        ]

    def clean_slug(self):
        # A blank slug is made from the title as the project is saved; None rather than "" spares
        # checking that no other project has "" for one.
        return self.cleaned_data["slug"] or None

    def clean(self):
        cleaned = super().clean()
        lead = cleaned.get("lead_borough")
        partners = cleaned.get("partner_boroughs") or []
        # Its funding lines, checked next, are held to the authorities entered here.
        self.instance.partners_entered = list(partners)
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
        themes = set(cleaned.get("themes") or [])
        if themes and not stray and not cleaned.get("off_theme_reason", "").strip():
            # A recommendation with no themes recorded cannot be judged off theme.
            off_theme = [
                r for r in recommendations if (its := set(r.themes.all())) and not themes & its
            ]
            if off_theme:
                self.add_error(
                    "off_theme_reason",
                    ValidationError(
                        "%(references)s %(shares)s none of the project's themes: say why the "
                        "project answers %(it)s, or untick %(it)s.",
                        code="recommendation_off_theme",
                        params={
                            "references": " and ".join(r.reference for r in off_theme),
                            "shares": "shares" if len(off_theme) == 1 else "share",
                            "it": "it" if len(off_theme) == 1 else "them",
                        },
                    ),
                )
        return cleaned


class RowsOfEditedRecordFormSet(forms.BaseInlineFormSet):
    """Inline rows checked against their record as its form has it, edits included, not as
    stored: the record's form is validated first."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        setattr(form.instance, self.fk.name, self.instance)


class SettlementLinesFormSet(RowsOfEditedRecordFormSet):
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


class RecommendationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, recommendation):
        return f"{recommendation.reference}: {recommendation.text}"


class SettlementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, settlement):
        return (
            f"{settlement.funder}: {settlement.programme}, {settlement.recipient} "
            f"({settlement.years_label}, {pounds(settlement.total_amount)})"
        )


class OfficerProjectForm(VersionedForm, ProjectForm):
    """The project form officers use on the site: everything but its slug and state."""

    recommendations = RecommendationChoiceField(
        queryset=Recommendation.objects.select_related("commission").order_by(
            "commission__title", "number"
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Recommendations it addresses",
        help_text="Only recommendations of the commission chosen above.",
    )

    class Meta(ProjectForm.Meta):
        fields = [f for f in ProjectForm.Meta.fields if f not in ("slug", "publication_state")]
        field_classes = {"start_date": GOVUKDateField, "end_date": GOVUKDateField}
        widgets = {
            "partner_boroughs": forms.CheckboxSelectMultiple,
            "themes": forms.CheckboxSelectMultiple,
            "target_groups": forms.CheckboxSelectMultiple,
            "delivery_status": forms.RadioSelect,
        }
        labels = {
            "lead_borough": "Lead authority",
            "partner_boroughs": "Partner authorities",
            "target_groups": "Who it is for",
            "commission": "Commission it follows from",
        }
        help_texts = {
            "themes": "Choose at least one.",
            "delivery_partners": "One organisation per line.",
            "people_reached": "Leave blank if not yet known.",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_borough"].queryset = Borough.objects.of_officer(user)
        self.fields["lead_borough"].empty_label = None
        commissions = self.fields["commission"].queryset.order_by("title")
        self.fields["commission"].queryset = commissions
        self.fields["commission"].empty_label = "None"
        # The recommendations of the commissions offered.
        recommendations = self.fields["recommendations"]
        recommendations.queryset = recommendations.queryset.filter(commission__in=commissions)

    def recommendation_groups(self):
        """[(commission, [(recommendation, ticked, input id)])]: recommendations under headings,
        numbered like Django's own checkboxes so the error summary links to the first."""
        field = self["recommendations"]
        chosen = {str(pk) for pk in field.value() or []}
        groups = {}
        for index, recommendation in enumerate(self.fields["recommendations"].queryset):
            groups.setdefault(recommendation.commission, []).append(
                (recommendation, str(recommendation.pk) in chosen, f"{field.auto_id}_{index}")
            )
        return list(groups.items())


class ProjectRestoreForm(RestoreForm, ProjectForm):
    """A project as one of its versions had it (the admin's revert page). Its state changes only
    through review: a revert keeps the state it has, and a deleted project, whose review steps
    went with it, comes back as a draft."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        project = self.instance
        if self.stored:
            project.publication_state = self.stored.publication_state
            project.published_at = self.stored.published_at
        else:
            project.publication_state = Project.PublicationState.DRAFT


class ProjectFundingLinesFormSet(RowsOfEditedRecordFormSet):
    """A project's funding lines: each keeps its settlement within its total. `settlements`
    narrows the choice (to an officer's authorities')."""

    def __init__(self, *args, settlements=None, **kwargs):
        super().__init__(*args, **kwargs)
        if settlements is not None:
            for form in [*self.forms, self.empty_form]:
                form.fields["settlement"].queryset = settlements

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        for form in self.forms:
            if not form.cleaned_data or self._should_delete_form(form):
                continue
            settlement = form.cleaned_data["settlement"]
            others = settlement.project_fundings.exclude(project=self.instance.pk).values_list(
                "amount", flat=True
            )
            try:
                settlement.check_project_allocations([*others, form.cleaned_data["amount"]])
            except ValidationError as error:
                form.add_error("amount", error)


ProjectFundingLines = forms.inlineformset_factory(
    Project,
    ProjectFunding,
    formset=ProjectFundingLinesFormSet,
    fields=["settlement", "amount"],
    field_classes={"settlement": SettlementChoiceField},
    labels={"settlement": "Settlement", "amount": "Amount (£)"},
    extra=1,
    can_delete=True,
)


class SettlementForm(SaysWhatToDo, AsksBeforeDuplicating, forms.ModelForm):
    """A funding settlement, for the admin and the import; its rules are the model's own. It
    asks before adding one with the funder, programme, recipient and years of one that exists."""

    duplicate_field = "programme"

    def matching(self, cleaned):
        terms = ("funder", "programme", "recipient", "first_year", "last_year")
        if any(cleaned.get(name) in (None, "") for name in terms):
            return FundingSettlement.objects.none()
        return FundingSettlement.objects.filter(
            funder=cleaned["funder"],
            programme__iexact=cleaned["programme"].strip(),
            recipient=cleaned["recipient"],
            first_year=cleaned["first_year"],
            last_year=cleaned["last_year"],
        ).order_by("pk")

    def duplicate_description(self, cleaned):
        return (
            f"A settlement from {cleaned['funder']} to {cleaned['recipient']} for "
            f"“{cleaned['programme']}” over the same years"
        )

    class Meta:
        model = FundingSettlement
        fields = [
            "funder",
            "programme",
            "recipient",
            "total_amount",
            "first_year",
            "last_year",
            "restrictions",
            "conditions",
            "awarded_on",
        ]


class SettlementRestoreForm(RestoreForm, SettlementForm):
    """A settlement as one of its versions had it (the admin's revert page). Its yearly
    allocations and projects funded stay as they are, so they must agree with the version."""

    def clean(self):
        cleaned = super().clean()
        terms = {name: cleaned.get(name) for name in ("total_amount", "first_year", "last_year")}
        if self.stored is None or None in terms.values():
            return cleaned
        restored = FundingSettlement(**terms)
        allocations = self.stored.allocations.values_list("financial_year", "amount")
        restored.check_yearly_allocations(dict(allocations))
        restored.check_project_allocations(
            self.stored.project_fundings.values_list("amount", flat=True)
        )
        return cleaned


class OfficerSettlementForm(VersionedForm, SettlementForm):
    """A funding settlement as officers enter it for their own authorities."""

    class Meta(SettlementForm.Meta):
        field_classes = {"awarded_on": GOVUKDateField}
        widgets = {"restrictions": forms.RadioSelect}
        labels = {"recipient": "Receiving authority"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Borough.objects.of_officer(user)
        self.fields["recipient"].empty_label = None
        self.fields["funder"].queryset = Funder.objects.order_by("name")


SettlementAllocations = forms.inlineformset_factory(
    FundingSettlement,
    YearlyAllocation,
    formset=YearlyAllocationFormSet,
    fields=["financial_year", "amount"],
    labels={"financial_year": "Financial year (the year it starts)", "amount": "Amount (£)"},
    extra=2,
    can_delete=True,
)


def int_or_zero(text):
    try:
        return max(int(text), 0)
    except (TypeError, ValueError):
        return 0


#: The settlement form's button that sets out a row of yearly allocation for each of its years.
SET_OUT_YEARS = "set_out_years"
LONGEST_SETTLEMENT = 20


def allocations_set_out(data):
    """The settlement form's data with a yearly allocation row for each financial year from its
    first to its last that has none, filling blank rows first; when no amount is entered yet,
    the total is split evenly over the years (the last takes what rounding leaves)."""
    data = data.copy()
    first, last = (int_or_zero(data.get(name)) for name in ("first_year", "last_year"))
    if not first or last < first or last - first >= LONGEST_SETTLEMENT:
        return data
    total_key = "allocations-TOTAL_FORMS"
    rows = list(range(int_or_zero(data.get(total_key))))

    def cell(row, name):
        return data.get(f"allocations-{row}-{name}", "").strip()

    present = {cell(row, "financial_year") for row in rows}
    blank = [
        row for row in rows if not any(cell(row, n) for n in ("financial_year", "amount", "id"))
    ]
    years = [year for year in range(first, last + 1) if str(year) not in present]
    for year in years:
        row = blank.pop(0) if blank else len(rows)
        if row == len(rows):
            rows.append(row)
        data[f"allocations-{row}-financial_year"] = str(year)
    data[total_key] = str(len(rows))
    try:
        total = Decimal(data.get("total_amount", "").replace(",", "").replace("£", ""))
    except InvalidOperation:
        return data
    if total > 0 and not any(cell(row, "amount") for row in rows):
        yearly = [row for row in rows if first <= int_or_zero(cell(row, "financial_year")) <= last]
        share = (total / len(yearly)).quantize(Decimal("1"), rounding=ROUND_DOWN)
        for position, row in enumerate(yearly):
            amount = share if position < len(yearly) - 1 else total - share * (len(yearly) - 1)
            data[f"allocations-{row}-amount"] = str(amount)
    return data


class SettlementProjectFundingsFormSet(ProjectFundingFormSet):
    """A settlement's project lines, offering only the officer's own projects."""

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        for form in [*self.forms, self.empty_form]:
            form.fields["project"].queryset = projects.order_by("title", "pk")


SettlementProjectFundings = forms.inlineformset_factory(
    FundingSettlement,
    ProjectFunding,
    formset=SettlementProjectFundingsFormSet,
    fields=["project", "amount"],
    labels={"amount": "Amount (£)"},
    extra=2,
    can_delete=True,
)
