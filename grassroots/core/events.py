"""Domain events: publish by name inside a transaction, delivered to subscribers after commit.

    from grassroots.core import events

    @events.subscriber("person.created")
    def welcome(event): ...

    events.publish("person.created", {"person_id": 7})

Events are written to the ``OutboxEvent`` table in the caller's transaction, so an event
exists exactly when the change that caused it was committed. After commit a task delivers
pending events to every subscriber registered under that name (by higher apps in
``AppConfig.ready()``). A subscriber that raises is retried on the next delivery run; the
others still get the event.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from grassroots.core.models import OutboxEvent

logger = logging.getLogger(__name__)

Subscriber = Callable[[OutboxEvent], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscriber(name: str) -> Callable[[Subscriber], Subscriber]:
    """Register a function to receive every event called ``name`` (``*`` for all)."""

    def register(func: Subscriber) -> Subscriber:
        if func not in _subscribers[name]:
            _subscribers[name].append(func)
        return func

    return register


def unsubscribe(name: str, func: Subscriber) -> None:
    if func in _subscribers.get(name, []):
        _subscribers[name].remove(func)


def subscribers_for(name: str) -> list[Subscriber]:
    return [*_subscribers.get(name, []), *_subscribers.get("*", [])]


def publish(name: str, payload: dict[str, Any] | None = None) -> OutboxEvent:
    """Record a domain event; it is delivered once the surrounding transaction commits."""
    event = OutboxEvent.objects.create(name=name, payload=payload or {})
    if not _delivery_waiting():  # one delivery run per transaction delivers all its events
        transaction.on_commit(_Delivery())
    return event


class _Delivery:
    """The after-commit callback that queues a delivery run (it knows whether it has run)."""

    ran = False

    def __call__(self) -> None:
        self.ran = True
        _schedule_delivery()


def _delivery_waiting() -> bool:
    """Whether this transaction already has a delivery run waiting for its commit (a reply
    that opts someone out publishes four events: one queued task, not four). A savepoint
    rolled back takes its callbacks with it, so a later event schedules again."""
    conn = transaction.get_connection()
    return conn.in_atomic_block and any(
        isinstance(func, _Delivery) and not func.ran for _sids, func, _robust in conn.run_on_commit
    )


def _schedule_delivery() -> None:
    from grassroots.core.tasks import deliver_outbox_task

    try:
        deliver_outbox_task.enqueue()
    except Exception:  # the queue being down must not fail the request; the next run catches up
        logger.exception("could not enqueue outbox delivery")


def deliver_pending(limit: int = 500) -> int:
    """Deliver undelivered events in order; return how many were delivered."""
    delivered = 0
    pending = list(OutboxEvent.objects.filter(delivered_at__isnull=True).order_by("id")[:limit])
    for event in pending:
        # Claim the event so two workers never deliver it twice.
        claimed = OutboxEvent.objects.filter(
            pk=event.pk, delivered_at__isnull=True, attempts=event.attempts
        ).update(attempts=event.attempts + 1)
        if not claimed:
            continue
        errors = []
        for func in subscribers_for(event.name):
            try:
                func(event)
            except Exception as exc:
                logger.exception("subscriber %s failed on %s", func, event)
                errors.append(f"{getattr(func, '__qualname__', func)}: {exc}")
        if errors and event.attempts + 1 < 5:
            OutboxEvent.objects.filter(pk=event.pk).update(last_error="\n".join(errors))
            continue
        OutboxEvent.objects.filter(pk=event.pk).update(
            delivered_at=timezone.now(), last_error="\n".join(errors)
        )
        delivered += 1
    return delivered
