"""Officers' accounts: signing in and out, the lockout, changing and resetting a password."""

import datetime
import re
import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.mail.backends import locmem
from django.test import Client, override_settings
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
NEW_PASSWORD = "a-fresh-and-longer-password"
SIGN_IN = "/account/sign-in/"
DASHBOARD = "/officer/"


@pytest.fixture
def officer():
    return UserFactory(username="ada", email="ada@hackney.example.org")


def sign_in(client, username, password, **extra):
    return client.post(SIGN_IN, {"username": username, "password": password}, **extra)


def signed_in_as(client, user):
    return client.session.get(SESSION_KEY) == str(user.pk)


# Signing in


def test_sign_in_page_has_labelled_fields(client):
    response = client.get(SIGN_IN)

    assertContains(response, '<h1 class="govuk-heading-l">Sign in</h1>', html=True)
    assertContains(response, '<label class="govuk-label" for="id_username">Username</label>')
    assertContains(response, '<label class="govuk-label" for="id_password">Password</label>')
    assertContains(response, 'autocomplete="username"')
    assertContains(response, 'autocomplete="current-password"')
    assertContains(response, 'href="/account/reset/"')


def test_signing_in_goes_to_the_dashboard(client, officer):
    response = sign_in(client, "ada", PASSWORD)

    assertRedirects(response, DASHBOARD, fetch_redirect_response=False)
    assert signed_in_as(client, officer)


@pytest.mark.parametrize(
    ("next_url", "destination"),
    [
        ("/projects/?borough=hackney", "/projects/?borough=hackney"),
        ("https://evil.example.org/", DASHBOARD),
        ("//evil.example.org/", DASHBOARD),
    ],
)
def test_signing_in_returns_only_to_a_page_of_the_portal(client, officer, next_url, destination):
    response = client.post(SIGN_IN, {"username": "ada", "password": PASSWORD, "next": next_url})

    assertRedirects(response, destination, fetch_redirect_response=False)


def test_the_sign_in_form_carries_a_safe_next_page(client):
    response = client.get(SIGN_IN, {"next": "/officer/projects/"})

    assertContains(response, '<input type="hidden" name="next" value="/officer/projects/">')


def test_the_sign_in_form_drops_an_external_next_page(client):
    response = client.get(SIGN_IN, {"next": "https://evil.example.org/"})

    assertNotContains(response, "evil.example.org")


def test_a_wrong_password_is_refused_with_a_message(client, officer):
    response = sign_in(client, "ada", "not-my-password")

    assert response.status_code == 200
    assertContains(response, "<title>Error: Sign in")
    assertContains(response, "There is a problem")
    assertContains(response, "Enter a correct username and password")
    assertContains(response, 'name="username" type="text" value="ada"')
    assertNotContains(response, "not-my-password")
    assert not signed_in_as(client, officer)


def test_empty_fields_are_named_in_the_error_summary(client):
    response = sign_in(client, "", "")

    assertContains(response, '<a href="#id_username">Enter your username</a>', html=True)
    assertContains(response, '<a href="#id_password">Enter your password</a>', html=True)


# The lockout after repeated failed sign-ins


def test_repeated_failures_lock_the_username_out(client, officer):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert sign_in(client, "ada", "a-wrong-guess").status_code == 200

    # The failure that reaches the limit is already answered with the lockout page.
    assert sign_in(client, "ada", "a-wrong-guess").status_code == 429

    response = sign_in(client, "ada", PASSWORD)

    assert response.status_code == 429
    assertContains(response, "<title>You have been locked out", status_code=429)
    assertContains(response, "too many failed attempts", status_code=429)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assertContains(response, f"try again in {minutes} minutes", status_code=429)
    assertContains(response, "portal administrator to unlock your account", status_code=429)
    assert not signed_in_as(client, officer)


@pytest.mark.parametrize(
    ("cool_off", "wait"),
    [
        (datetime.timedelta(minutes=1), "try again in 1 minute."),
        (datetime.timedelta(minutes=90), "try again in 90 minutes."),
    ],
)
def test_the_lockout_page_says_how_long_to_wait(client, officer, cool_off, wait):
    with override_settings(AXES_COOLOFF_TIME=cool_off):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = sign_in(client, "ada", "a-wrong-guess")

    assertContains(response, wait, status_code=429)


def test_the_lockout_ends_after_the_cool_off(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "ada", "a-wrong-guess")
    assert sign_in(client, "ada", PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME
    )
    response = sign_in(client, "ada", PASSWORD)

    assertRedirects(response, DASHBOARD, fetch_redirect_response=False)
    assert signed_in_as(client, officer)


def test_the_lockout_is_for_one_username_from_one_address(client, officer):
    other = UserFactory(username="grace")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "ada", "a-wrong-guess")

    assert sign_in(client, "grace", PASSWORD).status_code == 302
    assert signed_in_as(client, other)
    assert sign_in(client, "ada", PASSWORD, REMOTE_ADDR="192.0.2.7").status_code == 302


