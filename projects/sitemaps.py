"""The sitemap of every public page, for search engines: the site's own pages and lists, and
each record that has a page of its own (published projects only). Served as an index of
sections (/sitemap.xml), each in pages of at most PER_PAGE addresses, read a page at a time
with only the fields an address and its date need, and kept until the catalogue changes."""

from functools import partial, wraps

from django.contrib.sitemaps import GenericSitemap, Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponse
from django.urls import reverse

from boroughs.models import Borough, Commission
from portal.caching import cached

from .models import CatalogueVersion, Funder, FundingSettlement, Project, Theme

# Addresses in one page of a section: a page is read and written at once, so it is kept well
# below the 50,000 the protocol allows.
PER_PAGE = 10_000


class PagesSitemap(Sitemap):
    """The site's own pages and its lists."""

    PAGES = [
        "home",
        "projects:list",
        "boroughs:list",
        "boroughs:commissions",
        "projects:funders",
        "projects:settlements",
        "projects:themes",
        "about-data",
        "accessibility",
    ]

    def items(self):
        return self.PAGES

    def location(self, name):
        return reverse(name)


class RecordsSitemap(GenericSitemap):
    """The public `records` of one kind, in the order they were added, with only `fields`
    (what their addresses need) and `date_field` (when each last changed, if known) read."""

    limit = PER_PAGE

    def __init__(self, records, *fields, date_field=None):
        read = [*fields, date_field] if date_field else fields
        super().__init__({"queryset": records.only(*read).order_by("pk"), "date_field": date_field})


def records(queryset, *fields, date_field=None):
    """A section of records, its sitemap made anew for each request: the framework keeps on a
    sitemap what it read of a page."""
    return partial(RecordsSitemap, queryset, *fields, date_field=date_field)


SITEMAPS = {
    "pages": PagesSitemap,
    "projects": records(Project.objects.published(), "slug", date_field="updated_at"),
    "boroughs": records(Borough.objects.all(), "slug"),
    "commissions": records(Commission.objects.all(), "slug", date_field="updated_at"),
    "funders": records(Funder.objects.all(), "slug"),
    "settlements": records(FundingSettlement.objects.all(), "pk", date_field="updated_at"),
    "themes": records(Theme.objects.all(), "slug"),
}


def kept_until_the_catalogue_changes(view):
    """`view`'s sitemap, kept under its address and page number until the catalogue changes:
    a page of 10,000 addresses takes about a second to write. A page that is not there (404)
    is never kept, nor is a page number written in another way than digits alone."""

    @wraps(view)
    def answered(request, *args, **kwargs):
        version = CatalogueVersion.current()
        number = request.GET.get("p", "1")
        if not number.isascii() or not number.isdigit():
            return view(request, *args, **kwargs)
        address = {"url": request.build_absolute_uri(request.path), "page": int(number)}

        def written():
            response = view(request, *args, **kwargs).render()
            return {"content": response.content, "headers": dict(response.headers)}

        page = cached("sitemap", address, written, version)
        return HttpResponse(page["content"], headers=page["headers"])

    return answered


@kept_until_the_catalogue_changes
def index(request):
    return sitemap_views.index(request, SITEMAPS, sitemap_url_name="sitemap-section")


@kept_until_the_catalogue_changes
def section(request, section):
    return sitemap_views.sitemap(request, SITEMAPS, section=section)
