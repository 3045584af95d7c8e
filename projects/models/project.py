"""Projects: what London's authorities do to promote social integration, who leads them and
takes part, what they work on and for whom, their delivery status and their way through review
(draft, submitted, published, archived); and the queries that find and search them.

Project.objects.published() is the only definition of what the public may see."""

import datetime
import functools

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
from django.db import models
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.aggregates import StringAgg
from django.db.models.functions import Coalesce, Upper
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from boroughs.models import AuthorityRecordQuerySet, Borough, count_of, history_model_names
from portal.models import LinksManager, Versioned, at_least, recorded_by
from portal.money import MONEY, ZERO, financial_year_label, financial_year_of
from portal.slugs import unique_slug

from ..facet_keys import Links, facet_key, keys_for
from .funding import Funder, ProjectFunding, every_choice
from .taxonomy import TargetGroup, Theme

# Projects whose facet keys are worked out together: a few queries per batch.
FACET_KEYS_BATCH = 1000


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


def year_dates(year):
    """The first and last days of a calendar year."""
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def newest_first(field, *, name, **options):
    """An index of published projects from the highest `field` down, the newest id breaking
    ties: the order of one of the list's sorts."""
    return models.Index(F(field).desc(), F("id").desc(), condition=PUBLISHED, name=name, **options)


class ProjectQuerySet(AuthorityRecordQuerySet):
    authority_field = "lead_borough"

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
        return self.active_between(*year_dates(year))

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
        kind = "settlement__funder__kind"
        rows = (
            ProjectFunding.objects.filter(project__in=self.order_by().values("pk"))
            .order_by()
            .values(kind)
            .annotate(total=Sum("amount"), projects=Count("project", distinct=True))
        )
        return every_choice(Funder.Kind.choices, "kind", rows, kind, total=ZERO, projects=0)


# A project's links to what describes it. What a project has cannot be deleted (PROTECT): a
# curator retires a theme, target group or commission instead. Each keeps the table Django made
# for the link before it had a model, and is listed with its project's title (LinksManager).
PROJECT_LINKED = {"related": ["project"], "deferred": ["project__search_vector"]}


class ProjectTheme(models.Model):
    project = models.ForeignKey("Project", on_delete=models.CASCADE)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT)

    objects = models.Manager()
    listed = LinksManager(**PROJECT_LINKED)

    class Meta:
        base_manager_name = "listed"
        db_table = "projects_project_themes"
        unique_together = [("project", "theme")]
        verbose_name = "project's theme"

    def __str__(self):
        return str(self.project)


class ProjectTargetGroup(models.Model):
    project = models.ForeignKey("Project", on_delete=models.CASCADE)
    targetgroup = models.ForeignKey(TargetGroup, on_delete=models.PROTECT)

    objects = models.Manager()
    listed = LinksManager(**PROJECT_LINKED)

    class Meta:
        base_manager_name = "listed"
        db_table = "projects_project_target_groups"
        unique_together = [("project", "targetgroup")]
        verbose_name = "project's target group"

    def __str__(self):
        return str(self.project)


class ProjectRecommendation(models.Model):
    project = models.ForeignKey("Project", on_delete=models.CASCADE)
    recommendation = models.ForeignKey("boroughs.Recommendation", on_delete=models.PROTECT)

    objects = models.Manager()
    listed = LinksManager(
        related=["project", "recommendation"], deferred=PROJECT_LINKED["deferred"]
    )

    class Meta:
        base_manager_name = "listed"
        db_table = "projects_project_recommendations"
        unique_together = [("project", "recommendation")]
        verbose_name = "project's recommendation"

    def __str__(self):
        return f"{self.project} ({self.recommendation.reference})"


#: What records projects' history, with their links; an import records a new project with it
#: once its links are saved too.
PROJECT_HISTORY = HistoricalRecords(
    m2m_fields=["partner_boroughs", "themes", "target_groups", "recommendations"],
    excluded_fields=["search_vector", "funding_total", "facet_keys"],
    custom_model_name=history_model_names(
        {
            "ProjectTheme": "HistoricalProject_themes",
            "ProjectTargetGroup": "HistoricalProject_target_groups",
            "ProjectRecommendation": "HistoricalProject_recommendations",
        }
    ),
)


