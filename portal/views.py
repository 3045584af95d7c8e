from django.views.generic import TemplateView

from boroughs.models import Borough
from projects.models import Project


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        published = Project.objects.published()
        return super().get_context_data(
            project_count=published.count(),
            authority_count=Borough.objects.filter(led_projects__in=published).distinct().count(),
            **kwargs,
        )
