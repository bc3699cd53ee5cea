"""Two reminder runs at once (two ticks, two workers) send each reminder once (PostgreSQL: real
concurrent transactions; skipped on SQLite, which serialises writers)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from grassroots.core.access import SYSTEM
from grassroots.events import services as event_services
from grassroots.events.reminders import services
from grassroots.events.reminders.models import Kind, ReminderLog
from grassroots.events.tests.engage_helpers import NOON_IST, make_event, register
from grassroots.messaging import sending
from grassroots.messaging.models import Message
from grassroots.messaging.tests.factories import ProviderAccountFactory
from grassroots.people import services as people_services


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    event_services.event_types_ensure()
    monkeypatch.setattr(sending, "clock", lambda: NOON_IST)
    monkeypatch.setattr(services, "BATCH", 7)  # many small batches, so the runs interleave
    ProviderAccountFactory()
    event = make_event(capacity=100)
    for i in range(40):
        person = people_services.person_create(
            actor=SYSTEM, data={"given_name": f"P{i}"}, emails=[f"p{i}@example.org"]
        )
        register(event, person, created_at=NOON_IST, publish=False)
    errors: list[BaseException] = []

    def run():
        try:
            services.send_reminders(event_id=event.pk, kind=Kind.CHANGED, key="changed:1")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert ReminderLog.objects.filter(key="changed:1").count() == 40
    assert Message.objects.count() == 40
    assert Message.objects.values("person_id").distinct().count() == 40
