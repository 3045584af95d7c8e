"""Bulk actions for the projects and settlements changelists: the same steps, rules and records
as the officers' pages, through projects.services; and merging two duplicates."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from portal.forms import SaysWhatToDo

from . import services
from .models import ProjectTransition

Action = ProjectTransition.Action


def take_steps(modeladmin, request, queryset, action, comment=""):
    done, refused = [], []
    for project in queryset.select_related("lead_borough"):
        try:
            services.take_step(project=project, action=action, by=request.user, comment=comment)
        except (services.WorkflowError, PermissionDenied) as error:
            refused.append(f"{project.title}: {error}")
        else:
            done.append(project.title)
    label = Action(action).label.lower()
    if done:
        modeladmin.message_user(
            request,
            f"{len(done)} project{'s' if len(done) != 1 else ''} {label}.",
            messages.SUCCESS,
        )
    for reason in refused:
        modeladmin.message_user(request, f"Not {label}: {reason}", messages.WARNING)


def action_form(modeladmin, request, records, **context):
    """The page on which a bulk action asks its questions (its form) about the `records`
    chosen, each named by its str()."""
    return TemplateResponse(
        request,
        "admin/projects/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "records": records,
            **context,
        },
    )


@admin.action(description="Publish the selected submitted projects")
def publish_projects(modeladmin, request, queryset):
    take_steps(modeladmin, request, queryset, Action.PUBLISH)


@admin.action(description="Archive the selected published projects")
def archive_projects(modeladmin, request, queryset):
    take_steps(modeladmin, request, queryset, Action.ARCHIVE)


class ReturnCommentForm(SaysWhatToDo, forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="What needs changing: the editors get this by email.",
    )


@admin.action(description="Return the selected submitted projects to draft, with a comment")
def return_projects_to_draft(modeladmin, request, queryset):
    form = ReturnCommentForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        take_steps(modeladmin, request, queryset, Action.RETURN, form.cleaned_data["comment"])
        return None
    return action_form(
        modeladmin,
        request,
        title="Return projects to draft",
        intro="These projects go back to draft, and their editors get your comment by email:",
        records=queryset.select_related("lead_borough"),
        form=form,
        action="return_projects_to_draft",
        submit_label="Return to draft",
    )


class MergeForm(SaysWhatToDo, forms.Form):
    keep = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        help_text="The other is merged into it and deleted; both histories stay.",
    )

    def __init__(self, *args, records, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].label = f"Which {records[0]._meta.verbose_name} to keep"
        self.fields["keep"].choices = [(record.pk, str(record)) for record in records]


def merge_duplicates(modeladmin, request, queryset, *, merge, intro):
    """Ask which of the two records chosen to keep, then `merge` the other into it."""
    records = list(queryset.order_by("pk"))
    noun = modeladmin.model._meta.verbose_name
    if len(records) != 2:
        modeladmin.message_user(request, f"Select exactly two {noun}s to merge.", messages.WARNING)
        return None
    form = MergeForm(
        request.POST if "apply" in request.POST else None,
        records=records,
        initial={"keep": records[0].pk},
    )
    if form.is_valid():
        keep = next(record for record in records if record.pk == form.cleaned_data["keep"])
        duplicate = next(record for record in records if record.pk != keep.pk)
        try:
            merge(keep=keep, duplicate=duplicate, by=request.user)
        except services.WorkflowError as error:
            modeladmin.message_user(request, f"Not merged: {error}", messages.ERROR)
        else:
            modeladmin.message_user(
                request, f"“{duplicate}” was merged into “{keep}”.", messages.SUCCESS
            )
        return None
    return action_form(
        modeladmin,
        request,
        records,
        title=f"Merge duplicate {noun}s",
        intro=intro,
        form=form,
        action=request.POST.get("action"),
        submit_label="Merge",
    )


@admin.action(description="Merge the two selected projects (duplicates)")
def merge_duplicate_projects(modeladmin, request, queryset):
    return merge_duplicates(
        modeladmin,
        request,
        queryset.select_related("lead_borough"),
        merge=services.merge_projects,
        intro="One of these projects is kept; the other is merged into it and deleted. The kept "
        "project gains the other's authorities, themes, target groups, recommendations, funding "
        "lines (added together where one settlement funds both), review steps and any text it "
        "lacks. Both histories stay.",
    )


@admin.action(description="Merge the two selected settlements (the same grant entered twice)")
def merge_duplicate_settlements(modeladmin, request, queryset):
    return merge_duplicates(
        modeladmin,
        request,
        queryset.select_related("funder", "recipient"),
        merge=services.merge_settlements,
        intro="One of these settlements is kept; the other is merged into it and deleted. The "
        "kept settlement gains the other's funding lines for projects it does not fund itself "
        "(where both fund a project, its own line stands), its yearly allocations if it has none "
        "and they fit, and its conditions if it has none. Both histories stay.",
    )
