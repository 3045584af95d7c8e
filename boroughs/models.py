"""London's 33 local authorities (the 32 boroughs and the City of London), the commissions into
cohesion, fairness, equality and integration they set up, with their numbered
recommendations, and officers' memberships of authorities (editor or reviewer)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from simple_history.models import HistoricalRecords

from portal.models import LinksManager, Versioned, at_least, one_per
from portal.slugs import unique_slug


class InnerOuter(models.TextChoices):
    INNER = "inner", "Inner London"
    OUTER = "outer", "Outer London"


class Partnership(models.TextChoices):
    CENTRAL_LONDON_FORWARD = "central-london-forward", "Central London Forward"
    LOCAL_LONDON = "local-london", "Local London"
    SOUTH_LONDON_PARTNERSHIP = "south-london-partnership", "South London Partnership"
    WEST_LONDON_ALLIANCE = "west-london-alliance", "West London Alliance"


class PartnershipMembership(models.TextChoices):
    FULL = "full", "Full member"
    ASSOCIATE = "associate", "Associate member"


GRID_COLUMNS = 8
GRID_ROWS = 7

gss_code_validator = RegexValidator(
    r"^E090000(0[1-9]|[12][0-9]|3[0-3])$",
    "Enter a London authority's ONS GSS code, E09000001 to E09000033.",
)


def history_model_names(renamed):
    """A custom_model_name for HistoricalRecords: "Historical" and the model's name, but the
    name in `renamed` ({through model: history model}) for links that became models of their
    own, so that their history keeps the model and table it had when Django made the link."""
    return lambda name: renamed.get(name, f"Historical{name}")


def count_of(rows, field):
    """The number of `rows` whose `field` points at the outer query's row, for annotate()."""
    counted = (
        rows.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), Value(0))


class AuthorityRecordQuerySet(models.QuerySet):
    """Records that belong to an authority (through `authority_field`; an authority itself when
    it is None), which that authority's officers keep."""

    authority_field = None

    def of_officer(self, user):
        """The records an officer keeps: their authorities' (all, for staff)."""
        if user.is_staff:
            return self
        path = f"{self.authority_field}__" if self.authority_field else ""
        return self.filter(**{f"{path}memberships__user": user})


class BoroughQuerySet(AuthorityRecordQuerySet):
    def inner(self):
        """Inner London by the ONS statistical definition (the one London's statistics use)."""
        return self.filter(inner_outer_ons=InnerOuter.INNER)

    def outer(self):
        return self.filter(inner_outer_ons=InnerOuter.OUTER)

    def in_partnership(self, partnership):
        return self.filter(partnership=partnership)

    def with_project_count(self, counts):
        """Annotate project_count from `counts`, {authority's primary key: number of projects}
        (as the projects' facet index counts them): a count per authority in SQL would go
        through every project once per authority."""
        return self.annotate(
            project_count=Case(
                *[When(pk=pk, then=Value(count)) for pk, count in counts.items()],
                default=Value(0),
                output_field=models.IntegerField(),
            )
        )

    def with_commission_count(self):
        """Annotate commission_count: the commissions each authority leads or is a partner in."""
        partner_links = Commission.partner_boroughs.through.objects.all()
        return self.annotate(
            commission_count=count_of(Commission.objects.all(), "lead_borough")
            + count_of(partner_links, "borough")
        )


