"""Canvass efforts: create, build (freeze the audience into doors), cut turfs, edit turfs,
check turfs out, pick up doors nearby. Visits (the app's sync) are in ``canvassing.sync``.

Every write: authorize → validate → write → audit → publish (docs/howto-add-an-app.md).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.canvassing import cutting
from grassroots.canvassing.models import Assignment, Door, Effort, Target, Turf, Visit
from grassroots.core import access, audit, events
from grassroots.core.exceptions import Conflict, Invalid, NotFound
from grassroots.geography.models import Area
from grassroots.geography.selectors import home_area
from grassroots.lists import selectors as lists
from grassroots.people.models import Person
from grassroots.people.validation import address_part_key
from grassroots.surveys.models import Script

VIEW = "canvassing.view"
MANAGE = "canvassing.manage"
CANVASS = "canvassing.canvass"

MIN_TARGET, MAX_TARGET = 5, 500
MAX_CHECKOUT_DAYS = 60
PICKUP_MAX_DOORS = 100
PICKUP_MAX_RADIUS_M = 5000


def finite_float(value: Any) -> float | None:
    """A number from a device's JSON (a coordinate, an accuracy), or ``None`` for anything
    that is not a finite number."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out == out and abs(out) != float("inf") else None


# --- efforts ----------------------------------------------------------------------------------


