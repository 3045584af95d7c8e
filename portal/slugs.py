"""Slugs for records' addresses, unique within their table."""

from django.utils.text import slugify


def unique_slug(model, title, max_length=200):
    """A slug for `title` that no row of `model` has yet (suffixes -2, -3 ... on a clash)."""
    base = slugify(title)[: max_length - 8].strip("-") or "untitled"
    taken = set(model._default_manager.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug
