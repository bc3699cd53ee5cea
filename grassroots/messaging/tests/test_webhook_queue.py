"""Provider webhooks are stored once and answered at once; a worker applies them in batches,
in arrival order per sender; a STOP that waits to be applied holds sends to its number
(ADR 0016). Signed webhooks we cannot read answer 400, email-service endpoints nobody
configured answer 404 — never a 5xx, which providers retry."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.messaging import sending, services, tasks
from grassroots.messaging.models import Message, Suppression, WebhookEvent
from grassroots.messaging.replies import applier, webhooks
from grassroots.messaging.tests.fakes import meta_signature, twilio_signature
from grassroots.people import services as people_services
from grassroots.people.models import Interaction

NOON_IST = dt.datetime(2026, 12, 4, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata"))


@pytest.fixture
def daytime(monkeypatch):
    """Sends happen inside the recipients' calling hours whatever the hour the suite runs at
    (after 21:00 in India a send is held for quiet hours)."""
    monkeypatch.setattr(sending, "clock", lambda: NOON_IST)


def _post(client, account, form, token):
    path = reverse("messaging:webhook", args=[account.uuid])
    url = "https://campaign.example.org" + path
    return client.post(
        path,
        data=urllib.parse.urlencode(form),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(url, form, token),
    )


def _reply(sid, sender, body):
    return {"MessageSid": sid, "From": sender, "To": "+15005550006", "Body": body}


def _person(geo, name, phone):
    person = people_services.person_create(
        actor=SYSTEM,
        data={"given_name": name, "family_name": "Test", "area": geo["p1"]},
        phones=[phone],
    )
    people_services.consent_record(
        actor=SYSTEM, person=person, channel="sms", purpose="campaign", status="granted"
    )
    return person


@pytest.fixture
def queued(monkeypatch):
    """No worker runs until the test says so: the webhook's "queue a run" is recorded."""
    runs: list[int] = []
    monkeypatch.setattr(webhooks, "schedule", lambda: runs.append(1))
    return runs


# --- signed but odd: 400, never 5xx ---------------------------------------------------------------


def test_a_signed_twilio_request_that_is_not_a_messaging_event_is_400(
    geo, twilio, fake_twilio, client
):
    r = _post(client, twilio, {"AccountSid": "AC1", "Foo": "bar"}, fake_twilio.auth_token)
    assert r.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_signed_whatsapp_body_that_is_a_json_array_is_400(geo, fake_whatsapp, client, settings):
    settings.GRASSROOTS_PUBLIC_URL = "https://campaign.example.org"
    account = services.account_save(
        actor=SYSTEM,
        name="WhatsApp",
        kind="whatsapp_cloud",
        channels=["whatsapp"],
        config={"api_base": fake_whatsapp.url, "phone_number_id": "123"},
        secrets={"access_token": "tok", "app_secret": "shh-secret", "verify_token": "v"},
    )
    path = reverse("messaging:webhook", args=[account.uuid])
    for body in (b"[1, 2, 3]", b'"text"', b"{not json"):
        r = client.post(
            path,
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=meta_signature(body, "shh-secret"),
        )
        assert r.status_code == 400, body
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("esp", ["mailgun", "amazon_ses", "postmark", "sendgrid"])
def test_email_service_webhooks_nobody_configured_answer_404(geo, client, esp):
    for kind in ("tracking", "inbound"):
        r = client.post(f"/messaging/anymail/{esp}/{kind}/", data="{}", content_type="text/plain")
        assert r.status_code == 404, (esp, kind)


def test_the_configured_email_service_webhook_is_open(geo, client, settings):
    services.account_save(
        actor=SYSTEM,
        name="Postmark",
        kind="esp",
        channels=["email"],
        config={"esp": "postmark", "from_email": "team@example.org"},
        secrets={"api_key": "k"},
    )
    # without the shared secret anymail itself refuses (not our 404, not a 500)
    r = client.post("/messaging/anymail/postmark/tracking/", data="{}", content_type="text/plain")
    assert r.status_code not in (404, 500)
    assert client.post("/messaging/anymail/mailgun/tracking/").status_code == 404


# --- stored at once, applied by the worker ------------------------------------------------------


