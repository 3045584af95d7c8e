"""The officers' side, under /officer/: the dashboard, projects, settlements and views."""

from django.urls import path

from ..views import officers as views

app_name = "officers"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("projects/", views.OfficerProjectListView.as_view(), name="projects"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project-create"),
    path("projects/<slug:slug>/", views.OfficerProjectDetailView.as_view(), name="project"),
    path("projects/<slug:slug>/edit/", views.ProjectUpdateView.as_view(), name="project-edit"),
    path(
        "projects/<slug:slug>/steps/<str:action>/",
        views.ProjectStepView.as_view(),
        name="project-step",
    ),
    path(
        "projects/<slug:slug>/history/",
        views.ProjectHistoryView.as_view(),
        name="project-history",
    ),
    path("commissions/", views.OfficerCommissionListView.as_view(), name="commissions"),
    path(
        "commissions/new/",
        views.CommissionCreateView.as_view(),
        name="commission-create",
    ),
    path(
        "commissions/<slug:slug>/edit/",
        views.CommissionUpdateView.as_view(),
        name="commission-edit",
    ),
    path(
        "commissions/<slug:slug>/history/",
        views.CommissionHistoryView.as_view(),
        name="commission-history",
    ),
    path("settlements/", views.OfficerSettlementListView.as_view(), name="settlements"),
    path("settlements/new/", views.SettlementCreateView.as_view(), name="settlement-create"),
    path(
        "settlements/<int:pk>/edit/",
        views.SettlementUpdateView.as_view(),
        name="settlement-edit",
    ),
    path(
        "settlements/<int:pk>/history/",
        views.SettlementHistoryView.as_view(),
        name="settlement-history",
    ),
]
