"""Load the curated themes and target groups.

The first five themes are the words of the London Councils publication on social integration;
the rest come from the Mayor of London's "All of Us" strategy (2018) and the government's
Integrated Communities Strategy (2018).
"""

from django.db import migrations

THEMES = [
    (
        "cohesion",
        "Cohesion",
        True,
        "People of different backgrounds getting on well together where they live, work and meet.",
    ),
    (
        "equalities",
        "Equalities",
        True,
        "Fair treatment and equal chances whatever a person's background, faith, sex, sexuality or "
        "disability.",
    ),
    (
        "resilience",
        "Resilience",
        True,
        "Communities able to withstand and recover from shocks, tensions and attempts to divide them.",
    ),
    (
        "safeguarding",
        "Safeguarding",
        True,
        "Protecting children and adults at risk from harm, exploitation and radicalisation.",
    ),
    (
        "isolation",
        "Isolation and loneliness",
        True,
        "Reaching people cut off from others by age, language, disability, health or circumstance.",
    ),
    (
        "shared-experiences",
        "Shared experiences and relationships",
        False,
        "Bringing people of different backgrounds and generations together so they build lasting "
        "relationships.",
    ),
    (
        "participation",
        "Active citizenship and participation",
        False,
        "Helping people take part in civic life: volunteering, voting, and shaping local decisions.",
    ),
    (
        "english-language",
        "English language (ESOL)",
        False,
        "English classes and conversation clubs so everyone can talk with their neighbours.",
    ),
    (
        "economic-opportunity",
        "Economic opportunity and employment",
        False,
        "Skills, training and routes into work for people held back from the jobs market.",
    ),
    (
        "education-and-young-people",
        "Education and young people mixing",
        False,
        "Schools, youth work and twinning that bring children and young people together across "
        "backgrounds.",
    ),
    (
        "migrants-and-citizenship",
        "Migrants, refugees and citizenship",
        False,
        "Welcoming new arrivals, supporting refugees and helping people to settle and become "
        "citizens.",
    ),
    (
        "places-and-public-spaces",
        "Places and public spaces",
        False,
        "Parks, libraries, markets and high streets where people of every background meet.",
    ),
    (
        "hate-crime-and-justice",
        "Hate crime and justice",
        False,
        "Preventing and reporting hate crime and supporting its victims.",
    ),
    (
        "womens-empowerment",
        "Women's empowerment",
        False,
        "Helping women, especially those isolated by language or culture, to take part fully.",
    ),
    (
        "evidence-and-measurement",
        "Evidence and measurement",
        False,
        "Measuring integration locally and evaluating what works, so others can learn from it.",
    ),
]

TARGET_GROUPS = [
    ("whole-community", "Whole community"),
    ("children-and-young-people", "Children and young people"),
    ("families-and-parents", "Families and parents"),
    ("older-people", "Older people"),
    ("women", "Women"),
    ("new-arrivals-and-migrants", "New arrivals and migrants"),
    ("refugees-and-asylum-seekers", "Refugees and asylum seekers"),
    ("insecure-immigration-status", "People with insecure immigration status"),
    ("faith-communities", "Faith communities"),
    ("ethnic-minority-communities", "Ethnic minority communities"),
    ("disabled-people", "Disabled people"),
    ("lgbtq-people", "LGBTQ+ people"),
    ("low-income-or-out-of-work", "People on low incomes or out of work"),
]


def load_taxonomies(apps, schema_editor):
    Theme = apps.get_model("projects", "Theme")
    TargetGroup = apps.get_model("projects", "TargetGroup")
    for position, (slug, name, is_core, description) in enumerate(THEMES, start=1):
        Theme.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "is_core": is_core,
                "description": description,
                "position": position,
            },
        )
    for position, (slug, name) in enumerate(TARGET_GROUPS, start=1):
        TargetGroup.objects.update_or_create(
            slug=slug, defaults={"name": name, "position": position}
        )


def unload_taxonomies(apps, schema_editor):
    apps.get_model("projects", "Theme").objects.filter(slug__in=[t[0] for t in THEMES]).delete()
    apps.get_model("projects", "TargetGroup").objects.filter(
        slug__in=[g[0] for g in TARGET_GROUPS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(load_taxonomies, unload_taxonomies)]
