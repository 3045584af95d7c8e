"""The projects list's results and its facets' options, written in Python: the list is the
busiest page, and a result or an option drawn here costs a fraction of one drawn by the
template engine (the filter column's 140 options took 7 ms of each new page). The markup is
what a template would write: GOV.UK classes, every text from the database HTML-escaped."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from portal.templatetags.govuk import pounds, status_colour
from projects.models import NAMES_SEPARATOR, Project

register = template.Library()

STATUS_LABELS = dict(Project.DeliveryStatus.choices)
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip

RESULT = """<li class="portal-result">
  <h3 class="govuk-heading-m govuk-!-margin-bottom-2"><a class="govuk-link" href="{url}"
    >{title}</a></h3>
  <p class="govuk-body govuk-!-margin-bottom-2">{summary}</p>
  <dl class="portal-result__meta govuk-body-s">
    <div><dt>Lead borough:</dt> <dd>{lead}{partners}</dd></div>
    <div><dt>Status:</dt> <dd><strong class="govuk-tag govuk-tag--{colour}">{status}</strong></dd>
    </div>
    <div><dt>Themes:</dt> <dd>{themes}</dd></div>
    <div><dt>Funding:</dt> <dd>{funding}</dd></div>
    <div><dt>Runs:</dt> <dd>{start} to {end}</dd></div>
  </dl>
  <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
    <div class="govuk-checkboxes__item">
      <input class="govuk-checkboxes__input" id="compare-{slug}" name="project" type="checkbox"
        value="{slug}" form="compare-form">
      <label class="govuk-label govuk-checkboxes__label" for="compare-{slug}">Compare<span
        class="govuk-visually-hidden"> {title}</span></label>
    </div>
  </div>
</li>
"""


def month(day):
    """ "April 2024": the month and year (English names, as everywhere on the portal)."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def names(joined):
    """The names of a NAMES_SEPARATOR-joined annotation, in alphabetical order."""
    return sorted(name for name in (joined or "").split(NAMES_SEPARATOR) if name)


def with_partners(joined):
    """ ", with Camden and Islington": the partner authorities after the lead."""
    partners = names(joined)
    if not partners:
        return ""
    if len(partners) == 1:
        return f", with {partners[0]}"
    return f", with {', '.join(partners[:-1])} and {partners[-1]}"


@register.simple_tag
def project_results(projects):
    """One list item per project: rows of the fields the view's LISTED names."""
    # A project's page is its slug under the list's address; one reverse() for them all.
    listed = reverse("projects:list")
    # Safe: every value from the database is escaped below.
    return mark_safe(
        "".join(
            RESULT.format(
                url=f"{listed}{escape(project['slug'])}/",
                title=escape(project["title"]),
                summary=escape(project["summary"]),
                lead=escape(project["lead_borough__name"]),
                partners=escape(with_partners(project["partner_names"])),
                colour=status_colour(project["delivery_status"]),
                status=STATUS_LABELS[project["delivery_status"]],
                themes=escape(", ".join(names(project["theme_names"]))),
                funding=pounds(project["funding_total"]),
                start=month(project["start_date"]),
                end=month(project["end_date"]) if project["end_date"] else "no end date",
                slug=escape(project["slug"]),
            )
            for project in projects
        )
    )


OPTION = (
    '<div class="govuk-{control}__item">\n'
    '  <input class="govuk-{control}__input" id="{id}" name="{name}" '
    'type="{type}" value="{value}"{checked}>\n'
    '  <label class="govuk-label govuk-{control}__label" for="{id}">'
    '{label} <span class="portal-facet-count">({count}'
    '<span class="govuk-visually-hidden"> projects</span>)</span></label>\n'
    "</div>\n"
)


@register.simple_tag
def facet_options(facet):
    """A facet's options (projects.facets.Facet) as GOV.UK checkboxes or radios, each with how
    many projects choosing it gives."""
    name = escape(facet.field.html_name)
    # Safe: every value from the database is escaped below.
    return mark_safe(
        "".join(
            OPTION.format(
                control=facet.control,
                id=escape(option.id),
                name=name,
                type=facet.input_type,
                value=escape(option.value),
                checked=" checked" if option.selected else "",
                label=escape(option.label),
                count=option.count,
            )
            for option in facet.options
        )
    )
