"""What the read API writes of each record: its public fields and stable identifiers (slugs, GSS
codes, 360Giving organisation identifiers), never a draft's, an officer's or a reviewer's.

The serializers only write (the API takes no input) and document the bodies in the OpenAPI
document."""

from rest_framework import serializers

from boroughs.models import Commission, InnerOuter, Partnership
from portal.api import page_serializer

from ..models import Funder, Project, Restrictions

DELIVERY_STATUSES = Project.DeliveryStatus.choices


def money(**kwargs):
    """An amount in pounds, as a JSON number with pence."""
    return serializers.DecimalField(
        max_digits=None, decimal_places=2, coerce_to_string=False, **kwargs
    )


def share(**kwargs):
    return serializers.FloatField(
        allow_null=True,
        min_value=0,
        max_value=1,
        help_text="A share from 0 to 1; null without money.",
        **kwargs,
    )


class Named(serializers.Serializer):
    """A record another one names: its slug and name."""

    slug = serializers.SlugField()
    name = serializers.CharField()


class AuthorityNamed(Named):
    gss_code = serializers.CharField(help_text="The ONS GSS code, E09000001 to E09000033.")


class ProjectListed(serializers.Serializer):
    id = serializers.SlugField(source="slug", help_text="The project's permanent identifier.")
    url = serializers.URLField(help_text="The project's record in the API.")
    html_url = serializers.URLField(help_text="The project's page on the portal.")
    title = serializers.CharField()
    summary = serializers.CharField()
    lead_borough = AuthorityNamed()
    partner_boroughs = AuthorityNamed(many=True, source="partner_boroughs_listed")
    themes = Named(many=True, source="themes_listed")
    target_groups = Named(many=True, source="target_groups_listed")
    delivery_status = serializers.ChoiceField(DELIVERY_STATUSES)
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    funding_gbp = money(source="funding_total")
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, project):
        """The fields above, written by hand: the busiest list writes up to 100 projects at a
        time, which DRF's field-by-field writing took 40 ms over. tests/test_api_schema.py
        holds what this writes to the fields' document."""
        lead = project.lead_borough
        return {
            "id": project.slug,
            "url": project.url,
            "html_url": project.html_url,
            "title": project.title,
            "summary": project.summary,
            "lead_borough": {"slug": lead.slug, "name": lead.name, "gss_code": lead.gss_code},
            "partner_boroughs": project.partner_boroughs_listed,
            "themes": project.themes_listed,
            "target_groups": project.target_groups_listed,
            "delivery_status": project.delivery_status,
            "start_date": project.start_date.isoformat(),
            "end_date": project.end_date.isoformat() if project.end_date else None,
            "funding_gbp": float(project.funding_total),
            "published_at": moment(project.published_at),
            "updated_at": moment(project.updated_at),
        }


def moment(value):
    """A date and time as DRF's DateTimeField writes it: ISO 8601, in London's time."""
    return DATE_TIME.to_representation(value)


DATE_TIME = serializers.DateTimeField()


class ProjectFunding(serializers.Serializer):
    settlement = serializers.IntegerField(source="settlement_id")
    funder = Named(source="settlement.funder")
    programme = serializers.CharField(source="settlement.programme")
    amount_gbp = money(source="amount")


class ProjectDetail(ProjectListed):
    description = serializers.CharField()
    delivery_partners = serializers.ListField(
        child=serializers.CharField(), source="delivery_partner_list"
    )
    commission = serializers.SlugField(
        source="commission.slug", allow_null=True, help_text="The commission it follows from."
    )
    recommendations = serializers.ListField(
        child=serializers.CharField(),
        source="recommendations_listed",
        help_text="The recommendations it addresses (their ids, as commissions list them).",
    )
    people_reached = serializers.IntegerField(allow_null=True)
    outcomes = serializers.CharField()
    evaluation_url = serializers.CharField()
    contact_name = serializers.CharField(help_text="Its public contact.")
    contact_email = serializers.CharField()
    fundings = ProjectFunding(many=True)

    def to_representation(self, project):
        # One project: every field the DRF way.
        return serializers.Serializer.to_representation(self, project)


class FacetOption(serializers.Serializer):
    value = serializers.CharField(help_text="The option as the query string names it.")
    label = serializers.CharField()
    count = serializers.IntegerField(
        help_text="Projects the list would hold with this option ticked as well (its own "
        "facet's other options aside)."
    )
    selected = serializers.BooleanField()


