"""Reminders through the send path: each kind once, at its time (the clock moved), with consent,
quiet hours and opt-outs applied by the send path; the confirm / cancel / rate links."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grassroots.core import events
from grassroots.core.access import SYSTEM
from grassroots.core.exceptions import Conflict
from grassroots.events.models import EventType, Registration
from grassroots.events.reminders import links, services
from grassroots.events.reminders.models import Kind, ReminderLog
from grassroots.events.tests.engage_helpers import NOON_IST, make_event, register
from grassroots.messaging import sending
from grassroots.messaging.models import Message
from grassroots.messaging.tests.factories import ProviderAccountFactory
from grassroots.people import services as people_services


@pytest.fixture
def clock(monkeypatch):
    now = {"t": NOON_IST}
    monkeypatch.setattr(timezone, "now", lambda: now["t"].astimezone(dt.UTC))
    monkeypatch.setattr(sending, "clock", lambda: now["t"])
    return now


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """What the worker does after commit: the outbox events to their subscribers."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            while events.deliver_pending():
                pass

    return run


@pytest.fixture
def tick(django_capture_on_commit_callbacks):
    """The minute clock, and the jobs it starts run as the worker would (after commit)."""

    def run(now):
        from grassroots.core.models import Job

        with django_capture_on_commit_callbacks(execute=True):
            out = services.reminders_tick(now)
        failed = list(Job.objects.filter(status=Job.Status.FAILED).values_list("log", flat=True))
        assert not failed, failed
        return out

    return run


@pytest.fixture
def simulator(db):
    return ProviderAccountFactory()


@pytest.fixture
def event(geo):
    # starts in two days at 17:00 IST; the day-before reminder is due tomorrow at 18:00 IST
    return make_event(area=geo["p1"])


def _messages(person):
    return list(Message.objects.filter(person=person).order_by("pk"))


def test_confirmation_on_sign_up_once(people, event, simulator, clock, deliver):
    reg = register(event, people["ananya"], created_at=NOON_IST)
    deliver()
    (message,) = _messages(people["ananya"])
    assert message.channel == "email" and message.to_address == "ananya@example.org"
    assert event.title in message.subject and message.status in (
        Message.Status.SENT,
        Message.Status.DELIVERED,
    )
    assert reverse("events:reminder_link", args=["x"]).rsplit("x", 1)[0] in message.body
    # on the person's timeline (the send path records each sent message as an interaction)
    from grassroots.people.selectors import person_timeline

    assert any(event.title in (e.title + e.body) for e in person_timeline(people["ananya"]))
    # a second delivery of the same domain event sends nothing more
    services.on_rsvp_created(type("E", (), {"payload": {"rsvp_id": reg.pk}})())
    assert len(_messages(people["ananya"])) == 1
    assert ReminderLog.objects.filter(registration=reg, kind=Kind.CONFIRMATION).count() == 1


def test_waitlisted_sign_up_gets_the_waitlist_notice(people, geo, simulator, clock, deliver):
    event = make_event(area=geo["p1"], capacity=1)
    register(event, people["sourav"], created_at=NOON_IST, publish=False)
    reg = register(event, people["ananya"], created_at=NOON_IST)
    deliver()
    assert reg.status == Registration.Status.WAITLISTED
    (message,) = _messages(people["ananya"])
    assert "waitlist" in message.body


def test_day_before_reminder_is_sent_once_at_its_time(
    people, event, simulator, clock, deliver, tick
):
    reg = register(event, people["ananya"], created_at=NOON_IST, publish=False)
    due = (NOON_IST + dt.timedelta(days=1)).replace(hour=18, minute=0)
    clock["t"] = due - dt.timedelta(minutes=1)
    with_jobs = tick(clock["t"])
    assert with_jobs == {"reminder_runs": 0} and not _messages(people["ananya"])
    clock["t"] = due + dt.timedelta(minutes=1)
    assert tick(clock["t"]) == {"reminder_runs": 1}  # the runner ran
    (message,) = _messages(people["ananya"])
    assert "tomorrow" in message.body and message.status in (
        Message.Status.SENT,
        Message.Status.DELIVERED,
    )
    # the next ticks, a second run, a concurrent run: nothing more
    assert tick(clock["t"] + dt.timedelta(minutes=1)) == {"reminder_runs": 0}
    assert services.send_reminders(event_id=event.pk, kind=Kind.DAY_BEFORE)["created"] == 0
    assert len(_messages(people["ananya"])) == 1
    assert ReminderLog.objects.get(registration=reg, key=Kind.DAY_BEFORE).outcome == "sent"


