"""Reads of the organiser's screens: efforts, turfs with who holds them, the map's GeoJSON,
the canvassers one may hand a turf to, a turf's walk in order. Each starts from what the actor
may see (``visible_to``): out of scope is missing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from grassroots.accounts.models import Role
from grassroots.canvassing.models import Assignment, Door, Effort, Target, Turf
from grassroots.canvassing.services import CANVASS
from grassroots.core import access
from grassroots.core.models import Job
from grassroots.people.models import Person

MAX_CANVASSERS = 300


def effort_list(*, actor: Any, q: str = "", status: str = "") -> QuerySet[Effort]:
    qs = Effort.objects.visible_to(actor).select_related("script", "segment", "person_list")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if status in Effort.Status.values:
        qs = qs.filter(status=status)
    return qs


def effort_get(*, actor: Any, pk: Any) -> Effort:
    return access.get_visible(
        Effort.objects.select_related("script", "segment", "person_list", "area", "created_by"),
        actor,
        pk=pk,
    )


def can_manage(actor: Any, effort: Effort) -> bool:
    return access.can(actor, "canvassing.manage") and access.is_visible(
        effort, actor, access.CHANGE
    )


def cut_job(effort: Effort) -> Job | None:
    """The effort's latest cut (a job on the batch queue)."""
    return (
        Job.objects.filter(kind="canvassing.cut", params__effort_id=effort.pk)
        .order_by("-created_at")
        .first()
    )


def _open_assignments() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(released_at__isnull=True)
        .select_related("user", "team")
        .order_by("due_at", "id"),
        to_attr="holders",
    )


def turfs(*, actor: Any, effort: Effort) -> list[Turf]:
    """The effort's turfs, each with ``holders`` (open check-outs), ``knocked`` and
    ``overdue``."""
    from django.db.models import Count

    rows = list(
        Turf.objects.visible_to(actor)
        .filter(effort=effort)
        .select_related("area")
        .annotate(knocked=Count("doors", filter=Q(doors__knocks__gt=0)))
        .prefetch_related(_open_assignments())
        .order_by("number")
    )
    now = timezone.now()
    for t in rows:
        _mark_overdue(t, now)
    return rows


def _mark_overdue(turf: Turf, now) -> None:
    for a in turf.holders:
        a.overdue = a.due_at < now
    turf.overdue = any(a.overdue for a in turf.holders)


def turf_get(*, actor: Any, effort: Effort, pk: Any) -> Turf:
    turf = access.get_visible(
        Turf.objects.filter(effort=effort).select_related("effort", "area"), actor, pk=pk
    )
    turf.holders = list(
        turf.assignments.filter(released_at__isnull=True)
        .select_related("user", "team")
        .order_by("due_at", "id")
    )
    _mark_overdue(turf, timezone.now())
    return turf


def turf_doors(turf: Turf) -> list[Door]:
    """The turf's doors in walk order, each with ``people`` (its targets' names)."""
    doors = list(Door.objects.filter(turf=turf).order_by("position", "id"))
    names: dict[int, list[str]] = {}
    for door_id, given, full in (
        Target.objects.filter(door__turf=turf)
        .order_by("person__given_name")
        .values_list("door_id", "person__given_name", "person__full_name")
    ):
        names.setdefault(door_id, []).append(full or given)
    for d in doors:
        d.people = names.get(d.pk, [])
    return doors


def unplaced_doors(effort: Effort, limit: int = 200) -> list[Door]:
    return list(
        Door.objects.filter(effort=effort, turf__isnull=True).order_by("street", "house_number")[
            :limit
        ]
    )


def status_key(turf: Turf) -> str:
    """The map's colour: locked over done over checked out over open."""
    if turf.locked:
        return "locked"
    return turf.status


def geojson(*, actor: Any, effort: Effort) -> dict:
    """The effort's turfs (hulls, coloured by status) and doors (points, knocked or not)."""
    features: list[dict] = []
    for t in turfs(actor=actor, effort=effort):
        if not t.hull:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": t.hull,
                "properties": {
                    "kind": "turf",
                    "id": t.pk,
                    "number": t.number,
                    "label": t.label,
                    "status": status_key(t),
                    "doors": t.doors_count,
                    "knocked": t.knocked,
                    "holders": [
                        (a.user.get_full_name() or a.user.get_username()) if a.user else a.team.name
                        for a in t.holders
                    ],
                },
            }
        )
    doors = (
        Door.objects.visible_to(actor)
        .filter(effort=effort, latitude__isnull=False, longitude__isnull=False)
        .values_list("pk", "turf_id", "latitude", "longitude", "knocks", "located")
    )
    for pk, turf_id, lat, lon, knocks, located in doors:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {
                    "kind": "door",
                    "id": pk,
                    "turf": turf_id,
                    "knocked": knocks > 0,
                    "approx": located == Door.Located.AREA,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def canvassers(*, actor: Any, effort: Effort) -> list:
    """Active users who hold ``canvassing.canvass`` and may see the effort (the service checks
    each turf's people again when the turf is checked out)."""
    User = get_user_model()
    roles = [r.pk for r in Role.objects.all() if CANVASS in (r.capabilities or [])]
    candidates = (
        User.objects.filter(is_active=True)
        .filter(Q(roles__in=roles) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "username")
        .prefetch_related("roles")[:MAX_CANVASSERS]
    )
    return access.who_can(effort, candidates, CANVASS)


def teams(*, actor: Any) -> list:
    from grassroots.volunteers.models import Team

    return list(Team.objects.visible_to(actor).order_by("name")[:500])


def walk_people(turf: Turf, actor: Any) -> tuple[QuerySet[Person], list[list[int]]]:
    """The turf's people the actor may see, and each door's person ids in walk order."""
    order: dict[int, list[int]] = {}
    for door_id, person_id in (
        Target.objects.filter(door__turf=turf)
        .order_by("door__position", "door_id", "person_id")
        .values_list("door_id", "person_id")
    ):
        order.setdefault(door_id, []).append(person_id)
    people = Person.objects.visible_to(actor).filter(
        pk__in=[p for ids in order.values() for p in ids]
    )
    return people, list(order.values())
