"""Query strings and links: a list's query string for links that change one part of its state,
keeping the rest; links to pages filtered by readable values."""

from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse


class QueryString:
    """A list's query string, each parameter encoded once, for links that drop parts of it.

    A list with many filters shows a link per chosen value that removes it; encoding the
    parameters once, rather than the whole query for every link, keeps that cheap.
    """

    def __init__(self, data):
        self.pairs = [
            (name, value, urlencode({name: value}))
            for name, values in data.lists()
            for value in values
            if value != ""  # a box left empty says nothing: links leave it out
        ]

    def without(self, *names, value=None):
        """The query string without the named parameters, or without one value of one of them.

        Always drops the page number: a changed filter starts from the first page.
        """
        kept = [
            encoded
            for name, given, encoded in self.pairs
            if name != "page" and not (name in names and (value is None or given == value))
        ]
        return "?" + "&".join(kept)


def link(name, *args, **query):
    """The URL of a named page, with a query string of readable values: ?borough=hackney."""
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query, doseq=True)}" if query else url


def without_blanks(data):
    """A copy of a QueryDict without the parameters given empty (?q=&theme=a → ?theme=a)."""
    kept = QueryDict(mutable=True)
    for name, values in data.lists():
        filled = [value for value in values if value != ""]
        if filled:
            kept.setlist(name, filled)
    return kept
