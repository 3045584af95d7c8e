"""The forms officers keep their authorities' commissions with, recommendations included."""

from django import forms

from portal.forms import GOVUKDateField, VersionedForm

from .models import Borough, Commission, Recommendation


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


CommissionRecommendations = forms.inlineformset_factory(
    Commission,
    Recommendation,
    fields=["number", "text", "themes"],
    widgets={"themes": forms.CheckboxSelectMultiple},
    labels={"number": "Number", "text": "Recommendation"},
    extra=1,
    can_delete=True,
)
