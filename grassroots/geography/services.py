"""Writes for the area tree, polling stations, elections and races."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.core import audit, events
from grassroots.geography.models import PATH_STEP, Area, AreaKind, Election, PollingStation, Race


def area_kind_ensure(
    *,
    code: str,
    name: str,
    plural: str = "",
    is_polling_unit: bool = False,
    sort_order: int = 100,
    names: dict[str, str] | None = None,
) -> AreaKind:
    """The kind with this code, created if missing. ``names`` (language → name) fills in the
    languages the kind has no name for yet; names already set are kept."""
    kind, _created = AreaKind.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "plural": plural or name,
            "is_polling_unit": is_polling_unit,
            "sort_order": sort_order,
            "names": dict(names or {}),
        },
    )
    missing = {k: v for k, v in (names or {}).items() if v and not kind.names.get(k)}
    if missing:
        kind.names = {**kind.names, **missing}
        kind.save(update_fields=["names"])
    return kind


def _path_for(parent: Area | None, pk: int) -> str:
    return (parent.path if parent else "") + f"{pk:0{PATH_STEP}d}/"


@transaction.atomic
def area_create(
    *,
    actor: Any,
    kind: AreaKind,
    code: str,
    name: str,
    parent: Area | None = None,
    native_name: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    boundary: dict | None = None,
) -> Area:
    code = (code or "").strip()
    if Area.objects.filter(code=code).exists():
        raise ValidationError(
            {"code": _("An area with code %(code)s already exists.") % {"code": code}}
        )
    area = Area(
        kind=kind,
        code=code,
        name=name.strip(),
        native_name=native_name.strip(),
        parent=parent,
        depth=(parent.depth + 1) if parent else 0,
        path="~pending",
        latitude=latitude,
        longitude=longitude,
        boundary=boundary,
    )
    area.path = f"~{code}"[:255]  # unique placeholder until the id is known
    area.full_clean(exclude=["path"])
    area.save()
    area.path = _path_for(parent, area.pk)
    Area.objects.filter(pk=area.pk).update(path=area.path)
    events.publish("area.created", {"area_id": area.pk})
    return area


def areas_bulk_create(rows: list[dict], parent: Area | None) -> list[Area]:
    """Create many sibling areas in two statements (demo seeding, boundary imports)."""
    depth = (parent.depth + 1) if parent else 0
    objs = [Area(parent=parent, depth=depth, path=f"~{r['code']}", **r) for r in rows]
    Area.objects.bulk_create(objs)
    if not all(o.pk for o in objs):  # backends that do not return ids
        objs = list(Area.objects.filter(code__in=[r["code"] for r in rows]))
    for obj in objs:
        obj.path = _path_for(parent, obj.pk)
    Area.objects.bulk_update(objs, ["path"])
    return objs


@transaction.atomic
def polling_station_set(*, actor: Any, area: Area, **fields: Any) -> PollingStation:
    if not area.kind.is_polling_unit:
        raise ValidationError(_("Only a booth/part or precinct has a polling station."))
    station, _created = PollingStation.objects.update_or_create(area=area, defaults=fields)
    return station


@transaction.atomic
def election_create(*, actor: Any, name: str, kind: str, date, area: Area, code: str) -> Election:
    election = Election(name=name, kind=kind, date=date, area=area, code=code)
    election.full_clean()
    election.save()
    audit.record(actor=actor, action="election.created", obj=election)
    return election


@transaction.atomic
def race_create(
    *,
    actor: Any,
    election: Election,
    area: Area,
    office: str,
    seats: int = 1,
    candidates: list | None = None,
) -> Race:
    race = Race(
        election=election, area=area, office=office, seats=seats, candidates=candidates or []
    )
    race.full_clean()
    race.save()
    return race
