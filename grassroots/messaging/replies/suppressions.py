"""The do-not-message list: addresses suppressed by a reply, a bounce, a complaint, a link or a
member of staff; the person an address belongs to."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.core import access, audit
from grassroots.messaging.models import Channel, Suppression
from grassroots.messaging.services import SEND
from grassroots.people import contact
from grassroots.people.models import ContactPoint, Person


def suppress(channel: str, address: str, reason: str, person_id: int | None, detail=""):
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
            channel=contact.contact_point_channel(channel), value=address
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
    person = person_for(channel, value)
    suppress(channel, value, reason, person.pk if person else None,
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


def person_for(channel: str, address: str) -> Person | None:
    cp = contact.contact_point_channel(channel)
    return (
        Person.objects.filter(contact_points__channel=cp, contact_points__value=address)
        .order_by("-contact_points__is_primary", "contact_points__id")
        .first()
    )


def people_for(keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """``person_for`` for many (channel, address) pairs in one query: the person id of each
    address that belongs to someone (the primary contact point first, then the oldest)."""
    if not keys:
        return {}
    wanted: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for ch, addr in keys:
        wanted.setdefault((contact.contact_point_channel(ch), addr), []).append((ch, addr))
    out: dict[tuple[str, str], int] = {}
    for cp_channel, value, person_id in (
        ContactPoint.objects.filter(
            channel__in={c for c, _v in wanted}, value__in={v for _c, v in wanted}
        )
        .order_by("-is_primary", "id")
        .values_list("channel", "value", "person_id")
    ):
        for key in wanted.get((cp_channel, value), ()):
            out.setdefault(key, person_id)
    return out
