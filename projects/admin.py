"""The admin's pages for the catalogue, written for curators: themes, target groups, funders,
settlements with their allocations and projects funded, projects with their funding lines and
review steps, imports from files and the workflow's bulk actions."""

from django import forms
from django.contrib import admin
from django.db.models import Count, Sum

from boroughs.admin import ExportsItsList, LinkModelsAdmin, RestoringAdmin, RetiringAdmin

from .admin_actions import (
    archive_projects,
    merge_duplicate_projects,
    merge_duplicate_settlements,
    publish_projects,
    return_projects_to_draft,
)
from .forms import (
    ProjectForm,
    ProjectFundingFormSet,
    ProjectFundingLinesFormSet,
    ProjectRestoreForm,
    SettlementForm,
    SettlementRestoreForm,
    YearlyAllocationFormSet,
)
from .imports import ProjectResource, SettlementResource, SpreadsheetImportMixin
from .models import (
    Funder,
    FundingSettlement,
    Project,
    ProjectFunding,
    ProjectTransition,
    TargetGroup,
    Theme,
    YearlyAllocation,
)


class TaxonomyAdmin(RetiringAdmin):
    list_display = ["name", "slug", "position", "project_count", "retired"]
    list_filter = ["retired"]
    list_editable = ["position"]
    # Given here too: the project counts group the rows, which sets the model's ordering
    # aside (and the autocomplete pages through them).
    ordering = ["position", "name", "pk"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_count=Count("projects"))

    @admin.display(description="projects", ordering="project_count")
    def project_count(self, term):
        return term.project_count


@admin.register(Theme)
class ThemeAdmin(TaxonomyAdmin):
    list_display = [*TaxonomyAdmin.list_display, "is_core"]
    list_filter = [*TaxonomyAdmin.list_filter, "is_core"]


@admin.register(TargetGroup)
class TargetGroupAdmin(TaxonomyAdmin):
    pass


@admin.register(Funder)
class FunderAdmin(RestoringAdmin):
    list_display = ["name", "kind", "org_id", "settlement_count", "settled_total"]
    list_filter = ["kind"]
    search_fields = ["name", "org_id"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                settlement_count=Count("settlements"),
                settled_total=Sum("settlements__total_amount"),
            )
        )

    @admin.display(description="settlements", ordering="settlement_count")
    def settlement_count(self, funder):
        return funder.settlement_count

    @admin.display(description="total settled (£)", ordering="settled_total")
    def settled_total(self, funder):
        return funder.settled_total


class YearlyAllocationInline(admin.TabularInline):
    model = YearlyAllocation
    formset = YearlyAllocationFormSet
    extra = 0


class SettlementProjectFundingInline(admin.TabularInline):
    model = ProjectFunding
    formset = ProjectFundingFormSet
    extra = 0
    autocomplete_fields = ["project"]
    verbose_name = "project funded"
    verbose_name_plural = "projects funded"


class AsksBeforeDuplicatingAdmin:
    """The form's "Save it anyway" box, which only a new record needs."""

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [name for name in fields if name != "save_anyway"] if obj else fields


@admin.register(FundingSettlement)
class FundingSettlementAdmin(AsksBeforeDuplicatingAdmin, SpreadsheetImportMixin, RestoringAdmin):
    resource_classes = [SettlementResource]
    form = SettlementForm
    restore_form = SettlementRestoreForm
    list_display = [
        "programme",
        "funder",
        "recipient",
        "total_amount",
        "years_label",
        "is_multi_year",
        "restrictions",
    ]
    list_filter = ["restrictions", "funder__kind", "first_year", "recipient"]
    list_select_related = ["funder", "recipient"]
    search_fields = ["programme", "funder__name", "recipient__name"]
    autocomplete_fields = ["funder", "recipient"]
    date_hierarchy = "awarded_on"
    inlines = [YearlyAllocationInline, SettlementProjectFundingInline]
    actions = [merge_duplicate_settlements]

    @admin.display(description="years", ordering="first_year")
    def years_label(self, settlement):
        return settlement.years_label

    @admin.display(description="multi-year", boolean=True)
    def is_multi_year(self, settlement):
        return settlement.is_multi_year


@admin.register(YearlyAllocation)
class YearlyAllocationAdmin(ExportsItsList, admin.ModelAdmin):
    list_display = ["settlement", "financial_year_label", "amount"]
    list_filter = ["financial_year"]
    list_select_related = ["settlement__funder"]
    search_fields = ["settlement__programme", "settlement__funder__name"]
    autocomplete_fields = ["settlement"]

    @admin.display(description="financial year", ordering="financial_year")
    def financial_year_label(self, allocation):
        return allocation.financial_year_label


@admin.register(ProjectFunding)
class ProjectFundingAdmin(ExportsItsList, admin.ModelAdmin):
    list_display = ["project", "settlement", "amount"]
    list_filter = ["settlement__funder__kind", "settlement__restrictions"]
    list_select_related = ["project", "settlement__funder"]
    search_fields = ["project__title", "settlement__programme", "settlement__funder__name"]
    autocomplete_fields = ["project", "settlement"]


class ProjectFundingInline(admin.TabularInline):
    model = ProjectFunding
    formset = ProjectFundingLinesFormSet
    extra = 0
    autocomplete_fields = ["settlement"]
    verbose_name = "funding line"
    verbose_name_plural = "funding lines"


class ProjectTransitionInline(admin.TabularInline):
    """The project's review steps, as recorded; they change only through the workflow."""

    model = ProjectTransition
    extra = 0
    can_delete = False
    fields = ["action", "from_state", "to_state", "by", "at", "comment"]
    readonly_fields = fields
    verbose_name_plural = "review steps"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProjectTransition)
class ProjectTransitionAdmin(ExportsItsList, admin.ModelAdmin):
    list_display = ["project", "action", "by", "at"]
    list_filter = ["action", "project__lead_borough"]
    list_select_related = ["project", "by"]
    search_fields = ["project__title", "comment", "by__username"]
    date_hierarchy = "at"
    readonly_fields = ["project", "action", "from_state", "to_state", "by", "at", "comment"]

    def has_add_permission(self, request):
        return False


@admin.register(Project)
class ProjectAdmin(
    AsksBeforeDuplicatingAdmin, LinkModelsAdmin, SpreadsheetImportMixin, RestoringAdmin
):
    resource_classes = [ProjectResource]
    form = ProjectForm
    restore_form = ProjectRestoreForm
    list_display = [
        "title",
        "lead_borough",
        "delivery_status",
        "publication_state",
        "start_date",
        "funding_total",
        "updated_at",
    ]
    list_filter = ["publication_state", "delivery_status", "themes", "lead_borough"]
    list_select_related = ["lead_borough"]
    search_fields = ["title", "summary", "slug"]
    autocomplete_fields = ["lead_borough", "partner_boroughs", "commission", "recommendations"]
    date_hierarchy = "start_date"
    readonly_fields = [
        "publication_state",
        "funding_total",
        "published_at",
        "created_at",
        "updated_at",
    ]
    inlines = [ProjectFundingInline, ProjectTransitionInline]
    actions = [
        publish_projects,
        return_projects_to_draft,
        archive_projects,
        merge_duplicate_projects,
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in {"themes", "target_groups"}:
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "slug"] if obj else readonly

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else {"slug": ["title"]}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
