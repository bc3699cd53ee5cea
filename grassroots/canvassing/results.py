"""Reads for an effort's live field results: totals, IDs by answer, per canvasser / turf / area,
the map's door points, the rejected uploads, the visits export, and a person's visits.

Every number is an aggregate query (``GROUP BY`` in the database), never a query per row, so the
dashboard stays a fixed handful of queries for 100,000 doors and visits.

**IDs by answer** counts the *current* answer (``surveys.Response.is_latest``) of each person
who answered at this effort's doors: one per person and question; when a person answers again
later (at a second knock, on the phone), the older answer stops counting.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.canvassing.models import Door, Effort, SyncRejection, Turf, Visit
from grassroots.canvassing.services import MANAGE, VIEW
from grassroots.core import access
from grassroots.geography.models import Area
from grassroots.people.models import Person
from grassroots.surveys.models import Block, Choice, Response, ResponseChoice

MAX_TABLE_ROWS = 500
MAX_REJECTIONS = 200
EXPORT_CHUNK = 2000


def effort_get(*, actor: Any, pk: Any) -> Effort:
    """The effort if the actor may see its results (``canvassing.view``); 404 out of scope."""
    access.require(actor, VIEW)
    return access.get_visible(Effort.objects.select_related("script"), actor, pk=pk)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def totals(effort: Effort) -> dict[str, Any]:
    """Doors, doors knocked, visits, contacts, contact rate (contacts per visit), people
    reached, and visits per result code."""
    doors = Door.objects.filter(effort=effort).aggregate(
        doors=Count("id"),
        knocked=Count("id", filter=Q(knocks__gt=0)),
        unplaced=Count("id", filter=Q(latitude__isnull=True)),
    )
    visits = Visit.objects.filter(effort=effort).aggregate(
        visits=Count("id"),
        contacts=Count("id", filter=Q(contacted=True)),
        people=Count("person_id", filter=Q(contacted=True), distinct=True),
        last=Max("recorded_at"),
    )
    codes = list(
        Visit.objects.filter(effort=effort)
        .values("result_code__code", "result_code__name", "result_code__translations")
        .annotate(n=Count("id"))
        .order_by("-n", "result_code__code")
    )
    language = _language()
    by_code = [
        {
            "code": c["result_code__code"] or "",
            "name": (c["result_code__translations"] or {}).get(language)
            or c["result_code__name"]
            or _("No result code (talked)"),
            "n": c["n"],
            "pct": _pct(c["n"], visits["visits"]),
        }
        for c in codes
    ]
    return {
        **doors,
        **visits,
        "unknocked": doors["doors"] - doors["knocked"],
        "knocked_pct": _pct(doors["knocked"], doors["doors"]),
        "contact_rate": _pct(visits["contacts"], visits["visits"]),
        "rejections": SyncRejection.objects.filter(effort=effort).count(),
        "by_code": by_code,
    }


def _language() -> str:
    from django.utils import translation

    return (translation.get_language() or "en").split("-")[0]


@dataclass
class QuestionResult:
    question: Block
    answered: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)  # label, n, pct


def answers_by_question(effort: Effort) -> list[QuestionResult]:
    """Per question of the effort's script: how many people's current answer was given at this
    effort's doors, and how they split (per choice; per value for scales and numbers)."""
    questions = list(
        Block.objects.filter(script_id=effort.script_id)
        .exclude(kind=Block.Kind.TEXT)
        .order_by("position", "id")
    )
    if not questions:
        return []
    ids = [q.pk for q in questions]
    current = Response.objects.filter(
        question_id__in=ids,
        is_latest=True,
        attempt_id__in=Visit.objects.filter(effort=effort, attempt__isnull=False).values(
            "attempt_id"
        ),
    )
    # One pass: per question, number and choice (a response of a multiple-choice question is
    # counted once per choice picked; its people are counted apart, below).
    answered: dict[int, int] = defaultdict(int)
    per_choice: dict[int, int] = {}
    per_number: dict[int, list[tuple[Any, int]]] = defaultdict(list)
    for row in (
        current.order_by()
        .values("question_id", "number", "choices")
        .annotate(n=Count("id"))
        .order_by("question_id", "number")
    ):
        answered[row["question_id"]] += row["n"]
        if row["choices"] is not None:
            per_choice[row["choices"]] = per_choice.get(row["choices"], 0) + row["n"]
        elif row["number"] is not None:
            per_number[row["question_id"]].append((row["number"], row["n"]))
    multiple = [q.pk for q in questions if q.kind == Block.Kind.MULTIPLE]
    if multiple:
        answered.update(
            current.filter(question_id__in=multiple)
            .order_by()
            .values("question_id")
            .annotate(n=Count("id"))
            .values_list("question_id", "n")
        )
    choices: dict[int, list[Choice]] = defaultdict(list)
    for c in Choice.objects.filter(block__in=questions).order_by("position", "id"):
        choices[c.block_id].append(c)
    language = _language()
    out = []
    for q in questions:
        total = answered.get(q.pk, 0)
        result = QuestionResult(question=q, answered=total)
        if q.has_choices:
            for c in choices[q.pk]:
                n = per_choice.get(c.pk, 0)
                result.rows.append({"label": c.label_in(language), "n": n, "pct": _pct(n, total)})
        elif q.pk in per_number:
            for number, n in per_number[q.pk][:MAX_TABLE_ROWS]:
                label = f"{number:g}" if isinstance(number, float) else f"{number.normalize():f}"
                result.rows.append({"label": label, "n": n, "pct": _pct(n, total)})
        out.append(result)
    return out