def _clean_effort(actor: Any, data: dict[str, Any], effort: Effort | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors["name"] = _("Give the effort a name.")
    out["name"] = name[:120]
    out["description"] = str(data.get("description") or "")[:5000]
    script = data.get("script")
    if script is None:
        errors["script"] = _("Choose the script canvassers will read.")
    elif not access.is_visible(script, actor, access.VIEW):
        errors["script"] = _("No such script.")
    elif script.status == Script.Status.ARCHIVED:
        errors["script"] = _("This script is archived.")
    out["script"] = script
    segment, person_list = data.get("segment"), data.get("person_list")
    if segment is not None and person_list is not None:
        errors["segment"] = _("Choose a segment or a list, not both.")
    elif segment is None and person_list is None:
        errors["segment"] = _("Choose who to canvass: a segment or a list.")
    if segment is not None and not access.is_visible(segment, actor, access.VIEW):
        errors["segment"] = _("No such segment.")
    if person_list is not None and not access.is_visible(person_list, actor, access.VIEW):
        errors["person_list"] = _("No such list.")
    out["segment"], out["person_list"] = segment, person_list
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        errors["ends_on"] = _("The effort cannot end before it starts.")
    out["starts_on"], out["ends_on"] = starts or None, ends or None
    try:
        raw = data.get("target_size")
        target = 40 if raw in (None, "") else int(raw)
    except (TypeError, ValueError):
        target = -1
    if not MIN_TARGET <= target <= MAX_TARGET:
        errors["target_size"] = _("A turf holds between %(a)s and %(b)s doors.") % {
            "a": MIN_TARGET,
            "b": MAX_TARGET,
        }
    out["target_size"] = target
    measure = data.get("measure") or Effort.Measure.UNITS
    if measure not in Effort.Measure.values:
        errors["measure"] = _("Unknown measure.")
    out["measure"] = measure
    out["respect_areas"] = bool(data.get("respect_areas", True))
    try:
        raw = data.get("checkout_days")
        days = 3 if raw in (None, "") else int(raw)
    except (TypeError, ValueError):
        days = -1
    if not 1 <= days <= MAX_CHECKOUT_DAYS:
        errors["checkout_days"] = _("Check turfs out for 1 to %(n)s days.") % {
            "n": MAX_CHECKOUT_DAYS
        }
    out["checkout_days"] = days
    stop = data.get("stop_time")
    if isinstance(stop, str):
        stop = stop.strip()
        try:
            stop = dt.time.fromisoformat(stop) if stop else None
        except ValueError:
            errors["stop_time"] = _("Give the stop time as hours:minutes, e.g. 19:00.")
            stop = None
    elif stop is not None and not isinstance(stop, dt.time):
        errors["stop_time"] = _("Give the stop time as hours:minutes, e.g. 19:00.")
        stop = None
    out["stop_time"] = stop.replace(second=0, microsecond=0) if stop else None
    areas = list(data.get("areas") or [])
    visible = set(
        Area.objects.visible_to(actor)
        .filter(pk__in=[a.pk for a in areas])
        .values_list("pk", flat=True)
    )
    if any(a.pk not in visible for a in areas):
        errors["areas"] = _("No such area.")
    out["areas"] = areas
    if errors:
        raise Invalid(errors)
    return out


@transaction.atomic
def effort_create(*, actor: Any, **data: Any) -> Effort:
    access.require(actor, MANAGE)
    clean = _clean_effort(actor, data, None)
    areas = clean.pop("areas")
    effort = Effort.objects.create(
        **clean, area=home_area(actor), created_by=access.user_or_none(actor)
    )
    effort.areas.set(areas)
    audit.record(actor=actor, action="canvassing.effort_created", obj=effort)
    return effort


@transaction.atomic
def effort_update(*, actor: Any, effort: Effort, **data: Any) -> Effort:
    access.require_object(actor, MANAGE, effort)
    clean = _clean_effort(actor, data, effort)
    areas = clean.pop("areas")
    audience_changed = (
        clean["segment"] != effort.segment
        or clean["person_list"] != effort.person_list
        or {a.pk for a in areas} != set(effort.areas.values_list("pk", flat=True))
    )
    if audience_changed and effort.built_at and Visit.objects.filter(effort=effort).exists():
        raise Conflict(
            _(
                "Canvassers have already visited doors of this effort: its audience and areas "
                "stay as they are. Start a new effort for other people."
            )
        )
    for key, value in clean.items():
        setattr(effort, key, value)
    effort.save()
    effort.areas.set(areas)
    if audience_changed and effort.built_at:
        _clear_doors(effort)
    audit.record(actor=actor, action="canvassing.effort_updated", obj=effort)
    return effort


@transaction.atomic
def effort_set_status(*, actor: Any, effort: Effort, status: str) -> Effort:
    access.require_object(actor, MANAGE, effort)
    if status not in Effort.Status.values:
        raise Invalid({"status": _("Unknown status.")})
    if status == Effort.Status.ACTIVE and not effort.cut_at:
        raise Conflict(_("Cut the turfs before starting the effort."))
    effort.status = status
    effort.save(update_fields=["status", "updated_at"])
    if status == Effort.Status.CLOSED:
        now = timezone.now()
        for a in Assignment.objects.filter(turf__effort=effort, released_at__isnull=True):
            _release(a, actor, now)
    audit.record(actor=actor, action=f"canvassing.effort_{status}", obj=effort)
    return effort


def _clear_doors(effort: Effort) -> None:
    Target.objects.filter(effort=effort).delete()
    Door.objects.filter(effort=effort).delete()
    Turf.objects.filter(effort=effort).delete()
    Effort.objects.filter(pk=effort.pk).update(built_at=None, cut_at=None, cut_summary={})
    effort.built_at = effort.cut_at = None
    effort.cut_summary = {}


def audience(*, actor: Any, effort: Effort):
    """The effort's people as the actor sees them now: active, not do-not-contact, inside the
    effort's areas (when it names any)."""
    if effort.person_list_id:
        if effort.person_list is None or not access.is_visible(effort.person_list, actor):
            raise Conflict(_("The effort's list is gone or no longer visible to you."))
        people = lists.list_people(actor=actor, person_list=effort.person_list)
    elif effort.segment_id:
        if effort.segment is None or not access.is_visible(effort.segment, actor):
            raise Conflict(_("The effort's segment is gone or no longer visible to you."))
        people = lists.segment_people(actor=actor, definition=effort.segment.definition)
    else:
        raise Conflict(_("The effort has no audience: choose a segment or a list."))
    people = people.filter(status=Person.Status.ACTIVE, do_not_contact=False)
    paths = list(effort.areas.values_list("path", flat=True))
    if paths:
        q = Q()
        for path in paths:
            q |= Q(area__path__startswith=path)
        people = people.filter(q)
    return people


_ROW = (
    "id",
    "household_id",
    "area_id",
    "household__area_id",
    "household__address_id",
    "household__address__house_number",
    "household__address__street",
    "household__address__locality",
    "household__address__city",
    "household__address__postal_code",
    "household__address__latitude",
    "household__address__longitude",
    "household__address__area_id",
)


def _door_key(row: dict) -> str:
    """One door per building: the address without its line 2 (flat, floor), so the households
    of a block of flats are the units of one door, never split across turfs."""
    if row["household__address_id"]:
        parts = [
            address_part_key(row[f"household__address__{k}"])
            for k in ("house_number", "street", "locality", "city", "postal_code")
        ]
        key = "|".join(parts) if any(parts) else f"#{row['household__address_id']}"
        return f"a:{key}"[:400]
    if row["household_id"]:
        return f"h:{row['household_id']}"
    return f"p:{row['id']}"


def _label(row: dict) -> str:
    first = " ".join(
        p for p in (row["household__address__house_number"], row["household__address__street"]) if p
    )
    parts = [first, row["household__address__locality"], row["household__address__city"]]
    return ", ".join(p for p in parts if p)


def _booths(areas: list[Area]) -> dict[int, int]:
    """Each area's polling unit (booth / precinct): itself, or its nearest ancestor that is
    one; an area above the polling units stays itself. Turfs "inside one booth" group doors by
    this, so the sections of a booth are walked together."""
    wanted = {p for a in areas if not a.kind.is_polling_unit for p in a.ancestor_paths()}
    units = dict(
        Area.objects.filter(path__in=wanted, kind__is_polling_unit=True).values_list("path", "pk")
    )
    out = {}
    for a in areas:
        if a.kind.is_polling_unit:
            out[a.pk] = a.pk
            continue
        above = [units[p] for p in reversed(a.ancestor_paths()) if p in units]
        out[a.pk] = above[0] if above else a.pk
    return out


@transaction.atomic
def effort_build(*, actor: Any, effort: Effort) -> dict[str, int]:
    """Freeze the audience into doors (one per address; the households at one address are its
    units) and their targets. A door without coordinates stands at its area's centre, flagged,
    or — with no area centre either — is left off the map with the reason."""
    access.require_object(actor, MANAGE, effort)
    effort = Effort.objects.select_for_update().get(pk=effort.pk)
    if Visit.objects.filter(effort=effort).exists():
        raise Conflict(
            _("Canvassers have already visited doors of this effort: its doors stay as they are.")
        )
    _clear_doors(effort)
    rows = list(audience(actor=actor, effort=effort).order_by().values(*_ROW))
    if not rows:
        raise Conflict(_("Nobody to canvass: the effort's audience is empty in its areas."))
    area_ids = {
        r["household__address__area_id"] or r["household__area_id"] or r["area_id"] for r in rows
    }
    found = list(Area.objects.filter(pk__in=[a for a in area_ids if a]).select_related("kind"))
    booths = _booths(found)
    centres = {a.pk: (a.latitude, a.longitude) for a in found}
    centres.update(
        {
            a["pk"]: (a["latitude"], a["longitude"])
            for a in Area.objects.filter(pk__in=set(booths.values()) - set(centres)).values(
                "pk", "latitude", "longitude"
            )
        }
    )
    doors: dict[str, dict] = {}
    for row in rows:
        key = _door_key(row)
        door = doors.get(key)
        if door is None:
            area_id = (
                row["household__address__area_id"] or row["household__area_id"] or row["area_id"]
            )
            lat, lon = row["household__address__latitude"], row["household__address__longitude"]
            located, reason = Door.Located.ADDRESS, ""
            if lat is None or lon is None:
                lat, lon = centres.get(area_id, (None, None))
                if lat is None or lon is None:
                    lat, lon = centres.get(booths.get(area_id), (None, None))
                located = Door.Located.AREA
                if lat is None or lon is None:
                    located, reason = (
                        Door.Located.NONE,
                        _("no coordinates, and its area has no centre"),
                    )
            area_id = booths.get(area_id, area_id)
            door = doors[key] = {
                "obj": Door(
                    effort=effort,
                    key=key,
                    address_id=row["household__address_id"],
                    area_id=area_id,
                    house_number=row["household__address__house_number"] or "",
                    street=row["household__address__street"] or "",
                    label=_label(row)[:400],
                    latitude=lat,
                    longitude=lon,
                    located=located,
                    unplaced_reason=reason,
                ),
                "households": set(),
                "people": [],
            }
        door["households"].add(row["household_id"] or f"p{row['id']}")
        door["people"].append(row["id"])
    objs = []
    for d in doors.values():
        d["obj"].units = max(1, min(len(d["households"]), 32767))
        objs.append(d["obj"])
    Door.objects.bulk_create(objs, batch_size=2000)
    by_key = dict(Door.objects.filter(effort=effort).values_list("key", "pk"))
    Target.objects.bulk_create(
        [
            Target(effort=effort, door_id=by_key[key], person_id=pid)
            for key, d in doors.items()
            for pid in d["people"]
        ],
        batch_size=5000,
    )
    effort.built_at = timezone.now()
    effort.save(update_fields=["built_at", "updated_at"])
    counts = {
        "doors": len(objs),
        "people": len(rows),
        "at_area_centre": sum(1 for o in objs if o.located == Door.Located.AREA),
        "not_on_map": sum(1 for o in objs if o.located == Door.Located.NONE),
    }
    audit.record(actor=actor, action="canvassing.effort_built", obj=effort, detail=counts)
    return counts


def _map_hull(hull: dict) -> dict:
    """The turf's outline for the map: a turf whose doors lie on one line (one side of a
    street) or at one point gets a thin polygon around them (about 12 m), so it can be seen
    and clicked like any other."""
    kind = (hull or {}).get("type")
    if kind not in ("LineString", "Point"):
        return hull
    pts = hull["coordinates"] if kind == "LineString" else [hull["coordinates"]] * 2
    (x1, y1), (x2, y2) = pts[0], pts[-1]
    k = max(0.01, math.cos(math.radians((y1 + y2) / 2)))
    pad_lat, pad_lon = 12 / 111_320, 12 / (111_320 * k)
    dx, dy = (x2 - x1) * k, y2 - y1
    length = math.hypot(dx, dy)
    if length == 0:
        ring = [[x1 - pad_lon, y1 - pad_lat], [x1 + pad_lon, y1 - pad_lat],
                [x1 + pad_lon, y1 + pad_lat], [x1 - pad_lon, y1 + pad_lat]]  # fmt: skip
    else:
        # perpendicular offset, and the ends pushed out along the line
        nx, ny = -dy / length, dx / length
        ux, uy = dx / length, dy / length
        ox, oy = nx * pad_lon, ny * pad_lat
        ex, ey = ux * pad_lon, uy * pad_lat
        ring = [
            [x1 - ex + ox, y1 - ey + oy], [x2 + ex + ox, y2 + ey + oy],
            [x2 + ex - ox, y2 + ey - oy], [x1 - ex - ox, y1 - ey - oy],
        ]  # fmt: skip
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


# --- cutting ----------------------------------------------------------------------------------


def _engine_door(d: dict) -> cutting.Door:
    return cutting.Door(
        id=d["pk"],
        lat=d["latitude"],
        lon=d["longitude"],
        units=d["units"],
        street=d["street"],
        house_number=d["house_number"],
        area=str(d["area_id"]) if d["area_id"] else None,
    )


_DOOR_FIELDS = ("pk", "latitude", "longitude", "units", "street", "house_number", "area_id")


def _held_turfs(effort: Effort):
    """Turfs a re-cut leaves alone: locked, checked out, drawn or picked up, or already worked."""
    return Turf.objects.filter(effort=effort).filter(
        Q(locked=True)
        | Q(status=Turf.Status.ASSIGNED)
        | ~Q(kind=Turf.Kind.CUT)
        | Q(visits__isnull=False)
    )


def turfs_cut(*, actor: Any, effort: Effort, progress=None) -> dict[str, Any]:
    """Cut the effort's doors into turfs of about its target size and order each walk.

    A re-cut keeps the turfs that are locked, checked out, drawn by hand, picked up or already
    worked, with their doors, and cuts the rest again."""
    access.require_object(actor, MANAGE, effort)
    if not effort.built_at:
        effort_build(actor=actor, effort=effort)
        effort.refresh_from_db()
    held = set(_held_turfs(effort).values_list("pk", flat=True))
    free = list(
        Door.objects.filter(effort=effort)
        .filter(Q(turf__isnull=True) | ~Q(turf_id__in=held))
        .values(*_DOOR_FIELDS)
    )
    result = cutting.cut_turfs(
        [_engine_door(d) for d in free],
        effort.target_size,
        cutting.Options(measure=effort.measure, respect_areas=effort.respect_areas),
    )
    if progress:
        progress(1, 2)
    with transaction.atomic():
        Effort.objects.select_for_update().filter(pk=effort.pk).first()
        Turf.objects.filter(effort=effort).exclude(pk__in=held).delete()
        number = max(Turf.objects.filter(effort=effort).values_list("number", flat=True), default=0)
        new_turfs = []
        for t in result.turfs:
            number += 1
            new_turfs.append(
                Turf(
                    effort=effort,
                    number=number,
                    kind=Turf.Kind.CUT,
                    area_id=int(t.area) if t.area else None,
                    doors_count=t.doors,
                    units_count=t.units,
                    walk_m=round(t.walk_m, 1),
                    hull=_map_hull(t.hull),
                    centroid_lat=t.centroid[0],
                    centroid_lon=t.centroid[1],
                )
            )
        Turf.objects.bulk_create(new_turfs, batch_size=1000)
        by_number = dict(Turf.objects.filter(effort=effort).values_list("number", "pk"))
        updates = []
        for turf, t in zip(new_turfs, result.turfs, strict=True):
            turf_id = by_number[turf.number]
            for position, door_id in enumerate(t.door_ids):
                updates.append(Door(pk=door_id, turf_id=turf_id, position=position))
        reasons = {u.door_id: u.reason for u in result.unplaced}
        for door_id, reason in reasons.items():
            updates.append(Door(pk=door_id, turf_id=None, position=0, unplaced_reason=reason))
        Door.objects.bulk_update(
            [u for u in updates if u.pk not in reasons], ["turf", "position"], batch_size=2000
        )
        Door.objects.bulk_update(
            [u for u in updates if u.pk in reasons],
            ["turf", "position", "unplaced_reason"],
            batch_size=2000,
        )
        s = result.summary
        summary = {
            "turfs": s.turfs,
            "kept": len(held),
            "doors": s.doors,
            "units": s.units,
            "unplaced": s.unplaced,
            "min_size": s.min_size,
            "max_size": s.max_size,
            "band": [round(s.band[0], 1), round(s.band[1], 1)],
            "out_of_band": s.out_of_band,
            "walk_m": round(s.walk_m),
            "seconds": round(s.seconds_cutting + s.seconds_walking, 2),
            "at_area_centre": Door.objects.filter(effort=effort, located=Door.Located.AREA).count(),
        }
        effort.cut_at = timezone.now()
        effort.cut_summary = summary
        effort.save(update_fields=["cut_at", "cut_summary", "updated_at"])
        audit.record(actor=actor, action="canvassing.turfs_cut", obj=effort, detail=summary)
    return summary


def turf_reroute(turf: Turf) -> Turf:
    """Order the turf's walk again (after doors moved) and refresh its counts and outline."""
    doors = list(Door.objects.filter(turf=turf).values(*_DOOR_FIELDS))
    placed = [d for d in doors if d["latitude"] is not None and d["longitude"] is not None]
    if placed:
        result = cutting.cut_turfs(
            [_engine_door(d) for d in placed],
            max(1, sum(d["units"] for d in placed)),
            cutting.Options(measure="units", respect_areas=False, band=1.0),
        )
        order = [door_id for t in result.turfs for door_id in t.door_ids]
        walk_m = sum(t.walk_m for t in result.turfs)
        if len(result.turfs) == 1:
            t = result.turfs[0]
            turf.hull = _map_hull(t.hull)
            turf.centroid_lat, turf.centroid_lon = t.centroid[0], t.centroid[1]
    else:
        order, walk_m = [], 0.0
        turf.hull, turf.centroid_lat, turf.centroid_lon = {}, None, None
    rest = [d["pk"] for d in doors if d["pk"] not in set(order)]
    Door.objects.bulk_update(
        [Door(pk=pk, position=i) for i, pk in enumerate(order + rest)], ["position"]
    )
    turf.doors_count = len(doors)
    turf.units_count = sum(d["units"] for d in doors)
    turf.walk_m = round(walk_m, 1)
    areas = {d["area_id"] for d in doors}
    turf.area_id = areas.pop() if len(areas) == 1 else None
    turf.save()
    return turf


def _not_closed(effort: Effort) -> None:
    if effort.status == Effort.Status.CLOSED:
        raise Conflict(_("This effort is closed: reopen it first."))


def _editable(actor: Any, turf: Turf) -> None:
    access.require_object(actor, MANAGE, turf.effort)
    _not_closed(turf.effort)
    if turf.locked:
        raise Conflict(_("%(turf)s is locked: unlock it first.") % {"turf": turf.label})


def _next_number(effort: Effort) -> int:
    return max(Turf.objects.filter(effort=effort).values_list("number", flat=True), default=0) + 1


@transaction.atomic
def turf_lock(*, actor: Any, turf: Turf, locked: bool) -> Turf:
    access.require_object(actor, MANAGE, turf.effort)
    _not_closed(turf.effort)
    turf.locked = bool(locked)
    turf.save(update_fields=["locked"])
    audit.record(
        actor=actor, action="canvassing.turf_locked" if locked else "canvassing.turf_unlocked",
        obj=turf,
    )  # fmt: skip
    return turf


@transaction.atomic
def turf_rename(*, actor: Any, turf: Turf, name: str) -> Turf:
    access.require_object(actor, MANAGE, turf.effort)
    _not_closed(turf.effort)
    before = turf.name
    turf.name = " ".join(str(name or "").split())[:120]
    turf.save(update_fields=["name"])
    audit.record(
        actor=actor, action="canvassing.turf_renamed", obj=turf,
        detail={"from": before, "to": turf.name},
    )  # fmt: skip
    return turf


@transaction.atomic
def turfs_merge(*, actor: Any, into: Turf, other: Turf) -> Turf:
    """Move every door of ``other`` into ``into`` and delete ``other``."""
    if into.pk == other.pk or into.effort_id != other.effort_id:
        raise Invalid({"other": _("Choose another turf of the same effort.")})
    _editable(actor, into)
    _editable(actor, other)
    if other.assignments.filter(released_at__isnull=True).exists():
        raise Conflict(
            _("%(turf)s is checked out: release it before merging it away.") % {"turf": other.label}
        )
    Door.objects.filter(turf=other).update(turf=into)
    Visit.objects.filter(turf=other).update(turf=into)
    audit.record(
        actor=actor, action="canvassing.turfs_merged", obj=into, detail={"merged": other.number}
    )
    other.delete()
    return turf_reroute(into)


@transaction.atomic
def doors_move(*, actor: Any, doors: Iterable[Door], to: Turf) -> int:
    """Move doors into ``to`` (from any unlocked turf of the same effort); both walks re-route."""
    _editable(actor, to)
    doors = list(doors)
    sources = set()
    for door in doors:
        if door.effort_id != to.effort_id:
            raise Invalid({"doors": _("A door of another effort cannot move here.")})
        if door.turf_id and door.turf_id != to.pk:
            sources.add(door.turf_id)
    for turf in Turf.objects.filter(pk__in=sources):
        _editable(actor, turf)
    moved = Door.objects.filter(pk__in=[d.pk for d in doors]).exclude(turf=to).update(turf=to)
    for turf in Turf.objects.filter(pk__in=sources):
        turf_reroute(turf)
    turf_reroute(to)
    audit.record(actor=actor, action="canvassing.doors_moved", obj=to, detail={"doors": moved})
    return moved


def _inside(lon: float, lat: float, ring: list) -> bool:
    """Ray casting: is (lon, lat) inside the polygon ``ring`` ([[lon, lat], …])?"""
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[(i + 1) % n][0], ring[(i + 1) % n][1]
        if (y1 > lat) != (y2 > lat):
            x = x1 + (lat - y1) * (x2 - x1) / ((y2 - y1) or 1e-12)
            if lon < x:
                inside = not inside
    return inside


def _clean_ring(polygon: Any) -> list[list[float]]:
    try:
        if isinstance(polygon, dict):
            polygon = polygon.get("coordinates", [[]])[0]
        ring = [[float(p[0]), float(p[1])] for p in polygon]
    except (TypeError, ValueError, IndexError, KeyError, AttributeError):
        ring = []
    if len(ring) < 3 or any(
        not (-180 <= x <= 180 and -90 <= y <= 90) or math.isnan(x) or math.isnan(y) for x, y in ring
    ):
        raise Invalid({"polygon": _("Draw a shape of at least three points on the map.")})
    return ring


@transaction.atomic
def turf_carve(*, actor: Any, effort: Effort, polygon: Any, name: str = "") -> Turf:
    """A new turf of the doors inside a shape drawn on the map (taken from unlocked turfs that
    are not checked out; the turfs they leave re-route)."""
    access.require_object(actor, MANAGE, effort)
    ring = _clean_ring(polygon)
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    candidates = (
        Door.objects.filter(
            effort=effort,
            latitude__gte=min(lats),
            latitude__lte=max(lats),
            longitude__gte=min(lons),
            longitude__lte=max(lons),
        )  # fmt: skip
        .filter(Q(turf__isnull=True) | Q(turf__locked=False, turf__status=Turf.Status.OPEN))
        .values_list("pk", "longitude", "latitude", "turf_id")
    )
    inside = [(pk, turf_id) for pk, lon, lat, turf_id in candidates if _inside(lon, lat, ring)]
    if not inside:
        raise Invalid(
            {
                "polygon": _(
                    "No free door inside that shape (locked and checked-out turfs keep theirs)."
                )
            }
        )
    turf = Turf.objects.create(
        effort=effort, number=_next_number(effort), name=(name or "")[:120], kind=Turf.Kind.DRAWN
    )
    sources = {turf_id for _pk, turf_id in inside if turf_id}
    Door.objects.filter(pk__in=[pk for pk, _t in inside]).update(turf=turf, unplaced_reason="")
    for source in Turf.objects.filter(pk__in=sources):
        if not source.doors.exists():
            source.delete()
        else:
            turf_reroute(source)
    turf_reroute(turf)
    audit.record(
        actor=actor, action="canvassing.turf_drawn", obj=turf, detail={"doors": len(inside)}
    )
    return turf


# --- check out, release -----------------------------------------------------------------------


def _assignee_can_work(user: Any, turf: Turf) -> bool:
    """A canvasser holds the capability and sees the turf's people (so recording their answers
    is within their own rights, not a side door)."""
    if not access.can(user, CANVASS):
        return False
    people = Target.objects.filter(door__turf=turf).values("person_id")
    total = people.count()
    if not total:
        return True
    seen = Person.objects.visible_to(user).filter(pk__in=people).count()
    return seen == total


@transaction.atomic
def turf_assign(
    *, actor: Any, turf: Turf, user: Any = None, team: Any = None, days: int | None = None
) -> Assignment:
    """Check a turf out to a canvasser (or a team) for ``days`` (the effort's default)."""
    access.require_object(actor, MANAGE, turf.effort)
    turf = Turf.objects.select_for_update().get(pk=turf.pk)
    if turf.effort.status == Effort.Status.CLOSED:
        raise Conflict(_("This effort is closed."))
    if user is None and team is None:
        raise Invalid({"user": _("Choose a canvasser or a team.")})
    if user is not None and not _assignee_can_work(user, turf):
        raise Invalid(
            {
                "user": _(
                    "%(name)s cannot canvass this turf: they need the canvassing role and to "
                    "see the people of its area."
                )
                % {"name": user.get_full_name() or user.get_username()}
            }
        )
    if team is not None and not access.is_visible(team, actor):
        raise Invalid({"team": _("No such team.")})
    days = turf.effort.checkout_days if days in (None, "") else days
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = -1
    if not 1 <= days <= MAX_CHECKOUT_DAYS:
        raise Invalid({"days": _("Check out for 1 to %(n)s days.") % {"n": MAX_CHECKOUT_DAYS}})
    if user is not None:
        existing = turf.assignments.filter(user=user, released_at__isnull=True).first()
        if existing is not None:
            return existing  # a double click checks out once
    now = timezone.now()
    assignment = Assignment.objects.create(
        turf=turf,
        user=user,
        team=team,
        checked_out_at=now,
        due_at=now + dt.timedelta(days=days),
        created_by=access.user_or_none(actor),
    )
    Turf.objects.filter(pk=turf.pk).update(status=Turf.Status.ASSIGNED)
    audit.record(actor=actor, action="canvassing.turf_assigned", obj=turf)
    events.publish(
        "turf.assigned",
        {
            "turf_id": turf.pk,
            "effort_id": turf.effort_id,
            "user_id": getattr(user, "pk", None),
            "team_id": getattr(team, "pk", None),
        },
    )
    return assignment


def _release(assignment: Assignment, actor: Any, now: dt.datetime) -> None:
    Assignment.objects.filter(pk=assignment.pk, released_at__isnull=True).update(
        released_at=now, released_by=access.user_or_none(actor)
    )
    if not Assignment.objects.filter(turf_id=assignment.turf_id, released_at__isnull=True).exists():
        Turf.objects.filter(pk=assignment.turf_id, status=Turf.Status.ASSIGNED).update(
            status=Turf.Status.OPEN
        )


@transaction.atomic
def assignment_release(*, actor: Any, assignment: Assignment) -> Assignment:
    """Give a turf back: the organiser, or the canvasser who holds it."""
    own = access.is_user(actor) and assignment.user_id == actor.pk
    if not own:
        access.require_object(actor, MANAGE, assignment.turf.effort)
    if assignment.released_at is None:
        _release(assignment, actor, timezone.now())
        audit.record(actor=actor, action="canvassing.turf_released", obj=assignment.turf)
    assignment.refresh_from_db()
    return assignment


@transaction.atomic
def turf_set_done(*, actor: Any, turf: Turf, done: bool = True) -> Turf:
    own = (
        access.is_user(actor)
        and turf.assignments.filter(user=actor, released_at__isnull=True).exists()
    )
    if not own:
        access.require_object(actor, MANAGE, turf.effort)
    _not_closed(turf.effort)
    status = Turf.Status.DONE if done else (
        Turf.Status.ASSIGNED
        if turf.assignments.filter(released_at__isnull=True).exists()
        else Turf.Status.OPEN
    )  # fmt: skip
    Turf.objects.filter(pk=turf.pk).update(status=status)
    turf.status = status
    audit.record(actor=actor, action="canvassing.turf_done" if done else "canvassing.turf_reopened",
                 obj=turf)  # fmt: skip
    return turf


def assignments_expire(now: dt.datetime | None = None) -> int:
    """Release the check-outs past their due time (run every minute)."""
    now = now or timezone.now()
    n = 0
    for a in Assignment.objects.filter(released_at__isnull=True, due_at__lte=now)[:500]:
        with transaction.atomic():
            _release(a, access.SYSTEM, now)
            n += 1
    return n


# --- distributed canvassing --------------------------------------------------------------------


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    k = math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lat2 - lat1) * 111_320, (lon2 - lon1) * 111_320 * k)


