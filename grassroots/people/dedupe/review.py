"""Reviewing duplicates: the scoped queue, the side-by-side comparison, decisions, auto-merge.

``dedupe`` finds pairs and ``merge`` folds one person into another; this module is what the
review screens, the API and the dedupe job call. A reviewer sees a pair only when *both* people
are inside their geographic scope; anything else answers like a missing pair. Every decision
goes through ``merge`` (which audits) after checking that the pair is still waiting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from grassroots.core import access, audit
from grassroots.core.exceptions import Conflict
from grassroots.geography.selectors import area_visible_to, scope_paths, scope_q
from grassroots.people import merge
from grassroots.people.models import (
    Consent,
    ContactPoint,
    DedupeSettings,
    DuplicatePair,
    ExternalId,
    ImportBatch,
    ImportChange,
    Interaction,
    MergeRecord,
    Note,
    Person,
    Tagging,
    VoteHistory,
)

CAPABILITY = "people.merge"
# Auto-merge needs a high bar: below this a father and son at one door can look alike.
AUTO_MERGE_MIN = 0.9
STATUSES = {
    "pending": DuplicatePair.Status.PENDING,
    "distinct": DuplicatePair.Status.DISTINCT,
}


class DuplicateError(Conflict):
    """A decision that cannot be made now (already decided, merged away…), with a clear message."""


def can_review(actor: Any) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.has_capability(CAPABILITY)
    )


def require_review(actor: Any) -> None:
    if not can_review(actor):
        raise PermissionDenied(_("You may not merge people."))


# --- reasons, in words -------------------------------------------------------------------------

_REASONS = {
    "same identifier": gettext_lazy("same identifier"),
    "identifiers one character apart": gettext_lazy("identifiers one character apart"),
    "same phone": gettext_lazy("same phone"),
    "phone numbers one digit apart": gettext_lazy("phone numbers one digit apart"),
    "same email": gettext_lazy("same email"),
    "same birth date": gettext_lazy("same birth date"),
    "same age": gettext_lazy("same age"),
    "birth dates differ by one digit": gettext_lazy("birth dates differ by one digit"),
    "birth dates within six months": gettext_lazy("birth dates within six months"),
    "ages a year apart": gettext_lazy("ages a year apart"),
    "same name": gettext_lazy("same name"),
    "same given name": gettext_lazy("same given name"),
    "same address": gettext_lazy("same address"),
    "same postal code": gettext_lazy("same postal code"),
}
_SCORED_REASONS = [
    (re.compile(r"^names similar in another order or script \(([\d.]+)\)$"),
     gettext_lazy("names similar in another order or script (%(score)s)")),
    (re.compile(r"^names similar \(([\d.]+)\)$"), gettext_lazy("names similar (%(score)s)")),
    (re.compile(r"^similar address \(([\d.]+)\)$"), gettext_lazy("similar address (%(score)s)")),
]  # fmt: skip


def reason_label(reason: str) -> str:
    """One of ``dedupe``'s reasons in the reader's language (unknown ones as they are)."""
    if reason in _REASONS:
        return str(_REASONS[reason])
    for pattern, label in _SCORED_REASONS:
        m = pattern.match(reason)
        if m:
            return str(label) % {"score": m.group(1)}
    return reason


def reason_labels(reasons: Iterable[str]) -> list[str]:
    return [reason_label(r) for r in reasons or []]


# --- selectors ---------------------------------------------------------------------------------


def pair_visible_to(actor: Any) -> QuerySet[DuplicatePair]:
    """Pairs whose two people both lie inside the actor's scope."""
    return DuplicatePair.objects.filter(scope_q(actor, "low__area") & scope_q(actor, "high__area"))


def pair_list(
    *, actor: Any, status: str = "pending", min_score: float | None = None
) -> QuerySet[DuplicatePair]:
    """The queue: best score first, with what a row shows loaded in the same query."""
    qs = pair_visible_to(actor).filter(status=STATUSES.get(status, DuplicatePair.Status.PENDING))
    if min_score is not None:
        qs = qs.filter(score__gte=min_score)
    return qs.select_related(
        "low__area", "high__area", "low__household__address", "high__household__address",
        "decided_by",
    ).order_by("-score", "id")  # fmt: skip


