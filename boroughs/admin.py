"""The admin's pages for authorities, commissions, recommendations, and officers with their
memberships of authorities; and what the admins of curated records share: restoring from
history, and retiring what projects depend on instead of deleting it."""

from django.contrib import admin, messages
from django.contrib.admin.utils import model_ngettext
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import is_historic

from .forms import RecommendationForm, RestoreForm
from .models import Borough, Commission, Membership, Recommendation


class ExportsItsList(ExportMixin):
    """An admin list that curators can export, as filtered and searched, to CSV or XLSX
    (django-import-export's export, which the projects' and settlements' imports share)."""

    export_formats = [CSV, XLSX]


class LinkModelsAdmin:
    """An admin (or inline) of a model whose many-to-many fields go through link models of
    their own, holding nothing but their two ends (so that what they link to is protected). The
    admin leaves such fields out unless told; these it shows as it shows Django's own links."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.remote_field.through._meta.auto_created:
            return super().formfield_for_manytomany(db_field, request, **kwargs)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return db_field.formfield(**kwargs)


class RestoringAdmin(ExportsItsList, SimpleHistoryAdmin):
    """An admin with history whose restores (reverting to a version, a deleted record's too)
    bring back a consistent record or are refused with the reason: its revert page's form is
    `restore_form`, whose checks say what a restore must meet."""

    restore_form = RestoreForm

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # simple_history selects the history's foreign keys with select_related(*names), which
        # Django 6.1 deprecates when there are none (a theme, a funder): select who changed it.
        if not any(field.many_to_one for field in self.model._meta.concrete_fields):
            return history_manager.filter(**{pk_name: object_id}).select_related("history_user")
        return super().get_history_queryset(request, history_manager, pk_name, object_id)

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None and is_historic(obj):
            kwargs["form"] = self.restore_form
        return super().get_form(request, obj, **kwargs)


class RetiringAdmin(RestoringAdmin):
    """Curated records that projects depend on. The models refuse to delete one that they use
    (PROTECT): the delete page names them and offers retiring it instead, which keeps it where
    it is but offers it for no new choice."""

    actions = ["retire_selected"]
    delete_confirmation_template = "admin/delete_confirmation_retire_instead.html"
    delete_selected_confirmation_template = "admin/delete_selected_confirmation_retire_instead.html"
    # A theme can have a thousand projects: the page names a hundred, and says how many more.
    delete_confirmation_max_display = 100

    @admin.action(description="Retire selected %(verbose_name_plural)s", permissions=["change"])
    def retire_selected(self, request, queryset):
        retiring = list(queryset.filter(retired=False))
        for record in retiring:
            record.retired = True
            record.save()
        self.message_user(
            request,
            f"{len(retiring)} {model_ngettext(self.opts, len(retiring))} retired. A retired "
            f"{self.opts.verbose_name} stays on what has it, but is offered for no new choice.",
            messages.SUCCESS,
        )

    def get_search_results(self, request, queryset, search_term):
        # The admin's autocomplete, choosing one for a record, offers current ones only.
        if request.resolver_match.url_name == "autocomplete":
            queryset = queryset.current()
        return super().get_search_results(request, queryset, search_term)


@admin.register(Borough)
class BoroughAdmin(ExportsItsList, admin.ModelAdmin):
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


class RecommendationInline(LinkModelsAdmin, admin.StackedInline):
    model = Recommendation
    form = RecommendationForm
    extra = 0
    autocomplete_fields = ["themes"]


@admin.register(Commission)
class CommissionAdmin(RetiringAdmin):
    list_display = [
        "title",
        "lead_borough",
        "kind",
        "status",
        "is_cross_party",
        "established_on",
        "reported_on",
        "recommendation_count",
        "retired",
    ]
    list_filter = ["retired", "kind", "status", "is_cross_party", "lead_borough"]
    list_select_related = ["lead_borough"]
    # Given here too: the recommendation counts group the rows, which sets the model's ordering
    # aside (and the autocomplete pages through them).
    ordering = ["title", "pk"]
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
class RecommendationAdmin(ExportsItsList, LinkModelsAdmin, admin.ModelAdmin):
    form = RecommendationForm
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
