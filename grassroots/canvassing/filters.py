"""The segment filters canvassing registers: "knocked in canvass effort X" (any visit, talked to,
or a result code), "not home N times or more" (in one effort or across all), and "in a turf of
effort X, not yet knocked". Each is one ``EXISTS`` or ``IN`` subquery, so a segment stays one
SQL query.

The effort choices are the efforts the person building the segment may see (the registry gives
a choices callable the actor); building a filter checks the effort against the actor again.

A knock without a person (nobody opened the door) is a knock for everyone the effort lists at
that door: "not home" counts for each of them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy

from grassroots.canvassing.models import Effort, Target, Visit
from grassroots.core import access
from grassroots.lists.registry import Filter, Param, filters
from grassroots.surveys.models import ResultCode

GROUP = _l("Canvassing")
LIMIT = 500
NOT_HOME = "not-home"


def effort_choices(actor: Any = None) -> list[tuple[str, str]]:
    """The efforts ``actor`` may see (all of them for the system), newest first."""
    qs = Effort.objects.all() if actor is None else Effort.objects.visible_to(actor)
    rows = qs.order_by("-created_at", "-id").values_list("pk", "name", "status")[:LIMIT]
    statuses = dict(Effort.Status.choices)
    return [(str(pk), f"{name} ({statuses.get(status, status)})") for pk, name, status in rows]


def _result_codes() -> list[tuple[str, Any]]:
    return [(c.code, c.display_name()) for c in ResultCode.objects.filter(active=True)]


def _effort(raw: Any, ctx) -> Effort:
    effort = Effort.objects.filter(pk=raw).first() if str(raw or "").isdigit() else None
    if effort is None or (ctx.actor is not None and not access.is_visible(effort, ctx.actor)):
        raise ValidationError({"effort": _("Unknown canvass effort.")})
    return effort


def knocked_q(params: dict, ctx) -> Q:
    effort = _effort(params["effort"], ctx)
    outcome = params.get("outcome") or "any"
    if outcome == "contacted":
        return Q(
            Exists(Visit.objects.filter(effort=effort, person_id=OuterRef("pk"), contacted=True))
        )
    if outcome == "result":
        codes = params.get("codes") or []
        if not codes:
            raise ValidationError({"codes": _("Choose at least one result.")})
        at_door = Q(person_id=OuterRef("pk")) | Q(
            person__isnull=True, door__targets__person_id=OuterRef("pk")
        )
        return Q(Exists(Visit.objects.filter(at_door, effort=effort, result_code__code__in=codes)))
    # any knock at the person's door
    return Q(
        Exists(Target.objects.filter(effort=effort, person_id=OuterRef("pk"), door__knocks__gt=0))
    )


def not_home_q(params: dict, ctx) -> Q:
    targets = Target.objects.all()
    if params.get("effort"):
        targets = targets.filter(effort=_effort(params["effort"], ctx))
    not_home = Q(door__visits__result_code__code=NOT_HOME) & (
        Q(door__visits__person__isnull=True) | Q(door__visits__person_id=F("person_id"))
    )
    people = (
        targets.order_by()
        .values("person_id")
        .annotate(n=Count("door__visits", filter=not_home))
        .filter(n__gte=params.get("min") or 2)
        .values("person_id")
    )
    return Q(pk__in=people)


def unknocked_q(params: dict, ctx) -> Q:
    effort = _effort(params["effort"], ctx)
    return Q(
        Exists(
            Target.objects.filter(
                effort=effort, person_id=OuterRef("pk"), door__turf__isnull=False, door__knocks=0
            )
        )
    )


def register_all() -> None:
    filters.register(Filter("canvass_knocked", _l("Knocked in a canvass effort"), knocked_q,
                            group=GROUP, order=260, help=_l(
        "People at a door canvassers knocked in the effort: any knock, only those who talked "
        "with a canvasser, or a knock with one of the chosen results (a result for the door, "
        "like not home, counts for everyone the effort lists there)."), params=[
        Param("effort", "choice", _l("Canvass effort"), choices=effort_choices),
        Param("outcome", "choice", pgettext_lazy("canvass filter", "Knock"), default="any",
              choices=[("any", _l("Any knock")), ("contacted", _l("Talked with a canvasser")),
                       ("result", _l("With one of these results"))]),
        Param("codes", "multi", _l("Results"), required=False, choices=_result_codes),
    ]))  # fmt: skip
    filters.register(Filter("canvass_not_home", _l("Not home N times or more"), not_home_q,
                            group=GROUP, order=261, help=_l(
        "Knocks answered “not home” at the person's door, in one effort or across all."),
        params=[
        Param("min", "int", _l("At least"), default=2, min_value=1, max_value=100),
        Param("effort", "choice", _l("In the canvass effort (empty: any)"), required=False,
              choices=effort_choices),
    ]))  # fmt: skip
    filters.register(Filter("canvass_unknocked", _l("In a turf, not yet knocked"), unknocked_q,
                            group=GROUP, order=262, help=_l(
        "People at a door of one of the effort's turfs that nobody has knocked yet."), params=[
        Param("effort", "choice", _l("Canvass effort"), choices=effort_choices),
    ]))  # fmt: skip
