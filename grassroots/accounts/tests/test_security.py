"""Issue 14's sign-in findings: brute force (throttle and lock per account and per IP, the app's
form and Django admin's), password change / reset / forced change, and two-factor sign-in
required by the default roles that export or change roles or money (API tokens included)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time
from rest_framework.test import APIClient

from grassroots.accounts import services
from grassroots.accounts.models import LoginThrottle, Role, User
from grassroots.accounts.tests.test_services import current_code
from grassroots.core.access import SYSTEM
from grassroots.core.models import AuditEvent
from grassroots.testing.users import PASSWORD, make_user

LOGIN = reverse("accounts:login")
ADMIN_LOGIN = "/django-admin/login/"
SETUP = reverse("accounts:otp_setup")
CHANGE = reverse("accounts:password_change")
RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "a-much-better-passphrase-7"


def sign_in(c, username, password, *, url=LOGIN, **extra):
    return c.post(url, {"username": username, "password": password, "next": "/people/"}, **extra)


def signed_in(c) -> bool:
    return "_auth_user_id" in c.session


@pytest.fixture
def now():
    """The clock, frozen: ``now.tick(seconds)`` moves it on."""
    with freeze_time(timezone.now(), tick=False) as frozen:
        yield frozen


# --- brute force: per account -------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_account_and_the_right_one_is_refused(users, now):
    c = Client()
    for _ in range(30):
        sign_in(c, "volunteer", "guess-" + "x" * 8)
    response = sign_in(c, "volunteer", PASSWORD)
    assert response.status_code == 200
    assert not signed_in(c)
    body = response.content.decode()
    assert "Too many failed attempts; sign-in is locked for a while. Try again in 15 minutes." in (
        body
    )
    assert 'value="volunteer"' in body  # the username typed stays in the form
    lock = AuditEvent.objects.get(action="auth.locked")
    assert lock.detail["kind"] == "account" and lock.detail["key"] == "volunteer"
    assert lock.ip_address == "127.0.0.1"
    # Every attempt, refused ones included, is in the audit log.
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 31
    assert AuditEvent.objects.filter(action="auth.login_failed", detail__throttled=True).exists()


def test_the_lock_expires_and_attempts_during_it_do_not_extend_it(users, now):
    c = Client()
    for _ in range(10):
        sign_in(c, "volunteer", "wrong-password")
    now.tick(dt.timedelta(minutes=14))
    for _ in range(20):  # an attacker keeps trying: the lock does not grow
        sign_in(c, "volunteer", "wrong-password")
    response = sign_in(c, "volunteer", PASSWORD)
    assert "Try again in 1 minute." in response.content.decode()
    assert not signed_in(c)

    now.tick(dt.timedelta(minutes=1, seconds=1))
    response = sign_in(c, "volunteer", PASSWORD)
    assert response.status_code == 302
    assert signed_in(c)
    # A successful sign-in starts again from zero.
    assert not LoginThrottle.objects.filter(kind="account", key="volunteer").exists()


def test_failures_before_the_lock_bring_growing_delays(users, now):
    c = Client()
    for _ in range(3):
        sign_in(c, "volunteer", "wrong-password")
    # The 4th attempt comes too soon (1 s after 3 failures): refused, the password unchecked.
    response = sign_in(c, "volunteer", PASSWORD)
    assert not signed_in(c)
    assert "Too many failed attempts; try again in 1 second." in response.content.decode()
    # That attempt counted: now 2 s.
    now.tick(dt.timedelta(seconds=1))
    response = sign_in(c, "volunteer", PASSWORD)
    assert "Too many failed attempts; try again in 1 second." in response.content.decode()
    assert not signed_in(c)
    now.tick(dt.timedelta(seconds=5))
    assert sign_in(c, "volunteer", PASSWORD).status_code == 302
    assert signed_in(c)


def test_a_lock_is_per_account(users, now):
    c = Client()
    for _ in range(10):
        sign_in(c, "volunteer", "wrong-password")
    assert sign_in(Client(), "organiser", PASSWORD).status_code == 302


def test_unknown_usernames_are_throttled_like_real_ones(db, now):
    """The answer must not tell whether an account exists."""
    c = Client()
    for _ in range(10):
        sign_in(c, "nobody-here", "wrong-password")
    assert "locked for a while" in sign_in(c, "nobody-here", "x").content.decode()


# --- brute force: per IP ------------------------------------------------------------------


def test_one_address_trying_many_accounts_is_locked_out(users, now):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for i in range(50):  # 50 accounts × 1 guess: no account reaches its own limit
        sign_in(attacker, f"user{i}", "wrong-password")
    response = sign_in(attacker, "volunteer", PASSWORD)
    assert not signed_in(attacker)
    assert "locked for a while" in response.content.decode()
    assert AuditEvent.objects.filter(
        action="auth.locked", detail__kind="ip", detail__key="203.0.113.9"
    ).exists()
    # The account itself is not locked: from another address its owner signs in.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(other, "volunteer", PASSWORD).status_code == 302

    now.tick(dt.timedelta(minutes=16))
    assert sign_in(attacker, "volunteer", PASSWORD).status_code == 302


# --- brute force: Django admin's sign-in --------------------------------------------------


def test_django_admin_login_is_throttled_too(users, now):
    c = Client()
    for _ in range(30):
        sign_in(c, "admin", "wrong-password", url=ADMIN_LOGIN)
    response = sign_in(c, "admin", PASSWORD, url=ADMIN_LOGIN)
    assert response.status_code == 200
    assert not signed_in(c)
    assert "locked for a while" in response.content.decode()
    # One lock for both forms.
    app = Client()
    assert "locked for a while" in sign_in(app, "admin", PASSWORD).content.decode()
    assert not signed_in(app)


# --- password reset by email --------------------------------------------------------------


def reset_link(email: str) -> str:
    response = Client().post(RESET, {"email": email})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    message = [m for m in mail.outbox if email in m.to][-1]
    return re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", message.body).group(1)


def set_password_via(link: str, password: str = NEW_PASSWORD):
    c = Client()
    form_page = c.get(link, follow=True)  # Django swaps the token for a session key
    assert form_page.status_code == 200
    return c, c.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
    )


@pytest.fixture
def with_email(users):
    User.objects.filter(pk=users["volunteer"].pk).update(email="rahul@example.org")
    return users["volunteer"]


def test_reset_link_sets_a_new_password_once(with_email):
    link = reset_link("rahul@example.org")
    c, response = set_password_via(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert User.objects.get(pk=with_email.pk).check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="user.password_reset", actor=with_email).exists()
    # Single use: the same link is dead now.
    page = Client().get(link, follow=True)
    assert "This link does not work any more" in page.content.decode()
    assert 'name="new_password1"' not in page.content.decode()


def test_reset_link_expires(with_email, now):
    link = reset_link("rahul@example.org")
    now.tick(dt.timedelta(hours=1, minutes=1))
    page = Client().get(link, follow=True)
    assert "This link does not work any more" in page.content.decode()
    assert User.objects.get(pk=with_email.pk).check_password(PASSWORD)


def test_reset_does_not_tell_whether_an_account_exists(with_email):
    known = Client().post(RESET, {"email": "rahul@example.org"})
    unknown = Client().post(RESET, {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["rahul@example.org"]]
    body = mail.outbox[0].body
    assert "volunteer" in body and "works once, for 1 hour" in body


def test_reset_unlocks_a_locked_account(with_email, now):
    for _ in range(10):
        sign_in(Client(), "volunteer", "wrong-password")
    assert "locked for a while" in sign_in(Client(), "volunteer", PASSWORD).content.decode()
    set_password_via(reset_link("rahul@example.org"))
    c = Client()
    assert sign_in(c, "volunteer", NEW_PASSWORD).status_code == 302
    assert signed_in(c)


def test_reset_form_shows_the_password_rules(with_email):
    c = Client()
    page = c.get(reset_link("rahul@example.org"), follow=True)
    html = page.content.decode()
    assert "Your password must contain at least 8 characters." in html
    assert "Your password can’t be a commonly used password." in html
    weak = c.post(
        page.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"}
    )
    assert "This password is too common." in weak.content.decode()
    assert User.objects.get(pk=with_email.pk).check_password(PASSWORD)


# --- password change and forced change ----------------------------------------------------


def test_change_needs_the_current_password(users, client_for):
    c = client_for(users["volunteer"])
    page = c.get(CHANGE).content.decode()
    assert "Your password must contain at least 8 characters." in page
    response = c.post(
        CHANGE,
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert User.objects.get(pk=users["volunteer"].pk).check_password(PASSWORD)

    response = c.post(
        CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=users["volunteer"].pk).check_password(NEW_PASSWORD)
    assert c.get("/people/").status_code == 200  # still signed in
    assert AuditEvent.objects.filter(action="user.password_changed").count() == 1


def test_admin_forces_a_new_password_at_next_sign_in(users, client_for):
    target = users["volunteer"]
    admin = client_for(users["admin"])
    response = admin.post(
        reverse("accounts:user_edit", args=[target.pk]), {"action": "require_password_change"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="user.password_change_required").exists()

    c = Client()
    assert sign_in(c, "volunteer", PASSWORD).status_code == 302
    response = c.get("/people/")
    assert response.status_code == 302 and response["Location"] == CHANGE
    assert "asked you to choose a new password" in c.get(CHANGE).content.decode()
    c.post(
        CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert not User.objects.get(pk=target.pk).must_change_password
    assert c.get("/people/").status_code == 200


def test_a_volunteer_cannot_force_a_reset_or_unlock(users, client_for):
    c = client_for(users["volunteer"])
    for action in ("require_password_change", "unlock", "remove_2fa_exemption"):
        c.post(reverse("accounts:user_edit", args=[users["manager"].pk]), {"action": action})
    manager = User.objects.get(pk=users["manager"].pk)
    assert not manager.must_change_password and manager.two_factor_exempt


def test_admin_sees_and_lifts_a_lock(users, client_for, now):
    for _ in range(10):
        sign_in(Client(), "volunteer", "wrong-password")
    admin = client_for(users["admin"])
    url = reverse("accounts:user_edit", args=[users["volunteer"].pk])
    assert "Too many failed sign-ins: locked until" in admin.get(url).content.decode()
    admin.post(url, {"action": "unlock"})
    assert AuditEvent.objects.filter(action="auth.unlocked").exists()
    assert sign_in(Client(), "volunteer", PASSWORD).status_code == 302


# --- two-factor sign-in required by the default roles -------------------------------------


@pytest.mark.parametrize("slug", ["admin", "campaign_manager", "data_manager", "finance"])
def test_default_roles_that_export_or_change_roles_or_money_require_2fa(db, slug):
    assert Role.objects.get(slug=slug).require_2fa  # the data migration
    Role.objects.filter(slug=slug).delete()
    services.roles_ensure_defaults()
    assert Role.objects.get(slug=slug).require_2fa


@pytest.mark.parametrize("slug", ["field_organiser", "communications", "volunteer", "auditor"])
def test_other_default_roles_do_not(db, slug):
    assert not Role.objects.get(slug=slug).require_2fa


@pytest.fixture
def fresh_admin(geo):
    """An admin as a real installation makes one: not exempt."""
    return make_user("fresh", "admin", scope_all=True, two_factor_exempt=False)


def test_fresh_admin_is_sent_to_enrolment_at_sign_in(fresh_admin):
    c = Client()
    response = sign_in(c, "fresh", PASSWORD)
    assert response.status_code == 302
    response = c.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    assert c.get("/admin-area/users/").status_code == 302  # nothing else before enrolling
    assert c.get(response["Location"]).status_code == 200  # the QR code and the secret
    device = TOTPDevice.objects.get(user=fresh_admin, confirmed=False)
    c.post(SETUP, {"token": current_code(device), "next": "/admin-area/users/"})
    assert c.get("/admin-area/users/").status_code == 200


def test_token_of_an_unenrolled_2fa_user_is_refused_until_they_enrol(fresh_admin):
    _token, secret = services.api_token_create(actor=fresh_admin, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get("/api/v1/areas/")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "two_factor_required"
    assert "two-factor" in error["message"]

    TOTPDevice.objects.create(user=fresh_admin, name="phone", confirmed=True)
    assert api.get("/api/v1/areas/").status_code == 200


def test_exempt_users_are_marked_and_the_exemption_can_be_removed(users, client_for):
    manager = users["manager"]
    assert manager.two_factor_exempt  # the fixtures' flag: the role requires 2FA
    admin = client_for(users["admin"])
    url = reverse("accounts:user_edit", args=[manager.pk])
    assert "Exempt: signs in without an authenticator app" in admin.get(url).content.decode()
    admin.post(url, {"action": "remove_2fa_exemption"})
    assert AuditEvent.objects.filter(action="user.2fa_exemption_removed").exists()
    response = client_for(User.objects.get(pk=manager.pk)).get("/people/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_user_create_is_not_exempt_by_default(geo):
    user = services.user_create(
        actor=SYSTEM, username="real", password=PASSWORD, roles=Role.objects.filter(slug="finance")
    )
    assert not user.two_factor_exempt and user.two_factor_pending()


def test_one_address_cannot_flood_mailboxes_with_reset_emails(with_email, now):
    for _ in range(8):
        response = Client().post(RESET, {"email": "rahul@example.org"})
        assert response.status_code == 302  # the same answer every time
        assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 5
    now.tick(dt.timedelta(minutes=16))
    Client().post(RESET, {"email": "rahul@example.org"})
    assert len(mail.outbox) == 6