def pair_get(*, actor: Any, low: int, high: int) -> DuplicatePair | None:
    low, high = min(low, high), max(low, high)
    return (
        pair_visible_to(actor)
        .select_related("low", "high", "decided_by")
        .filter(low_id=low, high_id=high)
        .first()
    )


def pair_neighbours(
    *, actor: Any, score: float, pk: int, min_score: float | None = None
) -> tuple[DuplicatePair | None, DuplicatePair | None]:
    """The pending pairs before and after the pair (``score``, ``pk``) in the queue's order
    (score down, then id); the pair itself need not exist any more (just merged)."""
    qs = pair_list(actor=actor, status="pending", min_score=min_score).exclude(pk=pk)
    qs = qs.select_related(None).only("id", "low_id", "high_id", "score")
    after = qs.filter(Q(score__lt=score) | Q(score=score, id__gt=pk)).first()
    before = qs.filter(Q(score__gt=score) | Q(score=score, id__lt=pk)).order_by("score", "-id")
    return before.first(), after


def merge_visible_to(actor: Any) -> QuerySet[MergeRecord]:
    """Merges whose surviving person the actor can see."""
    qs = MergeRecord.objects.select_related("actor")
    if scope_paths(actor) is None:
        return qs
    return qs.filter(survivor_id__in=Person.objects.filter(scope_q(actor, "area")).values("id"))


def merge_list(*, actor: Any) -> QuerySet[MergeRecord]:
    return merge_visible_to(actor).order_by("-created_at", "-id")


