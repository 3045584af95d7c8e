"""Store each project's facet keys (projects/facet_keys.py), and on PostgreSQL index published
projects' keys with GIN so the list finds the projects holding any of several keys at once."""

from django.db import migrations

import projects.fields
from projects.facet_keys import keys_for

INDEX = (
    "CREATE INDEX project_published_facet_keys ON projects_project USING gin (facet_keys) "
    "WHERE publication_state = 'published'"
)


def fill_facet_keys(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    projects = Project.objects.select_related("lead_borough").prefetch_related(
        "partner_boroughs", "themes", "target_groups", "fundings__settlement__funder"
    )
    changed = []
    for project in projects.iterator(chunk_size=1000):
        settlements = [funding.settlement for funding in project.fundings.all()]
        project.facet_keys = keys_for(
            boroughs=[project.lead_borough, *project.partner_boroughs.all()],
            themes=project.themes.all(),
            target_groups=project.target_groups.all(),
            status=project.delivery_status,
            commission=project.commission_id,
            settlements=settlements,
            multi_year=any(s.last_year > s.first_year for s in settlements),
        )
        changed.append(project)
    Project.objects.bulk_update(changed, ["facet_keys"], batch_size=1000)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS project_published_facet_keys")


class Migration(migrations.Migration):
    dependencies = [("projects", "0006_tidy_delivery_partners")]

    operations = [
        migrations.AddField(
            model_name="project",
            name="facet_keys",
            field=projects.fields.KeySetField(
                default=list,
                editable=False,
                help_text="The list's facet options it matches, kept up to date when its links "
                "change.",
            ),
        ),
        migrations.RunPython(fill_facet_keys, drop_index),
    ]
