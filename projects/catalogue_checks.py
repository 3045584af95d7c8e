"""The rules a whole catalogue must keep, as queries that find the records breaking them: what
`manage.py check_catalogue` reports. Each rule is also enforced where records are written (the
models' checks, the forms and the database); these find what slipped past, such as a status
that time has overtaken or data loaded before a rule existed."""

from dataclasses import dataclass

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import ExtractYear
from django.utils import timezone

from boroughs.models import Recommendation

from .models import FundingSettlement, Project, ProjectFunding, YearlyAllocation

EXAMPLES = 5


def financial_year(date_field):
    """The financial year (the year it starts in) of a date column: April starts a year."""
    return ExtractYear(date_field) - Case(
        When(**{f"{date_field}__month__lt": 4}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class Rule:
    """A rule, and the query of what breaks it."""

    description: str
    breaking: object  # a QuerySet

    def examples(self):
        return [str(record) for record in self.breaking[:EXAMPLES]]


def funding_lines_outside_project_years():
    lines = ProjectFunding.objects.annotate(
        project_first=financial_year("project__start_date"),
        project_last=financial_year("project__end_date"),
    )
    return lines.filter(
        Q(settlement__last_year__lt=F("project_first"))
        | Q(project__end_date__isnull=False, settlement__first_year__gt=F("project_last"))
    )


def funding_lines_for_other_authorities():
    partner = Project.partner_boroughs.through.objects.filter(
        project=OuterRef("project"), borough=OuterRef("settlement__recipient")
    )
    return ProjectFunding.objects.exclude(settlement__recipient=F("project__lead_borough")).exclude(
        Exists(partner)
    )


def incomplete_projects(projects):
    """Those of `projects` lacking what publication needs (Project.publication_checklist)."""
    return projects.filter(
        Q(summary="")
        | Q(description="")
        | ~Exists(Project.themes.through.objects.filter(project=OuterRef("pk")))
        | Q(contact_name="")
        | Q(contact_email="")
        | (Q(no_funding_reason="") & ~Exists(ProjectFunding.objects.filter(project=OuterRef("pk"))))
    )


def recommendations_off_theme_unexplained():
    links = Project.recommendations.through.objects
    shared = Recommendation.themes.through.objects.filter(
        recommendation=OuterRef("recommendation"),
        theme__in=Project.themes.through.objects.filter(
            project=OuterRef(OuterRef("project"))
        ).values("theme"),
    )
    themed = Recommendation.themes.through.objects.filter(recommendation=OuterRef("recommendation"))
    return links.filter(project__off_theme_reason="").filter(Exists(themed)).exclude(Exists(shared))


def rules(today=None):
    """Every rule of the catalogue, with what breaks it on `today`."""
    today = today or timezone.localdate()
    Status = Project.DeliveryStatus
    settlements = FundingSettlement.objects.order_by("pk")
    return [
        Rule(
            "Projects submitted, published or archived without what publication needs",
            incomplete_projects(Project.objects.exclude(publication_state="draft")).order_by("pk"),
        ),
        Rule(
            "Projects answering a recommendation that shares none of their themes, without "
            "saying why",
            recommendations_off_theme_unexplained()
            .select_related("project", "recommendation")
            .order_by("pk"),
        ),
        Rule(
            "Funding lines from a settlement that covers none of the project's financial years",
            funding_lines_outside_project_years().order_by("pk"),
        ),
        Rule(
            "Funding lines from a settlement paid to an authority that neither leads the "
            "project nor is a partner in it",
            funding_lines_for_other_authorities().order_by("pk"),
        ),
        Rule(
            "Projects planned or active that have ended",
            Project.objects.filter(
                delivery_status__in=[Status.PLANNED, Status.ACTIVE], end_date__lt=today
            ).order_by("pk"),
        ),
        Rule(
            "Projects active or completed that have not started",
            Project.objects.filter(
                delivery_status__in=[Status.ACTIVE, Status.COMPLETED], start_date__gt=today
            ).order_by("pk"),
        ),
        Rule(
            "Completed projects without an end date on or before today",
            Project.objects.filter(delivery_status=Status.COMPLETED)
            .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
            .order_by("pk"),
        ),
        Rule(
            "Settlements whose yearly allocations do not add up to their total",
            settlements.annotate(allocated=Sum("allocations__amount"))
            .filter(allocated__isnull=False)
            .exclude(allocated=F("total_amount")),
        ),
        Rule(
            "Yearly allocations outside their settlement's years",
            YearlyAllocation.objects.filter(
                Q(financial_year__lt=F("settlement__first_year"))
                | Q(financial_year__gt=F("settlement__last_year"))
            ).order_by("pk"),
        ),
        Rule(
            "Settlements giving projects more than their total",
            settlements.annotate(given=Sum("project_fundings__amount")).filter(
                given__gt=F("total_amount")
            ),
        ),
        Rule(
            "Projects whose funding total is not the sum of their funding lines",
            Project.objects.annotate(lines=Sum("fundings__amount"))
            .filter(Q(lines__isnull=True, funding_total__gt=0) | ~Q(funding_total=F("lines")))
            .order_by("pk"),
        ),
    ]
