"""The pages of London's authorities and their commissions."""

from django.urls import path

from ..views import authorities, commissions

app_name = "boroughs"

urlpatterns = [
    path("boroughs/", authorities.BoroughListView.as_view(), name="list"),
    path("boroughs/<slug:slug>/", authorities.BoroughDetailView.as_view(), name="detail"),
    path("compare/boroughs/", authorities.BoroughCompareView.as_view(), name="compare"),
    path("commissions/", commissions.CommissionListView.as_view(), name="commissions"),
    path("commissions/<slug:slug>/", commissions.CommissionDetailView.as_view(), name="commission"),
]
