"""Delivering domain events: one ``OutboxDelivery`` per (event, subscriber) (ADR 0009).

A run (``deliver``):

1. **fans out** new events: one delivery row per subscriber registered for the event's name
   (an event nobody subscribes to is delivered at once);
2. **claims** due deliveries — pending, ``next_attempt_at`` passed, no live lease — in event
   order, with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL so several workers share the
   work, and a conditional UPDATE that only one worker can win on any database. The claim is
   a lease (``locked_until``): a worker killed mid-run loses nothing, the lease runs out and the
   next run takes the delivery over. Claiming counts as an attempt, so a delivery that kills
   its worker every time still ends as a dead letter instead of looping;
3. **runs** each claimed delivery in its own transaction together with marking it done, so a
   subscriber's database writes and "done" commit (or roll back) together. A subscriber that
   raises is retried after ``backoff(attempts)`` (30 s, 1 min, 2 min … capped at an hour) and,
   after ``MAX_ATTEMPTS``, parked as **dead** with its error — never dropped, and never a
   reason to re-run its siblings.

Order: a run hands each subscriber its deliveries in event order. A retry does not hold back a
subscriber's later events (one poisoned event would otherwise stall it for the whole back-off
ladder), so subscribers must not depend on order across a failure — at-least-once delivery
already asks them to be idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import traceback
import uuid
from typing import Any

from django.db import connections, router, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from grassroots.core import access, audit, events
from grassroots.core.exceptions import NotFound
from grassroots.core.models import OutboxDelivery, OutboxEvent

logger = logging.getLogger(__name__)

D = OutboxDelivery.Status
MAX_ATTEMPTS = 6  # 30 s + 1 + 2 + 4 + 8 min of retrying, then a dead letter
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=1)
LEASE = dt.timedelta(seconds=60)  # renewed as each delivery starts
CAPABILITY = "accounts.manage"  # who may see and retry dead letters


class _LeaseLost(Exception):
    """Another worker took the delivery over while this one ran it: roll this run back."""


def backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def deliver(*, limit: int = 500) -> int:
    """One delivery run; returns how many deliveries it completed (an event nobody subscribes
    to counts as one), so ``while deliver(): pass`` drains what is due."""
    done = fan_out(limit=limit)
    worker = _worker_id()
    for delivery in _claim(worker, limit):
        if _run(delivery, worker):
            done += 1
    return done


def fan_out(*, limit: int = 500) -> int:
    """Create the deliveries of events not fanned out yet; return how many events had no
    subscriber (and were marked delivered)."""
    pending = list(
        OutboxEvent.objects.filter(fanned_out_at__isnull=True, delivered_at__isnull=True)
        .order_by("id")
        .values_list("id", "name")[:limit]
    )
    if not pending:
        return 0
    now = timezone.now()
    rows, nobody = [], []
    for pk, name in pending:
        keys = [s.key for s in events.subscribers_for(name)]
        if not keys:
            nobody.append(pk)
        rows.extend(
            OutboxDelivery(event_id=pk, subscriber=k, next_attempt_at=now, created_at=now)
            for k in keys
        )
    with transaction.atomic():
        # two runs fanning out the same event at once: the unique (event, subscriber) keeps one
        OutboxDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        OutboxEvent.objects.filter(pk__in=[pk for pk, _ in pending]).update(fanned_out_at=now)
        OutboxEvent.objects.filter(pk__in=nobody).update(delivered_at=now)
    return len(nobody)


def _due(now: dt.datetime) -> QuerySet[OutboxDelivery]:
    return OutboxDelivery.objects.filter(status=D.PENDING, next_attempt_at__lte=now).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    )


def _claim(worker: str, limit: int) -> list[OutboxDelivery]:
    now = timezone.now()
    lease = now + LEASE
    alias = router.db_for_write(OutboxDelivery)
    with transaction.atomic(using=alias):
        qs = _due(now).order_by("event_id", "id")
        if connections[alias].features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # conditional: on a database without row locks only one worker's UPDATE matches
        _due(now).filter(pk__in=ids).update(
            claimed_by=worker, locked_until=lease, attempts=F("attempts") + 1
        )
    return list(
        OutboxDelivery.objects.filter(pk__in=ids, claimed_by=worker, status=D.PENDING)
        .select_related("event")
        .order_by("event_id", "id")
    )


def _mine(delivery: OutboxDelivery, worker: str) -> QuerySet[OutboxDelivery]:
    return OutboxDelivery.objects.filter(pk=delivery.pk, claimed_by=worker, status=D.PENDING)


def _run(delivery: OutboxDelivery, worker: str) -> bool:
    # the lease counts from the start of this delivery, not from the claim of the batch
    if not _mine(delivery, worker).update(locked_until=timezone.now() + LEASE):
        return False
    sub = events.subscription(delivery.subscriber)
    if sub is None:
        _fail(delivery, worker, "No subscriber is registered under this key.", dead=True)
        return False
    try:
        with transaction.atomic():
            sub.func(delivery.event)
            finished = timezone.now()
            if not _mine(delivery, worker).update(
                status=D.DONE, finished_at=finished, locked_until=None, last_error=""
            ):
                raise _LeaseLost
    except _LeaseLost:
        logger.warning("delivery %s was taken over by another worker; rolled back", delivery.pk)
        return False
    except Exception as exc:
        logger.exception("subscriber %s failed on %s", delivery.subscriber, delivery.event)
        _fail(delivery, worker, _describe(exc))
        return False
    _close_event(delivery.event_id, finished)  # after commit: the last one to finish sees all
    return True


def _describe(exc: BaseException) -> str:
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-8))
    return f"{type(exc).__name__}: {exc}\n\n{tb}"[:8000]


def _fail(delivery: OutboxDelivery, worker: str, error: str, *, dead: bool = False) -> None:
    now = timezone.now()
    dead = dead or delivery.attempts >= MAX_ATTEMPTS
    _mine(delivery, worker).update(
        status=D.DEAD if dead else D.PENDING,
        last_error=error,
        locked_until=None,
        next_attempt_at=now + backoff(delivery.attempts),
        finished_at=now if dead else None,
    )
    if dead:
        logger.error(
            "delivery %s of %s to %s is a dead letter after %s attempts",
            delivery.pk, delivery.event, delivery.subscriber, delivery.attempts,
        )  # fmt: skip


def _close_event(event_id: int, now: dt.datetime) -> None:
    if not OutboxDelivery.objects.filter(event_id=event_id).exclude(status=D.DONE).exists():
        OutboxEvent.objects.filter(pk=event_id, delivered_at__isnull=True).update(delivered_at=now)


def due_count(now: dt.datetime | None = None) -> int:
    """How much a run would have to do now (the minute tick queues one when it is not 0)."""
    now = now or timezone.now()
    unfanned = OutboxEvent.objects.filter(fanned_out_at__isnull=True, delivered_at__isnull=True)
    return _due(now)[:1].count() + unfanned[:1].count()


def delivery_tick(now: dt.datetime) -> dict[str, int]:
    """Once a minute: queue a run for retries whose back-off has passed, leases that ran out
    and events whose after-commit queueing was lost."""
    due = due_count(now)
    if due:
        events.schedule_delivery()
    return {"queued": int(bool(due))}


# --- dead letters --------------------------------------------------------------------------------


def dead_letter_list(*, actor: Any) -> QuerySet[OutboxDelivery]:
    """Deliveries parked after too many failures, newest first."""
    access.require(actor, CAPABILITY)
    return (
        OutboxDelivery.objects.visible_to(actor)
        .filter(status=D.DEAD)
        .select_related("event")
        .order_by("-finished_at", "-id")
    )


def delivery_retry(*, actor: Any, delivery_id: int) -> OutboxDelivery:
    """Put a dead letter back in the queue (only that subscriber runs again), audited."""
    access.require(actor, CAPABILITY)
    with transaction.atomic():
        delivery = (
            OutboxDelivery.objects.visible_to(actor, access.CHANGE)
            .select_for_update()
            .select_related("event")
            .filter(pk=delivery_id, status=D.DEAD)
            .first()
        )
        if delivery is None:
            raise NotFound
        audit.record(
            actor=actor,
            action="core.event_delivery_retried",
            obj=delivery,
            detail={
                "event": delivery.event.name,
                "event_id": delivery.event_id,
                "subscriber": delivery.subscriber,
                "attempts": delivery.attempts,
                "error": delivery.last_error.split("\n", 1)[0][:500],
            },
        )
        OutboxDelivery.objects.filter(pk=delivery.pk).update(
            status=D.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            locked_until=None,
            claimed_by="",
            finished_at=None,
        )
        transaction.on_commit(events.schedule_delivery)
    delivery.refresh_from_db()
    return delivery
