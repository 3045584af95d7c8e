import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from boroughs.models import Borough
from portal.slugs import unique_slug

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


class FundingSettlement(models.Model):
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


class ProjectQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: the only definition of it."""
        return self.filter(publication_state=Project.PublicationState.PUBLISHED)

    def led_by(self, borough):
        return self.filter(lead_borough=borough)

    def in_borough(self, borough):
        """Projects the borough leads or takes part in as a partner."""
        return self.in_any_borough([borough])

    def in_any_borough(self, boroughs):
        partner_links = Project.partner_boroughs.through.objects.filter(
            project=OuterRef("pk"), borough__in=boroughs
        )
        return self.filter(Q(lead_borough__in=boroughs) | Q(Exists(partner_links)))

    def with_theme(self, theme):
        return self.with_any_theme([theme])

    def with_any_theme(self, themes):
        theme_links = Project.themes.through.objects.filter(
            project=OuterRef("pk"), theme__in=themes
        )
        return self.filter(Exists(theme_links))

    def for_any_target_group(self, groups):
        links = Project.target_groups.through.objects.filter(
            project=OuterRef("pk"), targetgroup__in=groups
        )
        return self.filter(Exists(links))

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
        fundings = ProjectFunding.objects.filter(project=OuterRef("pk"), settlement__in=settlements)
        return self.filter(Exists(fundings))

    def with_multi_year_funding(self):
        return self.funded_by(FundingSettlement.objects.multi_year())

    def refresh_funding_totals(self):
        """Recompute the stored funding total of these projects from their funding lines."""
        line_sums = (
            ProjectFunding.objects.filter(project=OuterRef("pk"))
            .values("project")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.update(funding_total=Coalesce(models.Subquery(line_sums), ZERO))


class Project(models.Model):
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
    search_vector = SearchVectorField(null=True, editable=False)
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
        indexes = [
            models.Index(fields=["publication_state", "lead_borough"]),
            models.Index(fields=["publication_state", "delivery_status"]),
            models.Index(fields=["publication_state", "start_date"]),
            models.Index(fields=["publication_state", "funding_total"]),
            models.Index(fields=["publication_state", "published_at"]),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Project, self.title)
        if self.is_published and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.slug])

    @property
    def is_published(self):
        return self.publication_state == self.PublicationState.PUBLISHED

    @property
    def delivery_partner_list(self):
        return [line.strip() for line in self.delivery_partners.splitlines() if line.strip()]
