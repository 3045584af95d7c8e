"""An index for the question asked before a duplicate project is saved: the same title, in any
case, and lead authority. Built concurrently, so the projects table takes writes meanwhile."""

import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("projects", "0009_publication_needs_and_reasons")]

    operations = [
        AddIndexConcurrently(
            model_name="project",
            index=models.Index(
                models.F("lead_borough"),
                django.db.models.functions.text.Upper("title"),
                name="project_lead_title_any_case",
            ),
        ),
    ]