class Borough(models.Model):
    """One of London's 33 local authorities: the 32 boroughs and the City of London."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    gss_code = models.CharField(
        "ONS GSS code", max_length=9, unique=True, validators=[gss_code_validator]
    )
    short_code = models.CharField(
        "three-letter code",
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", "Enter three capital letters.")],
        help_text="The local authority code of the org-id.guide GB-LAE register.",
    )
    is_city = models.BooleanField(
        "City of London",
        default=False,
        help_text="The City of London Corporation is not a London borough.",
    )
    inner_outer_ons = models.CharField(
        "inner or outer London (ONS)", max_length=5, choices=InnerOuter.choices
    )
    inner_outer_statutory = models.CharField(
        "inner or outer London (London Government Act 1963)",
        max_length=5,
        choices=InnerOuter.choices,
        blank=True,
        help_text="Blank for the City of London, which the Act does not class.",
    )
    partnership = models.CharField(
        "sub-regional partnership", max_length=30, choices=Partnership.choices, blank=True
    )
    partnership_membership = models.CharField(
        max_length=10, choices=PartnershipMembership.choices, blank=True
    )
    grid_col = models.PositiveSmallIntegerField(
        "map column", validators=[MaxValueValidator(GRID_COLUMNS - 1)]
    )
    grid_row = models.PositiveSmallIntegerField(
        "map row", validators=[MaxValueValidator(GRID_ROWS - 1)]
    )
    website = models.URLField(blank=True)

    objects = BoroughQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            one_per("grid_col", "grid_row", name="borough_one_authority_per_map_square"),
            models.CheckConstraint(
                condition=Q(grid_col__lt=GRID_COLUMNS, grid_row__lt=GRID_ROWS),
                name="borough_map_square_on_grid",
                violation_error_message=(
                    "The map square lies outside London's grid of 8 columns and 7 rows."
                ),
            ),
            models.CheckConstraint(
                condition=Q(partnership="", partnership_membership="")
                | (~Q(partnership="") & ~Q(partnership_membership="")),
                name="borough_partnership_has_membership",
                violation_error_message=(
                    "Give a membership with a sub-regional partnership, and none without one."
                ),
            ),
            models.CheckConstraint(
                condition=Q(is_city=True, inner_outer_statutory="")
                | (Q(is_city=False) & ~Q(inner_outer_statutory="")),
                name="borough_statutory_class_unless_city",
                violation_error_message=(
                    "Every borough is inner or outer London by statute; the City of London is"
                    " neither."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("boroughs:detail", args=[self.slug])

    @property
    def org_id(self):
        """The 360Giving organisation identifier."""
        return f"GB-LAE-{self.short_code}"

    @property
    def authority_type(self):
        return "City of London Corporation" if self.is_city else "London borough"


class CommissionQuerySet(AuthorityRecordQuerySet):
    authority_field = "lead_borough"

    def led_by(self, borough):
        return self.filter(lead_borough=borough)

    def involving(self, borough):
        """Commissions the borough leads or takes part in as a partner."""
        return self.involving_any([borough])

    def involving_any(self, boroughs):
        """Commissions any of the boroughs leads or takes part in as a partner, each once."""
        partner_links = Commission.partner_boroughs.through.objects.filter(
            commission=OuterRef("pk"), borough__in=boroughs
        )
        return self.filter(Q(lead_borough__in=boroughs) | Q(Exists(partner_links)))

    def cross_party(self):
        return self.filter(is_cross_party=True)

    def current(self):
        """Those offered to new projects: not retired."""
        return self.filter(retired=False)

    def with_recommendation_count(self):
        return self.annotate(
            recommendation_count=count_of(Recommendation.objects.all(), "commission")
        )


class Commission(Versioned):
    """A borough's commission into cohesion, fairness, equality or integration."""

    class Kind(models.TextChoices):
        COHESION = "cohesion", "Cohesion"
        FAIRNESS = "fairness", "Fairness"
        EQUALITY = "equality", "Equality"
        INTEGRATION = "integration", "Integration"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        SITTING = "sitting", "Sitting"
        REPORTED = "reported", "Reported"
        CONCLUDED = "concluded", "Concluded"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=220, unique=True, blank=True, help_text="Made from the title when left blank."
    )
    lead_borough = models.ForeignKey(
        Borough, on_delete=models.PROTECT, related_name="led_commissions"
    )
    partner_boroughs = models.ManyToManyField(
        Borough, blank=True, related_name="partner_commissions"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    is_cross_party = models.BooleanField("cross-party", default=False)
    chair = models.CharField(max_length=200, blank=True)
    established_on = models.DateField("date established", null=True, blank=True)
    reported_on = models.DateField("date reported", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    report_url = models.URLField("link to the report", blank=True)
    summary = models.TextField(blank=True)
    retired = models.BooleanField(
        default=False,
        help_text="A retired commission stays on the projects that follow from it, and on its "
        "page, but is offered to no new project. Retire one that projects follow from instead "
        "of deleting it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CommissionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[partner_boroughs])

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(established_on__isnull=True)
                | Q(reported_on__isnull=True)
                | Q(reported_on__gte=F("established_on")),
                name="commission_reports_after_establishment",
                violation_error_message="A commission cannot report before it is established.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "sitting"], reported_on__isnull=True)
                | Q(status__in=["reported", "concluded"], reported_on__isnull=False),
                name="commission_report_date_matches_status",
                violation_error_message=(
                    "A commission that has reported needs the date it reported; a planned or"
                    " sitting one has none."
                ),
            ),
        ]
        indexes = [models.Index(fields=["lead_borough", "status"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Commission, self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("boroughs:commission", args=[self.slug])

    @property
    def boroughs(self):
        """The lead borough and the partners (uses prefetched partners)."""
        return [self.lead_borough, *self.partner_boroughs.all()]


class RecommendationQuerySet(models.QuerySet):
    def by_reference(self, reference):
        """The recommendation a reference like "westminster-cohesion-commission-r3" names."""
        slug, _, number = reference.rpartition("-r")
        # Only 0-9: str.isdigit() also takes digits int() cannot read, such as "²".
        if not slug or not (number.isascii() and number.isdigit()):
            return self.none()
        return self.filter(commission__slug=slug, number=int(number))


class RecommendationTheme(models.Model):
    """A theme of a recommendation. A theme cannot be deleted while a recommendation has it."""

    recommendation = models.ForeignKey("Recommendation", on_delete=models.CASCADE)
    theme = models.ForeignKey("projects.Theme", on_delete=models.PROTECT)

    objects = models.Manager()
    listed = LinksManager(related=["recommendation__commission"])

    class Meta:
        base_manager_name = "listed"
        # The table Django made for the link before it had a model.
        db_table = "boroughs_recommendation_themes"
        unique_together = [("recommendation", "theme")]
        verbose_name = "recommendation's theme"

    def __str__(self):
        recommendation = self.recommendation
        return f"{recommendation.commission} {recommendation.reference}"


class Recommendation(models.Model):
    """One numbered recommendation of a commission's report."""

    commission = models.ForeignKey(
        Commission, on_delete=models.CASCADE, related_name="recommendations"
    )
    number = models.PositiveSmallIntegerField("reference number", validators=[MinValueValidator(1)])
    text = models.TextField()
    themes = models.ManyToManyField(
        "projects.Theme", through=RecommendationTheme, blank=True, related_name="recommendations"
    )

    objects = RecommendationQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[themes],
        custom_model_name=history_model_names(
            {"RecommendationTheme": "HistoricalRecommendation_themes"}
        ),
    )

    class Meta:
        ordering = ["commission", "number"]
        constraints = [
            one_per(
                "commission",
                "number",
                name="recommendation_number_unique_in_commission",
                message="This commission already has a recommendation with this number.",
            ),
            at_least("number", 1, name="recommendation_number_positive"),
        ]

    def __str__(self):
        return f"{self.reference}: {self.text[:80]}"

    @property
    def reference(self):
        return f"R{self.number}"

    @property
    def slug(self):
        """A readable identifier for URLs: the commission's slug and the reference number."""
        return f"{self.commission.slug}-r{self.number}"


class MembershipQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(user=user)

    def roles_of(self, user):
        """{authority id: role} for a signed-in officer; empty for anyone else."""
        if not user.is_authenticated:
            return {}
        return dict(self.of(user).values_list("borough_id", "role"))

    def reviewers(self):
        return self.filter(role=Membership.Role.REVIEWER)

    def editors(self):
        return self.filter(role=Membership.Role.EDITOR)


class Membership(models.Model):
    """An officer's place in an authority: an editor keeps its records, a reviewer also
    publishes, returns and archives its projects."""

    class Role(models.TextChoices):
        EDITOR = "editor", "Editor"
        REVIEWER = "reviewer", "Reviewer"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    borough = models.ForeignKey(Borough, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["borough__name", "user__username"]
        constraints = [
            one_per(
                "user",
                "borough",
                name="membership_one_per_user_and_authority",
                message="This person already belongs to this authority.",
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}, {self.borough}"
