"""Writes for the people hub. Each function owns its transaction, audit record and events."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from grassroots.core import access, audit, bulk, events
from grassroots.core.exceptions import Invalid, NotFound
from grassroots.core.phones import normalize_email, normalize_phone
from grassroots.people.dedupe import names
from grassroots.people.models import (
    Address,
    Consent,
    ContactPoint,
    CustomField,
    CustomFieldValue,
    ExternalId,
    Household,
    Interaction,
    Note,
    Person,
    Tag,
    Tagging,
)
from grassroots.people.validation import (
    address_match_key,
    clean_birth,
    clean_external_id,
    clean_name,
)

PERSON_FIELDS = (
    "given_name",
    "middle_name",
    "family_name",
    "native_name",
    "gender",
    "birth_date",
    "age",
    "age_as_of",
    "relation_type",
    "relative_name",
    "preferred_language",
    "support_score",
    "status",
    "do_not_contact",
    "source",
    "household",
    "area",
    "serial_number",
    "name_suffix",
    "party",
    "registration_date",
    "voter_status",
)

# Capabilities (declared in ``people.capabilities``): who a person is and how to reach them is
# ``people.edit``; what happened with them (notes, contacts, tags, answers) is ``people.note``.
EDIT = "people.edit"
NOTE = "people.note"
# Adding a new person (an elector a booth volunteer finds at the door, a new household member)
# inside one's own areas, without the right to edit everyone there: ``people.add``.
ADD = "people.add"


def _require_add(actor: Any) -> None:
    """``people.add`` or ``people.edit`` (which includes adding)."""
    if not (access.can(actor, ADD) or access.can(actor, EDIT)):
        raise access.Forbidden(ADD)


def _require_person(actor: Any, capability: str, person: Person | int) -> None:
    """Capability (403), then the person inside the actor's scope (404, like a missing one)."""
    access.require(actor, capability)
    if access.is_system(actor) or getattr(actor, "sees_everything", False):
        return
    pk = person.pk if isinstance(person, Person) else person
    if not Person.objects.visible_to(actor, access.CHANGE).filter(pk=pk).exists():
        raise NotFound


def _check_area(actor: Any, data: dict[str, Any], *, creating: bool) -> None:
    """A scoped user's people stay inside their scope: the area named must be one of theirs, and
    a scoped user may not create (or move) a person out of every area."""
    from grassroots.geography.models import Area

    if "area" not in data and not creating:
        return
    area = data.get("area")
    if area is not None:
        area_id = area.pk if hasattr(area, "pk") else area
        if not Area.objects.visible_to(actor, access.CHANGE).filter(pk=area_id).exists():
            code = getattr(area, "code", area_id)
            raise Invalid({"area": _("Unknown area code “%(code)s”.") % {"code": code}})
    elif not (access.is_system(actor) or getattr(actor, "sees_everything", False)):
        raise Invalid({"area": _("Choose an area in your scope.")})


def _full_name(p: Person) -> str:
    return " ".join(x for x in [p.given_name, p.middle_name, p.family_name] if x)


