"""The projects app's tables, as migrations 0001 to 0012 left them on PostgreSQL, in one.

Beside the models: indexes on the many-to-many link tables from their far side, the triggers
that keep derived data in step with every write, however it is made (a save, a bulk update, a
cascade, COPY, TRUNCATE), and the curated themes and target groups.

- Each project's search vector, weighted: title, then summary and delivery partners, then
  description.
- FacetKeyCount: how many published projects hold each facet key, of them all and of those
  holding each other key. One trigger per statement adds up what it changed, key by key, and
  updates each count once, after taking one lock held to the end of its transaction (a writer
  may change keys in several statements; counts locked statement by statement could
  deadlock).
- FacetIndexVersion: a token set anew by every write changing what the facet index holds of
  published projects (their keys, publication and sort columns); random, as a rolled-back
  transaction's counter would be handed out again.
- PublishedSearchVector: a copy of each published project's search vector, a third the size
  of the projects table, for a search that reads every published project's vector.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

# The many-to-many link tables are looked up from the far side when filtering (projects with
# this theme, in this borough): index them that way round, so those lookups read the index only.
LINK_INDEXES = [
    ("projects_project_themes", "theme_id"),
    ("projects_project_target_groups", "targetgroup_id"),
    ("projects_project_partner_boroughs", "borough_id"),
]


def link_index(table, column):
    name = f"{table}_{column}_project"
    return migrations.RunSQL(
        f'CREATE INDEX "{name}" ON "{table}" ("{column}", "project_id")', f'DROP INDEX "{name}"'
    )


SEARCH_VECTOR = """
CREATE FUNCTION projects_project_search_vector_update() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('pg_catalog.english', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('pg_catalog.english', coalesce(NEW.summary, '')), 'B')
        || setweight(to_tsvector('pg_catalog.english', coalesce(NEW.delivery_partners, '')), 'B')
        || setweight(to_tsvector('pg_catalog.english', coalesce(NEW.description, '')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER projects_project_search_vector
    BEFORE INSERT OR UPDATE OF title, summary, description, delivery_partners, search_vector
    ON projects_project
    FOR EACH ROW EXECUTE FUNCTION projects_project_search_vector_update();
"""
SEARCH_VECTOR_DROP = """
DROP TRIGGER IF EXISTS projects_project_search_vector ON projects_project;
DROP FUNCTION IF EXISTS projects_project_search_vector_update();
"""

TRANSITION_TABLES = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
    "TRUNCATE": "",
}


def statement_triggers(name, bodies):
    """A function and an AFTER ... FOR EACH STATEMENT trigger on projects for each event in
    `bodies` ({event: plpgsql}), named projects_project_{name}_{event}; and the SQL dropping
    them."""
    create, drop = [], []
    for event, body in bodies.items():
        function = f"projects_project_{name}_{event.lower()}"
        create.append(
            f"""
CREATE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    {body}
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER {function} AFTER {event} ON projects_project {TRANSITION_TABLES[event]}
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();"""
        )
        drop.append(
            f"DROP TRIGGER IF EXISTS {function} ON projects_project; "
            f"DROP FUNCTION IF EXISTS {function}();"
        )
    return "\n".join(create), "\n".join(drop)


def upsert_counts(changes):
    """Add to each FacetKeyCount its sum of `changes`, a query of (within, key, change) rows."""
    return f"""
        PERFORM pg_advisory_xact_lock('projects_facetkeycount'::regclass::oid::bigint)
        WHERE EXISTS ({changes});
        INSERT INTO projects_facetkeycount (within, key, projects)
        SELECT within, key, sum(change) FROM ({changes}) AS changes
        GROUP BY within, key HAVING sum(change) <> 0 ORDER BY within, key
        ON CONFLICT (within, key)
        DO UPDATE SET projects = projects_facetkeycount.projects + EXCLUDED.projects;"""


def published_keys(rows, change):
    """Each published row's keys, within '' (all projects) and within each of its keys."""
    return (
        f"SELECT within, key, {change} AS change FROM {rows} AS counted, "
        "unnest(array_prepend('', counted.facet_keys)) AS within, "
        "unnest(counted.facet_keys) AS key WHERE counted.publication_state = 'published'"
    )


def keys_changed(rows):
    """`rows` (old_rows or new_rows) of the projects whose keys or publication changed."""
    return (
        f"(SELECT {rows}.* FROM old_rows JOIN new_rows USING (id) "
        "WHERE (old_rows.facet_keys, old_rows.publication_state) "
        "IS DISTINCT FROM (new_rows.facet_keys, new_rows.publication_state))"
    )


FACET_COUNTS = f"""
CREATE FUNCTION projects_project_count_facet_keys() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {upsert_counts(published_keys("new_rows", 1))}
    ELSIF TG_OP = 'UPDATE' THEN
        {
    upsert_counts(
        f"{published_keys(keys_changed('new_rows'), 1)} "
        f"UNION ALL {published_keys(keys_changed('old_rows'), -1)}"
    )
}
    ELSE
        {upsert_counts(published_keys("old_rows", -1))}
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
""" + "\n".join(
    f"CREATE TRIGGER projects_project_count_facet_keys_{event.lower()} AFTER {event} "
    f"ON projects_project {TRANSITION_TABLES[event]} "
    "FOR EACH STATEMENT EXECUTE FUNCTION projects_project_count_facet_keys();"
    for event in ("INSERT", "UPDATE", "DELETE")
)
FACET_COUNTS_DROP = "\n".join(
    [
        *(
            f"DROP TRIGGER IF EXISTS projects_project_count_facet_keys_{event} ON projects_project;"
            for event in ("insert", "update", "delete")
        ),
        "DROP FUNCTION IF EXISTS projects_project_count_facet_keys();",
    ]
)

# What the facet index holds of a project: its keys, whether it is published, its sort columns.
INDEXED = [
    "facet_keys",
    "publication_state",
    "published_at",
    "start_date",
    "funding_total",
    "title",
]
NEW_TOKEN = """INSERT INTO projects_facetindexversion (id, token) VALUES (1, gen_random_uuid()::text)
        ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;"""


def columns(rows):
    return ", ".join(f"{rows}.{column}" for column in INDEXED)


FACET_INDEX_VERSION, FACET_INDEX_VERSION_DROP = statement_triggers(
    "facet_index",
    {
        event: f"IF {changed} THEN {NEW_TOKEN} END IF;"
        for event, changed in {
            "INSERT": "EXISTS (SELECT FROM new_rows WHERE publication_state = 'published')",
            "UPDATE": (
                "EXISTS (SELECT FROM old_rows JOIN new_rows USING (id) "
                f"WHERE ({columns('old_rows')}) IS DISTINCT FROM ({columns('new_rows')}) "
                "AND 'published' IN (old_rows.publication_state, new_rows.publication_state))"
            ),
            "DELETE": "EXISTS (SELECT FROM old_rows WHERE publication_state = 'published')",
            "TRUNCATE": "TRUE",
        }.items()
    },
)
FIRST_TOKEN = (
    "INSERT INTO projects_facetindexversion (id, token) VALUES (1, gen_random_uuid()::text)"
)

VECTOR_CHANGED = (
    "SELECT new_rows.* FROM old_rows JOIN new_rows USING (id) "
    "WHERE (old_rows.search_vector, old_rows.publication_state) "
    "IS DISTINCT FROM (new_rows.search_vector, new_rows.publication_state)"
)


def vectors_copied(rows):
    return f"""
        INSERT INTO projects_publishedsearchvector (project_id, search_vector)
        SELECT id, search_vector FROM ({rows}) AS copied WHERE publication_state = 'published'
        ON CONFLICT (project_id) DO UPDATE SET search_vector = EXCLUDED.search_vector;"""


def vectors_removed(rows):
    return f"""
        DELETE FROM projects_publishedsearchvector WHERE project_id IN
        (SELECT id FROM ({rows}) AS removed WHERE publication_state <> 'published');"""


SEARCH_COPY, SEARCH_COPY_DROP = statement_triggers(
    "search_copy",
    {
        "INSERT": vectors_copied("SELECT * FROM new_rows"),
        "UPDATE": vectors_removed(VECTOR_CHANGED) + vectors_copied(VECTOR_CHANGED),
        "DELETE": "DELETE FROM projects_publishedsearchvector "
        "WHERE project_id IN (SELECT id FROM old_rows);",
        # Not TRUNCATE: the statement that fired this may be emptying this table too.
        "TRUNCATE": "DELETE FROM projects_publishedsearchvector;",
    },
)


# The curated themes and target groups: the first five are the words of the London Councils
# publication on social integration; the rest come from the Mayor of London's "All of Us"
# strategy (2018) and the government's Integrated Communities Strategy (2018).
THEMES = [
    (
        "cohesion",
        "Cohesion",
        True,
        "People of different backgrounds getting on well together where they live, work and meet.",
    ),
    (
        "equalities",
        "Equalities",
        True,
        "Fair treatment and equal chances whatever a person's background, faith, sex, sexuality or "
        "disability.",
    ),
    (
        "resilience",
        "Resilience",
        True,
        "Communities able to withstand and recover from shocks, tensions and attempts to divide them.",
    ),
    (
        "safeguarding",
        "Safeguarding",
        True,
        "Protecting children and adults at risk from harm, exploitation and radicalisation.",
    ),
    (
        "isolation",
        "Isolation and loneliness",
        True,
        "Reaching people cut off from others by age, language, disability, health or circumstance.",
    ),
    (
        "shared-experiences",
        "Shared experiences and relationships",
        False,
        "Bringing people of different backgrounds and generations together so they build lasting "
        "relationships.",
    ),
    (
        "participation",
        "Active citizenship and participation",
        False,
        "Helping people take part in civic life: volunteering, voting, and shaping local decisions.",
    ),
    (
        "english-language",
        "English language (ESOL)",
        False,
        "English classes and conversation clubs so everyone can talk with their neighbours.",
    ),
    (
        "economic-opportunity",
        "Economic opportunity and employment",
        False,
        "Skills, training and routes into work for people held back from the jobs market.",
    ),
    (
        "education-and-young-people",
        "Education and young people mixing",
        False,
        "Schools, youth work and twinning that bring children and young people together across "
        "backgrounds.",
    ),
    (
        "migrants-and-citizenship",
        "Migrants, refugees and citizenship",
        False,
        "Welcoming new arrivals, supporting refugees and helping people to settle and become "
        "citizens.",
    ),
    (
        "places-and-public-spaces",
        "Places and public spaces",
        False,
        "Parks, libraries, markets and high streets where people of every background meet.",
    ),
    (
        "hate-crime-and-justice",
        "Hate crime and justice",
        False,
        "Preventing and reporting hate crime and supporting its victims.",
    ),
    (
        "womens-empowerment",
        "Women's empowerment",
        False,
        "Helping women, especially those isolated by language or culture, to take part fully.",
    ),
    (
        "evidence-and-measurement",
        "Evidence and measurement",
        False,
        "Measuring integration locally and evaluating what works, so others can learn from it.",
    ),
]

TARGET_GROUPS = [
    ("whole-community", "Whole community"),
    ("children-and-young-people", "Children and young people"),
    ("families-and-parents", "Families and parents"),
    ("older-people", "Older people"),
    ("women", "Women"),
    ("new-arrivals-and-migrants", "New arrivals and migrants"),
    ("refugees-and-asylum-seekers", "Refugees and asylum seekers"),
    ("insecure-immigration-status", "People with insecure immigration status"),
    ("faith-communities", "Faith communities"),
    ("ethnic-minority-communities", "Ethnic minority communities"),
    ("disabled-people", "Disabled people"),
    ("lgbtq-people", "LGBTQ+ people"),
    ("low-income-or-out-of-work", "People on low incomes or out of work"),
]


def load_taxonomies(apps, schema_editor):
    Theme = apps.get_model("projects", "Theme")
    TargetGroup = apps.get_model("projects", "TargetGroup")
    for position, (slug, name, is_core, description) in enumerate(THEMES, start=1):
        Theme.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "is_core": is_core,
                "description": description,
                "position": position,
            },
        )
    for position, (slug, name) in enumerate(TARGET_GROUPS, start=1):
        TargetGroup.objects.update_or_create(
            slug=slug, defaults={"name": name, "position": position}
        )


def unload_taxonomies(apps, schema_editor):
    apps.get_model("projects", "Theme").objects.filter(slug__in=[t[0] for t in THEMES]).delete()
    apps.get_model("projects", "TargetGroup").objects.filter(
        slug__in=[g[0] for g in TARGET_GROUPS]
    ).delete()


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("projects", "0001_initial"),
        ("projects", "0002_load_themes_and_target_groups"),
        ("projects", "0003_project_search_vector_trigger"),
        ("projects", "0004_workflow_and_history"),
        ("projects", "0005_list_indexes"),
        ("projects", "0006_tidy_delivery_partners"),
        ("projects", "0007_project_facet_keys"),
        ("projects", "0008_facet_key_counts"),
        ("projects", "0009_published_search_index"),
        ("projects", "0010_facet_index_version"),
        ("projects", "0011_published_search_vector"),
        ("projects", "0012_active_dates_in_start_index"),
    ]

    dependencies = [
        ("boroughs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FacetIndexVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=36)),
            ],
        ),
        migrations.CreateModel(
            name="FacetKeyCount",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "within",
                        "key",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("within", models.CharField(blank=True, max_length=100)),
                ("key", models.CharField(max_length=100)),
                ("projects", models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="Project",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "version",
                    models.PositiveIntegerField(
                        default=1,
                        editable=False,
                        help_text="Counts saves, so that concurrent edits are caught.",
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                (
                    "slug",
                    models.SlugField(
                        blank=True,
                        help_text="Made once from the title when left blank; links to the project use it.",
                        max_length=220,
                        unique=True,
                    ),
                ),
                ("summary", models.CharField(help_text="One or two sentences.", max_length=600)),
                ("description", models.TextField(blank=True)),
                (
                    "delivery_partners",
                    models.TextField(
                        blank=True,
                        help_text="The organisations that deliver it with the council, one per line.",
                    ),
                ),
                (
                    "delivery_status",
                    models.CharField(
                        choices=[
                            ("planned", "Planned"),
                            ("active", "Active"),
                            ("completed", "Completed"),
                            ("paused", "Paused"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="planned",
                        max_length=10,
                    ),
                ),
                ("start_date", models.DateField()),
                (
                    "end_date",
                    models.DateField(blank=True, help_text="Leave blank while ongoing.", null=True),
                ),
                ("people_reached", models.PositiveIntegerField(blank=True, null=True)),
                ("outcomes", models.TextField(blank=True)),
                (
                    "evaluation_url",
                    models.URLField(blank=True, verbose_name="link to an evaluation"),
                ),
                (
                    "contact_name",
                    models.CharField(blank=True, max_length=200, verbose_name="public contact"),
                ),
                (
                    "contact_email",
                    models.EmailField(
                        blank=True, max_length=254, verbose_name="public contact email"
                    ),
                ),
                (
                    "publication_state",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("submitted", "Submitted for review"),
                            ("published", "Published"),
                            ("archived", "Archived"),
                        ],
                        default="draft",
                        max_length=10,
                    ),
                ),
                ("published_at", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "funding_total",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        editable=False,
                        help_text="The sum of its funding lines, kept up to date when they change.",
                        max_digits=14,
                        verbose_name="funding (£)",
                    ),
                ),
                (
                    "search_vector",
                    django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
                ),
                (
                    "facet_keys",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.TextField(),
                        default=list,
                        editable=False,
                        help_text="The list's facet options it matches, kept up to date when its links change.",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "commission",
                    models.ForeignKey(
                        blank=True,
                        help_text="The commission this project follows from, if any.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="projects",
                        to="boroughs.commission",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "lead_borough",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="led_projects",
                        to="boroughs.borough",
                    ),
                ),
                (
                    "partner_boroughs",
                    models.ManyToManyField(
                        blank=True, related_name="partner_projects", to="boroughs.borough"
                    ),
                ),
                (
                    "recommendations",
                    models.ManyToManyField(
                        blank=True, related_name="projects", to="boroughs.recommendation"
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["title", "pk"],
            },
        ),
        migrations.CreateModel(
            name="TargetGroup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True)),
                ("slug", models.SlugField(max_length=100, unique=True)),
                ("description", models.TextField(blank=True)),
                ("position", models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                "ordering": ["position", "name"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="Theme",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True)),
                ("slug", models.SlugField(max_length=100, unique=True)),
                ("description", models.TextField(blank=True)),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "is_core",
                    models.BooleanField(
                        default=False,
                        help_text="The publication's five themes: cohesion, equalities, resilience, safeguarding and isolation.",
                        verbose_name="named in the London Councils publication",
                    ),
                ),
            ],
            options={
                "ordering": ["position", "name"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="Funder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, unique=True)),
                ("slug", models.SlugField(max_length=200, unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("central-government", "Central government"),
                            ("gla", "Greater London Authority"),
                            ("london-borough", "London borough"),
                            ("lottery", "National Lottery and other distributors"),
                            ("trust", "Charitable trust or foundation"),
                            ("private", "Private sector"),
                            ("other", "Other"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "org_id",
                    models.CharField(
                        blank=True,
                        help_text="As used by the 360Giving data standard, e.g. GB-CHC-1234567.",
                        max_length=100,
                        verbose_name="organisation identifier",
                    ),
                ),
                ("website", models.URLField(blank=True)),
            ],
            options={
                "ordering": ["name"],
                "indexes": [
                    models.Index(fields=["kind", "name"], name="projects_fu_kind_1bc3a3_idx")
                ],
            },
        ),
        migrations.CreateModel(
            name="FundingSettlement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "version",
                    models.PositiveIntegerField(
                        default=1,
                        editable=False,
                        help_text="Counts saves, so that concurrent edits are caught.",
                    ),
                ),
                ("programme", models.CharField(max_length=200, verbose_name="programme name")),
                (
                    "total_amount",
                    models.DecimalField(
                        decimal_places=2, max_digits=14, verbose_name="total amount (£)"
                    ),
                ),
                (
                    "first_year",
                    models.PositiveSmallIntegerField(
                        help_text="The year the financial year starts in: 2024 for 2024-25.",
                        validators=[
                            django.core.validators.MinValueValidator(1990),
                            django.core.validators.MaxValueValidator(2100),
                        ],
                        verbose_name="first financial year",
                    ),
                ),
                (
                    "last_year",
                    models.PositiveSmallIntegerField(
                        help_text="The same as the first year for a single-year settlement.",
                        validators=[
                            django.core.validators.MinValueValidator(1990),
                            django.core.validators.MaxValueValidator(2100),
                        ],
                        verbose_name="last financial year",
                    ),
                ),
                (
                    "restrictions",
                    models.CharField(
                        choices=[
                            ("unrestricted", "Unrestricted"),
                            ("light-touch", "Light-touch reporting"),
                            ("ring-fenced", "Ring-fenced"),
                            ("heavily-restricted", "Heavily restricted"),
                        ],
                        max_length=20,
                        verbose_name="restrictions level",
                    ),
                ),
                (
                    "conditions",
                    models.TextField(
                        blank=True,
                        help_text="What the funder requires: reporting, ring-fences.",
                        verbose_name="conditions",
                    ),
                ),
                ("awarded_on", models.DateField(verbose_name="date awarded")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "funder",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="settlements",
                        to="projects.funder",
                    ),
                ),
                (
                    "recipient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="settlements",
                        to="boroughs.borough",
                        verbose_name="recipient",
                    ),
                ),
            ],
            options={
                "ordering": ["-first_year", "funder__name", "pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalFundingSettlement",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "version",
                    models.PositiveIntegerField(
                        default=1,
                        editable=False,
                        help_text="Counts saves, so that concurrent edits are caught.",
                    ),
                ),
                ("programme", models.CharField(max_length=200, verbose_name="programme name")),
                (
                    "total_amount",
                    models.DecimalField(
                        decimal_places=2, max_digits=14, verbose_name="total amount (£)"
                    ),
                ),
                (
                    "first_year",
                    models.PositiveSmallIntegerField(
                        help_text="The year the financial year starts in: 2024 for 2024-25.",
                        validators=[
                            django.core.validators.MinValueValidator(1990),
                            django.core.validators.MaxValueValidator(2100),
                        ],
                        verbose_name="first financial year",
                    ),
                ),
                (
                    "last_year",
                    models.PositiveSmallIntegerField(
                        help_text="The same as the first year for a single-year settlement.",
                        validators=[
                            django.core.validators.MinValueValidator(1990),
                            django.core.validators.MaxValueValidator(2100),
                        ],
                        verbose_name="last financial year",
                    ),
                ),
                (
                    "restrictions",
                    models.CharField(
                        choices=[
                            ("unrestricted", "Unrestricted"),
                            ("light-touch", "Light-touch reporting"),
                            ("ring-fenced", "Ring-fenced"),
                            ("heavily-restricted", "Heavily restricted"),
                        ],
                        max_length=20,
                        verbose_name="restrictions level",
                    ),
                ),
                (
                    "conditions",
                    models.TextField(
                        blank=True,
                        help_text="What the funder requires: reporting, ring-fences.",
                        verbose_name="conditions",
                    ),
                ),
                ("awarded_on", models.DateField(verbose_name="date awarded")),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "funder",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.funder",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "recipient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="boroughs.borough",
                        verbose_name="recipient",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical funding settlement",
                "verbose_name_plural": "historical funding settlements",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalProject",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "version",
                    models.PositiveIntegerField(
                        default=1,
                        editable=False,
                        help_text="Counts saves, so that concurrent edits are caught.",
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                (
                    "slug",
                    models.SlugField(
                        blank=True,
                        help_text="Made once from the title when left blank; links to the project use it.",
                        max_length=220,
                    ),
                ),
                ("summary", models.CharField(help_text="One or two sentences.", max_length=600)),
                ("description", models.TextField(blank=True)),
                (
                    "delivery_partners",
                    models.TextField(
                        blank=True,
                        help_text="The organisations that deliver it with the council, one per line.",
                    ),
                ),
                (
                    "delivery_status",
                    models.CharField(
                        choices=[
                            ("planned", "Planned"),
                            ("active", "Active"),
                            ("completed", "Completed"),
                            ("paused", "Paused"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="planned",
                        max_length=10,
                    ),
                ),
                ("start_date", models.DateField()),
                (
                    "end_date",
                    models.DateField(blank=True, help_text="Leave blank while ongoing.", null=True),
                ),
                ("people_reached", models.PositiveIntegerField(blank=True, null=True)),
                ("outcomes", models.TextField(blank=True)),
                (
                    "evaluation_url",
                    models.URLField(blank=True, verbose_name="link to an evaluation"),
                ),
                (
                    "contact_name",
                    models.CharField(blank=True, max_length=200, verbose_name="public contact"),
                ),
                (
                    "contact_email",
                    models.EmailField(
                        blank=True, max_length=254, verbose_name="public contact email"
                    ),
                ),
                (
                    "publication_state",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("submitted", "Submitted for review"),
                            ("published", "Published"),
                            ("archived", "Archived"),
                        ],
                        default="draft",
                        max_length=10,
                    ),
                ),
                ("published_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "commission",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="The commission this project follows from, if any.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="boroughs.commission",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "lead_borough",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="boroughs.borough",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical project",
                "verbose_name_plural": "historical projects",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalYearlyAllocation",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "financial_year",
                    models.PositiveSmallIntegerField(
                        help_text="The year the financial year starts in: 2024 for 2024-25.",
                        validators=[
                            django.core.validators.MinValueValidator(1990),
                            django.core.validators.MaxValueValidator(2100),
                        ],
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=14, verbose_name="amount (£)"),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "settlement",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.fundingsettlement",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical yearly allocation",
                "verbose_name_plural": "historical yearly allocations",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalProjectFunding",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=14, verbose_name="amount (£)"),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "settlement",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.fundingsettlement",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical project funding",
                "verbose_name_plural": "historical project fundings",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalProject_recommendations",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="projects.historicalproject",
                    ),
                ),
                (
                    "recommendation",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="boroughs.recommendation",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalProject_recommendations",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalProject_partner_boroughs",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "borough",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="boroughs.borough",
                    ),
                ),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="projects.historicalproject",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalProject_partner_boroughs",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="ProjectFunding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=14, verbose_name="amount (£)"),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="fundings",
                        to="projects.project",
                    ),
                ),
                (
                    "settlement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="project_fundings",
                        to="projects.fundingsettlement",
                    ),
                ),
            ],
            options={
                "ordering": ["settlement", "project"],
            },
        ),
        migrations.AddField(
            model_name="fundingsettlement",
            name="projects",
            field=models.ManyToManyField(
                blank=True,
                related_name="settlements",
                through="projects.ProjectFunding",
                to="projects.project",
            ),
        ),
        migrations.CreateModel(
            name="ProjectTransition",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("submit", "Submitted for review"),
                            ("publish", "Published"),
                            ("return", "Returned to draft"),
                            ("archive", "Archived"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "from_state",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("submitted", "Submitted for review"),
                            ("published", "Published"),
                            ("archived", "Archived"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "to_state",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("submitted", "Submitted for review"),
                            ("published", "Published"),
                            ("archived", "Archived"),
                        ],
                        max_length=10,
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("comment", models.TextField(blank=True)),
                (
                    "by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="transitions",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-pk"],
            },
        ),
        migrations.AddField(
            model_name="project",
            name="target_groups",
            field=models.ManyToManyField(
                blank=True, related_name="projects", to="projects.targetgroup"
            ),
        ),
        migrations.CreateModel(
            name="HistoricalProject_target_groups",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="projects.historicalproject",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
                (
                    "targetgroup",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.targetgroup",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalProject_target_groups",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name="project",
            name="themes",
            field=models.ManyToManyField(related_name="projects", to="projects.theme"),
        ),
        migrations.CreateModel(
            name="HistoricalProject_themes",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="projects.historicalproject",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
                (
                    "theme",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="projects.theme",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalProject_themes",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="YearlyAllocation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "financial_year",
                    models.PositiveSmallIntegerField(
                        help_text="The year the financial year starts in: 2024 for 2024-25.",
                        validators=[
                            django.core.validators.MinValueValidator(1990),
                            django.core.validators.MaxValueValidator(2100),
                        ],
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=14, verbose_name="amount (£)"),
                ),
                (
                    "settlement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="allocations",
                        to="projects.fundingsettlement",
                    ),
                ),
            ],
            options={
                "ordering": ["settlement", "financial_year"],
            },
        ),
        migrations.CreateModel(
            name="PublishedSearchVector",
            fields=[
                (
                    "project",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="projects.project",
                    ),
                ),
                ("search_vector", django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["search_vector"], name="published_search_vector"
                    )
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="projectfunding",
            constraint=models.UniqueConstraint(
                fields=("settlement", "project"),
                name="funding_one_line_per_settlement_and_project",
                violation_error_message="This project already has money from this settlement.",
            ),
        ),
        migrations.AddConstraint(
            model_name="projectfunding",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gte", 0)),
                name="funding_amount_not_negative",
                violation_error_message="An amount allocated to a project cannot be negative.",
            ),
        ),
        migrations.AddIndex(
            model_name="fundingsettlement",
            index=models.Index(
                fields=["recipient", "first_year"], name="projects_fu_recipie_471ade_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="fundingsettlement",
            index=models.Index(fields=["restrictions"], name="projects_fu_restric_872a10_idx"),
        ),
        migrations.AddConstraint(
            model_name="fundingsettlement",
            constraint=models.CheckConstraint(
                condition=models.Q(("total_amount__gte", 0)),
                name="settlement_total_not_negative",
                violation_error_message="The total amount cannot be negative.",
            ),
        ),
        migrations.AddConstraint(
            model_name="fundingsettlement",
            constraint=models.CheckConstraint(
                condition=models.Q(("last_year__gte", models.F("first_year"))),
                name="settlement_last_year_not_before_first",
                violation_error_message="The last financial year cannot be before the first.",
            ),
        ),
        migrations.AddConstraint(
            model_name="fundingsettlement",
            constraint=models.CheckConstraint(
                condition=models.Q(("first_year__gte", 1990), ("last_year__lte", 2100)),
                name="settlement_years_plausible",
                violation_error_message="Financial years run from 1990 to 2100.",
            ),
        ),
        migrations.AddIndex(
            model_name="projecttransition",
            index=models.Index(fields=["project", "-at"], name="projects_pr_project_5df3a6_idx"),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                models.OrderBy(models.F("published_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("publication_state", "published")),
                name="project_published_newest",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                models.OrderBy(models.F("start_date"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("publication_state", "published")),
                include=("end_date",),
                name="project_published_start",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                models.OrderBy(models.F("funding_total"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("publication_state", "published")),
                name="project_published_funding",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("publication_state", "published")),
                fields=["title", "id"],
                name="project_published_title",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("publication_state", "published")),
                fields=["lead_borough", "id"],
                name="project_published_lead",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("publication_state", "published")),
                fields=["delivery_status", "id"],
                name="project_published_status",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                fields=["lead_borough", "publication_state", "-updated_at"],
                name="projects_pr_lead_bo_b7c441_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("publication_state", "published")),
                fields=["facet_keys"],
                name="project_published_facet_keys",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("publication_state", "published")),
                fields=["search_vector"],
                name="project_published_search",
            ),
        ),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("end_date__isnull", True),
                    ("end_date__gte", models.F("start_date")),
                    _connector="OR",
                ),
                name="project_ends_on_or_after_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
        ),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.CheckConstraint(
                condition=models.Q(("funding_total__gte", 0)),
                name="project_funding_total_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("publication_state", "published"), _negated=True),
                    ("published_at__isnull", False),
                    _connector="OR",
                ),
                name="project_published_has_date",
                violation_error_message="A published project needs its date of publication.",
            ),
        ),
        migrations.AddConstraint(
            model_name="yearlyallocation",
            constraint=models.UniqueConstraint(
                fields=("settlement", "financial_year"),
                name="allocation_one_per_settlement_and_year",
                violation_error_message="This settlement already has an allocation for this year.",
            ),
        ),
        migrations.AddConstraint(
            model_name="yearlyallocation",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gte", 0)),
                name="allocation_amount_not_negative",
                violation_error_message="An allocation cannot be negative.",
            ),
        ),
        *(link_index(table, column) for table, column in LINK_INDEXES),
        migrations.RunSQL(SEARCH_VECTOR, SEARCH_VECTOR_DROP),
        migrations.RunSQL(FACET_COUNTS, FACET_COUNTS_DROP),
        migrations.RunSQL([FACET_INDEX_VERSION, FIRST_TOKEN], FACET_INDEX_VERSION_DROP),
        migrations.RunSQL(SEARCH_COPY, SEARCH_COPY_DROP),
        migrations.RunPython(load_taxonomies, unload_taxonomies),
    ]
