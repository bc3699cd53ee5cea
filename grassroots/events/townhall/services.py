"""Town hall questions: attendees ask before and during (through their ticket), staff approve or
hide, star and mark answered; the answered ones are public once the town hall is over. A
question is stored as the text typed and always shown escaped: HTML or script in it is text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import access, audit
from grassroots.core.exceptions import Conflict, Invalid, NotFound
from grassroots.events.models import Event, Registration
from grassroots.events.townhall.models import EventQuestion

MANAGE = "events.manage"
MAX_LENGTH = 1000
MAX_PER_PERSON = 10
ACTIONS = ("approve", "hide", "star", "unstar", "answered", "unanswered")
Q = EventQuestion.Status


def is_town_hall(event: Event) -> bool:
    etype = event.type
    return etype is not None and (etype.slug == "town_hall" or etype.is_virtual)


def accepts_questions(event: Event, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        is_town_hall(event)
        and event.status == Event.Status.PUBLISHED
        and now < (event.ends_at or event.starts_at)
    )


def questions_of(registration: Registration) -> list[EventQuestion]:
    return list(EventQuestion.objects.filter(registration=registration).order_by("created_at"))


@transaction.atomic
def question_submit(*, registration: Registration, text: str, now: dt.datetime | None = None):
    """An attendee's question (through their ticket's secret address)."""
    event = registration.event
    text = (text or "").replace("\x00", "").strip()
    if registration.status == Registration.Status.CANCELLED:
        raise Conflict(_("This registration is cancelled; sign up again to ask a question."))
    if not accepts_questions(event, now):
        raise Conflict(_("This town hall no longer takes questions."))
    if not text:
        raise Invalid({"text": _("Write your question.")})
    if len(text) > MAX_LENGTH:
        raise Invalid({"text": _("Keep the question under %(n)s characters.") % {"n": MAX_LENGTH}})
    if EventQuestion.objects.filter(registration=registration).count() >= MAX_PER_PERSON:
        raise Conflict(_("You have asked the most questions one person may ask."))
    return EventQuestion.objects.create(
        event=event,
        registration=registration,
        person_id=registration.person_id,
        author_name=(registration.person.given_name or "")[:120],
        text=text,
    )


@transaction.atomic
def question_moderate(*, actor: Any, question: EventQuestion, action: str) -> EventQuestion:
    access.require_object(actor, MANAGE, question.event)
    if action not in ACTIONS:
        raise Invalid(_("Unknown action."))
    q = EventQuestion.objects.select_for_update().get(pk=question.pk)
    if action == "approve":
        q.status = Q.APPROVED
    elif action == "hide":
        q.status = Q.HIDDEN
        q.answered_at = None
    elif action in ("star", "unstar"):
        q.starred = action == "star"
    elif action == "answered":
        if q.status == Q.HIDDEN:
            raise Conflict(_("A hidden question cannot be marked answered; approve it first."))
        q.status = Q.APPROVED
        q.answered_at = q.answered_at or timezone.now()
    elif action == "unanswered":
        q.answered_at = None
    q.moderated_by = access.user_or_none(actor)
    q.save()
    audit.record(actor=actor, action=f"events.question_{action}", obj=q, detail={})
    return q


def questions_for_moderation(*, actor: Any, event: Event, status: str = ""):
    qs = EventQuestion.objects.visible_to(actor).filter(event=event)
    if status in Q.values:
        qs = qs.filter(status=status)
    return qs.order_by("-starred", "answered_at", "created_at", "pk")


def can_moderate(actor: Any, event: Event) -> bool:
    """Staff who may moderate this event's questions (the moderation screen's rule)."""
    return access.can(actor, MANAGE) and access.is_visible(event, actor, access.CHANGE)


def questions_visible(*, actor: Any, now: dt.datetime | None = None):
    """The questions an API caller may read: every question of the events they moderate, and
    elsewhere (events they only see) only what is public — approved, answered and the town hall
    over, as on the public answered list."""
    now = now or timezone.now()
    qs = EventQuestion.objects.visible_to(actor).select_related("event")
    public = models.Q(status=Q.APPROVED, answered_at__isnull=False, event__ends_at__lte=now)
    if not access.can(actor, MANAGE):
        return qs.filter(public)
    moderated = Event.objects.visible_to(actor, access.CHANGE).values("pk")
    return qs.filter(public | models.Q(event__in=moderated))


def registration_of(*, event: Event, person_id: int | None) -> Registration | None:
    """A person's live sign-up to ``event`` (the one their questions are asked through)."""
    if person_id is None:
        return None
    return (
        Registration.objects.filter(event=event, person_id=person_id)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("event", "person")
        .first()
    )


def question_get(*, actor: Any, event: Event, pk: int) -> EventQuestion:
    q = EventQuestion.objects.visible_to(actor).filter(event=event, pk=pk).first()
    if q is None:
        raise NotFound
    return q


def public_town_hall(public_id) -> Event:
    """A published, public or unlisted town hall (the public answered list)."""
    event = (
        Event.objects.select_related("type")
        .filter(
            public_id=public_id,
            status=Event.Status.PUBLISHED,
            visibility__in=[Event.Visibility.PUBLIC, Event.Visibility.UNLISTED],
        )
        .first()
    )
    if event is None or not is_town_hall(event):
        raise NotFound
    return event


def answered_public(event: Event, now: dt.datetime | None = None) -> list[EventQuestion] | None:
    """The answered questions once the town hall is over (``None`` before)."""
    now = now or timezone.now()
    if now < (event.ends_at or event.starts_at):
        return None
    return list(
        EventQuestion.objects.filter(
            event=event, status=Q.APPROVED, answered_at__isnull=False
        ).order_by("answered_at", "pk")
    )
