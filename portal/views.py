from django.views.generic import TemplateView

from boroughs.models import Borough, Commission
from projects.exports import COLUMNS
from projects.models import FundingSettlement, Project, Theme

LATEST = 5


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        published = Project.objects.published()
        per_borough = published.count_by_borough()
        per_theme = published.count_by_theme()
        themes = list(Theme.objects.all())
        for theme in themes:
            theme.project_count = per_theme.get(theme.pk, 0)
        return super().get_context_data(
            project_count=published.count(),
            authority_count=len(per_borough),
            funding=FundingSettlement.objects.summary(),
            themes=themes,
            map_tiles=[
                {"borough": b, "value": per_borough.get(b.pk, 0), "url": b.get_absolute_url()}
                for b in Borough.objects.all()
            ],
            commissions=Commission.objects.select_related("lead_borough").order_by(
                "-established_on", "pk"
            )[:LATEST],
            latest_projects=published.select_related("lead_borough").order_by(
                "-published_at", "-pk"
            )[:LATEST],
            **kwargs,
        )


class AboutDataView(TemplateView):
    template_name = "about_data.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            export_columns=[(name, description) for name, description, *_ in COLUMNS], **kwargs
        )


class AccessibilityView(TemplateView):
    template_name = "accessibility.html"
