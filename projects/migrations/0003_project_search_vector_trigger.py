"""On PostgreSQL, keep Project.search_vector filled by a trigger and index it with GIN.

Titles weigh most, then the summary and delivery partners, then the description. Other
databases leave the column empty and search with plain substring matching instead.
"""

from django.db import migrations

CREATE = """
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

UPDATE projects_project SET search_vector = NULL;

CREATE INDEX projects_project_search_vector_gin ON projects_project USING gin (search_vector);
"""

DROP = """
DROP INDEX IF EXISTS projects_project_search_vector_gin;
DROP TRIGGER IF EXISTS projects_project_search_vector ON projects_project;
DROP FUNCTION IF EXISTS projects_project_search_vector_update();
"""


def run_on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_load_themes_and_target_groups")]

    operations = [migrations.RunPython(run_on_postgresql(CREATE), run_on_postgresql(DROP))]
