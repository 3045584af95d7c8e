"""A token that every write changing what the list's facet index holds of published projects
(their facet keys, and the columns the list sorts by) sets anew, in the writer's transaction.

The facet index (projects/facet_index.py) is built from those columns and held in memory; it
is valid for as long as this token is unchanged. Triggers see every write, however it is made
(a save, a bulk update, a cascade, COPY, TRUNCATE); saving a draft, or a published project's
summary, leaves the token as it is. The one row is made here, and again by the next such write
if the table has been emptied.
"""

from django.db import migrations, models

TABLE = "projects_facetindexversion"
PUBLISHED = "'published'"
# What the index holds of a project: its keys, whether it is published, and its sort columns.
INDEXED = [
    "facet_keys",
    "publication_state",
    "published_at",
    "start_date",
    "funding_total",
    "title",
]


def columns(row):
    return ", ".join(f"{row}.{column}" for column in INDEXED)


POSTGRESQL_NEW_TOKEN = f"""
    INSERT INTO {TABLE} (id, token) VALUES (1, gen_random_uuid()::text)
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
"""

# For each statement: whether it changed what the index holds of a project published before
# or after it.
POSTGRESQL_CHANGES = {
    "INSERT": f"EXISTS (SELECT FROM new_rows WHERE publication_state = {PUBLISHED})",
    "UPDATE": (
        "EXISTS (SELECT FROM old_rows JOIN new_rows USING (id) "
        f"WHERE ({columns('old_rows')}) IS DISTINCT FROM ({columns('new_rows')}) "
        f"AND {PUBLISHED} IN (old_rows.publication_state, new_rows.publication_state))"
    ),
    "DELETE": f"EXISTS (SELECT FROM old_rows WHERE publication_state = {PUBLISHED})",
    "TRUNCATE": "TRUE",
}
TRANSITION_TABLES = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
    "TRUNCATE": "",
}

POSTGRESQL = "\n".join(
    [
        f"""
CREATE FUNCTION projects_project_facet_index_{event.lower()}() RETURNS trigger AS $$
BEGIN
    IF {changes} THEN {POSTGRESQL_NEW_TOKEN} END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER projects_project_facet_index_{event.lower()}
    AFTER {event} ON projects_project {TRANSITION_TABLES[event]}
    FOR EACH STATEMENT EXECUTE FUNCTION projects_project_facet_index_{event.lower()}();
"""
        for event, changes in POSTGRESQL_CHANGES.items()
    ]
    + [f"INSERT INTO {TABLE} (id, token) VALUES (1, gen_random_uuid()::text);"]
)

POSTGRESQL_DROP = "\n".join(
    f"DROP TRIGGER IF EXISTS projects_project_facet_index_{event} ON projects_project;\n"
    f"DROP FUNCTION IF EXISTS projects_project_facet_index_{event}();"
    for event in ("insert", "update", "delete", "truncate")
)

SQLITE_NEW_TOKEN = f"""
    UPDATE {TABLE} SET token = lower(hex(randomblob(16))) WHERE id = 1;
    INSERT INTO {TABLE} (id, token) SELECT 1, lower(hex(randomblob(16)))
    WHERE NOT EXISTS (SELECT 1 FROM {TABLE} WHERE id = 1);
"""

SQLITE_CHANGES = {
    "INSERT": f"NEW.publication_state = {PUBLISHED}",
    f"UPDATE OF {', '.join(INDEXED)}": (
        "("
        + " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in INDEXED)
        + f") AND {PUBLISHED} IN (OLD.publication_state, NEW.publication_state)"
    ),
    "DELETE": f"OLD.publication_state = {PUBLISHED}",
}

# Plain statements, without a conflict clause: an outer INSERT OR IGNORE would override it.
SQLITE = [
    f"INSERT INTO {TABLE} (id, token) VALUES (1, lower(hex(randomblob(16))))",
    *[
        f"""CREATE TRIGGER projects_project_facet_index_{event.split()[0].lower()}
        AFTER {event} ON projects_project WHEN {changes}
        BEGIN {SQLITE_NEW_TOKEN} END"""
        for event, changes in SQLITE_CHANGES.items()
    ],
]

SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS projects_project_facet_index_{event}"
    for event in ("insert", "update", "delete")
]


def run(postgresql, sqlite):
    def operation(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for statement in [postgresql] if vendor == "postgresql" else sqlite:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("projects", "0009_published_search_index")]

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
        migrations.RunPython(run(POSTGRESQL, SQLITE), run(POSTGRESQL_DROP, SQLITE_DROP)),
    ]
