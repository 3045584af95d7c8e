"""The projects list as an Atom feed: the newest published projects that any of its filters
choose, for a feed reader to follow a search."""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from portal.caching import cached

from ..facet_index import current_index
from ..facet_keys import FACETS
from ..facets import facets
from ..filters.catalogue import Sort
from ..models import NAMES_SEPARATOR, CatalogueVersion
from ..results import IndexedResults
from .catalogue import ProjectListView

# Enough for a reader polling daily to miss nothing on a busy day.
ENTRIES = 50
# What an entry shows of a project.
ENTRY_FIELDS = [
    "pk",
    "slug",
    "title",
    "summary",
    "lead_borough__name",
    "theme_names",
    "published_at",
    "updated_at",
]
# The facets that say where projects are: a feed's title puts them after "in".
PLACES = {facet.name for facet in FACETS if facet.group == "Where"}


def feed_title(filterset, facet_list):
    """What the valid filters choose, in words: "New projects: Isolation in Hackney", "New
    projects in Camden (Delivery status: Active; Search: “youth”)"."""
    facet_names = {facet.field.label: facet.name for facet in facet_list}
    themes, places, others = [], [], []
    for group in filterset.applied_filters(facet_list):
        labels = " or ".join(item["label"] for item in group["items"])
        name = facet_names.get(group["heading"])
        if name == "theme":
            themes.append(labels)
        elif name in PLACES:
            places.append(labels)
        else:
            others.append(f"{group['heading']}: {labels}")
    title = "New projects"
    if themes:
        title += f": {', '.join(themes)}"
    if places:
        title += f" in {', '.join(places)}"
    if others:
        title += f" ({'; '.join(others)})"
    return title


@dataclass(frozen=True)
class ChosenProjects:
    """What a feed shows: its title, the query string of its filters and its newest projects
    (rows of ENTRY_FIELDS)."""

    title: str
    query: str
    projects: list


class ProjectFeed(Feed):
    """The newest published projects that the projects list's filters choose, as Atom: any
    query string the list accepts (its order and page aside), or the list's page with its error
    summary (400) for filters it cannot use. Kept, like the list, until the catalogue changes,
    so a project appears as soon as it is published."""

    feed_type = Atom1Feed
    author_name = "London Integration Projects Portal"
    subtitle = "Projects newly published on the London Integration Projects Portal, newest first."

    def __call__(self, request, *args, **kwargs):
        listing = ProjectListView(request=request, catalogue_version=CatalogueVersion.current())
        if not listing.filterset.is_valid():
            return ProjectListView.as_view()(request)
        written = super().__call__

        def write():
            response = written(request, listing=listing)
            return {"content": response.content, "last_modified": response["Last-Modified"]}

        # Under the valid filters alone, so that no other parameter makes an entry of its own.
        address = {"filters": listing.key, "site": request.build_absolute_uri("/")}
        feed = cached("project-feed", address, write, listing.catalogue_version)
        response = HttpResponse(feed["content"], content_type=Atom1Feed.content_type)
        response["Last-Modified"] = feed["last_modified"]
        return response

    def get_object(self, request, *, listing):
        filterset, found = listing.filterset, listing.found
        index = current_index(filterset.queryset.db, listing.catalogue_version)
        newest = IndexedResults(ENTRY_FIELDS, index, Sort.NEWEST, found["ids"])
        return ChosenProjects(
            title=feed_title(filterset, facets(filterset, found, listing.catalogue_version)),
            query=filterset.filters_query(),
            projects=newest[0:ENTRIES],
        )

    def title(self, chosen):
        return chosen.title

    def link(self, chosen):
        return reverse("projects:list") + chosen.query

    def feed_url(self, chosen):
        return reverse("projects:feed") + chosen.query

    def items(self, chosen):
        return chosen.projects

    def item_title(self, project):
        return project["title"]

    def item_description(self, project):
        # An Atom summary of type html: the plain text summary, escaped.
        return escape(project["summary"])

    def item_link(self, project):
        return reverse("projects:detail", args=[project["slug"]])

    def item_pubdate(self, project):
        return project["published_at"]

    def item_updateddate(self, project):
        return project["updated_at"]

    def item_categories(self, project):
        themes = sorted(name for name in (project["theme_names"] or "").split(NAMES_SEPARATOR))
        return [project["lead_borough__name"], *filter(None, themes)]
