from django.urls import path

from . import views

app_name = "boroughs"

urlpatterns = [
    path("boroughs/", views.BoroughListView.as_view(), name="list"),
    path("boroughs/<slug:slug>/", views.BoroughDetailView.as_view(), name="detail"),
    path("commissions/", views.CommissionListView.as_view(), name="commissions"),
    path("commissions/<slug:slug>/", views.CommissionDetailView.as_view(), name="commission"),
    path("compare/boroughs/", views.BoroughCompareView.as_view(), name="compare"),
]
