"""Automations: triggers from domain events (through the real outbox), steps, idempotency."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from grassroots.accounts import services as account_services
from grassroots.accounts.models import Role
from grassroots.core import events
from grassroots.core.access import SYSTEM
from grassroots.messaging import sending, services, tick
from grassroots.messaging.automations import services as automations
from grassroots.messaging.models import Enrollment, Message
from grassroots.messaging.replies import inbound
from grassroots.people import services as people_services
from grassroots.people.models import Note, Tagging

IST = ZoneInfo("Asia/Kolkata")
NOON = dt.datetime(2026, 12, 4, 12, 0, tzinfo=IST)


@pytest.fixture
def clock(monkeypatch):
    now = {"t": NOON}
    monkeypatch.setattr(sending, "clock", lambda: now["t"])
    return now


@pytest.fixture
def manager(geo):
    return account_services.user_create(
        actor=SYSTEM,
        username="boss",
        password="correct-horse-battery-1",
        email="boss@example.org",
        roles=Role.objects.filter(slug="campaign_manager"),
        scope_all=True,
        two_factor_exempt=True,  # the role requires 2FA; signs in with a password here
    )


@pytest.fixture
def welcome(geo, manager, clock):
    services.account_save(
        actor=SYSTEM, name="Sim", kind="simulator", channels=["sms", "email"], config={},
        secrets={}, is_default=True,
    )  # fmt: skip
    sms = services.template_save(
        actor=manager,
        name="Welcome SMS",
        channel="sms",
        variants=[
            {"language": "en", "body": "Welcome {{ first_name }}!"},
            {"language": "bn", "body": "স্বাগতম {{ first_name }}!"},
        ],
    )
    return automations.automation_save(
        actor=manager,
        name="Welcome",
        active=True,
        triggers=[
            {"event": "person.created", "via": "api"},
            {"event": "tag.applied", "tag": "volunteer"},
        ],
        steps=[
            {"kind": "send", "params": {"template": sms.pk}},
            {"kind": "wait", "params": {"hours": 1}},
            {"kind": "branch", "params": {"condition": "has_tag", "value": "volunteer"}},
            {"kind": "tag", "params": {"tag": "welcomed"}},
            {"kind": "notify", "params": {"user": manager.pk, "text": "Call the new volunteer"}},
        ],
    )


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """What the worker does after commit: hand the outbox events to their subscribers (and run
    what they leave for after their own commit, such as dispatching the queued message)."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            while events.deliver_pending():
                pass

    return run


def test_person_created_through_the_api_starts_the_welcome(
    geo, welcome, clock, mailoutbox, deliver
):
    asha = people_services.person_create(
        actor=SYSTEM,
        data={"given_name": "Asha", "area": geo["p1"], "preferred_language": "bn"},
        phones=["+919830012346"],
        via="api",
    )
    deliver()
    e = Enrollment.objects.get(automation=welcome, person=asha)
    assert e.status == "waiting" and e.next_run_at == NOON + dt.timedelta(hours=1)
    msg = Message.objects.get(person=asha)
    assert msg.body.startswith("স্বাগতম Asha!") and msg.status == "delivered"

    # an hour later: not tagged volunteer, so the branch ends it
    clock["t"] = NOON + dt.timedelta(hours=1)
    tick.messaging_tick()
    e.refresh_from_db()
    assert e.status == "exited"
    assert not Tagging.objects.filter(person=asha, tag__name="welcomed").exists()
    assert "Condition not met" in e.log[-1]["text"]


def test_people_made_on_the_screen_or_imported_do_not_start_an_api_only_trigger(
    geo, welcome, deliver
):
    people_services.person_create(actor=SYSTEM, data={"given_name": "Ravi"}, via="screen")
    deliver()
    assert not Enrollment.objects.exists()


