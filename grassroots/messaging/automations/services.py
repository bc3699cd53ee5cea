"""Automations: sequences of steps that start for a person when a domain event fires.

Triggers are domain events from the outbox — any type in the catalogue with a person field
(``person.created``, ``tag.applied``, ``message.received``, RSVPs, donations…) — matched
against each active automation's trigger list. Starting is idempotent — a person goes through
an automation at most once (unique enrollment) — and each ``send`` step's message is keyed by
enrollment × step key (unique), so a re-delivered event, a re-run tick or an edited sequence
never sends a step twice. The kinds of step are a registry (``automations.registry``):
messaging's own (wait, send, branch, tag, list, notify: ``automations.steps``) and those
higher apps register (invite to an event, add to a call list, ask for a donation).

An automation acts with the permissions of the user who built it (``created_by``): a step it
may no longer do stops the person's way with the reason in the log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from grassroots.core import access, audit, events
from grassroots.geography.selectors import home_area
from grassroots.messaging.automations import registry
from grassroots.messaging.automations.running import advance
from grassroots.messaging.models import (
    Automation,
    AutomationStep,
    Enrollment,
)
from grassroots.people.models import Person, Tag, Tagging

E = Enrollment.Status
# The automation's own key in the outbox's delivery table: keep it stable (ADR 0009).
SUBSCRIBER_KEY = "messaging.automations.start"
# Triggers with settings of their own; every other event about a person is a plain checkbox.
DETAILED = ("person.created", "tag.applied", "message.received")


def trigger_events() -> dict[str, Any]:
    """What can start an automation: every event type in the catalogue that is about a person
    (declared by the app that publishes it: people, messaging, and higher apps such as RSVPs
    and donations), name → translated label."""
    return {t.name: t.label for t in events.person_event_types()}


SEGMENT = "segment.entered"  # not an outbox event: the minute tick compares memberships
MAX_STEPS = 30


# --- building ------------------------------------------------------------------------------------


def _clean_triggers(triggers: Any) -> list[dict[str, str]]:
    if not isinstance(triggers, list):
        raise ValidationError({"triggers": _("Choose what starts the automation.")})
    out = []
    for t in triggers:
        if not isinstance(t, dict) or t.get("event") not in (*trigger_events(), SEGMENT):
            raise ValidationError({"triggers": _("Unknown trigger.")})
        event = t["event"]
        if event == SEGMENT:
            from grassroots.lists.models import Segment

            try:
                segment = Segment.objects.filter(pk=int(t.get("segment") or 0)).first()
            except (TypeError, ValueError):
                segment = None
            if segment is None:
                raise ValidationError({"triggers": _("Choose the segment people enter.")})
            out.append({"event": event, "segment": segment.pk})
        elif event not in DETAILED:
            out.append({"event": event})
        elif event == "person.created":
            via = str(t.get("via") or "")
            if via not in ("", "api", "screen"):
                raise ValidationError({"triggers": _("Unknown source of new people.")})
            out.append({"event": event, "via": via})
        elif event == "tag.applied":
            tag = str(t.get("tag") or "").strip()
            if not tag:
                raise ValidationError({"triggers": _("Name the tag that starts it.")})
            out.append({"event": event, "tag": tag[:60]})
        else:
            keyword = str(t.get("keyword") or "").strip().upper()
            if not keyword or len(keyword) > 30:
                raise ValidationError({"triggers": _("Give the keyword (one word).")})
            out.append({"event": event, "keyword": keyword})
    return out


def _clean_steps(steps: Any) -> list[dict[str, Any]]:
    """Each step checked by its step type (the step registry): a known kind, clean parameters."""
    if not isinstance(steps, list) or len(steps) > MAX_STEPS:
        raise ValidationError({"steps": _("At most %(n)s steps.") % {"n": MAX_STEPS}})
    out, errors = [], {}
    for i, s in enumerate(steps):
        where = f"steps.{i}"
        step_type = registry.steps.get(s.get("kind")) if isinstance(s, dict) else None
        if step_type is None:
            errors[where] = _("Unknown kind of step.")
            continue
        key = str(s.get("key") or "")[:32] or uuid.uuid4().hex
        try:
            params = step_type.clean_params(s.get("params") or {})
        except (ValueError, TypeError) as exc:
            errors[where] = str(exc) if isinstance(exc, ValueError) else _("Check this step.")
            continue
        out.append({"kind": step_type.key, "key": key, "params": params})
    if errors:
        raise ValidationError(errors)
    keys = [s["key"] for s in out]
    if len(set(keys)) != len(keys):
        raise ValidationError({"steps": _("Two steps have the same key.")})
    return out


@transaction.atomic
def automation_save(
    *,
    actor: Any,
    automation: Automation | None = None,
    name: str,
    triggers: Any,
    steps: Any,
    active: bool = False,
    description: str = "",
) -> Automation:
    """Create or edit. Steps keep their keys across edits, so people part-way through keep
    their place, and nobody is sent a step they already had."""
    access.require(actor, "messaging.send")
    if automation is not None:
        access.require_object(actor, "messaging.send", automation)
    errors: dict[str, Any] = {}
    if not (name or "").strip():
        errors["name"] = _("Give the automation a name.")
    try:
        triggers = _clean_triggers(triggers)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        steps = _clean_steps(steps)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not errors and active and not triggers:
        errors["triggers"] = _("An active automation needs at least one trigger.")
    if not errors and active and not steps:
        errors["steps"] = _("An active automation needs at least one step.")
    if errors:
        raise ValidationError(errors)
    automation = automation or Automation(
        created_by=access.user_or_none(actor),
        system=access.is_system(actor),
        area=home_area(actor),
    )
    automation.name, automation.description = name.strip()[:120], (description or "").strip()
    automation.triggers, automation.active = triggers, active
    automation.save()
    keep = []
    for i, s in enumerate(steps):
        AutomationStep.objects.update_or_create(
            automation=automation,
            key=s["key"],
            defaults={"position": i, "kind": s["kind"], "params": s["params"]},
        )
        keep.append(s["key"])
    automation.steps.exclude(key__in=keep).delete()
    audit.record(
        actor=actor,
        action="messaging.automation_saved",
        obj=automation,
        detail={"active": active, "steps": len(steps), "triggers": triggers},
    )
    return automation


# --- starting ------------------------------------------------------------------------------------


def _matches(trigger: dict, event: str, payload: dict) -> bool:
    if trigger.get("event") != event:
        return False
    if event == "person.created":
        return not trigger.get("via") or trigger["via"] == payload.get("via")
    if event == "tag.applied":
        return trigger.get("tag", "").casefold() in (
            str(payload.get("tag", "")).casefold(),
            str(payload.get("tag_name", "")).casefold(),
        )
    if event == "message.received":
        body = str(payload.get("body") or "").strip().upper()
        return bool(body) and body.split()[0].strip(".!?,") == trigger.get("keyword")
    return True  # any other event about a person: it happened


def _people_of(event: str, payload: dict) -> list[int]:
    if event == "tag.applied":
        if payload.get("person_ids") is not None:
            return [int(i) for i in payload["person_ids"]]
        at = payload.get("at")
        if not at:
            return []
        return list(
            Tagging.objects.filter(
                tag_id=payload.get("tag_id"), created_at=dt.datetime.fromisoformat(at)
            ).values_list("person_id", flat=True)
        )
    etype = events.event_type(event)
    value = payload.get(etype.person_field if etype and etype.person_field else "person_id")
    if isinstance(value, list):
        return [int(i) for i in value]
    return [int(value)] if value else []


def on_event(event) -> int:
    """Outbox subscriber (``SUBSCRIBER_KEY``, for every event about a person): start every
    active automation whose trigger matches."""
    payload = dict(event.payload or {})
    if event.name == "tag.applied" and "tag" not in payload:
        payload["tag"] = (
            Tag.objects.filter(pk=payload.get("tag_id")).values_list("slug", flat=True).first()
        )
    if event.name == "tag.applied":
        payload["tag_name"] = (
            Tag.objects.filter(pk=payload.get("tag_id")).values_list("name", flat=True).first()
            or ""
        )
    started = 0
    for automation in Automation.objects.filter(active=True):
        hit = next((t for t in automation.triggers if _matches(t, event.name, payload)), None)
        if hit is None:
            continue
        for pid in _people_of(event.name, payload):
            if enroll(automation, pid, trigger=event.name) is not None:
                started += 1
    return started


def enroll(automation: Automation, person_id: int, *, trigger: str = "") -> Enrollment | None:
    """Start the automation for this person, once (None if they were already in it)."""
    if not Person.objects.filter(pk=person_id).exists():
        return None
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                automation=automation, person_id=person_id, trigger=trigger[:60]
            )
    except IntegrityError:
        return None
    advance(enrollment)
    return enrollment


def segment_entries(now: dt.datetime | None = None) -> int:
    """For automations started by entering a segment: who is in it now and was not before.
    The first look only records who is there (they did not *enter*); later looks start the
    automation for each newcomer. Members are counted in the automation author's areas."""
    from grassroots.lists import selectors as list_selectors
    from grassroots.lists.compiler import DefinitionError
    from grassroots.lists.models import Segment
    from grassroots.messaging.models import AutomationSegmentMember

    started = 0
    for automation in Automation.objects.filter(active=True):
        for trigger in automation.triggers:
            if trigger.get("event") != SEGMENT:
                continue
            segment = Segment.objects.filter(pk=trigger.get("segment")).first()
            actor = automation.created_by or (access.SYSTEM if automation.system else None)
            if segment is None or actor is None:
                continue
            try:
                now_in = set(
                    list_selectors.segment_people(actor=actor, definition=segment.definition)
                    .order_by()
                    .values_list("pk", flat=True)
                )
            except DefinitionError:
                continue
            seen_before = AutomationSegmentMember.objects.filter(automation=automation).exists()
            known = set(
                AutomationSegmentMember.objects.filter(automation=automation).values_list(
                    "person_id", flat=True
                )
            )
            new = sorted(now_in - known)
            AutomationSegmentMember.objects.bulk_create(
                [AutomationSegmentMember(automation=automation, person_id=p) for p in new],
                ignore_conflicts=True,
                batch_size=1000,
            )
            if not seen_before:
                if not new:  # an empty segment: remember that we looked
                    AutomationSegmentMember.objects.create(automation=automation, person_id=0)
                continue
            for pid in new:
                if enroll(automation, pid, trigger=SEGMENT) is not None:
                    started += 1
    return started
