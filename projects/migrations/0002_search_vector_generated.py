"""The search vector becomes a stored generated column: the model declares what a search reads
(projects.models.SEARCHABLE) and PostgreSQL computes it on every write, in place of a
trigger."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

# The model's SEARCHABLE as it was written then.
SEARCHABLE = (
    SearchVector("title", weight="A", config="english")
    + SearchVector("summary", weight="B", config="english")
    + SearchVector("delivery_partners", weight="B", config="english")
    + SearchVector("description", weight="C", config="english")
)

TRIGGER_DROP = """
DROP TRIGGER IF EXISTS projects_project_search_vector ON projects_project;
DROP FUNCTION IF EXISTS projects_project_search_vector_update();
"""

TRIGGER = """
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
"""

# Adding the column computes it without an UPDATE, so the published projects' copies are
# refreshed from it here.
COPIES_REFRESHED = """
UPDATE projects_publishedsearchvector AS copy SET search_vector = project.search_vector
FROM projects_project AS project WHERE project.id = copy.project_id;
"""

PUBLISHED_SEARCH = django.contrib.postgres.indexes.GinIndex(
    condition=models.Q(("publication_state", "published")),
    fields=["search_vector"],
    name="project_published_search",
)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_squashed_0012_active_dates_in_start_index")]

    operations = [
        migrations.RunSQL(TRIGGER_DROP, TRIGGER),
        migrations.RemoveIndex(model_name="project", name="project_published_search"),
        migrations.RemoveField(model_name="project", name="search_vector"),
        migrations.AddField(
            model_name="project",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=SEARCHABLE,
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(model_name="project", index=PUBLISHED_SEARCH),
        migrations.RunSQL(COPIES_REFRESHED, migrations.RunSQL.noop),
    ]
