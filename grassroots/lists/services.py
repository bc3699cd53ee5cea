"""Writes: segments and lists. Each service checks, writes, audits, in one transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import access, audit
from grassroots.core.exceptions import Forbidden
from grassroots.core.ids import parse_ids
from grassroots.geography.selectors import home_area
from grassroots.lists import selectors
from grassroots.lists.models import ListMember, PersonList, Segment, Visibility

MAX_NAME = 120


CAPABILITY = "lists.manage"


def _clean_meta(name: str, visibility: str) -> tuple[str, str]:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give it a name.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("At most %(n)s characters.") % {"n": MAX_NAME}
    if visibility not in Visibility.values:
        errors["visibility"] = _("Choose who it is shared with.")
    if errors:
        raise ValidationError(errors)
    return name, visibility


def _owned(actor: Any, obj) -> None:
    """Capability, then scope (out of sight = 404), then ownership: a shared segment one may
    see is still changed only by its owner (403, since one can see it)."""
    access.require(actor, CAPABILITY)
    access.require_object(actor, None, obj, access.VIEW)
    mine = access.is_system(actor) or getattr(actor, "is_superuser", False)
    if not mine and obj.owner_id != actor.pk:
        raise Forbidden(_("Only its owner can change it."))


@transaction.atomic
def segment_create(
    *, actor: Any, name: str, definition: dict, description: str = "", visibility: str = "private"
) -> Segment:
    access.require(actor, CAPABILITY)
    name, visibility = _clean_meta(name, visibility)
    selectors.compiler_for(actor).compile(definition)  # refuse what cannot run
    segment = Segment.objects.create(
        name=name,
        description=(description or "").strip(),
        definition=definition,
        owner=access.user_or_none(actor),
        area=home_area(actor),
        visibility=visibility,
    )
    audit.record(actor=actor, action="segment.created", obj=segment, detail={"name": name})
    return segment


@transaction.atomic
def segment_update(
    *,
    actor: Any,
    segment: Segment,
    name: str | None = None,
    definition: dict | None = None,
    description: str | None = None,
    visibility: str | None = None,
) -> Segment:
    _owned(actor, segment)
    name, visibility = _clean_meta(
        segment.name if name is None else name,
        segment.visibility if visibility is None else visibility,
    )
    if definition is not None:
        selectors.compiler_for(actor).compile(definition, segment_id=segment.pk)
        segment.definition = definition
    segment.name, segment.visibility = name, visibility
    if description is not None:
        segment.description = description.strip()
    segment.updated_at = timezone.now()
    segment.save()
    audit.record(actor=actor, action="segment.updated", obj=segment, detail={"name": name})
    return segment


@transaction.atomic
def segment_delete(*, actor: Any, segment: Segment) -> None:
    _owned(actor, segment)
    audit.record(actor=actor, action="segment.deleted", obj=segment, detail={"name": segment.name})
    segment.delete()


def _insert_members(person_list: PersonList, people_qs) -> int:
    """INSERT … SELECT: members go in in one statement, whatever their number."""
    sql, params = people_qs.order_by().values("id").query.sql_with_params()
    now = timezone.now()
    table = ListMember._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (list_id, person_id, added_at) "  # noqa: S608 (our own names)
            f"SELECT %s, m.id, %s FROM ({sql}) m "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} x WHERE x.list_id = %s AND x.person_id = m.id)",
            [person_list.pk, now, *params, person_list.pk],
        )
        return cur.rowcount


@transaction.atomic
def list_freeze(
    *, actor: Any, segment: Segment, name: str = "", visibility: str | None = None
) -> PersonList:
    """A snapshot: who is in the segment now (within the actor's scope), and when."""
    access.require(actor, CAPABILITY)
    now = timezone.now()
    people = selectors.segment_people(actor=actor, definition=segment.definition, now=now)
    label = name or _("%(name)s — %(when)s") % {
        "name": segment.name,
        "when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
    }
    label, visibility = _clean_meta(label[:MAX_NAME], visibility or segment.visibility)
    person_list = PersonList.objects.create(
        name=label,
        source=PersonList.Source.SEGMENT,
        segment=segment,
        definition=segment.definition,
        frozen_at=now,
        owner=access.user_or_none(actor),
        area=home_area(actor),
        visibility=visibility,
    )
    size = _insert_members(person_list, people)
    PersonList.objects.filter(pk=person_list.pk).update(size=size)
    person_list.size = size
    audit.record(
        actor=actor,
        action="list.frozen",
        obj=person_list,
        detail={"segment_id": segment.pk, "size": size},
    )
    return person_list


@transaction.atomic
def list_create(
    *,
    actor: Any,
    name: str,
    person_ids: list[int] | None = None,
    description: str = "",
    visibility: str = "private",
    source: str = PersonList.Source.MANUAL,
) -> PersonList:
    access.require(actor, CAPABILITY)
    name, visibility = _clean_meta(name, visibility)
    person_list = PersonList.objects.create(
        name=name,
        description=(description or "").strip(),
        source=source,
        owner=access.user_or_none(actor),
        area=home_area(actor),
        visibility=visibility,
    )
    if person_ids:
        list_add_people(actor=actor, person_list=person_list, person_ids=person_ids)
    audit.record(actor=actor, action="list.created", obj=person_list, detail={"name": name})
    return person_list


def _clean_ids(person_ids) -> list[int]:
    ids, bad = parse_ids(person_ids)
    if bad:
        raise ValidationError({"person_ids": _("Not a person id: %(v)s") % {"v": bad[0]}})
    return ids


@transaction.atomic
def list_add_people(*, actor: Any, person_list: PersonList, person_ids) -> dict[str, int]:
    """Add people by id; ids the actor cannot see (or that do not exist) are counted, not added."""
    _owned(actor, person_list)
    ids = _clean_ids(person_ids)
    added = 0
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        visible = selectors.person_visible_to(actor).filter(pk__in=chunk)
        added += _insert_members(person_list, visible)
    size = ListMember.objects.filter(list=person_list).count()
    PersonList.objects.filter(pk=person_list.pk).update(size=size, updated_at=timezone.now())
    person_list.size = size
    audit.record(actor=actor, action="list.people_added", obj=person_list, detail={"added": added})
    return {"added": added, "skipped": len(ids) - added}


@transaction.atomic
def list_remove_people(*, actor: Any, person_list: PersonList, person_ids) -> int:
    _owned(actor, person_list)
    ids = _clean_ids(person_ids)
    removed = 0
    for start in range(0, len(ids), 5000):
        removed += ListMember.objects.filter(
            list=person_list, person_id__in=ids[start : start + 5000]
        ).delete()[0]
    size = ListMember.objects.filter(list=person_list).count()
    PersonList.objects.filter(pk=person_list.pk).update(size=size, updated_at=timezone.now())
    person_list.size = size
    audit.record(
        actor=actor, action="list.people_removed", obj=person_list, detail={"removed": removed}
    )
    return removed


@transaction.atomic
def list_delete(*, actor: Any, person_list: PersonList) -> None:
    _owned(actor, person_list)
    audit.record(
        actor=actor, action="list.deleted", obj=person_list, detail={"name": person_list.name}
    )
    person_list.delete()
