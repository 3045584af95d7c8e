from django.urls import path

from . import funding_views, views

app_name = "projects"

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="list"),
    path("projects/export.csv", views.ProjectCSVExportView.as_view(), name="export-csv"),
    path("projects/export.json", views.ProjectJSONExportView.as_view(), name="export-json"),
    path("projects/<slug:slug>/", views.ProjectDetailView.as_view(), name="detail"),
    path("compare/projects/", views.ProjectCompareView.as_view(), name="compare"),
    path("funders/", funding_views.FunderListView.as_view(), name="funders"),
    path("funders/<slug:slug>/", funding_views.FunderDetailView.as_view(), name="funder"),
    path("settlements/", funding_views.SettlementListView.as_view(), name="settlements"),
    path("settlements/<int:pk>/", funding_views.SettlementDetailView.as_view(), name="settlement"),
    path("themes/", funding_views.ThemeListView.as_view(), name="themes"),
    path("themes/<slug:slug>/", funding_views.ThemeDetailView.as_view(), name="theme"),
]
