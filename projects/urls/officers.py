"""The officers' side, under /officer/: the dashboard, projects, settlements and commissions."""

from django.urls import include, path

from ..views import officers as views

app_name = "officers"

# A project, and its steps through review.
project = [
    path("", views.OfficerProjectDetailView.as_view(), name="project"),
    path("edit/", views.ProjectUpdateView.as_view(), name="project-edit"),
    path("steps/<str:action>/", views.ProjectStepView.as_view(), name="project-step"),
    path("history/", views.ProjectHistoryView.as_view(), name="project-history"),
]
# A commission, with its recommendations.
commission = [
    path("edit/", views.CommissionUpdateView.as_view(), name="commission-edit"),
    path("history/", views.CommissionHistoryView.as_view(), name="commission-history"),
]
# A funding settlement, with its allocations and the projects it funds.
settlement = [
    path("edit/", views.SettlementUpdateView.as_view(), name="settlement-edit"),
    path("history/", views.SettlementHistoryView.as_view(), name="settlement-history"),
]

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("projects/", views.OfficerProjectListView.as_view(), name="projects"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project-create"),
    path("projects/<slug:slug>/", include(project)),
    path("commissions/", views.OfficerCommissionListView.as_view(), name="commissions"),
    path("commissions/new/", views.CommissionCreateView.as_view(), name="commission-create"),
    path("commissions/<slug:slug>/", include(commission)),
    path("settlements/", views.OfficerSettlementListView.as_view(), name="settlements"),
    path("settlements/new/", views.SettlementCreateView.as_view(), name="settlement-create"),
    path("settlements/<int:pk>/", include(settlement)),
    path("changes/", views.ChangeListView.as_view(), name="changes"),
    path("changes/<int:pk>/", views.ChangeDetailView.as_view(), name="change"),
]
