"""Form building blocks in the GOV.UK Design System's patterns, for every form of the portal."""

import datetime

from django import forms
from django.core.exceptions import ValidationError


class GOVUKDateInput(forms.MultiWidget):
    """Day, month and year boxes: the GOV.UK date input."""

    template_name = "django/forms/widgets/multiwidget.html"

    def __init__(self, attrs=None):
        numeric = {"inputmode": "numeric"}
        super().__init__(
            {
                "day": forms.TextInput(attrs=numeric),
                "month": forms.TextInput(attrs=numeric),
                "year": forms.TextInput(attrs=numeric),
            },
            attrs,
        )

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GOVUKDateField(forms.MultiValueField):
    """A date entered as day, month and year, with the Design System's error messages."""

    widget = GOVUKDateInput

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {})
        super().__init__(
            fields=[forms.CharField(), forms.CharField(), forms.CharField()],
            require_all_fields=False,
            **kwargs,
        )

    def clean(self, value):
        parts = [str(part).strip() if part is not None else "" for part in value or []]
        parts += [""] * (3 - len(parts))
        label = (self.label or "Date").capitalize()
        if not any(parts):
            if self.required:
                raise ValidationError(f"Enter {label.lower()}", code="required")
            return None
        missing = [
            name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part
        ]
        if missing:
            raise ValidationError(
                f"{label} must include a {' and '.join(missing)}", code="incomplete"
            )
        try:
            day, month, year = (int(part) for part in parts)
            if year < 1000:
                raise ValueError
            return datetime.date(year, month, day)
        except ValueError:
            raise ValidationError(
                f"{label} must be a real date, for example 27 3 2024", code="invalid"
            ) from None


class DefaultedChoiceField(forms.TypedChoiceField):
    """A choice whose initial value shows as chosen when the submitted data leaves it out.

    For list controls (sort order, page size) that take a default from a URL without them.
    """

    def bound_data(self, data, initial):
        return initial if data in (None, "") else data


def what_to_do(field):
    """What the GOV.UK Design System has a required field say when it is left empty, from its
    label: what to enter, or what to select."""
    label = str(field.label or "").strip()
    label = label[:1].lower() + label[1:]
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return f"Select at least one of the {label}"
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.BooleanField):
        return f"Select the {label}"
    return f"Enter the {label}"


class SaysWhatToDo:
    """A form whose required fields, left empty, say what to do ("Enter the title", "Select
    the lead authority", "Select at least one of the themes") rather than Django's "This field
    is required"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if (
                field.error_messages.get("required")
                == forms.Field.default_error_messages["required"]
            ):
                field.error_messages["required"] = what_to_do(field)


class VersionedForm(SaysWhatToDo, forms.ModelForm):
    """A form that carries the version of the record it was opened at, to catch lost updates."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version


class AsksBeforeDuplicating(forms.Form):
    """A form for records where a new one matching an existing one (`matching(cleaned)`) is
    probably a mistake: it names the existing records (kept as `duplicates`, for the page to
    link to) and saves the new one only once `save_anyway` is ticked."""

    save_anyway = forms.BooleanField(
        required=False, label="Save it anyway: it is not the same as the one that exists"
    )
    #: The field the question is asked on.
    duplicate_field = None

    def matching(self, cleaned):
        """The existing records a new one with these values would duplicate."""
        raise NotImplementedError

    def duplicate_description(self, cleaned):
        """The new record as the question names it: “A project called … led by …”."""
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        self.duplicates = []
        if self.instance.pk is None and not cleaned.get("save_anyway") and not self.errors:
            self.duplicates = list(self.matching(cleaned)[:5])
        if self.duplicates:
            self.add_error(
                self.duplicate_field,
                ValidationError(
                    "%(new)s already exists (%(existing)s). Change it, or tick “Save it anyway” "
                    "if this is another one.",
                    code="duplicate",
                    params={
                        "new": self.duplicate_description(cleaned),
                        "existing": "; ".join(str(record) for record in self.duplicates),
                    },
                ),
            )
        return cleaned
