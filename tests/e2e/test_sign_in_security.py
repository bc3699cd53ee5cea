"""Signing in as a person would, against issue 14's findings: a brute-forced account is locked
and the form says so; a fresh admin enrols an authenticator app before anything else opens; a
forgotten password is reset through the emailed link."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from grassroots.accounts import services
from grassroots.accounts.models import Role
from grassroots.core.access import SYSTEM

pytestmark = pytest.mark.e2e


def _sign_in(page: Page, base: str, username: str, password: str):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def test_wrong_passwords_lock_the_account_and_the_form_says_so(
    page: Page, live_server, users, password, shots
):
    for _ in range(10):
        _sign_in(page, live_server.url, "volunteer", "not-the-password")
    _sign_in(page, live_server.url, "volunteer", password)
    expect(page.get_by_role("alert")).to_contain_text(
        "Too many failed attempts; sign-in is locked for a while. Try again in 15 minutes."
    )
    expect(page.get_by_label("Username")).to_have_value("volunteer")
    assert "/accounts/login/" in page.url
    shots(page, "sign-in-locked")


def test_a_fresh_admin_enrols_two_factor_sign_in_first(page: Page, live_server, geo, password):
    user = services.user_create(  # as a real installation makes an admin: not exempt
        actor=SYSTEM,
        username="fresh-admin",
        password=password,
        roles=Role.objects.filter(slug="admin"),
        scope_all=True,
    )
    _sign_in(page, live_server.url, "fresh-admin", password)
    page.wait_for_url(re.compile(r"/accounts/2fa/setup/"))
    secret = page.locator("code.secret").inner_text().strip()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert secret.replace(" ", "") in device.config_url
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/2fa/).*$"))
    page.goto(f"{live_server.url}/admin-area/users/")
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()


def test_a_forgotten_password_is_reset_through_the_emailed_link(
    page: Page, live_server, users, shots
):
    users["volunteer"].email = "rahul@example.org"
    users["volunteer"].save(update_fields=["email"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("rahul@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/", mail.outbox[-1].body).group(0)

    page.goto(link)
    expect(page.get_by_text("Your password must contain at least 8 characters.")).to_be_visible()
    page.locator("#id_new_password1").fill("a-much-better-passphrase-7")
    page.locator("#id_new_password2").fill("a-much-better-passphrase-7")
    shots(page, "password-reset-choose")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()

    _sign_in(page, live_server.url, "volunteer", "a-much-better-passphrase-7")
    assert "/accounts/login/" not in page.url
