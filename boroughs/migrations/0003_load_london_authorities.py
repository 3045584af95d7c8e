"""Load London's 33 local authorities from the reference CSV kept beside the app."""

import csv
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

AUTHORITIES_CSV = Path(__file__).resolve().parent.parent / "data" / "london_authorities.csv"

PARTNERSHIPS = {
    "Central London Forward": "central-london-forward",
    "Local London": "local-london",
    "South London Partnership": "south-london-partnership",
    "West London Alliance": "west-london-alliance",
    "": "",
}


def load_authorities(apps, schema_editor):
    Borough = apps.get_model("boroughs", "Borough")
    with AUTHORITIES_CSV.open(newline="", encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            Borough.objects.update_or_create(
                gss_code=row["gss_code"],
                defaults={
                    "name": row["name"],
                    "slug": slugify(row["name"]),
                    "short_code": row["short_code"],
                    "is_city": row["is_city"] == "yes",
                    "inner_outer_ons": row["inner_outer_ons"].lower(),
                    "inner_outer_statutory": row["inner_outer_statutory"].lower(),
                    "partnership": PARTNERSHIPS[row["subregional_partnership"]],
                    "partnership_membership": row["partnership_membership"],
                    "grid_col": int(row["grid_col"]),
                    "grid_row": int(row["grid_row"]),
                    "website": row["website"],
                },
            )


def unload_authorities(apps, schema_editor):
    apps.get_model("boroughs", "Borough").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("boroughs", "0002_recommendation_themes")]

    operations = [migrations.RunPython(load_authorities, unload_authorities)]
