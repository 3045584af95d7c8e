"""Which of London's authorities are most alike in the integration work they publish: what each
authority's profile shows as "authorities like this one".

Each authority with published projects is described by five things, each compared on a scale
from 0 (the same) to 1 (as different as can be), and two authorities' difference is the mean of
the five, each counting equally:

- the mix of themes of its published projects (the projects it leads or is a partner in, counted
  as the rest of the site counts them, from the facet index): half the sum of the differences
  between the two authorities' shares of each theme;
- its funding per published project (the funding settlements it receives, as its profile gives
  them, over its published projects), compared on a logarithmic scale, as a project of £20,000
  is as different from one of £200,000 as that is from one of £2m, over the spread between the
  lowest and the highest in London;
- the share of its money that is multi-year (an authority without money differs wholly from one
  with some, and not at all from another without);
- inner or outer London (ONS): the same or not;
- the share of its published projects that are joint, with at least one other authority.

An authority without published projects has nothing to compare, so it has no authorities like
it and is never one of another's. All 33 are described and compared at once, from one query
for the authorities and their money and one for the themes, the projects from the facet index
in memory; the result is kept until the catalogue changes.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from pyroaring import BitMap

from boroughs.models import Borough
from portal.caching import cached

from .facet_index import current_index
from .models import Theme, with_funding_received

#: How many authorities a profile shows as like it: with it, as many as the comparison takes.
SHOWN = 3

HOW_JUDGED = (
    "Authorities are judged alike by the mix of themes of their published projects, their "
    "funding per project, the share of their money that is multi-year, whether they are in "
    "inner or outer London and the share of their projects they run jointly with other "
    "authorities, each counting equally."
)


@dataclass(frozen=True)
class Portrait:
    """What an authority is compared by."""

    borough: Borough
    project_count: int
    #: {theme's primary key: its share of the theme links of the authority's projects}
    theme_shares: dict
    #: The names of the themes most of its projects have, in the themes' order (several
    #: when as many projects have each).
    main_themes: list
    funding_per_project: Decimal
    #: None without money.
    multi_year_share: float | None
    joint_share: float

    @property
    def joint_projects(self):
        return round(self.joint_share * self.project_count)


@dataclass(frozen=True)
class Likeness:
    """An authority's portrait and those of the authorities most like it, the most alike
    first; none when it has no published projects."""

    portrait: Portrait
    alike: list


def portraits(index):
    """A Portrait of each authority with published projects, in the authorities' order."""
    themes = list(Theme.objects.all())
    borough_ids = index.of_facet("borough")
    # Projects held by two authorities or more: joint ones.
    seen, joint = BitMap(), BitMap()
    for ids in borough_ids.values():
        joint |= seen & ids
        seen |= ids
    found = []
    for borough in with_funding_received(Borough.objects.all()):
        projects = borough_ids.get(str(borough.pk), BitMap())
        if not projects:
            continue
        held = index.counts("theme", projects)
        counts = {theme.pk: held.get(str(theme.pk), 0) for theme in themes}
        links = sum(counts.values()) or 1
        most = max(counts.values())
        found.append(
            Portrait(
                borough=borough,
                project_count=len(projects),
                theme_shares={pk: count / links for pk, count in counts.items()},
                main_themes=[theme.name for theme in themes if counts[theme.pk] == most],
                funding_per_project=borough.funding_received / len(projects),
                multi_year_share=borough.multi_year_share,
                joint_share=projects.intersection_cardinality(joint) / len(projects),
            )
        )
    return found


def difference(one, other, funding_spread):
    """How different two portraits are, from 0 to 1: the mean of the five comparisons."""
    themes = sum(
        abs(share - other.theme_shares.get(pk, 0)) for pk, share in one.theme_shares.items()
    )
    # With no spread, every authority's funding per project is the same.
    funding = abs(log_funding(one) - log_funding(other)) / (funding_spread or 1)
    if one.multi_year_share is None or other.multi_year_share is None:
        multi_year = 0 if one.multi_year_share == other.multi_year_share else 1
    else:
        multi_year = abs(one.multi_year_share - other.multi_year_share)
    place = 0 if one.borough.inner_outer_ons == other.borough.inner_outer_ons else 1
    joint = abs(one.joint_share - other.joint_share)
    return (themes / 2 + funding + multi_year + place + joint) / 5


def log_funding(portrait):
    return math.log10(1 + portrait.funding_per_project)


def likenesses(index):
    """{authority's primary key: Likeness} for every authority with published projects."""
    found = portraits(index)
    logs = [log_funding(portrait) for portrait in found]
    spread = max(logs) - min(logs) if logs else 0
    return {
        portrait.borough.pk: Likeness(
            portrait,
            sorted(
                (other for other in found if other is not portrait),
                key=lambda other: (
                    difference(portrait, other, spread),
                    other.borough.name,
                    other.borough.pk,
                ),
            )[:SHOWN],
        )
        for portrait in found
    }


def authorities_like(borough, version):
    """The Likeness of `borough`, or None when it has no published projects; every
    authority's worked out at once and kept until the catalogue changes (`version`)."""
    every = cached(
        "authorities-alike", {}, lambda: likenesses(current_index(version=version)), version
    )
    return every.get(borough.pk)
