"""The dispatch loop: messages through the compliance layer in batches, the allowed ones
claimed and handed to a pipeline; what is due, what a dead worker left behind."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.messaging import sending
from grassroots.messaging.models import Channel, Message
from grassroots.messaging.sending import compliance
from grassroots.messaging.sending.pipeline import Outcome, Pipeline
from grassroots.messaging.sending.recipients import recipients_for, whatsapp_window

STUCK_AFTER = dt.timedelta(minutes=10)
S = Message.Status


def due_ids(now: dt.datetime | None = None, limit: int = 5000) -> list[int]:
    """Queued messages, and held ones whose time has come."""
    now = now or sending.clock()
    return list(
        Message.objects.filter(direction=Message.Direction.OUTBOUND)
        .filter(
            Q(status=S.PENDING, held_until__isnull=True)
            | Q(status__in=[S.PENDING, S.HELD], held_until__lte=now)
        )
        .exclude(broadcast__status__in=["paused", "cancelled"])
        .order_by("held_until", "id")
        .values_list("id", flat=True)[:limit]
    )


def dispatch(
    ids: Iterable[int],
    *,
    now: dt.datetime | None = None,
    pipeline: Pipeline | None = None,
    pace=None,
) -> Outcome:
    """Send (or hold, or block) these messages. ``pace(n)`` is called before each send (a
    broadcast's throttle). A caller that dispatches batch after batch (a broadcast) passes its
    own ``pipeline``: sends of one batch then overlap the next batch's database work, and the
    results not yet recorded are counted in a later call or in ``pipeline.close()``."""
    ids = list(ids)
    total = Outcome()
    own = pipeline is None
    pipeline = Pipeline(pace=pace) if own else pipeline
    try:
        batch = sending.BATCH
        for start in range(0, len(ids), batch):
            total.add(_dispatch_batch(ids[start : start + batch], now, pipeline))
    finally:  # what the lanes sent is recorded even if something broke
        if own:
            try:
                total.add(pipeline.close())
            finally:
                pipeline.shutdown()
    if not own:
        total.add(pipeline.collect())
    return total


def _dispatch_batch(ids, now, pipeline: Pipeline) -> Outcome:
    out = Outcome()
    now = now or sending.clock()
    messages = list(
        Message.objects.filter(
            pk__in=ids, direction=Message.Direction.OUTBOUND, status__in=[S.PENDING, S.HELD]
        )
    )
    _share_related(messages, ("broadcast", "account", "template_variant"))
    out.skipped = len(set(ids)) - len(messages)
    messages = [m for m in messages if m.held_until is None or m.held_until <= now]
    if not messages:
        return out
    recipients = recipients_for(messages, now)
    in_window = whatsapp_window(messages, now)
    allowed: list[Message] = []
    blocked, held = [], []
    for m in messages:
        if m.broadcast_id and m.broadcast.status in ("paused", "cancelled"):
            out.skipped += 1
            continue
        if m.system:  # the one confirmation the rules allow after STOP / START / HELP
            decision = compliance.pending_hold(recipients[m.pk], now) or compliance.SEND
        else:
            expires = m.broadcast.expires_at if m.broadcast_id else None
            decision = compliance.decide(recipients[m.pk], now=now, expires_at=expires)
        variant = m.template_variant if m.template_variant_id else None
        if (
            decision.action == "send"
            and m.channel == Channel.WHATSAPP
            and variant is not None
            and variant.provider_template
            and variant.approval in ("pending", "rejected")
        ):
            decision = compliance.Decision(
                action="block",
                code="template_not_approved",
                reason=_("WhatsApp has not approved this template (%(state)s).")
                % {"state": variant.get_approval_display()},
            )
        if decision.action == "send" and m.pk in in_window.get("outside", set()):
            decision = compliance.Decision(
                action="block",
                code="whatsapp_window",
                reason=_(
                    "Outside WhatsApp's 24-hour window (no message from this person in the "
                    "last 24 hours): only an approved template may be sent."
                ),
            )
        if decision.action == "send":
            allowed.append(m)
            continue
        m.status_code, m.status_reason = decision.code, str(decision.reason)[:300]
        out.codes[decision.code] += 1
        if decision.action == "hold":
            m.status, m.held_until = S.HELD, decision.until
            held.append(m)
        else:
            m.status, m.held_until = S.BLOCKED, None
            blocked.append(m)
    _save_decisions(held + blocked)
    out.held, out.blocked = len(held), len(blocked)
    if not allowed:
        return out
    token = uuid.uuid4().hex
    claimed = Message.objects.filter(
        pk__in=[m.pk for m in allowed], status__in=[S.PENDING, S.HELD]
    ).update(status=S.SENDING, claim=token, updated_at=timezone.now())
    if claimed != len(allowed):  # another worker took some: send only ours
        mine = set(Message.objects.filter(claim=token).values_list("pk", flat=True))
        out.skipped += len(allowed) - len(mine)
        allowed = [m for m in allowed if m.pk in mine]
    for m in allowed:
        m.attempts += 1
        pipeline.submit(m, recipients[m.pk], now)
    return out


def _share_related(messages: list[Message], names: tuple[str, ...]) -> None:
    """Load each related object (a broadcast, an account, a template variant) once for the
    batch and give every message the same instance — ``select_related`` built one per row."""
    for name in names:
        field = Message._meta.get_field(name)
        ids = {getattr(m, field.attname) for m in messages} - {None}
        found = field.related_model._default_manager.in_bulk(ids) if ids else {}
        for m in messages:
            pk = getattr(m, field.attname)
            if pk is not None and pk in found:
                field.set_cached_value(m, found[pk])


def _save_decisions(messages: list[Message]) -> None:
    """Held and blocked messages with their reason: one UPDATE per distinct decision (a
    batch has a handful — opted out, no consent, held until 09:00…), not a CASE per row."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for m in messages:
        groups[(m.status, m.status_code, m.status_reason, m.held_until)].append(m.pk)
    now = timezone.now()
    for (status, code, reason, until), pks in groups.items():
        Message.objects.filter(pk__in=pks).update(
            status=status, status_code=code, status_reason=reason, held_until=until,
            updated_at=now,
        )  # fmt: skip


def recover_stuck(now: dt.datetime | None = None) -> int:
    """Messages left ``sending`` by a worker that died: queue them again (same uuid, so the
    provider drops the duplicate if the first attempt did reach it)."""
    now = now or sending.clock()
    return Message.objects.filter(status=S.SENDING, updated_at__lt=now - STUCK_AFTER).update(
        status=S.PENDING, claim="", held_until=None, updated_at=now
    )
