"""Building blocks of the officers' pages: who may enter, and forms that never lose an edit."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.views.generic import TemplateView

from boroughs.models import Membership
from projects.services import EditConflict, save_edits

from .history import changes_since


class OfficerMixin(LoginRequiredMixin):
    """Signed-in officers of at least one authority, and staff; anyone else is refused."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (
            request.user.is_staff or Membership.objects.roles_of(request.user)
        ):
            raise PermissionDenied("Your account is not an officer of any London authority.")
        return super().dispatch(request, *args, **kwargs)


class RecordFormView(OfficerMixin, TemplateView):
    """Create or edit a record with its inline rows, refusing to overwrite someone else's save.

    Subclasses give `form_class`, `formset_classes` ({prefix: class}), `get_object()` (None to
    create), `check_may_edit(obj)` and `success_url(saved)`.
    """

    form_class = None
    formset_classes = {}
    success_message = "Your changes were saved."

    def get_object(self):
        return None

    def check_may_edit(self, obj):
        """Raise PermissionDenied when the signed-in person may not change `obj`."""

    def form_kwargs(self):
        return {"user": self.request.user}

    def formset_kwargs(self, prefix):
        return {}

    def build(self, data=None):
        form = self.form_class(data, instance=self.object, **self.form_kwargs())
        formsets = [
            formset_class(
                data, instance=form.instance, prefix=prefix, **self.formset_kwargs(prefix)
            )
            for prefix, formset_class in self.formset_classes.items()
        ]
        return form, formsets

    def render(self, form, formsets, status=200, **extra):
        context = self.get_context_data(object=self.object, form=form, formsets=formsets, **extra)
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.check_may_edit(self.object)
        return self.render(*self.build())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.check_may_edit(self.object)
        form, formsets = self.build(request.POST)
        valid = form.is_valid()
        for formset in formsets:
            valid = formset.is_valid() and valid
        if not valid:
            return self.render(form, formsets)
        version = form.cleaned_data.get("version")
        try:
            saved = save_edits(form=form, formsets=formsets, by=request.user, version=version)
        except EditConflict as conflict:
            return self.render(
                form,
                formsets,
                status=409,
                conflict=conflict.current,
                changes=changes_since(conflict.current, version),
            )
        messages.success(request, self.success_message)
        return redirect(self.success_url(saved))