def counts(*, actor: Any) -> dict[str, int]:
    by_status = dict(
        pair_visible_to(actor).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {
        "pending": by_status.get(DuplicatePair.Status.PENDING, 0),
        "distinct": by_status.get(DuplicatePair.Status.DISTINCT, 0),
        "merged": merge_visible_to(actor).count(),  # the tab lists undone merges too
    }


def person_pairs(*, actor: Any, person: Person) -> list[DuplicatePair]:
    """Pending pairs involving ``person`` (the other person inside the actor's scope too)."""
    return list(
        pair_visible_to(actor)
        .filter(Q(low=person) | Q(high=person), status=DuplicatePair.Status.PENDING)
        .select_related("low__area", "high__area")
        .order_by("-score", "id")[:20]
    )


def person_merges(*, actor: Any, person: Person) -> list[MergeRecord]:
    """Merges into ``person`` that can still be undone."""
    return list(
        merge_visible_to(actor)
        .filter(survivor_id=person.pk, undone_at__isnull=True)
        .order_by("-created_at")[:20]
    )


def already_merged(*, actor: Any, low: int, high: int) -> MergeRecord | None:
    """Why a pair has gone: the merge of one of the two into the other (or of one elsewhere)."""
    ids = [low, high]
    return (
        merge_visible_to(actor)
        .filter(Q(survivor_id__in=ids, loser_id__in=ids) | Q(loser_id__in=ids))
        .filter(undone_at__isnull=True)
        .order_by("-created_at")
        .first()
    )


def merge_get(*, actor: Any, pk: int) -> MergeRecord | None:
    return merge_visible_to(actor).filter(pk=pk).first()


def loser_name(record: MergeRecord) -> str:
    fields = (record.loser_snapshot or {}).get("fields", {})
    return fields.get("full_name") or fields.get("given_name") or f"#{record.loser_id}"


def _area_in_scope(actor: Any, area_id: int | None) -> bool:
    if scope_paths(actor) is None:
        return True
    return area_id is not None and area_visible_to(actor).filter(pk=area_id).exists()


def can_undo(actor: Any, record: MergeRecord) -> bool:
    """Undo needs both people inside the actor's scope (the merged-away one as it was)."""
    if record.undone_at is not None:
        return False
    area = (record.loser_snapshot or {}).get("fields", {}).get("area")
    return _area_in_scope(actor, area)


# --- comparing two people ----------------------------------------------------------------------

RELATED_COUNTS = [
    ("notes", gettext_lazy("Notes"), Note),
    ("interactions", gettext_lazy("Interactions"), Interaction),
    ("consents", gettext_lazy("Consent records"), Consent),
    ("votes", gettext_lazy("Vote history"), VoteHistory),
]


def related_counts(person_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per person: how many notes, interactions, consent records, votes, contact points, ids and
    tags they have (one grouped query per kind)."""
    ids = list(person_ids)
    out: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    kinds = [(key, model) for key, _label, model in RELATED_COUNTS] + [
        ("contact_points", ContactPoint),
        ("external_ids", ExternalId),
        ("tags", Tagging),
    ]
    for key, model in kinds:
        for start in range(0, len(ids), 5000):
            rows = (
                model.objects.filter(person_id__in=ids[start : start + 5000])
                .values_list("person_id")
                .annotate(n=Count("id"))
                .order_by()
            )
            for pk, n in rows:
                out[pk][key] = n
    for value in out.values():
        for key, _model in kinds:
            value.setdefault(key, 0)
    return out


@dataclass
class IdConflict:
    """Two people carrying different identifiers of one register (namespace): two EPIC
    numbers, two state voter ids. One person has one entry in a register, so this is evidence
    against a match; on an Indian roll it is a roll problem to report, not to merge."""

    namespace: str
    low: list[str]
    high: list[str]


def conflicting_ids(low_id: int, high_id: int) -> list[IdConflict]:
    """The namespaces in which both people have identifiers and share none (one query)."""
    by_person: dict[int, dict[str, set[str]]] = {low_id: {}, high_id: {}}
    rows = ExternalId.objects.filter(person_id__in=[low_id, high_id]).values_list(
        "person_id", "namespace", "value"
    )
    for person_id, namespace, value in rows:
        by_person[person_id].setdefault(namespace, set()).add(value)
    low, high = by_person[low_id], by_person[high_id]
    return [
        IdConflict(namespace, sorted(low[ns]), sorted(high[ns]))
        for ns in sorted(low.keys() & high.keys())
        if not low[ns] & high[ns]
    ]


def pairs_with_conflicting_ids(pair_ids: Iterable[int]) -> set[int]:
    """Of these pairs, those whose two people carry different identifiers of one namespace
    (one query per 2,000 pairs): auto-merge leaves them to a person."""
    ids = list(pair_ids)
    out: set[int] = set()
    for start in range(0, len(ids), 2000):
        pairs = list(
            DuplicatePair.objects.filter(pk__in=ids[start : start + 2000]).values_list(
                "id", "low_id", "high_id"
            )
        )
        people = {pid for _pk, a, b in pairs for pid in (a, b)}
        held: dict[int, dict[str, set[str]]] = {}
        for person_id, namespace, value in ExternalId.objects.filter(
            person_id__in=people
        ).values_list("person_id", "namespace", "value"):
            held.setdefault(person_id, {}).setdefault(namespace, set()).add(value)
        for pk, a, b in pairs:
            ids_a, ids_b = held.get(a, {}), held.get(b, {})
            if any(not ids_a[ns] & ids_b[ns] for ns in ids_a.keys() & ids_b.keys()):
                out.add(pk)
    return out


@dataclass
class FieldGroup:
    key: str
    label: Any
    fields: tuple[str, ...]


FIELD_GROUPS = [
    FieldGroup("given_name", gettext_lazy("Given name"), ("given_name",)),
    FieldGroup("middle_name", gettext_lazy("Middle name"), ("middle_name",)),
    FieldGroup("family_name", gettext_lazy("Family name"), ("family_name",)),
    FieldGroup("native_name", gettext_lazy("Name in native script"), ("native_name",)),
    FieldGroup("gender", gettext_lazy("Gender"), ("gender",)),
    FieldGroup("birth", gettext_lazy("Birth date / age"), ("birth_date", "age", "age_as_of")),
    FieldGroup("relative", gettext_lazy("Relative"), ("relation_type", "relative_name")),
    FieldGroup("household", gettext_lazy("Address / household"), ("household",)),
    FieldGroup("area", gettext_lazy("Area"), ("area",)),
    FieldGroup("serial_number", gettext_lazy("Serial number in part"), ("serial_number",)),
    FieldGroup("preferred_language", gettext_lazy("Preferred language"), ("preferred_language",)),
    FieldGroup("support_score", gettext_lazy("Support score"), ("support_score",)),
    FieldGroup("status", gettext_lazy("Status"), ("status",)),
    FieldGroup("do_not_contact", gettext_lazy("Do not contact"), ("do_not_contact",)),
    FieldGroup("source", gettext_lazy("Source"), ("source",)),
    FieldGroup(
        "registration",
        gettext_lazy("Voter registration"),
        ("name_suffix", "party", "registration_date", "voter_status"),
    ),
]
GROUPS_BY_KEY = {g.key: g for g in FIELD_GROUPS}
# A blank status is "active": the default, so it never fills another record's.
_DEFAULTS = {"status": Person.Status.ACTIVE}


def _raw(person: Person, group: FieldGroup) -> tuple:
    return tuple(getattr(person, Person._meta.get_field(f).attname) for f in group.fields)


def _blank(person: Person, group: FieldGroup) -> bool:
    return all(
        v in (None, "", False) or _DEFAULTS.get(f) == v
        for f, v in zip(group.fields, _raw(person, group), strict=True)
    )


def fill_blanks(survivor: Person, loser: Person) -> list[str]:
    """Fields the survivor lacks and the loser has (what auto-merge and the defaults take)."""
    take: list[str] = []
    for group in FIELD_GROUPS:
        if _blank(survivor, group) and not _blank(loser, group):
            take.extend(group.fields)
    return take


def completeness(person: Person, related: dict[str, int]) -> int:
    filled = sum(not _blank(person, g) for g in FIELD_GROUPS)
    return filled + sum(related.values())


def default_survivor(a: Person, b: Person, related: dict[int, dict[str, int]]) -> Person:
    """The more complete record survives; on a tie, the older one (lower id)."""
    score_a = completeness(a, related.get(a.pk, {}))
    score_b = completeness(b, related.get(b.pk, {}))
    if score_a != score_b:
        return a if score_a > score_b else b
    return a if a.pk < b.pk else b


@dataclass
class Comparison:
    pair: DuplicatePair
    low: Person
    high: Person
    survivor_side: str  # "low" or "high": the default
    rows: list[dict] = field(default_factory=list)
    related: dict[int, dict[str, int]] = field(default_factory=dict)
    # side → file name of the import that created the record and can still be rolled back
    imported: dict[str, str] = field(default_factory=dict)
    # Evidence against: identifiers of one register that differ (``conflicting_ids``)
    conflicts: list[IdConflict] = field(default_factory=list)

    @property
    def differing(self) -> list[dict]:
        return [r for r in self.rows if r["differs"]]


def _display(person: Person, group: FieldGroup) -> str:
    key = group.key
    if key == "birth":
        parts = []
        if person.birth_date:
            parts.append(person.birth_date.isoformat())
        if person.age is not None:
            if person.age_as_of:
                parts.append(
                    _("age %(age)s on %(date)s")
                    % {"age": person.age, "date": person.age_as_of.isoformat()}
                )
            else:
                parts.append(_("age %(age)s") % {"age": person.age})
        if person.display_age is not None and person.birth_date:
            parts.append(_("now %(age)s") % {"age": person.display_age})
        return " · ".join(parts)
    if key == "relative":
        if not (person.relation_type or person.relative_name):
            return ""
        return f"{person.get_relation_type_display()}: {person.relative_name}".strip(": ")
    if key == "household":
        hh = person.household
        if hh is None:
            return ""
        address = hh.address.one_line() if hh.address_id else ""
        return " — ".join(p for p in [address, hh.name] if p) or f"#{hh.pk}"
    if key == "area":
        return f"{person.area.name} ({person.area.code})" if person.area_id else ""
    if key == "gender":
        return str(person.get_gender_display()) if person.gender else ""
    if key == "status":
        return str(person.get_status_display())
    if key == "preferred_language" and person.preferred_language:
        try:
            info = get_language_info(person.preferred_language)
        except KeyError:
            return person.preferred_language
        return f"{info['name_local']} ({person.preferred_language})"
    if key == "do_not_contact":
        return _("Yes") if person.do_not_contact else _("No")
    value = getattr(person, group.fields[0])
    return "" if value is None else str(value)


def person_for_compare(*, actor: Any, pk: int) -> Person | None:
    return (
        Person.objects.filter(scope_q(actor, "area"))
        .select_related("area", "household__address")
        .prefetch_related("contact_points", "external_ids", "taggings__tag")
        .filter(pk=pk)
        .first()
    )


def compare(*, actor: Any, pair: DuplicatePair) -> Comparison | None:
    """Both people, field by field, with the default survivor and the default choices."""
    low = person_for_compare(actor=actor, pk=pair.low_id)
    high = person_for_compare(actor=actor, pk=pair.high_id)
    if low is None or high is None:
        return None
    related = related_counts([low.pk, high.pk])
    survivor = default_survivor(low, high, related)
    side = "low" if survivor.pk == low.pk else "high"
    other = "high" if side == "low" else "low"
    rows = []
    for group in FIELD_GROUPS:
        differs = _raw(low, group) != _raw(high, group)
        blank = {"low": _blank(low, group), "high": _blank(high, group)}
        choice = other if (differs and blank[side] and not blank[other]) else side
        rows.append(
            {
                "key": group.key,
                "label": group.label,
                "low": _display(low, group),
                "high": _display(high, group),
                "differs": differs,
                "choice": choice,
            }
        )
    created = dict(
        ImportChange.objects.filter(
            person_id__in=[low.pk, high.pk],
            action=ImportChange.Action.CREATED,
            batch__status=ImportBatch.Status.SUCCEEDED,
            batch__dry_run=False,
        ).values_list("person_id", "batch__filename")
    )
    imported = {s: created[p.pk] for s, p in (("low", low), ("high", high)) if p.pk in created}
    return Comparison(
        pair=pair,
        low=low,
        high=high,
        survivor_side=side,
        rows=rows,
        related=related,
        imported=imported,
        conflicts=conflicting_ids(low.pk, high.pk),
    )


def different_ids_message(conflicts: list[IdConflict]) -> str:
    ids = "; ".join(
        _("%(namespace)s %(low)s and %(high)s")
        % {"namespace": c.namespace, "low": ", ".join(c.low), "high": ", ".join(c.high)}
        for c in conflicts
    )
    return _(
        "These two people carry different identifiers of one register (%(ids)s). One person "
        "has one entry in a register: this is evidence against a match, and on an electoral "
        "roll two entries for one person are a roll problem to report. Merge only if you have "
        "checked, and confirm it."
    ) % {"ids": ids}


def take_from_choices(*, survivor_side: str, choices: dict[str, str]) -> list[str]:
    """The loser's fields to take, from ``{group key: "low"|"high"}`` (the surviving value)."""
    if survivor_side not in ("low", "high"):
        raise DuplicateError(_("Choose which record to keep."))
    take: list[str] = []
    for key, side in choices.items():
        group = GROUPS_BY_KEY.get(key)
        if group is None or side not in ("low", "high"):
            raise DuplicateError(_("Unknown choice: %(key)s") % {"key": key})
        if side != survivor_side:
            take.extend(group.fields)
    return take


# --- decisions ---------------------------------------------------------------------------------


def _lock_pending(pair: DuplicatePair) -> DuplicatePair:
    locked = DuplicatePair.objects.select_for_update().filter(pk=pair.pk).first()
    if locked is None:
        raise DuplicateError(_("This pair is no longer waiting for review (already merged?)."))
    if locked.status != DuplicatePair.Status.PENDING:
        who = locked.decided_by.get_username() if locked.decided_by_id else _("the system")
        raise DuplicateError(
            _("This pair was already decided (%(status)s, by %(who)s).")
            % {"status": locked.get_status_display(), "who": who}
        )
    return locked


@transaction.atomic
def pair_merge(
    *,
    actor: Any,
    pair: DuplicatePair,
    survivor_side: str,
    choices: dict[str, str] | None = None,
    audit_detail: dict | None = None,
    confirm_different_ids: bool = False,
) -> MergeRecord:
    """Merge a pending pair: ``survivor_side`` ("low"/"high") is kept and takes the loser's
    value for every group ``choices`` sets to the loser's side.

    Two people with different identifiers of one namespace (``conflicting_ids``) are merged
    only with ``confirm_different_ids``: the reviewer has seen the evidence against (ADR 0005).
    """
    require_review(actor)
    pair = _lock_pending(pair)
    conflicts = conflicting_ids(pair.low_id, pair.high_id)
    if conflicts and not confirm_different_ids:
        raise DuplicateError(different_ids_message(conflicts))
    if conflicts:
        audit_detail = {
            **(audit_detail or {}),
            "different_ids": {c.namespace: [*c.low, *c.high] for c in conflicts},
        }
    take = take_from_choices(survivor_side=survivor_side, choices=choices or {})
    survivor_id, loser_id = (
        (pair.low_id, pair.high_id) if survivor_side == "low" else (pair.high_id, pair.low_id)
    )
    people = {p.pk: p for p in Person.objects.filter(scope_q(actor, "area"), pk__in=[
        survivor_id, loser_id
    ])}  # fmt: skip
    if len(people) != 2:
        raise DuplicateError(_("One of these people no longer exists or is outside your areas."))
    return merge.person_merge(
        actor=actor,
        survivor=people[survivor_id],
        loser=people[loser_id],
        take_from_loser=take,
        audit_detail=audit_detail,
    )


@transaction.atomic
def pair_mark_distinct(*, actor: Any, pair: DuplicatePair) -> DuplicatePair:
    """Mark a pending pair "not a duplicate" (once: a decided pair is not decided again)."""
    require_review(actor)
    pair = _lock_pending(pair)
    return merge.duplicate_mark_distinct(actor=actor, pair=pair)


@transaction.atomic
def pair_reopen(*, actor: Any, pair: DuplicatePair) -> DuplicatePair:
    """Put a pair marked "not a duplicate" back in the queue."""
    require_review(actor)
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    if pair.status != DuplicatePair.Status.DISTINCT:
        raise DuplicateError(_("Only a pair marked “not a duplicate” can be reviewed again."))
    pair.status, pair.decided_by, pair.decided_at = DuplicatePair.Status.PENDING, None, None
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action="person.duplicate_reopened",
        obj=pair,
        detail={"low": pair.low_id, "high": pair.high_id},
    )
    return pair


def merge_undo(*, actor: Any, record: MergeRecord) -> Person:
    """Undo a merge the actor can see, when the merged-away person was inside their scope."""
    require_review(actor)
    if record.undone_at is not None:
        raise DuplicateError(_("This merge was already undone."))
    if not can_undo(actor, record):
        raise DuplicateError(_("The merged-away person was outside your areas."))
    try:
        return merge.person_merge_undo(actor=actor, record=record)
    except DuplicateError:
        raise
    except ValidationError as exc:
        raise DuplicateError(exc.messages) from exc


# --- settings and auto-merge -------------------------------------------------------------------


def can_change_settings(actor: Any) -> bool:
    """Auto-merge acts on everyone: only a reviewer with a campaign-wide scope sets it."""
    return can_review(actor) and scope_paths(actor) is None


def settings_get() -> DedupeSettings:
    return DedupeSettings.load()


@transaction.atomic
def settings_update(*, actor: Any, auto_merge_threshold: float | None) -> DedupeSettings:
    require_review(actor)
    if not can_change_settings(actor):
        raise PermissionDenied(_("Only someone who sees the whole campaign may change auto-merge."))
    if auto_merge_threshold is not None and not AUTO_MERGE_MIN <= auto_merge_threshold <= 1:
        raise DuplicateError(
            _("The auto-merge threshold is between %(min)s and 1, or empty for never.")
            % {"min": AUTO_MERGE_MIN}
        )
    obj = DedupeSettings.objects.select_for_update().filter(pk=1).first() or DedupeSettings.load()
    before = obj.auto_merge_threshold
    obj.auto_merge_threshold = auto_merge_threshold
    obj.updated_by = actor
    obj.updated_at = timezone.now()
    obj.save()
    audit.record(
        actor=actor,
        action="people.dedupe_settings_changed",
        obj=obj,
        detail={"auto_merge_threshold": [before, auto_merge_threshold]},
    )
    return obj


def auto_merge(
    *,
    actor: Any,
    threshold: float,
    person_ids: Iterable[int] | None = None,
    job_id: str = "",
    reporter=None,
) -> dict[str, int]:
    """Merge every pending pair scoring at least ``threshold`` (only pairs touching
    ``person_ids`` when given, and only pairs inside the scope of ``actor`` when it is a
    user): the older record (lower id) survives and takes the other's values only where it has
    none. Each merge is a normal, audited, undoable merge."""
    qs = DuplicatePair.objects.filter(status=DuplicatePair.Status.PENDING, score__gte=threshold)
    if person_ids is not None:
        ids = list(person_ids)
        qs = qs.filter(Q(low_id__in=ids) | Q(high_id__in=ids)) if ids else qs.none()
    user = access.user_or_none(actor)
    if user is not None:  # a search someone started merges only inside their areas
        qs = qs.filter(pk__in=pair_visible_to(user).values("id"))
    candidates = list(qs.order_by("-score", "id").values_list("id", flat=True))
    # Different identifiers of one namespace are evidence against: never merged automatically.
    conflicted = pairs_with_conflicting_ids(candidates)
    candidates = [pk for pk in candidates if pk not in conflicted]
    if reporter is not None and conflicted:
        reporter.log(
            f"Auto-merge left {len(conflicted):,} pairs for review: their people carry "
            "different identifiers of one namespace (two voter ids)."
        )
    merged = skipped = 0
    for pair_id in candidates:
        with transaction.atomic():
            pair = (
                DuplicatePair.objects.select_for_update()
                .filter(pk=pair_id, status=DuplicatePair.Status.PENDING)
                .first()
            )
            if pair is None:  # one of its people was merged into someone else meanwhile
                skipped += 1
                continue
            # The older record survives: its id is the one other systems and lists know, and
            # an import that created the newer one can still be rolled back without taking
            # the older person's history with it.
            survivor = Person.objects.select_related("household").get(pk=pair.low_id)
            loser = Person.objects.select_related("household").get(pk=pair.high_id)
            try:
                merge.person_merge(
                    actor=user,
                    survivor=survivor,
                    loser=loser,
                    take_from_loser=fill_blanks(survivor, loser),
                    audit_detail={
                        "auto": True,
                        "threshold": threshold,
                        "score": pair.score,
                        "job_id": job_id,
                    },
                )
                merged += 1
            except ValidationError as exc:
                skipped += 1
                if reporter is not None:
                    reporter.log(f"Pair {pair.low_id}~{pair.high_id} not merged: {exc.messages}")
    if reporter is not None and candidates:
        reporter.log(
            f"Auto-merge at {threshold:.2f}: {merged:,} merged, {skipped:,} skipped "
            "(a person already merged in another pair; the next search finds them again)."
        )
    return {"auto_merged": merged, "auto_skipped": skipped, "auto_held": len(conflicted)}