def apply_person_fields(person: Person, data: dict[str, Any]) -> None:
    """Set ``data`` on ``person`` in memory (cleaned names, derived fields) and validate; no save.

    Shared by the person create/update services and the merge, so a merged survivor obeys the
    same rules as an edited person. Raises ``ValidationError`` with per-field messages.
    """
    errors: dict[str, list] = {}
    for field in ("given_name", "middle_name", "family_name", "relative_name", "native_name"):
        if field in data:
            max_length = Person._meta.get_field(field).max_length
            try:
                data[field] = clean_name(
                    data[field] or "",
                    str(Person._meta.get_field(field).verbose_name).capitalize(),
                    max_length,
                    required=(field == "given_name"),
                )
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)
    if "voter_status" in data:  # an open vocabulary, kept lower-case (people.registration)
        data["voter_status"] = (data["voter_status"] or "").strip().casefold()
    for key, value in data.items():
        if key not in PERSON_FIELDS:
            raise TypeError(f"unknown person field {key}")
        setattr(person, key, value)
    if person.support_score is not None and not 1 <= person.support_score <= 5:
        errors.setdefault("support_score", []).append(
            _("Support score is 1 (strong support) to 5 (strong oppose).")
        )
    try:
        person.born_estimate = clean_birth(person.birth_date, person.age, person.age_as_of)
    except ValidationError as exc:
        for field, msgs in exc.message_dict.items():
            errors.setdefault(field, []).extend(msgs)
    if person.household_id and person.area_id is None and person.household.area_id:
        person.area_id = person.household.area_id
    person.full_name = _full_name(person)
    person.name_keys = names.person_name_keys(person)
    if errors:
        raise ValidationError(errors)
    try:
        person.full_clean(exclude=["household", "area"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict)


@transaction.atomic
def person_create(
    *,
    actor: Any,
    data: dict[str, Any],
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    external_ids: Iterable[tuple[str, str]] = (),
    tags: Iterable[Tag] = (),
    via: str = "",
) -> Person:
    """``via`` says where the person came from ("api", "form", …), for event subscribers
    (an automation may welcome only people who signed up through the API)."""
    _require_add(actor)
    _check_area(actor, data, creating=True)
    household = data.get("household")
    if household is not None and not access.is_visible(household, actor, access.CHANGE):
        raise Invalid({"household": _("Unknown household.")})
    person = Person()
    apply_person_fields(person, dict(data))
    person.save()
    # The new person's own phones and ids are part of adding them (authorized above): a
    # volunteer who may add people but not edit everyone's contacts adds them too.
    creator = access.SYSTEM
    errors: dict[str, list[str]] = {}
    for field, channel, values in (("phones", "phone", phones), ("emails", "email", emails)):
        for i, value in enumerate(values):
            try:
                contact_point_add(
                    actor=creator, person=person, channel=channel, value=value, is_primary=i == 0
                )
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)
    for namespace, value in external_ids:
        try:
            external_id_add(actor=creator, person=person, namespace=namespace, value=value)
        except ValidationError as exc:
            errors.setdefault("external_ids", []).extend(exc.messages)
    if errors:  # the transaction rolls back: nothing half-saved
        raise ValidationError(errors)
    if tags:
        tag_apply(actor=actor, tag=None, people=[person], tags=list(tags))
    events.publish("person.created", {"person_id": person.pk, "via": via})
    return person


@transaction.atomic
def person_update(*, actor: Any, person: Person, data: dict[str, Any]) -> Person:
    _require_person(actor, EDIT, person)
    _check_area(actor, data, creating=False)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = {k: getattr(person, k) for k in data if k in PERSON_FIELDS}
    apply_person_fields(person, dict(data))
    person.save()
    changed = sorted(k for k in before if before[k] != getattr(person, k))
    if "do_not_contact" in changed:
        audit.record(
            actor=actor,
            action="person.do_not_contact_changed",
            obj=person,
            detail={"do_not_contact": person.do_not_contact},
        )
    if changed:
        events.publish("person.updated", {"person_id": person.pk, "fields": changed})
    return person


@transaction.atomic
def external_id_add(*, actor: Any, person: Person, namespace: str, value: str) -> ExternalId:
    _require_person(actor, EDIT, person)
    namespace, value = clean_external_id(namespace, value)
    existing = ExternalId.objects.filter(namespace=namespace, value=value).first()
    if existing is not None:
        if existing.person_id == person.pk:
            return existing
        raise ValidationError(
            _("%(ns)s:%(value)s already belongs to another person.")
            % {"ns": namespace, "value": value}
        )
    return ExternalId.objects.create(person=person, namespace=namespace, value=value)


@transaction.atomic
def contact_point_add(
    *,
    actor: Any,
    person: Person,
    channel: str,
    value: str,
    phone_kind: str | None = None,
    whatsapp: bool = False,
    is_primary: bool = False,
    source: str = "",
    region: str | None = None,
) -> ContactPoint:
    _require_person(actor, EDIT, person)
    if channel == ContactPoint.Channel.PHONE:
        normalized, detected_kind = normalize_phone(value, region)
        kind = phone_kind if phone_kind is not None else detected_kind
    elif channel == ContactPoint.Channel.EMAIL:
        normalized, kind = normalize_email(value), ""
    else:
        raise ValidationError(_("Unknown channel “%(c)s”.") % {"c": channel})
    existing = ContactPoint.objects.filter(person=person, channel=channel, value=normalized).first()
    if existing is not None:
        return existing
    if is_primary or not ContactPoint.objects.filter(person=person, channel=channel).exists():
        ContactPoint.objects.filter(person=person, channel=channel).update(is_primary=False)
        is_primary = True
    cp = ContactPoint.objects.create(
        person=person,
        channel=channel,
        value=normalized,
        phone_kind=kind,
        whatsapp=whatsapp,
        is_primary=is_primary,
        source=source[:100],
    )
    events.publish("contact_point.created", {"person_id": person.pk, "contact_point_id": cp.pk})
    return cp


