"""The canvassing app's uploads: events made on a device, applied once each (ADR 0022).

An upload is a list of events, each with a client-made ``id`` (a UUID). The server applies
each in its own transaction and answers per event:

- ``applied`` — stored now;
- ``duplicate`` — stored before (the same id again: a replayed or overlapping batch);
- ``retry`` — it names something not here yet (a visit to a person added at the door whose
  own event is in a later batch): the device keeps it and sends it again;
- ``rejected`` — it cannot be applied (no such door, a turf the canvasser never held, a
  malformed event). It is kept whole as a ``SyncRejection`` with the reason, for the
  organiser: nothing typed at a door is lost.

Event types (version 1)::

    {"id", "type": "door", "effort", "turf", "house_number", "street", "lat", "lon", "note"}
    {"id", "type": "person", "effort", "door", "given_name", "family_name", "gender", "age",
     "phone", "language"}
    {"id", "type": "visit", "effort", "door", "person" | "person_event", "result",
     "answers": {question id: value}, "at", "lat", "lon", "accuracy", "note", "language"}
    {"id", "type": "flag", "effort", "turf", "door", "reason"}   (canvasser safety: do not knock)
    {"id", "type": "alert", "effort", "kind": "check_in" | "panic", "lat", "lon", "note", "at"}

A visit recorded after the effort's stop time is applied all the same (nothing is lost) and
flagged in ``Visit.errors["stop_time"]``.

``door`` may be a server id or the ``id`` of a ``door`` event (a door added in the field). A
device clock ahead of the server's is clamped to the time of receipt and flagged.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from grassroots.canvassing import safety
from grassroots.canvassing.models import (
    Assignment,
    Door,
    Effort,
    SafetyAlert,
    SyncRejection,
    Target,
    Turf,
    Visit,
)
from grassroots.canvassing.services import CANVASS, MANAGE, after_stop, finite_float
from grassroots.core import access, audit, events
from grassroots.core.exceptions import Conflict, Invalid, NotFound
from grassroots.core.ids import parse_id
from grassroots.people import services as people
from grassroots.people.models import Household, Person
from grassroots.surveys import services as surveys
from grassroots.surveys.models import ResultCode

log = logging.getLogger(__name__)

APPLIED, DUPLICATE, RETRY, REJECTED = "applied", "duplicate", "retry", "rejected"
MAX_EVENTS = 1000
MAX_PEOPLE_PER_DOOR_RESULT = 30
SKEW = dt.timedelta(minutes=5)


class Reject(Exception):
    pass


class Later(Exception):
    pass


def _id(event: dict) -> str:
    value = event.get("id") if isinstance(event, dict) else None
    return str(value).strip()[:100] if isinstance(value, str | int) else ""


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Batch:
    """What one upload needs to know about its actor, looked up once per effort."""

    def __init__(self, actor: Any, device: Any = ""):
        self.actor = actor
        self.device = str(device or "")[:100] if isinstance(device, str | int) else ""
        self.now = timezone.now()
        self.efforts: dict[int, Effort | None] = {}
        self.held: dict[int, bool] = {}
        self.turfs: dict[int, set[int]] = {}  # per effort: the turfs the actor holds or held
        self.manages: dict[int, bool] = {}
        self.codes = {c.code: c for c in ResultCode.objects.all()}
        # Looked up once per upload (ADR 0022 unchanged: each event still in its own transaction).
        self.visits: dict[str, tuple[int, int | None]] = {}
        self.doors: dict[int, Door] = {}
        self.door_ids: set[int] = set()
        self.targets: dict[int, list[int]] | None = None

    def prefetch(self, events_in: list) -> None:
        """The visits already stored under this upload's ids, and the doors it names by id."""
        ids, doors = [], set()
        for e in events_in:
            if isinstance(e, dict) and e.get("type") == "visit":
                ids.append(_id(e))
                pk = parse_id(e.get("door")) if not isinstance(e.get("door"), str) else None
                if pk is not None:
                    doors.add(pk)
        ids = [i for i in ids if i]
        if ids:
            self.visits = {
                ev: (pk, who)
                for ev, pk, who in Visit.objects.filter(event_id__in=ids).values_list(
                    "event_id", "pk", "canvasser_id"
                )
            }
        if doors:
            self.door_ids = doors
            self.doors = {d.pk: d for d in Door.objects.filter(pk__in=doors)}

    def targets_at(self, door: Door) -> list[int]:
        """The person ids at a door. Read at the first visit of the upload, for every door it
        names (visits are applied after the upload's door and person events)."""
        if door.pk not in self.door_ids:
            return list(Target.objects.filter(door=door).values_list("person_id", flat=True))
        if self.targets is None:
            self.targets = {}
            for door_id, person_id in Target.objects.filter(door_id__in=self.door_ids).values_list(
                "door_id", "person_id"
            ):
                self.targets.setdefault(door_id, []).append(person_id)
        return list(self.targets.get(door.pk, []))

    def effort(self, raw: Any) -> Effort:
        pk = parse_id(raw)
        if pk is None:
            raise Reject(_("The event names no effort."))
        if pk not in self.efforts:
            effort = Effort.objects.visible_to(self.actor).select_related("script").filter(pk=pk)
            self.efforts[pk] = effort.first()
        effort = self.efforts[pk]
        if effort is None:
            raise Reject(_("No such effort."))
        if pk not in self.held:
            self.manages[pk] = access.can(self.actor, MANAGE) and access.is_visible(
                effort, self.actor, access.CHANGE
            )
            self.turfs[pk] = set(
                Assignment.objects.filter(turf__effort=effort)
                .filter(Q(user=self.actor) | Q(team__members__user=self.actor))
                .values_list("turf_id", flat=True)
            )
            self.held[pk] = bool(self.turfs[pk])
        if not (self.held[pk] or self.manages[pk]):
            raise Reject(_("You do not hold a turf of this effort."))
        return effort

    def check_turf(self, effort: Effort, door: Door | None, raw_turf: Any) -> None:
        """The door is in a turf the canvasser holds or held (a turf given back while they were
        offline still takes the work done in it), or the event names such a turf (the door was
        moved to another turf since the download). Organisers may record anywhere."""
        if self.manages.get(effort.pk):
            return
        held = self.turfs.get(effort.pk, set())
        if door is not None and door.turf_id in held:
            return
        if parse_id(raw_turf) in held and (door is None or door.turf_id is not None):
            return
        raise Reject(_("This door is not in a turf you hold."))

    def door(self, effort: Effort, raw: Any) -> Door:
        pk = parse_id(raw)
        qs = Door.objects.filter(effort=effort)
        door = None
        if pk is not None and pk in self.doors:
            cached = self.doors[pk]
            door = cached if cached.effort_id == effort.pk else None
        elif pk is not None and pk not in self.door_ids:
            door = qs.filter(pk=pk).first()
        if door is None and isinstance(raw, str) and raw:
            door = qs.filter(key=f"field:{raw[:100]}").first()
            if door is None:
                raise Later(_("The new door this names has not arrived yet."))
        if door is None:
            raise Reject(_("No such door in this effort."))
        return door

    def at(self, raw: Any) -> tuple[dt.datetime, dt.datetime | None, str]:
        """(recorded at, the device's own time if it was clamped, a note)."""
        when = parse_datetime(raw) if isinstance(raw, str) else None
        if when is None:
            return self.now, None, _("no time given: the time of receipt is used") if raw else ""
        if timezone.is_naive(when):
            when = timezone.make_aware(when, dt.UTC)
        if when > self.now + SKEW:
            return self.now, when, _("the device's clock was ahead: the time of receipt is used")
        return when, None, ""


