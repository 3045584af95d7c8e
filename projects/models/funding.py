"""Who pays for social integration work: funders, the funding settlements they make with London's
authorities (how much, over which financial years, with what restrictions), each settlement's
yearly allocations, and the funding lines that give part of a settlement to a project."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, FloatField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, NullIf, Upper
from django.urls import reverse
from simple_history.models import HistoricalRecords

from boroughs.models import AuthorityRecordQuerySet, Borough
from portal.models import Versioned, at_least, one_per
from portal.money import (
    FIRST_FINANCIAL_YEAR,
    LAST_FINANCIAL_YEAR,
    MONEY,
    ZERO,
    financial_year_label,
    pounds,
)


class Funder(models.Model):
    class Kind(models.TextChoices):
        CENTRAL_GOVERNMENT = "central-government", "Central government"
        GLA = "gla", "Greater London Authority"
        LONDON_BOROUGH = "london-borough", "London borough"
        LOTTERY = "lottery", "National Lottery and other distributors"
        TRUST = "trust", "Charitable trust or foundation"
        PRIVATE = "private", "Private sector"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    org_id = models.CharField(
        "organisation identifier",
        max_length=100,
        blank=True,
        help_text="As used by the 360Giving data standard, e.g. GB-CHC-1234567.",
    )
    website = models.URLField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:funder", args=[self.slug])


class Restrictions(models.TextChoices):
    UNRESTRICTED = "unrestricted", "Unrestricted"
    LIGHT_TOUCH = "light-touch", "Light-touch reporting"
    RING_FENCED = "ring-fenced", "Ring-fenced"
    HEAVILY_RESTRICTED = "heavily-restricted", "Heavily restricted"


WITHOUT_BURDENSOME_RESTRICTIONS = [Restrictions.UNRESTRICTED, Restrictions.LIGHT_TOUCH]


@dataclass(frozen=True)
class FundingSummary:
    """Totals of a set of settlements: how much, how much multi-year, how much without
    burdensome restrictions."""

    total: Decimal
    multi_year: Decimal
    without_burdensome_restrictions: Decimal
    settlements: int

    @property
    def multi_year_share(self):
        return self.multi_year / self.total if self.total else None

    @property
    def without_burdensome_restrictions_share(self):
        return self.without_burdensome_restrictions / self.total if self.total else None


def financial_year_field(
    verbose_name=None, help_text="The year the financial year starts in: 2024 for 2024-25."
):
    """A financial year, stored as the year it starts in, within the plausible years."""
    return models.PositiveSmallIntegerField(
        verbose_name,
        validators=[
            MinValueValidator(FIRST_FINANCIAL_YEAR),
            MaxValueValidator(LAST_FINANCIAL_YEAR),
        ],
        help_text=help_text,
    )


def every_choice(choices, name, rows, group_by, **zeros):
    """Every choice, in order, as {name: its value, "label": its label, figure: ...}: the figures
    (named by `zeros`) of the row of `rows` grouped by the field `group_by` that holds it, or
    the zeros where none does."""
    found = {row[group_by]: row for row in rows}
    return [
        {
            name: value,
            "label": label,
            **{figure: found.get(value, {}).get(figure, zero) for figure, zero in zeros.items()},
        }
        for value, label in choices
    ]


def year_figures(year, sums):
    """One financial year's row of FundingSettlementQuerySet.by_year() from its sums."""
    total = sums.get("total", ZERO)
    multi_year = sums.get("multi_year", ZERO)
    light = sums.get("without_burdensome_restrictions", ZERO)
    return {
        "year": year,
        "label": financial_year_label(year),
        "total": total,
        "multi_year": multi_year,
        "multi_year_share": multi_year / total if total else None,
        "without_burdensome_restrictions": light,
        "without_burdensome_restrictions_share": light / total if total else None,
    }


