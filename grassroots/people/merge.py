"""Merging duplicate people, and undoing a merge.

Every model with a foreign key to ``Person`` takes part automatically (found through
``Person._meta.related_objects``), so apps added later — donations, RSVPs, canvass results —
move with the merge without any change here. A row that would break a unique rule on the
survivor (the same tag twice, the same phone twice) is removed and kept in the merge record,
so undo can put it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import access, audit, events
from grassroots.people.models import DuplicatePair, MergeRecord, Person
from grassroots.people.services import PERSON_FIELDS, apply_person_fields
from grassroots.people.votes import vote_summary_refresh

SKIP_RELATED = {DuplicatePair}


def _related():
    for rel in Person._meta.related_objects:
        if rel.many_to_many or rel.related_model in SKIP_RELATED:
            continue
        yield rel.related_model, rel.field


def _dump(obj) -> Any:
    return json.loads(serializers.serialize("json", [obj]))[0]


def _load(data: Any):
    return next(serializers.deserialize("json", json.dumps([data]))).object


@transaction.atomic
def person_merge(
    *,
    actor: Any,
    survivor: Person,
    loser: Person,
    take_from_loser: Iterable[str] = (),
    audit_detail: dict[str, Any] | None = None,
) -> MergeRecord:
    """Fold ``loser`` into ``survivor``; fields in ``take_from_loser`` take the loser's value.

    ``audit_detail`` is added to the audit record (auto-merge says so there)."""
    if survivor.pk == loser.pk:
        raise ValidationError(_("A person cannot be merged with themself."))
    take = [f for f in take_from_loser if f]
    unknown = [f for f in take if f not in PERSON_FIELDS]
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(unknown)}")
    locked = {
        p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[survivor.pk, loser.pk])
    }
    if len(locked) != 2:
        raise ValidationError(_("One of these people no longer exists (already merged?)."))
    survivor, loser = locked[survivor.pk], locked[loser.pk]
    record = MergeRecord(
        survivor_id=survivor.pk,
        loser_id=loser.pk,
        loser_snapshot=_dump(loser),
        actor=access.user_or_none(actor),
    )
    moved, removed = [], []
    for model, field in _related():
        for obj in model.objects.filter(**{field.attname: loser.pk}):
            try:
                with transaction.atomic():
                    model.objects.filter(pk=obj.pk).update(**{field.attname: survivor.pk})
                moved.append([model._meta.label, obj.pk, field.attname])
            except IntegrityError:  # the survivor already has the same row
                removed.append([model._meta.label, _dump(obj)])
                obj.delete()
    current = _dump(survivor)["fields"]
    record.survivor_before = {f: current.get(f) for f in take}
    if take:
        apply_person_fields(survivor, {f: getattr(loser, f) for f in take})
    last = [d for d in (survivor.last_contacted_at, loser.last_contacted_at) if d]
    survivor.last_contacted_at = max(last) if last else None
    survivor.save()
    vote_summary_refresh([survivor.pk])  # the loser's votes are the survivor's now
    DuplicatePair.objects.filter(
        Q(low=min(survivor.pk, loser.pk), high=max(survivor.pk, loser.pk))
    ).update(status=DuplicatePair.Status.MERGED, decided_at=timezone.now(), decided_by=record.actor)
    # Other candidate pairs of the loser are dropped; the next dedupe run finds them again.
    DuplicatePair.objects.filter(Q(low=loser) | Q(high=loser)).exclude(
        status=DuplicatePair.Status.MERGED
    ).delete()
    merged_pair = list(
        DuplicatePair.objects.filter(
            low=min(survivor.pk, loser.pk), high=max(survivor.pk, loser.pk)
        ).values("id", "score", "reasons", "status")
    )
    record.moved, record.removed = moved, removed
    record.loser_snapshot["pair"] = merged_pair
    # The pair row points at the loser; keep it as a record, then let the cascade remove it.
    loser.delete()
    record.save()
    audit.record(
        actor=actor,
        action="person.merged",
        obj=survivor,
        detail={
            "loser_id": record.loser_id,
            "moved": len(moved),
            "removed": len(removed),
            "fields": take,
            **(audit_detail or {}),
        },
    )
    events.publish("person.merged", {"survivor_id": survivor.pk, "loser_id": record.loser_id})
    return record


@transaction.atomic
def person_merge_undo(*, actor: Any, record: MergeRecord) -> Person:
    """Bring the merged-away person back with everything that was theirs."""
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    if record.undone_at is not None:
        raise ValidationError(_("This merge was already undone."))
    survivor = Person.objects.select_for_update().filter(pk=record.survivor_id).first()
    if survivor is None:
        raise ValidationError(
            _("The surviving person no longer exists; this merge cannot be undone.")
        )
    later = MergeRecord.objects.filter(
        survivor_id=record.survivor_id, created_at__gt=record.created_at, undone_at__isnull=True
    ).exists()
    if later:
        raise ValidationError(_("Undo the later merges into this person first."))
    snapshot = dict(record.loser_snapshot)
    pairs = snapshot.pop("pair", [])
    loser = _load(snapshot)
    loser.save(force_insert=True)
    for label, pk, attname in record.moved:
        apps.get_model(label).objects.filter(pk=pk).update(**{attname: loser.pk})
    for _label, data in record.removed:
        _load(data).save(force_insert=True)
    if record.survivor_before:
        restored = _load(
            {**_dump(survivor), "fields": {**_dump(survivor)["fields"], **record.survivor_before}}
        )
        for name in record.survivor_before:
            field = Person._meta.get_field(name)
            setattr(survivor, field.attname, getattr(restored, field.attname))
        apply_person_fields(survivor, {})
        survivor.save()
    for pair in pairs:
        DuplicatePair.objects.update_or_create(
            low_id=min(survivor.pk, loser.pk),
            high_id=max(survivor.pk, loser.pk),
            defaults={
                "score": pair["score"],
                "reasons": pair["reasons"],
                "status": DuplicatePair.Status.PENDING,
            },
        )
    survivor.last_contacted_at = (
        apps.get_model("people", "Interaction")
        .objects.filter(person=survivor)
        .aggregate(m=Max("occurred_at"))["m"]
    )
    survivor.save(update_fields=["last_contacted_at"])
    vote_summary_refresh([survivor.pk, loser.pk])
    record.undone_at = timezone.now()
    record.save(update_fields=["undone_at"])
    audit.record(
        actor=actor, action="person.merge_undone", obj=loser, detail={"survivor_id": survivor.pk}
    )
    events.publish("person.unmerged", {"survivor_id": survivor.pk, "person_id": loser.pk})
    return loser


@transaction.atomic
def duplicate_mark_distinct(*, actor: Any, pair: DuplicatePair) -> DuplicatePair:
    """ "Not a duplicate": remembered, so later dedupe runs never propose the pair again."""
    pair.status = DuplicatePair.Status.DISTINCT
    pair.decided_by = access.user_or_none(actor)
    pair.decided_at = timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action="person.not_duplicate",
        obj=pair,
        detail={"low": pair.low_id, "high": pair.high_id},
    )
    return pair
