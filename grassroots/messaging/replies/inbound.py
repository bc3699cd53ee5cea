"""Replies: stored, put on the person's timeline and acted on (STOP, START, HELP, a free-text
opt-out, a wrong number), then published as ``message.received``: the inbox threads them and
P2P texting hands them back to their texter as subscribers of that event."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import events
from grassroots.core.access import SYSTEM
from grassroots.messaging.models import Channel, Message, ProviderAccount, Suppression
from grassroots.messaging.providers.base import Inbound
from grassroots.messaging.replies import keywords
from grassroots.messaging.replies.suppressions import person_for, suppress
from grassroots.people import contact
from grassroots.people import services as people_services

S = Message.Status
CONFIRM = {
    "opt_out": "You are unsubscribed and will get no more messages from us. Reply START to resubscribe.",
    "opt_in": "You are subscribed again. Reply STOP to unsubscribe.",
    "help": "Campaign messages. Reply STOP to unsubscribe, START to resubscribe.",
}


def inbound_record(*, account: ProviderAccount, inbound: Inbound) -> Message:
    """A reply: stored, put on the person's timeline, linked to what we last sent them, and
    acted on — STOP (and its kin) opts the number out of every campaign, START opts back in,
    HELP answers; a free-text opt-out ("please stop texting me") is applied as well (the
    careful reading of TCPA's "any reasonable means"), a wrong number is suppressed."""
    channel = inbound.channel if inbound.channel in Channel.values else Channel.SMS
    person = person_for(channel, inbound.sender)
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
        purpose=last.purpose if last else contact.Purpose.CAMPAIGN,
        created_at=inbound.received_at or timezone.now(),
    )
    # the inbox (a thread) and texting (back to the texter who sent) file it from the
    # ``message.received`` event published below, after commit
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
            channel=contact.consent_channel(channel),
            direction="inbound",
            outcome=outcome,
            detail=inbound.body[:2000],
            data={"message": str(message.uuid), "keyword": verdict.keyword},
            source="reply",
        )
    if verdict.kind in ("opt_out", "possible_opt_out"):
        suppress(
            channel, inbound.sender, Suppression.Reason.OPTED_OUT, person and person.pk,
            detail=inbound.body,
        )  # fmt: skip
        if person is not None:
            people_services.consent_record(
                actor=SYSTEM,
                person=person,
                channel=contact.consent_channel(channel),
                purpose=contact.Purpose.CAMPAIGN,
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
                    channel=contact.consent_channel(channel),
                    purpose=contact.Purpose.CAMPAIGN,
                    status="granted",
                    source=_("Replied “%(text)s”") % {"text": inbound.body[:60]},
                )
            followups.append(_confirm(account, inbound, person, "opt_in"))
    elif verdict.kind == "help":
        followups.append(_confirm(account, inbound, person, "help"))
    elif verdict.kind == "wrong_number":
        suppress(channel, inbound.sender, Suppression.Reason.WRONG_NUMBER, None, inbound.body)
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