def test_a_reply_is_stored_answered_and_applied_by_the_worker_once(
    geo, twilio, fake_twilio, client, queued
):
    asha = _person(geo, "Asha", "+919830012346")
    form = _reply("SMq1", "+919830012346", "Thanks, I will vote")
    for _ in range(3):  # the provider retries
        assert _post(client, twilio, form, fake_twilio.auth_token).status_code == 200
    assert WebhookEvent.objects.filter(key="in:SMq1").count() == 1
    assert not Message.objects.filter(direction="inbound").exists()  # not applied yet
    assert queued  # a run was queued
    tasks.webhook_events_apply_task.call()
    assert Message.objects.filter(direction="inbound", provider_id="SMq1").count() == 1
    assert Interaction.objects.filter(person=asha, direction="inbound").count() == 1
    assert not WebhookEvent.objects.filter(applied_at__isnull=True).exists()
    tasks.webhook_events_apply_task.call()  # a second run finds nothing to do
    assert Message.objects.filter(direction="inbound").count() == 1


def test_a_pending_stop_holds_sends_to_that_number_until_it_is_applied(
    geo, twilio, fake_twilio, client, comms, queued
):
    asha = _person(geo, "Asha", "+919830012346")
    ravi = _person(geo, "Ravi", "+919830012347")
    r = _post(client, twilio, _reply("SMstop", "+919830012346", "Stop"), fake_twilio.auth_token)
    assert r.status_code == 200
    # the STOP is stored, not applied; a send to that number must not overtake it
    to_asha = Message.objects.create(person=asha, channel="sms", to_address="+919830012346",
                                     body="Vote Thursday", account=twilio)  # fmt: skip
    to_ravi = Message.objects.create(person=ravi, channel="sms", to_address="+919830012347",
                                     body="Vote Thursday", account=twilio)  # fmt: skip
    sending.dispatch([to_asha.pk, to_ravi.pk], now=NOON_IST)
    to_asha.refresh_from_db()
    to_ravi.refresh_from_db()
    assert to_asha.status == Message.Status.HELD and to_asha.status_code == "opt_out_pending"
    assert to_ravi.status == Message.Status.SENT  # other numbers are not held
    assert [m["To"] for m in fake_twilio.messages] == [["+919830012347"]]
    # the worker applies the STOP (and sends its one confirmation)
    tasks.webhook_events_apply_task.call()
    assert Suppression.objects.filter(address="+919830012346", reason="opted_out").exists()
    # the held message comes round again and is blocked: the STOP won
    sending.dispatch([to_asha.pk], now=to_asha.held_until)
    to_asha.refresh_from_db()
    assert to_asha.status == Message.Status.BLOCKED and to_asha.status_code == "opted_out"
    bodies = [m["Body"][0] for m in fake_twilio.messages if m["To"] == ["+919830012346"]]
    assert len(bodies) == 1 and "unsubscribed" in bodies[0]


def test_a_plain_reply_pending_does_not_hold_sends(geo, twilio, fake_twilio, client, queued):
    asha = _person(geo, "Asha", "+919830012346")
    _post(client, twilio, _reply("SMp", "+919830012346", "See you there"), fake_twilio.auth_token)
    m = Message.objects.create(person=asha, channel="sms", to_address="+919830012346",
                               body="Great", account=twilio)  # fmt: skip
    sending.dispatch([m.pk], now=NOON_IST)
    m.refresh_from_db()
    assert m.status == Message.Status.SENT


@pytest.mark.parametrize(
    ("bodies", "suppressed"),
    [(["STOP", "START"], False), (["START", "STOP"], True), (["STOP", "hi", "START"], False)],
)
def test_a_senders_replies_are_applied_in_arrival_order(
    geo, twilio, fake_twilio, client, queued, bodies, suppressed
):
    _person(geo, "Asha", "+919830012346")
    for i, body in enumerate(bodies):
        form = _reply(f"SMo{i}", "+919830012346", body)
        _post(client, twilio, form, fake_twilio.auth_token)
    applier.events_apply()
    assert Suppression.objects.filter(address="+919830012346").exists() is suppressed


