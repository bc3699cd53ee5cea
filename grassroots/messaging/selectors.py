"""Messaging reads: audiences, a broadcast's messages, a person's messages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from grassroots.lists import selectors as list_selectors
from grassroots.lists.compiler import DefinitionError
from grassroots.messaging.models import Broadcast, Message
from grassroots.people import contact
from grassroots.people.models import Person
from grassroots.people.selectors import TimelineEntry


def audience(actor: Any, broadcast: Broadcast) -> QuerySet[Person]:
    """Who the broadcast goes to, as the actor sees them: the frozen list once started, else
    the segment (or list) as it is now."""
    if broadcast.person_list_id:
        return list_selectors.list_people(actor=actor, person_list=broadcast.person_list)
    if broadcast.segment_id:
        try:
            return list_selectors.segment_people(
                actor=actor, definition=broadcast.segment.definition
            )
        except DefinitionError:
            return Person.objects.none()
    return Person.objects.none()


def audience_size(actor: Any, broadcast: Broadcast) -> int:
    return audience(actor, broadcast).order_by().count()


def audience_sample(actor: Any, broadcast: Broadcast, n: int = 5) -> list[Person]:
    return list(
        audience(actor, broadcast).select_related("area", "household__address").order_by("id")[:n]
    )


def broadcast_messages(broadcast: Broadcast, status: str | None = None) -> QuerySet[Message]:
    qs = broadcast.messages.select_related("person").order_by("-updated_at", "-id")
    if status in Message.Status.values:
        qs = qs.filter(status=status)
    return qs


def person_messages(person: Person, limit: int = 20) -> list[Message]:
    return list(
        Message.objects.filter(person=person)
        .select_related("broadcast")
        .order_by("-created_at", "-id")[:limit]
    )


def timeline_entries(person: Person, limit: int) -> list[TimelineEntry]:
    """Held and blocked messages on the person's timeline, with the reason (sent messages and
    replies are there already, as interactions)."""
    out = []
    for m in (
        Message.objects.filter(
            person=person,
            direction=Message.Direction.OUTBOUND,
            status__in=[Message.Status.HELD, Message.Status.BLOCKED, Message.Status.FAILED],
        )
        .select_related("broadcast")
        .order_by("-updated_at")[:limit]
    ):
        title = {
            Message.Status.HELD: _("%(channel)s held"),
            Message.Status.BLOCKED: _("%(channel)s not sent"),
            Message.Status.FAILED: _("%(channel)s failed"),
        }[m.status] % {"channel": m.get_channel_display()}
        body = m.status_reason
        if m.broadcast_id:
            body = f"{m.broadcast.name}: {body}"
        out.append(
            TimelineEntry(
                m.updated_at, "message", title, body, "", m.status_code,
                icon=contact.channel_icon(m.channel),
            )
        )  # fmt: skip
    return out
