"""Email through an ESP's HTTP API (Postmark, via django-anymail) faked on loopback, and its
delivery/bounce webhooks through anymail's views into our receipts."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from django.test import override_settings

from grassroots.core.access import SYSTEM
from grassroots.messaging import services
from grassroots.messaging.models import Message, Suppression
from grassroots.messaging.tests.fakes import FakeHTTPServer, RecordedRequest
from grassroots.people import services as people_services


class FakePostmark(FakeHTTPServer):
    """Postmark's ``POST /email`` with its server token header."""

    token = "pm-server-token"

    def handle(self, request: RecordedRequest) -> tuple[int, Any]:
        if request.path != "/email" or request.headers.get("x-postmark-server-token") != self.token:
            return 401, {"ErrorCode": 10, "Message": "Bad or missing Server API token."}
        data = request.json or {}
        if data.get("To") == "bounce@example.org":
            return 422, {"ErrorCode": 406, "Message": "You tried to send to a recipient that has "
                         "been marked as inactive.\n Found inactive addresses: "
                         "bounce@example.org.\n Inactive recipients are ones that have "
                         "generated a hard bounce or a spam complaint. "}  # fmt: skip
        return 200, {"To": data.get("To"), "SubmittedAt": "2026-12-04T12:00:00Z",
                     "MessageID": str(uuid.uuid4()), "ErrorCode": 0, "Message": "OK"}  # fmt: skip


@pytest.fixture
def postmark():
    with FakePostmark() as server:
        yield server


@override_settings(ANYMAIL={"WEBHOOK_SECRET": "hook:secret"})
def test_postmark_send_and_webhooks(geo, postmark, client):
    services.account_save(
        actor=SYSTEM, name="Postmark", kind="esp", channels=["email"],
        config={"esp": "postmark", "api_url": postmark.url + "/",
                "from_email": "team@campaign.example.org"},
        secrets={"api_key": FakePostmark.token}, is_default=True,
    )  # fmt: skip
    mona = people_services.person_create(
        actor=SYSTEM, data={"given_name": "Mona"}, emails=["mona@example.org"]
    )
    people_services.consent_record(
        actor=SYSTEM, person=mona, channel="email", purpose="campaign", status="granted"
    )
    msg = services.message_send(
        actor=SYSTEM, person=mona, channel="email", subject="Hello", body="See you"
    )
    assert msg.status == "sent", msg.status_reason
    sent = postmark.requests[-1].json
    assert sent["To"] == "mona@example.org" and sent["Subject"] == "Hello"
    assert any(h["Name"] == "List-Unsubscribe" for h in sent.get("Headers", []))
    assert msg.provider_id  # Postmark's MessageID

    auth = "Basic " + base64.b64encode(b"hook:secret").decode()
    delivery = {"RecordType": "Delivery", "MessageID": msg.provider_id, "Recipient":
                "mona@example.org", "DeliveredAt": "2026-12-04T12:00:05Z", "Details": "ok",
                "Tag": "", "ServerID": 1, "Metadata": {}}  # fmt: skip
    r = client.post("/messaging/anymail/postmark/tracking/", delivery,
                    content_type="application/json", HTTP_AUTHORIZATION=auth)  # fmt: skip
    assert r.status_code == 200
    msg.refresh_from_db()
    assert msg.status == "delivered"
    # without the secret: refused, nothing changes
    bounce = {"RecordType": "Bounce", "MessageID": msg.provider_id, "Type": "HardBounce",
              "TypeCode": 1, "Email": "mona@example.org", "BouncedAt": "2026-12-04T12:01:00Z",
              "Description": "The server was unable to deliver your message", "Details": "550",
              "Tag": "", "ServerID": 1, "Metadata": {}, "ID": 42}  # fmt: skip
    r = client.post("/messaging/anymail/postmark/tracking/", bounce,
                    content_type="application/json")  # fmt: skip
    assert r.status_code in (400, 401, 403)
    assert not Suppression.objects.exists()
    r = client.post("/messaging/anymail/postmark/tracking/", bounce,
                    content_type="application/json", HTTP_AUTHORIZATION=auth)  # fmt: skip
    assert r.status_code == 200
    msg.refresh_from_db()
    assert msg.status == "failed"
    assert Suppression.objects.get(address="mona@example.org").reason == "bounced"


def test_refused_recipient_is_not_retried(geo, postmark):
    services.account_save(
        actor=SYSTEM, name="Postmark", kind="esp", channels=["email"],
        config={"esp": "postmark", "api_url": postmark.url + "/", "from_email": "t@c.org"},
        secrets={"api_key": FakePostmark.token}, is_default=True,
    )  # fmt: skip
    p = people_services.person_create(
        actor=SYSTEM, data={"given_name": "B"}, emails=["bounce@example.org"]
    )
    people_services.consent_record(
        actor=SYSTEM, person=p, channel="email", purpose="campaign", status="granted"
    )
    msg = services.message_send(actor=SYSTEM, person=p, channel="email", subject="S", body="B")
    assert msg.status == "failed" and msg.attempts == 1
    assert FakePostmark.token not in msg.status_reason
    assert Message.objects.count() == 1
