"""Bulk workflow actions for the projects changelist: the same steps, rules and records as the
officers' pages, through projects.services."""

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


def action_form(modeladmin, request, **context):
    """The page on which a bulk action asks its questions (its form) about the projects."""
    return TemplateResponse(
        request,
        "admin/projects/project/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
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
        projects=queryset.select_related("lead_borough"),
        form=form,
        action="return_projects_to_draft",
        submit_label="Return to draft",
    )


class MergeForm(SaysWhatToDo, forms.Form):
    keep = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label="Which project to keep",
        help_text="The other is merged into it and deleted; both histories stay.",
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [
            (p.pk, f"{p.title} ({p.lead_borough}, {p.get_publication_state_display().lower()})")
            for p in projects
        ]


@admin.action(description="Merge the two selected projects (duplicates)")
def merge_duplicate_projects(modeladmin, request, queryset):
    projects = list(queryset.select_related("lead_borough").order_by("pk"))
    if len(projects) != 2:
        modeladmin.message_user(request, "Select exactly two projects to merge.", messages.WARNING)
        return None
    form = MergeForm(
        request.POST if "apply" in request.POST else None,
        projects=projects,
        initial={"keep": projects[0].pk},
    )
    if form.is_valid():
        keep = next(p for p in projects if p.pk == form.cleaned_data["keep"])
        duplicate = next(p for p in projects if p.pk != keep.pk)
        try:
            services.merge_projects(keep=keep, duplicate=duplicate, by=request.user)
        except services.WorkflowError as error:
            modeladmin.message_user(request, f"Not merged: {error}", messages.ERROR)
        else:
            modeladmin.message_user(
                request, f"“{duplicate.title}” was merged into “{keep.title}”.", messages.SUCCESS
            )
        return None
    return action_form(
        modeladmin,
        request,
        title="Merge duplicate projects",
        intro="One of these projects is kept; the other is merged into it and deleted. The kept "
        "project gains the other's authorities, themes, target groups, recommendations, funding "
        "lines (added together where one settlement funds both), review steps and any text it "
        "lacks. Both histories stay.",
        projects=projects,
        form=form,
        action="merge_duplicate_projects",
        submit_label="Merge",
    )
