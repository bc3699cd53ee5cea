"""Reads: which segments and lists a user may see, and who is in them (always within scope)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from grassroots.lists.compiler import Compiler
from grassroots.lists.models import ListMember, PersonList, Segment
from grassroots.lists.registry import Context
from grassroots.people.models import Person
from grassroots.people.selectors import person_visible_to

__all__ = ["person_visible_to"]


def segment_visible_to(actor: Any, action: str = "view") -> QuerySet[Segment]:
    """One's own segments, and shared ones whose area overlaps one's areas (a segment shared by
    another district's organiser — its name and definition — is not shown: ADR 0008)."""
    return Segment.objects.visible_to(actor, action).select_related("owner")


def list_visible_to(actor: Any, action: str = "view") -> QuerySet[PersonList]:
    return PersonList.objects.visible_to(actor, action).select_related("owner", "segment")


def compiler_for(actor: Any, *, now: dt.datetime | None = None) -> Compiler:
    now = now or timezone.now()
    lists = list_visible_to(actor)
    segments = segment_visible_to(actor)

    def resolve_list(pk: int):
        if not lists.filter(pk=pk).exists():
            return None
        return Q(pk__in=ListMember.objects.filter(list_id=pk).values("person_id"))

    def resolve_segment(pk: int):
        return segments.filter(pk=pk).values_list("definition", flat=True).first()

    ctx = Context(actor=actor, today=timezone.localdate(now), now=now)
    return Compiler(ctx, resolve_list=resolve_list, resolve_segment=resolve_segment)


def segment_people(
    *, actor: Any, definition: Any, now: dt.datetime | None = None
) -> QuerySet[Person]:
    """The people a definition matches, within the actor's scope: one query, not yet run.

    Raises ``compiler.DefinitionError`` (a ``ValidationError``) for a definition that does not
    compile, with messages that say which step and condition is wrong.
    """
    q = compiler_for(actor, now=now).compile(definition)
    return person_visible_to(actor).filter(q)


def segment_counts(*, actor: Any, definition: Any) -> dict[str, int]:
    """People and households matched: the builder's live count. Someone without a household
    is a door of their own."""
    row = (
        segment_people(actor=actor, definition=definition)
        .order_by()
        .aggregate(
            people=Count("id"),
            households=Count("household_id", distinct=True),
            alone=Count("id", filter=Q(household_id__isnull=True)),
        )
    )
    return {
        "people": row["people"] or 0,
        "households": (row["households"] or 0) + (row["alone"] or 0),
    }


def list_people(*, actor: Any, person_list: PersonList) -> QuerySet[Person]:
    """A list's members that the actor may see (a list shared across scopes shows each user only
    their own part)."""
    return person_visible_to(actor).filter(
        pk__in=ListMember.objects.filter(list=person_list).values("person_id")
    )
