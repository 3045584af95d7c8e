import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.aggregates import StringAgg
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from boroughs.models import Borough
from portal.models import Versioned
from portal.slugs import unique_slug

from .facet_keys import ONE_PER_PROJECT, facet_key, keys_by_facet, keys_for, projects_counted

# Projects whose facet keys are worked out together: a few queries per batch.
FACET_KEYS_BATCH = 1000
FIRST_FINANCIAL_YEAR = 1990
LAST_FINANCIAL_YEAR = 2100
MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


def financial_year_label(year):
    """The UK public-sector financial year that starts in April of `year`, e.g. "2024-25"."""
    return f"{year}-{(year + 1) % 100:02d}"


def pounds(amount):
    """An amount of money as people write it: £1,250,000.00."""
    return f"£{amount:,.2f}"


class Taxonomy(models.Model):
    """A curated list of terms: a name, a stable slug, a description and a display position."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Theme(Taxonomy):
    """What a project works on: cohesion, isolation, English language ..."""

    is_core = models.BooleanField(
        "named in the London Councils publication",
        default=False,
        help_text="The publication's five themes: cohesion, equalities, resilience, "
        "safeguarding and isolation.",
    )

    class Meta(Taxonomy.Meta):
        pass

    def get_absolute_url(self):
        return reverse("projects:theme", args=[self.slug])


class TargetGroup(Taxonomy):
    """Whom a project is for: young people, older people, new arrivals ..."""

    class Meta(Taxonomy.Meta):
        pass


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


class FundingSettlementQuerySet(models.QuerySet):
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

    def of_officer(self, user):
        """The settlements an officer keeps: those their authorities receive (all, for staff)."""
        if user.is_staff:
            return self
        return self.filter(recipient__memberships__user=user)

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

    def by_funder_kind(self):
        """Every kind of funder with the total and number of these settlements from it."""
        rows = {
            row["funder__kind"]: row
            for row in self.order_by()
            .values("funder__kind")
            .annotate(total=Sum("total_amount"), settlements=Count("pk"))
        }
        return [
            {
                "kind": kind,
                "label": label,
                "total": rows.get(kind, {}).get("total", ZERO),
                "settlements": rows.get(kind, {}).get("settlements", 0),
            }
            for kind, label in Funder.Kind.choices
        ]

    def by_restrictions(self):
        """Every restrictions level with the total and number of these settlements at it."""
        rows = {
            row["restrictions"]: row
            for row in self.order_by()
            .values("restrictions")
            .annotate(total=Sum("total_amount"), settlements=Count("pk"))
        }
        return [
            {
                "level": level,
                "label": label,
                "total": rows.get(level, {}).get("total", ZERO),
                "settlements": rows.get(level, {}).get("settlements", 0),
            }
            for level, label in Restrictions.choices
        ]

    def by_year(self):
        """The yearly allocations of these settlements summed per financial year, every year
        from the first to the last included."""
        totals = dict(
            YearlyAllocation.objects.filter(settlement__in=self.order_by().values("pk"))
            .values("financial_year")
            .annotate(total=Sum("amount"))
            .values_list("financial_year", "total")
        )
        if not totals:
            return []
        return [
            {"year": year, "label": financial_year_label(year), "total": totals.get(year, ZERO)}
            for year in range(min(totals), max(totals) + 1)
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
            as_float = models.functions.Cast(part, models.FloatField())
            total = models.functions.Cast("total", models.FloatField())
            return as_float / models.functions.NullIf(total, Value(0.0))

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
    first_year = models.PositiveSmallIntegerField(
        "first financial year",
        validators=[
            MinValueValidator(FIRST_FINANCIAL_YEAR),
            MaxValueValidator(LAST_FINANCIAL_YEAR),
        ],
        help_text="The year the financial year starts in: 2024 for 2024-25.",
    )
    last_year = models.PositiveSmallIntegerField(
        "last financial year",
        validators=[
            MinValueValidator(FIRST_FINANCIAL_YEAR),
            MaxValueValidator(LAST_FINANCIAL_YEAR),
        ],
        help_text="The same as the first year for a single-year settlement.",
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
            models.CheckConstraint(
                condition=Q(total_amount__gte=0),
                name="settlement_total_not_negative",
                violation_error_message="The total amount cannot be negative.",
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
    financial_year = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(FIRST_FINANCIAL_YEAR),
            MaxValueValidator(LAST_FINANCIAL_YEAR),
        ],
        help_text="The year the financial year starts in: 2024 for 2024-25.",
    )
    amount = models.DecimalField("amount (£)", **MONEY)

    history = HistoricalRecords()

    class Meta:
        ordering = ["settlement", "financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["settlement", "financial_year"],
                name="allocation_one_per_settlement_and_year",
                violation_error_message="This settlement already has an allocation for this year.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="allocation_amount_not_negative",
                violation_error_message="An allocation cannot be negative.",
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
            models.UniqueConstraint(
                fields=["settlement", "project"],
                name="funding_one_line_per_settlement_and_project",
                violation_error_message="This project already has money from this settlement.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="funding_amount_not_negative",
                violation_error_message="An amount allocated to a project cannot be negative.",
            ),
        ]

    def __str__(self):
        return f"{pounds(self.amount)} from {self.settlement} to {self.project}"

    def yearly_shares(self):
        """{financial year: amount}: this line spread over the years in proportion to the
        settlement's yearly allocations (evenly when it has none). Uses the settlement's
        prefetched allocations when there are any."""
        settlement = self.settlement
        allocations = {a.financial_year: a.amount for a in settlement.allocations.all()}
        if not allocations or not settlement.total_amount:
            years = list(settlement.financial_years)
            return {year: self.amount / len(years) for year in years}
        return {
            year: self.amount * amount / settlement.total_amount
            for year, amount in allocations.items()
        }


PUBLISHED = Q(publication_state="published")
NAMES_SEPARATOR = "\x1f"


@functools.cache
def listed_names():
    """The annotations of ProjectQuerySet.with_names(), built once."""
    return {
        "theme_names": names_of(Project.themes.through, "theme__name"),
        "partner_names": names_of(Project.partner_boroughs.through, "borough__name"),
    }


def names_of(link_model, path):
    """A correlated subquery joining one project's linked names with NAMES_SEPARATOR (in no
    particular order: the list sorts them)."""
    return Subquery(
        link_model.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(names=StringAgg(path, delimiter=Value(NAMES_SEPARATOR)))
        .values("names")
    )


# A search by relevance: the best-ranked first, then the newest id, so that pages never shift.
BY_RELEVANCE = ["-rank", "-pk"]
SEARCH_CONFIG = "english"
# What a search reads of a project, and how much each part weighs: its title most, then its
# summary and delivery partners, then its description. PostgreSQL keeps it as a stored column.
SEARCHABLE = (
    SearchVector("title", weight="A", config=SEARCH_CONFIG)
    + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
    + SearchVector("delivery_partners", weight="B", config=SEARCH_CONFIG)
    + SearchVector("description", weight="C", config=SEARCH_CONFIG)
)


def web_search_query(text):
    return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)


class EqualsAny(models.Lookup):
    """`lhs = ANY(%s)`, with a list of values as one array parameter (PostgreSQL)."""

    lookup_name = "equals_any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def in_facet(facet, options):
    """The condition that a project matches any of these options of a facet of the projects
    list, by its stored facet keys (facet_keys.py): a check of one column, no join."""
    return Q(facet_keys__overlap=[facet_key(facet, option) for option in options])


class ProjectQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: the only definition of it."""
        return self.filter(publication_state=Project.PublicationState.PUBLISHED)

    def led_by(self, borough):
        return self.filter(lead_borough=borough)

    def in_borough(self, borough):
        """Projects the borough leads or takes part in as a partner, by their stored keys: the
        borough's counts come from the same keys, and a check of one column lets an index in
        another order (newest first, say) find the first few without reading them all."""
        return self.in_facet("borough", [borough])

    def with_theme(self, theme):
        return self.with_any_theme([theme])

    def in_facet(self, facet, options):
        """Projects matching any of these options of a facet of the projects list."""
        return self.filter(in_facet(facet, options))

    def refresh_facet_keys(self):
        """Work out the stored facet keys of these projects again from what they link to."""
        ids = sorted(set(self.order_by().values_list("pk", flat=True)))
        for start in range(0, len(ids), FACET_KEYS_BATCH):
            batch = list(
                Project.objects.filter(pk__in=ids[start : start + FACET_KEYS_BATCH])
                .select_related("lead_borough")
                .prefetch_related(
                    "partner_boroughs", "themes", "target_groups", "fundings__settlement__funder"
                )
            )
            for project in batch:
                project.facet_keys = project.matching_facet_keys()
            Project.objects.bulk_update(batch, ["facet_keys"])

    def with_any_theme(self, themes):
        links = Project.themes.through.objects.filter(theme__in=themes)
        return self.filter(pk__in=links.values("project_id"))

    def for_any_target_group(self, groups):
        links = Project.target_groups.through.objects.filter(targetgroup__in=groups)
        return self.filter(pk__in=links.values("project_id"))

    def active_between(self, start, end):
        """Projects running at any time from `start` to `end` (dates, both included)."""
        return self.filter(
            Q(start_date__lte=end) & (Q(end_date__isnull=True) | Q(end_date__gte=start))
        )

    def active_in(self, year):
        """Projects running at any time in the calendar year."""
        return self.active_between(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    def funded_by(self, settlements):
        """Projects with money from any of `settlements` (a FundingSettlement queryset)."""
        funded = ProjectFunding.objects.filter(settlement__in=settlements).values("project")
        return self.filter(pk__in=funded)

    def among(self, ids):
        """Those of these projects whose ids are in `ids`, as one array parameter, which is
        planned as fast for ten thousand ids as for ten."""
        return self.filter(EqualsAny(F("pk"), list(ids)))

    def search(self, text):
        """Projects matching `text` in web-search syntax ("quoted phrases", or, -exclusions)
        over the stored, weighted search vector, annotated with a relevance `rank`."""
        rank = SearchRank(F("search_vector"), web_search_query(text))
        return self.filter(self.matching(text)).annotate(rank=rank)

    def not_matching(self, text):
        """The projects that search(text) leaves out."""
        return self.exclude(self.matching(text))

    def matching(self, text):
        """The condition search(text) selects by."""
        return Q(search_vector=web_search_query(text))

    def count_by_borough(self, key="id"):
        """{borough key: number of these projects it leads or is a partner in}."""
        counts = dict(
            self.order_by()
            .values_list(f"lead_borough__{key}")
            .annotate(n=Count("pk"))
            .values_list(f"lead_borough__{key}", "n")
        )
        partners = (
            Project.partner_boroughs.through.objects.filter(
                project__in=self.order_by().values("pk")
            )
            .values_list(f"borough__{key}")
            .annotate(n=Count("project_id"))
            .values_list(f"borough__{key}", "n")
        )
        for borough, n in partners:
            counts[borough] = counts.get(borough, 0) + n
        return counts

    def count_by_theme(self, key="id"):
        """{theme key: number of these projects with that theme}."""
        return dict(
            Project.themes.through.objects.filter(project__in=self.order_by().values("pk"))
            .values_list(f"theme__{key}")
            .annotate(n=Count("project_id"))
            .values_list(f"theme__{key}", "n")
        )

    def of_officer(self, user):
        """The projects an officer keeps: those led by their authorities (all, for staff)."""
        if user.is_staff:
            return self
        return self.filter(lead_borough__memberships__user=user)

    def with_last_action(self):
        """Annotate `last_action` and `last_comment`: the latest step of each through review."""
        latest = ProjectTransition.objects.filter(project=OuterRef("pk")).order_by("-at", "-pk")
        return self.annotate(
            last_action=Subquery(latest.values("action")[:1]),
            last_comment=Subquery(latest.values("comment")[:1]),
        )

    def returned(self):
        """Drafts sent back by a reviewer and not yet resubmitted."""
        return self.with_last_action().filter(
            publication_state=Project.PublicationState.DRAFT,
            last_action=ProjectTransition.Action.RETURN,
        )

    def with_names(self):
        """Annotate `theme_names` and `partner_names`, each joined with NAMES_SEPARATOR: what a
        list shows of each project's themes and partners, without a query per relation."""
        return self.annotate(**listed_names())

    def refresh_funding_totals(self):
        """Recompute the stored funding total of these projects from their funding lines."""
        line_sums = (
            ProjectFunding.objects.filter(project=OuterRef("pk"))
            .values("project")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.update(funding_total=Coalesce(models.Subquery(line_sums), ZERO))

    def funding_by_funder_kind(self):
        """Every kind of funder with the money its settlements allocate to these projects and
        the number of these projects that get some."""
        rows = {
            row["settlement__funder__kind"]: row
            for row in ProjectFunding.objects.filter(project__in=self.order_by().values("pk"))
            .order_by()
            .values("settlement__funder__kind")
            .annotate(total=Sum("amount"), projects=Count("project", distinct=True))
        }
        return [
            {
                "kind": kind,
                "label": label,
                "total": rows.get(kind, {}).get("total", ZERO),
                "projects": rows.get(kind, {}).get("projects", 0),
            }
            for kind, label in Funder.Kind.choices
        ]


class Project(Versioned):
    """Something a borough does to promote social integration."""

    class DeliveryStatus(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        PAUSED = "paused", "Paused"
        CANCELLED = "cancelled", "Cancelled"

    class PublicationState(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for review"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=220,
        unique=True,
        blank=True,
        help_text="Made once from the title when left blank; links to the project use it.",
    )
    summary = models.CharField(max_length=600, help_text="One or two sentences.")
    description = models.TextField(blank=True)
    lead_borough = models.ForeignKey(Borough, on_delete=models.PROTECT, related_name="led_projects")
    partner_boroughs = models.ManyToManyField(Borough, blank=True, related_name="partner_projects")
    themes = models.ManyToManyField(Theme, related_name="projects")
    target_groups = models.ManyToManyField(TargetGroup, blank=True, related_name="projects")
    delivery_partners = models.TextField(
        blank=True, help_text="The organisations that deliver it with the council, one per line."
    )
    commission = models.ForeignKey(
        "boroughs.Commission",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        help_text="The commission this project follows from, if any.",
    )
    recommendations = models.ManyToManyField(
        "boroughs.Recommendation", blank=True, related_name="projects"
    )
    delivery_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PLANNED
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Leave blank while ongoing.")
    people_reached = models.PositiveIntegerField(null=True, blank=True)
    outcomes = models.TextField(blank=True)
    evaluation_url = models.URLField("link to an evaluation", blank=True)
    contact_name = models.CharField("public contact", max_length=200, blank=True)
    contact_email = models.EmailField("public contact email", blank=True)
    publication_state = models.CharField(
        max_length=10, choices=PublicationState.choices, default=PublicationState.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    funding_total = models.DecimalField(
        "funding (£)",
        default=ZERO,
        editable=False,
        help_text="The sum of its funding lines, kept up to date when they change.",
        **MONEY,
    )
    search_vector = models.GeneratedField(
        expression=SEARCHABLE, output_field=SearchVectorField(), db_persist=True
    )
    facet_keys = ArrayField(
        models.TextField(),
        default=list,
        editable=False,
        help_text="The list's facet options it matches, kept up to date when its links change.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[partner_boroughs, themes, target_groups, recommendations],
        excluded_fields=["search_vector", "funding_total", "facet_keys"],
    )

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="project_ends_on_or_after_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(funding_total__gte=0), name="project_funding_total_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(publication_state="published") | Q(published_at__isnull=False),
                name="project_published_has_date",
                violation_error_message="A published project needs its date of publication.",
            ),
        ]
        # Partial indexes on published rows, one for each order the public list offers and
        # for the filters that narrow it most; officers' lists use the lead borough's index.
        indexes = [
            models.Index(
                F("published_at").desc(),
                F("id").desc(),
                condition=PUBLISHED,
                name="project_published_newest",
            ),
            # With the end date, the list's "active in" filters read this index only.
            models.Index(
                F("start_date").desc(),
                F("id").desc(),
                condition=PUBLISHED,
                include=["end_date"],
                name="project_published_start",
            ),
            models.Index(
                F("funding_total").desc(),
                F("id").desc(),
                condition=PUBLISHED,
                name="project_published_funding",
            ),
            models.Index(
                fields=["title", "id"], condition=PUBLISHED, name="project_published_title"
            ),
            models.Index(
                fields=["lead_borough", "id"], condition=PUBLISHED, name="project_published_lead"
            ),
            models.Index(
                fields=["delivery_status", "id"],
                condition=PUBLISHED,
                name="project_published_status",
            ),
            models.Index(fields=["lead_borough", "publication_state", "-updated_at"]),
            # The facet filters select by any of several keys, the search by its vector.
            GinIndex(
                fields=["facet_keys"], condition=PUBLISHED, name="project_published_facet_keys"
            ),
            GinIndex(
                fields=["search_vector"], condition=PUBLISHED, name="project_published_search"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Project, self.title)
        # Kept one name per line, with no blank lines, so lists can be made from it in SQL.
        self.delivery_partners = "\n".join(self.delivery_partner_list)
        if self.is_published and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.slug])

    @property
    def is_published(self):
        return self.publication_state == self.PublicationState.PUBLISHED

    @property
    def funders(self):
        """Its funders, from its funding lines (prefetch fundings__settlement__funder)."""
        return list(dict.fromkeys(f.settlement.funder for f in self.fundings.all()))

    @property
    def has_multi_year_funding(self):
        return any(f.settlement.is_multi_year for f in self.fundings.all())

    def matching_facet_keys(self):
        """Its facet keys, from its links (prefetch as ProjectQuerySet.refresh_facet_keys)."""
        return keys_for(
            boroughs=[self.lead_borough, *self.partner_boroughs.all()],
            themes=self.themes.all(),
            target_groups=self.target_groups.all(),
            status=self.delivery_status,
            commission=self.commission_id,
            settlements=[funding.settlement for funding in self.fundings.all()],
            multi_year=self.has_multi_year_funding,
        )

    @property
    def restriction_levels(self):
        return list(
            dict.fromkeys(f.settlement.get_restrictions_display() for f in self.fundings.all())
        )

    @property
    def delivery_partner_list(self):
        return [line.strip() for line in self.delivery_partners.splitlines() if line.strip()]


class ProjectTransition(models.Model):
    """One step of a project through review: who moved it, when, why."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "Submitted for review"
        PUBLISH = "publish", "Published"
        RETURN = "return", "Returned to draft"
        ARCHIVE = "archive", "Archived"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=10, choices=Action.choices)
    from_state = models.CharField(max_length=10, choices=Project.PublicationState.choices)
    to_state = models.CharField(max_length=10, choices=Project.PublicationState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["project", "-at"])]

    def __str__(self):
        return (
            f"{self.project}: {self.get_action_display()} by {self.by} at {self.at:%Y-%m-%d %H:%M}"
        )


class FacetKeyCountQuerySet(models.QuerySet):
    def within(self, key=""):
        """The counts among the published projects holding `key`; of them all by default."""
        return self.filter(within=key)

    def by_facet(self):
        """{facet: {option: number of published projects}}, as facets.key_counts gives them."""
        return keys_by_facet(self.values_list("key", "projects"))

    def of_facet(self, facet):
        return self.filter(key__startswith=f"{facet}:")

    def total(self):
        """How many published projects are counted."""
        return projects_counted(self.of_facet(ONE_PER_PROJECT).by_facet())

    def per_row(self, facet):
        """{primary key: number of published projects} for a facet whose options are rows
        (borough, theme), leaving out options without any, as count_by_borough and
        count_by_theme count them."""
        counted = self.of_facet(facet).filter(projects__gt=0).by_facet().get(facet, {})
        return {int(option): n for option, n in counted.items()}


class FacetKeyCount(models.Model):
    """How many published projects hold each facet key: of them all (`within` empty), and of
    those holding another key (`within` that key), so that the counts per borough and theme on
    the home page, the boroughs index and profiles and the funding pages take one small query
    instead of a pass over projects' keys.

    Database triggers (the projects app's first migration) keep it in step with every insert,
    update and delete of a project, whatever makes them (a form, a bulk update, a cascade, a
    COPY).
    """

    pk = models.CompositePrimaryKey("within", "key")
    within = models.CharField(max_length=100, blank=True)
    key = models.CharField(max_length=100)
    projects = models.IntegerField(default=0)

    objects = FacetKeyCountQuerySet.as_manager()

    def __str__(self):
        return f"{self.key} within {self.within or 'all'}: {self.projects}"


class FacetIndexVersion(models.Model):
    """One row whose token a trigger sets anew, in the writer's own transaction, whenever a
    write changes which published projects hold which facet keys, or how they sort (the first
    migration): the facet index built from them and held in memory (facet_index.py) is valid
    for as long as the token it was built at.

    The token is random rather than a counter: a rolled-back transaction's number would be
    handed out again by the next, for other rows."""

    token = models.CharField(max_length=36)

    def __str__(self):
        return self.token

    @classmethod
    def current(cls, using="default"):
        """The current token, or None if the table has been emptied since a write."""
        return cls.objects.using(using).values_list("token", flat=True).first()


class PublishedSearchVectorQuerySet(models.QuerySet):
    def matching(self, text):
        return self.filter(search_vector=web_search_query(text))

    def not_matching(self, text):
        return self.exclude(search_vector=web_search_query(text))

    def ranked(self, text):
        """Those matching `text` in the order ProjectFilterSet sorts a search by relevance."""
        rank = SearchRank(F("search_vector"), web_search_query(text))
        return self.matching(text).annotate(rank=rank).order_by(*BY_RELEVANCE)


class PublishedSearchVector(models.Model):
    """Each published project's search vector, in a table of nothing else, which database
    triggers keep equal to the published projects' own.

    Ranking a search, or finding the projects a common word leaves out, is a pass over all the
    vectors: this table is a third the size of the projects table, and reading it takes half
    the time (projects/results.py and facets.py say when the list reads it)."""

    project = models.OneToOneField(
        Project,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    search_vector = SearchVectorField()

    objects = PublishedSearchVectorQuerySet.as_manager()

    class Meta:
        indexes = [GinIndex(fields=["search_vector"], name="published_search_vector")]

    def __str__(self):
        return f"Search vector of project {self.project_id}"
