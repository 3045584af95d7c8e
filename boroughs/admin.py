"""The admin's pages for authorities, commissions, recommendations, and officers with their
memberships of authorities."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from .models import Borough, Commission, Membership, Recommendation


@admin.register(Borough)
class BoroughAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "gss_code",
        "short_code",
        "authority_type",
        "inner_outer_ons",
        "inner_outer_statutory",
        "partnership",
        "project_count",
    ]
    list_filter = ["is_city", "inner_outer_ons", "inner_outer_statutory", "partnership"]
    search_fields = ["name", "gss_code", "short_code"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["org_id"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_count=Count("led_projects"))

    @admin.display(description="projects led", ordering="project_count")
    def project_count(self, borough):
        return borough.project_count


class RecommendationInline(admin.StackedInline):
    model = Recommendation
    extra = 0
    autocomplete_fields = ["themes"]


@admin.register(Commission)
class CommissionAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "lead_borough",
        "kind",
        "status",
        "is_cross_party",
        "established_on",
        "reported_on",
        "recommendation_count",
    ]
    list_filter = ["kind", "status", "is_cross_party", "lead_borough"]
    list_select_related = ["lead_borough"]
    search_fields = ["title", "summary", "chair", "lead_borough__name"]
    autocomplete_fields = ["lead_borough", "partner_boroughs"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "established_on"
    inlines = [RecommendationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(recommendation_count=Count("recommendations"))

    @admin.display(description="recommendations", ordering="recommendation_count")
    def recommendation_count(self, commission):
        return commission.recommendation_count


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["reference", "commission", "short_text"]
    list_filter = ["commission__lead_borough", "themes"]
    list_select_related = ["commission"]
    search_fields = ["text", "commission__title"]
    autocomplete_fields = ["commission", "themes"]

    @admin.display(description="text")
    def short_text(self, recommendation):
        return recommendation.text[:120]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "borough", "role"]
    list_filter = ["role", "borough"]
    list_select_related = ["user", "borough"]
    search_fields = ["user__username", "user__email", "borough__name"]
    autocomplete_fields = ["user", "borough"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["borough"]
    verbose_name_plural = "authorities (an editor keeps records; a reviewer also publishes)"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class OfficerUserAdmin(UserAdmin):
    """People and their places in authorities, managed together."""

    inlines = [MembershipInline]
    list_display = [*UserAdmin.list_display, "authorities"]
    list_filter = [*UserAdmin.list_filter, "memberships__borough"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__borough")

    @admin.display(description="authorities")
    def authorities(self, user):
        return ", ".join(
            f"{m.borough.name} ({m.get_role_display().lower()})" for m in user.memberships.all()
        )
