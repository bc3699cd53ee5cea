"""Events' part of the demo campaign: a month of events in both demo areas (Bhabanipur in
Kolkata, CA-12 in California) — canvass launches, a weekly phone bank series, a rally, a
virtual town hall, a training — with shifts part-full and one full with a waitlist."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from typing import TYPE_CHECKING

from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.events import services
from grassroots.events.models import Event, EventType
from grassroots.geography.models import Area
from grassroots.people.models import Person

if TYPE_CHECKING:
    from grassroots.core.registry import DemoRun

# area code, time zone, (lat, lon), place names
AREAS = [
    ("IN-WB-AC158", "Asia/Kolkata", (22.5330, 88.3460),
     ["Jatin Das Park", "Bhabanipur party office", "Harish Park", "Chakraberia crossing"]),
    ("US-CA-CD12", "America/Los_Angeles", (37.8044, -122.2712),
     ["Oakland field office", "Lake Merritt pergola", "Fruitvale Plaza", "Temescal library"]),
]  # fmt: skip

DESCRIPTIONS = {
    "canvass": "Meet the team, pick up your **walk list** and knock on doors for two hours.\n\n"
    "- Wear comfortable shoes\n- Bring water and a charged phone",
    "phone_bank": "Call supporters from the office (bring a phone and headphones). "
    "Training at the start of each shift.",
    "rally": "Join the candidate for a rally. Gates open an hour before.",
    "town_hall": "Ask the candidate your questions, online. Send them in advance on the "
    "sign-up page.",
    "training": "New volunteer training: how canvassing and phone banking work.",
}


def _at(tz: zoneinfo.ZoneInfo, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def _event(area, tz_name, point, place, slug, title, start, hours, shifts, **extra):
    tz = zoneinfo.ZoneInfo(tz_name)
    starts = start.astimezone(tz)
    rng = random.Random(title)
    data = {
        "title": title,
        "type": EventType.objects.get(slug=slug),
        "description": DESCRIPTIONS.get(slug, ""),
        "area": area,
        "address": "" if extra.get("virtual_url") else place,
        "latitude": None if extra.get("virtual_url") else point[0] + rng.uniform(-0.01, 0.01),
        "longitude": None if extra.get("virtual_url") else point[1] + rng.uniform(-0.01, 0.01),
        "time_zone": tz_name,
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=hours),
        **extra,
    }
    specs = [
        {
            "starts_at": starts + dt.timedelta(hours=h),
            "ends_at": starts + dt.timedelta(hours=h + length),
            "capacity": cap,
        }
        for h, length, cap in shifts
    ]
    event = services.event_create(actor=SYSTEM, data=data, shifts=specs)
    return services.event_publish(actor=SYSTEM, event=event)


def _fill(event, people, fractions, rng) -> int:
    made = 0
    for shift, fraction in zip(event.shifts.order_by("position"), fractions, strict=False):
        want = int(round(shift.capacity * fraction))
        for person in people[:want]:
            services.registration_create(
                actor=SYSTEM, shift=shift, person=person, source={"via": "demo"}
            )
            made += 1
        people = people[want:]
    return made


def seed(run: DemoRun) -> dict[str, int]:
    services.event_types_ensure()
    made = {"events": 0, "event_signups": 0}
    today = timezone.localdate()
    for code, tz_name, point, places in AREAS:
        area = run.areas.get(code) or Area.objects.filter(code=code).first()
        if area is None or Event.objects.filter(area=area).exists():
            continue
        tz = zoneinfo.ZoneInfo(tz_name)
        rng = random.Random(f"{run.seed}-{code}")
        people = list(
            Person.objects.filter(area__path__startswith=area.path, status="active")
            .only("id")
            .order_by("id")[:400]
        )
        rng.shuffle(people)
        pool = iter(range(0, len(people), 40))

        def batch(pool=pool, people=people):
            start = next(pool, 0)
            return people[start : start + 40]

        events = []
        # canvass launches: every Saturday for four weeks, two shifts each
        first_sat = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
        for week in range(4):
            day = first_sat + dt.timedelta(weeks=week)
            e = _event(area, tz_name, point, places[week % len(places)], "canvass",
                       f"Canvass launch — {places[week % len(places)]}", _at(tz, day, 9), 6,
                       [(0, 3, 15), (3, 3, 15)])  # fmt: skip
            events.append((e, [0.6, 0.3]))
        # a weekly phone bank (a series of four, Tuesday evenings)
        tue = today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)
        bank = _event(area, tz_name, point, places[1], "phone_bank", "Tuesday phone bank",
                      _at(tz, tue, 18), 3, [(0, 1.5, 10), (1.5, 1.5, 10)])  # fmt: skip
        series = services.event_series_create(actor=SYSTEM, event=bank, count=4)
        for e in series.events.exclude(pk=bank.pk):
            services.event_publish(actor=SYSTEM, event=e)
        events.append((bank, [0.8, 0.4]))
        # a rally: its one shift full, with a waitlist
        rally = _event(
            area,
            tz_name,
            point,
            places[2],
            "rally",
            "Rally with the candidate",
            _at(tz, first_sat + dt.timedelta(days=15), 17),
            3,
            [(0, 3, 12)],
        )
        events.append((rally, [1.3]))
        # a virtual town hall
        hall = _event(area, tz_name, point, "", "town_hall", "Virtual town hall",
                      _at(tz, tue + dt.timedelta(days=9), 19), 1.5, [(0, 1.5, 200)],
                      virtual_url="https://meet.example.org/town-hall")  # fmt: skip
        events.append((hall, [0.15]))
        training = _event(
            area,
            tz_name,
            point,
            places[0],
            "training",
            "New volunteer training",
            _at(tz, tue + dt.timedelta(days=2), 18),
            2,
            [(0, 2, 25)],
        )
        events.append((training, [0.5]))
        made["events"] += Event.objects.filter(area=area).count()
        for event, fractions in events:
            made["event_signups"] += _fill(event, batch(), fractions, rng)
        run.progress.log(f"Events: {made['events']} events in {area.name}.")
    return made
