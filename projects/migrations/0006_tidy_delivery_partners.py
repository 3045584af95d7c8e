from django.db import migrations


def tidy(apps, schema_editor):
    """Store delivery partners one name per line with no blank lines, as Project.save does."""
    Project = apps.get_model("projects", "Project")
    changed = []
    for pk, text in (
        Project.objects.exclude(delivery_partners="")
        .values_list("pk", "delivery_partners")
        .iterator(chunk_size=2000)
    ):
        tidied = "\n".join(line.strip() for line in text.splitlines() if line.strip())
        if tidied != text:
            changed.append(Project(pk=pk, delivery_partners=tidied))
    Project.objects.bulk_update(changed, ["delivery_partners"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("projects", "0005_list_indexes")]

    operations = [migrations.RunPython(tidy, migrations.RunPython.noop, elidable=True)]