def test_morning_of_after_a_missed_evening_sends_one_reminder(
    people, event, simulator, clock, tick
):
    register(event, people["ananya"], created_at=NOON_IST, publish=False)
    clock["t"] = (NOON_IST + dt.timedelta(days=2)).replace(hour=8, minute=30)
    assert services.due_kinds(event, clock["t"]) == [Kind.MORNING_OF]
    tick(clock["t"])
    (message,) = _messages(people["ananya"])
    assert "today" in message.body


def test_the_event_types_times_are_read_in_the_events_time_zone(event):
    event.type.reminder_day_before = dt.time(19, 30)
    due, until = services.reminder_times(event)[Kind.DAY_BEFORE]
    assert due.astimezone(NOON_IST.tzinfo).time() == dt.time(19, 30)
    assert due.astimezone(NOON_IST.tzinfo).date() == (NOON_IST + dt.timedelta(days=1)).date()
    assert until == event.starts_at


def test_who_signed_up_after_the_reminder_time_gets_no_day_before(
    people, event, simulator, clock, tick
):
    late = (NOON_IST + dt.timedelta(days=1)).replace(hour=20)
    register(event, people["ananya"], created_at=late, publish=False)
    clock["t"] = late + dt.timedelta(minutes=5)
    tick(clock["t"])
    assert not _messages(people["ananya"])


def test_quiet_hours_hold_an_sms_reminder(people, event, simulator, clock, tick):
    EventType.objects.filter(pk=event.type_id).update(reminder_day_before=dt.time(22, 0))
    event.refresh_from_db()
    register(event, people["rahul"], created_at=NOON_IST, publish=False)  # a phone, no email
    clock["t"] = (NOON_IST + dt.timedelta(days=1)).replace(hour=22, minute=1)
    tick(clock["t"])
    (message,) = _messages(people["rahul"])
    assert message.channel == "sms" and message.status == Message.Status.HELD
    assert message.held_until.astimezone(NOON_IST.tzinfo).hour == 9  # India: 09:00–21:00


def test_an_opt_out_blocks_the_reminder(people, event, simulator, clock, tick):
    people_services.consent_record(
        actor=SYSTEM, person=people["rahul"], channel="sms", purpose="volunteering",
        status="withdrawn", source="test",
    )  # fmt: skip
    register(event, people["rahul"], created_at=NOON_IST, publish=False)
    clock["t"] = (NOON_IST + dt.timedelta(days=1)).replace(hour=18, minute=1)
    tick(clock["t"])
    (message,) = _messages(people["rahul"])
    assert message.status == Message.Status.BLOCKED and "withdrew" in message.status_reason


def test_a_person_without_any_address_gets_a_blocked_message_on_their_timeline(
    people, event, simulator, clock
):
    reg = register(event, people["sourav"], created_at=NOON_IST, publish=False)
    services.send_one(reg, Kind.CONFIRMATION)
    (message,) = _messages(people["sourav"])
    assert message.status == Message.Status.BLOCKED and message.status_code == "no_address"


def test_thank_you_skips_no_shows_and_records_the_rating(people, event, simulator, clock, tick):
    came = register(event, people["ananya"], created_at=NOON_IST, publish=False)
    absent = register(event, people["rahul"], created_at=NOON_IST, publish=False)
    Registration.objects.filter(pk=absent.pk).update(attendance=Registration.Attendance.NO_SHOW)
    clock["t"] = event.ends_at + dt.timedelta(hours=2)
    tick(clock["t"])
    assert not _messages(people["rahul"])
    (message,) = _messages(people["ananya"])
    log = ReminderLog.objects.get(registration=came, kind=Kind.THANK_YOU)
    # the link in the message (signed with the time it was made: not recomputed here, which
    # could fall in the next second)
    token = re.search(r"/events/r/([^/\s]+)/", message.body).group(1)
    assert token.split(":")[0] == links.token(log.pk, "rate").split(":")[0]
    with pytest.raises(ValidationError):
        services.rating_record(value=token, rating="9")
    services.rating_record(value=token, rating="4", comment="<b>good</b>")
    came.refresh_from_db()
    assert came.rating == 4 and came.rating_comment == "<b>good</b>"


