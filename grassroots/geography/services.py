"""Writes for the area tree, polling stations, elections and races."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from grassroots.core import access, audit, events
from grassroots.core.exceptions import Invalid, NotFound
from grassroots.geography.models import PATH_STEP, Area, AreaKind, Election, PollingStation, Race

EDIT = "geography.edit"


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
    """A new area under ``parent``. A scoped user creates areas only inside their scope (the
    parent must be one of their areas or below); a top-level area needs a campaign-wide user."""
    _require_parent(actor, parent)
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


def _campaign_wide(actor: Any) -> bool:
    return access.is_system(actor) or bool(getattr(actor, "sees_everything", False))


def _require_parent(actor: Any, parent: Area | None) -> None:
    """The capability (403), then the parent inside the actor's scope (a parent outside it is
    unknown, like a missing one); no parent (a new top of the tree) only campaign-wide."""
    access.require(actor, EDIT)
    if parent is None:
        if not _campaign_wide(actor):
            raise Invalid({"parent": _("Choose a parent area in your scope.")})
    elif not access.is_visible(parent, actor, access.CHANGE):
        raise Invalid({"parent": _("Unknown area code “%(code)s”.") % {"code": parent.code}})


@transaction.atomic
def area_update(
    *,
    actor: Any,
    area: Area,
    name: str | None = None,
    native_name: str | None = None,
    kind: AreaKind | None = None,
    code: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    boundary: dict | None = None,
    set_location: bool = False,
) -> Area:
    """Rename, re-kind or re-code an area in the actor's scope (its place in the tree is
    ``area_move``). With ``set_location``, latitude, longitude and boundary are set (even to
    none); without it they are set only when given."""
    access.require_object(actor, EDIT, area)
    area = Area.objects.select_for_update().get(pk=area.pk)
    before = {f: getattr(area, f) for f in ("name", "native_name", "kind_id", "code")}
    if name is not None:
        area.name = name.strip()
    if native_name is not None:
        area.native_name = native_name.strip()
    if kind is not None:
        area.kind = kind
    if code is not None:
        code = code.strip()
        if code != area.code and Area.objects.filter(code=code).exclude(pk=area.pk).exists():
            raise Invalid(
                {"code": _("An area with code %(code)s already exists.") % {"code": code}}
            )
        area.code = code
    for field, value in (("latitude", latitude), ("longitude", longitude), ("boundary", boundary)):
        if set_location or value is not None:
            setattr(area, field, value)
    try:
        area.full_clean(exclude=["path", "parent"])
    except ValidationError as exc:
        raise Invalid(exc.message_dict) from exc
    area.save()
    changed = sorted(f for f, v in before.items() if getattr(area, f) != v)
    if changed:
        audit.record(actor=actor, action="area.updated", obj=area, detail={"fields": changed})
    return area


@transaction.atomic
def area_move(*, actor: Any, area: Area, parent: Area | None) -> Area:
    """Put ``area`` (and everything below it) under ``parent``: one ``UPDATE`` re-paths the
    subtree (ADR 0003), in this transaction. People, households and everything else point to
    areas by id, so they follow; scopes (by area) follow too. Refused: moving an area under
    itself or one of its descendants, or out of or into somewhere outside the actor's scope."""
    access.require_object(actor, EDIT, area)
    _require_parent(actor, parent)
    locked = {
        a.pk: a
        for a in Area.objects.select_for_update().filter(
            pk__in=[area.pk, *([parent.pk] if parent else [])]
        )
    }
    area = locked.get(area.pk)
    if area is None:
        raise NotFound
    parent = locked.get(parent.pk) if parent is not None else None
    if parent is not None and parent.path.startswith(area.path):
        raise Invalid(
            {
                "parent": _(
                    "%(parent)s is %(area)s or inside it: an area cannot move under itself."
                )
                % {"parent": parent.code, "area": area.code}
            }
        )
    if area.parent_id == (parent.pk if parent else None):
        return area
    old_path, old_parent_id = area.path, area.parent_id
    new_path = _path_for(parent, area.pk)
    delta = ((parent.depth + 1) if parent else 0) - area.depth
    if len(new_path) - len(old_path) > 0:
        deepest = (
            Area.objects.filter(path__startswith=old_path).order_by("-depth").values("depth")[:1]
        )
        bottom = deepest[0]["depth"] if deepest else area.depth
        if (bottom + delta + 1) * (PATH_STEP + 1) > Area._meta.get_field("path").max_length:
            raise Invalid({"parent": _("The tree would be too deep there.")})
    Area.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + delta,
    )
    Area.objects.filter(pk=area.pk).update(parent=parent)
    area.refresh_from_db()
    audit.record(
        actor=actor,
        action="area.moved",
        obj=area,
        detail={"from_parent": old_parent_id, "to_parent": parent.pk if parent else None},
    )
    events.publish(
        "area.moved",
        {"area_id": area.pk, "from_parent_id": old_parent_id, "to_parent_id": area.parent_id},
    )
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
def election_create(
    *, actor: Any, name: str, kind: str, date, area: Area, code: str, polls_close=None
) -> Election:
    """An election held in ``area`` (inside the actor's scope)."""
    access.require_object(actor, EDIT, area)
    election = Election(name=name, kind=kind, date=date, area=area, code=code)
    if polls_close is not None:
        election.polls_close = polls_close
    try:
        election.full_clean()
    except ValidationError as exc:
        raise Invalid(exc.message_dict) from exc
    election.save()
    audit.record(actor=actor, action="election.created", obj=election)
    return election


@transaction.atomic
def election_update(*, actor: Any, election: Election, **fields: Any) -> Election:
    """Change an election held in the actor's scope (name, kind, date, polls close, area,
    code); a new area must be in the scope too."""
    access.require_object(actor, EDIT, election.area)
    area = fields.get("area")
    if area is not None and area.pk != election.area_id:
        access.require_object(actor, EDIT, area)
    allowed = {"name", "kind", "date", "polls_close", "area", "code"}
    for key, value in fields.items():
        if key not in allowed:
            raise TypeError(f"unknown election field {key}")
        setattr(election, key, value)
    try:
        election.full_clean()
    except ValidationError as exc:
        raise Invalid(exc.message_dict) from exc
    election.save()
    audit.record(actor=actor, action="election.updated", obj=election)
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
