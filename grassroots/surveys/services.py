"""Writes: scripts and their blocks and choices, and the answers people give.

Every channel records answers through ``responses_record`` — the door (the canvassing app),
the phone (phone banks), texts (P2P canned responses) and forms (the person page today) — so
the latest answer per question, the effects (tags, consent, support score, status) and the
timeline entry are the same whatever the channel.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from grassroots.core import access, audit, events
from grassroots.core.exceptions import Conflict, Invalid, NotFound
from grassroots.geography.selectors import home_area
from grassroots.people import services as people
from grassroots.people.models import Consent, Person, Tag
from grassroots.surveys.models import (
    Attempt,
    Block,
    Choice,
    Response,
    ResponseChoice,
    ResultCode,
    Script,
)

VIEW = "surveys.view"
MANAGE = "surveys.manage"
RECORD = "surveys.record"

MAX_NAME = 120
MAX_TEXT = 5000
# The door's channel names in the people timeline.
INTERACTION_CHANNEL = {"door": "door", "phone": "phone", "text": "sms", "form": "other"}


def reference_data_ensure() -> None:
    """The standard result codes exist (a flushed test database): the data migration's own
    ``seed``, run again (it only adds what is missing)."""
    from importlib import import_module

    from django.apps import apps

    import_module("grassroots.surveys.migrations.0002_seed_result_codes").seed(apps, None)


# --- cleaning --------------------------------------------------------------------------------


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def clean_translations(raw: Any, field_name: str = "translations") -> dict[str, str]:
    """``{language: text}`` for the languages the campaign runs in; empty texts dropped."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise Invalid({field_name: _("Translations are a map of language to text.")})
    out = {}
    for lang, text in raw.items():
        if lang not in language_codes():
            raise Invalid({field_name: _("Unknown language “%(l)s”.") % {"l": lang}})
        text = str(text or "").strip()
        if len(text) > MAX_TEXT:
            raise Invalid({field_name: _("At most %(n)s characters.") % {"n": MAX_TEXT}})
        if text:
            out[lang] = text
    return out


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid({"name": _("Give it a name.")})
    if len(name) > MAX_NAME:
        raise Invalid({"name": _("At most %(n)s characters.") % {"n": MAX_NAME}})
    return name