PROXY = "10.0.0.2"


@pytest.mark.parametrize("header", ["", "X-Forwarded-For"])
def test_behind_a_proxy_the_lockout_counts_the_client_the_proxy_names(
    client, officer, settings, header
):
    """All requests come from the proxy's address. With the proxy's header configured, one
    client's failures lock out that client only, whatever it writes in the header itself."""
    settings.CLIENT_ADDRESS_HEADER = header
    through_proxy = {"REMOTE_ADDR": PROXY}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # The attacker writes an address of its own; the proxy appends the real one.
        sign_in(
            client,
            "ada",
            "a-wrong-guess",
            HTTP_X_FORWARDED_FOR=f"192.0.2.66, 198.51.100.{_}, 203.0.113.9",
            **through_proxy,
        )
    colleague = sign_in(
        client, "ada", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20", **through_proxy
    )
    if header:
        assert colleague.status_code == 302
        client.logout()
        attacker = sign_in(
            client, "ada", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9", **through_proxy
        )
        assert attacker.status_code == 429
    else:
        # Counted by the connection, everyone behind the proxy is one client.
        assert colleague.status_code == 429


def test_signing_in_clears_earlier_failures(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "ada", "a-wrong-guess")
    assert sign_in(client, "ada", PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "ada", "a-wrong-guess").status_code == 200
    assert sign_in(client, "ada", PASSWORD).status_code == 302


# Signing out


def test_signing_out_by_post(client, officer):
    client.force_login(officer)

    response = client.post(reverse("accounts:sign-out"), follow=True)

    assertRedirects(response, reverse("home"))
    assertContains(response, "You have signed out")
    assert not response.context["user"].is_authenticated
    assert SESSION_KEY not in client.session


def test_opening_the_sign_out_address_asks_to_confirm(client, officer):
    client.force_login(officer)

    response = client.get(reverse("accounts:sign-out"))

    assertContains(response, '<h1 class="govuk-heading-l">Sign out</h1>', html=True)
    assertContains(response, f'<form method="post" action="{reverse("accounts:sign-out")}"')
    assert signed_in_as(client, officer)


def test_the_sign_out_address_when_signed_out(client):
    response = client.get(reverse("accounts:sign-out"))

    assertContains(response, "You are not signed in")


# Changing a password


def test_changing_a_password_needs_signing_in(client):
    response = client.get(reverse("accounts:password-change"))

    assertRedirects(response, f"{SIGN_IN}?next=/account/password/", fetch_redirect_response=False)


def test_changing_a_password_needs_the_current_one(client, officer):
    client.force_login(officer)

    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": "a-wrong-guess",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assertContains(response, "<title>Error: Change your password")
    assertContains(
        response, '<a href="#id_old_password">Your current password is not correct</a>', html=True
    )
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_the_new_passwords_must_match(client, officer):
    client.force_login(officer)

    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "different"},
    )

    assertContains(response, "The new passwords do not match")
    assertNotContains(response, NEW_PASSWORD)


def test_changing_a_password(client, officer):
    client.force_login(officer)
    page = client.get(reverse("accounts:password-change"))
    assertContains(page, 'autocomplete="current-password"')
    assertContains(page, 'autocomplete="new-password"', count=2)

    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assertRedirects(response, reverse("accounts:password-change-done"))
    assertContains(response, "Your password has been changed")
    assert signed_in_as(client, officer)
    client.logout()
    assert sign_in(client, "ada", PASSWORD).status_code == 200
    assert sign_in(client, "ada", NEW_PASSWORD).status_code == 302


# Resetting a forgotten password


def reset_link(message):
    return re.search(r"http://testserver(/account/reset/\S+/)", message.body).group(1)


def test_resetting_a_password_by_email(client, officer):
    response = client.post(reverse("accounts:password-reset"), {"email": "ada@hackney.example.org"})

    assertRedirects(response, reverse("accounts:password-reset-sent"))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@hackney.example.org"]
    assert message.subject == "Reset your password for the London Integration Projects Portal"
    assert not message.alternatives
    assert "&#x27;" not in message.body

    form = client.get(reset_link(message), follow=True)
    assertContains(form, "Choose a new password")
    assertContains(form, 'autocomplete="new-password"', count=2)

    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assertRedirects(response, reverse("accounts:password-reset-complete"))
    assertContains(response, "Your password has been reset")
    assert sign_in(client, "ada", PASSWORD).status_code == 200
    assert sign_in(client, "ada", NEW_PASSWORD).status_code == 302


def test_a_reset_link_works_once(client, officer):
    client.post(reverse("accounts:password-reset"), {"email": "ada@hackney.example.org"})
    link = reset_link(mail.outbox[0])
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    response = client.get(link, follow=True)

    assertContains(response, "This link does not work")
    assertNotContains(response, 'name="new_password1"')