def sync(*, actor: Any, events_in: Any, device: Any = "") -> dict[str, Any]:
    """Apply an upload; answer per event (see the module docstring)."""
    access.require(actor, CANVASS)
    if not isinstance(events_in, list):
        raise Invalid({"events": _("Send a list of events.")})
    if len(events_in) > MAX_EVENTS:
        raise Invalid({"events": _("At most %(n)s events per upload.") % {"n": MAX_EVENTS}})
    batch = Batch(actor, device)
    batch.prefetch(events_in)
    order = {"door": 0, "person": 1, "visit": 2, "flag": 3, "alert": 4}
    indexed = sorted(
        enumerate(events_in),
        key=lambda p: (order.get(p[1].get("type") if isinstance(p[1], dict) else None, 5), p[0]),
    )
    results: list[dict[str, Any] | None] = [None] * len(events_in)
    for i, event in indexed:
        results[i] = _apply_one(batch, event)
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return {"results": results, "counts": counts, "server_time": batch.now.isoformat()}


def _apply_one(batch: Batch, event: Any) -> dict[str, Any]:
    event_id = _id(event)
    try:
        if not event_id:
            raise Reject(_("The event has no id."))
        kind = event.get("type")
        handler = {
            "door": _door_event,
            "person": _person_event,
            "visit": _visit_event,
            "flag": _flag_event,
            "alert": _alert_event,
        }.get(kind)
        if handler is None:
            raise Reject(_("Unknown event type."))
        with transaction.atomic():
            out = {"id": event_id, **handler(batch, event_id, event)}
        if kind == "visit" and out.get("status") == APPLIED:  # the same id again in this upload
            batch.visits[event_id] = (out["visit"], getattr(batch.actor, "pk", None))
        return out
    except Later as exc:
        return {"id": event_id, "status": RETRY, "reason": str(exc)}
    except IntegrityError:  # the same event applied meanwhile by a simultaneous upload
        return {"id": event_id, "status": DUPLICATE}
    except (Reject, Invalid, Conflict, NotFound, ValidationError) as exc:
        reason = _reason(exc)
        _keep_rejected(batch, event_id, event, reason)
        return {"id": event_id, "status": REJECTED, "reason": reason}


