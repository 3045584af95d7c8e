"""An index for finding a settlement by its funder and programme in any case (an import row's
settlement, the question before a duplicate). Built concurrently, so the table takes writes."""

import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("projects", "0010_project_lead_title_any_case")]

    operations = [
        AddIndexConcurrently(
            model_name="fundingsettlement",
            index=models.Index(
                models.F("funder"),
                django.db.models.functions.text.Upper("programme"),
                name="settlement_funder_programme",
            ),
        ),
    ]