def test_an_unknown_address_gets_the_same_page_and_no_email(client, officer):
    known = client.post(reverse("accounts:password-reset"), {"email": "ada@hackney.example.org"})
    mail.outbox.clear()

    unknown = client.post(
        reverse("accounts:password-reset"), {"email": "nobody@example.org"}, follow=True
    )

    assert known["Location"] == unknown.redirect_chain[-1][0]
    assertContains(unknown, "Check your email")
    assertContains(unknown, "If the address you entered belongs to a portal account")
    assert mail.outbox == []


def test_a_reset_needs_a_well_formed_address(client):
    response = client.post(reverse("accounts:password-reset"), {"email": "not-an-address"})

    assertContains(response, "Enter an email address in the correct format")
    assert mail.outbox == []


# The account links in the header


def test_the_header_offers_signing_in(client):
    response = client.get(reverse("home"))

    assertContains(
        response, f'<a class="govuk-service-navigation__link" href="{SIGN_IN}">Sign in</a>'
    )
    assertNotContains(response, "Sign out")


def test_signed_in_the_officers_pages_have_a_menu_of_their_own(client, officer):
    client.force_login(officer)

    response = client.get(reverse("home"))

    html = response.content.decode()
    public, officers = html.split('aria-label="Officers\' menu"')
    assert "Dashboard" not in public
    assertNotContains(response, f'href="{SIGN_IN}"')
    assert f'href="{DASHBOARD}">' in officers
    assert f'href="{reverse("officers:changes")}">' in officers
    assert (
        f'<form method="post" action="{reverse("accounts:sign-out")}" class="portal-sign-out">'
        in officers
    )
    assertContains(response, 'name="csrfmiddlewaretoken"')


def test_resetting_the_password_lifts_a_lockout(client):
    user = UserFactory(username="locked-officer", email="locked@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/account/sign-in/", {"username": user.username, "password": "wrong"})
    assert AccessAttempt.objects.filter(username=user.username).exists()
    client.post("/account/reset/", {"email": "locked@example.org"})
    link = re.search(r"http://testserver(/account/reset/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(
        form_url,
        {"new_password1": "a-new-long-password-42", "new_password2": "a-new-long-password-42"},
    )
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    response = client.post(
        "/account/sign-in/", {"username": user.username, "password": "a-new-long-password-42"}
    )
    assert response.status_code == 302


def test_a_form_sent_without_its_security_token_is_explained_in_the_portals_layout(officer):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(SIGN_IN, {"username": "ada", "password": PASSWORD})
    assert response.status_code == 403
    assertContains(response, "Your form could not be sent", status_code=403)
    assertContains(response, "Nothing you entered has been saved", status_code=403)
    assertContains(response, "govuk-service-navigation", status_code=403)
    assertNotContains(response, "CSRF verification failed", status_code=403)
    assert SESSION_KEY not in strict.session


def test_password_resets_are_limited_per_address_and_per_email(client, officer, settings):
    settings.PASSWORD_RESET_RATE = "3/h"
    reset = reverse("accounts:password-reset")
    for n in range(3):
        response = client.post(reset, {"email": f"someone{n}@example.org"})
        assert response.status_code == 302
    refused = client.post(reset, {"email": "ada@hackney.example.org"})
    assert refused.status_code == 429
    # Until the hour's count starts again.
    assert 0 < int(refused["Retry-After"]) <= 3600
    assertContains(refused, "Too many requests to reset a password", status_code=429)
    minutes = -(-int(refused["Retry-After"]) // 60)
    assertContains(refused, f"try again in {minutes} minute", status_code=429)
    assert mail.outbox == []
    # Another client may still ask, but not for an email address already asked for 3 times.
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert elsewhere.post(reset, {"email": "ada@hackney.example.org"}).status_code == 302
    for address in ("192.0.2.8", "192.0.2.9"):
        Client(REMOTE_ADDR=address).post(reset, {"email": "ada@hackney.example.org"})
    assert (
        Client(REMOTE_ADDR="192.0.2.10")
        .post(reset, {"email": "ada@hackney.example.org"})
        .status_code
        == 429
    )


class SlowMailer(locmem.EmailBackend):
    """A mail server that takes its time."""

    def send_messages(self, messages):
        time.sleep(2)
        return super().send_messages(messages)


def test_the_reset_email_is_sent_without_the_request_waiting_for_it(client, officer, settings):
    settings.PASSWORD_RESET_EMAIL_IN_BACKGROUND = True
    settings.MAILERS = {"default": {"BACKEND": "tests.test_accounts.SlowMailer", "OPTIONS": {}}}
    reset = reverse("accounts:password-reset")
    started = time.perf_counter()
    known = client.post(reset, {"email": "ada@hackney.example.org"})
    answered = time.perf_counter() - started
    assert known.status_code == 302
    # Not waiting for the mail server: the email goes two seconds after the answer.
    assert answered < 1.5
    assert mail.outbox == []
    deadline = time.monotonic() + 10
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    [message] = mail.outbox
    assert message.to == ["ada@hackney.example.org"]
