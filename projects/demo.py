"""Deterministic, plausible and fictional demo data for the portal, at any scale.

Everything comes from one seeded random generator and the day it is loaded (which delivery
statuses and dates must agree with), so the same seed, size and day give the same catalogue. The
catalogue keeps every rule a record must meet (`check_catalogue` says so): funding lines only from
settlements of the project's own authority that cover some of its years, statuses that agree
with dates, allocations that add up. Rows are built in memory one authority at a time and written
in bulk (COPY, with the tables' plain indexes built once at the end), so 100,000 projects load in
about a minute.
"""

import datetime
import json
import random
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from boroughs.models import Borough, Commission, Membership, Recommendation
from portal.money import financial_year_of

from .facet_keys import Links, keys_for
from .models import (
    CatalogueChange,
    CatalogueVersion,
    Funder,
    FundingSettlement,
    Project,
    ProjectFunding,
    PublishedSearchVector,
    Restrictions,
    TargetGroup,
    Theme,
    YearlyAllocation,
)

FIRST_START_YEAR = 2016
DEFAULT_SEED = 2017
# The demo's fictional names and words: funders (the councils themselves and the GLA are real,
# their figures fictional), programmes, conditions, activities by theme, delivery partners,
# outcomes, commissions and recommendations by theme.
VOCABULARY = json.loads(Path(__file__).with_name("demo_vocabulary.json").read_text())
FUNDERS = [(funder["name"], funder["kind"]) for funder in VOCABULARY["funders"]]
PROGRAMMES = VOCABULARY["programmes"]
CONDITIONS = VOCABULARY["conditions"]
ACTIVITIES = VOCABULARY["activities"]
DELIVERY_PARTNERS = VOCABULARY["delivery_partners"]
OUTCOMES = VOCABULARY["outcomes"]
COMMISSIONS = VOCABULARY["commissions"]
RECOMMENDATION_TEXTS = VOCABULARY["recommendations"]

FUNDER_KIND_WEIGHTS = {
    Funder.Kind.CENTRAL_GOVERNMENT: 18,
    Funder.Kind.GLA: 16,
    Funder.Kind.LONDON_BOROUGH: 26,
    Funder.Kind.LOTTERY: 14,
    Funder.Kind.TRUST: 16,
    Funder.Kind.PRIVATE: 5,
    Funder.Kind.OTHER: 5,
}
RESTRICTION_WEIGHTS = {
    Restrictions.UNRESTRICTED: 20,
    Restrictions.LIGHT_TOUCH: 35,
    Restrictions.RING_FENCED: 30,
    Restrictions.HEAVILY_RESTRICTED: 15,
}

DELIVERY_WEIGHTS = {
    Project.DeliveryStatus.PLANNED: 10,
    Project.DeliveryStatus.ACTIVE: 45,
    Project.DeliveryStatus.COMPLETED: 35,
    Project.DeliveryStatus.PAUSED: 5,
    Project.DeliveryStatus.CANCELLED: 5,
}
PUBLICATION_WEIGHTS = {
    Project.PublicationState.PUBLISHED: 85,
    Project.PublicationState.DRAFT: 6,
    Project.PublicationState.SUBMITTED: 5,
    Project.PublicationState.ARCHIVED: 4,
}


NO_FUNDING_REASONS = [
    "Run by volunteers within existing budgets.",
    "Delivered by council staff as part of their usual work.",
    "Funding is still being sought.",
]


# Every authority's first projects, so its officers find work waiting in review (demo_accounts),
# unless it has too few to spare them from the public catalogue.
MIN_FOR_WORK_IN_REVIEW = 10
WORK_IN_REVIEW = [
    Project.PublicationState.DRAFT,
    Project.PublicationState.DRAFT,
    Project.PublicationState.SUBMITTED,
]


def in_sentence(name):
    """A name as it reads mid-sentence: "Older people" → "older people"; "LGBTQ+ people" and
    "English language" keep their capitals."""
    if name[:2].isupper() or name.startswith("English"):
        return name
    return name[0].lower() + name[1:]


