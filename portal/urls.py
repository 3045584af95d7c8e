from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("about/data/", views.AboutDataView.as_view(), name="about-data"),
    path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
    path("healthz/", views.health, name="health"),
    path("", include("projects.urls")),
    path("", include("boroughs.urls")),
    path("officer/", include("projects.officer_urls")),
    path("account/", include("portal.accounts")),
    path("admin/", admin.site.urls),
]
