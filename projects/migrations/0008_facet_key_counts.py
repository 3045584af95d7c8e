"""Count the published projects holding each facet key, kept in step by triggers.

Triggers see every change to a project's row, however it is made (a save, a bulk update, a
cascade, COPY), so the counts never drift from the projects. On PostgreSQL one trigger per
statement adds up what the statement changed, key by key, and updates each count once, in key
order, so that concurrent changes never lock the same counts in opposite orders. SQLite has
only row triggers.
"""

from django.db import migrations, models


def upsert(changes):
    """Add to each key's count its sum of `changes`, a query of (key, change) rows."""
    return f"""
        INSERT INTO projects_facetkeycount (key, projects)
        SELECT key, sum(change) FROM ({changes}) AS changes
        GROUP BY key HAVING sum(change) <> 0 ORDER BY key
        ON CONFLICT (key) DO UPDATE SET projects = projects_facetkeycount.projects + EXCLUDED.projects;
    """


def published_keys(rows, change):
    return (
        f"SELECT key, {change} AS change FROM {rows}, unnest({rows}.facet_keys) AS key "
        f"WHERE {rows}.publication_state = 'published'"
    )


ADDED = published_keys("new_rows", 1)
REMOVED = published_keys("old_rows", -1)

POSTGRESQL = f"""
CREATE FUNCTION projects_project_count_facet_keys() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {upsert(ADDED)}
    ELSIF TG_OP = 'UPDATE' THEN
        {upsert(f"{ADDED} UNION ALL {REMOVED}")}
    ELSE
        {upsert(REMOVED)}
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER projects_project_count_facet_keys_insert
    AFTER INSERT ON projects_project REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects_project_count_facet_keys();
CREATE TRIGGER projects_project_count_facet_keys_update
    AFTER UPDATE ON projects_project REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects_project_count_facet_keys();
CREATE TRIGGER projects_project_count_facet_keys_delete
    AFTER DELETE ON projects_project REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION projects_project_count_facet_keys();

INSERT INTO projects_facetkeycount (key, projects)
SELECT key, count(*) FROM projects_project, unnest(facet_keys) AS key
WHERE publication_state = 'published' GROUP BY key;
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS projects_project_count_facet_keys_insert ON projects_project;
DROP TRIGGER IF EXISTS projects_project_count_facet_keys_update ON projects_project;
DROP TRIGGER IF EXISTS projects_project_count_facet_keys_delete ON projects_project;
DROP FUNCTION IF EXISTS projects_project_count_facet_keys();
"""

SQLITE_ADD = """
    INSERT INTO projects_facetkeycount (key, projects)
    SELECT value, 1 FROM json_each(NEW.facet_keys) WHERE NEW.publication_state = 'published'
    ON CONFLICT (key) DO UPDATE SET projects = projects + 1;
"""
SQLITE_REMOVE = """
    UPDATE projects_facetkeycount SET projects = projects - 1
    WHERE OLD.publication_state = 'published'
    AND key IN (SELECT value FROM json_each(OLD.facet_keys));
"""

SQLITE = [
    f"""CREATE TRIGGER projects_project_count_facet_keys_insert
    AFTER INSERT ON projects_project BEGIN {SQLITE_ADD} END""",
    f"""CREATE TRIGGER projects_project_count_facet_keys_update
    AFTER UPDATE OF facet_keys, publication_state ON projects_project
    WHEN OLD.facet_keys IS NOT NEW.facet_keys OR OLD.publication_state IS NOT NEW.publication_state
    BEGIN {SQLITE_REMOVE} {SQLITE_ADD} END""",
    f"""CREATE TRIGGER projects_project_count_facet_keys_delete
    AFTER DELETE ON projects_project BEGIN {SQLITE_REMOVE} END""",
    """INSERT INTO projects_facetkeycount (key, projects)
    SELECT keys.value, count(*) FROM projects_project, json_each(facet_keys) AS keys
    WHERE publication_state = 'published' GROUP BY keys.value""",
]

SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS projects_project_count_facet_keys_{event}"
    for event in ("insert", "update", "delete")
]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    else:
        for statement in SQLITE:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)
    else:
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("projects", "0007_project_facet_keys")]

    operations = [
        migrations.CreateModel(
            name="FacetKeyCount",
            fields=[
                ("key", models.CharField(max_length=100, primary_key=True, serialize=False)),
                ("projects", models.IntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
