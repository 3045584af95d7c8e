"""The facet options each project matches, kept on it as keys ("theme:3", "status:active").

The projects list filters by these keys and counts them (projects/facets.py): one stored set
per project answers every facet without joining a link table per facet. Each key is a facet's
name and an option's value: a primary key for options that are rows (so renaming a theme's slug
changes no key), the stored choice otherwise. Every project has exactly one "status:" key and
one "multi_year:" key.
"""

# Every project has exactly one delivery status, so the status counts of any set of projects
# add up to the number of projects in it.
ONE_PER_PROJECT = "status"


def facet_key(facet, value):
    return f"{facet}:{getattr(value, 'pk', value)}"


def keys_for(*, boroughs, themes, target_groups, status, commission, settlements, multi_year):
    """The keys of a project with these lead and partner boroughs, themes, target groups,
    delivery status, commission (or None), funding settlements (with their funders) and
    whether any of them is multi-year."""
    keys = {facet_key("status", status)}
    for borough in boroughs:
        keys.add(facet_key("borough", borough))
        keys.add(facet_key("london", borough.inner_outer_ons))
        if borough.partnership:
            keys.add(facet_key("partnership", borough.partnership))
    keys.update(facet_key("theme", theme) for theme in themes)
    keys.update(facet_key("target_group", group) for group in target_groups)
    if commission is not None:
        keys.add(facet_key("commission", commission))
    for settlement in settlements:
        keys.add(facet_key("funder", settlement.funder_id))
        keys.add(facet_key("funder_kind", settlement.funder.kind))
        keys.add(facet_key("restrictions", settlement.restrictions))
    keys.add(facet_key("multi_year", "yes" if multi_year else "no"))
    return sorted(keys)