class DemoDataExists(Exception):
    """The database already holds catalogue data, so the demo set was not loaded."""


def catalogue_is_empty():
    return not any(
        model.objects.exists() for model in (Project, Commission, Funder, FundingSettlement)
    )


def delete_catalogue():
    """Delete every project, commission, settlement and funder, with their links and history
    (not authorities, memberships, themes or target groups, nor the catalogue's version and
    changes, which say that everything changed).

    Whole tables are emptied at once (TRUNCATE): deleting row by row, with the signals and
    history each deletion brings, takes many minutes at 100,000 projects.
    """
    kept = {Borough, Membership, Theme, TargetGroup, CatalogueVersion, CatalogueChange}
    tables = [
        model._meta.db_table
        for app in ("projects", "boroughs")
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
        if model not in kept
    ]
    with transaction.atomic(), connection.cursor() as cursor, pending_checks_run(cursor):
        for statement in connection.ops.sql_flush(no_style(), tables):
            cursor.execute(statement)


@dataclass
class Chunk:
    """The rows of one authority, built in memory before they are written."""

    projects: list = field(default_factory=list)
    theme_ids: list = field(default_factory=list)
    target_group_ids: list = field(default_factory=list)
    partner_ids: list = field(default_factory=list)
    recommendation_ids: list = field(default_factory=list)
    settlements: list = field(default_factory=list)
    allocations: list = field(default_factory=list)
    fundings: list = field(default_factory=list)