#: What a project needs before it is submitted or published: (name, checklist label, to do).
PUBLICATION_NEEDS = [
    ("summary", "A summary", "Add a summary"),
    ("description", "A description", "Add a description"),
    ("themes", "At least one theme", "Choose at least one theme"),
    ("contact", "A public contact: a name and an email address", "Add a public contact"),
    (
        "funding",
        "Funding lines, or why no funding is recorded",
        "Add its funding lines, or say why no funding is recorded",
    ),
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
    themes = models.ManyToManyField(Theme, through=ProjectTheme, related_name="projects")
    target_groups = models.ManyToManyField(
        TargetGroup, through=ProjectTargetGroup, blank=True, related_name="projects"
    )
    delivery_partners = models.TextField(
        blank=True, help_text="The organisations that deliver it with the council, one per line."
    )
    commission = models.ForeignKey(
        "boroughs.Commission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        help_text="The commission this project follows from, if any.",
    )
    recommendations = models.ManyToManyField(
        "boroughs.Recommendation",
        through=ProjectRecommendation,
        blank=True,
        related_name="projects",
    )
    off_theme_reason = models.TextField(
        "why it answers recommendations on other themes",
        blank=True,
        help_text="Needed when a recommendation it addresses shares none of its themes.",
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
    no_funding_reason = models.CharField(
        "why no funding is recorded",
        max_length=300,
        blank=True,
        help_text="Needed to publish a project without funding lines: delivered by volunteers "
        "within existing budgets, say.",
    )
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
    created_by = recorded_by()
    updated_by = recorded_by()

    objects = ProjectQuerySet.as_manager()
    history = PROJECT_HISTORY

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="project_ends_on_or_after_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
            at_least("funding_total", 0, name="project_funding_total_not_negative"),
            models.CheckConstraint(
                condition=~Q(publication_state="published") | Q(published_at__isnull=False),
                name="project_published_has_date",
                violation_error_message="A published project needs its date of publication.",
            ),
        ]
        # Partial indexes on published rows, one for each order the public list offers and
        # for the filters that narrow it most; officers' lists use the lead borough's index.
        indexes = [
            newest_first("published_at", name="project_published_newest"),
            # With the end date, the list's "active in" filters read this index only.
            newest_first("start_date", name="project_published_start", include=["end_date"]),
            newest_first("funding_total", name="project_published_funding"),
            # The facet index's order by end date (facet_index.ORDERS), those still running first.
            models.Index(
                F("end_date").desc(nulls_first=True),
                F("id").desc(),
                condition=PUBLISHED,
                name="project_published_end",
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
            # The question before a duplicate: the same title, in any case, and lead.
            models.Index("lead_borough", Upper("title"), name="project_lead_title_any_case"),
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

    def clean(self):
        super().clean()
        self.check_delivery_status(timezone.localdate())

    def check_delivery_status(self, today):
        """Raise ValidationError unless its delivery status agrees with its dates on `today`:
        nothing planned or active has ended, nothing active or completed is yet to start, and
        a completed project has ended."""
        status, start, end = self.delivery_status, self.start_date, self.end_date
        if start is None or (end and end < start):
            return  # dates that cannot be right say so first
        Status = self.DeliveryStatus
        params = {
            "start": f"{start:%-d %B %Y}",
            "end": f"{end:%-d %B %Y}" if end else "",
            "status": Status(status).label.lower() if status in Status.values else status,
        }
        rules = [
            (
                bool(end) and end < today and status in (Status.PLANNED, Status.ACTIVE),
                "delivery_status",
                "The project ended on %(end)s, so it cannot be %(status)s: choose completed or "
                "cancelled, or correct the end date.",
                "status_after_end",
            ),
            (
                start > today and status in (Status.ACTIVE, Status.COMPLETED),
                "delivery_status",
                "The project starts on %(start)s, so it cannot be %(status)s yet: choose "
                "planned, or correct the start date.",
                "status_before_start",
            ),
            (
                status == Status.COMPLETED and (end is None or end > today),
                "end_date",
                "Enter the date the project ended: a completed project has an end date on or "
                "before today.",
                "completed_without_end",
            ),
        ]
        for broken, field, message, code in rules:
            if broken:
                raise ValidationError({field: ValidationError(message, code=code, params=params)})

    def publication_checklist(self):
        """What publication needs, as [{"label", "done", "to_do"}]: a summary, a description,
        a theme, a public contact, and funding lines or why there are none. Reads its themes
        and funding lines (prefetch them for many projects)."""
        present = {
            "summary": bool(self.summary.strip()),
            "description": bool(self.description.strip()),
            "themes": bool(self.pk and self.themes.all()),
            "contact": bool(self.contact_name.strip() and self.contact_email.strip()),
            "funding": bool(self.no_funding_reason.strip() or (self.pk and self.fundings.all())),
        }
        return [
            {"label": label, "done": present[name], "to_do": to_do}
            for name, label, to_do in PUBLICATION_NEEDS
        ]

    def missing_for_publication(self):
        """What to add before it can be submitted or published: [] when complete."""
        return [item["to_do"] for item in self.publication_checklist() if not item["done"]]

    @property
    def is_published(self):
        return self.publication_state == self.PublicationState.PUBLISHED

    @property
    def financial_years_bounds(self):
        """(first, last) financial year it runs in; last is None while it has no end date."""
        last = financial_year_of(self.end_date) if self.end_date else None
        return financial_year_of(self.start_date), last

    @property
    def financial_years_label(self):
        first, last = self.financial_years_bounds
        if last is None:
            return f"from {financial_year_label(first)} onwards"
        if last == first:
            return f"in {financial_year_label(first)}"
        return f"from {financial_year_label(first)} to {financial_year_label(last)}"

    @property
    def authority_ids(self):
        """Its lead's and partners' keys: the partners its form is about to save, when a form
        is editing it, else those stored."""
        partners = getattr(self, "partners_entered", None)
        if partners is None:
            partners = self.partner_boroughs.all() if self.pk else []
        return {self.lead_borough_id, *(borough.pk for borough in partners)}

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
            Links(
                boroughs=[self.lead_borough, *self.partner_boroughs.all()],
                themes=list(self.themes.all()),
                target_groups=list(self.target_groups.all()),
                status=self.delivery_status,
                commission=self.commission_id,
                settlements=[funding.settlement for funding in self.fundings.all()],
                multi_year=self.has_multi_year_funding,
            )
        )

    @property
    def restriction_levels(self):
        return list(
            dict.fromkeys(f.settlement.get_restrictions_display() for f in self.fundings.all())
        )

    @property
    def delivery_partner_list(self):
        return [line.strip() for line in self.delivery_partners.splitlines() if line.strip()]


class FormerSlug(models.Model):
    """An address a project answered at before (a duplicate merged into it): links to it still
    lead to the project."""

    slug = models.SlugField(max_length=220, unique=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="former_slugs")

    def __str__(self):
        return f"{self.slug} → {self.project.slug}"


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


# What authorities' and commissions' pages show of their projects ------------------------------


def with_published_project_count(commissions):
    """Annotate `published_project_count`: the published projects that follow from each
    commission."""
    return commissions.annotate(
        published_project_count=count_of(Project.objects.published(), "commission")
    )


def newest_published(limit=None, **annotations):
    """Published projects with their lead authorities (and `annotations`), newest first, at
    most `limit`: what a record's page prefetches as its `published_projects`."""
    newest = (
        Project.objects.published()
        .annotate(**annotations)
        .select_related("lead_borough")
        .order_by("-published_at", "-pk")
    )
    return newest[:limit] if limit else newest


def with_published_projects(commissions, limit=None):
    """Prefetch, as `published_projects`, the newest published projects that follow from each
    commission (at most `limit`)."""
    return commissions.prefetch_related(
        Prefetch("projects", queryset=newest_published(limit), to_attr="published_projects")
    )


def recommendations_with_published_projects(recommendations, home_boroughs, limit=None):
    """Prefetch each recommendation's themes and, as `published_projects`, the newest published
    projects that address it in any borough (at most `limit`), each marked `is_elsewhere` when
    none of `home_boroughs` (the commission's) leads it or takes part in it; and annotate how
    many published projects address it, `published_project_count`."""
    # From the stored keys of each project shown: a subquery over every project at home would
    # be worked out for all that address the recommendation, before the newest few are kept.
    at_home = in_facet("borough", home_boroughs)
    addressing = newest_published(limit, is_elsewhere=ExpressionWrapper(~at_home, BooleanField()))
    return recommendations.annotate(
        published_project_count=count_of(
            Project.recommendations.through.objects.filter(project__publication_state="published"),
            "recommendation",
        )
    ).prefetch_related(
        "themes",
        Prefetch("projects", queryset=addressing, to_attr="published_projects"),
    )
