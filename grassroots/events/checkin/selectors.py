"""Reads of the check-in screen."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from grassroots.core import access
from grassroots.core.exceptions import NotFound
from grassroots.events.models import Event, Registration

LIMIT = 100


def event_for_checkin(*, actor: Any, public_id) -> Event:
    """The event a host checks people in to: visible to them, or 404 like a missing one."""
    event = (
        Event.objects.visible_to(actor, access.CHANGE)
        .select_related("type")
        .filter(public_id=public_id)
        .first()
    )
    if event is None:
        raise NotFound
    return event


def registrations(event: Event, q: str = "") -> QuerySet[Registration]:
    """The event's registrations (cancelled last), searched by name, phone or email."""
    qs = Registration.objects.filter(event=event).select_related("person", "shift")
    q = (q or "").strip()
    if q:
        cond = Q()
        for word in q.split()[:5]:
            cond &= (
                Q(person__given_name__icontains=word)
                | Q(person__family_name__icontains=word)
                | Q(person__full_name__icontains=word)
                | Q(person__native_name__icontains=word)
                | Q(person__contact_points__value__icontains=word)
            )
        qs = qs.filter(cond).distinct()
    return qs.order_by("status", "person__family_name", "person__given_name", "pk")[:LIMIT]


def counts(event: Event) -> dict[str, int]:
    rows = Registration.objects.filter(event=event).exclude(status=Registration.Status.CANCELLED)
    return {
        "registered": rows.filter(status=Registration.Status.CONFIRMED).count(),
        "attended": rows.filter(attendance=Registration.Attendance.ATTENDED).count(),
        "no_show": rows.filter(attendance=Registration.Attendance.NO_SHOW).count(),
    }
