"""Readable change history of records kept with django-simple-history: who, when, what, before
and after, for the officers' history pages and for edit conflicts."""

from django.db import models

# Bookkeeping fields that change on every save and say nothing to a reader.
HIDDEN_FIELDS = {"version", "updated_at", "updated_by", "created_at", "created_by"}
HISTORY_LIMIT = 50


def readable(field, value):
    """A stored value as people read it: related objects by name, choices by label."""
    if value in (None, ""):
        return "–"
    if isinstance(field, models.ManyToManyField):
        target = field.remote_field.model
        column = target._meta.model_name
        ids = [row.get(column) for row in value]
        names = {obj.pk: str(obj) for obj in target._default_manager.filter(pk__in=ids)}
        return ", ".join(sorted(names.get(i, "?") for i in ids)) or "–"
    if isinstance(field, models.ForeignKey):
        obj = field.remote_field.model._default_manager.filter(pk=value).first()
        return str(obj) if obj else f"#{value}"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return str(value)


def changes_between(older, newer):
    """[{"field", "before", "after"}] for the fields that differ between two history records."""
    model = newer.instance_type
    delta = newer.diff_against(older)
    rows = []
    for change in delta.changes:
        if change.field in HIDDEN_FIELDS:
            continue
        field = model._meta.get_field(change.field)
        rows.append(
            {
                "field": field.verbose_name.capitalize(),
                "before": readable(field, change.old),
                "after": readable(field, change.new),
            }
        )
    return rows


def changes_since(current, version):
    """What changed in `current` since the version someone opened it at, or None if unknown."""
    then = current.history.filter(version=version).order_by("-history_date").first()
    now = current.history.order_by("-history_date").first()
    if then is None or now is None or then.pk == now.pk:
        return None
    return {
        "changes": changes_between(then, now),
        "by": sorted(
            {
                str(record.history_user)
                for record in current.history.filter(version__gt=version).select_related(
                    "history_user"
                )
                if record.history_user
            }
        ),
    }


def entries(records, label):
    """History entries of one record's history rows, newest first."""
    rows = list(records.select_related("history_user").order_by("history_date", "history_id"))
    result = []
    for previous, record in zip([None, *rows], rows, strict=False):
        if record.history_type == "+" or previous is None:
            changes = []
        else:
            changes = changes_between(previous, record)
        if record.history_type == "~" and not changes:
            continue
        result.append(
            {
                "at": record.history_date,
                "by": record.history_user,
                "what": label(record),
                "kind": {"+": "Created", "~": "Changed", "-": "Deleted"}[record.history_type],
                "changes": changes,
            }
        )
    return result


def history_of(record, related=()):
    """The record's history merged with that of its inline rows, newest first.

    `related` is a list of (history queryset of inline rows, label function).
    """
    items = entries(record.history.all(), lambda r: str(record._meta.verbose_name).capitalize())
    for records, label in related:
        by_row = {}
        for row_id in records.order_by().values_list("id", flat=True).distinct():
            by_row[row_id] = entries(records.filter(id=row_id), label)
        for row_entries in by_row.values():
            items += row_entries
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:HISTORY_LIMIT]
