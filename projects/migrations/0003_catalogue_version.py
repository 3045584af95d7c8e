"""The catalogue's version, moved on by the database as each transaction that changed what the
public sees commits (projects/models/catalogue.py).

Statement triggers on every table a public page shows add a CatalogueChange: on projects, for
rows published before or after the statement; on projects' links and funding lines, for
published projects; on the public records (settlements and their allocations, funders,
themes, target groups, authorities, commissions, recommendations), always; on TRUNCATE, for
everything. A deferred constraint trigger on the changes moves the version as the
transaction commits: the version row is the last thing such a transaction locks, so two
writers never wait on each other in a circle, and versions follow the order of commits.
"""

import django.contrib.postgres.fields
import django.db.models.functions.datetime
from django.db import migrations, models


TXID = "pg_current_xact_id()::text::bigint"


def logged(ids_query):
    """A statement logging the projects `ids_query` gives (an array), if it gives any."""
    return (
        "INSERT INTO projects_cataloguechange (xid, project_ids, everything) "
        f"SELECT {TXID}, ids, false FROM ({ids_query}) AS changed (ids) "
        "WHERE cardinality(ids) > 0;"
    )


PUBLISHED = "publication_state = 'published'"
PROJECT_CHANGES = {
    "INSERT": logged(f"SELECT coalesce(array_agg(id), '{{}}') FROM new_rows WHERE {PUBLISHED}"),
    "UPDATE": logged(
        "SELECT coalesce(array_agg(new_rows.id), '{}') FROM old_rows JOIN new_rows USING (id) "
        "WHERE 'published' IN (old_rows.publication_state, new_rows.publication_state) "
        "AND old_rows IS DISTINCT FROM new_rows"
    ),
    "DELETE": logged(f"SELECT coalesce(array_agg(id), '{{}}') FROM old_rows WHERE {PUBLISHED}"),
}


def of_published(rows):
    return (
        f"SELECT coalesce(array_agg(DISTINCT linked.project_id), '{{}}') FROM {rows} AS linked "
        f"JOIN projects_project AS project ON project.id = linked.project_id "
        f"WHERE project.{PUBLISHED}"
    )


LINK_CHANGES = {
    "INSERT": logged(of_published("new_rows")),
    "UPDATE": logged(of_published("(SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows)")),
    "DELETE": logged(of_published("old_rows")),
}
EVERYTHING = f"INSERT INTO projects_cataloguechange (xid, project_ids, everything) VALUES ({TXID}, '{{}}', true);"
ANYTHING = f"INSERT INTO projects_cataloguechange (xid, project_ids, everything) VALUES ({TXID}, '{{}}', false);"
TRANSITION_TABLES = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}
PROJECT_LINKS = [
    "projects_project_themes",
    "projects_project_target_groups",
    "projects_project_partner_boroughs",
    "projects_project_recommendations",
    "projects_projectfunding",
]
PUBLIC_RECORDS = [
    "projects_fundingsettlement",
    "projects_yearlyallocation",
    "projects_funder",
    "projects_theme",
    "projects_targetgroup",
    "boroughs_borough",
    "boroughs_commission",
    "boroughs_commission_partner_boroughs",
    "boroughs_recommendation",
    "boroughs_recommendation_themes",
]


def function(name, body):
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {body} RETURN NULL; END $$ "
        "LANGUAGE plpgsql;"
    )


def watched(table, changes):
    """The functions and statement triggers that log `table`'s changes: `changes` per event,
    and everything on TRUNCATE."""
    create, drop = [], []
    for event, body in [*changes.items(), ("TRUNCATE", EVERYTHING)]:
        name = f"{table}_catalogue_{event.lower()}"
        create += [
            function(name, body),
            f"CREATE TRIGGER {name} AFTER {event} ON {table} {TRANSITION_TABLES.get(event, '')} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}();",
        ]
        drop += [f"DROP TRIGGER IF EXISTS {name} ON {table};", f"DROP FUNCTION IF EXISTS {name}();"]
    return "\n".join(create), "\n".join(drop)


def public_record(table):
    """Any statement on a public record changes what the public sees."""
    name = f"{table}_catalogue_change"
    return (
        function(name, ANYTHING)
        + f"\nCREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}();",
        f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();",
    )


VERSION = """
CREATE SEQUENCE projects_catalogue_version_seq START 2;
INSERT INTO projects_catalogueversion (id, version) VALUES (1, 1);
CREATE FUNCTION projects_catalogue_version_move() RETURNS trigger AS $$
BEGIN
    -- The row is made again if the table has been emptied (a test's flush, say).
    INSERT INTO projects_catalogueversion (id, version)
    VALUES (1, nextval('projects_catalogue_version_seq'))
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    -- Now and then, forget changes older than any index still bringing itself up to date.
    IF NEW.id % 64 = 0 THEN
        DELETE FROM projects_cataloguechange WHERE at < now() - interval '1 hour';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER projects_catalogue_version_move
    AFTER INSERT ON projects_cataloguechange DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION projects_catalogue_version_move();
"""
VERSION_DROP = """
DROP TRIGGER IF EXISTS projects_catalogue_version_move ON projects_cataloguechange;
DROP FUNCTION IF EXISTS projects_catalogue_version_move();
DROP SEQUENCE IF EXISTS projects_catalogue_version_seq;
"""
TRIGGERS = [
    watched("projects_project", PROJECT_CHANGES),
    *(watched(table, LINK_CHANGES) for table in PROJECT_LINKS),
    *(public_record(table) for table in PUBLIC_RECORDS),
]


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_search_vector_generated"),
        ("boroughs", "0004_memberships_and_history"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogueVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.BigIntegerField(default=1)),
            ],
        ),
        migrations.CreateModel(
            name="CatalogueChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("xid", models.BigIntegerField()),
                (
                    "project_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), blank=True, default=list
                    ),
                ),
                ("everything", models.BooleanField(default=False)),
                ("at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
            ],
            options={
                "indexes": [
                    models.Index(fields=["xid"], name="projects_ca_xid_28015d_idx"),
                    models.Index(fields=["at"], name="projects_ca_at_201d9f_idx"),
                ],
            },
        ),
        migrations.RunSQL(VERSION, VERSION_DROP),
        *(migrations.RunSQL(create, drop) for create, drop in TRIGGERS),
    ]