@transaction.atomic
def contact_point_update(
    *,
    actor: Any,
    contact_point: ContactPoint,
    status: str | None = None,
    is_primary: bool | None = None,
    whatsapp: bool | None = None,
) -> ContactPoint:
    _require_person(actor, EDIT, contact_point.person_id)
    if status is not None:
        if status not in ContactPoint.Status.values:
            raise ValidationError(_("Unknown status."))
        contact_point.status = status
    if whatsapp is not None:
        contact_point.whatsapp = whatsapp
    if is_primary:
        ContactPoint.objects.filter(
            person_id=contact_point.person_id, channel=contact_point.channel
        ).update(is_primary=False)
        contact_point.is_primary = True
    contact_point.save()
    return contact_point


@transaction.atomic
def contact_point_delete(*, actor: Any, contact_point: ContactPoint) -> None:
    _require_person(actor, EDIT, contact_point.person_id)
    person_id, channel, was_primary = (
        contact_point.person_id,
        contact_point.channel,
        contact_point.is_primary,
    )
    contact_point.delete()
    if was_primary:
        nxt = ContactPoint.objects.filter(person_id=person_id, channel=channel).first()
        if nxt:
            nxt.is_primary = True
            nxt.save(update_fields=["is_primary"])


# --- tags -----------------------------------------------------------------------------


def tag_get_or_create(*, actor: Any, name: str) -> Tag:
    access.require(actor, NOTE)
    name = clean_name(name, _("Tag"), 60, required=True)
    slug = (
        slugify(name, allow_unicode=True)[:60]
        or "tag-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    )
    tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.filter(slug=slug).first()
    if tag is not None:
        return tag
    try:
        with transaction.atomic():
            return Tag.objects.create(name=name, slug=slug)
    except IntegrityError:  # a concurrent request created it
        return Tag.objects.get(slug=slug)


@transaction.atomic
def tag_apply(
    *,
    actor: Any,
    tag: Tag | None,
    people: Iterable[Person] | Iterable[int],
    tags: list[Tag] | None = None,
) -> int:
    """Tag many people at once; already-tagged people are skipped. Returns rows added."""
    access.require(actor, NOTE)
    tag_list = tags if tags is not None else [tag]
    ids = [p.pk if isinstance(p, Person) else int(p) for p in people]
    if not (access.is_system(actor) or getattr(actor, "sees_everything", False)):
        visible = access.visible_ids(Person, actor, ids, access.CHANGE)
        if len(visible) != len(set(ids)):
            raise NotFound
    added = 0
    now = timezone.now()
    user = access.user_or_none(actor)
    for t in tag_list:
        new_ids: list[int] = []
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            have = set(
                Tagging.objects.filter(tag=t, person_id__in=chunk).values_list(
                    "person_id", flat=True
                )
            )
            rows = [
                Tagging(tag=t, person_id=i, created_at=now, created_by=user)
                for i in chunk
                if i not in have
            ]
            Tagging.objects.bulk_create(rows, ignore_conflicts=True)
            added += len(rows)
            new_ids.extend(r.person_id for r in rows)
        if len(ids) > 1:
            audit.record(
                actor=actor, action="people.bulk_tagged", obj=t, detail={"people": len(ids)}
            )
        # The people newly tagged (up to 1,000; beyond, subscribers look the taggings up by
        # tag and time), so an automation can start for each of them.
        events.publish(
            "tag.applied",
            {
                "tag_id": t.pk,
                "tag": t.slug,
                "count": len(ids),
                "person_ids": new_ids if len(new_ids) <= 1000 else None,
                "at": now.isoformat(),
            },
        )
    return added


@transaction.atomic
def tag_remove(*, actor: Any, tag: Tag, person: Person) -> bool:
    _require_person(actor, NOTE, person)
    deleted, _ = Tagging.objects.filter(tag=tag, person=person).delete()
    return bool(deleted)


# --- notes, interactions ----------------------------------------------------------------


@transaction.atomic
def note_create(*, actor: Any, person: Person, body: str) -> Note:
    _require_person(actor, NOTE, person)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something first.")})
    if len(body) > 10000:
        raise ValidationError({"body": _("A note is at most 10,000 characters.")})
    note = Note.objects.create(
        person=person,
        author=access.user_or_none(actor),
        body=body,
    )
    events.publish("note.created", {"person_id": person.pk, "note_id": note.pk})
    return note


@transaction.atomic
def interaction_record(
    *,
    actor: Any,
    person: Person | int,
    channel: str,
    direction: str = Interaction.Direction.OUTBOUND,
    outcome: str = "",
    detail: str = "",
    data: dict | None = None,
    occurred_at: dt.datetime | None = None,
    source: str = "",
    reached: bool = True,
) -> Interaction:
    """The one way any app logs contact with a person (ARCHITECTURE §3.4). ``reached=False``
    logs an attempt that reached nobody (not home, no answer): on the timeline, but the
    person's ``last_contacted_at`` stays."""
    if channel not in Interaction.Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    person_id = person.pk if isinstance(person, Person) else int(person)
    _require_person(actor, NOTE, person_id)
    occurred_at = occurred_at or timezone.now()
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("An interaction cannot be in the future.")})
    interaction = Interaction.objects.create(
        person_id=person_id,
        channel=channel,
        direction=direction,
        outcome=outcome[:50],
        detail=detail[:10000],
        data=data or {},
        occurred_at=occurred_at,
        source=source[:50],
        actor=access.user_or_none(actor),
    )
    # moved forward only (as interactions_record_bulk): one UPDATE, no MAX over the history
    if reached:
        Person.objects.filter(pk=person_id).filter(
            Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=occurred_at)
        ).update(last_contacted_at=occurred_at)
    events.publish(
        "interaction.recorded",
        {"person_id": person_id, "interaction_id": interaction.pk, "channel": channel},
    )
    return interaction