def _name(first: str, last: str, username: str) -> str:
    full = f"{first or ''} {last or ''}".strip()
    return full or username or _("(deleted user)")


def per_canvasser(effort: Effort) -> list[dict[str, Any]]:
    rows = (
        Visit.objects.filter(effort=effort)
        .values(
            "canvasser_id", "canvasser__first_name", "canvasser__last_name", "canvasser__username"
        )
        .annotate(
            visits=Count("id"),
            doors=Count("door_id", distinct=True),
            contacts=Count("id", filter=Q(contacted=True)),
            last=Max("recorded_at"),
        )
        .order_by("-doors", "canvasser_id")[:MAX_TABLE_ROWS]
    )
    return [
        {
            "name": _name(
                r["canvasser__first_name"], r["canvasser__last_name"], r["canvasser__username"]
            ),
            "visits": r["visits"],
            "doors": r["doors"],
            "contacts": r["contacts"],
            "contact_rate": _pct(r["contacts"], r["visits"]),
            "last": r["last"],
        }
        for r in rows
    ]


def per_turf(effort: Effort) -> list[dict[str, Any]]:
    """Every turf (walk number order) with its doors knocked and contacts; doors outside any
    turf are one last row."""
    doors = {
        r["turf_id"]: r
        for r in Door.objects.filter(effort=effort)
        .order_by()
        .values("turf_id")
        .annotate(doors=Count("id"), knocked=Count("id", filter=Q(knocks__gt=0)))
    }
    visits = {
        r["turf_id"]: r
        for r in Visit.objects.filter(effort=effort)
        .order_by()
        .values("turf_id")
        .annotate(visits=Count("id"), contacts=Count("id", filter=Q(contacted=True)))
    }
    out = []
    turfs = Turf.objects.filter(effort=effort).order_by("number")[:MAX_TABLE_ROWS]
    for t in turfs.values("pk", "number", "name", "status"):
        label = t["name"] or _("Turf %(n)s") % {"n": t["number"]}
        out.append(_row(label, doors.get(t["pk"]), visits.get(t["pk"]), status=t["status"]))
    if None in doors or None in visits:
        out.append(_row(_("Not in a turf"), doors.get(None), visits.get(None), status=""))
    statuses = dict(Turf.Status.choices)
    for r in out:
        r["status_label"] = statuses.get(r["status"], "")
    return out


