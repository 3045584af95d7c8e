"""Pages that are the same for every visitor, rendered once and kept until the catalogue
changes.

A view with SharedPageMixin renders its page as usual the first time; the parts of it that do not
depend on who is looking — the template's inline partials named in `shared_parts` — are kept in
the cache under the address and the catalogue's version, and later visitors get them without a
query or a template of their own, inside the usual layout (whose header knows who they are).
"""

from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.template.response import TemplateResponse

from projects.caching import cached

SHARED_PARTS = ("title_prefix", "title", "description", "stylesheets", "before_content", "content")


class SharedPageMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.method != "GET":
            return super().dispatch(request, *args, **kwargs)
        page = cached(
            "shared-page",
            {"path": request.path, "query": sorted(request.GET.lists())},
            lambda: self.shared_page(request, *args, **kwargs),
        )
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
        return {"status": response.status_code, "parts": parts}
