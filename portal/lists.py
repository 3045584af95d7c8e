"""The one way every list page works.

A FilterSet reads the query string. Values it cannot use show in the page's error summary with
status 400, never as a server error; valid ones give the results, a page at a time when the
list has pages. Every list's template finds the same names: `filterset`, `form`, `applied`
(the active filters as tags that remove them), `panel` (the filter column), `clear_url`, and
`page_obj`, `page_links` and `corrected_page` (a page number past the end shows the last page
and says so).
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.views.generic import TemplateView


def page_links(number, last):
    """Page numbers to link to, with None for an ellipsis: first, last, current and neighbours."""
    shown = {1, last, number - 1, number, number + 1}
    links, previous = [], 0
    for page in sorted(p for p in shown if 1 <= p <= last):
        if page - previous > 1:
            links.append(None)
        links.append(page)
        previous = page
    return links


class CountedPaginator(Paginator):
    """A paginator told its count, when the count is already known (from a cache, say)."""

    def __init__(self, *args, count=None, **kwargs):
        super().__init__(*args, **kwargs)
        if count is not None:
            self.count = count


def page_of(items, *, number, per_page, count=None):
    """The requested page of `items`, or the last one when the number is past the end, as the
    context the pagination component reads."""
    paginator = CountedPaginator(items, per_page, count=count)
    page = paginator.page(min(number, paginator.num_pages))
    return {
        "page_obj": page,
        "page_links": page_links(page.number, paginator.num_pages),
        "corrected_page": number > paginator.num_pages,
    }


class FilteredListView(TemplateView):
    """A list filtered by `filterset_class` over `get_queryset()`, `paginate_by` to a page
    (all at once when None). Subclasses add to the context with `filter_context` (for valid and
    invalid filters alike) and `get_results` (for valid ones)."""

    filterset_class = None
    paginate_by = None

    def get_queryset(self):
        raise NotImplementedError

    @cached_property
    def filterset(self):
        return self.filterset_class(
            self.request.GET, queryset=self.get_queryset(), request=self.request
        )

    def filter_context(self, filterset):
        """The filter column: the active filters as tags, and the panel of every filter."""
        return {"applied": filterset.applied_filters(), "panel": filterset.panel()}

    def get_results(self, filterset):
        if self.paginate_by is None:
            return {"object_list": filterset.qs}
        return page_of(filterset.qs, number=filterset.page_number, per_page=self.paginate_by)

    def get(self, request, *args, **kwargs):
        filterset = self.filterset
        valid = filterset.is_valid()
        context = {
            "filterset": filterset,
            "form": filterset.form,
            "clear_url": request.path,
            **self.filter_context(filterset),
        }
        if valid:
            context.update(self.get_results(filterset))
        return self.render_to_response(
            self.get_context_data(**context), status=200 if valid else 400
        )