@transaction.atomic
def doors_pick_up(
    *, actor: Any, effort: Effort, lat: Any, lon: Any, radius_m: Any = 800, count: Any = 20
) -> Assignment:
    """Distributed canvassing: the nearest unworked doors of an active effort around the
    canvasser (within ``radius_m``, at most ``count``), from turfs nobody holds, become a turf
    of their own checked out to the canvasser."""
    access.require(actor, CANVASS)
    if not access.is_visible(effort, actor):
        raise NotFound
    if effort.status != Effort.Status.ACTIVE:
        raise Conflict(_("This effort is not running."))
    try:
        lat, lon = float(lat), float(lon)
        radius_m = min(float(radius_m), PICKUP_MAX_RADIUS_M)
        count = max(1, min(int(count), PICKUP_MAX_DOORS))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or radius_m <= 0:
            raise ValueError
    except (TypeError, ValueError):
        raise Invalid({"location": _("Your location could not be read.")}) from None
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(0.01, math.cos(math.radians(lat))))
    candidates = (
        Door.objects.filter(
            effort=effort,
            knocks=0,
            do_not_knock=False,
            located=Door.Located.ADDRESS,
            latitude__range=(lat - dlat, lat + dlat),
            longitude__range=(lon - dlon, lon + dlon),
        )  # fmt: skip
        .filter(Q(turf__isnull=True) | Q(turf__status=Turf.Status.OPEN, turf__locked=False))
        .filter(targets__person__in=Person.objects.visible_to(actor).values("pk"))
        .distinct()
        .values_list("pk", "latitude", "longitude", "turf_id")
    )
    near = sorted(
        (
            (_metres(lat, lon, la, lo), pk, turf_id)
            for pk, la, lo, turf_id in candidates
            if _metres(lat, lon, la, lo) <= radius_m
        ),
    )[:count]
    if not near:
        raise Conflict(_("No unworked doors of this effort near you. Try a wider radius."))
    ids = [pk for _d, pk, _t in near]
    # Lock the doors and re-check that nobody took them meanwhile.
    list(
        Door.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # A new statement once the locks are held sees what a simultaneous pick-up committed.
    locked = list(
        Door.objects.filter(pk__in=ids, knocks=0, do_not_knock=False)
        .filter(Q(turf__isnull=True) | Q(turf__status=Turf.Status.OPEN, turf__locked=False))
        .values_list("pk", flat=True)
    )
    if not locked:
        raise Conflict(_("Someone picked up these doors a moment ago. Try again."))
    turf = Turf.objects.create(
        effort=effort,
        number=_next_number(effort),
        kind=Turf.Kind.PICKUP,
        name=_("Picked up by %(name)s") % {"name": actor.get_full_name() or actor.get_username()},
    )
    sources = {t for _d, pk, t in near if pk in set(locked) and t}
    Door.objects.filter(pk__in=locked).update(turf=turf)
    for source in Turf.objects.filter(pk__in=sources):
        if not source.doors.exists():
            source.delete()
        else:
            turf_reroute(source)
    turf_reroute(turf)
    now = timezone.now()
    assignment = Assignment.objects.create(
        turf=turf,
        user=actor,
        checked_out_at=now,
        due_at=now + dt.timedelta(days=effort.checkout_days),
        created_by=actor,
    )
    Turf.objects.filter(pk=turf.pk).update(status=Turf.Status.ASSIGNED)
    audit.record(actor=actor, action="canvassing.doors_picked_up", obj=turf,
                 detail={"doors": len(locked)})  # fmt: skip
    events.publish(
        "turf.assigned",
        {"turf_id": turf.pk, "effort_id": effort.pk, "user_id": actor.pk, "team_id": None},
    )
    return assignment


def effort_counts(effort_ids: list[int]) -> dict[int, dict[str, int]]:
    """Doors, turfs and knocked doors per effort (for lists and tiles)."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"doors": 0, "knocked": 0, "turfs": 0})
    from django.db.models import Count

    for row in (
        Door.objects.filter(effort_id__in=effort_ids)
        .values("effort_id")
        .annotate(doors=Count("id"), knocked=Count("id", filter=Q(knocks__gt=0)))
    ):
        out[row["effort_id"]].update(doors=row["doors"], knocked=row["knocked"])
    for row in (
        Turf.objects.filter(effort_id__in=effort_ids).values("effort_id").annotate(n=Count("id"))
    ):
        out[row["effort_id"]]["turfs"] = row["n"]
    return dict(out)


def effort_cut_start(*, actor: Any, effort: Effort):
    """Cut the turfs in the background (a job on the batch queue, with progress)."""
    from grassroots.core import jobs

    access.require_object(actor, MANAGE, effort)
    return jobs.runner("canvassing.cut").start(
        actor=actor,
        title=_("Cut turfs: %(name)s") % {"name": effort.name},
        effort_id=effort.pk,
        audit={"action": "canvassing.cut_started", "obj": effort},
    )


# --- canvasser safety -------------------------------------------------------------------------


def after_stop(effort: Effort, when: dt.datetime) -> bool:
    """Whether ``when`` is past the effort's stop time on its own day (the campaign's zone)."""
    if effort.stop_time is None:
        return False
    return timezone.localtime(when, timezone.get_default_timezone()).time() >= effort.stop_time


def _set_flag(door: Door, flagged: bool, reason: str, user: Any, now: dt.datetime) -> None:
    door.do_not_knock = flagged
    door.do_not_knock_reason = reason if flagged else ""
    door.flagged_by = user if flagged else None
    door.flagged_at = now if flagged else None
    door.save(update_fields=["do_not_knock", "do_not_knock_reason", "flagged_by", "flagged_at"])


@transaction.atomic
def door_flag(*, actor: Any, door: Door, flagged: bool, reason: str = "") -> Door:
    """An organiser marks a door "do not knock" (with a reason) or clears the mark."""
    access.require_object(actor, MANAGE, door.effort)
    reason = " ".join(str(reason or "").split())[:300]
    if flagged and not reason:
        raise Invalid({"reason": _("Say why this door should not be knocked.")})
    _set_flag(door, bool(flagged), reason, access.user_or_none(actor), timezone.now())
    audit.record(
        actor=actor,
        action="canvassing.door_flagged" if flagged else "canvassing.door_unflagged",
        obj=door,
        detail={"reason": reason} if flagged else {},
    )
    events.publish(
        "canvass.door_flagged",
        {"door_id": door.pk, "effort_id": door.effort_id, "flagged": bool(flagged)},
    )
    return door
