"""Merging an edit made from an old version with what others saved since, field by field.

The version the person opened (from the record's history) is the common ancestor: a field only
they changed takes their value, a field only the others changed keeps the others' value, and a
field both changed to different values is a conflict for the person to settle. Inline rows
(funding lines, allocations, recommendations) are not merged: they are saved as the person
left them, as before.
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils.formats import localize

MISSING = object()
#: The form parameter naming each conflicting field whose other side's value the person chose.
THEIRS = "keep_theirs"


def comparable(value):
    """A value as two sides of a merge compare it: records by key, sets of records as sorted
    keys, blanks as None."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(comparable(item) for item in value)
    return None if value in ("", None) else value


def readable(value):
    if isinstance(value, models.QuerySet | list | tuple | set):
        return ", ".join(sorted(str(item) for item in value)) or "–"
    return "–" if value in ("", None) else str(localize(value))


@dataclass
class Conflict:
    name: str
    label: str
    theirs: str
    mine: str


@dataclass
class Merge:
    """The fields whose value comes from the others' save, and those both sides changed."""

    kept_from_them: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)


def merged_fields(form):
    """The form's fields that are the record's own fields, with their model fields."""
    model_fields = {
        f.name: f
        for f in form.instance._meta.get_fields()
        if (f.concrete or f.many_to_many) and not f.auto_created and f.editable
    }
    return {name: model_fields[name] for name in form.fields if name in model_fields}


def stored_value(record, model_field):
    if model_field.many_to_many:
        return list(getattr(record, model_field.name).all())
    return getattr(record, model_field.name)


def historical_value(version, model_field):
    """The field's value in a history row (MISSING where the history does not keep it)."""
    if model_field.many_to_many:
        tracked = getattr(type(version), "_history_m2m_fields", None) or []
        if model_field not in tracked and model_field.name not in tracked:
            return MISSING
        target = model_field.remote_field.model._meta.model_name
        return sorted(getattr(version, model_field.name).values_list(f"{target}_id", flat=True))
    return comparable(getattr(version, model_field.attname))


def merge(form, current, opened_version):
    """Merge the valid `form` (edits made from `opened_version`) with `current`, the record as
    others saved it since: give the form's instance and cleaned data the others' value for the
    fields only they changed, and return a Merge; None when the opened version is not in the
    record's history."""
    base = current.history.filter(version=opened_version).order_by("-history_date").first()
    if base is None:
        return None
    result = Merge()
    for name, model_field in merged_fields(form).items():
        mine = comparable(form.cleaned_data.get(name))
        theirs_value = stored_value(current, model_field)
        theirs = comparable(theirs_value)
        if mine == theirs:
            continue
        original = historical_value(base, model_field)
        if mine == original:
            take_theirs(form, model_field, theirs_value)
            result.kept_from_them.append(str(model_field.verbose_name))
        elif theirs != original or original is MISSING:
            result.conflicts.append(
                Conflict(
                    name=name,
                    label=str(form.fields[name].label or model_field.verbose_name),
                    theirs=readable(display(model_field, theirs_value)),
                    mine=readable(display(model_field, form.cleaned_data[name])),
                )
            )
    return result


def display(model_field, value):
    """A value as people read it: a choice by its label."""
    if model_field.choices and not model_field.many_to_many:
        return dict(model_field.flatchoices).get(value, value)
    return value


def take_theirs(form, model_field, value):
    form.cleaned_data[model_field.name] = value
    if not model_field.many_to_many:
        setattr(form.instance, model_field.name, value)


def settle(form, current, choices):
    """Give the form the others' value for each conflicting field the person chose theirs for
    (`choices`: the names of those fields)."""
    for name, model_field in merged_fields(form).items():
        if name in choices:
            take_theirs(form, model_field, stored_value(current, model_field))


def differences(form, stored):
    """[{"label", "now", "proposed"}] for each field the valid `form` would change in `stored`
    (every field given, for a new record: `stored` None)."""
    rows = []
    for name, model_field in merged_fields(form).items():
        proposed = form.cleaned_data.get(name)
        now = stored_value(stored, model_field) if stored else None
        if comparable(proposed) == comparable(now):
            continue
        rows.append(
            {
                "label": form.fields[name].label or model_field.verbose_name,
                "now": readable(display(model_field, now)) if stored else "–",
                "proposed": readable(display(model_field, proposed)),
            }
        )
    return rows
