"""The segment filter the surveys app registers: "the latest answer to question Q is one of
these choices / between a and b / there is no answer yet" — one ``EXISTS`` on the responses
flagged ``is_latest`` (ADR 0020), so a segment stays one SQL query."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from grassroots.core import access
from grassroots.lists.registry import Filter, Param, filters
from grassroots.surveys.models import Block, Choice, Response, ResponseChoice, Script

GROUP = _l("Surveys")
LIMIT = 500


def _scripts(actor):
    """The scripts ``actor`` may see (every script for the system)."""
    return Script.objects.all() if actor is None else Script.objects.visible_to(actor)


def _questions(actor=None):
    rows = (
        Block.objects.filter(script__in=_scripts(actor))
        .exclude(kind=Block.Kind.TEXT)
        .exclude(script__status=Script.Status.ARCHIVED)
        .select_related("script")
        .order_by("script__name", "script_id", "position")[:LIMIT]
    )
    return [(str(b.pk), f"{b.script.name} — {b.name()}") for b in rows]


def _choices(actor=None):
    rows = (
        Choice.objects.filter(block__script__in=_scripts(actor))
        .exclude(block__script__status=Script.Status.ARCHIVED)
        .select_related("block")
        .order_by("block__script_id", "block__position", "position")[:LIMIT]
    )
    return [(str(c.pk), f"{c.block.name()}: {c.label_in()}") for c in rows]


def answer_q(params, ctx) -> Q:
    question = Block.objects.filter(pk=params["question"]).select_related("script").first()
    if question is None or (
        ctx.actor is not None and not access.is_visible(question.script, ctx.actor)
    ):
        raise ValidationError({"question": _("Unknown question.")})
    latest = Response.objects.filter(
        person_id=OuterRef("pk"), question_id=question.pk, is_latest=True
    )
    if params.get("no_answer"):
        return ~Q(Exists(latest))
    picked = [int(c) for c in params.get("choices") or []]
    if picked:
        if Choice.objects.filter(pk__in=picked).exclude(block_id=question.pk).exists():
            raise ValidationError({"choices": _("Choose answers of that question.")})
        latest = latest.filter(
            Exists(ResponseChoice.objects.filter(response_id=OuterRef("pk"), choice_id__in=picked))
        )
    if params.get("min") is not None:
        latest = latest.filter(number__gte=params["min"])
    if params.get("max") is not None:
        latest = latest.filter(number__lte=params["max"])
    return Q(Exists(latest))


def register_all() -> None:
    filters.register(Filter("survey_answer", _l("Answered a survey question"), answer_q,
                            group=GROUP, order=250, help=_l(
        "The person's latest answer to the question: one of the chosen answers, or a number "
        "between the bounds; or no answer yet."), params=[
        Param("question", "choice", _l("Question"), choices=_questions),
        Param("choices", "multi", _l("Latest answer is one of"), required=False,
              choices=_choices),
        Param("min", "float", _l("At least"), required=False),
        Param("max", "float", _l("At most"), required=False),
        Param("no_answer", "bool", _l("Has no answer yet"), required=False, default=False),
    ]))  # fmt: skip
