"""Hardening defaults (issue 14): the Content-Security-Policy, no-store, Secure cookies, HSTS,
the secret key file's mode, and templates with no inline code."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from grassroots.settings import secret_key_from_file
from grassroots.testing.password import PASSWORD

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def test_every_page_has_a_strict_policy(db):
    policy = csp(Client().get("/accounts/login/"))
    # no inline script, no eval, no inline style, nothing from elsewhere
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "style-src-attr" not in policy


def test_errors_and_api_answers_have_the_policy_too(db):
    c = Client()
    for url in ["/no-such-page/", "/api/v1/people/", "/api/schema/"]:
        r = c.get(url)
        assert "script-src 'self'" in r["Content-Security-Policy"], url


def test_pages_and_api_answers_are_not_stored(client_for, users, geo, people):
    c = client_for(users["manager"])
    for url in ["/", "/people/", f"/people/{people['ananya'].pk}/", "/api/v1/people/"]:
        r = c.get(url)
        assert r.status_code == 200, url
        assert "no-store" in r["Cache-Control"], url
    # signed out too: the sign-in page (a CSRF token) and the API's 401
    assert "no-store" in Client().get("/accounts/login/")["Cache-Control"]
    assert "no-store" in Client().get("/api/v1/people/")["Cache-Control"]


def test_a_view_own_cache_control_keeps_no_store(client_for, users):
    # core's health/dashboard views use never_cache: their header gains nothing it had not
    r = client_for(users["manager"]).get("/")
    assert r["Cache-Control"].count("no-store") == 1


def test_static_files_stay_cacheable(db):
    r = Client().get("/static/grassroots/app.css")
    assert r.status_code == 200
    assert "no-store" not in r.get("Cache-Control", "")


@pytest.mark.parametrize("secure", [True, False])
def test_cookies_are_secure_on_https(db, users, secure):
    c = Client()
    r = c.post("/accounts/login/", {"username": "manager", "password": PASSWORD}, secure=secure)
    assert r.status_code == 302
    assert bool(r.cookies["sessionid"]["secure"]) is secure
    assert r.cookies["sessionid"]["httponly"]


def test_hsts_on_https_outside_debug(db):
    assert not settings.DEBUG and settings.SECURE_HSTS_SECONDS >= 31536000
    assert (
        "max-age=31536000"
        in Client().get("/accounts/login/", secure=True)["Strict-Transport-Security"]
    )
    assert "Strict-Transport-Security" not in Client().get("/accounts/login/")


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_a_proxy_the_forwarded_proto_counts(db):
    r = Client().get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in r


def test_without_the_proxy_setting_a_forwarded_proto_is_not_trusted(db):
    r = Client().get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in r


def test_secret_key_file_is_private(tmp_path):
    path = tmp_path / "var" / "secret_key"
    key = secret_key_from_file(path)
    assert len(key) > 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key_from_file(path) == key  # kept
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary left


def test_an_existing_readable_secret_key_is_narrowed(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("old-key")
    path.chmod(0o644)
    assert secret_key_from_file(path) == "old-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- No inline code in templates (the policy would block it; docs/architecture.md) ----------

INLINE = [
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I),
        "inline <script>",
    ),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler (on...=)"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"<style[\s>]", re.I), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_have_no_inline_code():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert not found, "\n".join(found)