def test_a_burst_of_2000_signed_replies_is_applied_once_each_and_a_stop_wins(
    geo, twilio, fake_twilio, client, comms, queued
):
    """2,000 replies (with retries) in one burst; one of them is a STOP from Asha, and a send
    to Asha is queued after it in the same burst: it is never sent."""
    asha = _person(geo, "Asha", "+919830012346")
    people = [_person(geo, f"P{i}", f"+91983010{i:04d}") for i in range(20)]
    token = fake_twilio.auth_token
    to_asha = None
    for i in range(2000):
        if i == 1000:
            form = _reply("SMburst-stop", "+919830012346", "STOP")
        else:
            form = _reply(f"SMburst{i}", f"+91983010{i % 40:04d}", f"reply {i}")
        assert _post(client, twilio, form, token).status_code == 200
        if i % 7 == 0:  # providers retry: the same event again
            assert _post(client, twilio, form, token).status_code == 200
        if i == 1001:
            to_asha = Message.objects.create(person=asha, channel="sms",
                                             to_address="+919830012346", body="Vote!",
                                             account=twilio)  # fmt: skip
            sending.dispatch([to_asha.pk], now=NOON_IST)
        if i == 1500:  # a worker run in the middle of the burst applies what is there so far
            applier.events_apply(limit=300)
    assert WebhookEvent.objects.filter(kind="inbound").count() == 2000
    applier.events_apply(limit=300)
    inbound = Message.objects.filter(direction="inbound")
    assert inbound.count() == 2000
    assert inbound.values("provider_id").distinct().count() == 2000
    assert not WebhookEvent.objects.filter(applied_at__isnull=True).exists()
    # every known sender's replies are on their timeline, once each
    for p in people:
        n = Message.objects.filter(direction="inbound", from_address=p.contact_points.get().value)
        assert Interaction.objects.filter(person=p, direction="inbound").count() == n.count()
    sending.dispatch(sending.due_ids(to_asha.held_until), now=to_asha.held_until)
    to_asha.refresh_from_db()
    assert to_asha.status == Message.Status.BLOCKED
    sent_to_asha = [m["Body"][0] for m in fake_twilio.messages if m["To"] == ["+919830012346"]]
    assert len(sent_to_asha) == 1 and "unsubscribed" in sent_to_asha[0]


def test_an_event_that_fails_is_retried_then_parked_and_its_senders_later_events_wait(
    geo, twilio, fake_twilio, client, queued
):
    _post(client, twilio, _reply("SMf1", "+919830012346", "one"), fake_twilio.auth_token)
    _post(client, twilio, _reply("SMf2", "+919830012346", "two"), fake_twilio.auth_token)
    _post(client, twilio, _reply("SMf3", "+919830012399", "other"), fake_twilio.auth_token)
    # a stored event the applier cannot read (an older release's shape, a bug)
    bad = WebhookEvent.objects.get(key="in:SMf1")
    bad.payload = {"unexpected": True}
    bad.save()
    applier.events_apply()
    assert set(Message.objects.filter(direction="inbound").values_list("body", flat=True)) == {
        "other"
    }  # "two" waits behind "one": the sender's order is kept
    bad.refresh_from_db()
    assert bad.attempts >= 1 and bad.error
    for _ in range(applier.MAX_ATTEMPTS):
        applier.events_apply()
    bad.refresh_from_db()
    assert bad.applied_at is not None and bad.attempts == applier.MAX_ATTEMPTS  # parked
    assert set(Message.objects.filter(direction="inbound").values_list("body", flat=True)) == {
        "other",
        "two",
    }


def test_a_voice_keypress_is_applied_inline_with_its_twiml_answer(
    geo, twilio, fake_twilio, client, queued
):
    form = {"CallSid": "CA1", "Digits": "9", "To": "+919830012346", "From": "+15005550006",
            "Direction": "outbound-api"}  # fmt: skip
    r = _post(client, twilio, form, fake_twilio.auth_token)
    assert r.status_code == 200 and b"<Say>" in r.content
    assert Suppression.objects.filter(channel="voice", address="+919830012346").exists()
    assert not queued


def test_the_simulator_webhooks_flow_end_to_end(
    geo, simulator, comms, django_capture_on_commit_callbacks, daytime
):
    """The demo's path: a send through the simulator, its receipt and the person's STOP
    through the stored-event queue, applied by the (immediate, in tests) worker."""
    asha = _person(geo, "Asha", "+919830012399")  # the simulator: "99" replies STOP
    with django_capture_on_commit_callbacks(execute=True):
        m = services.message_send(actor=comms, person=asha, channel="sms", body="Hello")
    m.refresh_from_db()
    assert m.status == Message.Status.DELIVERED
    assert WebhookEvent.objects.filter(kind="receipt").count() == 2  # Hello's, the confirmation's
    assert WebhookEvent.objects.filter(kind="inbound", may_opt_out=True).count() == 1
    assert not WebhookEvent.objects.filter(applied_at__isnull=True).exists()
    assert Suppression.objects.filter(address="+919830012399", reason="opted_out").exists()