class Facet(serializers.Serializer):
    label = serializers.CharField()
    options = FacetOption(many=True)


ProjectPage = page_serializer(
    "ProjectPage",
    ProjectListed,
    facets=serializers.DictField(
        child=Facet(),
        required=False,
        help_text="Each facet's options with their counts, given with facets=true.",
    ),
)


class Borough(serializers.Serializer):
    slug = serializers.SlugField()
    gss_code = serializers.CharField(help_text="The ONS GSS code.")
    short_code = serializers.CharField(help_text="The three-letter local authority code.")
    org_id = serializers.CharField(help_text="The 360Giving organisation identifier.")
    name = serializers.CharField()
    authority_type = serializers.CharField()
    inner_outer_ons = serializers.ChoiceField(InnerOuter.choices)
    partnership = serializers.ChoiceField(Partnership.choices, allow_blank=True)
    website = serializers.CharField()
    html_url = serializers.URLField()
    project_count = serializers.IntegerField(help_text="Published projects it leads or joins.")
    commission_count = serializers.IntegerField()
    funding_received_gbp = money(source="funding_received")
    multi_year_share = share()


BoroughPage = page_serializer("BoroughPage", Borough)


class Recommendation(serializers.Serializer):
    id = serializers.CharField(source="slug", help_text="Used by projects' recommendation=.")
    reference = serializers.CharField()
    text = serializers.CharField()
    themes = serializers.ListField(child=serializers.SlugField(), source="theme_slugs")
    projects_url = serializers.URLField(help_text="The published projects addressing it.")


class CommissionSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    html_url = serializers.URLField()
    lead_borough = AuthorityNamed()
    partner_boroughs = AuthorityNamed(many=True)
    kind = serializers.ChoiceField(Commission.Kind.choices)
    status = serializers.ChoiceField(Commission.Status.choices)
    is_cross_party = serializers.BooleanField()
    chair = serializers.CharField()
    established_on = serializers.DateField(allow_null=True)
    reported_on = serializers.DateField(allow_null=True)
    report_url = serializers.CharField()
    summary = serializers.CharField()
    retired = serializers.BooleanField()
    project_count = serializers.IntegerField(source="published_project_count")
    recommendations = Recommendation(many=True)


CommissionPage = page_serializer("CommissionPage", CommissionSerializer)


class FunderSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(Funder.Kind.choices)
    org_id = serializers.CharField(help_text="The 360Giving organisation identifier, if known.")
    website = serializers.CharField()
    html_url = serializers.URLField()
    settlement_count = serializers.IntegerField()
    total_gbp = money(source="total")
    borough_count = serializers.IntegerField(help_text="Authorities receiving its settlements.")
    multi_year_share = share()
    without_burdensome_restrictions_share = share()
    project_count = serializers.IntegerField(help_text="Published projects it funds.")


FunderPage = page_serializer("FunderPage", FunderSerializer)


class FunderNamed(Named):
    kind = serializers.ChoiceField(Funder.Kind.choices)


class Settlement(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    html_url = serializers.URLField()
    funder = FunderNamed()
    programme = serializers.CharField()
    recipient = AuthorityNamed()
    total_gbp = money(source="total_amount")
    first_year = serializers.IntegerField(help_text="2024 for the financial year 2024-25.")
    last_year = serializers.IntegerField()
    restrictions = serializers.ChoiceField(Restrictions.choices)
    conditions = serializers.CharField()
    awarded_on = serializers.DateField()


SettlementPage = page_serializer("SettlementPage", Settlement)


class SettledProject(serializers.Serializer):
    project = serializers.SlugField(source="project.slug")
    amount_gbp = money(source="amount")


class SettlementDetail(Settlement):
    allocations = serializers.DictField(
        child=money(),
        source="allocations_by_year",
        help_text="The amount of each financial year, by its first year.",
    )
    projects = SettledProject(
        many=True, source="projects_listed", help_text="The published projects it funds."
    )


class Term(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    retired = serializers.BooleanField()
    project_count = serializers.IntegerField(help_text="Published projects with it.")
    projects_url = serializers.URLField(help_text="Those projects in the API.")


class ThemeSerializer(Term):
    is_core = serializers.BooleanField(help_text="One of the publication's five themes.")
    html_url = serializers.URLField()


ThemePage = page_serializer("ThemePage", ThemeSerializer)
TargetGroupPage = page_serializer("TargetGroupPage", Term)
