"""The demo's engagement part (after events' own seeder): in both demo areas, questions for the
coming virtual town hall, a past town hall with its answered questions public, a past canvass
with people checked in (interactions on their timelines), no-shows and ratings, and a supporter's
proposed house meeting waiting for an organiser."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from typing import TYPE_CHECKING

from django.db.models import F
from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.events.checkin import services as checkin
from grassroots.events.models import Event, EventType, Registration, Shift
from grassroots.events.townhall.models import EventQuestion
from grassroots.geography.models import Area
from grassroots.people.models import Person

if TYPE_CHECKING:
    from grassroots.core.registry import DemoRun

AREAS = {"IN-WB-AC158": "Asia/Kolkata", "US-CA-CD12": "America/Los_Angeles"}
QUESTIONS = [
    ("When will the drains on our street be cleaned before the monsoon?", "approved", True, True),
    ("What will you do about the bus route that was cut last year?", "approved", False, True),
    ("How can young people get involved in the campaign?", "approved", True, False),
    ("Will the new clinic be open on weekends?", "pending", False, False),
    ("<script>alert('hi')</script> Is this safe?", "hidden", False, False),
    ("Can we get more street lights near the school?", "pending", False, False),
]


def _past_event(area, tz, slug, title, days_ago, hours, capacity, people, at=18,
                **extra) -> Event:  # fmt: skip
    # at ``at`` o'clock local time that day (whenever the demo is seeded)
    day = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(tz)).date()
    starts = dt.datetime.combine(
        day - dt.timedelta(days=days_ago), dt.time(at, 0), tzinfo=zoneinfo.ZoneInfo(tz)
    )
    event = Event.objects.create(
        title=title, type=EventType.objects.get(slug=slug), status=Event.Status.PUBLISHED,
        visibility=Event.Visibility.PUBLIC, area=area, time_zone=tz, starts_at=starts,
        ends_at=starts + dt.timedelta(hours=hours), **extra,
    )  # fmt: skip
    shift = Shift.objects.create(
        event=event, starts_at=event.starts_at, ends_at=event.ends_at, capacity=capacity
    )
    regs = Registration.objects.bulk_create(
        [Registration(shift=shift, event=event, person=p,
                      created_at=starts - dt.timedelta(days=3)) for p in people[:capacity]]
    )  # fmt: skip
    Shift.objects.filter(pk=shift.pk).update(confirmed_count=F("confirmed_count") + len(regs))
    return event


def _questions(event, regs, answered_ok: bool) -> int:
    made = 0
    for (text, status, starred, answered), reg in zip(QUESTIONS, regs, strict=False):
        EventQuestion.objects.create(
            event=event, registration=reg, person_id=reg.person_id,
            author_name=reg.person.given_name, text=text, status=status, starred=starred,
            answered_at=event.ends_at - dt.timedelta(minutes=20) if answered and answered_ok
            else None,
        )  # fmt: skip
        made += 1
    return made


def seed(run: DemoRun) -> dict[str, int]:
    made = {"event_questions": 0, "checked_in": 0, "proposals": 0}
    for code, tz in AREAS.items():
        area = run.areas.get(code) or Area.objects.filter(code=code).first()
        if area is None or Event.objects.filter(area=area, title="Past town hall").exists():
            continue
        rng = random.Random(f"{run.seed}-engage-{code}")
        people = list(
            Person.objects.filter(area__path__startswith=area.path, status="active")
            .only("id", "given_name", "family_name", "full_name")
            .order_by("id")[400:460]
        )
        if len(people) < 30:
            continue
        # the coming town hall (events' seeder made it): questions sent in advance
        hall = Event.objects.filter(area=area, type__slug="town_hall").order_by("starts_at").first()
        if hall is not None:
            regs = list(
                Registration.objects.filter(event=hall, status="confirmed")
                .select_related("person")
                .order_by("id")[:6]
            )
            made["event_questions"] += _questions(hall, regs, answered_ok=False)
        # a past town hall: its answered questions are public
        past_hall = _past_event(
            area, tz, "town_hall", "Past town hall", 10, 1.5, 30, people,
            virtual_url="https://meet.example.org/past-town-hall",
        )  # fmt: skip
        regs = list(past_hall.registrations.select_related("person").order_by("id"))
        made["event_questions"] += _questions(past_hall, regs, answered_ok=True)
        # a past canvass: most came (checked in: an interaction each), some did not, ratings
        canvass = _past_event(area, tz, "canvass", "Canvass launch (last week)", 6, 3, 24,
                              people[30:], at=10)  # fmt: skip
        for reg in canvass.registrations.order_by("id"):
            came = rng.random() < 0.75
            checkin.attendance_mark(
                actor=SYSTEM, registration=reg,
                attendance=Registration.Attendance.ATTENDED if came
                else Registration.Attendance.NO_SHOW,
                at=canvass.starts_at + dt.timedelta(minutes=rng.randint(0, 40)),
            )  # fmt: skip
            if came:
                made["checked_in"] += 1
                if rng.random() < 0.5:
                    Registration.objects.filter(pk=reg.pk).update(
                        rating=rng.choice([3, 4, 4, 5, 5]), rated_at=canvass.ends_at
                    )
        # a supporter's proposed house meeting, waiting for an organiser
        host = people[-1]
        starts = (timezone.now() + dt.timedelta(days=12)).replace(
            hour=12, minute=30, second=0, microsecond=0
        )
        proposal = Event.objects.create(
            title=f"House meeting at {host.given_name}'s", type=EventType.objects.get(slug="meeting"),
            status=Event.Status.PROPOSED, area=area, time_zone=tz, starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2), contact_person=host,
            description="Tea, snacks and a conversation about the campaign with the neighbours.",
            address="At my home (the address is shared with those who sign up)",
        )  # fmt: skip
        proposal.hosts.add(host)
        Shift.objects.create(
            event=proposal, starts_at=proposal.starts_at, ends_at=proposal.ends_at, capacity=15
        )
        made["proposals"] += 1
        run.progress.log(
            f"Events engagement in {area.name}: town hall questions, a checked-in canvass, "
            "a proposal."
        )
    return made