def test_tagging_volunteer_runs_the_whole_sequence_once(
    geo, welcome, clock, mailoutbox, manager, deliver, django_capture_on_commit_callbacks
):
    ravi = people_services.person_create(
        actor=SYSTEM, data={"given_name": "Ravi", "area": geo["p1"]}, phones=["+919830012347"]
    )
    tag = people_services.tag_get_or_create(actor=SYSTEM, name="Volunteer")
    people_services.tag_apply(actor=SYSTEM, tag=tag, people=[ravi])
    deliver()
    e = Enrollment.objects.get(automation=welcome, person=ravi)
    assert e.trigger == "tag.applied" and e.status == "waiting"

    # tagging again, and the event delivered twice: still one enrollment, one message
    people_services.tag_remove(actor=SYSTEM, tag=tag, person=ravi)
    people_services.tag_apply(actor=SYSTEM, tag=tag, people=[ravi])
    deliver()
    assert Enrollment.objects.filter(person=ravi).count() == 1
    assert Message.objects.filter(person=ravi).count() == 1

    clock["t"] = NOON + dt.timedelta(minutes=59)
    tick.messaging_tick()
    e.refresh_from_db()
    assert e.status == "waiting"  # not a minute early
    clock["t"] = NOON + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):  # the email goes after commit
        tick.messaging_tick()
    e.refresh_from_db()
    assert e.status == "done"
    assert Tagging.objects.filter(person=ravi, tag__name="welcomed").exists()
    assert Note.objects.filter(person=ravi, body__contains="Call the new volunteer").exists()
    assert [m.to for m in mailoutbox] == [["boss@example.org"]]
    assert [x["text"] for x in e.log][0].startswith("Message queued")


def test_editing_a_live_sequence_does_not_send_again(geo, welcome, clock, manager, deliver):
    ravi = people_services.person_create(
        actor=SYSTEM, data={"given_name": "Ravi"}, phones=["+919830012347"], via="api"
    )
    deliver()
    assert Message.objects.filter(person=ravi).count() == 1
    steps = [
        {"kind": s.kind, "key": s.key, "params": s.params}
        for s in welcome.steps.order_by("position")
    ]
    # move the send after the wait, add a step in front: the send keeps its key
    send, wait = steps[0], steps[1]
    edited = [{"kind": "tag", "params": {"tag": "new"}}, wait, send, *steps[2:]]
    automations.automation_save(
        actor=manager, automation=welcome, name="Welcome", active=True,
        triggers=welcome.triggers, steps=edited,
    )  # fmt: skip
    clock["t"] = NOON + dt.timedelta(hours=2)
    tick.messaging_tick()
    assert Message.objects.filter(person=ravi).count() == 1


def test_invalid_automations_are_explained(manager, deliver):
    with pytest.raises(ValidationError) as err:
        automations.automation_save(
            actor=manager,
            name="",
            active=True,
            triggers=[{"event": "tag.applied", "tag": ""}],
            steps=[{"kind": "wait", "params": {}}, {"kind": "send", "params": {"template": 999}},
                   {"kind": "explode"}],
        )  # fmt: skip
    errors = err.value.message_dict
    assert {"name", "triggers", "steps.0", "steps.1", "steps.2"} <= set(errors)


def test_a_step_its_author_may_no_longer_do_stops_with_the_reason(
    geo, welcome, manager, clock, deliver
):
    manager.roles.clear()
    ravi = people_services.person_create(
        actor=SYSTEM, data={"given_name": "Ravi"}, phones=["+919830012347"], via="api"
    )
    deliver()
    e = Enrollment.objects.get(person=ravi)
    assert e.status == "failed" and "may no longer send" in e.log[-1]["text"]
    assert not Message.objects.filter(person=ravi).exists()


