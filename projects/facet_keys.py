"""The projects list's facets, each declared once, and the keys each project holds of them.

A facet is a filter whose options the list counts: its name (in the URL and in keys), label,
group in the filter column, its options (rows chosen by slug, or fixed choices), whether one or
several may be chosen, and which of them a project holds, worked out from its links. From
FACETS follow the list's filters and filter column (filters/catalogue.py), the keys stored on
each project, the facet index and its counts (facet_index.py, facets.py), and the download
columns that show the same (each facet names its own; a test checks that they exist).

A key is a facet's name and an option's value ("theme:3", "status:active"): a primary key for
options that are rows (so renaming a theme's slug changes no key), the stored choice otherwise.
One stored set of keys per project answers every facet without joining a link table per facet.

To add a facet: declare it in FACETS below, and add a migration whose RunPython calls
`Project.objects.all().refresh_facet_keys()` (on the migration's own models) for the projects
already saved.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps

from boroughs.models import InnerOuter, Partnership
from portal.filters import choice_filter, radio_filter, slug_filter

# Every project has exactly one delivery status, so the status counts of any set of projects
# add up to the number of projects in it.
ONE_PER_PROJECT = "status"


@dataclass(frozen=True)
class Links:
    """What a project's keys are worked out from: its lead and partner authorities, themes,
    target groups, delivery status, commission (or None), funding settlements (with their
    funders) and whether any of them is multi-year."""

    boroughs: list
    themes: list
    target_groups: list
    status: str
    commission: object
    settlements: list
    multi_year: bool


def model(name):
    """A projects model, looked up when needed: the models import this module."""
    return apps.get_model("projects", name)


def rows_of(app, name):
    return lambda: apps.get_model(app, name).objects.all()


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    #: The heading it sits under in the list's filter column.
    group: str
    #: The options a project holds, from its Links (rows or choices' values).
    holds: Callable
    #: Its options: rows chosen by slug (a callable giving their queryset), or fixed choices
    #: (a callable giving them).
    rows: Callable = None
    choices: Callable = None
    #: One option at a time, after one that chooses none, labelled so; otherwise any number.
    only_one: str = ""
    #: Folded into a details element in the filter column (long lists).
    folded: bool = False
    #: The download columns that show what a project holds of it; without them, the downloads
    #: list its options' values in a column named after it.
    columns: tuple = ()
    #: The fields of an authority or a funder it reads ({"Borough": [...], "Funder": [...]}):
    #: a change to one works out their projects' keys again (signals.py).
    reads: dict = field(default_factory=dict)

    def option_values(self):
        """Its options as the query string names them: the rows' slugs, or the choices'
        values."""
        if self.rows:
            return sorted(self.rows().values_list("slug", flat=True))
        return [str(value) for value, _ in self.choices()]

    def filter(self):
        """Its filter for the list's FilterSet: any chosen option matches, by the keys."""
        if self.rows:
            return slug_filter(self.rows(), self.label, method="filter_facet")
        if self.only_one:
            return radio_filter(self.choices(), self.label, "filter_facet", self.only_one)
        return choice_filter(self.choices(), self.label, method="filter_facet")


FACETS = [
    Facet(
        "borough",
        "Borough (lead or partner)",
        "Where",
        holds=lambda links: links.boroughs,
        rows=rows_of("boroughs", "Borough"),
        folded=True,
        columns=("lead_borough", "partner_boroughs"),
    ),
    Facet(
        "partnership",
        "Sub-regional partnership",
        "Where",
        holds=lambda links: [b.partnership for b in links.boroughs if b.partnership],
        choices=lambda: Partnership.choices,
        reads={"Borough": ["partnership"]},
    ),
    Facet(
        "london",
        "Inner or outer London",
        "Where",
        holds=lambda links: [b.inner_outer_ons for b in links.boroughs],
        choices=lambda: InnerOuter.choices,
        reads={"Borough": ["inner_outer_ons"]},
        only_one="Anywhere in London",
    ),
    Facet(
        "theme",
        "Theme",
        "What",
        holds=lambda links: links.themes,
        rows=rows_of("projects", "Theme"),
        columns=("themes",),
    ),
    Facet(
        "target_group",
        "Target group",
        "What",
        holds=lambda links: links.target_groups,
        rows=rows_of("projects", "TargetGroup"),
        folded=True,
        columns=("target_groups",),
    ),
    Facet(
        "status",
        "Delivery status",
        "What",
        holds=lambda links: [links.status],
        choices=lambda: model("Project").DeliveryStatus.choices,
        columns=("delivery_status",),
    ),
    Facet(
        "commission",
        "Commission it follows from",
        "What",
        holds=lambda links: [links.commission] if links.commission is not None else [],
        rows=rows_of("boroughs", "Commission"),
        folded=True,
        columns=("commission",),
    ),
    Facet(
        "funder",
        "Funder",
        "Money",
        holds=lambda links: [settlement.funder_id for settlement in links.settlements],
        rows=rows_of("projects", "Funder"),
        folded=True,
        columns=("funders",),
    ),
    Facet(
        "funder_kind",
        "Kind of funder",
        "Money",
        holds=lambda links: [settlement.funder.kind for settlement in links.settlements],
        choices=lambda: model("Funder").Kind.choices,
        reads={"Funder": ["kind"]},
    ),
    Facet(
        "multi_year",
        "Multi-year funding",
        "Money",
        holds=lambda links: ["yes" if links.multi_year else "no"],
        choices=lambda: [("yes", "Multi-year funding"), ("no", "No multi-year funding")],
        only_one="Any",
    ),
    Facet(
        "restrictions",
        "Funding restrictions",
        "Money",
        holds=lambda links: [settlement.restrictions for settlement in links.settlements],
        choices=lambda: model("FundingSettlement")._meta.get_field("restrictions").choices,
    ),
]
FACET_NAMES = [facet.name for facet in FACETS]


def fields_read(model_name):
    """The fields of the model (Borough, Funder) that any facet reads."""
    return sorted({name for facet in FACETS for name in facet.reads.get(model_name, ())})


def facet_key(facet, value):
    return f"{facet}:{getattr(value, 'pk', value)}"


def keys_for(links):
    """The keys of a project with these Links: of every facet, each option it holds."""
    return sorted(
        {facet_key(facet.name, value) for facet in FACETS for value in facet.holds(links)}
    )