def interactions_record_bulk(rows: list[dict[str, Any]], *, publish: bool = False) -> int:
    """Many interactions at once (a broadcast's sends, a batch of replies): the same rows
    ``interaction_record`` writes, inserted in bulk, and each person's ``last_contacted_at``
    moved forward in one statement per timestamp. Each row: person_id, channel, direction,
    outcome, detail, data, occurred_at, source, actor_id. No event per row (the caller
    publishes one for the batch) unless ``publish``: then ``interaction.recorded`` for each
    row, as ``interaction_record`` does."""
    if not rows:
        return 0
    clean = []
    for r in rows:
        if r["channel"] not in Interaction.Channel.values:
            raise ValidationError({"channel": _("Unknown channel.")})
        clean.append(
            {
                "person_id": int(r["person_id"]),
                "channel": r["channel"],
                "direction": r.get("direction") or Interaction.Direction.OUTBOUND,
                "outcome": (r.get("outcome") or "")[:50],
                "detail": (r.get("detail") or "")[:10000],
                "data": r.get("data") or {},
                "occurred_at": r.get("occurred_at") or timezone.now(),
                "source": (r.get("source") or "")[:50],
                "actor_id": r.get("actor_id"),
            }
        )
    with transaction.atomic():
        ids = bulk.insert_rows(Interaction, clean)
        if publish:
            events.publish_many(
                "interaction.recorded",
                [
                    {"person_id": r["person_id"], "interaction_id": pk, "channel": r["channel"]}
                    for r, pk in zip(clean, ids, strict=True)
                ],
            )
        by_time: dict[dt.datetime, set[int]] = {}
        for r in clean:
            by_time.setdefault(r["occurred_at"], set()).add(r["person_id"])
        for when, ids in by_time.items():
            Person.objects.filter(pk__in=ids).filter(
                Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=when)
            ).update(last_contacted_at=when)
    return len(clean)


# --- consent ------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    actor: Any,
    person: Person,
    channel: str,
    purpose: str,
    status: str,
    lawful_basis: str = Consent.Basis.CONSENT,
    source: str = "",
    wording: str = "",
) -> Consent:
    # Anyone who may note a contact may record a withdrawal (an opt-out said at the door or in
    # a text must never wait for an editor); giving consent is an edit of the person.
    _require_person(actor, NOTE if status == Consent.Status.WITHDRAWN else EDIT, person)
    consent = Consent(
        person=person,
        channel=channel,
        purpose=purpose,
        status=status,
        lawful_basis=lawful_basis,
        source=source[:100],
        wording=wording[:5000],
        recorded_by=access.user_or_none(actor),
    )
    consent.full_clean()
    consent.save()
    audit.record(
        actor=actor,
        action=f"consent.{status}",
        obj=person,
        detail={"channel": channel, "purpose": purpose, "basis": lawful_basis},
    )
    events.publish(
        "consent.changed",
        {"person_id": person.pk, "channel": channel, "purpose": purpose, "status": status},
    )
    return consent