def _clean_text(text: str, field_name: str = "text", required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise Invalid({field_name: _("Write the text.")})
    if len(text) > MAX_TEXT:
        raise Invalid({field_name: _("At most %(n)s characters.") % {"n": MAX_TEXT}})
    return text


# --- personalisation --------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
PLACEHOLDERS = ("first_name", "last_name", "full_name")


def render_text(text: str, person: Person | None) -> str:
    """``{{ first_name }}``-style placeholders filled from the person (plain text: the template
    escapes it); an unknown placeholder is left as written, a missing value becomes empty. No
    template engine: a script author cannot reach anything but these fields."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return match.group(0)
        if person is None:
            return {"first_name": _("friend")}.get(name, "")
        return {
            "first_name": person.given_name,
            "last_name": person.family_name,
            "full_name": person.full_name or person.given_name,
        }[name] or ""

    return PLACEHOLDER.sub(value, text or "")


# --- scripts ---------------------------------------------------------------------------------


def _require_manage(actor: Any, script: Script) -> None:
    access.require_object(actor, MANAGE, script, access.CHANGE)


@transaction.atomic
def script_create(
    *,
    actor: Any,
    name: str,
    description: str = "",
    base_language: str = "en",
    languages: list[str] | None = None,
    area: Any = None,
) -> Script:
    """A new script, in the author's area (``home_area``) unless ``area`` names one of the
    author's areas."""
    access.require(actor, MANAGE)
    name = _clean_name(name)
    if area is not None:
        from grassroots.geography.models import Area

        if not Area.objects.visible_to(actor, access.CHANGE).filter(pk=area.pk).exists():
            raise Invalid({"area": _("Choose an area in your scope.")})
    base_language, languages = _clean_languages(base_language, languages)
    script = Script.objects.create(
        name=name,
        description=_clean_text(description, "description", required=False),
        base_language=base_language,
        languages=languages,
        area=area or home_area(actor),
        created_by=access.user_or_none(actor),
    )
    audit.record(actor=actor, action="script.created", obj=script, detail={"name": name})
    return script


def _clean_languages(base: str, languages: list[str] | None) -> tuple[str, list[str]]:
    codes = language_codes()
    if base not in codes:
        raise Invalid({"base_language": _("Unknown language “%(l)s”.") % {"l": base}})
    others = []
    for code in languages or []:
        if code not in codes:
            raise Invalid({"languages": _("Unknown language “%(l)s”.") % {"l": code}})
        if code != base and code not in others:
            others.append(code)
    return base, others


@transaction.atomic
def script_update(
    *,
    actor: Any,
    script: Script,
    name: str | None = None,
    description: str | None = None,
    status: str | None = None,
    base_language: str | None = None,
    languages: list[str] | None = None,
) -> Script:
    _require_manage(actor, script)
    if name is not None:
        script.name = _clean_name(name)
    if description is not None:
        script.description = _clean_text(description, "description", required=False)
    if status is not None:
        if status not in Script.Status.values:
            raise Invalid({"status": _("Unknown status.")})
        if status == Script.Status.ACTIVE and not script.blocks.exists():
            raise Conflict(_("Add a question before making the script active."))
        script.status = status
    if base_language is not None or languages is not None:
        script.base_language, script.languages = _clean_languages(
            base_language or script.base_language,
            script.languages if languages is None else languages,
        )
    script.save()
    audit.record(actor=actor, action="script.updated", obj=script, detail={"status": script.status})
    return script


@transaction.atomic
def script_delete(*, actor: Any, script: Script) -> None:
    """Only a script nobody has answered yet; an answered one is archived instead."""
    _require_manage(actor, script)
    if Attempt.objects.filter(script=script).exists():
        raise Conflict(_("People have answered this script: archive it instead."))
    audit.record(actor=actor, action="script.deleted", obj=script, detail={"name": script.name})
    script.delete()


# --- blocks ----------------------------------------------------------------------------------


def _yes_no_labels() -> tuple[dict[str, str], dict[str, str]]:
    """ "Yes" and "No" in every language the app speaks."""
    yes, no = {}, {}
    for code in language_codes():
        with translation.override(code):
            yes[code], no[code] = _("Yes"), _("No")
    return yes, no


def _clean_scale(kind: str, scale_min, scale_max, writes_support_score: bool):
    if kind != Block.Kind.SCALE:
        if writes_support_score:
            raise Invalid({"writes_support_score": _("Only a scale writes the support score.")})
        return None, None
    try:
        lo, hi = int(scale_min), int(scale_max)
    except (TypeError, ValueError):
        raise Invalid({"scale_min": _("Give the lowest and the highest value.")}) from None
    if lo >= hi or hi - lo > 100:
        raise Invalid(
            {"scale_max": _("The highest value is above the lowest (at most 100 steps).")}
        )
    if writes_support_score and not (lo >= 1 and hi <= 5):
        raise Invalid(
            {"writes_support_score": _("The support score is 1 to 5: use a scale within 1–5.")}
        )
    return lo, hi


@transaction.atomic
def block_add(
    *,
    actor: Any,
    script: Script,
    kind: str,
    text: str,
    label: str = "",
    translations: dict | None = None,
    scale_min: int | None = None,
    scale_max: int | None = None,
    writes_support_score: bool = False,
) -> Block:
    _require_manage(actor, script)
    if kind not in Block.Kind.values:
        raise Invalid({"kind": _("Unknown kind of block.")})
    lo, hi = _clean_scale(kind, scale_min, scale_max, writes_support_score)
    last = script.blocks.aggregate(m=Max("position"))["m"]
    block = Block.objects.create(
        script=script,
        kind=kind,
        position=0 if last is None else last + 1,
        text=_clean_text(text),
        label=(label or "").strip()[:80],
        translations=clean_translations(translations),
        scale_min=lo,
        scale_max=hi,
        writes_support_score=writes_support_score,
    )
    if kind == Block.Kind.YES_NO:
        yes, no = _yes_no_labels()
        base = script.base_language
        Choice.objects.create(
            block=block, position=0, value="yes", label=yes.get(base, "Yes"), translations=yes
        )
        Choice.objects.create(
            block=block, position=1, value="no", label=no.get(base, "No"), translations=no
        )
    _touch(script)
    return block


@transaction.atomic
def block_update(
    *,
    actor: Any,
    block: Block,
    text: str | None = None,
    label: str | None = None,
    translations: dict | None = None,
    scale_min: int | None = None,
    scale_max: int | None = None,
    writes_support_score: bool | None = None,
) -> Block:
    _require_manage(actor, block.script)
    if text is not None:
        block.text = _clean_text(text)
    if label is not None:
        block.label = label.strip()[:80]
    if translations is not None:
        block.translations = clean_translations(translations)
    if block.kind == Block.Kind.SCALE:
        block.scale_min, block.scale_max = _clean_scale(
            block.kind,
            block.scale_min if scale_min is None else scale_min,
            block.scale_max if scale_max is None else scale_max,
            block.writes_support_score if writes_support_score is None else writes_support_score,
        )
        if writes_support_score is not None:
            block.writes_support_score = writes_support_score
    block.save()
    _touch(block.script)
    return block


@transaction.atomic
def block_delete(*, actor: Any, block: Block) -> None:
    """Only a block nobody has answered (answers are never thrown away)."""
    _require_manage(actor, block.script)
    if Response.objects.filter(question=block).exists():
        raise Conflict(_("People have answered this question: it cannot be deleted."))
    script = block.script
    block.delete()
    _renumber(script)
    _touch(script)


@transaction.atomic
def block_move(*, actor: Any, block: Block, position: int) -> Block:
    """Move a block to ``position`` (0-based); refused when a jump would then go backwards."""
    _require_manage(actor, block.script)
    blocks = list(block.script.blocks.select_for_update().order_by("position", "id"))
    blocks = [b for b in blocks if b.pk != block.pk]
    position = max(0, min(int(position), len(blocks)))
    blocks.insert(position, block)
    order = {b.pk: i for i, b in enumerate(blocks)}
    for choice in Choice.objects.filter(block__script=block.script, goto__isnull=False):
        if order[choice.goto_id] <= order[choice.block_id]:
            raise Conflict(
                _("“%(choice)s” jumps to a block that would then come before it.")
                % {"choice": choice.label}
            )
    for b in blocks:
        if b.position != order[b.pk]:
            Block.objects.filter(pk=b.pk).update(position=order[b.pk])
    block.position = order[block.pk]
    _touch(block.script)
    return block


def _renumber(script: Script) -> None:
    for i, pk in enumerate(script.blocks.order_by("position", "id").values_list("pk", flat=True)):
        Block.objects.filter(pk=pk).exclude(position=i).update(position=i)


def _touch(script: Script) -> None:
    Script.objects.filter(pk=script.pk).update(updated_at=timezone.now())


# --- choices ---------------------------------------------------------------------------------


def _clean_choice(block: Block, data: dict[str, Any], choice: Choice | None = None) -> dict:
    out: dict[str, Any] = {}
    if "label" in data or choice is None:
        label = (data.get("label") or "").strip()
        if not label:
            raise Invalid({"label": _("Write the choice.")})
        out["label"] = label[:200]
    if "value" in data or choice is None:
        value = slugify(data.get("value") or out.get("label") or "", allow_unicode=True)[:50]
        value = value or f"choice-{block.choices.count() + 1}"
        clash = block.choices.filter(value=value)
        if choice is not None:
            clash = clash.exclude(pk=choice.pk)
        if clash.exists():
            raise Invalid({"value": _("Another choice has the value “%(v)s”.") % {"v": value}})
        out["value"] = value
    if "translations" in data:
        out["translations"] = clean_translations(data["translations"])
    if "tag" in data:
        tag = data["tag"]
        if isinstance(tag, str):
            tag = Tag.objects.filter(slug=tag).first() if tag else None
        out["tag"] = tag
    if any(k in data for k in ("consent_channel", "consent_purpose", "consent_wording")):
        channel = data.get("consent_channel") or ""
        purpose = data.get("consent_purpose") or ""
        wording = _clean_text(data.get("consent_wording") or "", "consent_wording", False)
        if channel or purpose or wording:
            if channel not in Consent.Channel.values:
                raise Invalid({"consent_channel": _("Choose the channel consented to.")})
            if purpose not in Consent.Purpose.values:
                raise Invalid({"consent_purpose": _("Choose what the consent is for.")})
            if not wording:
                raise Invalid({"consent_wording": _("Write the exact wording read out.")})
        out.update(consent_channel=channel, consent_purpose=purpose, consent_wording=wording)
    if "consent_wording_translations" in data:
        out["consent_wording_translations"] = clean_translations(
            data["consent_wording_translations"], "consent_wording_translations"
        )
    if "goto" in data:
        goto = data["goto"]
        if goto is not None and not isinstance(goto, Block):
            goto = Block.objects.filter(pk=goto, script_id=block.script_id).first()
            if goto is None:
                raise Invalid({"goto": _("Choose a block of this script.")})
        if goto is not None and (
            goto.script_id != block.script_id or goto.position <= block.position
        ):
            raise Invalid({"goto": _("A jump goes forward, to a later block of this script.")})
        out["goto"] = goto
    return out


@transaction.atomic
def choice_add(*, actor: Any, block: Block, label: str, **data: Any) -> Choice:
    _require_manage(actor, block.script)
    if block.kind not in (Block.Kind.SINGLE, Block.Kind.MULTIPLE):
        raise Conflict(_("Only a single or multiple choice question takes choices."))
    fields = _clean_choice(block, {"label": label, **data})
    last = block.choices.aggregate(m=Max("position"))["m"]
    choice = Choice.objects.create(block=block, position=0 if last is None else last + 1, **fields)
    _touch(block.script)
    return choice


@transaction.atomic
def choice_update(*, actor: Any, choice: Choice, **data: Any) -> Choice:
    _require_manage(actor, choice.block.script)
    if choice.block.kind == Block.Kind.YES_NO:
        data.pop("value", None)  # "yes" and "no" stay what they are
    for key, value in _clean_choice(choice.block, data, choice).items():
        setattr(choice, key, value)
    choice.save()
    _touch(choice.block.script)
    return choice


@transaction.atomic
def choice_delete(*, actor: Any, choice: Choice) -> None:
    _require_manage(actor, choice.block.script)
    if choice.block.kind == Block.Kind.YES_NO:
        raise Conflict(_("A yes/no question keeps its two choices."))
    if ResponseChoice.objects.filter(choice=choice).exists():
        raise Conflict(_("People have picked this choice: it cannot be deleted."))
    choice.delete()
    _touch(choice.block.script)


# --- responses -------------------------------------------------------------------------------


@dataclass
class Recorded:
    """What ``responses_record`` did: the attempt (the one stored before, for a replay),
    whether this call stored it, and the answers it could not keep, by question."""

    attempt: Attempt
    created: bool
    responses: list[Response] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _choice_for(block: Block, raw: Any) -> Choice:
    choices = list(block.choices.all())
    if block.kind == Block.Kind.YES_NO and isinstance(raw, bool):
        raw = "yes" if raw else "no"
    text = str(raw).strip()
    for c in choices:
        if text == str(c.pk) or text == c.value:
            return c
    raise ValueError(_("“%(v)s” is not one of the choices.") % {"v": _shown(text)})


def _clean_answer(block: Block, raw: Any) -> dict[str, Any]:
    """The stored form of one answer, or ``ValueError`` with the reason."""
    kind = block.kind
    if kind in (Block.Kind.SINGLE, Block.Kind.YES_NO):
        if isinstance(raw, list | tuple):
            if len(raw) != 1:
                raise ValueError(_("Pick one choice."))
            raw = raw[0]
        return {"choices": [_choice_for(block, raw)]}
    if kind == Block.Kind.MULTIPLE:
        values = raw if isinstance(raw, list | tuple) else [raw]
        picked: list[Choice] = []
        for v in values:
            c = _choice_for(block, v)
            if c not in picked:
                picked.append(c)
        if not picked:
            raise ValueError(_("Pick at least one choice."))
        return {"choices": picked}
    if kind in (Block.Kind.SCALE, Block.Kind.NUMBER):
        if isinstance(raw, bool):
            raise ValueError(_("A number is needed."))
        try:
            number = Decimal(str(raw).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            raise ValueError(_("A number is needed.")) from None
        if not number.is_finite() or abs(number) >= Decimal("1e10"):
            raise ValueError(_("A number is needed."))
        if kind == Block.Kind.SCALE:
            if number != number.to_integral_value():
                raise ValueError(_("A whole number is needed."))
            if not block.scale_min <= number <= block.scale_max:
                raise ValueError(
                    _("From %(lo)s to %(hi)s.") % {"lo": block.scale_min, "hi": block.scale_max}
                )
        return {"number": number.quantize(Decimal("0.01"))}
    if kind == Block.Kind.FREE_TEXT:
        if not isinstance(raw, str | int | float):
            raise ValueError(_("Text is needed."))
        text = str(raw).strip()
        if len(text) > MAX_TEXT:
            raise ValueError(_("At most %(n)s characters.") % {"n": MAX_TEXT})
        return {"text": text}
    raise ValueError(_("This block is not a question."))  # pragma: no cover - filtered before


def _answer_items(answers: Any) -> list[tuple[str, Any]]:
    """``{question id: value}`` or ``[{"question": id, "value": …}]``, as pairs."""
    if answers is None:
        return []
    if isinstance(answers, dict):
        return [(str(k), v) for k, v in answers.items()]
    if isinstance(answers, list | tuple):
        out = []
        for i, item in enumerate(answers):
            if isinstance(item, dict):
                out.append((str(item.get("question", "")), item.get("value")))
            else:
                out.append((f"#{i}", item))
        return out
    raise Invalid({"answers": _("Answers are a map of question to answer.")})


def _shown(raw: Any, n: int = 40) -> str:
    """Someone's input quoted back in an error (stored as JSON): short, no NUL characters."""
    return str(raw).replace("\x00", "")[:n]


def _empty(raw: Any) -> bool:
    return raw is None or raw == "" or raw == [] or raw == ()


def _result_code(raw: Any) -> ResultCode | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, ResultCode):
        return raw
    return ResultCode.objects.filter(code=str(raw).strip(), active=True).first()


@transaction.atomic
def responses_record(
    *,
    actor: Any,
    person: Person | int,
    script: Script,
    answers: Any,
    channel: str,
    attempt_key: str,
    result_code: ResultCode | str | None = None,
    recorded_at: dt.datetime | None = None,
    source: str = "",
    language: str = "",
) -> Recorded:
    """Record one contact attempt with a person: its answers and how it ended.

    Idempotent on ``attempt_key`` (a client-made id, e.g. a UUID): recording the same attempt
    again returns the stored one and changes nothing. Each answer is checked against the
    script; a bad one (unknown question, a value that does not fit) is reported in
    ``errors`` and the rest are kept. Answers become the person's latest when no answer given
    later (by ``recorded_at``) is stored; the latest answers' effects apply (tag, consent with
    its wording, support score), the result code's too (moved, deceased), and one
    ``people.Interaction`` logs the attempt."""
    access.require(actor, RECORD)
    person_id = person.pk if isinstance(person, Person) else int(person)
    target = Person.objects.filter(pk=person_id).first()
    if target is None or not access.is_visible(target, actor, access.CHANGE):
        raise NotFound
    access.require_object(actor, VIEW, script, access.VIEW)
    key = str(attempt_key or "").strip()
    if not key or len(key) > 100:
        raise Invalid({"attempt_key": _("Give each attempt an id (at most 100 characters).")})
    if channel not in Attempt.Channel.values:
        raise Invalid({"channel": _("Unknown channel.")})
    now = timezone.now()
    recorded_at = recorded_at or now
    if recorded_at > now + dt.timedelta(minutes=5):
        raise Invalid({"recorded_at": _("An answer cannot be in the future.")})
    items = _answer_items(answers)

    # One writer per person at a time: the "latest answer" flags and the effects follow
    # one order, and a replayed attempt waits for the first to commit, then finds it.
    Person.objects.select_for_update().filter(pk=person_id).values_list("pk", flat=True).first()
    existing = Attempt.objects.filter(attempt_key=key).first()
    if existing is not None:
        return _replayed(existing, person_id, script)
    if script.status == Script.Status.ARCHIVED:
        raise Conflict(_("This script is archived."))

    errors: dict[str, str] = {}
    code = _result_code(result_code)
    if result_code not in (None, "") and code is None:
        errors["result_code"] = _("Unknown result code “%(c)s”.") % {"c": _shown(result_code)}
    questions = {
        str(b.pk): b
        for b in script.blocks.exclude(kind=Block.Kind.TEXT).prefetch_related("choices")
    }
    cleaned: list[tuple[Block, dict[str, Any]]] = []
    seen: set[int] = set()
    for qkey, raw in items:
        qkey = _shown(qkey)
        block = questions.get(qkey)
        if block is None:
            errors[qkey] = _("No such question in this script.")
            continue
        if _empty(raw):
            continue
        if block.pk in seen:
            errors[qkey] = _("Answered twice in one attempt.")
            continue
        try:
            cleaned.append((block, _clean_answer(block, raw)))
            seen.add(block.pk)
        except ValueError as exc:
            errors[qkey] = str(exc)

    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                attempt_key=key,
                person_id=person_id,
                script=script,
                channel=channel,
                source=(source or "")[:100],
                actor=access.user_or_none(actor),
                recorded_at=recorded_at,
                received_at=now,
                result_code=code,
                language=(language or target.preferred_language or "")[:10],
                errors=errors,
            )
    except IntegrityError:  # the same key recorded meanwhile (another person's lock)
        return _replayed(Attempt.objects.get(attempt_key=key), person_id, script)

    # Which answers become the latest: none given later for that question is stored.
    latest = {
        r.question_id: r
        for r in Response.objects.filter(
            person_id=person_id, question_id__in=[b.pk for b, _v in cleaned], is_latest=True
        )
    }
    superseded = [
        latest[b.pk].pk
        for b, _v in cleaned
        if b.pk in latest and latest[b.pk].recorded_at <= recorded_at
    ]
    if superseded:
        Response.objects.filter(pk__in=superseded).update(is_latest=False)
    responses = []
    for block, value in cleaned:
        is_latest = block.pk not in latest or latest[block.pk].pk in superseded
        response = Response.objects.create(
            attempt=attempt,
            person_id=person_id,
            question=block,
            recorded_at=recorded_at,
            number=value.get("number"),
            text=value.get("text", ""),
            is_latest=is_latest,
        )
        picked = value.get("choices") or []
        if picked:
            ResponseChoice.objects.bulk_create(
                [ResponseChoice(response=response, choice=c) for c in picked]
            )
        response.picked = picked
        responses.append(response)

    _apply_effects(actor, target, attempt, responses)
    interaction = people.interaction_record(
        actor=actor,
        person=person_id,
        channel=INTERACTION_CHANNEL[channel],
        outcome=code.code if code else "answered",
        detail=script.name,
        data={
            "attempt_id": attempt.pk,
            "script_id": script.pk,
            "answers": len(responses),
            "survey_channel": channel,
        },
        occurred_at=recorded_at,
        source="surveys",
        reached=code is None or code.counts_as_contact,
    )
    Attempt.objects.filter(pk=attempt.pk).update(interaction=interaction)
    attempt.interaction = interaction
    events.publish(
        "survey.answered",
        {
            "attempt_id": attempt.pk,
            "person_id": person_id,
            "script_id": script.pk,
            "channel": channel,
            "result_code": code.code if code else "",
            "question_ids": [r.question_id for r in responses],
        },
    )
    return Recorded(attempt=attempt, created=True, responses=responses, errors=errors)


