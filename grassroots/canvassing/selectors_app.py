"""Reads of the canvassing app: the turfs a canvasser holds and a turf's package for the phone.

A **package** is everything the app needs to work a turf with no network: the doors in walk
order, the audience's people at each door (with their latest answers to the effort's script and
their last result), the script's blocks in every language the script has, the result codes
with their names in every language, and the doors a partner (another canvasser of the same
turf) has knocked. For the canvasser's safety it also carries the effort's stop time, each
door's "do not knock" mark and reason, and the canvasser's team leaders with a phone (for the
app's offline "call" link). It is read in a fixed number of queries whatever the number of doors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from grassroots.canvassing import safety
from grassroots.canvassing.models import Assignment, Door, Effort, Target, Turf, Visit
from grassroots.canvassing.services import CANVASS
from grassroots.core import access
from grassroots.core.exceptions import NotFound
from grassroots.core.ids import parse_id
from grassroots.people.models import Person
from grassroots.surveys.models import Attempt, Block, Choice, Response, ResponseChoice, ResultCode

PACKAGE_VERSION = 1


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def open_assignments(*, actor: Any):
    """The canvasser's open check-outs: their own and their teams' (a turf checked out to a
    team is worked by its members), soonest due first."""
    if not access.can(actor, CANVASS):
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(held_by_q(actor), released_at__isnull=True)
        .filter(turf__in=Turf.objects.visible_to(actor))
        .select_related("turf__effort")
        .order_by("due_at", "id")
    )


def _first_per_turf(assignments) -> list[Assignment]:
    seen: set[int] = set()
    out = []
    for a in assignments:
        if a.turf_id not in seen:
            seen.add(a.turf_id)
            out.append(a)
    return out


def held_by_q(actor: Any) -> Q:
    """Check-outs to the canvasser, or to a team whose member they are."""
    return Q(user=actor) | Q(team__members__user=actor)


def my_turfs(*, actor: Any) -> dict[str, Any]:
    """The turfs the canvasser holds, and the running efforts they may pick doors up from."""
    turfs = [
        {
            "id": a.turf_id,
            "assignment": a.pk,
            "name": a.turf.label,
            "effort": {"id": a.turf.effort_id, "name": a.turf.effort.name},
            "doors": a.turf.doors_count,
            "units": a.turf.units_count,
            "due_at": _iso(a.due_at),
            "kind": a.turf.kind,
        }
        for a in _first_per_turf(open_assignments(actor=actor))
    ]
    efforts = []
    if access.can(actor, CANVASS):
        efforts = [
            {"id": pk, "name": name}
            for pk, name in Effort.objects.visible_to(actor)
            .filter(status=Effort.Status.ACTIVE)
            .order_by("name", "id")
            .values_list("pk", "name")[:50]
        ]
    return {"turfs": turfs, "efforts": efforts, "server_time": timezone.now().isoformat()}


def held_turf(*, actor: Any, pk: Any) -> tuple[Turf, Assignment]:
    """The turf, if the canvasser holds it now; else ``NotFound`` (out of scope or not theirs)."""
    access.require(actor, CANVASS)
    pk = parse_id(pk)
    if pk is None:
        raise NotFound
    assignment = open_assignments(actor=actor).filter(turf_id=pk).first()
    if assignment is None:
        raise NotFound
    return assignment.turf, assignment


def _languages(script) -> list[str]:
    out = [script.base_language or "en"]
    for code in [*(script.languages or []), *(c for c, _n in settings.LANGUAGES)]:
        if isinstance(code, str) and code and code not in out:
            out.append(code)
    return out


def _script(script, languages: list[str]) -> list[dict[str, Any]]:
    blocks = list(script.blocks.order_by("position", "id"))
    choices: dict[int, list[Choice]] = {}
    for c in Choice.objects.filter(block__script=script).order_by("block_id", "position", "id"):
        choices.setdefault(c.block_id, []).append(c)
    out = []
    for b in blocks:
        item: dict[str, Any] = {
            "id": b.pk,
            "kind": b.kind,
            "label": b.label,
            "text": {lang: b.text_in(lang) for lang in languages},
        }
        if b.kind == Block.Kind.SCALE:
            item["min"], item["max"] = b.scale_min, b.scale_max
        if b.has_choices:
            item["choices"] = [
                {
                    "id": c.pk,
                    "value": c.value,
                    "label": {lang: c.label_in(lang) for lang in languages},
                    "goto": c.goto_id,
                    "consent": (
                        {lang: c.wording_in(lang) for lang in languages}
                        if c.consent_channel or c.consent_wording
                        else None
                    ),
                }
                for c in choices.get(b.pk, [])
            ]
        out.append(item)
    return out


def _codes(languages: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "name": {lang: c.display_name(lang) for lang in languages},
            "contact": c.counts_as_contact,
            "hostile": c.hostile,
            "retry": c.retry,
        }
        for c in ResultCode.objects.filter(active=True).order_by("position", "code")
    ]


def _age(p: dict[str, Any], today: dt.date) -> int | None:
    b = p["born_estimate"]
    if b is None:
        return None
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def _leaders(actor: Any) -> list[dict[str, Any]]:
    """The canvasser's team leaders with a phone, for the app's offline "call" link."""
    leaders = safety.leaders_of(access.user_or_none(actor))
    phones = safety.leader_phones(leaders)
    return [
        {"name": p.full_name or p.given_name, "phone": phones.get(p.pk, "")}
        for p in leaders
        if phones.get(p.pk)
    ]


def turf_package(*, actor: Any, pk: Any) -> dict[str, Any]:
    """The turf's package (see the module docstring); ``NotFound`` unless the canvasser holds it."""
    turf, assignment = held_turf(actor=actor, pk=pk)
    effort = turf.effort
    script = effort.script
    languages = _languages(script)
    doors = list(
        Door.objects.filter(turf=turf)
        .order_by("position", "id")
        .values(
            "id", "position", "label", "house_number", "street", "latitude", "longitude",
            "units", "knocks", "last_result", "last_visit_at", "added_in_field", "located",
            "do_not_knock", "do_not_knock_reason",
        )
    )  # fmt: skip
    at_door: dict[int, list[int]] = {}
    for door_id, person_id in Target.objects.filter(door__turf=turf).values_list(
        "door_id", "person_id"
    ):
        at_door.setdefault(door_id, []).append(person_id)
    wanted = [pid for ids in at_door.values() for pid in ids]
    people_rows = (
        Person.objects.visible_to(actor)
        .filter(pk__in=Target.objects.filter(door__turf=turf).values("person_id"))
        .values(
            "id", "given_name", "family_name", "full_name", "native_name", "gender",
            "born_estimate", "preferred_language", "relation_type", "relative_name",
            "do_not_contact", "status",
        )
    )  # fmt: skip
    today = timezone.localdate()
    people: dict[int, dict[str, Any]] = {}
    for p in people_rows:
        people[p["id"]] = {
            "id": p["id"],
            "given_name": p["given_name"],
            "family_name": p["family_name"],
            "name": p["full_name"] or p["given_name"],
            "native_name": p["native_name"],
            "gender": p["gender"],
            "age": _age(p, today),
            "language": p["preferred_language"],
            "relative": (
                {"relation": p["relation_type"], "name": p["relative_name"]}
                if p["relative_name"]
                else None
            ),
            "do_not_contact": p["do_not_contact"],
            "status": p["status"],
            "latest": {},
            "last_result": "",
            "last_at": None,
        }
    # Prior latest answers to this script's questions, and each person's last result.
    responses = list(
        Response.objects.filter(
            person_id__in=wanted, question__script=script, is_latest=True
        ).values_list("id", "person_id", "question_id", "question__kind", "number", "text")
    )
    picked: dict[int, list[str]] = {}
    for rid, value in ResponseChoice.objects.filter(
        response__person_id__in=wanted, response__question__script=script, response__is_latest=True
    ).values_list("response_id", "choice__value"):
        picked.setdefault(rid, []).append(value)
    for rid, pid, qid, kind, number, text in responses:
        if pid not in people:
            continue
        if kind in Block.CHOICE_KINDS:
            value: Any = picked.get(rid, [])
            if kind != Block.Kind.MULTIPLE:
                value = value[0] if value else None
        elif number is not None:
            value = int(number) if number == number.to_integral_value() else float(number)
        else:
            value = text
        people[pid]["latest"][str(qid)] = value
    for pid, code, when in (
        Attempt.objects.filter(person_id__in=wanted, script=script)
        .order_by("person_id", "-recorded_at", "-id")
        .values_list("person_id", "result_code__code", "recorded_at")
    ):
        person = people.get(pid)
        if person is not None and person["last_at"] is None:
            person["last_result"], person["last_at"] = code or "", _iso(when)
    # Co-canvassing: the doors someone else has knocked (synced), with their last result.
    partners = [
        {"door": door_id, "knocks": n, "at": _iso(last)}
        for door_id, n, last in Visit.objects.filter(turf=turf)
        .exclude(canvasser=access.user_or_none(actor))
        .values("door_id")
        .annotate(n=Count("id"), last=Max("recorded_at"))
        .values_list("door_id", "n", "last")
    ]
    return {
        "version": PACKAGE_VERSION,
        "turf": {
            "id": turf.pk,
            "name": turf.label,
            "kind": turf.kind,
            "doors": turf.doors_count,
            "units": turf.units_count,
            "walk_m": round(turf.walk_m or 0),
            "centroid": (
                [turf.centroid_lat, turf.centroid_lon] if turf.centroid_lat is not None else None
            ),
            "assignment": assignment.pk,
            "due_at": _iso(assignment.due_at),
        },
        "effort": {
            "id": effort.pk,
            "name": effort.name,
            "status": effort.status,
            "stop_time": effort.stop_time.strftime("%H:%M") if effort.stop_time else None,
        },
        "leaders": _leaders(actor),
        "script": {
            "id": script.pk,
            "name": script.name,
            "base_language": script.base_language or "en",
            "languages": languages,
            "blocks": _script(script, languages),
        },
        "codes": _codes(languages),
        "doors": [
            {
                "id": d["id"],
                "position": d["position"],
                "label": d["label"] or " ".join(x for x in (d["house_number"], d["street"]) if x),
                "lat": d["latitude"],
                "lon": d["longitude"],
                "units": d["units"],
                "knocks": d["knocks"],
                "last_result": d["last_result"],
                "last_visit_at": _iso(d["last_visit_at"]),
                "added_in_field": d["added_in_field"],
                "do_not_knock": d["do_not_knock"],
                "do_not_knock_reason": d["do_not_knock_reason"],
                "people": [pid for pid in at_door.get(d["id"], []) if pid in people],
            }
            for d in doors
        ],
        "people": list(people.values()),
        "partners": partners,
        "downloaded_at": timezone.now().isoformat(),
    }
