"""The facet counts' table and the facet index's token go, with their triggers: every count
comes from the facet index, which follows the catalogue's version (migration 0003)."""

import importlib

from django.db import migrations

# The triggers as the first migration made them, to put back when going back.
FIRST = importlib.import_module(
    "projects.migrations.0001_squashed_0012_active_dates_in_start_index"
)


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_catalogue_version")]

    operations = [
        migrations.RunSQL(FIRST.FACET_COUNTS_DROP, FIRST.FACET_COUNTS),
        migrations.RunSQL(
            FIRST.FACET_INDEX_VERSION_DROP, [FIRST.FACET_INDEX_VERSION, FIRST.FIRST_TOKEN]
        ),
        migrations.DeleteModel(name="FacetIndexVersion"),
        migrations.DeleteModel(name="FacetKeyCount"),
    ]
