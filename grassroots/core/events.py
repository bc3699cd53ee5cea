"""Domain events: a catalogue declared by the apps that publish them, an outbox written in the
caller's transaction, and delivery to each subscriber on its own (ADR 0009).

Declare, in the publishing app's ``events.py`` (imported when ``core`` is ready)::

    from django.utils.translation import gettext_lazy as _
    from grassroots.core import events

    events.declare("person.created", _("A person is added"), ("person_id", "via"),
                   person_field="person_id")

Subscribe, in a higher app's ``AppConfig.ready()``, under a stable key (the delivery rows carry
it; by default ``module.qualname``)::

    @events.subscriber("person.created", key="messaging.automations.start")
    def welcome(event): ...

Publish, inside the service's transaction::

    events.publish("person.created", {"person_id": 7, "via": "api"})

The event is written to ``OutboxEvent`` in the caller's transaction, so it exists exactly when
the change that caused it was committed; one delivery run is queued when that transaction
commits, however many events it wrote. The run (``core.outbox``) gives every subscriber its own
``OutboxDelivery``: a subscriber that raises is retried with back-off and, after
``outbox.MAX_ATTEMPTS``, parked as a dead letter that an admin can see and retry; its siblings
run once and are never re-run because of it.

Publishing an undeclared event raises ``UndeclaredEvent`` under ``GRASSROOTS_STRICT_EVENTS``
(on in tests; defaults to ``DEBUG``) and logs an error otherwise.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Union

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.utils import timezone

from grassroots.core.models import OutboxEvent

logger = logging.getLogger(__name__)


# --- the catalogue -------------------------------------------------------------------------------


class UndeclaredEvent(LookupError):
    """``publish()`` of a name no app declared (or a payload missing a declared field)."""


@dataclass(frozen=True)
class EventType:
    """One kind of domain event, declared by the app that publishes it.

    ``fields`` are the payload keys every event of this type carries (subscribers rely on
    them); ``person_field`` names the one that holds the person it is about (``person_id``, or
    a list such as ``person_ids``), which makes it something an automation can start from."""

    name: str
    label: Any  # a lazy translation
    fields: tuple[str, ...] = ()
    person_field: str | None = None

    @property
    def about_a_person(self) -> bool:
        return self.person_field is not None


_catalogue: dict[str, EventType] = {}


def declare(
    name: str,
    label: Any,
    fields: Iterable[str] = (),
    *,
    person_field: str | None = None,
) -> EventType:
    """Add an event type to the catalogue (idempotent for the same definition)."""
    fields = tuple(fields)
    if person_field is not None and person_field not in fields:
        fields = (*fields, person_field)
    etype = EventType(name, label, fields, person_field)
    known = _catalogue.get(name)
    if known is not None and (known.fields, known.person_field) != (fields, person_field):
        raise ImproperlyConfigured(f"event type {name!r} is declared twice, differently")
    _catalogue[name] = etype
    return etype


def undeclare(name: str) -> None:
    """Remove an event type (tests that declare their own)."""
    _catalogue.pop(name, None)


def event_type(name: str) -> EventType | None:
    return _catalogue.get(name)


def catalogue() -> list[EventType]:
    """Every declared event type, by name."""
    return sorted(_catalogue.values(), key=lambda t: t.name)


def person_event_types() -> list[EventType]:
    """The event types about one person: what automations can start from."""
    return [t for t in catalogue() if t.about_a_person]


def _strict() -> bool:
    return bool(getattr(settings, "GRASSROOTS_STRICT_EVENTS", settings.DEBUG))


# --- subscribers ---------------------------------------------------------------------------------

Subscriber = Callable[[OutboxEvent], Any]
Topic = Union[str, Callable[[EventType], bool]]  # noqa: UP007 (a runtime alias)


@dataclass(frozen=True)
class Subscription:
    key: str
    func: Subscriber
    topic: Topic

    def wants(self, name: str) -> bool:
        if isinstance(self.topic, str):
            return self.topic in (name, "*")
        etype = _catalogue.get(name)
        return etype is not None and bool(self.topic(etype))


_subscriptions: dict[str, Subscription] = {}


def _default_key(func: Subscriber) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def subscriber(topic: Topic, *, key: str | None = None) -> Callable[[Subscriber], Subscriber]:
    """Register a function for events called ``topic`` (``"*"`` for all), or for the declared
    types a predicate ``topic(event_type)`` accepts. ``key`` names it in the delivery table:
    keep it stable (renaming it leaves the old key's undelivered events as dead letters)."""

    def register(func: Subscriber) -> Subscriber:
        k = key or _default_key(func)
        known = _subscriptions.get(k)
        if known is not None and _default_key(known.func) != _default_key(func):
            raise ImproperlyConfigured(f"two subscribers share the key {k!r}")
        _subscriptions[k] = Subscription(k, func, topic)
        return func

    return register


def unsubscribe(key: str) -> None:
    _subscriptions.pop(key, None)


def subscription(key: str) -> Subscription | None:
    return _subscriptions.get(key)


def subscribers_for(name: str) -> list[Subscription]:
    return [s for s in _subscriptions.values() if s.wants(name)]


# --- publishing ----------------------------------------------------------------------------------


def publish(name: str, payload: dict[str, Any] | None = None) -> OutboxEvent:
    """Record a domain event; it is delivered once the surrounding transaction commits."""
    payload = payload or {}
    etype = _catalogue.get(name)
    if etype is None:
        message = f"event {name!r} is not declared: declare it in the publishing app's events.py"
        if _strict():
            raise UndeclaredEvent(message)
        logger.error(message)
    elif _strict() and (missing := [f for f in etype.fields if f not in payload]):
        raise UndeclaredEvent(f"event {name!r} is missing its declared field(s) {missing}")
    event = OutboxEvent.objects.create(name=name, payload=payload)
    _queue_delivery_after_commit(event, router.db_for_write(OutboxEvent) or DEFAULT_DB_ALIAS)
    return event


def publish_many(name: str, payloads: list[dict[str, Any]]) -> list[OutboxEvent]:
    """``publish`` for many events of one name at once (a batch of replies): one INSERT, one
    delivery run queued for the transaction; delivered in the order given."""
    if not payloads:
        return []
    etype = _catalogue.get(name)
    if etype is None:
        message = f"event {name!r} is not declared: declare it in the publishing app's events.py"
        if _strict():
            raise UndeclaredEvent(message)
        logger.error(message)
    elif _strict():
        for payload in payloads:
            if missing := [f for f in etype.fields if f not in payload]:
                raise UndeclaredEvent(f"event {name!r} is missing its declared field(s) {missing}")
    from grassroots.core.bulk import insert_rows  # (bulk is below events: no import cycle)

    now = timezone.now()
    rows = [{"name": name, "payload": p, "created_at": now} for p in payloads]
    created = [
        OutboxEvent(pk=pk, name=name, payload=p, created_at=now)
        for pk, p in zip(insert_rows(OutboxEvent, rows), payloads, strict=True)
    ]
    _queue_delivery_after_commit(created[-1], router.db_for_write(OutboxEvent) or DEFAULT_DB_ALIAS)
    return created


_local = threading.local()


class _Delivery:
    """The after-commit callback that queues a delivery run for one transaction.

    It remembers the event written when it was registered: that row and this callback live and
    die together (a rolled-back savepoint discards both), so "is my event still there?" tells
    whether the callback is still due to run, without reading Django's private callback list."""

    def __init__(self, event: OutboxEvent, using: str):
        self.event_pk, self.created_at, self.using = event.pk, event.created_at, using
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        schedule_delivery()

    def still_waiting(self, event: OutboxEvent) -> bool:
        if self.ran or self.event_pk == event.pk:  # same pk: ours was rolled back and reused
            return False
        return (
            OutboxEvent.objects.using(self.using)
            .filter(pk=self.event_pk, created_at=self.created_at)
            .exists()
        )


def _queue_delivery_after_commit(event: OutboxEvent, using: str) -> None:
    """One delivery run per transaction delivers all its events (a reply that opts someone out
    publishes four: one queued task, not four). A savepoint rolled back takes its callback
    with it, so a later event in the same transaction queues again."""
    if transaction.get_autocommit(using):
        schedule_delivery()  # no transaction: the row is committed already
        return
    waiting: dict[str, _Delivery] = getattr(_local, "waiting", None) or {}
    _local.waiting = waiting
    marker = waiting.get(using)
    if marker is not None and marker.still_waiting(event):
        return
    waiting[using] = marker = _Delivery(event, using)
    transaction.on_commit(marker, using=using)


def schedule_delivery() -> None:
    """Queue a delivery run (after commit; also the minute tick when something is due)."""
    from grassroots.core.tasks import deliver_outbox_task

    try:
        deliver_outbox_task.enqueue()
    except Exception:  # the queue being down must not fail the request; the tick catches up
        logger.exception("could not enqueue outbox delivery")


def deliver_pending(limit: int = 500) -> int:
    """One delivery run (what ``deliver_outbox_task`` does): see ``core.outbox.deliver``."""
    from grassroots.core import outbox

    return outbox.deliver(limit=limit)


def collect_declarations() -> None:
    """Import every ``grassroots.*`` app's ``events`` module (its declarations)."""
    from importlib import import_module

    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    for config in apps.get_app_configs():
        if config.name.startswith("grassroots.") and module_has_submodule(config.module, "events"):
            import_module(f"{config.name}.events")
