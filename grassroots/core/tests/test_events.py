"""Domain events: the catalogue, delivery per (event, subscriber), back-off, dead letters, leases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.core import events, outbox
from grassroots.core.models import AuditEvent, OutboxDelivery, OutboxEvent

NAME = "test.checked"


@pytest.fixture
def declared():
    events.declare(NAME, "A test check", ("n",), person_field=None)
    yield NAME
    events.undeclare(NAME)


@pytest.fixture
def subscribe(declared):
    keys = []

    def add(func, key):
        events.subscriber(NAME, key=key)(func)
        keys.append(key)
        return func

    yield add
    for key in keys:
        events.unsubscribe(key)


def _publish(n: int) -> OutboxEvent:
    return events.publish(NAME, {"n": n})


def _make_due() -> None:
    """Let the back-off pass (as the minute tick would find it later)."""
    OutboxDelivery.objects.filter(status="pending").update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


@pytest.fixture
def healthy_and_poisoned(subscribe):
    healthy, poisoned = [], []

    def ok(event):
        healthy.append(event.payload["n"])

    def bad(event):
        poisoned.append(event.payload["n"])
        raise ValueError(f"cannot handle {event.payload['n']}")

    subscribe(ok, "test.healthy")
    subscribe(bad, "test.poisoned")
    return healthy, poisoned


def test_a_healthy_subscriber_runs_once_while_its_sibling_fails(db, healthy_and_poisoned):
    healthy, poisoned = healthy_and_poisoned
    _publish(1)
    _publish(2)
    assert events.deliver_pending() == 2  # the healthy one, for both events, in order
    for _ in range(3):  # more runs, before and after the back-off: only the failing one again
        events.deliver_pending()
        _make_due()
        events.deliver_pending()
    assert healthy == [1, 2]
    assert poisoned[:2] == [1, 2] and len(poisoned) == 8  # 4 attempts each
    failing = OutboxDelivery.objects.filter(subscriber="test.poisoned")
    assert {d.status for d in failing} == {"pending"}
    assert all(d.attempts == 4 and "cannot handle" in d.last_error for d in failing)
    assert not OutboxEvent.objects.filter(delivered_at__isnull=False).exists()


def test_back_off_doubles_and_the_retry_waits_for_it(db, healthy_and_poisoned):
    _healthy, poisoned = healthy_and_poisoned
    before = timezone.now()
    _publish(1)
    events.deliver_pending()
    d = OutboxDelivery.objects.get(subscriber="test.poisoned")
    assert d.next_attempt_at >= before + outbox.BACKOFF_BASE
    assert events.deliver_pending() == 0 and poisoned == [1]  # not due yet
    assert outbox.backoff(1) == dt.timedelta(seconds=30)
    assert outbox.backoff(3) == dt.timedelta(minutes=2)
    assert outbox.backoff(30) == outbox.BACKOFF_MAX


def test_a_poisoned_subscriber_is_parked_shown_and_retried_alone(
    db, healthy_and_poisoned, users, client_for, django_capture_on_commit_callbacks
):
    healthy, poisoned = healthy_and_poisoned
    event = _publish(7)
    for _ in range(outbox.MAX_ATTEMPTS + 2):  # more runs than attempts: parked, not dropped
        events.deliver_pending()
        _make_due()
    dead = OutboxDelivery.objects.get(subscriber="test.poisoned")
    assert dead.status == "dead" and dead.attempts == outbox.MAX_ATTEMPTS
    assert "ValueError: cannot handle 7" in dead.last_error
    assert len(poisoned) == outbox.MAX_ATTEMPTS and healthy == [7]
    event.refresh_from_db()
    assert event.delivered_at is None  # not every subscriber has it

    # the dead-letter page shows it, with its error and a Retry button (admins only)
    url = reverse("core:dead_letter_list")
    page = client_for(users["admin"]).get(url).content.decode()
    assert "test.poisoned" in page and "cannot handle 7" in page
    assert reverse("core:delivery_retry", args=[dead.pk]) in page
    assert client_for(users["manager"]).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 302

    retry = reverse("core:delivery_retry", args=[dead.pk])
    assert client_for(users["admin"]).get(retry).status_code == 405  # POST only
    assert client_for(users["manager"]).post(retry).status_code == 403
    dead.refresh_from_db()
    assert dead.status == "dead"

    # fixed: retry runs the parked subscriber only, and the event is then delivered
    poisoned_calls = len(poisoned)
    events.unsubscribe("test.poisoned")
    fixed = []
    events.subscriber(NAME, key="test.poisoned")(lambda e: fixed.append(e.payload["n"]))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        r = client_for(users["admin"]).post(retry)
    assert r.status_code == 302 and len(callbacks) == 1  # a delivery run queued after commit
    assert fixed == [7] and healthy == [7] and len(poisoned) == poisoned_calls
    dead.refresh_from_db()
    event.refresh_from_db()
    assert dead.status == "done" and event.delivered_at is not None
    audit = AuditEvent.objects.get(action="core.event_delivery_retried")
    assert audit.actor == users["admin"] and audit.detail["subscriber"] == "test.poisoned"
    assert client_for(users["admin"]).post(retry).status_code == 404  # not dead any more


def test_the_dead_letter_page_is_empty_and_paginated(db, users, client_for, declared):
    url = reverse("core:dead_letter_list")
    r = client_for(users["admin"]).get(url)
    assert r.status_code == 200 and "No dead letters." in r.content.decode()
    event = _publish(1)
    OutboxDelivery.objects.bulk_create(
        OutboxDelivery(event=event, subscriber=f"gone.{i}", status="dead", last_error="boom")
        for i in range(51)
    )
    r = client_for(users["admin"]).get(url)
    assert len(r.context["page"].object_list) == 50 and r.context["page"].has_next()
    r = client_for(users["admin"]).get(url + "?page=2")
    assert len(r.context["page"].object_list) == 1


def test_a_delivery_whose_worker_died_is_taken_over_and_runs_once(db, subscribe):
    calls = []
    subscribe(lambda e: calls.append(e.payload["n"]), "test.once")
    event = _publish(1)
    outbox.fan_out()
    # a worker claimed it, then died: its lease ran out a moment ago
    OutboxDelivery.objects.filter(event=event).update(
        claimed_by="dead-worker", attempts=1,
        locked_until=timezone.now() - dt.timedelta(seconds=1),
    )  # fmt: skip
    assert events.deliver_pending() == 1
    assert events.deliver_pending() == 0
    d = OutboxDelivery.objects.get(event=event)
    assert calls == [1] and d.status == "done" and d.attempts == 2
    assert d.claimed_by != "dead-worker"


def test_a_live_lease_is_left_alone(db, subscribe):
    calls = []
    subscribe(lambda e: calls.append(e.payload["n"]), "test.once")
    event = _publish(1)
    outbox.fan_out()
    OutboxDelivery.objects.filter(event=event).update(
        claimed_by="busy-worker", locked_until=timezone.now() + dt.timedelta(seconds=30)
    )
    assert events.deliver_pending() == 0 and calls == []


def test_a_worker_that_lost_its_lease_rolls_its_delivery_back(db, subscribe):
    """Another worker took the delivery over while this one was still running it: this one's
    writes are rolled back, so the subscriber's effect is committed once."""
    event = _publish(1)

    def slow(e):
        AuditEvent.objects.create(action="test.effect")
        OutboxDelivery.objects.filter(event=e).update(claimed_by="other-worker")

    subscribe(slow, "test.slow")
    assert events.deliver_pending() == 0
    assert not AuditEvent.objects.filter(action="test.effect").exists()
    assert OutboxDelivery.objects.get(event=event).status == "pending"


