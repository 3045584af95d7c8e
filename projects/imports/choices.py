"""Choice fields for the forms that check an import's new records: what each field offers them
is read once an import, not once a row.

A row form is the admin's and officers' form (so each rule is written once) whose fields
choosing records from a table look a new record's choices up in `RecordsReadOnce`: a thousand
rows naming authorities and themes cost a query for each such field, where the form's own
fields cost one for each field of each row. A form may offer an existing record what it has
already (a retired theme, say), so a row updating a record is checked as the form checks it.
"""

from django import forms
from django.core.exceptions import ValidationError


class RecordsReadOnce:
    """{a field's name: {primary key as text: record}} of what the row forms of an import offer
    new records, each read at its first use."""

    def __init__(self):
        self.read = {}

    def offered(self, name, queryset):
        if name not in self.read:
            self.read[name] = {str(record.pk): record for record in queryset}
        return self.read[name]


class ReadsOnce:
    """A choice field that, given the import's `records` (RecordsReadOnce) and its `name` in its
    form, looks choices up there; without them it checks them as Django's does."""

    records = None
    name = None

    def offered(self):
        return self.records.offered(self.name, self.queryset)


class ChoiceReadOnce(ReadsOnce, forms.ModelChoiceField):
    """A foreign key's field."""

    def to_python(self, value):
        if self.records is None or value in self.empty_values:
            return super().to_python(value)
        record = self.offered().get(str(value))
        if record is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return record


class MultipleChoiceReadOnce(ReadsOnce, forms.ModelMultipleChoiceField):
    """A many-to-many field; its cleaned value is a list of records, in the order given."""

    def _check_values(self, value):
        if self.records is None:
            return super()._check_values(value)
        offered = self.offered()
        chosen = {}
        for key in map(str, value):
            if key not in offered:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": key},
                )
            chosen.setdefault(key, offered[key])
        return list(chosen.values())


def field_reading_once(db_field, **kwargs):
    """The form field of `db_field` as a row form has it: a relation's reads its choices once."""
    if db_field.many_to_many:
        kwargs.setdefault("form_class", MultipleChoiceReadOnce)
    elif db_field.many_to_one:
        kwargs.setdefault("form_class", ChoiceReadOnce)
    return db_field.formfield(**kwargs)
