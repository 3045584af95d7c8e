"""The projects app's models, by part of the domain:

- taxonomy: themes and target groups, which curators retire rather than delete;
- funding: funders, funding settlements, their yearly allocations and funding lines;
- project: projects, their links to what describes them, their review steps, and the queries
  that find and search them;
- derived: what database triggers keep in step with projects (a copy of search vectors);
- catalogue: the version of what the public sees, which the database moves on;
- proposals: new or changed settlements and commissions waiting for a reviewer.
"""

from .catalogue import CatalogueChange, CatalogueVersion
from .derived import PublishedSearchVector
from .funding import (
    WITHOUT_BURDENSOME_RESTRICTIONS,
    Funder,
    FundingSettlement,
    FundingSummary,
    ProjectFunding,
    Restrictions,
    YearlyAllocation,
    with_funding_received,
)
from .project import (
    BY_RELEVANCE,
    NAMES_SEPARATOR,
    PUBLISHED,
    SEARCHABLE,
    FormerSlug,
    Project,
    ProjectRecommendation,
    ProjectTargetGroup,
    ProjectTheme,
    ProjectTransition,
    in_facet,
    newest_published,
    recommendations_with_published_projects,
    web_search_query,
    with_published_project_count,
    with_published_projects,
    year_dates,
)
from .proposals import ProposedChange
from .taxonomy import TargetGroup, Theme

__all__ = [
    "BY_RELEVANCE",
    "NAMES_SEPARATOR",
    "PUBLISHED",
    "SEARCHABLE",
    "WITHOUT_BURDENSOME_RESTRICTIONS",
    "CatalogueChange",
    "CatalogueVersion",
    "FormerSlug",
    "Funder",
    "FundingSettlement",
    "FundingSummary",
    "Project",
    "ProjectFunding",
    "ProjectRecommendation",
    "ProjectTargetGroup",
    "ProjectTheme",
    "ProjectTransition",
    "ProposedChange",
    "PublishedSearchVector",
    "Restrictions",
    "TargetGroup",
    "Theme",
    "YearlyAllocation",
    "in_facet",
    "newest_published",
    "recommendations_with_published_projects",
    "web_search_query",
    "with_funding_received",
    "with_published_project_count",
    "with_published_projects",
    "year_dates",
]
