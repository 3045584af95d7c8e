"""Pagination for every list: a validated page number and the GOV.UK page links."""

from django.core.paginator import Paginator


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


def paginate(queryset, *, number, per_page, count=None):
    """The requested page, or the last one when the number is past the end.

    Returns the page and whether the number was corrected, so the page can say so.
    """
    paginator = CountedPaginator(queryset, per_page, count=count)
    corrected = number > paginator.num_pages
    page = paginator.page(min(number, paginator.num_pages))
    return page, corrected