def test_forged_and_replayed_links(people, event, simulator, clock):
    reg = register(event, people["ananya"], created_at=NOON_IST, publish=False)
    services.send_one(reg, Kind.CONFIRMATION)
    log = ReminderLog.objects.get(registration=reg)
    good = links.token(log.pk, "confirm")
    with pytest.raises(ValidationError, match="not valid"):
        services.link_follow(value=good[:-3] + "abc")
    with pytest.raises(ValidationError, match="not valid"):
        services.link_follow(value="made-up")
    _reg, outcome = services.link_follow(value=good)
    assert outcome == "confirmed"
    with pytest.raises(Conflict, match="already used"):
        services.link_follow(value=good)


def test_link_pages(people, event, simulator, clock, client):
    reg = register(event, people["ananya"], created_at=NOON_IST, publish=False)
    services.send_one(reg, Kind.CONFIRMATION)
    log = ReminderLog.objects.get(registration=reg)
    url = reverse("events:reminder_link", args=[links.token(log.pk, "confirm")])
    page = client.get(url)
    assert page.status_code == 200 and "Yes, I am coming" in page.text
    reg.refresh_from_db()
    assert reg.attendance_confirmed_at is None  # GET changes nothing (mail scanners open links)
    assert client.post(url).status_code == 200
    reg.refresh_from_db()
    assert reg.attendance_confirmed_at is not None
    again = client.post(url)
    assert again.status_code == 409 and "already used" in again.text
    forged = client.get(url[:-5] + "xxxx/")
    assert forged.status_code == 400 and "not valid" in forged.text


def test_the_reminder_is_in_the_persons_language(people, event, simulator, clock):
    person = people["ananya"]
    person.preferred_language = "hi"
    person.save()
    reg = register(event, person, created_at=NOON_IST, publish=False)
    services.send_one(reg, Kind.CONFIRMATION)
    (message,) = _messages(person)
    assert message.subject == f"आपका पंजीकरण हो गया: {event.title}"
    assert "नहीं आ पाएँगे? यहाँ रद्द करें" in message.body


def test_change_and_cancellation_notices_follow_the_organisers_changes(
    people, geo, simulator, users, deliver, django_capture_on_commit_callbacks
):
    from grassroots.events import services as event_services
    from grassroots.events.tests.factories import EventFactory, RegistrationFactory

    event = EventFactory(area=geo["p1"], title="Canvass launch")
    RegistrationFactory(shift=event.shifts.first(), person=people["ananya"])
    deliver()  # the confirmation
    later = event.starts_at + dt.timedelta(hours=1)
    event_services.event_update(
        actor=users["organiser"],
        event=event,
        data={"starts_at": later, "ends_at": later + dt.timedelta(hours=3)},
    )
    deliver()
    event_services.event_cancel(actor=users["organiser"], event=event)
    deliver()
    deliver()  # delivered again: nothing more
    subjects = [m.subject for m in _messages(people["ananya"])]
    assert subjects == [
        "You are signed up: Canvass launch",
        "Changed: Canvass launch",
        "Cancelled: Canvass launch",
    ]


def test_cancelling_by_link_promotes_the_waitlist_with_a_message(
    people, geo, simulator, clock, deliver
):
    event = make_event(area=geo["p1"], capacity=1)
    first = register(event, people["ananya"], created_at=NOON_IST)
    waiting = register(event, people["rahul"], created_at=NOON_IST)
    deliver()
    cancel = links.token(ReminderLog.objects.get(registration=first).pk, "cancel")
    reg, outcome = services.link_follow(value=cancel)
    assert outcome == "cancelled" and reg.status == Registration.Status.CANCELLED
    deliver()
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    promoted = _messages(people["rahul"])[-1]
    assert promoted.body.startswith("Hello Rahul, good news: a place opened up")
    with pytest.raises(Conflict, match="already used"):
        services.link_follow(value=cancel)
