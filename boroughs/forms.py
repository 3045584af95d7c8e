"""The forms officers keep their authorities' commissions with, recommendations included; and
what the forms of curated records share: offering only current (not retired) choices, and
restoring a record from its history as a consistent whole."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import get_text_list
from simple_history.models import to_historic

from portal.forms import GOVUKDateField, SaysWhatToDo, VersionedForm
from portal.models import Versioned

from .models import Borough, Commission, Recommendation


class OffersCurrentChoices:
    """A model form whose fields named in `current_choices` offer only current records (their
    querysets' current(): not retired) and those the form's record has already: a retired one
    stays where it is, but nothing new chooses it."""

    current_choices = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.current_choices:
            field = self.fields[name]
            had = self.initial.get(name)
            # Many-to-many initial values are lists (of records or keys); a foreign key's a key.
            had = had if isinstance(had, list | tuple) else [had]
            kept = [getattr(choice, "pk", choice) for choice in had if choice is not None]
            current = field.queryset.current()
            field.queryset = current | field.queryset.filter(pk__in=kept) if kept else current


def recorded_links(version):
    """{field name: primary keys}: what `version` (a history record) linked to, by each
    many-to-many field its history records. A deletion is recorded once the links went with the
    record, so for one, the links recorded by the version before it."""
    if version.history_type == "-" and version.prev_record:
        version = version.prev_record
    model = version.instance_type
    return {
        field.name: [
            getattr(link, f"{field.m2m_reverse_field_name()}_id")
            for link in getattr(version, field.name).all()
        ]
        for field in model._meta.many_to_many
        if hasattr(type(version), field.name)
    }


def deleted_with(record):
    """The names (plural) of the kinds of rows with history that were deleted with `record`, a
    deleted record: those whose foreign key to it cascades. A restore cannot bring them back."""
    return [
        relation.related_model._meta.verbose_name_plural
        for relation in record._meta.related_objects
        if relation.on_delete is models.CASCADE
        and hasattr(relation.related_model, "history")
        and relation.related_model.history.filter(**{relation.field.attname: record.pk}).exists()
    ]


class RestoreForm(forms.ModelForm):
    """A record as one of its versions had it: the admin's revert page, for a deleted record
    too. Its links come back as the version recorded them; a deleted record whose dependent rows
    went with it is refused, and so is one whose address (a unique field not on the form) is
    someone else's now. The `stored` record is the one in the database, None when deleted."""

    def __init__(self, *args, instance, **kwargs):
        version = to_historic(instance)
        model = type(instance)
        self.stored = model._default_manager.filter(pk=instance.pk).first()
        kwargs["initial"] = {**recorded_links(version), **kwargs.get("initial", {})}
        super().__init__(*args, instance=instance, **kwargs)
        if isinstance(instance, Versioned):
            # Saves go on counting from the newest version, so that a form opened before the
            # restore is still caught as stale.
            recorded = model.history.filter(**{model._meta.pk.attname: instance.pk})
            newest = self.stored or recorded.latest()
            instance.version = newest.version

    def clean(self):
        cleaned = super().clean()
        record = self.instance
        lost = [] if self.stored else deleted_with(record)
        if lost:
            raise ValidationError(
                "This %(record)s cannot be restored: its %(lost)s were deleted with it, and a "
                "restore does not bring them back. Add it again as a new %(record)s, with its "
                "%(lost)s.",
                code="deleted_with_it",
                params={"record": record._meta.verbose_name, "lost": get_text_list(lost, "and")},
            )
        try:
            record.validate_unique(exclude=list(self.fields))
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return cleaned


class OfficerCommissionForm(VersionedForm):
    """A commission as officers enter it for their own authorities."""

    class Meta:
        model = Commission
        fields = [
            "title",
            "lead_borough",
            "partner_boroughs",
            "kind",
            "is_cross_party",
            "chair",
            "status",
            "established_on",
            "reported_on",
            "report_url",
            "summary",
        ]
        field_classes = {"established_on": GOVUKDateField, "reported_on": GOVUKDateField}
        widgets = {
            "partner_boroughs": forms.CheckboxSelectMultiple,
            "kind": forms.RadioSelect,
            "status": forms.RadioSelect,
        }
        labels = {
            "lead_borough": "Lead authority",
            "partner_boroughs": "Partner authorities",
            "is_cross_party": "Cross-party (members of more than one party sit on it)",
        }
        help_texts = {"reported_on": "Leave blank until it reports."}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_borough"].queryset = Borough.objects.of_officer(user)
        self.fields["lead_borough"].empty_label = None

    def clean(self):
        cleaned = super().clean()
        lead = cleaned.get("lead_borough")
        if lead and lead in (cleaned.get("partner_boroughs") or []):
            self.add_error(
                "partner_boroughs", f"{lead} leads the commission, so it cannot also be a partner."
            )
        return cleaned


class RecommendationForm(OffersCurrentChoices, SaysWhatToDo, forms.ModelForm):
    current_choices = ["themes"]


class RecommendationFormSet(forms.BaseInlineFormSet):
    """A commission's recommendations, of which one that projects address stays."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            addressing = form.instance.projects.order_by("title", "pk")
            if addressing:
                form.add_error(
                    "DELETE",
                    ValidationError(
                        "%(reference)s cannot be removed while projects address it: %(projects)s.",
                        code="addressed",
                        params={
                            "reference": form.instance.reference,
                            "projects": get_text_list([p.title for p in addressing], "and"),
                        },
                    ),
                )


CommissionRecommendations = forms.inlineformset_factory(
    Commission,
    Recommendation,
    form=RecommendationForm,
    formset=RecommendationFormSet,
    fields=["number", "text", "themes"],
    widgets={"themes": forms.CheckboxSelectMultiple},
    labels={"number": "Number", "text": "Recommendation"},
    extra=1,
    can_delete=True,
)
