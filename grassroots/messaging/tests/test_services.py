"""The send path end to end: compliance inside dispatch, real provider HTTP (a fake Twilio on
loopback), real SMTP (aiosmtpd on loopback), webhooks through the URL a provider calls."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.lists import services as list_services
from grassroots.messaging import sending, services, tick
from grassroots.messaging.broadcasts import abtests
from grassroots.messaging.broadcasts import services as broadcasts
from grassroots.messaging.models import Broadcast, Message, Suppression
from grassroots.messaging.replies import inbound
from grassroots.messaging.sending.pipeline import outbound_for
from grassroots.messaging.tests.fakes import twilio_signature
from grassroots.people import selectors as people_selectors
from grassroots.people import services as people_services
from grassroots.people.models import Consent, Interaction

IST = ZoneInfo("Asia/Kolkata")
NOON_IST = dt.datetime(2026, 12, 4, 12, 0, tzinfo=IST)


def _consent(person, channel="sms"):
    people_services.consent_record(
        actor=SYSTEM, person=person, channel=channel, purpose="campaign", status="granted"
    )


def _person(geo, name, phone=None, email=None, language=""):
    return people_services.person_create(
        actor=SYSTEM,
        data={
            "given_name": name,
            "family_name": "Test",
            "area": geo["p1"],
            "preferred_language": language,
        },  # fmt: skip
        phones=[phone] if phone else [],
        emails=[email] if email else [],
    )


def _queue(person, to, account, body="Hello", channel="sms"):
    return Message.objects.create(
        person=person, channel=channel, to_address=to, body=body, account=account
    )


# --- quiet hours: held, then released at the first allowed minute --------------------------------


def test_sms_to_india_at_2230_ist_is_held_until_0900_and_released_then(geo, simulator):
    asha = _person(geo, "Asha", phone="+919830012346")
    _consent(asha)
    msg = _queue(asha, "+919830012346", simulator, "Meeting tomorrow")
    late = dt.datetime(2026, 12, 4, 22, 30, tzinfo=IST)

    out = sending.dispatch([msg.pk], now=late)

    msg.refresh_from_db()
    assert (out.held, out.sent) == (1, 0)
    assert msg.status == Message.Status.HELD and msg.status_code == "quiet_hours"
    assert msg.held_until == dt.datetime(2026, 12, 5, 9, 0, tzinfo=IST)
    assert "09:00" in msg.status_reason
    # on the person's timeline, with the reason
    entries = people_selectors.person_timeline(asha)
    assert any(e.kind == "message" and "09:00" in e.body for e in entries)

    # a minute early: still held (never sent early)
    tick.messaging_tick(now=dt.datetime(2026, 12, 5, 8, 59, tzinfo=IST))
    msg.refresh_from_db()
    assert msg.status == Message.Status.HELD
    # at 09:00 IST it goes
    tick.messaging_tick(now=dt.datetime(2026, 12, 5, 9, 0, tzinfo=IST))
    msg.refresh_from_db()
    assert msg.status in (Message.Status.SENT, Message.Status.DELIVERED)
    assert Interaction.objects.filter(person=asha, channel="sms", outcome="sent").count() == 1


def test_held_message_is_dropped_when_its_broadcast_window_has_passed(geo, simulator, comms):
    asha = _person(geo, "Asha", phone="+919830012346")
    _consent(asha)
    template = services.template_save(
        actor=comms, name="Rally", channel="sms", variants=[{"language": "en", "body": "Rally!"}]
    )
    lst = list_services.list_create(actor=comms, name="one", person_ids=[asha.pk])
    b = broadcasts.broadcast_create(
        actor=comms,
        name="Rally tonight",
        template=template,
        person_list=lst,
        expires_at=dt.datetime(2026, 12, 5, 8, 0, tzinfo=IST),
    )
    msg = Message.objects.create(
        person=asha, channel="sms", to_address="+919830012346", body="x", account=simulator,
        broadcast=b,
    )  # fmt: skip
    Broadcast.objects.filter(pk=b.pk).update(status="sending")
    sending.dispatch([msg.pk], now=dt.datetime(2026, 12, 4, 22, 30, tzinfo=IST))
    msg.refresh_from_db()
    assert msg.status == Message.Status.BLOCKED and msg.status_code == "window_passed"


# --- STOP through the real webhook, over real HTTP to the provider ---------------------------------


def _twilio_post(client, account, form, token):
    path = reverse("messaging:webhook", args=[account.uuid])
    url = "https://campaign.example.org" + path
    return client.post(
        path,
        data=urllib.parse.urlencode(form),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(url, form, token),
    )


def test_stop_reply_opts_out_confirms_once_and_blocks_later_sends(
    geo, twilio, fake_twilio, client, comms
):
    asha = _person(geo, "Asha", phone="+919830012346")
    _consent(asha)
    msg = _queue(asha, "+919830012346", twilio, "Vote on Thursday!")
    sending.dispatch([msg.pk], now=NOON_IST)
    msg.refresh_from_db()
    assert msg.status == Message.Status.SENT
    assert len(fake_twilio.messages) == 1
    sent = fake_twilio.messages[0]
    assert sent["To"] == ["+919830012346"] and sent["Body"][0].startswith("Vote on Thursday!")
    assert msg.provider_id.startswith("SM")

    # delivery receipt
    r = _twilio_post(
        client, twilio, {"MessageSid": msg.provider_id, "MessageStatus": "delivered"},
        fake_twilio.auth_token,
    )  # fmt: skip
    assert r.status_code == 200
    msg.refresh_from_db()
    assert msg.status == Message.Status.DELIVERED

    form = {
        "MessageSid": "SMreply1",
        "From": "+919830012346",
        "To": "+15005550006",
        "Body": " Stop ",
    }
    r = _twilio_post(client, twilio, form, fake_twilio.auth_token)
    assert r.status_code == 200 and b"<Response" in r.content
    assert Suppression.objects.filter(address="+919830012346", reason="opted_out").exists()
    latest = Consent.objects.filter(person=asha, channel="sms").order_by("-recorded_at", "-id")[0]
    assert latest.status == "withdrawn"
    assert Interaction.objects.filter(
        person=asha, direction="inbound", outcome="opted out"
    ).exists()
    # one confirmation went out, through the provider, despite the opt-out
    assert len(fake_twilio.messages) == 2
    assert "unsubscribed" in fake_twilio.messages[1]["Body"][0]
    # the provider retries the same webhook: applied once, no second confirmation
    r = _twilio_post(client, twilio, form, fake_twilio.auth_token)
    assert r.status_code == 200
    assert Message.objects.filter(direction="inbound").count() == 1
    assert len(fake_twilio.messages) == 2

    # later sends are blocked, with the reason on the timeline
    later = services.message_send(actor=comms, person=asha, channel="sms", body="Again?")
    assert later.status == Message.Status.BLOCKED and later.status_code == "opted_out"
    assert len(fake_twilio.messages) == 2
    titles = [e.title for e in people_selectors.person_timeline(asha)]
    assert any("not sent" in t for t in titles)

    # START opts back in
    form = {
        "MessageSid": "SMreply2",
        "From": "+919830012346",
        "To": "+15005550006",
        "Body": "START",
    }
    _twilio_post(client, twilio, form, fake_twilio.auth_token)
    assert not Suppression.objects.filter(address="+919830012346").exists()


def test_webhook_with_a_bad_signature_changes_nothing(geo, twilio, fake_twilio, client):
    asha = _person(geo, "Asha", phone="+919830012346")
    form = {"MessageSid": "SMx", "From": "+919830012346", "To": "+15005550006", "Body": "STOP"}
    r = _twilio_post(client, twilio, form, "not-the-token")
    assert r.status_code == 403
    assert not Suppression.objects.exists()
    assert not Message.objects.filter(person=asha).exists()
    assert client.post(f"/messaging/hooks/{'0' * 8}-0000-0000-0000-{'0' * 12}/").status_code == 404


def test_retryable_provider_error_is_retried_later_with_the_same_key(geo, twilio, fake_twilio):
    asha = _person(geo, "Asha", phone="+919830012346")
    _consent(asha)
    msg = _queue(asha, "+919830012346", twilio)
    fake_twilio.fail_next(1, status=429)
    out = sending.dispatch([msg.pk], now=NOON_IST)
    msg.refresh_from_db()
    assert out.retry == 1 and msg.status == Message.Status.PENDING and msg.held_until
    assert fake_twilio.messages == []
    sending.dispatch([msg.pk], now=msg.held_until)
    msg.refresh_from_db()
    assert msg.status == Message.Status.SENT and msg.attempts == 2
    assert len(fake_twilio.messages) == 1


def test_invalid_number_fails_and_is_suppressed(geo, twilio, fake_twilio):
    asha = _person(geo, "Asha", phone="+919830012346")
    _consent(asha)
    msg = _queue(asha, "+919830012346", twilio)
    fake_twilio.fail_next(1, status=400, code=21211, message="Invalid 'To' Phone Number")
    sending.dispatch([msg.pk], now=NOON_IST)
    msg.refresh_from_db()
    assert msg.status == Message.Status.FAILED and msg.status_code == "21211"
    assert Suppression.objects.get(address="+919830012346").reason == "wrong_number"


def test_a_worker_dying_after_the_provider_call_does_not_send_twice(geo, twilio, fake_twilio):
    """The provider accepted the message but the worker died before recording it: the message
    is left 'sending'. Recovery requeues it; the retry carries the same idempotency key, and the
    provider answers with the first message instead of sending a second."""
    asha = _person(geo, "Asha", phone="+919830012346")
    _consent(asha)
    msg = _queue(asha, "+919830012346", twilio)
    provider = sending.provider_for(twilio)
    first = provider.send(outbound_for(msg, None))  # the call that reached the provider
    Message.objects.filter(pk=msg.pk).update(
        status=Message.Status.SENDING, updated_at=timezone.now() - dt.timedelta(minutes=30)
    )
    assert sending.recover_stuck() == 1
    sending.dispatch([msg.pk], now=NOON_IST)
    msg.refresh_from_db()
    assert msg.status == Message.Status.SENT
    assert msg.provider_id == first.provider_id
    assert len(fake_twilio.messages) == 1


# --- broadcasts -------------------------------------------------------------------------------------


def _audience(geo, comms):
    people = {
        "plain": _person(geo, "Plain", phone="+919830012346"),
        "stop": _person(geo, "Stopper", phone="+919830012399"),
        "bad": _person(geo, "Invalid", phone="+919830012313"),
        "carrier": _person(geo, "Unreachable", phone="+919830012300"),
        "bengali": _person(geo, "Bina", phone="+919830012347", language="bn"),
        "nophone": _person(geo, "Nophone"),
        "withdrawn": _person(geo, "Withdrawn", phone="+919830012348"),
    }
    for key, p in people.items():
        if key != "nophone":
            _consent(p)
    people_services.consent_record(
        actor=SYSTEM, person=people["withdrawn"], channel="sms", purpose="campaign",
        status="withdrawn",
    )  # fmt: skip
    return people


def test_broadcast_to_a_segment_through_the_simulator(
    geo, simulator, comms, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(timezone, "now", lambda: NOON_IST.astimezone(dt.UTC))
    people = _audience(geo, comms)
    template = services.template_save(
        actor=comms,
        name="Rally",
        channel="sms",
        variants=[
            {"language": "en", "body": 'Hi {{ first_name|default:"friend" }}, rally at 5!'},
            {"language": "bn", "body": "নমস্কার {{ first_name }}, বিকেল ৫টায় সভা!"},
        ],
    )
    segment = list_services.segment_create(
        actor=comms,
        name="Part 1",
        definition={
            "steps": [
                {
                    "action": "add",
                    "group": {
                        "items": [{"filter": "area", "params": {"areas": ["IN-WB-AC1-P001"]}}]
                    },
                }
            ]
        },
    )
    b = broadcasts.broadcast_create(actor=comms, name="Rally", template=template, segment=segment)
    with django_capture_on_commit_callbacks(execute=True):  # the job runs (immediate backend)
        b = broadcasts.broadcast_start(actor=comms, broadcast=b)
    b.refresh_from_db()

    assert b.person_list is not None and b.person_list.size == len(people)
    msgs = {m.person_id: m for m in b.messages.all()}
    assert len(msgs) == len(people)  # one message per person, no more
    assert msgs[people["plain"].pk].status == Message.Status.DELIVERED
    assert msgs[people["plain"].pk].body.startswith("Hi Plain, rally at 5!")
    assert msgs[people["bengali"].pk].body.startswith("নমস্কার Bina")
    assert msgs[people["nophone"].pk].status_code == "no_address"
    assert msgs[people["withdrawn"].pk].status == Message.Status.BLOCKED
    assert msgs[people["withdrawn"].pk].status_code == "consent_withdrawn"
    assert msgs[people["bad"].pk].status == Message.Status.FAILED
    assert msgs[people["carrier"].pk].status == Message.Status.FAILED
    assert msgs[people["carrier"].pk].status_code == "30003"
    # the simulated STOP reply opted that person out, on their timeline
    assert Suppression.objects.filter(address="+919830012399", reason="opted_out").exists()
    assert any(e.badge == "opted out" for e in people_selectors.person_timeline(people["stop"]))
    stats = broadcasts.broadcast_stats(b)
    assert stats["delivered"] == 3 and stats["opted_out"] == 1 and stats["replied"] == 1
    assert b.status == Broadcast.Status.DONE
    assert b.job.status == "succeeded"

    # running the job again sends nobody a second message
    broadcasts.broadcast_run(b.pk)
    assert b.messages.count() == len(people)
    Broadcast.objects.filter(pk=b.pk).update(status="sending")
    broadcasts.broadcast_run(b.pk)
    assert b.messages.count() == len(people)
    assert Message.objects.filter(broadcast=b, attempts__gt=1).count() == 0


def test_paused_broadcast_sends_nothing_until_resumed(
    geo, simulator, comms, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(timezone, "now", lambda: NOON_IST.astimezone(dt.UTC))
    people = _audience(geo, comms)
    template = services.template_save(
        actor=comms, name="T", channel="sms", variants=[{"language": "en", "body": "Hi"}]
    )
    lst = list_services.list_create(
        actor=comms, name="all", person_ids=[p.pk for p in people.values()]
    )
    b = broadcasts.broadcast_create(
        actor=comms,
        name="Later",
        template=template,
        person_list=lst,
        scheduled_at=timezone.now() + dt.timedelta(hours=1),
    )
    b = broadcasts.broadcast_start(actor=comms, broadcast=b)
    assert b.status == Broadcast.Status.SCHEDULED and b.messages.count() == 0
    broadcasts.broadcast_set_status(actor=comms, broadcast=b, action="pause")
    with django_capture_on_commit_callbacks(execute=True):
        tick.messaging_tick(now=timezone.now() + dt.timedelta(hours=2))
    assert b.messages.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        broadcasts.broadcast_set_status(actor=comms, broadcast=b, action="resume")
    b.refresh_from_db()
    assert b.messages.filter(status="delivered").count() == 3
    with pytest.raises(ValidationError):
        broadcasts.broadcast_start(actor=comms, broadcast=b)


def test_broadcast_needs_the_capability(geo, simulator, users):
    template = services.template_save(
        actor=SYSTEM, name="T", channel="sms", variants=[{"language": "en", "body": "Hi"}]
    )
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        broadcasts.broadcast_create(
            actor=users["volunteer"], name="x", template=template, person_list=None
        )


# --- templates ------------------------------------------------------------------------------------


def test_template_errors_are_reported_per_version(comms):
    with pytest.raises(ValidationError) as err:
        services.template_save(
            actor=comms,
            name="",
            channel="email",
            variants=[
                {"language": "en", "body": "Hi {{ first_name|nosuchfilter }}"},
                {"language": "en", "body": "Hi", "subject": "S"},
            ],
        )
    errors = err.value.message_dict
    assert "name" in errors
    assert "variants.0.body" in errors and "variants.0.subject" in errors
    assert "variants.1.language" in errors


def test_a_template_cannot_read_files_or_load_tags(comms):
    for body in ('{% include "base.html" %}', "{% load static %}{% static 'x' %}", "{% debug %}"):
        try:
            services.template_save(
                actor=comms, name="x", channel="sms", variants=[{"language": "en", "body": body}]
            )
        except ValidationError:
            continue
        t = services.Template.objects.get(name="x")
        assert "SECRET" not in t.variants.get().body
        t.delete()


# --- email through a real SMTP server -------------------------------------------------------------


def test_email_through_smtp_with_one_click_unsubscribe(
    geo, smtp_server, smtp_account, comms, client
):
    account = smtp_account
    mona = _person(geo, "Mona", email="mona@example.org")
    _consent(mona, "email")
    msg = services.message_send(
        actor=comms, person=mona, channel="email", subject="Hello", body="See you Sunday"
    )
    assert msg.status == Message.Status.SENT, msg.status_reason
    assert msg.account == account
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0].message
    assert mail["To"] == "mona@example.org" and mail["Subject"] == "Hello"
    link = "".join(str(mail["List-Unsubscribe"]).split()).strip("<>")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link.startswith("https://campaign.example.org/u/")

    # the mail client's one-click POST (no CSRF token, no session)
    path = urllib.parse.urlparse(link).path
    assert client.get(path).status_code == 200
    r = client.post(path, data="List-Unsubscribe=One-Click", content_type="text/plain")
    assert r.status_code == 200
    assert Suppression.objects.filter(channel="email", address="mona@example.org").exists()
    again = services.message_send(
        actor=comms, person=mona, channel="email", subject="Hello", body="Again"
    )
    assert again.status == Message.Status.BLOCKED
    assert len(smtp_server.messages) == 1
    assert client.post("/u/forged-token/").status_code == 400


def test_credentials_are_encrypted_and_never_shown(geo, twilio, fake_twilio):
    twilio.refresh_from_db()
    assert fake_twilio.auth_token not in twilio.secrets
    assert fake_twilio.auth_token not in str(twilio.secret_hints)
    assert twilio.secret_hints["auth_token"].endswith(fake_twilio.auth_token[-4:])
    # saving without retyping the secret keeps it
    services.account_save(
        actor=SYSTEM, account=twilio, name="Twilio 2", kind="twilio", channels=["sms"],
        config=twilio.config, secrets={"auth_token": ""},
    )  # fmt: skip
    assert sending.provider_for(twilio).secrets["auth_token"] == fake_twilio.auth_token


def test_test_send_goes_to_the_given_number_marked_test(geo, simulator, comms):
    asha = _person(geo, "Asha", phone="+919830012346")
    template = services.template_save(
        actor=comms,
        name="T",
        channel="sms",
        variants=[{"language": "en", "body": "Hi {{ first_name }}"}],
    )
    lst = list_services.list_create(actor=comms, name="l", person_ids=[asha.pk])
    b = broadcasts.broadcast_create(actor=comms, name="B", template=template, person_list=lst)
    with pytest.raises(ValidationError):
        broadcasts.broadcast_test_send(actor=comms, broadcast=b, to="not a number")
    msg = broadcasts.broadcast_test_send(actor=comms, broadcast=b, to="+91 98300 11111")
    assert msg.to_address == "+919830011111" and msg.body == "[TEST] Hi Asha"
    assert msg.person is None and not b.messages.exists()


def test_whatsapp_free_text_only_inside_the_24_hour_window(geo, simulator, comms):
    asha = _person(geo, "Asha", phone="+919830012346")
    _consent(asha, "whatsapp")
    from grassroots.people.models import ContactPoint

    ContactPoint.objects.filter(person=asha).update(whatsapp=True)
    out = _queue(asha, "+919830012346", simulator, "Hello on WhatsApp", channel="whatsapp")
    sending.dispatch([out.pk], now=NOON_IST)
    out.refresh_from_db()
    assert out.status == "blocked" and out.status_code == "whatsapp_window"
    from grassroots.messaging.providers.base import Inbound

    inbound.inbound_record(
        account=simulator,
        inbound=Inbound(provider_id="w1", channel="whatsapp", sender="+919830012346",
                        to="+15550100", body="Hi there",
                        received_at=NOON_IST - dt.timedelta(hours=1)),
    )  # fmt: skip
    again = _queue(asha, "+919830012346", simulator, "Thanks for writing", channel="whatsapp")
    sending.dispatch([again.pk], now=NOON_IST)
    again.refresh_from_db()
    assert again.status in ("sent", "delivered"), again.status_reason


def test_tracked_email_counts_opens_and_clicks_without_an_open_redirect(
    geo, smtp_server, comms, client, settings, django_capture_on_commit_callbacks, monkeypatch
):
    import re

    settings.GRASSROOTS_PUBLIC_URL = "https://campaign.example.org"
    services.account_save(
        actor=SYSTEM, name="SMTP", kind="smtp", channels=["email"],
        config={"host": smtp_server.host, "port": str(smtp_server.port),
                "from_email": "team@campaign.example.org", "rate": "1000"},
        secrets={}, is_default=True,
    )  # fmt: skip
    mona = _person(geo, "Mona", email="mona@example.org")
    _consent(mona, "email")
    template = services.template_save(
        actor=comms, name="News", channel="email",
        variants=[{"language": "en", "subject": "News", "body": "Read it",
                   "html": '<p>Read <a href="https://example.org/news?a=1">the news</a></p>'}],
    )  # fmt: skip
    lst = list_services.list_create(actor=comms, name="l", person_ids=[mona.pk])
    b = broadcasts.broadcast_create(
        actor=comms, name="B", template=template, person_list=lst, track=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        broadcasts.broadcast_start(actor=comms, broadcast=b)
    html = smtp_server.messages[0].message.get_body(("html",)).get_content()
    assert "https://example.org/news" not in html  # through the counter
    click = re.search(r'href="https://campaign.example.org(/m/c/[^"]+)"', html).group(1)
    pixel = re.search(r'src="https://campaign.example.org(/m/o/[^"]+)"', html).group(1)
    r = client.get(pixel)
    assert r.status_code == 200 and r["Content-Type"] == "image/gif"
    msg = b.messages.get()
    msg.refresh_from_db()
    assert msg.opened_at is not None and msg.clicked_at is None
    r = client.get(click)
    assert r.status_code == 302 and r["Location"] == "https://example.org/news?a=1"
    msg.refresh_from_db()
    assert msg.clicked_at is not None
    assert broadcasts.broadcast_stats(b)["clicked"] == 1
    assert client.get("/m/c/forged-token/").status_code == 404
    assert client.get("/m/o/forged").status_code == 200  # a pixel always answers, records nothing


def test_ab_test_sends_the_better_version_to_the_rest(
    geo, simulator, comms, monkeypatch, django_capture_on_commit_callbacks
):
    now = {"t": NOON_IST}
    monkeypatch.setattr(sending, "clock", lambda: now["t"])
    people = [_person(geo, f"P{i}", phone=f"+9198300{i:05d}") for i in range(10, 50)]
    a = services.template_save(
        actor=comms, name="A", channel="sms", variants=[{"language": "en", "body": "Version A"}]
    )
    b_tpl = services.template_save(
        actor=comms, name="B", channel="sms", variants=[{"language": "en", "body": "Version B"}]
    )
    lst = list_services.list_create(actor=comms, name="l", person_ids=[p.pk for p in people])
    with pytest.raises(ValidationError):
        broadcasts.broadcast_create(
            actor=comms, name="x", template=a, person_list=lst, template_b=a
        )
    b = broadcasts.broadcast_create(
        actor=comms, name="AB", template=a, person_list=lst, template_b=b_tpl, ab_sample=50,
        ab_metric="replied", ab_wait=30,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        broadcasts.broadcast_start(actor=comms, broadcast=b)
    b.refresh_from_db()
    groups = {k: b.messages.filter(ab_variant=k) for k in ("a", "b", "")}
    assert groups["a"].exists() and groups["b"].exists()
    assert set(groups["a"].values_list("body", flat=True)) == {"Version A"}
    assert set(groups["b"].values_list("body", flat=True)) == {"Version B"}
    rest = groups[""].exclude(status="blocked")
    assert rest.exists() and set(rest.values_list("status_code", flat=True)) == {"ab_wait"}
    assert b.status == "sending"  # not done while the rest wait

    from grassroots.messaging.providers.base import Inbound

    for i, m in enumerate(groups["b"][:3]):  # B gets replies
        inbound.inbound_record(
            account=simulator,
            inbound=Inbound(provider_id=f"r{i}", channel="sms", sender=m.to_address,
                            to="+15550100", body="Love it"),
        )  # fmt: skip
    now["t"] = NOON_IST + dt.timedelta(minutes=29)
    with django_capture_on_commit_callbacks(execute=True):
        tick.messaging_tick()
    b.refresh_from_db()
    assert b.ab_winner == ""  # not before the wait is over
    now["t"] = NOON_IST + dt.timedelta(minutes=31)
    with django_capture_on_commit_callbacks(execute=True):
        tick.messaging_tick()
    b.refresh_from_db()
    assert b.ab_winner == "b"
    assert set(b.messages.filter(ab_variant="").values_list("body", flat=True)) == {"Version B"}
    assert not b.messages.filter(status__in=["pending", "held"]).exists()
    assert b.messages.count() == len(people)
    results = abtests.ab_results(b)
    assert results["b"]["replied"] == 3 and results["a"]["replied"] == 0


def test_voice_broadcast_plays_a_recording_with_press_9_to_opt_out(geo, twilio, fake_twilio):
    from grassroots.messaging.models import Suppression as Sup

    twilio.channels = ["sms", "voice"]
    twilio.save()
    asha = _person(geo, "Asha", phone="+919830012346")
    _consent(asha, "phone")
    template = services.template_save(
        actor=SYSTEM, name="Call", channel="voice",
        variants=[{"language": "en", "body": "Hello from the campaign",
                   "provider_template": "https://campaign.example.org/rally.mp3"}],
    )  # fmt: skip
    msg = Message.objects.create(
        person=asha, channel="voice", to_address="+919830012346", body="Hello from the campaign",
        account=twilio, template_variant=template.variants.get(),
    )  # fmt: skip
    sending.dispatch([msg.pk], now=NOON_IST)
    msg.refresh_from_db()
    assert msg.status == "sent", msg.status_reason
    twiml = fake_twilio.calls[-1]["Twiml"][0]
    assert "<Play>https://campaign.example.org/rally.mp3</Play>" in twiml and "Press 9" in twiml
    assert Sup.objects.count() == 0


def test_a_plain_yes_is_not_answered_with_a_subscription_confirmation(
    geo, twilio, fake_twilio, client
):
    asha = _person(geo, "Asha", phone="+919830012346")
    form = {"MessageSid": "SMyes", "From": "+919830012346", "To": "+15005550006", "Body": "Yes"}
    assert _twilio_post(client, twilio, form, fake_twilio.auth_token).status_code == 200
    assert fake_twilio.messages == []  # nothing sent back
    assert not Consent.objects.filter(person=asha).exists()


def test_whatsapp_templates_go_only_once_approved(geo, simulator, comms):
    asha = _person(geo, "Asha", phone="+919830012346")
    _consent(asha, "whatsapp")
    template = services.template_save(
        actor=comms, name="WA", channel="whatsapp",
        variants=[{"language": "en", "body": "Rally", "provider_template": "rally_v1"}],
    )  # fmt: skip
    variant = template.variants.get()
    assert variant.approval == "pending"
    msg = Message.objects.create(
        person=asha, channel="whatsapp", to_address="+919830012346", body="Rally",
        account=simulator, template_variant=variant,
    )  # fmt: skip
    sending.dispatch([msg.pk], now=NOON_IST)
    msg.refresh_from_db()
    assert msg.status == "blocked" and msg.status_code == "template_not_approved"
    services.template_save(
        actor=comms, template=template, name="WA", channel="whatsapp",
        variants=[{"language": "en", "body": "Rally", "provider_template": "rally_v1",
                   "approval": "approved"}],
    )  # fmt: skip
    again = Message.objects.create(
        person=asha, channel="whatsapp", to_address="+919830012346", body="Rally",
        account=simulator, template_variant=template.variants.get(),
    )  # fmt: skip
    sending.dispatch([again.pk], now=NOON_IST)
    again.refresh_from_db()
    assert again.status in ("sent", "delivered"), again.status_reason