def _reason(exc: Exception) -> str:
    if isinstance(exc, NotFound):
        return _("Not found, or not yours to record.")
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)[:300]
    return str(exc)[:300] or _("Could not be applied.")


def _keep_rejected(batch: Batch, event_id: str, event: Any, reason: str) -> None:
    effort_id = parse_id(event.get("effort")) if isinstance(event, dict) else None
    effort = batch.efforts.get(effort_id) if effort_id else None
    payload = event if isinstance(event, dict) else {"raw": str(event)[:10000]}
    if event_id and SyncRejection.objects.filter(event_id=event_id, user=batch.actor).exists():
        return
    SyncRejection.objects.create(
        event_id=event_id,
        effort=effort,
        user=access.user_or_none(batch.actor),
        payload=payload,
        device_id=batch.device,
        reason=reason[:300],
    )


def _door_event(batch: Batch, event_id: str, event: dict) -> dict[str, Any]:
    effort = batch.effort(event.get("effort"))
    key = f"field:{event_id}"
    existing = Door.objects.filter(effort=effort, key=key).first()
    if existing is not None:
        return {"status": DUPLICATE, "door": existing.pk}
    turf = None
    turf_id = parse_id(event.get("turf"))
    if turf_id is not None:
        turf = Turf.objects.filter(effort=effort, pk=turf_id).first()
    batch.check_turf(effort, None, turf.pk if turf else None)
    lat, lon = finite_float(event.get("lat")), finite_float(event.get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    house = str(event.get("house_number") or "").strip()[:50]
    street = str(event.get("street") or "").strip()[:200]
    if not house and not street and lat is None:
        raise Reject(_("A new door needs a house number, a street or a location."))
    position = (
        Door.objects.filter(turf=turf)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
        if turf
        else None
    )
    door = Door.objects.create(
        effort=effort,
        turf=turf,
        position=(position or 0) + 1,
        key=key,
        area=turf.area if turf else None,
        house_number=house,
        street=street,
        label=" ".join(p for p in (house, street) if p)[:400],
        latitude=lat,
        longitude=lon,
        located=Door.Located.ADDRESS if lat is not None else Door.Located.NONE,
        added_in_field=True,
        unplaced_reason=str(event.get("note") or "")[:200],
    )
    if turf:
        Turf.objects.filter(pk=turf.pk).update(
            doors_count=F("doors_count") + 1, units_count=F("units_count") + 1
        )
    return {"status": APPLIED, "door": door.pk}


def _person_event(batch: Batch, event_id: str, event: dict) -> dict[str, Any]:
    effort = batch.effort(event.get("effort"))
    existing = Target.objects.filter(effort=effort, event_id=event_id).first()
    if existing is not None:
        return {"status": DUPLICATE, "person": existing.person_id}
    door = batch.door(effort, event.get("door"))
    batch.check_turf(effort, door, event.get("turf"))
    given = " ".join(str(event.get("given_name") or "").split())[:100]
    if not given:
        raise Reject(_("A new person needs a name."))
    household_id = (
        Person.objects.filter(pk__in=Target.objects.filter(door=door).values("person_id"))
        .exclude(household__isnull=True)
        .values_list("household_id", flat=True)
        .first()
    )
    data: dict[str, Any] = {
        "given_name": given,
        "family_name": " ".join(str(event.get("family_name") or "").split())[:100],
        "preferred_language": str(event.get("language") or "")[:10],
        "area": door.area,
    }
    if household_id:
        data["household"] = Household.objects.get(pk=household_id)
    gender = str(event.get("gender") or "")
    if gender in Person.Gender.values:
        data["gender"] = gender
    age = _int(event.get("age"))
    notes: list[str] = []
    if age is not None and 0 < age < 130:
        data["age"], data["age_as_of"] = age, timezone.localdate()
    elif event.get("age") not in (None, ""):
        notes.append(_("age “%(v)s” was not a number of years") % {"v": str(event.get("age"))[:20]})
    phone = str(event.get("phone") or "").strip()[:40]
    try:
        with transaction.atomic():
            person = people.person_create(
                actor=batch.actor, data=data, phones=[phone] if phone else [], via="canvass"
            )
    except ValidationError as exc:
        if not phone or "phones" not in getattr(exc, "message_dict", {}):
            raise
        notes.append(_("phone “%(v)s” was not kept: %(why)s") % {
            "v": phone, "why": "; ".join(exc.message_dict["phones"])
        })  # fmt: skip
        person = people.person_create(actor=batch.actor, data=data, via="canvass")
    Target.objects.create(
        effort=effort, door=door, person=person, added_in_field=True, event_id=event_id
    )
    out: dict[str, Any] = {"status": APPLIED, "person": person.pk}
    if notes:
        out["notes"] = notes
    return out


def _visit_event(batch: Batch, event_id: str, event: dict) -> dict[str, Any]:
    effort = batch.effort(event.get("effort"))
    existing = batch.visits.get(event_id)
    if existing is not None:
        if existing[1] != getattr(batch.actor, "pk", None):
            raise Reject(_("This event id was already used by someone else."))
        return {"status": DUPLICATE, "visit": existing[0]}
    door = batch.door(effort, event.get("door"))
    batch.check_turf(effort, door, event.get("turf"))
    person_id = parse_id(event.get("person"))
    if person_id is None and event.get("person") not in (None, ""):
        raise Reject(_("This person is not at this door."))
    if person_id is None and event.get("person_event"):
        target = Target.objects.filter(
            effort=effort, event_id=str(event["person_event"])[:100]
        ).first()
        if target is None:
            raise Later(_("The person added at the door has not arrived yet."))
        person_id = target.person_id
    targets = batch.targets_at(door)
    if person_id is not None and person_id not in targets:
        raise Reject(_("This person is not at this door."))
    code_raw = event.get("result") or None
    code = batch.codes.get(str(code_raw)) if code_raw else None
    errors: dict[str, Any] = {}
    if code_raw and code is None:
        errors["result"] = _("Unknown result code “%(c)s”.") % {"c": str(code_raw)[:40]}
    answers = event.get("answers") or {}
    if not isinstance(answers, dict):
        errors["answers"] = _("Answers were not readable.")
        errors["raw_answers"] = str(answers)[:2000]
        answers = {}
    if person_id is None and answers:
        raise Reject(_("Answers need the person who gave them."))
    recorded_at, device_time, clock = batch.at(event.get("at"))
    if clock:
        errors["at"] = clock
    if after_stop(effort, recorded_at):
        errors["stop_time"] = _("recorded after the stop time (%(t)s)") % {
            "t": effort.stop_time.strftime("%H:%M")
        }
    lat, lon = finite_float(event.get("lat")), finite_float(event.get("lon"))
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                event_id=event_id,
                effort=effort,
                turf_id=door.turf_id,
                door=door,
                person_id=person_id,
                canvasser=access.user_or_none(batch.actor),
                device_id=batch.device,
                result_code=code,
                contacted=(code.counts_as_contact if code else person_id is not None),
                recorded_at=recorded_at,
                device_time=device_time,
                received_at=batch.now,
                latitude=lat,
                longitude=lon,
                accuracy_m=finite_float(event.get("accuracy")),
                note=str(event.get("note") or "")[:5000],
            )
    except IntegrityError:  # the same event, uploaded at the same moment by a second tab
        return {"status": DUPLICATE}
    language = str(event.get("language") or "")[:10]
    attempt_id = None
    who = [person_id] if person_id is not None else targets[:MAX_PEOPLE_PER_DOOR_RESULT]
    for pid in who:
        recorded = surveys.responses_record(
            actor=batch.actor,
            person=pid,
            script=effort.script,
            answers=answers if pid == person_id else {},
            channel="door",
            attempt_key=f"v:{event_id}" if pid == person_id else f"v:{event_id}:{pid}",
            result_code=code,
            recorded_at=recorded_at,
            source=f"canvass {effort.pk}",
            language=language,
        )
        if pid == person_id:
            attempt_id = recorded.attempt.pk
            if recorded.errors:
                errors["answers"] = recorded.errors
                errors["raw_answers"] = {k: answers[k] for k in recorded.errors if k in answers}
    if errors or attempt_id:
        Visit.objects.filter(pk=visit.pk).update(errors=errors, attempt_id=attempt_id)
    later = Q(last_visit_at__isnull=True) | Q(last_visit_at__lte=recorded_at)
    Door.objects.filter(pk=door.pk).update(
        knocks=F("knocks") + 1,
        last_visit_at=Case(When(later, then=Value(recorded_at)), default=F("last_visit_at")),
        last_result=Case(
            When(later, then=Value(code.code if code else ("contact" if person_id else ""))),
            default=F("last_result"),
        ),
    )
    events.publish(
        "canvass.visited",
        {
            "visit_id": visit.pk,
            "effort_id": effort.pk,
            "door_id": door.pk,
            "person_id": person_id,
            "result_code": code.code if code else "",
            "contacted": visit.contacted,
        },
    )
    _backdated(recorded_at)
    out: dict[str, Any] = {"status": APPLIED, "visit": visit.pk}
    if errors:
        out["notes"] = {k: v for k, v in errors.items() if k != "raw_answers"}
    return out


