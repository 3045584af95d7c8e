"""Query strings for links that change one part of a list's state, keeping the rest."""


def query_without(data, *names, value=None):
    """`data` (a QueryDict) without the named parameters, or without one value of one of them.

    Always drops the page number: a changed filter starts from the first page.
    """
    params = data.copy()
    params.pop("page", None)
    for name in names:
        if value is None:
            params.pop(name, None)
        else:
            params.setlist(name, [v for v in params.getlist(name) if v != value])
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
