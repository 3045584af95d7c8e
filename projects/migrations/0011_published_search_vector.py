"""On PostgreSQL, keep each published project's search vector in a table of its own as well.

A search matching most projects reads every published project's vector: to rank them, or to
find the few it leaves out. The projects table is 1.5 KB a row, of which the vector is a
third; this table holds the vectors alone, and a pass over it takes half the time.

Statement triggers copy what each write changes (a save, a bulk update, COPY, TRUNCATE): the
vectors of projects published after it, and no row for the others. A write that changes
neither a project's vector nor its publication copies nothing.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

TABLE = "projects_publishedsearchvector"

CHANGED = (
    "SELECT new_rows.* FROM old_rows JOIN new_rows USING (id) "
    "WHERE (old_rows.search_vector, old_rows.publication_state) "
    "IS DISTINCT FROM (new_rows.search_vector, new_rows.publication_state)"
)


def copied(rows):
    return f"""
        INSERT INTO {TABLE} (project_id, search_vector)
        SELECT id, search_vector FROM ({rows}) AS copied WHERE publication_state = 'published'
        ON CONFLICT (project_id) DO UPDATE SET search_vector = EXCLUDED.search_vector;
    """


def removed(rows):
    return f"""
        DELETE FROM {TABLE} WHERE project_id IN
        (SELECT id FROM ({rows}) AS removed WHERE publication_state <> 'published');
    """


STATEMENTS = {
    "INSERT": copied("SELECT * FROM new_rows"),
    "UPDATE": removed(CHANGED) + copied(CHANGED),
    "DELETE": f"DELETE FROM {TABLE} WHERE project_id IN (SELECT id FROM old_rows);",
    # Not TRUNCATE: the statement that fired this may be emptying this table too.
    "TRUNCATE": f"DELETE FROM {TABLE};",
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
CREATE FUNCTION projects_project_search_copy_{event.lower()}() RETURNS trigger AS $$
BEGIN
    {statements}
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER projects_project_search_copy_{event.lower()}
    AFTER {event} ON projects_project {TRANSITION_TABLES[event]}
    FOR EACH STATEMENT EXECUTE FUNCTION projects_project_search_copy_{event.lower()}();
"""
        for event, statements in STATEMENTS.items()
    ]
    + [
        f"INSERT INTO {TABLE} (project_id, search_vector) SELECT id, search_vector "
        "FROM projects_project WHERE publication_state = 'published';",
        f"CREATE INDEX published_search_vector ON {TABLE} USING gin (search_vector);",
    ]
)

POSTGRESQL_DROP = "\n".join(
    f"DROP TRIGGER IF EXISTS projects_project_search_copy_{event} ON projects_project;\n"
    f"DROP FUNCTION IF EXISTS projects_project_search_copy_{event}();"
    for event in ("insert", "update", "delete", "truncate")
)


def on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("projects", "0010_facet_index_version")]

    operations = [
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
        ),
        migrations.RunPython(on_postgresql(POSTGRESQL), on_postgresql(POSTGRESQL_DROP)),
    ]