def _flag_event(batch: Batch, event_id: str, event: dict) -> dict[str, Any]:
    """A canvasser marks a door "do not knock" from the app."""
    effort = batch.effort(event.get("effort"))
    existing = Door.objects.filter(flag_event_id=event_id).values_list("pk", flat=True).first()
    if existing is not None:
        return {"status": DUPLICATE, "door": existing}
    door = batch.door(effort, event.get("door"))
    batch.check_turf(effort, door, event.get("turf"))
    reason = " ".join(str(event.get("reason") or "").split())[:300]
    door.do_not_knock = True
    door.do_not_knock_reason = reason or _("Flagged by a canvasser")
    door.flagged_by = access.user_or_none(batch.actor)
    door.flagged_at = batch.now
    door.flag_event_id = event_id
    door.save(
        update_fields=[
            "do_not_knock", "do_not_knock_reason", "flagged_by", "flagged_at", "flag_event_id"
        ]
    )  # fmt: skip
    audit.record(
        actor=batch.actor, action="canvassing.door_flagged", obj=door, detail={"reason": reason}
    )
    events.publish(
        "canvass.door_flagged", {"door_id": door.pk, "effort_id": effort.pk, "flagged": True}
    )
    return {"status": APPLIED, "door": door.pk}


def _alert_event(batch: Batch, event_id: str, event: dict) -> dict[str, Any]:
    """A check-in or call for help queued while offline."""
    pk = parse_id(event.get("effort"))
    existing = SafetyAlert.objects.filter(event_id=event_id).values_list("pk", flat=True).first()
    if existing is not None:
        return {"status": DUPLICATE, "alert": existing}
    effort = batch.effort(pk)
    recorded_at, _device, _clock = batch.at(event.get("at"))
    try:
        alert = safety.alert_create(
            actor=batch.actor,
            effort=effort,
            kind=event.get("kind"),
            lat=event.get("lat"),
            lon=event.get("lon"),
            note=event.get("note"),
            event_id=event_id,
            at=recorded_at,
        )
    except Conflict:
        return {"status": DUPLICATE}
    return {"status": APPLIED, "alert": alert.pk}


def _backdated(recorded_at: dt.datetime) -> None:
    """A visit synced after the week it was made in changes past weeks' leaderboard points."""
    from grassroots.canvassing import registrations

    registrations.visit_backdated(recorded_at)