def _replayed(attempt: Attempt, person_id: int, script: Script) -> Recorded:
    if attempt.person_id != person_id or attempt.script_id != script.pk:
        raise Conflict(_("This attempt id was already used for another person or script."))
    return Recorded(
        attempt=attempt,
        created=False,
        responses=list(attempt.responses.all()),
        errors=dict(attempt.errors or {}),
    )


def _apply_effects(actor: Any, person: Person, attempt: Attempt, responses: list) -> None:
    """The answers' and the result code's effects on the person. The script's author chose
    them (``surveys.manage``), so they apply on the script's authority (``SYSTEM``), not the
    recorder's: a canvasser who may not edit people still records a "yes, text me" consent."""
    by = attempt.actor.get_username() if attempt.actor_id else "system"
    source = f"survey {attempt.script_id} ({attempt.channel}, {by})"[:100]
    for response in responses:
        if not response.is_latest:
            continue  # an older answer synced late: the newer one's effects stand
        block = response.question
        if block.writes_support_score and response.number is not None:
            score = int(response.number)
            if person.support_score != score:
                person = people.person_update(
                    actor=access.SYSTEM, person=person, data={"support_score": score}
                )
        for choice in response.picked:
            if choice.tag_id:
                people.tag_apply(actor=access.SYSTEM, tag=choice.tag, people=[person.pk])
            if choice.consent_channel:
                people.consent_record(
                    actor=access.SYSTEM,
                    person=person,
                    channel=choice.consent_channel,
                    purpose=choice.consent_purpose,
                    status=Consent.Status.GRANTED,
                    source=source,
                    wording=choice.wording_in(attempt.language or None),
                )
    code = attempt.result_code
    if code is not None and code.person_status and person.status != code.person_status:
        newer = Attempt.objects.filter(
            person_id=person.pk, recorded_at__gt=attempt.recorded_at, result_code__isnull=False
        ).exists()
        if not newer:
            people.person_update(
                actor=access.SYSTEM, person=person, data={"status": code.person_status}
            )