def _row(label: str, d: dict | None, v: dict | None, **extra: Any) -> dict[str, Any]:
    d, v = d or {}, v or {}
    doors, knocked = d.get("doors", 0), d.get("knocked", 0)
    visits, contacts = v.get("visits", 0), v.get("contacts", 0)
    return {
        "label": label,
        "doors": doors,
        "knocked": knocked,
        "knocked_pct": _pct(knocked, doors),
        "visits": visits,
        "contacts": contacts,
        "contact_rate": _pct(contacts, visits),
        **extra,
    }


def per_area(effort: Effort) -> list[dict[str, Any]]:
    """Per area of the doors (booth / precinct), by doors then name."""
    doors = {
        r["area_id"]: r
        for r in Door.objects.filter(effort=effort)
        .order_by()
        .values("area_id")
        .annotate(doors=Count("id"), knocked=Count("id", filter=Q(knocks__gt=0)))
    }
    visits = {
        r["door__area_id"]: r
        for r in Visit.objects.filter(effort=effort)
        .order_by()
        .values("door__area_id")
        .annotate(visits=Count("id"), contacts=Count("id", filter=Q(contacted=True)))
    }
    ids = [a for a in set(doors) | set(visits) if a is not None]
    names = dict(Area.objects.filter(pk__in=ids).values_list("pk", "name"))
    out = [_row(names.get(a, "?"), doors.get(a), visits.get(a)) for a in ids]
    out.sort(key=lambda r: (-r["doors"], r["label"]))
    if None in doors or None in visits:
        out.append(_row(_("No area"), doors.get(None), visits.get(None)))
    return out[:MAX_TABLE_ROWS]


def door_points(effort: Effort, since: dt.datetime | None = None) -> dict[str, Any]:
    """The map's doors as compact rows ``[id, lat, lon, knocks, contacted]`` (contacted: the last
    visit talked to someone); ``since`` gives only the doors whose visits arrived since then."""
    now = timezone.now()
    qs = Door.objects.filter(effort=effort, latitude__isnull=False, longitude__isnull=False)
    if since is not None:  # by the time of receipt: a visit synced late counts when it arrives
        qs = qs.filter(
            pk__in=Visit.objects.filter(effort=effort, received_at__gte=since).values("door_id")
        )
    contact_codes = set(_contact_codes())
    points = [
        [pk, round(lat, 6), round(lon, 6), knocks, 1 if result in contact_codes else 0]
        for pk, lat, lon, knocks, result in qs.order_by().values_list(
            "pk", "latitude", "longitude", "knocks", "last_result"
        )
    ]
    return {"doors": points, "server_time": now.isoformat()}


def _contact_codes() -> list[str]:
    from grassroots.surveys.models import ResultCode

    return [*ResultCode.objects.filter(counts_as_contact=True).values_list("code", flat=True),
            "contact"]  # fmt: skip


def rejections(*, actor: Any, effort: Effort) -> QuerySet[SyncRejection]:
    """The effort's uploads that could not be applied (for whoever manages it)."""
    access.require_object(actor, MANAGE, effort)
    return (
        SyncRejection.objects.visible_to(actor)
        .filter(effort=effort)
        .select_related("user")
        .order_by("-received_at", "-id")[:MAX_REJECTIONS]
    )


# --- the visits export ----------------------------------------------------------------------


def export_header(effort: Effort) -> tuple[list[str], list[Block]]:
    questions = list(
        Block.objects.filter(script_id=effort.script_id)
        .exclude(kind=Block.Kind.TEXT)
        .order_by("position", "id")
    )
    header = [
        _("Recorded at"),
        _("Canvasser"),
        _("Turf"),
        _("Door"),
        _("Person id"),
        _("Person"),
        _("Result code"),
        _("Contacted"),
        *[q.name() for q in questions],
        _("Note"),
        _("Visit id"),
    ]
    return header, questions


