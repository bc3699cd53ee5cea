"""Applying stored provider events (ADR 0016): replies, delivery receipts and opt-outs, in
batches, in arrival order, in the worker (``tasks.webhook_events_apply_task``, urgent queue)
and the minute tick.

One batch is one transaction: the events' effects and their ``applied_at`` commit together, so
a worker killed mid-batch loses nothing and doubles nothing — the batch rolls back whole and the
next run applies it again. One run at a time (an advisory lock on PostgreSQL; SQLite's
transactions take the write lock when they begin), so events are applied strictly in ``id``
order and a sender's STOP is applied before anything that sender said after it.

A batch is first applied as a whole (``inbound_record_batch``: a few queries for hundreds of
replies); if that raises, it is applied event by event, each in its own savepoint: the event
that fails is retried by later runs (``MAX_ATTEMPTS``, then parked with its error, applied
never), and the sender's later events in the batch wait behind it."""

from __future__ import annotations

import logging
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from grassroots.messaging import sending
from grassroots.messaging.models import WebhookEvent
from grassroots.messaging.providers.base import Inbound
from grassroots.messaging.replies.inbound import inbound_record, inbound_record_batch
from grassroots.messaging.replies.receipts import receipt_apply
from grassroots.messaging.replies.webhooks import from_payload

logger = logging.getLogger(__name__)

BATCH = 500
MAX_ATTEMPTS = 5
APPLIED_HERE = (WebhookEvent.Kind.INBOUND, WebhookEvent.Kind.RECEIPT)
LOCK_KEY = 0x47525745  # the PostgreSQL advisory lock of the one applier run


def has_pending() -> bool:
    """Whether events wait that a run would try now (not only ones that failed before)."""
    return WebhookEvent.objects.filter(applied_at__isnull=True, attempts=0).exists()


def events_apply(*, batches: int | None = None, limit: int = BATCH) -> int:
    """Apply pending events batch after batch until none is left (or ``batches`` ran: the
    caller queues another run so others on the urgent queue get a turn). Sends the STOP /
    START / HELP confirmations after each batch commits. Returns how many were applied."""
    done = runs = 0
    while True:
        applied, seen, followups = _apply_batch(limit)
        if followups:
            sending.dispatch(followups)
        done += applied
        runs += 1
        if not seen or not applied or (batches is not None and runs >= batches):
            return done


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    # SQLite: the transaction began IMMEDIATE (settings): it holds the write lock already


def _apply_batch(limit: int) -> tuple[int, int, list[int]]:
    """(applied, events seen, confirmations to send)."""
    with transaction.atomic():
        _lock()
        events = list(
            WebhookEvent.objects.filter(applied_at__isnull=True)
            .select_related("account")
            .order_by("id")[:limit]
        )
        if not events:
            return 0, 0, []
        try:
            with transaction.atomic():
                followups = _apply_all(events)
            failed: dict[int, str] = {}
            waiting: set[int] = set()
        except Exception:
            logger.exception("a batch of webhook events failed: applying them one by one")
            followups, failed, waiting = _apply_each(events)
        now = timezone.now()
        ok = [e.pk for e in events if e.pk not in failed and e.pk not in waiting]
        WebhookEvent.objects.filter(pk__in=ok).update(applied_at=now)
        for pk, error in failed.items():
            WebhookEvent.objects.filter(pk=pk).update(attempts=F("attempts") + 1, error=error)
        # an event that failed MAX_ATTEMPTS times is parked (its error kept): its sender's
        # later events may go on
        WebhookEvent.objects.filter(
            pk__in=list(failed), attempts__gte=MAX_ATTEMPTS
        ).update(applied_at=now)  # fmt: skip
    return len(ok), len(events), followups


def _apply_all(events: list[WebhookEvent]) -> list[int]:
    replies = []
    for e in events:
        if e.kind not in APPLIED_HERE:
            continue
        item = from_payload(e.kind, e.payload)
        if isinstance(item, Inbound):
            replies.append((e.account, item))
    followups = inbound_record_batch(replies)
    for e in events:
        if e.kind == WebhookEvent.Kind.RECEIPT:
            receipt_apply(account=e.account, receipt=from_payload(e.kind, e.payload))
    return followups


def _apply_each(events: list[WebhookEvent]) -> tuple[list[int], dict[int, str], set[int]]:
    followups: list[int] = []
    failed: dict[int, str] = {}
    waiting: set[int] = set()
    blocked: dict[tuple[str, str], int] = defaultdict(int)
    for e in events:
        sender = (e.channel, e.address)
        if e.address and blocked[sender]:
            waiting.add(e.pk)  # an earlier event of this sender failed: keep the order
            continue
        if e.kind not in APPLIED_HERE:
            continue
        try:
            with transaction.atomic():
                item = from_payload(e.kind, e.payload)
                if isinstance(item, Inbound):
                    followups += inbound_record(account=e.account, inbound=item).followups
                else:
                    receipt_apply(account=e.account, receipt=item)
        except Exception as exc:
            logger.exception("webhook event %s failed", e.pk)
            failed[e.pk] = f"{type(exc).__name__}: {exc}"[:300]
            if e.address:
                blocked[sender] += 1
    return followups, failed, waiting
