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


def points_by_person(since: dt.datetime | None = None) -> dict[int, float]:
    """Everyone's points since ``since`` (all time for ``None``), by person id."""
    from grassroots.volunteers.models import PointRule

    rules = {r.source: float(r.points) for r in PointRule.objects.all()}
    totals: dict[int, float] = {}
    for source in sources:
        weight = rules.get(source.key, 0.0)
        if not weight:
            continue
        for person_id, units in source.units(since).items():
            totals[person_id] = totals.get(person_id, 0.0) + float(units) * weight
    return totals
