"""The messaging API: templates, broadcasts, messages and a send that passes the compliance
layer; permissions and scope like the screens."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from grassroots.accounts.services import api_token_create
from grassroots.core.access import SYSTEM
from grassroots.messaging import sending, services
from grassroots.messaging.models import Message
from grassroots.people.models import Interaction


def api(user) -> APIClient:
    _token, secret = api_token_create(actor=user, name="test")
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return c


@pytest.fixture
def sim(db, monkeypatch):
    monkeypatch.setattr(
        sending, "clock", lambda: dt.datetime(2026, 12, 4, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    )
    return services.account_save(
        actor=SYSTEM, name="Sim", kind="simulator", channels=["sms", "email"],
        config={"from_number": "+15550100"}, secrets={}, is_default=True,
    )  # fmt: skip


def test_templates_broadcasts_and_send(people, users, sim, django_capture_on_commit_callbacks):
    c = api(users["manager"])
    r = c.post(
        "/api/v1/message-templates/",
        {"name": "Hi", "channel": "sms",
         "variants": [{"language": "en", "body": "Hi {{ first_name }}"},
                      {"language": "bn", "body": "নমস্কার {{ first_name }}"}]},
        format="json",
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    tid = r.json()["id"]
    assert {v["language"] for v in r.json()["variants"]} == {"en", "bn"}
    bad = c.post(
        "/api/v1/message-templates/",
        {"name": "", "channel": "sms", "variants": [{"language": "en", "body": "{{ x|nope }}"}]},
        format="json",
    )
    assert bad.status_code == 400 and "fields" in bad.json()["error"]

    from grassroots.lists import services as list_services

    lst = list_services.list_create(
        actor=users["manager"], name="l", person_ids=[people["ananya"].pk, people["rahul"].pk]
    )
    r = c.post("/api/v1/broadcasts/", {"name": "B", "template": tid, "person_list": lst.pk},
               format="json")  # fmt: skip
    assert r.status_code == 201, r.json()
    bid = r.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/api/v1/broadcasts/{bid}/start/")
    assert r.status_code == 200
    r = c.get(f"/api/v1/broadcasts/{bid}/")
    assert r.json()["status"] == "done" and r.json()["stats"]["delivered"] == 2
    assert c.post(f"/api/v1/broadcasts/{bid}/start/").status_code == 400

    r = c.post("/api/v1/messages/send/",
               {"person": people["ananya"].pk, "channel": "sms", "body": "Thanks!"}, format="json")  # fmt: skip
    assert r.status_code == 201 and r.json()["status"] in ("sent", "delivered")
    assert Interaction.objects.filter(person=people["ananya"], detail="Thanks!").exists()
    r = c.get(f"/api/v1/messages/?person={people['ananya'].pk}")
    assert r.json()["count"] == 2


def test_permissions_and_scope(people, users, sim):
    assert api(users["volunteer"]).get("/api/v1/broadcasts/").status_code == 403
    assert api(users["finance"]).post("/api/v1/messages/send/", {}).status_code == 403
    assert APIClient().get("/api/v1/messages/").status_code in (401, 403)
    # a person outside the caller's areas is "not found", and nothing is sent
    from grassroots.accounts import services as account_services
    from grassroots.accounts.models import Role

    p2 = account_services.user_create(
        actor=SYSTEM, username="p2comms", password="correct-horse-battery-1",
        roles=Role.objects.filter(slug="communications"), scope_areas=[people["rahul"].area],
    )  # fmt: skip
    r = api(p2).post("/api/v1/messages/send/",
                     {"person": people["ananya"].pk, "channel": "sms", "body": "x"}, format="json")  # fmt: skip
    assert r.status_code == 404
    assert not Message.objects.exists()
