"""Helpers for the engagement tests (reminders, check-in, town halls, proposals): an event with a
shift, and a registration made the way a sign-up makes it (the shift's count, ``rsvp.created``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import F

from grassroots.core import events
from grassroots.events.models import Event, EventType, Registration, Shift

IST = ZoneInfo("Asia/Kolkata")
NOON_IST = dt.datetime(2026, 12, 4, 12, 0, tzinfo=IST)


def make_event(*, area=None, type_slug="phone_bank", starts_at=None, hours=2, capacity=10,
               title="Phone bank", status=Event.Status.PUBLISHED, **extra) -> Event:  # fmt: skip
    starts_at = starts_at or (NOON_IST + dt.timedelta(days=2)).replace(hour=17)
    etype = EventType.objects.get(slug=type_slug)
    event = Event.objects.create(
        title=title, type=etype, status=status, area=area, starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours), time_zone="Asia/Kolkata", **extra,
    )  # fmt: skip
    Shift.objects.create(
        event=event, starts_at=event.starts_at, ends_at=event.ends_at, capacity=capacity
    )
    return event


def register(event: Event, person, *, created_at=None, publish=True) -> Registration:
    shift = event.shifts.first()
    full = shift.confirmed_count >= shift.capacity
    reg = Registration.objects.create(
        shift=shift, event=event, person=person,
        status=Registration.Status.WAITLISTED if full else Registration.Status.CONFIRMED,
        waitlist_position=1 if full else None,
        **({"created_at": created_at} if created_at else {}),
    )  # fmt: skip
    if not full:
        Shift.objects.filter(pk=shift.pk).update(confirmed_count=F("confirmed_count") + 1)
    if publish:
        events.publish(
            "rsvp.created",
            {"rsvp_id": reg.pk, "person_id": person.pk, "event_id": event.pk,
             "shift_id": shift.pk, "status": reg.status},
        )  # fmt: skip
    return reg
