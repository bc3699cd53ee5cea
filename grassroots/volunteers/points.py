"""Points for the leaderboards: a registry of sources, each worth what its ``PointRule`` says.

A source counts *units* per person since a moment (``None``: all time); ``PointRule`` rows
(data, seeded by a migration, edited by admins) say how many points one unit is worth. Later
apps register theirs in ``AppConfig.ready()`` without touching this one::

    from grassroots.volunteers import points

    points.register(points.PointSource(
        key="doors", label=_("Doors knocked"),
        units=lambda since: dict(Interaction.objects.filter(channel="door", ...)
                                 .values_list("actor_person_id").annotate(Count("id"))),
    ))

A source without a ``PointRule`` row (or with 0 points) counts for nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from grassroots.core.registry import Registry


@dataclass
class PointSource:
    key: str
    label: Any
    units: Callable[[dt.datetime | None], dict[int, float]]  # person_id → units since
    order: int = 100


sources = Registry()


def register(source: PointSource) -> PointSource:
    if any(s.key == source.key for s in sources.items):
        return source
    return sources.register(source)


def _shifts(since):
    from grassroots.volunteers.models import HoursEntry

    qs = HoursEntry.objects.filter(status="approved", source="shift")
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return dict(
        qs.values_list("volunteer__person_id")
        .annotate(n=Count("id"))
        .values_list("volunteer__person_id", "n")
    )


def _hours(since):
    from grassroots.volunteers.models import HoursEntry

    qs = HoursEntry.objects.filter(status="approved")
    if since is not None:
        qs = qs.filter(decided_at__gte=since)
    return {
        pid: float(h or 0)
        for pid, h in qs.values_list("volunteer__person_id")
        .annotate(h=Sum("hours"))
        .values_list("volunteer__person_id", "h")
    }


def _tasks(since):
    from grassroots.volunteers.models import TaskAssignment

    qs = TaskAssignment.objects.filter(status="done")
    if since is not None:
        qs = qs.filter(completed_at__gte=since)
    return dict(
        qs.values_list("volunteer__person_id")
        .annotate(n=Count("id"))
        .values_list("volunteer__person_id", "n")
    )


def register_builtins() -> None:
    register(PointSource("shift_attended", _("Shifts attended"), _shifts, 10))
    register(PointSource("hours", _("Approved hours"), _hours, 20))
    register(PointSource("task_done", _("Tasks completed"), _tasks, 30))


def _rules() -> dict[str, float]:
    from grassroots.volunteers.models import PointRule

    return {r.source: float(r.points) for r in PointRule.objects.all()}


def _fingerprint(rules: dict[str, float]) -> str:
    return ";".join(f"{k}={v:g}" for k, v in sorted(rules.items()) if v)[:500]


def _weighted(since: dt.datetime | None, rules: dict[str, float]) -> dict[int, float]:
    totals: dict[int, float] = {}
    for source in sources:
        weight = rules.get(source.key, 0.0)
        if not weight:
            continue
        for person_id, units in source.units(since).items():
            totals[person_id] = totals.get(person_id, 0.0) + float(units) * weight
    return totals


def points_by_person(since: dt.datetime | None = None) -> dict[int, float]:
    """Everyone's points since ``since`` (all time for ``None``), by person id, summed from the
    sources now (see ``totals`` for the leaderboards' faster way)."""
    return _weighted(since, _rules())


def invalidate() -> None:
    """Forget the snapshot of past weeks' points: a source whose units *before this week*
    changed (a shift marked a no-show afterwards, a record deleted) calls this; the next
    leaderboard rebuilds it."""
    from grassroots.volunteers.models import PointSnapshot

    PointSnapshot.objects.all().delete()


def _snapshot(as_of: dt.datetime, rules: dict[str, float], people=None) -> dict[int, float]:
    """Everyone's points before ``as_of``: the stored snapshot, or built now (all time minus
    since ``as_of``: a record made between the two sums is counted once either way)."""
    from grassroots.core.bulk import insert_rows
    from grassroots.volunteers.models import PointSnapshot, PointTotal

    fingerprint = _fingerprint(rules)
    snap = PointSnapshot.objects.filter(as_of=as_of, rules=fingerprint).order_by("-id").first()
    if snap is not None:
        qs = PointTotal.objects.filter(snapshot=snap)
        if people is not None:
            qs = qs.filter(person_id__in=people)
        return dict(qs.values_list("person_id", "points"))
    everything = _weighted(None, rules)
    recent = _weighted(as_of, rules)
    before = {pid: p - recent.get(pid, 0.0) for pid, p in everything.items()}
    before = {pid: p for pid, p in before.items() if abs(p) > 1e-9}
    with transaction.atomic():
        PointSnapshot.objects.all().delete()
        snap = PointSnapshot.objects.create(as_of=as_of, rules=fingerprint)
        insert_rows(PointTotal, [{"snapshot_id": snap.pk, "person_id": pid, "points": p}
                                 for pid, p in before.items()], batch_rows=5000)  # fmt: skip
    return before


def totals(
    week_start: dt.datetime, people: Any = None
) -> tuple[dict[int, float], dict[int, float]]:
    """All-time points and those since ``week_start``, by person id: the snapshot of the weeks
    before (``PointSnapshot``) plus the live points since ``week_start`` (each source's short
    range, on an index). Same figures as ``points_by_person``, without summing every record
    ever on every request. ``people`` (a subquery of person ids) narrows what is read of the
    snapshot (a team's or an area's board); the others may be in the result too."""
    rules = _rules()
    before = _snapshot(week_start, rules, people)
    this_week = _weighted(week_start, rules)
    all_time = dict(before)
    for pid, p in this_week.items():
        all_time[pid] = all_time.get(pid, 0.0) + p
    return all_time, this_week
