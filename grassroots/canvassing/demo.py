"""Canvassing's part of the demo campaign (registered in ``core.registry.demo_seeders`` after
surveys and volunteers).

In both demo areas an active effort with the "2026 ID" script over a list of one booth's /
precinct's people (the demo's addresses have coordinates): built and cut by the engine, a few
turfs checked out (in Bhabanipur to the demo volunteer — whose scope is part 1 — and the
organiser; in California's 12th to the US organiser and a volunteer team), visits recorded
through the canvassing app's own sync (``canvassing.sync.sync``, so answers, timelines, door
colours and the leaderboard all have data) and one turf locked. Skips an area whose effort
exists."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import TYPE_CHECKING

from django.utils import timezone

from grassroots.canvassing import safety, services, sync
from grassroots.canvassing.models import Door, Effort, Target, Turf
from grassroots.core.exceptions import Invalid
from grassroots.geography.models import Area
from grassroots.lists import services as lists
from grassroots.people.models import Person
from grassroots.surveys.models import Script

if TYPE_CHECKING:
    from grassroots.core.registry import DemoRun

NAMESPACE = uuid.UUID("6f1d2b8e-8c1e-4a53-9b43-1f7f3c2d0a16")
SCRIPT = "2026 ID"
ISSUES = ["jobs", "prices", "health", "education", "water-roads"]
# area code, the booth / precinct to canvass (None: the first polling unit with people),
# effort name, organiser login, canvasser logins (turf 1 and 2, turf 3)
AREAS = [
    ("IN-WB-AC158", "IN-WB-AC158-P001", "Part 1 door-to-door ID", "organiser",
     ["volunteer", "organiser"]),
    ("US-CA-CD12", None, "Precinct door knock", "us-organiser", ["us-organiser"]),
]  # fmt: skip
MAX_PEOPLE = 400


def _booth(area: Area, code: str | None, run: DemoRun) -> Area | None:
    if code:
        return run.areas.get(code) or Area.objects.filter(code=code).first()
    for unit in Area.objects.filter(path__startswith=area.path, kind__is_polling_unit=True)[:50]:
        if Person.objects.filter(area=unit, household__address__latitude__isnull=False).exists():
            return unit
    return None


def _visits(effort: Effort, turf: Turf, canvasser, rng: random.Random, now) -> list[dict]:
    blocks = {b.label: b.pk for b in effort.script.blocks.all()}
    events = []
    doors = list(Door.objects.filter(turf=turf).order_by("position"))
    targets: dict[int, list[int]] = {}
    for door_id, person_id in Target.objects.filter(door__turf=turf).values_list(
        "door_id", "person_id"
    ):
        targets.setdefault(door_id, []).append(person_id)
    for i, door in enumerate(doors[: max(1, round(len(doors) * 0.6))]):
        people = sorted(targets.get(door.pk, []))
        at = now - dt.timedelta(hours=rng.randint(2, 70), minutes=rng.randint(0, 59))
        event = {
            "id": str(uuid.uuid5(NAMESPACE, f"{effort.pk}:{door.pk}")),
            "type": "visit",
            "effort": effort.pk,
            "door": door.pk,
            "at": at.isoformat(),
        }
        if rng.random() < 0.3 or not people:
            event["result"] = "not-home"
        elif rng.random() < 0.08:
            event.update(person=people[0], result=rng.choice(["refused", "come-back-later"]))
        else:
            answers = {}
            if SCRIPT in blocks:
                answers[str(blocks[SCRIPT])] = rng.choices([1, 2, 3, 4, 5], [25, 25, 20, 15, 15])[0]
            if "Issue" in blocks:
                answers[str(blocks["Issue"])] = rng.choice(ISSUES)
            if "Volunteer" in blocks:
                answers[str(blocks["Volunteer"])] = "yes" if rng.random() < 0.12 else "no"
            event.update(person=people[0], answers=answers)
        if door.latitude is not None:
            event.update(lat=door.latitude, lon=door.longitude, accuracy=8)
        events.append(event)
        if i % 7 == 6:
            event["note"] = "Dog at the gate; ask for the elder son next time."
    return events


def seed(run: DemoRun) -> dict[str, int]:
    from grassroots.volunteers.models import Team

    made = {"canvass_efforts": 0, "canvass_turfs": 0, "canvass_visits": 0}
    rng = random.Random(run.seed + 23)
    now = timezone.now()
    for code, booth_code, name, organiser_login, canvasser_logins in AREAS:
        area = run.areas.get(code) or Area.objects.filter(code=code).first()
        organiser = run.users.get(organiser_login)
        if area is None or organiser is None or Effort.objects.filter(name=name).exists():
            continue
        script = Script.objects.filter(name=SCRIPT, area=area, status="active").first()
        booth = _booth(area, booth_code, run)
        if script is None or booth is None:
            continue
        ids = list(
            Person.objects.filter(area__path__startswith=booth.path, status="active")
            .order_by("id")
            .values_list("id", flat=True)[:MAX_PEOPLE]
        )
        if len(ids) < 5:
            continue
        person_list = lists.list_create(
            actor=organiser,
            name=f"{name} — {booth.name}",
            person_ids=ids,
            visibility="shared",
            description="Everyone on the roll of this booth / precinct (demo).",
        )
        households = (
            Person.objects.filter(pk__in=ids).values("household__address_id").distinct().count()
        )
        effort = services.effort_create(
            actor=organiser,
            name=name,
            description="Knock every door once before the nomination date; ID support 1–5.",
            script=script,
            person_list=person_list,
            starts_on=timezone.localdate() - dt.timedelta(days=4),
            ends_on=timezone.localdate() + dt.timedelta(days=24),
            target_size=max(services.MIN_TARGET, min(40, households // 6 or 1)),
            measure=Effort.Measure.DOORS,
            respect_areas=True,  # a door's section counts as its booth (services._booths)
            checkout_days=5,
            stop_time=dt.time(19, 0),  # canvassers stop at dusk
        )
        services.turfs_cut(actor=organiser, effort=effort)
        services.effort_set_status(actor=organiser, effort=effort, status=Effort.Status.ACTIVE)
        turfs = list(Turf.objects.filter(effort=effort).order_by("number"))
        made["canvass_efforts"] += 1
        made["canvass_turfs"] += len(turfs)
        canvassers = [run.users[u] for u in canvasser_logins if u in run.users]
        worked: list[tuple[Turf, object]] = []
        for i, turf in enumerate(turfs[:3]):
            if not canvassers:
                break
            user = canvassers[0] if i < 2 else canvassers[-1]
            try:
                services.turf_assign(actor=organiser, turf=turf, user=user)
            except Invalid:  # a canvasser who cannot see this turf's people
                continue
            worked.append((turf, user))
        team = Team.objects.filter(area__path__startswith=area.path).order_by("path").first()
        if team is not None and len(turfs) > 4:
            services.turf_assign(actor=organiser, turf=turfs[3], team=team)
        for turf, user in worked[::2]:  # the first and third turfs have been worked
            result = sync.sync(actor=user, events_in=_visits(effort, turf, user, rng, now))
            made["canvass_visits"] += result["counts"].get("applied", 0)
        if worked:  # safety: a door not to knock, and a canvasser's check-in
            turf, user = worked[-1]
            door = turf.doors.order_by("-position").first()
            if door is not None:
                services.door_flag(
                    actor=organiser, door=door, flagged=True,
                    reason="Dog loose in the yard; the owner asked us not to call.",
                )  # fmt: skip
            safety.alert_create(
                actor=user, effort=effort, kind="check_in", note="Finished the first street."
            )
        if len(turfs) >= 2:
            services.turf_lock(actor=organiser, turf=turfs[-1], locked=True)
            services.turf_rename(
                actor=organiser, turf=turfs[-1], name="Market lane — the candidate's walk"
            )
        run.progress.log(f"canvassing: {code} {len(turfs)} turfs, {made['canvass_visits']} visits")
    return made
