"""Capacity under concurrent sign-ups: threads, each with its own database connection.

On PostgreSQL 500 sign-ups to one shift of capacity 100 run through a pool of threads started
together (a pool, because the server takes ~100 connections and other work shares it): exactly
100 confirmed, 400 waitlisted in one unbroken order, no error, no duplicate. SQLite serialises
writers, so there it runs smaller (the same assertions)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from grassroots.core.access import SYSTEM
from grassroots.events import services
from grassroots.events.models import Registration
from grassroots.events.services import Contact
from grassroots.events.tests.factories import EventFactory
from grassroots.people.models import ContactPoint, Person

R = Registration.Status


def _run_parallel(shift, contacts, workers):
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []
    statuses: list[str] = []
    lock = threading.Lock()

    def work(chunk):
        try:
            barrier.wait(timeout=60)
            for contact in chunk:
                try:
                    for attempt in range(200):
                        try:
                            signup = services.registration_create(
                                actor=SYSTEM, shift=shift, contact=contact, public=True
                            )
                            break
                        except Exception as exc:  # SQLite: "database is locked" → retry
                            if "locked" in str(exc) and attempt < 199:
                                time.sleep(0.005 * (1 + attempt % 10))
                                continue
                            raise
                    with lock:
                        statuses.append(signup.registration.status)
                except BaseException as exc:  # noqa: BLE001 - counted and reported below
                    with lock:
                        errors.append(exc)
        finally:
            connections.close_all()

    chunks = [contacts[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(work, chunks))
    return statuses, errors


def _sizes():
    if connection.vendor == "postgresql":
        return 500, 100, 40
    return 60, 12, 4


@pytest.mark.django_db(transaction=True)
def test_simultaneous_signups_never_exceed_capacity(geo):
    total, capacity, workers = _sizes()
    event = EventFactory(area=geo["ac"], shifts=[{"capacity": capacity}])
    shift = event.shifts.get()
    contacts = [
        Contact(given_name=f"Supporter{i}", email=f"supporter{i}@example.org") for i in range(total)
    ]
    statuses, errors = _run_parallel(shift, contacts, workers)
    assert errors == []
    assert Counter(statuses) == {R.CONFIRMED: capacity, R.WAITLISTED: total - capacity}
    shift.refresh_from_db()
    assert shift.confirmed_count == capacity
    regs = Registration.objects.filter(shift=shift)
    assert regs.count() == total
    assert regs.filter(status=R.CONFIRMED).count() == capacity
    positions = sorted(regs.filter(status=R.WAITLISTED).values_list("waitlist_position", flat=True))
    assert positions == list(range(1, total - capacity + 1))
    # no duplicate people: one person per email
    emails = ContactPoint.objects.filter(channel="email", value__startswith="supporter")
    assert emails.count() == total
    assert emails.values("person").distinct().count() == total


@pytest.mark.django_db(transaction=True)
def test_the_same_person_signing_up_at_once_is_one_registration(geo):
    workers = 8 if connection.vendor == "postgresql" else 3
    event = EventFactory(area=geo["ac"], shifts=[{"capacity": 5}])
    shift = event.shifts.get()
    contact = Contact(given_name="Mita", email="mita@example.org")
    statuses, errors = _run_parallel(shift, [contact] * workers, workers)
    assert errors == []
    assert Person.objects.filter(given_name="Mita").count() == 1
    assert Registration.objects.filter(shift=shift).count() == 1
    shift.refresh_from_db()
    assert shift.confirmed_count == 1
