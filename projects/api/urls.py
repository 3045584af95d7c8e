"""The read API's addresses (`api:`): its documentation at /api/, its endpoints and OpenAPI
document under /api/v1/."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView

from portal.api import JSONOnly, RequestsPerAddress

from . import views

app_name = "api"

# What the OpenAPI document says of the API as a whole (drf-spectacular's settings for it).
DOCUMENT_SETTINGS = {
    "OAS_VERSION": "3.1.0",
    "TITLE": "London Integration Projects Portal: read API",
    "DESCRIPTION": "What London's 33 local authorities do to promote social integration: "
    "published projects, authorities, commissions and their recommendations, funders, funding "
    "settlements, themes and target groups. Read-only JSON, for anyone; see /api/.",
    "VERSION": "1",
    "LICENSE": views.DATA_LICENCE,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "CommissionKindEnum": "boroughs.models.Commission.Kind",
        "FunderKindEnum": "projects.models.Funder.Kind",
    },
}


class OpenAPIDocumentView(SpectacularJSONAPIView):
    """The OpenAPI 3.1 document of every endpoint, counted by the same rate limit."""

    authentication_classes = []
    content_negotiation_class = JSONOnly
    throttle_classes = [RequestsPerAddress]
    custom_settings = DOCUMENT_SETTINGS
    # Not an operation of its own document.
    schema = None


urlpatterns = [
    path("", views.DocumentationView.as_view(), name="docs"),
    path("v1/openapi.json", OpenAPIDocumentView.as_view(), name="openapi"),
    path("v1/projects/", views.ProjectListView.as_view(), name="projects"),
    path("v1/projects/<slug:slug>/", views.ProjectDetailView.as_view(), name="project"),
    path("v1/boroughs/", views.BoroughListView.as_view(), name="boroughs"),
    path("v1/boroughs/<slug:slug>/", views.BoroughDetailView.as_view(), name="borough"),
    path("v1/commissions/", views.CommissionListView.as_view(), name="commissions"),
    path("v1/commissions/<slug:slug>/", views.CommissionDetailView.as_view(), name="commission"),
    path("v1/funders/", views.FunderListView.as_view(), name="funders"),
    path("v1/funders/<slug:slug>/", views.FunderDetailView.as_view(), name="funder"),
    path("v1/settlements/", views.SettlementListView.as_view(), name="settlements"),
    path("v1/settlements/<int:pk>/", views.SettlementDetailView.as_view(), name="settlement"),
    path("v1/themes/", views.ThemeListView.as_view(), name="themes"),
    path("v1/themes/<slug:slug>/", views.ThemeDetailView.as_view(), name="theme"),
    path("v1/target-groups/", views.TargetGroupListView.as_view(), name="target-groups"),
    # Any other address under /api/: not found, said in JSON.
    re_path(r"^.+", views.NoSuchEndpointView.as_view()),
]
