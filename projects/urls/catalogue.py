"""The catalogue's pages: projects, funders, funding settlements and themes."""

from django.urls import path

from ..views import catalogue, feeds, funding, themes

app_name = "projects"

urlpatterns = [
    path("projects/", catalogue.ProjectListView.as_view(), name="list"),
    path("projects/export.csv", catalogue.ProjectCSVExportView.as_view(), name="export-csv"),
    path("projects/export.json", catalogue.ProjectJSONExportView.as_view(), name="export-json"),
    path("projects/feed.atom", feeds.ProjectFeed(), name="feed"),
    path("projects/export.xlsx", catalogue.ProjectXLSXExportView.as_view(), name="export-xlsx"),
    path("projects/<slug:slug>/", catalogue.ProjectDetailView.as_view(), name="detail"),
    path("compare/projects/", catalogue.ProjectCompareView.as_view(), name="compare"),
    path("funders/", funding.FunderListView.as_view(), name="funders"),
    path("funders/<slug:slug>/", funding.FunderDetailView.as_view(), name="funder"),
    path("settlements/", funding.SettlementListView.as_view(), name="settlements"),
    path(
        "settlements/export.csv", funding.SettlementCSVExportView.as_view(), name="settlements-csv"
    ),
    path(
        "settlements/export.json",
        funding.SettlementJSONExportView.as_view(),
        name="settlements-json",
    ),
    path(
        "settlements/export.xlsx",
        funding.SettlementXLSXExportView.as_view(),
        name="settlements-xlsx",
    ),
    path(
        "settlements/360giving.json",
        funding.Settlement360GivingView.as_view(),
        name="settlements-360giving",
    ),
    path("settlements/<int:pk>/", funding.SettlementDetailView.as_view(), name="settlement"),
    path("themes/", themes.ThemeListView.as_view(), name="themes"),
    path("themes/<slug:slug>/", themes.ThemeDetailView.as_view(), name="theme"),
]