def test_order_is_kept_within_a_run(db, subscribe):
    seen = []
    subscribe(lambda e: seen.append(e.payload["n"]), "test.ordered")
    for n in range(5):
        _publish(n)
    events.deliver_pending()
    assert seen == [0, 1, 2, 3, 4]


def test_an_event_nobody_subscribes_to_is_delivered_at_once(db, declared):
    event = _publish(1)
    assert events.deliver_pending() == 1
    event.refresh_from_db()
    assert event.delivered_at is not None and not event.deliveries.exists()


def test_a_delivery_for_a_subscriber_that_no_longer_exists_is_parked(db, subscribe):
    subscribe(lambda e: None, "test.removed")
    event = _publish(1)
    outbox.fan_out()
    events.unsubscribe("test.removed")
    events.deliver_pending()
    d = OutboxDelivery.objects.get(event=event)
    assert d.status == "dead" and "No subscriber" in d.last_error


def test_publishing_an_undeclared_event_fails(db):
    with pytest.raises(events.UndeclaredEvent):
        events.publish("nobody.declared.this", {"x": 1})
    assert not OutboxEvent.objects.exists()


def test_publishing_without_a_declared_field_fails(db, declared):
    with pytest.raises(events.UndeclaredEvent, match="'n'"):
        events.publish(NAME, {"m": 1})


def test_an_undeclared_event_only_logs_outside_strict_mode(db, settings, caplog):
    settings.GRASSROOTS_STRICT_EVENTS = False
    events.publish("nobody.declared.this", {})
    assert "not declared" in caplog.text and OutboxEvent.objects.count() == 1


def test_redeclaring_an_event_differently_is_refused(declared):
    from django.core.exceptions import ImproperlyConfigured

    assert events.declare(NAME, "Same again", ("n",)).name == NAME  # the same: fine
    with pytest.raises(ImproperlyConfigured):
        events.declare(NAME, "Other", ("n", "extra"))


def test_every_published_event_in_the_code_is_declared():
    """Each ``events.publish("…")`` in grassroots/ names a type in the catalogue."""
    import pathlib
    import re

    root = pathlib.Path(events.__file__).resolve().parents[1]
    names = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        names |= set(re.findall(r"events\.publish\(\s*\"([a-z_.]+)\"", path.read_text()))
    assert names >= {"person.created", "tag.applied", "message.received", "area.created"}
    assert sorted(n for n in names if events.event_type(n) is None) == []


def test_the_minute_tick_queues_a_run_only_when_something_is_due(
    db, subscribe, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(events, "schedule_delivery", lambda: queued.append(1))
    assert outbox.delivery_tick(timezone.now()) == {"queued": 0}
    subscribe(lambda e: None, "test.ticked")
    _publish(1)
    assert outbox.delivery_tick(timezone.now()) == {"queued": 1}
    events.deliver_pending()
    assert outbox.delivery_tick(timezone.now()) == {"queued": 0}
