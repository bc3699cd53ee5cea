"""What providers tell us (receipts, replies, through ``webhook_handle``), and what people do:
STOP/START/HELP, unsubscribe links, tracked opens and clicks, the do-not-message list."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import access, audit, events
from grassroots.core.access import SYSTEM
from grassroots.messaging import dispatch, keywords
from grassroots.messaging.models import (
    Broadcast,
    Channel,
    Message,
    ProviderAccount,
    Suppression,
    WebhookEvent,
)
from grassroots.messaging.providers.base import Inbound, Receipt, WebhookRejected, WebhookRequest
from grassroots.messaging.services import SEND, best_addresses, render_for  # noqa: F401
from grassroots.people import services as people_services
from grassroots.people.models import ContactPoint, Person

S = Message.Status
B = Broadcast.Status
CONFIRM = {
    "opt_out": "You are unsubscribed and will get no more messages from us. Reply START to resubscribe.",
    "opt_in": "You are subscribed again. Reply STOP to unsubscribe.",
    "help": "Campaign messages. Reply STOP to unsubscribe, START to resubscribe.",
}


# --- webhooks: receipts and replies -------------------------------------------------------------


def webhook_handle(account: ProviderAccount, request: WebhookRequest) -> tuple[int, str, str]:
    """Verify, parse and apply one provider webhook. (status, content type, body)"""
    provider = dispatch.provider_for(account)
    try:
        provider.verify_webhook(request)
    except WebhookRejected:
        return 403, "text/plain", "forbidden"
    try:
        items = provider.parse_webhook(request)
    except (ValueError, KeyError, TypeError):
        return 400, "text/plain", "malformed"
    replies: list[int] = []
    for item in items:
        key = (
            f"in:{item.provider_id}"
            if isinstance(item, Inbound)
            else f"r:{item.provider_id}:{item.status}"
        )
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(account=account, key=key[:200])
                if isinstance(item, Inbound):
                    replies += inbound_record(account=account, inbound=item).followups
                else:
                    receipt_apply(account=account, receipt=item)
        except IntegrityError:
            continue  # the provider delivered this event before: applied once already
    if replies:  # the one confirmation of STOP / START / HELP, after the reply is stored
        dispatch.dispatch(replies)
    content_type, body = provider.webhook_response(items)
    return 200, content_type, body


ORDER = {S.SENT: 1, S.DELIVERED: 2}


def receipt_apply(*, account: ProviderAccount, receipt: Receipt) -> int:
    messages = list(Message.objects.filter(provider_id=receipt.provider_id, account=account))
    now = receipt.occurred_at or timezone.now()
    for m in messages:
        st = receipt.status
        if st == "delivered" and m.status in (S.SENT, S.SENDING):
            Message.objects.filter(pk=m.pk).update(status=S.DELIVERED, delivered_at=now)
        elif st in ("failed", "undelivered", "bounced") and m.status != S.FAILED:
            Message.objects.filter(pk=m.pk).update(
                status=S.FAILED,
                status_code=(receipt.error_code or st)[:30],
                status_reason=(receipt.error or st)[:300],
            )
            if st == "bounced":
                _suppress(m.channel, m.to_address, Suppression.Reason.BOUNCED, m.person_id)
        elif st == "opened" and m.opened_at is None:
            Message.objects.filter(pk=m.pk).update(opened_at=now)
        elif st == "clicked" and m.clicked_at is None:
            Message.objects.filter(pk=m.pk).update(clicked_at=now, opened_at=m.opened_at or now)
        elif st == "complained":
            _suppress(m.channel, m.to_address, Suppression.Reason.COMPLAINED, m.person_id)
    return len(messages)


def _suppress(channel: str, address: str, reason: str, person_id: int | None, detail=""):
    Suppression.objects.update_or_create(
        channel=channel,
        address=address,
        defaults={"reason": reason, "person_id": person_id, "detail": detail[:300]},
    )
    # a bounce or a wrong number is a fact about the contact point itself: the person page,
    # call lists and "reachable" segments see it too
    status = {
        Suppression.Reason.BOUNCED: ContactPoint.Status.BOUNCED,
        Suppression.Reason.WRONG_NUMBER: ContactPoint.Status.WRONG,
    }.get(reason)
    if status:
        ContactPoint.objects.filter(
            channel="email" if channel == Channel.EMAIL else "phone", value=address
        ).update(status=status)


@transaction.atomic
def suppression_add(
    *, actor: Any, channel: str, address: str, reason: str = "manual"
) -> Suppression:
    """Add an address to the suppression list by hand (a number that asked by phone, a list
    received from a partner)."""
    from grassroots.core.phones import normalize_email, normalize_phone

    access.require(actor, SEND)
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose a channel.")})
    try:
        value = (
            normalize_email(address) if channel == Channel.EMAIL else normalize_phone(address)[0]
        )
    except (ValidationError, ValueError):
        raise ValidationError(
            {"address": _("“%(a)s” is not a valid address for this channel.") % {"a": address}}
        )
    person = _person_for(channel, value)
    _suppress(channel, value, reason, person.pk if person else None,
              _("added by %(user)s") % {"user": getattr(actor, "username", "")})  # fmt: skip
    audit.record(actor=actor, action="messaging.suppression_added", detail={"channel": channel})
    return Suppression.objects.get(channel=channel, address=value)


@transaction.atomic
def suppression_remove(*, actor: Any, suppression: Suppression) -> None:
    """Take an address off the list (the person asked to hear from us again, in writing)."""
    access.require_object(actor, SEND, suppression)
    audit.record(
        actor=actor,
        action="messaging.suppression_removed",
        detail={"channel": suppression.channel, "reason": suppression.reason},
    )
    suppression.delete()


def _person_for(channel: str, address: str) -> Person | None:
    cp = "email" if channel == Channel.EMAIL else "phone"
    return (
        Person.objects.filter(contact_points__channel=cp, contact_points__value=address)
        .order_by("-contact_points__is_primary", "contact_points__id")
        .first()
    )


def inbound_record(*, account: ProviderAccount, inbound: Inbound) -> Message:
    """A reply: stored, put on the person's timeline, threaded to what we last sent them, and
    acted on — STOP (and its kin) opts the number out of every campaign, START opts back in,
    HELP answers; a free-text opt-out ("please stop texting me") is applied as well (the
    careful reading of TCPA's "any reasonable means"), a wrong number is suppressed."""
    channel = inbound.channel if inbound.channel in Channel.values else Channel.SMS
    person = _person_for(channel, inbound.sender)
    last = (
        Message.objects.filter(
            to_address=inbound.sender, channel=channel, direction=Message.Direction.OUTBOUND
        )
        .exclude(status__in=[S.BLOCKED, S.HELD, S.PENDING, S.CANCELLED])
        .order_by("-sent_at", "-id")
        .first()
    )
    verdict = keywords.classify(inbound.body)
    followups: list[int] = []
    message = Message.objects.create(
        person=person,
        channel=channel,
        direction=Message.Direction.INBOUND,
        to_address=inbound.to,
        from_address=inbound.sender,
        body=inbound.body[:5000],
        status=S.RECEIVED,
        status_code=verdict.kind,
        provider_id=inbound.provider_id[:100],
        account=account,
        reply_to=last,
        purpose=last.purpose if last else "campaign",
        created_at=inbound.received_at or timezone.now(),
    )
    if last is not None and last.texting_contact_id:
        from grassroots.messaging.texting import services as texting

        texting.on_reply(message)  # the conversation goes back to the texter who sent
    else:
        from grassroots.messaging.inbox import services as inbox

        inbox.thread_for_inbound(message)
    outcome = {
        "opt_out": "opted out",
        "possible_opt_out": "opted out",
        "opt_in": "opted in",
        "wrong_number": "wrong number",
        "help": "asked for help",
    }.get(verdict.kind, "replied")
    if person is not None:
        people_services.interaction_record(
            actor=SYSTEM,
            person=person,
            channel=dispatch.INTERACTION_CHANNEL[channel],
            direction="inbound",
            outcome=outcome,
            detail=inbound.body[:2000],
            data={"message": str(message.uuid), "keyword": verdict.keyword},
            source="reply",
        )
    if verdict.kind in ("opt_out", "possible_opt_out"):
        _suppress(
            channel, inbound.sender, Suppression.Reason.OPTED_OUT, person and person.pk,
            detail=inbound.body,
        )  # fmt: skip
        if person is not None:
            people_services.consent_record(
                actor=SYSTEM,
                person=person,
                channel=channel if channel != "voice" else "phone",
                purpose="campaign",
                status="withdrawn",
                source=_("Replied “%(text)s”") % {"text": inbound.body[:60]},
            )
        followups.append(_confirm(account, inbound, person, "opt_out"))
    elif verdict.kind == "opt_in":
        # START/UNSTOP/YES only mean "opt me back in" from someone who opted out: a "Yes" to
        # "will you vote?" must not get a subscription confirmation
        was_out = Suppression.objects.filter(
            channel=channel, address=inbound.sender, reason=Suppression.Reason.OPTED_OUT
        ).delete()[0]
        if was_out:
            if person is not None:
                people_services.consent_record(
                    actor=SYSTEM,
                    person=person,
                    channel=channel if channel != "voice" else "phone",
                    purpose="campaign",
                    status="granted",
                    source=_("Replied “%(text)s”") % {"text": inbound.body[:60]},
                )
            followups.append(_confirm(account, inbound, person, "opt_in"))
    elif verdict.kind == "help":
        followups.append(_confirm(account, inbound, person, "help"))
    elif verdict.kind == "wrong_number":
        _suppress(channel, inbound.sender, Suppression.Reason.WRONG_NUMBER, None, inbound.body)
    events.publish(
        "message.received",
        {
            "message_id": message.pk,
            "person_id": person.pk if person else None,
            "channel": channel,
            "keyword": verdict.kind,
            "body": inbound.body[:500],
        },
    )
    message.followups = followups  # replies to send once this is committed
    return message


def _confirm(account, inbound: Inbound, person, kind: str) -> int:
    return Message.objects.create(
        person=person,
        channel=inbound.channel if inbound.channel in Channel.values else Channel.SMS,
        to_address=inbound.sender,
        from_address=inbound.to,
        body=CONFIRM[kind],
        account=account,
        system=True,
    ).pk


def tracking_open(*, token: str) -> bool:
    """The 1×1 image of a tracked email was loaded: the message was opened."""
    from django.core import signing

    try:
        key = signing.loads(token, salt="messaging.open", max_age=60 * 60 * 24 * 365)
    except signing.BadSignature:
        return False
    return bool(
        Message.objects.filter(uuid=key, opened_at__isnull=True).update(opened_at=timezone.now())
    )


def tracking_click(*, token: str) -> str | None:
    """A tracked link was followed: record the click (and the open) and say where to go; None
    for a token we did not sign (no open redirect)."""
    from django.core import signing

    try:
        data = signing.loads(token, salt="messaging.click", max_age=60 * 60 * 24 * 365)
        key, url = data["m"], data["u"]
    except (signing.BadSignature, KeyError, TypeError):
        return None
    if not url.startswith(("http://", "https://")):
        return None
    now = timezone.now()
    Message.objects.filter(uuid=key, clicked_at__isnull=True).update(clicked_at=now)
    Message.objects.filter(uuid=key, opened_at__isnull=True).update(opened_at=now)
    return url


def unsubscribe(*, token: str) -> Message:
    """An email's unsubscribe link (or one-click POST): the address is suppressed for email."""
    from django.core import signing

    try:
        key = signing.loads(token, salt="messaging.unsubscribe", max_age=60 * 60 * 24 * 365)
    except signing.BadSignature:
        raise ValidationError(_("This unsubscribe link is not valid."))
    message = Message.objects.filter(uuid=key).first()
    if message is None:
        raise ValidationError(_("This unsubscribe link is not valid."))
    with transaction.atomic():
        _suppress(message.channel, message.to_address, Suppression.Reason.OPTED_OUT,
                  message.person_id, "unsubscribe link")  # fmt: skip
        if message.person_id:
            people_services.consent_record(
                actor=SYSTEM,
                person=message.person,
                channel="email",
                purpose=message.purpose,
                status="withdrawn",
                source=_("Unsubscribe link"),
            )
    return message
