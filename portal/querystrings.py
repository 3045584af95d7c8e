"""Query strings for links that change one part of a list's state, keeping the rest."""

from urllib.parse import urlencode


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
