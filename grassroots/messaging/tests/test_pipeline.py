"""The send pipeline: provider calls on parallel lanes (one connection each), recorded by the
calling thread in order. Real SMTP (aiosmtpd) and a fake Twilio on loopback."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from grassroots.core.access import SYSTEM
from grassroots.messaging import sending, services
from grassroots.messaging.broadcasts import services as broadcasts
from grassroots.messaging.models import Message
from grassroots.messaging.providers.twilio import TwilioProvider
from grassroots.people import services as people_services
from grassroots.people.models import Interaction

NOON_IST = dt.datetime(2026, 12, 4, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata"))


def _people(geo, n, *, channel):
    out = []
    for i in range(n):
        p = people_services.person_create(
            actor=SYSTEM,
            data={"given_name": f"P{i}", "family_name": "Lane", "area": geo["p1"]},
            phones=[f"+9198300{i:05d}"] if channel == "sms" else [],
            emails=[f"p{i}@example.org"] if channel == "email" else [],
        )
        people_services.consent_record(
            actor=SYSTEM, person=p, channel=channel, purpose="campaign", status="granted"
        )
        out.append(p)
    return out


def _queue(people, account, channel):
    return [
        Message.objects.create(
            person=p,
            channel=channel,
            to_address=f"+9198300{i:05d}" if channel == "sms" else f"p{i}@example.org",
            subject="Rally" if channel == "email" else "",
            body=f"Hello P{i}",
            account=account,
        )
        for i, p in enumerate(people)
    ]


@pytest.fixture
def twilio(twilio):
    """The Twilio account of conftest, with four lanes."""
    twilio.config["connections"] = "4"
    twilio.save(update_fields=["config"])
    return twilio


def test_lanes_send_each_message_once_and_record_every_result(geo, twilio, fake_twilio):
    people = _people(geo, 60, channel="sms")
    msgs = _queue(people, twilio, "sms")
    # a small window, so the calling thread waits on lanes and records while they still send
    pipeline = sending.Pipeline(window=7)
    try:
        first = sending.dispatch([m.pk for m in msgs[:30]], now=NOON_IST, pipeline=pipeline)
        second = sending.dispatch([m.pk for m in msgs[30:]], now=NOON_IST, pipeline=pipeline)
        rest = pipeline.close()
    finally:
        pipeline.shutdown()

    assert first.sent + second.sent + rest.sent == 60
    assert rest.sent <= 7  # never more than the window outstanding
    sent_to = sorted(f["To"][0] for f in fake_twilio.messages)
    assert sent_to == sorted(m.to_address for m in msgs)  # each once, nobody twice
    for m in Message.objects.filter(pk__in=[m.pk for m in msgs]):
        assert m.status == Message.Status.SENT and m.attempts == 1 and m.sent_at is not None
        # the result recorded on each message is the answer to that message's own call
        answer = fake_twilio.answer_for(str(m.uuid))
        assert (m.provider_id, m.to_address) == (answer["sid"], answer["to"])
        assert answer["body"].startswith(m.body)
    assert Interaction.objects.filter(channel="sms", outcome="sent").count() == 60


def test_an_adapter_bug_fails_one_message_and_the_rest_go(geo, twilio, fake_twilio, monkeypatch):
    people = _people(geo, 5, channel="sms")
    msgs = _queue(people, twilio, "sms")
    real_send = TwilioProvider.send

    def send(self, message):
        if message.to == msgs[2].to_address:
            raise KeyError("sid")  # an adapter that trips over an unexpected answer
        return real_send(self, message)

    monkeypatch.setattr(TwilioProvider, "send", send)
    out = sending.dispatch([m.pk for m in msgs], now=NOON_IST)

    assert (out.sent, out.failed) == (4, 1)
    broken = Message.objects.get(pk=msgs[2].pk)
    assert broken.status == Message.Status.FAILED and broken.status_code == "error"
    assert len(fake_twilio.messages) == 4


def test_retryable_answers_from_a_lane_are_queued_again(geo, twilio, fake_twilio):
    people = _people(geo, 3, channel="sms")
    msgs = _queue(people, twilio, "sms")
    fake_twilio.fail_next(1, status=503)
    out = sending.dispatch([m.pk for m in msgs], now=NOON_IST)
    assert (out.sent, out.retry) == (2, 1)
    again = Message.objects.get(status=Message.Status.PENDING)
    assert again.held_until == NOON_IST + dt.timedelta(seconds=sending.RETRY_DELAYS[0])
    sending.dispatch([again.pk], now=again.held_until)
    assert Message.objects.filter(status=Message.Status.SENT).count() == 3
    assert len(fake_twilio.messages) == 3


def test_email_over_parallel_smtp_connections(geo, smtp_server, smtp_account):
    account = smtp_account
    account.config["connections"] = "3"
    account.save(update_fields=["config"])
    people = _people(geo, 30, channel="email")
    msgs = _queue(people, account, "email")
    out = sending.dispatch([m.pk for m in msgs], now=NOON_IST)

    assert out.sent == 30
    received = sorted(r for mail in smtp_server.messages for r in mail.rcpt_tos)
    assert received == sorted(m.to_address for m in msgs)
    peers = {mail.peer for mail in smtp_server.messages}
    assert 1 < len(peers) <= 3  # several connections, never more than configured
    for mail in smtp_server.messages:
        assert mail.message["Subject"] == "Rally"
        assert mail.message["List-Unsubscribe"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("rate", "fast"), ("rate", "0"), ("rate", "-3"), ("rate", "nan"), ("connections", "0"),
     ("connections", "17"), ("connections", "2.5"), ("connections", "many"), ("connections", "²")],
)  # fmt: skip
def test_throughput_settings_are_checked(geo, fake_twilio, field, value):
    with pytest.raises(ValidationError) as exc:
        services.account_save(
            actor=SYSTEM,
            name="Twilio",
            kind="twilio",
            channels=["sms"],
            config={"api_base": fake_twilio.url, field: value},
            secrets={},
        )
    assert field in exc.value.error_dict


def test_blank_throughput_settings_mean_the_defaults(geo, fake_twilio):
    account = services.account_save(
        actor=SYSTEM,
        name="Twilio",
        kind="twilio",
        channels=["sms"],
        config={"api_base": fake_twilio.url, "rate": "", "connections": ""},
        secrets={},
    )
    provider = sending.provider_for(account)
    assert provider.rate == TwilioProvider.default_rate
    assert provider.connections == TwilioProvider.default_connections


def test_a_broadcast_creates_its_messages_batch_by_batch_between_sends(
    geo, comms, simulator, monkeypatch, django_capture_on_commit_callbacks
):
    """Messages are created a batch at a time while earlier ones send: each person still gets
    exactly one, the progress reaches the total, and the people not reached yet count as
    queued while it runs."""
    from django.utils import timezone

    from grassroots.lists import services as list_services
    from grassroots.messaging.models import Broadcast

    monkeypatch.setattr(timezone, "now", lambda: NOON_IST.astimezone(dt.UTC))
    monkeypatch.setattr(sending, "BATCH", 3)
    people = _people(geo, 8, channel="sms")
    nophone = people_services.person_create(
        actor=SYSTEM, data={"given_name": "No", "family_name": "Phone", "area": geo["p1"]}
    )
    template = services.template_save(
        actor=comms, name="T", channel="sms", variants=[{"language": "en", "body": "Hi"}]
    )
    lst = list_services.list_create(
        actor=comms, name="all", person_ids=[p.pk for p in [*people, nophone]]
    )
    b = broadcasts.broadcast_create(actor=comms, name="B", template=template, person_list=lst)
    seen = []
    real = sending.dispatch

    def spy(ids, **kw):
        seen.append(
            (Message.objects.filter(broadcast=b).count(), broadcasts.broadcast_stats(b)["queued"])
        )
        return real(ids, **kw)

    monkeypatch.setattr(sending, "dispatch", spy)
    with django_capture_on_commit_callbacks(execute=True):
        b = broadcasts.broadcast_start(actor=comms, broadcast=b)
    b.refresh_from_db()

    assert seen[0][0] == 3  # the first batch went before the rest were created
    assert seen[0][1] == 9  # …and the others counted as queued
    assert b.status == Broadcast.Status.DONE
    assert b.messages.count() == 9
    # every one with a phone went to the provider once (the simulator fails "…00" numbers)
    tried = b.messages.exclude(person=nophone)
    assert sorted(tried.values_list("attempts", flat=True)) == [1] * 8
    assert tried.filter(status=Message.Status.DELIVERED).count() == 7
    assert b.messages.get(person=nophone).status_code == "no_address"
    assert (b.job.progress, b.job.total) == (9, 9)


def test_creating_a_broadcasts_messages_reads_people_in_bulk(geo, comms, simulator):
    """The queries to create the messages do not grow with the audience (no per-person read of
    a field the template context needs but the bulk query left out)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from grassroots.lists import services as list_services
    from grassroots.messaging.broadcasts import audience

    template = services.template_save(
        actor=comms,
        name="T",
        channel="sms",
        variants=[{"language": "en", "body": "Hi {{ first_name }} {{ family_name }} of "
                   "{{ city }}, {{ area }} ({{ name }}, {{ full_name }}, {{ language }})"}],
    )  # fmt: skip

    def queries(n):
        people = _people(geo, n, channel="sms")
        lst = list_services.list_create(
            actor=comms, name=f"l{n}", person_ids=[p.pk for p in people]
        )
        b = broadcasts.broadcast_create(
            actor=comms, name=f"B{n}", template=template, person_list=lst
        )
        with CaptureQueriesContext(connection) as ctx:
            list(audience.materialise_chunks(b))
        assert b.messages.count() == n
        assert b.messages.filter(body__startswith="Hi P0 Lane of").exists()
        return len(ctx.captured_queries)

    assert queries(2) == queries(6)