# --- custom fields ----------------------------------------------------------------------


def custom_value_clean(field: CustomField, raw: Any) -> Any:
    T = CustomField.Type
    if raw in (None, "", []):
        return None
    try:
        if field.type == T.TEXT:
            text = str(raw).strip()
            if len(text) > 1000:
                raise ValidationError(_("At most 1,000 characters."))
            return text
        if field.type == T.NUMBER:
            number = float(raw)
            return int(number) if number.is_integer() else number
        if field.type == T.DATE:
            return (
                raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
            ).isoformat()
        if field.type == T.BOOLEAN:
            if isinstance(raw, bool):
                return raw
            return str(raw).lower() in {"1", "true", "yes", "on", "y"}
        if field.type == T.CHOICE:
            if raw not in field.choices:
                raise ValidationError(_("“%(v)s” is not one of the choices.") % {"v": raw})
            return raw
        if field.type == T.MULTI_CHOICE:
            values = raw if isinstance(raw, list) else [raw]
            bad = [v for v in values if v not in field.choices]
            if bad:
                raise ValidationError(_("“%(v)s” is not one of the choices.") % {"v": bad[0]})
            return values
    except (TypeError, ValueError):
        raise ValidationError(
            _("“%(v)s” is not a valid %(type)s.")
            % {"v": str(raw)[:50], "type": field.get_type_display().lower()}
        )
    raise ValidationError(_("Unknown field type."))


@transaction.atomic
def custom_values_set(*, actor: Any, person: Person, values: dict[CustomField, Any]) -> None:
    _require_person(actor, NOTE, person)
    errors = {}
    cleaned = {}
    for field, raw in values.items():
        try:
            cleaned[field] = custom_value_clean(field, raw)
        except ValidationError as exc:
            errors[f"cf_{field.key}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    for field, value in cleaned.items():
        if value is None:
            CustomFieldValue.objects.filter(person=person, field=field).delete()
        else:
            CustomFieldValue.objects.update_or_create(
                person=person, field=field, defaults={"value": value}
            )


# --- households -------------------------------------------------------------------------


@transaction.atomic
def household_for_address(
    *, actor: Any, address: dict[str, Any], area, name: str = ""
) -> tuple[Household, bool]:
    """The household at this door in ``area``'s booth — the same ``address_match_key`` (case,
    spacing and punctuation aside), the oldest if several — or a new one in ``area``: ``(household,
    created)``. For adding a person at an address (a volunteer at the door, the Add person
    screen); the area must be inside the actor's scope."""
    _require_add(actor)
    _check_area(actor, {"area": area}, creating=True)
    key = address_match_key(address)
    if not key:
        raise Invalid({"street": _("Give a house number or a street to place the household.")})
    # The same door anywhere in the booth (a household may sit on the booth, the person on one
    # of its sections, or the other way round); with no booth above, in this area only.
    unit = _polling_unit(area)
    where = Q(area__path__startswith=unit.path) if unit is not None else Q(area=area)
    existing = (
        Household.objects.visible_to(actor, access.CHANGE)
        .filter(where, address__match_key=key)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing, False
    return _household_new(address=address, name=name, area=area), True


def _polling_unit(area):
    """The booth/part or precinct that is ``area`` or contains it (``None`` above booths)."""
    from grassroots.geography.models import Area

    if area is None:
        return None
    chain = Area.objects.filter(path__in=[*area.ancestor_paths(), area.path]).select_related("kind")
    units = [a for a in chain if a.kind.is_polling_unit]
    return max(units, key=lambda a: a.depth) if units else None


def _household_new(*, address: dict[str, Any], name: str, area) -> Household:
    addr = Address(area=area, match_key=address_match_key(address), **address)
    try:
        addr.full_clean()
    except ValidationError as exc:
        raise Invalid(exc.message_dict) from exc
    addr.save()
    household = Household.objects.create(name=name[:200], address=addr, area=area)
    events.publish("household.created", {"household_id": household.pk})
    return household


@transaction.atomic
def household_create(
    *, actor: Any, address: dict[str, Any], name: str = "", area=None
) -> Household:
    access.require(actor, EDIT)
    addr = Address(area=area, match_key=address_match_key(address), **address)
    addr.full_clean()
    addr.save()
    household = Household.objects.create(name=name[:200], address=addr, area=area)
    events.publish("household.created", {"household_id": household.pk})
    return household