def test_keyword_reply_starts_an_automation(geo, manager, clock, deliver):
    account = services.account_save(
        actor=SYSTEM, name="Sim", kind="simulator", channels=["sms"], config={}, secrets={},
        is_default=True,
    )  # fmt: skip
    auto = automations.automation_save(
        actor=manager,
        name="Join",
        active=True,
        triggers=[{"event": "message.received", "keyword": "join"}],
        steps=[{"kind": "tag", "params": {"tag": "wants to help"}}],
    )
    meera = people_services.person_create(
        actor=SYSTEM, data={"given_name": "Meera"}, phones=["+919830012349"]
    )
    from grassroots.messaging.providers.base import Inbound

    inbound.inbound_record(
        account=account,
        inbound=Inbound(
            provider_id="x1", channel="sms", sender="+919830012349", to="+1", body="Join!"
        ),
    )
    deliver()
    assert Enrollment.objects.get(automation=auto, person=meera).status == "done"
    assert Tagging.objects.filter(person=meera, tag__name="wants to help").exists()


def test_entering_a_segment_starts_it_for_newcomers_only(geo, manager, clock, deliver):
    from grassroots.lists import services as list_services

    old = people_services.person_create(
        actor=SYSTEM, data={"given_name": "Old", "area": geo["p1"], "support_score": 1}
    )
    new = people_services.person_create(
        actor=SYSTEM, data={"given_name": "New", "area": geo["p1"], "support_score": 3}
    )
    segment = list_services.segment_create(
        actor=manager, name="Strong supporters",
        definition={"steps": [{"action": "add", "group": {"items": [
            {"filter": "support", "params": {"scores": ["1"]}}]}}]},
    )  # fmt: skip
    auto = automations.automation_save(
        actor=manager, name="Thank supporters", active=True,
        triggers=[{"event": "segment.entered", "segment": segment.pk}],
        steps=[{"kind": "tag", "params": {"tag": "thanked"}}],
    )  # fmt: skip
    tick.messaging_tick()  # the first look only records who is there
    assert not Enrollment.objects.filter(automation=auto).exists()
    people_services.person_update(actor=SYSTEM, person=new, data={"support_score": 1})
    tick.messaging_tick()
    assert list(Enrollment.objects.filter(automation=auto).values_list("person", flat=True)) == [
        new.pk
    ]
    tick.messaging_tick()  # staying in it starts nothing more
    assert Enrollment.objects.filter(automation=auto).count() == 1
    assert not Enrollment.objects.filter(person=old).exists()


@pytest.fixture
def rsvp_and_donation():
    """``rsvp.created`` is the events app's; ``donation.received`` what the finance app will
    declare (an event about a person)."""
    events.declare("donation.received", "A person donates", ("amount",), person_field="person_id")
    yield
    events.undeclare("donation.received")


def test_rsvp_and_donation_events_start_automations_for_their_person(
    geo, manager, deliver, rsvp_and_donation
):
    auto = automations.automation_save(
        actor=manager, name="Thanks for coming", active=True,
        triggers=[{"event": "rsvp.created"}, {"event": "donation.received"}],
        steps=[{"kind": "tag", "params": {"tag": "engaged"}}],
    )  # fmt: skip
    p = people_services.person_create(actor=SYSTEM, data={"given_name": "Rita"})
    events.publish(
        "rsvp.created",
        {"person_id": p.pk, "rsvp_id": 1, "event_id": 1, "shift_id": 1, "status": "confirmed"},
    )
    events.publish("donation.received", {"person_id": p.pk, "amount": 500})
    deliver()
    assert Enrollment.objects.filter(automation=auto, person=p).count() == 1


def test_an_automation_whose_author_is_gone_stops(geo, manager, deliver):
    auto = automations.automation_save(
        actor=manager, name="Orphan", active=True,
        triggers=[{"event": "person.created", "via": ""}],
        steps=[{"kind": "tag", "params": {"tag": "x"}}],
    )  # fmt: skip
    manager.delete()
    auto.refresh_from_db()
    assert auto.created_by is None and not auto.system
    p = people_services.person_create(actor=SYSTEM, data={"given_name": "Zed"})
    deliver()
    e = Enrollment.objects.get(automation=auto, person=p)
    assert e.status == "failed" and "gone" in e.log[-1]["text"]
    assert not Tagging.objects.filter(person=p).exists()
