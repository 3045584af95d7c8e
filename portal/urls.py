"""The portal's addresses: the catalogue's public pages, the officers' side under /officer/,
accounts under /account/, the admin, and the site's own pages."""

from django.contrib import admin
from django.urls import include, path

from projects import sitemaps
from projects.views.home import AboutDataView, HomeView

from . import views

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("about/data/", AboutDataView.as_view(), name="about-data"),
    path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
    path("healthz/", views.health, name="health"),
    path("readyz/", views.readiness, name="readiness"),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<section>.xml", sitemaps.section, name="sitemap-section"),
    path("", include("projects.urls.catalogue")),
    path("", include("projects.urls.authorities")),
    path("officer/", include("projects.urls.officers")),
    path("api/", include("projects.api.urls")),
    path("account/", include("portal.accounts")),
    path("admin/", admin.site.urls),
]
