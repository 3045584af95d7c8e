"""Officers' accounts: sign in and out, change a password, reset a forgotten one by email.

These are Django's own authentication views with GOV.UK templates, labels and error messages.
Repeated failed sign-ins are counted by django-axes (the AXES_* settings): when a username is
locked out from an address, its middleware shows `registration/locked_out.html` instead.
Requests to reset a password are limited per client address and per email address by
django-ratelimit, counted in the shared cache (PASSWORD_RESET_RATE), and the email is sent from
another thread, so that the answer takes as long for an address the portal knows as for one
it does not.

The templates have their own names so that they do not replace the admin's `registration/` ones.
"""

import math
import threading
from typing import NamedTuple

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.password_validation import password_validators_help_texts
from django.db import connections
from django.shortcuts import render
from django.urls import path, reverse_lazy
from django.utils.functional import lazy
from django_ratelimit.core import get_usage

app_name = "accounts"


class FieldText(NamedTuple):
    """What an account form's field says: label, message when left empty, autocomplete, hint."""

    label: str
    required: str
    autocomplete: str
    hint: str = ""


class AccountFormMixin:
    """GOV.UK labels, hints, "Enter …" messages and autocomplete tokens for Django's forms."""

    fields_text = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, text in self.fields_text.items():
            field = self.fields[name]
            field.label = text.label
            field.help_text = text.hint
            field.error_messages["required"] = text.required
            field.widget.attrs["autocomplete"] = text.autocomplete


def _new_password_hint():
    """The password rules in force (AUTH_PASSWORD_VALIDATORS) as one plain-text hint."""
    return " ".join(str(text) for text in password_validators_help_texts())


new_password_hint = lazy(_new_password_hint, str)

NEW_PASSWORD_FIELDS = {
    "new_password1": FieldText(
        "New password", "Enter a new password", "new-password", hint=new_password_hint()
    ),
    "new_password2": FieldText("Confirm new password", "Confirm your new password", "new-password"),
}


class SignInForm(AccountFormMixin, auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
    }
    fields_text = {
        "username": FieldText("Username", "Enter your username", "username"),
        "password": FieldText("Password", "Enter your password", "current-password"),
    }


class ChangePasswordForm(AccountFormMixin, auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not correct",
        "password_mismatch": "The new passwords do not match",
    }
    fields_text = {
        "old_password": FieldText(
            "Current password", "Enter your current password", "current-password"
        ),
        **NEW_PASSWORD_FIELDS,
    }


class SetNewPasswordForm(AccountFormMixin, auth_forms.SetPasswordForm):
    error_messages = {
        **auth_forms.SetPasswordForm.error_messages,
        "password_mismatch": "The new passwords do not match",
    }
    fields_text = NEW_PASSWORD_FIELDS

    def save(self, commit=True):
        """Set the new password and lift any sign-in lockout on the account: whoever proves
        they own its email address may sign in again at once."""
        user = super().save(commit=commit)
        axes_reset(username=user.get_username())
        return user


class ResetPasswordForm(AccountFormMixin, auth_forms.PasswordResetForm):
    fields_text = {
        "email": FieldText(
            "Email address",
            "Enter your email address",
            "email",
            hint="The email address of your portal account",
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org"
        )

    def send_mail(self, *args, **kwargs):
        """Written and sent from another thread: the request does not wait for the mail server,
        which it would only for an address the portal knows."""
        send = super().send_mail

        def send_and_close():
            try:
                send(*args, **kwargs)
            finally:
                connections.close_all()  # any this thread opened

        sending = threading.Thread(target=send_and_close)
        sending.start()
        if not settings.PASSWORD_RESET_EMAIL_IN_BACKGROUND:
            sending.join()


class ResetPasswordView(auth_views.PasswordResetView):
    """Asks for an email address and sends it a reset link, at most PASSWORD_RESET_RATE times
    from one client address and for one email address (429 beyond, saying when to try again)."""

    form_class = ResetPasswordForm
    template_name = "registration/password_reset.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-sent")

    def post(self, request, *args, **kwargs):
        # Both counted, whichever is over.
        usages = [
            get_usage(
                request,
                group="password-reset",
                key=key,
                rate=settings.PASSWORD_RESET_RATE,
                method="POST",
                increment=True,
            )
            for key in ("ip", "post:email")
        ]
        over = [usage for usage in usages if usage and usage["should_limit"]]
        if over:
            # Until every count that is over starts again.
            wait = max(1, *(usage["time_left"] for usage in over))
            response = render(
                request,
                "registration/password_reset_limited.html",
                {"minutes": math.ceil(wait / 60)},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


class SignOutView(auth_views.LogoutView):
    """POST signs out; GET (an old link, a typed address) shows a page with a Sign out button."""

    http_method_names = ["get", "post", "options"]
    template_name = "registration/sign_out.html"

    def post(self, request, *args, **kwargs):
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, "You have signed out")
        return response


urlpatterns = [
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            form_class=SignInForm, template_name="registration/sign_in.html"
        ),
        name="sign-in",
    ),
    path("sign-out/", SignOutView.as_view(), name="sign-out"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            form_class=ChangePasswordForm,
            template_name="registration/password_change.html",
            success_url=reverse_lazy("accounts:password-change-done"),
        ),
        name="password-change",
    ),
    path(
        "password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_changed.html"
        ),
        name="password-change-done",
    ),
    path("reset/", ResetPasswordView.as_view(), name="password-reset"),
    path(
        "reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_sent.html"
        ),
        name="password-reset-sent",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=SetNewPasswordForm,
            template_name="registration/password_reset_new.html",
            success_url=reverse_lazy("accounts:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_finished.html"
        ),
        name="password-reset-complete",
    ),
]
