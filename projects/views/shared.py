"""Pages that are the same for every visitor, rendered once and kept until the catalogue
changes.

A view with SharedPageMixin renders its page as usual the first time; the parts of it that do not
depend on who is looking — the template's inline partials named in `shared_parts` — are kept in
the cache under the page's path, the values it reads from the query string (`page_key`) and the
catalogue's version, and later visitors get them without a query or a template of their own,
inside the usual layout (whose header knows who they are). Visitors who are not signed in and
have no message waiting all see the same layout too, so for them the whole page is kept and
sent as it is.

Only pages answered with 200 are kept, under the values they read, cleaned: parameters a page
does not read, or reads in another order, share its entry, and a query string it cannot use is
answered (400) but never kept, nor is a page number past the end (which shows the last page),
so no visitor can fill the cache with pages nobody asked for. A query string that is exactly
as its page is kept (as the site's own links and forms give it, mostly) finds the page without
being cleaned first: cleaning the values a page reads can take as long as sending it.
"""

from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.template.response import TemplateResponse

from portal.caching import cached, in_cache

from ..models import CatalogueVersion

SHARED_PARTS = (
    "title_prefix",
    "title",
    "description",
    "stylesheets",
    "alternates",
    "before_content",
    "content",
)


def kept(page):
    return page["kept"]


def as_queried(values):
    """{parameter: value or values} as a query string gives them: {parameter: [strings]},
    leaving out those without a value."""
    queried = {}
    for name, value in values.items():
        listed = value if isinstance(value, list | tuple) else [value]
        if listed and listed != [""] and value is not None:
            queried[name] = [str(each) for each in listed]
    return queried


class SharedPageMixin:
    def page_key(self):
        """The values this page reads from the query string, cleaned, that tell it from the
        others at its path ({parameter: value or values}, as the query string would give them
        (a slug for a record), leaving out those at their defaults): none for a page that
        reads none; None when they cannot be used (the page answers 400, and is not kept)."""
        return {}

    def dispatch(self, request, *args, **kwargs):
        # The catalogue's version first: whatever is read after it is at least as new.
        self.catalogue_version = CatalogueVersion.current()
        if request.method != "GET":
            return super().dispatch(request, *args, **kwargs)
        for_everyone = not request.user.is_authenticated and not len(get_messages(request))
        if for_everyone:
            as_asked = {"path": request.path, "query": dict(request.GET.lists())}
            page = in_cache("anonymous-page", as_asked, self.catalogue_version)
            if page is not None:
                return HttpResponse(page["html"], status=page["status"])
        key = self.page_key()
        if key is None:
            return super().dispatch(request, *args, **kwargs)
        address = {"path": request.path, "query": as_queried(key)}
        if not for_everyone:
            return self.layout(request, self.parts(request, address, args, kwargs))

        def whole_page():
            parts = self.parts(request, address, args, kwargs)
            response = self.layout(request, parts)
            return {
                "status": response.status_code,
                "html": response.render().content,
                "kept": parts["kept"],
            }

        page = cached("anonymous-page", address, whole_page, self.catalogue_version, kept)
        return HttpResponse(page["html"], status=page["status"])

    def parts(self, request, address, args, kwargs):
        return cached(
            "shared-page",
            address,
            lambda: self.shared_page(request, *args, **kwargs),
            self.catalogue_version,
            kept,
        )

    def layout(self, request, page):
        return TemplateResponse(
            request, "shared_page.html", {"parts": page["parts"]}, status=page["status"]
        )

    def shared_page(self, request, *args, **kwargs):
        """Render the page the usual way, once, and keep its shared parts."""
        response = super().dispatch(request, *args, **kwargs)
        template = response.template_name
        template = template[0] if isinstance(template, list | tuple) else template
        parts = {}
        for name in SHARED_PARTS:
            try:
                parts[name] = render_to_string(f"{template}#{name}", response.context_data, request)
            except TemplateDoesNotExist:
                parts[name] = ""
        # Kept when it answers 200 with what was asked for (not the last page instead of one
        # past the end).
        context = response.context_data or {}
        return {
            "status": response.status_code,
            "parts": parts,
            "kept": response.status_code == 200 and not context.get("corrected_page"),
        }
