"""The shared inbox: replies threaded per person and channel, assigned to staff, answered
through the one send path. P2P texting replies stay with their texter (not listed here)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import access, audit
from grassroots.messaging import sending
from grassroots.messaging.models import InboxThread, Message
from grassroots.people.selectors import person_visible_to

SUBSCRIBER_KEY = "messaging.inbox.thread"
FILED = "inbox"  # an inbound message's ``claim`` once it is in its thread


def on_message_received(event) -> InboxThread | None:
    """Outbox subscriber (``SUBSCRIBER_KEY``) for ``message.received``: file the reply in its
    thread — unless it answers a P2P text, whose conversation stays with its texter."""
    message = (
        Message.objects.filter(
            pk=event.payload.get("message_id"), direction=Message.Direction.INBOUND
        )
        .select_related("reply_to")
        .first()
    )
    if message is None or (message.reply_to_id and message.reply_to.texting_contact_id):
        return None
    return thread_for_inbound(message)


def thread_for_inbound(message: Message) -> InboxThread | None:
    """File an inbound message in its thread (created, or reopened, with one more unread).
    Once per message, however often it is asked (an event may be delivered twice): the message
    is claimed for the inbox in the same transaction."""
    if message.texting_contact_id:
        return None
    with transaction.atomic():
        if not Message.objects.filter(pk=message.pk, claim="").update(claim=FILED):
            return InboxThread.objects.filter(
                channel=message.channel, address=message.from_address
            ).first()
        return _file(message)


def _file(message: Message) -> InboxThread:
    thread, created = InboxThread.objects.get_or_create(
        channel=message.channel,
        address=message.from_address,
        defaults={
            "person_id": message.person_id,
            "last_message_at": message.created_at,
            "last_body": message.body[:200],
            "unread": 1,
        },
    )
    if not created:
        InboxThread.objects.filter(pk=thread.pk).update(
            status=InboxThread.Status.OPEN,
            last_message_at=message.created_at,
            last_body=message.body[:200],
            unread=F("unread") + 1,
            person_id=message.person_id or thread.person_id,
        )
    return thread


def visible_threads(actor: Any) -> QuerySet[InboxThread]:
    """Threads with a person in the actor's areas; unknown senders only for campaign-wide
    staff."""
    qs = InboxThread.objects.select_related("person", "assigned_to")
    if getattr(actor, "sees_everything", False):
        return qs
    return qs.filter(person__in=person_visible_to(actor).values("pk"))


def thread_messages(thread: InboxThread) -> QuerySet[Message]:
    q = Q(channel=thread.channel) & (
        Q(direction=Message.Direction.INBOUND, from_address=thread.address)
        | Q(direction=Message.Direction.OUTBOUND, to_address=thread.address)
    )
    return (
        Message.objects.filter(q)
        .exclude(status__in=[Message.Status.PENDING])
        .select_related("created_by", "broadcast")
        .order_by("-created_at", "-id")
    )


def thread_read(*, actor: Any, thread: InboxThread) -> None:
    _require(actor, thread)
    InboxThread.objects.filter(pk=thread.pk).update(unread=0)


def thread_assign(*, actor: Any, thread: InboxThread, user) -> InboxThread:
    _require(actor, thread)
    if user is not None and not access.who_can(thread, [user], "messaging.send"):
        raise ValidationError(
            _("%(user)s cannot see this conversation; choose someone who can.")
            % {"user": user.get_username()}
        )
    thread.assigned_to = user
    thread.save(update_fields=["assigned_to"])
    audit.record(
        actor=actor,
        action="messaging.thread_assigned",
        obj=thread,
        detail={"to": user.pk if user else None},
    )
    return thread


def thread_set_status(*, actor: Any, thread: InboxThread, status: str) -> InboxThread:
    _require(actor, thread)
    if status not in InboxThread.Status.values:
        raise ValidationError(_("Unknown status."))
    thread.status = status
    thread.save(update_fields=["status"])
    return thread


def thread_reply(*, actor: Any, thread: InboxThread, body: str) -> Message:
    """Answer in the thread, through the same checks as every message."""
    _require(actor, thread)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the reply.")})
    if len(body) > 1600:
        raise ValidationError({"body": _("A reply is at most 1,600 characters.")})
    last_in = (
        Message.objects.filter(
            channel=thread.channel,
            direction=Message.Direction.INBOUND,
            from_address=thread.address,
        )
        .order_by("-created_at")
        .first()
    )
    account = (last_in.account if last_in else None) or sending.default_account(thread.channel)
    message = Message.objects.create(
        person_id=thread.person_id,
        channel=thread.channel,
        to_address=thread.address,
        from_address=(last_in.to_address if last_in else "")
        or (account.config.get("from_number", "") if account else ""),
        body=body,
        account=account,
        created_by=actor,
        purpose=last_in.purpose if last_in else "campaign",
    )
    sending.dispatch([message.pk])
    InboxThread.objects.filter(pk=thread.pk).update(
        last_message_at=timezone.now(), last_body=body[:200], unread=0
    )
    message.refresh_from_db()
    return message


def _require(actor: Any, thread: InboxThread) -> None:
    """``messaging.send``, and the thread's person inside the actor's areas (404 otherwise)."""
    access.require_object(actor, "messaging.send", thread)
