"""The compliance context of a batch: what ``compliance.decide`` needs to know about each
recipient, read with one query per batch for people, consent, suppressions, recent sends and
upcoming polls."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from grassroots.geography.models import Election
from grassroots.messaging.models import Channel, Message, Suppression, WebhookEvent
from grassroots.messaging.sending import compliance
from grassroots.people.models import Consent, Person

S = Message.Status


def _polls(area_paths: set[str], now: dt.datetime) -> dict[str, list[tuple[dt.date, dt.time]]]:
    """Upcoming polls (date, closing time) per area path: elections of the area or above it."""
    if not area_paths:
        return {}
    today = timezone.localdate(now)
    elections = list(
        Election.objects.filter(
            date__gte=today - dt.timedelta(days=1), date__lte=today + dt.timedelta(days=30)
        ).values_list("area__path", "date", "polls_close")
    )
    out: dict[str, list[tuple[dt.date, dt.time]]] = {}
    for path in area_paths:
        out[path] = [(d, t) for p, d, t in elections if path.startswith(p)]
    return out


def recipients_for(messages: list[Message], now: dt.datetime) -> dict[int, compliance.Recipient]:
    person_ids = {m.person_id for m in messages if m.person_id}
    people = {
        p["id"]: p
        for p in Person.objects.filter(pk__in=person_ids).values(
            "id", "do_not_contact", "area__path", "household__address__country"
        )
    }
    # latest consent per person × channel × purpose
    consent: dict[tuple[int, str, str], str] = {}
    wanted = {(compliance.channel_for_consent(m.channel), m.purpose) for m in messages}
    if person_ids:
        rows = (
            Consent.objects.filter(
                person_id__in=person_ids,
                channel__in={c for c, _p in wanted},
                purpose__in={p for _c, p in wanted},
            )
            .order_by("person_id", "channel", "purpose", "-recorded_at", "-id")
            .values_list("person_id", "channel", "purpose", "status")
        )
        for pid, ch, purpose, status in rows:
            consent.setdefault((pid, ch, purpose), status)
    suppressed: dict[tuple[str, str], str] = dict(
        ((ch, addr), reason)
        for ch, addr, reason in Suppression.objects.filter(
            address__in={m.to_address for m in messages}
        ).values_list("channel", "address", "reason")
    )
    # replies that may be opt-outs, stored but not applied yet (ADR 0016)
    pending = set(
        WebhookEvent.objects.filter(
            applied_at__isnull=True, may_opt_out=True, address__in={m.to_address for m in messages}
        ).values_list("channel", "address")
    )
    # sends in each channel's cap window, and whether we ever wrote to the person before
    recent: dict[tuple[int, str], int] = {}
    ever: set[tuple[int, str]] = set()
    for channel in {m.channel for m in messages}:
        ids = {m.person_id for m in messages if m.channel == channel and m.person_id}
        if not ids:
            continue
        days = max(
            compliance.cap_window_days(profile, channel)
            for profile in compliance.profiles().values()
        )
        since = now - dt.timedelta(days=days)
        for pid, n_recent in (
            Message.objects.filter(
                person_id__in=ids,
                channel=channel,
                direction=Message.Direction.OUTBOUND,
                status__in=[S.SENT, S.DELIVERED],
            )
            .values("person_id")
            .annotate(n=Count("id", filter=Q(sent_at__gte=since)))
            .values_list("person_id", "n")
        ):
            ever.add((pid, channel))
            if n_recent:
                recent[(pid, channel)] = n_recent
    polls = _polls({p["area__path"] for p in people.values() if p["area__path"]}, now)
    out = {}
    for m in messages:
        p = people.get(m.person_id) or {}
        is_phone = m.channel != Channel.EMAIL
        country = (p.get("household__address__country") or None) if not is_phone else None
        if is_phone:
            country = compliance.country_for_phone(m.to_address) or p.get(
                "household__address__country"
            )
        zones = compliance.zones_for(phone=m.to_address if is_phone else None, country=country)
        closes = []
        for d, t in polls.get(p.get("area__path") or "", []):
            closes.append(dt.datetime.combine(d, t, tzinfo=zones[0]))
        r = compliance.Recipient(
            channel=m.channel,
            address=m.to_address,
            purpose=m.purpose,
            country=country,
            consent=consent.get(
                (m.person_id, compliance.channel_for_consent(m.channel), m.purpose)
            ),
            opted_out=suppressed.get((m.channel, m.to_address)) == Suppression.Reason.OPTED_OUT,
            do_not_contact=bool(p.get("do_not_contact")),
            suppressed=(m.channel, m.to_address) in suppressed
            and suppressed[(m.channel, m.to_address)] != Suppression.Reason.OPTED_OUT,
            recent_count=recent.get((m.person_id, m.channel), 0),
            poll_closes=tuple(closes),
            opt_out_pending=(m.channel, m.to_address) in pending,
        )
        out[m.pk] = r
        m._first = (m.person_id, m.channel) not in ever  # noqa: SLF001 - per-dispatch note
    return out


def whatsapp_window(messages: list[Message], now: dt.datetime) -> dict[str, set[int]]:
    """WhatsApp free-form text may only answer someone who wrote to us in the last 24 hours;
    outside that window only an approved template goes. Ids of the messages outside it."""
    free = [
        m
        for m in messages
        if m.channel == Channel.WHATSAPP
        and not m.system
        and not (m.template_variant_id and m.template_variant.provider_template)
    ]
    if not free:
        return {}
    recent = set(
        Message.objects.filter(
            channel=Channel.WHATSAPP,
            direction=Message.Direction.INBOUND,
            from_address__in={m.to_address for m in free},
            created_at__gte=now - dt.timedelta(hours=24),
        ).values_list("from_address", flat=True)
    )
    return {"outside": {m.pk for m in free if m.to_address not in recent}}
