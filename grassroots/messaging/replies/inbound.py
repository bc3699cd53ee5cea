"""Replies: stored, put on the person's timeline and acted on (STOP, START, HELP, a free-text
opt-out, a wrong number), then published as ``message.received``: the inbox threads them and
P2P texting hands them back to their texter as subscribers of that event."""

from __future__ import annotations

import uuid

from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import bulk, events
from grassroots.core.access import SYSTEM
from grassroots.messaging.models import Channel, Message, ProviderAccount, Suppression
from grassroots.messaging.providers.base import Inbound
from grassroots.messaging.replies import keywords
from grassroots.messaging.replies.suppressions import people_for, person_for, suppress
from grassroots.people import contact
from grassroots.people import services as people_services
from grassroots.people.models import Person

S = Message.Status
CONFIRM = {
    "opt_out": "You are unsubscribed and will get no more messages from us. Reply START to resubscribe.",
    "opt_in": "You are subscribed again. Reply STOP to unsubscribe.",
    "help": "Campaign messages. Reply STOP to unsubscribe, START to resubscribe.",
}
OUTCOME = {
    "opt_out": "opted out",
    "possible_opt_out": "opted out",
    "opt_in": "opted in",
    "wrong_number": "wrong number",
    "help": "asked for help",
}
KEYWORD_KINDS = frozenset(OUTCOME)
LAST_EXCLUDED = [S.BLOCKED, S.HELD, S.PENDING, S.CANCELLED]


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
        .exclude(status__in=LAST_EXCLUDED)
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
    outcome = OUTCOME.get(verdict.kind, "replied")
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
    followups += _act(account, inbound, channel, person, verdict)
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


def inbound_record_batch(items: list[tuple[ProviderAccount, Inbound]]) -> list[int]:
    """Many replies at once, in arrival order (the webhook worker's batch): what
    ``inbound_record`` does for each, with one query per batch for the senders' people and the
    messages they reply to, one INSERT for the replies, one for their timeline entries and one
    per event name; only keyword replies (STOP, START, HELP…) are acted on one by one, in
    order. Returns the confirmations to send once this is committed."""
    if not items:
        return []
    now = timezone.now()
    rows = []
    for account, inbound in items:
        channel = inbound.channel if inbound.channel in Channel.values else Channel.SMS
        rows.append((account, inbound, channel, keywords.classify(inbound.body)))
    keys = {(channel, inbound.sender) for _a, inbound, channel, _v in rows}
    people = people_for(keys)
    last: dict[tuple[str, str], tuple[int, str]] = {}
    for channel, address, pk, purpose in (
        Message.objects.filter(
            to_address__in={a for _c, a in keys},
            channel__in={c for c, _a in keys},
            direction=Message.Direction.OUTBOUND,
        )
        .exclude(status__in=LAST_EXCLUDED)
        .order_by("-sent_at", "-id")
        .values_list("channel", "to_address", "id", "purpose")
    ):
        last.setdefault((channel, address), (pk, purpose))
    messages = []
    for account, inbound, channel, verdict in rows:
        reply_to, purpose = last.get((channel, inbound.sender), (None, contact.Purpose.CAMPAIGN))
        messages.append(
            {
                "uuid": uuid.uuid4(),
                "person_id": people.get((channel, inbound.sender)),
                "channel": channel,
                "direction": Message.Direction.INBOUND,
                "to_address": inbound.to,
                "from_address": inbound.sender,
                "body": inbound.body[:5000],
                "status": S.RECEIVED,
                "status_code": verdict.kind,
                "provider_id": inbound.provider_id[:100],
                "account_id": account.pk,
                "reply_to_id": reply_to,
                "purpose": purpose,
                "created_at": inbound.received_at or now,
            }
        )
    # the replies in one multi-row INSERT (``core.bulk``: no model instance per row)
    for m, pk in zip(messages, bulk.insert_rows(Message, messages), strict=True):
        m["id"] = pk
    messages = [_Row(m) for m in messages]
    people_services.interactions_record_bulk(
        [
            {
                "person_id": m.person_id,
                "channel": contact.consent_channel(channel),
                "direction": "inbound",
                "outcome": OUTCOME.get(verdict.kind, "replied"),
                "detail": inbound.body[:2000],
                "data": {"message": str(m.uuid), "keyword": verdict.keyword},
                "occurred_at": now,
                "source": "reply",
            }
            for m, (_a, inbound, channel, verdict) in zip(messages, rows, strict=True)
            if m.person_id
        ],
        publish=True,
    )
    acting = {
        m.person_id for m, r in zip(messages, rows, strict=True) if r[3].kind in KEYWORD_KINDS
    }
    persons = Person.objects.in_bulk(acting - {None}) if acting else {}
    followups: list[int] = []
    for m, (account, inbound, channel, verdict) in zip(messages, rows, strict=True):
        if verdict.kind in KEYWORD_KINDS:
            followups += _act(account, inbound, channel, persons.get(m.person_id), verdict)
    events.publish_many(
        "message.received",
        [
            {
                "message_id": m.pk,
                "person_id": m.person_id,
                "channel": channel,
                "keyword": verdict.kind,
                "body": inbound.body[:500],
            }
            for m, (_a, inbound, channel, verdict) in zip(messages, rows, strict=True)
        ],
    )
    return followups


class _Row:
    """A stored reply as the rest of the batch reads it (``m.pk``, ``m.person_id``, …)."""

    def __init__(self, data: dict):
        self.__dict__.update(data)
        self.pk = data["id"]


def _act(account, inbound: Inbound, channel: str, person, verdict) -> list[int]:
    """What a keyword reply does (STOP, START, HELP, a free-text opt-out, a wrong number):
    the suppression, the consent record, the confirmation to send. Returns the confirmations'
    ids."""
    followups: list[int] = []
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
    return followups


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
