from django.urls import path

from boroughs import officer_views as commissions

from . import officer_views as views

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
    path("commissions/", commissions.OfficerCommissionListView.as_view(), name="commissions"),
    path(
        "commissions/new/",
        commissions.CommissionCreateView.as_view(),
        name="commission-create",
    ),
    path(
        "commissions/<slug:slug>/edit/",
        commissions.CommissionUpdateView.as_view(),
        name="commission-edit",
    ),
    path(
        "commissions/<slug:slug>/history/",
        commissions.CommissionHistoryView.as_view(),
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
