"""Reads: scripts, result codes, a person's latest answers and attempts."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from grassroots.core import access
from grassroots.surveys.models import Attempt, Block, Choice, Response, ResultCode, Script

VIEW = "surveys.view"


def script_list(*, actor: Any, status: str | None = None) -> QuerySet[Script]:
    if not access.can(actor, VIEW):
        return Script.objects.none()
    qs = (
        Script.objects.visible_to(actor)
        .select_related("area")
        .annotate(
            n_blocks=Count("blocks", distinct=True), n_attempts=Count("attempts", distinct=True)
        )
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def script_get(*, actor: Any, pk: Any, action: str = access.VIEW) -> Script:
    access.require(actor, VIEW)
    return access.get_visible(Script, actor, action, pk=pk)


def script_blocks(script: Script) -> list[Block]:
    """The blocks in order, each with its choices (two queries)."""
    return list(
        script.blocks.order_by("position", "id").prefetch_related(
            Prefetch("choices", queryset=Choice.objects.select_related("tag", "goto"))
        )
    )


def result_codes() -> QuerySet[ResultCode]:
    return ResultCode.objects.filter(active=True)


def latest_answers(*, actor: Any, person: Any) -> QuerySet[Response]:
    """The person's latest answer to each question they answered (the ``is_latest`` rows)."""
    if not access.can(actor, VIEW):
        return Response.objects.none()
    return (
        Response.objects.visible_to(actor)
        .filter(person=person, is_latest=True)
        .select_related("question__script", "attempt")
        .prefetch_related("choices")
        .order_by("question__script_id", "question__position")
    )


def attempts_for_person(*, actor: Any, person: Any) -> QuerySet[Attempt]:
    if not access.can(actor, VIEW):
        return Attempt.objects.none()
    return (
        Attempt.objects.visible_to(actor)
        .filter(person=person)
        .select_related("script", "result_code", "actor")
        .prefetch_related(
            Prefetch("responses", queryset=Response.objects.prefetch_related("choices"))
        )
    )


def responses_for_person(*, actor: Any, person: Any) -> QuerySet[Response]:
    if not access.can(actor, VIEW):
        return Response.objects.none()
    return (
        Response.objects.visible_to(actor)
        .filter(person=person)
        .select_related("question", "attempt")
        .prefetch_related("choices")
    )


def is_hostile(person: Any) -> bool:
    """Whether an attempt at this person's door ended "hostile / unsafe" (the field app reads
    it before sending anyone)."""
    return Attempt.objects.filter(person=person, result_code__hostile=True).exists()


def person_panel(request: Any, person: Any) -> dict | None:
    """The person page's "Survey answers": their latest answers, and the scripts one may
    answer for them."""
    actor = request.user
    if not access.can(actor, VIEW):
        return None
    answers = list(latest_answers(actor=actor, person=person)[:50])
    scripts = []
    if access.can(actor, "surveys.record") and access.is_visible(person, actor, access.CHANGE):
        scripts = list(
            Script.objects.visible_to(actor)
            .filter(status=Script.Status.ACTIVE)
            .order_by("name")[:20]
        )
    last = attempts_for_person(actor=actor, person=person).first()
    return {"person": person, "answers": answers, "scripts": scripts, "last_attempt": last,
            "hostile": is_hostile(person)}  # fmt: skip
