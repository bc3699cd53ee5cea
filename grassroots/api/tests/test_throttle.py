"""The API's throttles (issue 14): enabled, per user and per signed-out client, answered in the
API's one error shape with 429 and Retry-After; and the interactive docs behind sign-in."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from grassroots.accounts import services as account_services


def test_throttles_are_enabled_with_the_configured_rates():
    classes = api_settings.DEFAULT_THROTTLE_CLASSES
    assert AnonRateThrottle in classes and UserRateThrottle in classes
    assert (
        api_settings.DEFAULT_THROTTLE_RATES["anon"] and api_settings.DEFAULT_THROTTLE_RATES["user"]
    )


@pytest.fixture
def low_rates(monkeypatch):
    # DRF reads the rates into the throttle classes when they are imported: set them there
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "1/min"})
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "1/min"})


def test_a_user_over_the_rate_gets_429_with_retry_after(users, geo, low_rates):
    _token, plaintext = account_services.api_token_create(actor=users["manager"], name="t")
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    for _ in range(3):
        assert c.get("/api/v1/people/").status_code == 200
    r = c.get("/api/v1/people/")
    assert r.status_code == 429
    assert int(r["Retry-After"]) > 0
    body = r.json()
    assert list(body) == ["error"]
    assert body["error"]["code"] == "throttled" and body["error"]["message"]
    # another user is not held back by the first one's count
    other = APIClient()
    other.force_login(users["volunteer"])
    assert other.get("/api/v1/people/").status_code == 200


def test_signed_out_clients_are_throttled_per_address(db, low_rates):
    # what a signed-out client may read (the schema); other endpoints answer 401 before counting
    c = APIClient()
    assert c.get("/api/schema/?format=json").status_code == 200
    r = c.get("/api/schema/?format=json")
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert json.loads(r.content)["error"]["code"] == "throttled"
    # another address is not held back
    assert c.get("/api/schema/?format=json", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_api_docs_need_sign_in(client_for, users):
    r = Client().get("/api/docs/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    # the schema stays public
    assert Client().get("/api/schema/").status_code == 200
    page = client_for(users["volunteer"]).get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert "<style>" not in html and "<script>" not in html  # the policy allows neither


@override_settings(DEBUG=True)
def test_api_docs_are_open_in_debug(db):
    assert Client().get("/api/docs/").status_code == 200