def export_rows(*, actor: Any, effort: Effort, questions: list[Block]) -> Iterator[list]:
    """One row per visit, oldest first, read in chunks: a chunk is three queries (visits,
    visible people, answers) whatever its size. A person the actor may not see is left blank."""
    language = _language()
    last_id = 0
    qs = (
        Visit.objects.visible_to(actor)
        .filter(effort=effort)
        .select_related("canvasser", "turf", "door", "result_code")
        .order_by("id")
    )
    question_ids = [q.pk for q in questions]
    while True:
        chunk = list(qs.filter(id__gt=last_id)[:EXPORT_CHUNK])
        if not chunk:
            return
        last_id = chunk[-1].pk
        person_ids = {v.person_id for v in chunk if v.person_id}
        names = {
            p["pk"]: f"{p['given_name']} {p['family_name']}".strip()
            for p in Person.objects.visible_to(actor)
            .filter(pk__in=person_ids)
            .values("pk", "given_name", "family_name")
        }
        answers = _answers([v.attempt_id for v in chunk if v.attempt_id], question_ids, language)
        for v in chunk:
            visible = v.person_id in names
            given = answers.get(v.attempt_id, {}) if visible else {}
            yield [
                timezone.localtime(v.recorded_at).strftime("%Y-%m-%d %H:%M"),
                _name(v.canvasser.first_name, v.canvasser.last_name, v.canvasser.username)
                if v.canvasser
                else "",
                v.turf.label if v.turf else "",
                v.door.label or v.door.key,
                v.person_id if visible else "",
                names.get(v.person_id, ""),
                v.result_code.code if v.result_code else "",
                _("yes") if v.contacted else _("no"),
                *[given.get(q, "") for q in question_ids],
                v.note,
                v.event_id,
            ]


def _answers(attempt_ids: list[int], question_ids: list[int], language: str) -> dict:
    """``{attempt id: {question id: the answer as text}}`` for these attempts (one query for the
    answers, one for their choices)."""
    if not attempt_ids or not question_ids:
        return {}
    rows = list(
        Response.objects.filter(attempt_id__in=attempt_ids, question_id__in=question_ids)
        .order_by()
        .values("pk", "attempt_id", "question_id", "number", "text")
    )
    labels: dict[int, list[str]] = defaultdict(list)
    for rc in (
        ResponseChoice.objects.filter(response_id__in=[r["pk"] for r in rows])
        .select_related("choice")
        .order_by("choice__position", "choice_id")
    ):
        labels[rc.response_id].append(rc.choice.label_in(language))
    out: dict[int, dict[int, str]] = defaultdict(dict)
    for r in rows:
        if labels.get(r["pk"]):
            value = "; ".join(labels[r["pk"]])
        elif r["number"] is not None:
            value = f"{r['number'].normalize():f}"
        else:
            value = r["text"]
        out[r["attempt_id"]][r["question_id"]] = value
    return out


# --- a person's visits, the dashboard tile ---------------------------------------------------


def person_visits(*, actor: Any, person: Any, limit: int = 20) -> list[Visit]:
    """The person's canvass visits in the efforts the actor may see, newest first."""
    if not access.can(actor, VIEW):
        return []
    return list(
        Visit.objects.filter(
            person=person, effort__in=Effort.objects.visible_to(actor).values("pk")
        )
        .select_related("effort", "result_code", "canvasser")
        .order_by("-recorded_at", "-id")[:limit]
    )


def doors_knocked_since(*, actor: Any, since: dt.datetime) -> int:
    """Distinct doors knocked since ``since`` in the efforts the actor may see."""
    return (
        Visit.objects.filter(
            recorded_at__gte=since, effort__in=Effort.objects.visible_to(actor).values("pk")
        )
        .values("door_id")
        .distinct()
        .count()
    )
