"""Template tags for GOV.UK Design System components and the portal's number formats."""

import re
from decimal import Decimal

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from portal.money import financial_year_label
from portal.querystrings import without_blanks

register = template.Library()


@register.inclusion_tag("components/field.html")
def govuk_field(
    field, label_size="", hint=None, width="", legend_size="s", small=False, form_id=""
):
    """A form field as a GOV.UK form group: label or legend, hint, error message, control."""
    return {
        "field": field,
        "label_size": label_size,
        "legend_size": legend_size,
        "hint": field.help_text if hint is None else hint,
        "width": width,
        "small": small,
        "form_id": form_id,
        "control": "radios" if field.widget_type == "radioselect" else "checkboxes",
        "described_by": " ".join(
            part
            for part, present in (
                (f"{field.auto_id}-hint", field.help_text if hint is None else hint),
                (f"{field.auto_id}-error", field.errors),
            )
            if present
        ),
    }


@register.inclusion_tag("components/error_summary.html")
def govuk_error_summary(*forms):
    """The error summary for forms and formsets: each error links to its field."""
    errors = []
    for form in forms:
        if not form:
            continue
        if hasattr(form, "non_form_errors"):
            errors += [{"message": message, "href": ""} for message in form.non_form_errors()]
            errors += govuk_error_summary(*form.forms)["errors"]
            continue
        errors += [{"message": message, "href": ""} for message in form.non_field_errors()]
        for field in form:
            # Checkboxes, radios and date inputs have no single label target: link to the first.
            target = field.id_for_label or f"{field.auto_id}_0"
            errors += [{"message": message, "href": f"#{target}"} for message in field.errors]
    return {"errors": errors}


# The GOV.UK tag colour of each delivery status.
STATUS_COLOURS = {
    "planned": "blue",
    "active": "green",
    "completed": "grey",
    "paused": "yellow",
    "cancelled": "red",
}


@register.filter
def status_colour(status):
    return STATUS_COLOURS.get(status, "grey")


@register.filter
def pounds(amount):
    """£1,234,567 (whole pounds), or an en dash when there is no amount."""
    if amount is None or amount == "":
        return "–"
    return f"£{Decimal(amount):,.0f}"


@register.filter
def pounds_short(amount):
    """£1.2m, £350k or £900: for charts, maps and headline figures."""
    if amount is None:
        return "–"
    amount = Decimal(amount)
    if amount >= 1_000_000:
        return f"£{amount / 1_000_000:,.1f}m"
    if amount >= 10_000:
        return f"£{amount / 1_000:,.0f}k"
    return f"£{amount:,.0f}"


@register.filter
def percent(share):
    """A share from 0 to 1 as a whole percentage, or an en dash when unknown."""
    if share is None:
        return "–"
    return f"{round(share * 100)}%"


@register.filter
def financial_year(year):
    return financial_year_label(year)


@register.filter(needs_autoescape=True)
def govuk_paragraphs(text, autoescape=True):
    """Text as GOV.UK body paragraphs: a blank line starts a paragraph, a line break stays one."""
    escape = conditional_escape if autoescape else str
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", str(text or "").strip())]
    return mark_safe(
        "".join(
            format_html(
                '<p class="govuk-body">{}</p>',
                mark_safe("<br>".join(escape(line) for line in paragraph.splitlines())),
            )
            for paragraph in paragraphs
            if paragraph
        )
    )


@register.filter
def filled(query):
    """The query's parameters that were given a value, for links built from it."""
    return without_blanks(query)