def test_two_runs_creating_the_same_messages_give_each_person_one(
    geo, comms, simulator, monkeypatch
):
    """Another run of the job creates a message for someone in this chunk after this run
    looked: the fast insert fails on the unique (broadcast, person) and the chunk goes in again
    without that person's second message."""
    from grassroots.lists import services as list_services
    from grassroots.messaging.broadcasts import audience

    account = simulator
    template = services.template_save(
        actor=comms, name="T", channel="sms", variants=[{"language": "en", "body": "Hi"}]
    )
    people = _people(geo, 4, channel="sms")
    lst = list_services.list_create(actor=comms, name="l", person_ids=[p.pk for p in people])
    b = broadcasts.broadcast_create(actor=comms, name="B", template=template, person_list=lst)
    real = audience.best_addresses

    def racing(ids, channel):
        Message.objects.create(
            broadcast=b, person=people[1], channel="sms", to_address="+919830000001",
            body="Hi", account=account,
        )  # fmt: skip
        return real(ids, channel)

    monkeypatch.setattr(audience, "best_addresses", racing)
    list(audience.materialise_chunks(b))
    assert sorted(b.messages.values_list("person_id", flat=True)) == sorted(p.pk for p in people)


def test_a_broadcast_whose_job_died_while_creating_messages_is_carried_on(
    geo, comms, simulator, monkeypatch, django_capture_on_commit_callbacks
):
    """The worker died after the first batch: the broadcast is not 'done' while recipients
    have no message, and the minute tick runs the job again once nothing has moved for ten
    minutes — everyone gets exactly one message."""
    from django.utils import timezone

    from grassroots.lists import services as list_services
    from grassroots.messaging import tick
    from grassroots.messaging.broadcasts import audience
    from grassroots.messaging.models import Broadcast

    monkeypatch.setattr(timezone, "now", lambda: NOON_IST.astimezone(dt.UTC))
    people = _people(geo, 5, channel="sms")
    template = services.template_save(
        actor=comms, name="T", channel="sms", variants=[{"language": "en", "body": "Hi"}]
    )
    lst = list_services.list_create(actor=comms, name="l", person_ids=[p.pk for p in people])
    b = broadcasts.broadcast_create(actor=comms, name="B", template=template, person_list=lst)
    b = broadcasts.broadcast_start(actor=comms, broadcast=b)  # job queued, not run
    Broadcast.objects.filter(pk=b.pk).update(started_at=NOON_IST)
    # the dead run: one batch of two created and sent, then nothing
    next(audience.materialise_chunks(Broadcast.objects.get(pk=b.pk), 2))
    sending.dispatch(list(b.messages.values_list("pk", flat=True)), now=NOON_IST)
    assert b.messages.count() == 2

    soon = NOON_IST + dt.timedelta(minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        tick.messaging_tick(now=soon)
    b.refresh_from_db()
    assert b.status == Broadcast.Status.SENDING  # not done: three have no message yet
    assert b.messages.count() == 2  # and not run again yet: it may still be working

    later = NOON_IST + dt.timedelta(minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        tick.messaging_tick(now=later)
    b.refresh_from_db()
    assert b.status == Broadcast.Status.DONE
    assert sorted(b.messages.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
    assert set(b.messages.values_list("attempts", flat=True)) == {1}