class DemoCatalogue:
    def __init__(self, *, projects, seed=DEFAULT_SEED, today=None, progress=None):
        self.project_count = projects
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.progress = progress or (lambda message: None)
        self.project_index = 0
        self.settlement_index = 0
        self.funder_kind_index = 0
        self.slug_counts = {}

    def load(self):
        """Load the whole demo catalogue in one transaction; refuse if data is already there."""
        started = time.monotonic()
        with transaction.atomic():
            if not catalogue_is_empty():
                raise DemoDataExists
            self.boroughs = list(Borough.objects.order_by("gss_code"))
            self.borough_by_pk = {borough.pk: borough for borough in self.boroughs}
            self.themes = list(Theme.objects.order_by("position"))
            self.target_groups = list(TargetGroup.objects.order_by("position"))
            self.create_funders()
            self.create_commissions()
            loaded = 0
            next_report = 0
            with indexes_built_afterwards(BULK_MODELS):
                for borough, count in zip(self.boroughs, self.projects_per_borough(), strict=True):
                    self.write(self.build_borough(borough, count))
                    loaded += count
                    if loaded >= next_report or loaded == self.project_count:
                        self.progress(
                            f"Loaded {loaded:,} of {self.project_count:,} projects "
                            f"({time.monotonic() - started:.1f} s)"
                        )
                        next_report = loaded + max(self.project_count // 10, 1)
                self.progress(f"Building indexes ({time.monotonic() - started:.1f} s)")

    def projects_per_borough(self):
        """Split the projects across the authorities unevenly, at least one each."""
        weights = [self.rng.uniform(0.6, 1.4) for _ in self.boroughs]
        spare = self.project_count - len(self.boroughs)
        counts = [1 + int(spare * w / sum(weights)) for w in weights]
        for i in range(self.project_count - sum(counts)):
            counts[i % len(counts)] += 1
        return counts

    def create_funders(self):
        funders = [
            Funder(name=name, slug=slugify(name), kind=kind, website="https://example.org/")
            for name, kind in FUNDERS
        ]
        for borough in self.boroughs:
            name = "City of London Corporation" if borough.is_city else f"{borough.name} Council"
            funders.append(
                Funder(
                    name=name,
                    slug=slugify(name),
                    kind=Funder.Kind.LONDON_BOROUGH,
                    org_id=borough.org_id,
                    website=borough.website,
                )
            )
        Funder.objects.bulk_create(funders)
        self.funders_by_kind = {}
        for funder in Funder.objects.exclude(kind=Funder.Kind.LONDON_BOROUGH).order_by("pk"):
            self.funders_by_kind.setdefault(funder.kind, []).append(funder)
        self.council_funder = {
            f.org_id: f for f in Funder.objects.filter(kind=Funder.Kind.LONDON_BOROUGH)
        }

    def create_commissions(self):
        by_code = {b.short_code: b for b in self.boroughs}
        self.commissions_by_borough = {}
        self.recommendations_by_commission = {}
        self.commissions_with_recommendations = []
        for described in COMMISSIONS:
            lead, partners, title = described["lead"], described["partners"], described["title"]
            kind, status = described["kind"], described["status"]
            established, reported = (
                described[name] and datetime.date.fromisoformat(described[name])
                for name in ("established", "reported")
            )
            commission = Commission.objects.create(
                title=title,
                slug=slugify(title),
                lead_borough=by_code[lead],
                kind=kind,
                is_cross_party=described["cross_party"],
                chair=f"Cllr {self.rng.choice(['A.', 'J.', 'R.', 'S.'])} "
                f"{self.rng.choice(['Ahmed', 'Brown', 'Okafor', 'Patel', 'Novak', 'Evans'])}",
                established_on=established,
                reported_on=reported,
                status=status,
                report_url="https://example.org/reports/" + slugify(title) if reported else "",
                summary=(
                    f"A fictional demo {Commission.Kind(kind).label.lower()} commission that "
                    f"asked how people of different backgrounds in {by_code[lead].name} can get "
                    "on, get together and get on in life."
                ),
            )
            commission.partner_boroughs.set([by_code[code] for code in partners])
            for borough in [by_code[lead], *(by_code[code] for code in partners)]:
                self.commissions_by_borough.setdefault(borough.pk, []).append(commission)
            if status == Commission.Status.PLANNED:
                continue
            themes = self.rng.sample(self.themes, self.rng.randint(4, 8))
            recommendations = Recommendation.objects.bulk_create(
                Recommendation(commission=commission, number=n, text=RECOMMENDATION_TEXTS[t.slug])
                for n, t in enumerate(themes, start=1)
            )
            Recommendation.themes.through.objects.bulk_create(
                Recommendation.themes.through(recommendation_id=r.pk, theme_id=t.pk)
                for r, t in zip(recommendations, themes, strict=True)
            )
            for recommendation, theme in zip(recommendations, themes, strict=True):
                recommendation.theme = theme
            self.recommendations_by_commission[commission.pk] = recommendations
            self.commissions_with_recommendations.append(commission)

    def cycled(self, index, choices, weights):
        """The index-th choice while the first rows cover every option, then a weighted pick."""
        options = list(choices)
        if index < len(options):
            return options[index]
        return self.rng.choices(options, weights=[weights[o] for o in options])[0]

    def build_borough(self, borough, count):
        chunk = Chunk()
        self.work_in_review = WORK_IN_REVIEW if count >= MIN_FOR_WORK_IN_REVIEW else []
        for _ in range(count):
            chunk.projects.append(self.build_project(borough, chunk))
        # Every council funds some of its own work, so every council's funder page has figures.
        self.build_settlement(borough, chunk, kind=Funder.Kind.LONDON_BOROUGH)
        for _ in range(max(1, round(count / 5) - 1)):
            self.build_settlement(borough, chunk, kind=self.next_funder_kind())
        self.fund_projects(borough, chunk)
        return chunk

    def build_project(self, borough, chunk):
        rng, i = self.rng, self.project_index
        self.project_index += 1
        primary = (
            self.themes[i % len(self.themes)] if i < len(self.themes) else rng.choice(self.themes)
        )
        themes = [primary, *rng.sample(self.themes, rng.randint(0, 2))]
        themes = list(dict.fromkeys(themes))
        groups = rng.sample(self.target_groups, rng.randint(1, 3))
        delivery = self.cycled(i, Project.DeliveryStatus, DELIVERY_WEIGHTS)
        in_authority = len(chunk.projects)
        if in_authority < len(self.work_in_review) and i >= len(Project.PublicationState):
            publication = self.work_in_review[in_authority]
        else:
            publication = self.cycled(i, Project.PublicationState, PUBLICATION_WEIGHTS)
        start, end = self.dates_for(delivery)
        activity = rng.choice(ACTIVITIES[primary.slug])
        title = f"{borough.name} {activity}"
        slug = self.unique_slug(title)
        if slug != slugify(title):
            title = f"{title} ({start.year})"
        partners = rng.sample(DELIVERY_PARTNERS, rng.randint(0, 3))
        published_at = None
        if publication in (Project.PublicationState.PUBLISHED, Project.PublicationState.ARCHIVED):
            published_at = datetime.datetime.combine(
                min(start + datetime.timedelta(days=rng.randint(0, 60)), self.today),
                datetime.time(10, 0),
                tzinfo=datetime.UTC,
            )
        project = Project(
            title=title,
            slug=slug,
            summary=(
                f"A fictional demo project: {activity} for "
                f"{' and '.join(in_sentence(g.name) for g in groups[:2])} in {borough.name}."
            ),
            description=(
                f"{activity} is run by {borough.name} with local partners. It works on "
                f"{', '.join(in_sentence(t.name) for t in themes)}. {primary.description} "
                "This record is fictional demonstration data."
            ),
            lead_borough=borough,
            delivery_partners="\n".join(partners),
            delivery_status=delivery,
            start_date=start,
            end_date=end,
            people_reached=rng.randint(20, 5000)
            if delivery in (Project.DeliveryStatus.ACTIVE, Project.DeliveryStatus.COMPLETED)
            else None,
            outcomes=rng.choice(OUTCOMES) if delivery == Project.DeliveryStatus.COMPLETED else "",
            evaluation_url=f"https://example.org/evaluations/{slug}"
            if delivery == Project.DeliveryStatus.COMPLETED and rng.random() < 0.4
            else "",
            contact_name=f"{borough.name} community engagement team",
            contact_email="community.engagement@example.org",
            publication_state=publication,
            published_at=published_at,
        )
        commission, recommendations = self.commission_for(borough)
        project.commission = commission
        # A project answers recommendations on its own themes, or says why it answers another.
        on_its_themes = [r for r in recommendations if r.theme in themes]
        if recommendations and not on_its_themes:
            project.off_theme_reason = (
                f"The commission asked for {in_sentence(recommendations[0].theme.name)} to be "
                "part of all local work, this project included."
            )
        elif recommendations:
            recommendations = on_its_themes
        position = len(chunk.projects)
        chunk.theme_ids += [(position, t.pk) for t in themes]
        chunk.target_group_ids += [(position, g.pk) for g in groups]
        chunk.recommendation_ids += [(position, r.pk) for r in recommendations]
        if rng.random() < 0.15:
            neighbours = [b for b in self.boroughs if b.partnership == borough.partnership]
            for partner in rng.sample(self.boroughs if not borough.partnership else neighbours, 2):
                if partner != borough:
                    chunk.partner_ids.append((position, partner.pk))
        return project

    def unique_slug(self, title):
        base = slugify(title)
        seen = self.slug_counts.get(base, 0) + 1
        self.slug_counts[base] = seen
        return base if seen == 1 else f"{base}-{seen}"

    def dates_for(self, delivery):
        """A start and end date that agree with the delivery status on the day of loading."""
        rng, today, Status = self.rng, self.today, Project.DeliveryStatus

        def days(n):
            return datetime.timedelta(days=n)

        length = days(30 * rng.choice([6, 12, 12, 18, 24, 36, 48]))
        if delivery == Status.PLANNED:
            start = today + days(rng.randint(30, 400))
            return start, start + length
        if delivery in (Status.ACTIVE, Status.PAUSED):
            start = today - days(rng.randint(1, 4 * 365))
            if rng.random() < 0.3:
                return start, None
            return start, max(start + length, today + days(rng.randint(1, 720)))
        # Completed or cancelled: ended by now.
        earliest = datetime.date(FIRST_START_YEAR, 4, 1)
        start = earliest + days(rng.randint(0, (today - earliest).days - 31))
        return start, max(start, min(start + length, today - days(rng.randint(1, 30))))

    def commission_for(self, borough):
        """Some projects follow from their own council's commission, a few from another's."""
        rng = self.rng
        own = [
            c
            for c in self.commissions_by_borough.get(borough.pk, [])
            if c.pk in self.recommendations_by_commission
        ]
        if own and rng.random() < 0.4:
            commission = rng.choice(own)
        elif rng.random() < 0.04 and self.commissions_with_recommendations:
            commission = rng.choice(self.commissions_with_recommendations)
        else:
            return None, []
        recommendations = self.recommendations_by_commission[commission.pk]
        return commission, rng.sample(recommendations, rng.randint(1, min(2, len(recommendations))))

    def next_funder_kind(self):
        kind = self.cycled(self.funder_kind_index, FUNDER_KIND_WEIGHTS, FUNDER_KIND_WEIGHTS)
        self.funder_kind_index += 1
        return kind

    def build_settlement(self, borough, chunk, *, kind, first_year=None):
        """A settlement on `borough`, from `first_year` (any year so far when None); returns
        its position in the chunk."""
        rng, i = self.rng, self.settlement_index
        self.settlement_index += 1
        funder = (
            self.council_funder[borough.org_id]
            if kind == Funder.Kind.LONDON_BOROUGH
            else rng.choice(self.funders_by_kind[kind])
        )
        restrictions = self.cycled(i, RESTRICTION_WEIGHTS, RESTRICTION_WEIGHTS)
        if first_year is None:
            first_year = rng.randint(FIRST_START_YEAR, financial_year_of(self.today))
        years = 1 if i % 2 == 0 and i < 8 else rng.choice([1, 1, 2, 3, 3, 4])
        total = Decimal(rng.randint(40, 4000) * 500)
        settlement = FundingSettlement(
            funder=funder,
            programme=rng.choice(PROGRAMMES[kind]),
            recipient=borough,
            total_amount=total,
            first_year=first_year,
            last_year=first_year + years - 1,
            restrictions=restrictions,
            conditions=CONDITIONS[restrictions],
            awarded_on=min(
                datetime.date(first_year, 1, 1) + datetime.timedelta(days=rng.randint(0, 80)),
                self.today,
            ),
        )
        position = len(chunk.settlements)
        chunk.settlements.append(settlement)
        per_year = (total / years).quantize(Decimal("1"))
        for offset in range(years):
            amount = per_year if offset < years - 1 else total - per_year * (years - 1)
            chunk.allocations.append((position, first_year + offset, amount))
        return position

    def fund_projects(self, borough, chunk):
        """Give most projects one or two funding lines from their authority's settlements that
        cover some of their years, making a settlement from a project's first year where too few
        do; each settlement gives projects up to 90% of its total."""
        rng = self.rng
        covering_year = defaultdict(list)
        for position, settlement in enumerate(chunk.settlements):
            for year in settlement.financial_years:
                covering_year[year].append(position)
        lines = {}
        for project_position, project in enumerate(chunk.projects):
            wanted = rng.choices([0, 1, 2], weights=[8, 64, 28])[0]
            first, last = project.financial_years_bounds
            years = range(first, (last if last is not None else first + 3) + 1)
            covering = sorted({p for year in years for p in covering_year[year]})
            while len(covering) < wanted:
                position = self.build_settlement(
                    borough, chunk, kind=self.next_funder_kind(), first_year=first
                )
                for year in chunk.settlements[position].financial_years:
                    covering_year[year].append(position)
                covering.append(position)
            for settlement_position in rng.sample(covering, wanted):
                lines[(settlement_position, project_position)] = rng.uniform(0.5, 1.5)
        weight_per_settlement = defaultdict(float)
        for (settlement_position, _), weight in lines.items():
            weight_per_settlement[settlement_position] += weight
        for (settlement_position, project_position), weight in lines.items():
            settlement = chunk.settlements[settlement_position]
            share = Decimal(weight / weight_per_settlement[settlement_position]) * Decimal("0.9")
            amount = (settlement.total_amount * share).quantize(Decimal("1"), rounding="ROUND_DOWN")
            project = chunk.projects[project_position]
            project.funding_total += amount
            chunk.fundings.append((settlement_position, project_position, amount))
        for project in chunk.projects:
            if not project.funding_total:
                project.no_funding_reason = self.rng.choice(NO_FUNDING_REASONS)

    def give_facet_keys(self, chunk):
        """Bulk inserts send no signals: give each project its facet keys here."""
        links = {name: defaultdict(list) for name in ("themes", "groups", "partners", "funds")}
        for position, pk in chunk.theme_ids:
            links["themes"][position].append(pk)
        for position, pk in chunk.target_group_ids:
            links["groups"][position].append(pk)
        for position, pk in chunk.partner_ids:
            links["partners"][position].append(self.borough_by_pk[pk])
        for settlement_position, position, _ in chunk.fundings:
            links["funds"][position].append(chunk.settlements[settlement_position])
        for position, project in enumerate(chunk.projects):
            settlements = links["funds"][position]
            project.facet_keys = keys_for(
                Links(
                    boroughs=[project.lead_borough, *links["partners"][position]],
                    themes=links["themes"][position],
                    target_groups=links["groups"][position],
                    status=project.delivery_status,
                    commission=project.commission,
                    settlements=settlements,
                    multi_year=any(settlement.is_multi_year for settlement in settlements),
                )
            )

    def write(self, chunk):
        self.give_facet_keys(chunk)
        insert(chunk.projects)
        insert(chunk.settlements)
        project_pk = [p.pk for p in chunk.projects]
        settlement_pk = [s.pk for s in chunk.settlements]
        insert_rows(
            YearlyAllocation,
            ["settlement_id", "financial_year", "amount"],
            [(settlement_pk[s], year, amount) for s, year, amount in chunk.allocations],
        )
        insert_rows(
            ProjectFunding,
            ["settlement_id", "project_id", "amount"],
            [(settlement_pk[s], project_pk[p], amount) for s, p, amount in chunk.fundings],
        )
        links = [
            (Project.themes.through, "theme_id", chunk.theme_ids),
            (Project.target_groups.through, "targetgroup_id", chunk.target_group_ids),
            (Project.partner_boroughs.through, "borough_id", chunk.partner_ids),
            (Project.recommendations.through, "recommendation_id", chunk.recommendation_ids),
        ]
        for through, column, pairs in links:
            insert_rows(through, ["project_id", column], [(project_pk[p], pk) for p, pk in pairs])


BULK_MODELS = [
    Project,
    PublishedSearchVector,
    FundingSettlement,
    YearlyAllocation,
    ProjectFunding,
    Project.themes.through,
    Project.target_groups.through,
    Project.partner_boroughs.through,
    Project.recommendations.through,
]


def insert(objects):
    """Write new rows of one model and set their primary keys, copied in: COPY takes rows
    several times faster than INSERT statements do."""
    if not objects:
        return
    meta = type(objects[0])._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for row, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            row.pk = pk
        # Generated columns are the database's to fill.
        fields = [f for f in meta.concrete_fields if not f.generated]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(meta.db_table)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in objects:
                # pre_save fills what bulk_create would: automatic dates, for one.
                copy.write_row([f.pre_save(row, add=True) for f in fields])


def insert_rows(model, names, rows):
    """Write new rows of one model, given as tuples of the values of the fields `names`, and
    numbered by the database. Rows that no one reads back need no model instances, whose
    construction would take much of the load's time at 100,000 projects."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


@contextmanager
def indexes_built_afterwards(models):
    """Drop the tables' plain indexes, then build them again at the end (inside the caller's
    transaction): one build over the loaded rows is much faster than updating each index row by
    row. Indexes behind constraints stay and keep checking."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)",
            [[model._meta.db_table for model in models]],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor, pending_checks_run(cursor):
        for _, definition in indexes:
            cursor.execute(definition)


@contextmanager
def pending_checks_run(cursor):
    """PostgreSQL builds no index and empties no table while rows written in the transaction
    wait for their deferred foreign-key checks: run the checks first, then defer again, as
    Django's constraints are."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
