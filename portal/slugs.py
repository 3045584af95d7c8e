"""Slugs for records' addresses, unique within their table."""

import operator
from functools import reduce

from django.db.models import Q
from django.utils.text import slugify


def slug_base(title, max_length=200):
    """The slug a record with `title` gets when no other record has it."""
    return slugify(title)[: max_length - 8].strip("-") or "untitled"


def unique_slug(model, title, max_length=200, taken=None):
    """A slug for `title` that no row of `model` has yet (suffixes -2, -3 ... on a clash). Given
    `taken`, the slugs read already of rows whose slugs start with the title's, it asks the
    database nothing, and adds the slug it gives to them."""
    base = slug_base(title, max_length)
    if taken is None:
        rows = model._default_manager.filter(slug__startswith=base)
        taken = set(rows.values_list("slug", flat=True))
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    taken.add(slug)
    return slug


def slugs_taken(model, titles, max_length=200):
    """The slugs of `model`'s rows that start with the slug of any of `titles`, read in one
    query: what unique_slug() needs (`taken`) to give each of them a slug."""
    bases = {slug_base(title, max_length) for title in titles}
    if not bases:
        return set()
    starting = reduce(operator.or_, (Q(slug__startswith=base) for base in bases))
    return set(model._default_manager.filter(starting).values_list("slug", flat=True))