class FundingSettlementQuerySet(AuthorityRecordQuerySet):
    authority_field = "recipient"

    def multi_year(self):
        return self.filter(last_year__gt=F("first_year"))

    def single_year(self):
        return self.filter(last_year=F("first_year"))

    def unrestricted(self):
        return self.filter(restrictions=Restrictions.UNRESTRICTED)

    def without_burdensome_restrictions(self):
        """Unrestricted or light-touch: the funding the London Councils publication argues for."""
        return self.filter(restrictions__in=WITHOUT_BURDENSOME_RESTRICTIONS)

    def covering_year(self, year):
        return self.filter(first_year__lte=year, last_year__gte=year)

    def received_by(self, borough):
        return self.filter(recipient=borough)

    def from_funder_kind(self, kind):
        return self.filter(funder__kind=kind)

    def summary(self):
        """A FundingSummary of these settlements, in one query."""
        multi_year = Q(last_year__gt=F("first_year"))
        light = Q(restrictions__in=WITHOUT_BURDENSOME_RESTRICTIONS)
        return FundingSummary(
            **self.order_by().aggregate(
                total=Coalesce(Sum("total_amount"), ZERO),
                multi_year=Coalesce(Sum("total_amount", filter=multi_year), ZERO),
                without_burdensome_restrictions=Coalesce(Sum("total_amount", filter=light), ZERO),
                settlements=Count("pk"),
            )
        )

    def totals_by(self, field):
        """The total and number of these settlements for each value of `field`."""
        return (
            self.order_by()
            .values(field)
            .annotate(total=Sum("total_amount"), settlements=Count("pk"))
        )

    def by_funder_kind(self):
        """Every kind of funder with the total and number of these settlements from it."""
        rows = self.totals_by("funder__kind")
        return every_choice(
            Funder.Kind.choices, "kind", rows, "funder__kind", total=ZERO, settlements=0
        )

    def by_restrictions(self):
        """Every restrictions level with the total and number of these settlements at it."""
        rows = self.totals_by("restrictions")
        return every_choice(
            Restrictions.choices, "level", rows, "restrictions", total=ZERO, settlements=0
        )

    def by_year(self):
        """The yearly allocations of these settlements summed per financial year, every year
        from the first to the last included: each year's `total`, the parts of it from
        multi-year settlements (`multi_year`) and from settlements without burdensome
        restrictions (`without_burdensome_restrictions`), and their shares of the total (None
        in a year without money). One query."""
        multi_year = Q(settlement__last_year__gt=F("settlement__first_year"))
        light = Q(settlement__restrictions__in=WITHOUT_BURDENSOME_RESTRICTIONS)
        found = {
            row["financial_year"]: row
            for row in YearlyAllocation.objects.filter(settlement__in=self.order_by().values("pk"))
            .order_by()
            .values("financial_year")
            .annotate(
                total=Sum("amount"),
                multi_year=Coalesce(Sum("amount", filter=multi_year), ZERO),
                without_burdensome_restrictions=Coalesce(Sum("amount", filter=light), ZERO),
            )
        }
        if not found:
            return []
        return [
            year_figures(year, found.get(year, {})) for year in range(min(found), max(found) + 1)
        ]

    def by_recipient(self):
        """Every authority with the total and number of these settlements it receives."""
        rows = {
            row["recipient"]: row
            for row in self.order_by()
            .values("recipient")
            .annotate(total=Sum("total_amount"), settlements=Count("pk"))
        }
        return [
            {
                "borough": borough,
                "total": rows.get(borough.pk, {}).get("total", ZERO),
                "settlements": rows.get(borough.pk, {}).get("settlements", 0),
            }
            for borough in Borough.objects.all()
        ]

    def by_funder(self):
        """Every funder, annotated with the figures of its settlements among these, in one
        query: `settlement_count`, `total`, `borough_count` (authorities receiving them),
        `multi_year` and `without_burdensome_restrictions` (totals) and the two shares of the
        total (`multi_year_share`, `without_burdensome_restrictions_share`; None without money)."""
        theirs = self.order_by().filter(funder=OuterRef("pk")).values("funder")

        def total_of(settlements):
            sums = settlements.annotate(sum=Sum("total_amount")).values("sum")
            return Coalesce(models.Subquery(sums), ZERO)

        def count_of(aggregate):
            return Coalesce(models.Subquery(theirs.annotate(n=aggregate).values("n")), 0)

        def share_of(part):
            as_float = Cast(part, FloatField())
            total = Cast("total", FloatField())
            return as_float / NullIf(total, Value(0.0))

        return Funder.objects.annotate(
            settlement_count=count_of(Count("pk")),
            total=total_of(theirs),
            borough_count=count_of(Count("recipient", distinct=True)),
            multi_year=total_of(theirs.multi_year()),
            without_burdensome_restrictions=total_of(theirs.without_burdensome_restrictions()),
        ).annotate(
            multi_year_share=share_of("multi_year"),
            without_burdensome_restrictions_share=share_of("without_burdensome_restrictions"),
        )


