"""Count the published projects holding each facet key, of them all and of those holding each
other key, kept in step by triggers.

Triggers see every change to a project's row, however it is made (a save, a bulk update, a
cascade, COPY), so the counts never drift from the projects. On PostgreSQL one trigger per
statement adds up what the statement changed, key by key, and updates each count once. SQLite
has only row triggers, and one writer at a time.
"""

from django.db import migrations, models


def upsert(changes):
    """Add to each count its sum of `changes`, a query of (within, key, change) rows.

    A transaction that changes counts first takes one lock for them until it ends: it may change
    keys in several statements (a save, its links, its funding), and counts locked statement by
    statement, even in key order, could still deadlock against another such transaction."""
    return f"""
        PERFORM pg_advisory_xact_lock('projects_facetkeycount'::regclass::oid::bigint)
        WHERE EXISTS ({changes});
        INSERT INTO projects_facetkeycount (within, key, projects)
        SELECT within, key, sum(change) FROM ({changes}) AS changes
        GROUP BY within, key HAVING sum(change) <> 0 ORDER BY within, key
        ON CONFLICT (within, key)
        DO UPDATE SET projects = projects_facetkeycount.projects + EXCLUDED.projects;
    """


def published_keys(rows, change):
    """Each published row's keys, within '' (all projects) and within each of its keys."""
    return (
        f"SELECT within, key, {change} AS change FROM {rows} AS counted, "
        "unnest(array_prepend('', counted.facet_keys)) AS within, "
        "unnest(counted.facet_keys) AS key WHERE counted.publication_state = 'published'"
    )


def changed(rows):
    """`rows` (old_rows or new_rows) of the projects whose keys or publication changed: most
    saves change neither, and then count nothing."""
    return (
        f"(SELECT {rows}.* FROM old_rows JOIN new_rows USING (id) "
        "WHERE (old_rows.facet_keys, old_rows.publication_state) "
        "IS DISTINCT FROM (new_rows.facet_keys, new_rows.publication_state))"
    )


ADDED = published_keys("new_rows", 1)
REMOVED = published_keys("old_rows", -1)
UPDATED = (
    f"{published_keys(changed('new_rows'), 1)} UNION ALL {published_keys(changed('old_rows'), -1)}"
)

POSTGRESQL = f"""
CREATE FUNCTION projects_project_count_facet_keys() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {upsert(ADDED)}
    ELSIF TG_OP = 'UPDATE' THEN
        {upsert(UPDATED)}
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

INSERT INTO projects_facetkeycount (within, key, projects)
SELECT within, key, count(*)
FROM projects_project, unnest(array_prepend('', facet_keys)) AS within, unnest(facet_keys) AS key
WHERE publication_state = 'published' GROUP BY within, key;
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS projects_project_count_facet_keys_insert ON projects_project;
DROP TRIGGER IF EXISTS projects_project_count_facet_keys_update ON projects_project;
DROP TRIGGER IF EXISTS projects_project_count_facet_keys_delete ON projects_project;
DROP FUNCTION IF EXISTS projects_project_count_facet_keys();
"""


def sqlite_pairs(row):
    """FROM items giving `key.value` and `within.value` for each of the row's keys, within ''
    and within each of its keys (json_insert appends '' to the keys)."""
    return (
        f"json_each({row}.facet_keys) AS key, "
        f"json_each(json_insert({row}.facet_keys, '$[#]', '')) AS within"
    )


SQLITE_ADD = f"""
    INSERT INTO projects_facetkeycount (within, key, projects)
    SELECT within.value, key.value, 1 FROM {sqlite_pairs("NEW")}
    WHERE NEW.publication_state = 'published'
    ON CONFLICT (within, key) DO UPDATE SET projects = projects + 1;
"""
SQLITE_REMOVE = f"""
    UPDATE projects_facetkeycount SET projects = projects - 1
    WHERE OLD.publication_state = 'published'
    AND (within, key) IN (SELECT within.value, key.value FROM {sqlite_pairs("OLD")});
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
    f"""INSERT INTO projects_facetkeycount (within, key, projects)
    SELECT within.value, key.value, count(*)
    FROM projects_project, {sqlite_pairs("projects_project")}
    WHERE publication_state = 'published' GROUP BY 1, 2""",
]

SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS projects_project_count_facet_keys_{event}"
    for event in ("insert", "update", "delete")
]


def run(postgresql, sqlite):
    """An operation running `postgresql` (one script) or the `sqlite` statements."""

    def operation(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for statement in [postgresql] if vendor == "postgresql" else sqlite:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("projects", "0007_project_facet_keys")]

    operations = [
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
        migrations.RunPython(run(POSTGRESQL, SQLITE), run(POSTGRESQL_DROP, SQLITE_DROP)),
    ]