class FundingSettlement(Versioned):
    """Money a funder settles on a borough, for one or more financial years."""

    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="settlements")
    programme = models.CharField("programme name", max_length=200)
    recipient = models.ForeignKey(
        Borough, on_delete=models.PROTECT, related_name="settlements", verbose_name="recipient"
    )
    total_amount = models.DecimalField("total amount (£)", **MONEY)
    first_year = financial_year_field("first financial year")
    last_year = financial_year_field(
        "last financial year", "The same as the first year for a single-year settlement."
    )
    restrictions = models.CharField(
        "restrictions level", max_length=20, choices=Restrictions.choices
    )
    conditions = models.TextField(
        "conditions", blank=True, help_text="What the funder requires: reporting, ring-fences."
    )
    awarded_on = models.DateField("date awarded")
    projects = models.ManyToManyField(
        "Project", through="ProjectFunding", related_name="settlements", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FundingSettlementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-first_year", "funder__name", "pk"]
        constraints = [
            at_least(
                "total_amount",
                0,
                name="settlement_total_not_negative",
                message="The total amount cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(last_year__gte=F("first_year")),
                name="settlement_last_year_not_before_first",
                violation_error_message="The last financial year cannot be before the first.",
            ),
            models.CheckConstraint(
                condition=Q(
                    first_year__gte=FIRST_FINANCIAL_YEAR, last_year__lte=LAST_FINANCIAL_YEAR
                ),
                name="settlement_years_plausible",
                violation_error_message=(
                    f"Financial years run from {FIRST_FINANCIAL_YEAR} to {LAST_FINANCIAL_YEAR}."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "first_year"]),
            models.Index(fields=["restrictions"]),
            # How an import row and the question before a duplicate find a settlement: its
            # funder and programme, in any case.
            models.Index("funder", Upper("programme"), name="settlement_funder_programme"),
        ]

    def __str__(self):
        return f"{self.funder}: {self.programme} ({self.years_label})"

    def get_absolute_url(self):
        return reverse("projects:settlement", args=[self.pk])

    @property
    def is_multi_year(self):
        return self.last_year > self.first_year

    @property
    def is_free_of_burdensome_restrictions(self):
        return self.restrictions in WITHOUT_BURDENSOME_RESTRICTIONS

    @property
    def financial_years(self):
        return range(self.first_year, self.last_year + 1)

    @property
    def years_label(self):
        if self.is_multi_year:
            first, last = (
                financial_year_label(self.first_year),
                financial_year_label(self.last_year),
            )
            return f"{first} to {last}"
        return financial_year_label(self.first_year)

    def check_yearly_allocations(self, yearly):
        """Raise ValidationError unless `yearly` ({financial year: amount}, every allocation of
        the settlement) falls within its years and adds up to its total."""
        errors = []
        outside = sorted(year for year in yearly if year not in self.financial_years)
        if outside:
            errors.append(
                ValidationError(
                    "Yearly allocations must fall within the settlement's years (%(years)s); "
                    "%(outside)s does not.",
                    code="allocation_outside_years",
                    params={
                        "years": self.years_label,
                        "outside": ", ".join(financial_year_label(y) for y in outside),
                    },
                )
            )
        yearly_total = sum(yearly.values(), ZERO)
        if yearly and yearly_total != self.total_amount:
            errors.append(
                ValidationError(
                    "The yearly allocations add up to %(yearly)s, but the settlement's total is "
                    "%(total)s.",
                    code="allocations_do_not_add_up",
                    params={"yearly": pounds(yearly_total), "total": pounds(self.total_amount)},
                )
            )
        if errors:
            raise ValidationError(errors)

    def check_can_fund(self, project, authority_ids):
        """Raise ValidationError unless this settlement can fund `project`: their financial
        years overlap, and its recipient is one of `authority_ids` (the project's lead and
        partner authorities)."""
        errors = []
        first, last = project.financial_years_bounds
        if self.last_year < first or (last is not None and self.first_year > last):
            errors.append(
                ValidationError(
                    "%(settlement)s covers %(years)s, but the project runs %(running)s: choose "
                    "a settlement that covers at least one of the project's years, or change "
                    "its dates.",
                    code="settlement_outside_project_years",
                    params={
                        "settlement": self,
                        "years": self.years_label,
                        "running": project.financial_years_label,
                    },
                )
            )
        if self.recipient_id not in authority_ids:
            errors.append(
                ValidationError(
                    "%(settlement)s is paid to %(recipient)s, which neither leads the project "
                    "nor is a partner in it.",
                    code="settlement_for_another_authority",
                    params={"settlement": self, "recipient": self.recipient},
                )
            )
        if errors:
            raise ValidationError(errors)

    def check_project_allocations(self, amounts):
        """Raise ValidationError if `amounts` (every amount the settlement gives to projects)
        exceed its total."""
        allocated = sum(amounts, ZERO)
        if allocated > self.total_amount:
            raise ValidationError(
                "The money allocated to projects (%(allocated)s) exceeds the settlement's total "
                "of %(total)s.",
                code="projects_exceed_settlement",
                params={"allocated": pounds(allocated), "total": pounds(self.total_amount)},
            )


class YearlyAllocation(models.Model):
    """How much of a settlement is paid in one financial year."""

    settlement = models.ForeignKey(
        FundingSettlement, on_delete=models.CASCADE, related_name="allocations"
    )
    financial_year = financial_year_field()
    amount = models.DecimalField("amount (£)", **MONEY)

    history = HistoricalRecords()

    class Meta:
        ordering = ["settlement", "financial_year"]
        constraints = [
            one_per(
                "settlement",
                "financial_year",
                name="allocation_one_per_settlement_and_year",
                message="This settlement already has an allocation for this year.",
            ),
            at_least(
                "amount",
                0,
                name="allocation_amount_not_negative",
                message="An allocation cannot be negative.",
            ),
        ]

    def __str__(self):
        return f"{financial_year_label(self.financial_year)}: {pounds(self.amount)}"

    @property
    def financial_year_label(self):
        return financial_year_label(self.financial_year)


class ProjectFunding(models.Model):
    """The part of a settlement allocated to one project."""

    settlement = models.ForeignKey(
        FundingSettlement, on_delete=models.CASCADE, related_name="project_fundings"
    )
    project = models.ForeignKey("Project", on_delete=models.CASCADE, related_name="fundings")
    amount = models.DecimalField("amount (£)", **MONEY)

    history = HistoricalRecords()

    class Meta:
        ordering = ["settlement", "project"]
        constraints = [
            one_per(
                "settlement",
                "project",
                name="funding_one_line_per_settlement_and_project",
                message="This project already has money from this settlement.",
            ),
            at_least(
                "amount",
                0,
                name="funding_amount_not_negative",
                message="An amount allocated to a project cannot be negative.",
            ),
        ]

    def __str__(self):
        return f"{pounds(self.amount)} from {self.settlement} to {self.project}"

    def clean(self):
        # Forms give the line the project they are editing, with its dates and authorities as
        # entered; the database checks the same rule again when the transaction commits.
        project = getattr(self, "project", None)
        if self.settlement_id is None or project is None or project.start_date is None:
            return
        try:
            self.settlement.check_can_fund(project, project.authority_ids)
        except ValidationError as error:
            raise ValidationError({"settlement": error.error_list}) from error

    def shared_years(self):
        """The financial years of both the settlement and the project: the years the line's
        money is spent in."""
        first, last = self.project.financial_years_bounds
        return [
            year
            for year in self.settlement.financial_years
            if year >= first and (last is None or year <= last)
        ]

    def yearly_shares(self):
        """{financial year: amount}: this line spread over the years its settlement and its
        project share, in proportion to the settlement's allocations in those years (evenly
        when it has none there). Uses the settlement's prefetched allocations."""
        years = self.shared_years()
        if not years:
            return {}
        allocated = {a.financial_year: a.amount for a in self.settlement.allocations.all()}
        weights = {year: allocated.get(year, ZERO) for year in years}
        weight_total = sum(weights.values(), ZERO)
        if not weight_total:
            return {year: self.amount / len(years) for year in years}
        return {year: self.amount * weight / weight_total for year, weight in weights.items()}


def financial_year_sql(date):
    """SQL for the financial year a date falls in (portal.money.financial_year_of)."""
    return f"(EXTRACT(YEAR FROM {date} - INTERVAL '3 months'))::integer"


def shared_years_sql():
    """SQL for the first and last financial year a funding line `line` of settlement
    `settlement` to project `project` spends its money in (ProjectFunding.shared_years); the
    first is after the last when they share none."""
    first = f"GREATEST(settlement.first_year, {financial_year_sql('project.start_date')})"
    last = (
        f"LEAST(settlement.last_year, "
        f"COALESCE({financial_year_sql('project.end_date')}, settlement.last_year))"
    )
    return first, last


def funding_lines_sql():
    """The FROM clause of funding lines with their settlement and project."""
    line, settlement = ProjectFunding._meta.db_table, FundingSettlement._meta.db_table
    project = ProjectFunding._meta.get_field("project").related_model._meta.db_table
    return f"""
        {line} AS line
        JOIN {settlement} AS settlement ON settlement.id = line.settlement_id
        JOIN {project} AS project ON project.id = line.project_id
    """


def yearly_shares_sql(first_year, last_year):
    """SQL and parameters of (project_id, financial_year, amount) rows: every funding line's
    money in each of the financial years first_year to last_year, as
    ProjectFunding.yearly_shares spreads it (over the years its settlement and its project
    share, in proportion to the settlement's allocations in them, evenly without any), for
    every line in one query. Lines must share no year outside first_year to last_year.

    The years are a series known before the query runs, which PostgreSQL counts as it plans:
    it takes a series of each line's own years for a thousand rows, and plans the rest of an
    export for a hundred million."""
    allocation = YearlyAllocation._meta.db_table
    first, last = shared_years_sql()
    weight = "COALESCE(allocation.amount, 0)"
    sql = f"""
        SELECT line.project_id, year.financial_year,
            CASE WHEN SUM({weight}) OVER per_line = 0
                THEN line.amount / COUNT(*) OVER per_line
                ELSE line.amount * {weight} / SUM({weight}) OVER per_line
            END AS amount
        FROM (
            -- OFFSET 0 keeps each line's years worked out before the series is joined.
            SELECT line.id, line.project_id, line.settlement_id, line.amount,
                {first} AS first_year, {last} AS last_year
            FROM {funding_lines_sql()}
            OFFSET 0
        ) AS line
        JOIN GENERATE_SERIES(%s::integer, %s::integer) AS year(financial_year)
            ON year.financial_year BETWEEN line.first_year AND line.last_year
        LEFT JOIN {allocation} AS allocation
            ON allocation.settlement_id = line.settlement_id
            AND allocation.financial_year = year.financial_year
        WINDOW per_line AS (PARTITION BY line.id)
    """
    return sql, [first_year, last_year]


def with_funding_received(boroughs):
    """Annotate authorities with the settlements each receives: `funding_received` and
    `multi_year_funding` (totals), and `multi_year_share` of the total (None without money)."""
    received = FundingSettlement.objects.received_by(OuterRef("pk")).order_by()

    def total_of(settlements):
        sums = settlements.values("recipient").annotate(sum=Sum("total_amount")).values("sum")
        return Coalesce(Subquery(sums), ZERO)

    return boroughs.annotate(
        funding_received=total_of(received), multi_year_funding=total_of(received.multi_year())
    ).annotate(
        multi_year_share=Cast("multi_year_funding", FloatField())
        / NullIf(Cast("funding_received", FloatField()), Value(0.0))
    )
