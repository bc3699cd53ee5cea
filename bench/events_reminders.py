"""Event reminders: one reminder run for an event with N attendees (default 5,000), messages per
second through the send path (issue 15, "Measured in make bench").

``BENCH=events_reminders`` runs it on ``BENCH_DATABASE_URL`` (default: a SQLite file in the temp
directory; ``postgres://…`` for PostgreSQL); ``BENCH_SCALE`` is the number of attendees.

In a child process (its own database; untimed seed through ``core.bulk.insert_rows``: N people
with an email address and an email opt-in each, a published phone bank starting in two days with one shift of N
places, N confirmed registrations, the simulator as the email account): the timed part is
``reminders.send_reminders(kind="day_before")`` exactly as the runner calls it — claiming the
log rows, composing each message in the person's language with its signed links, and
``sending.dispatch`` (consent, quiet hours, frequency caps, the simulator's sends, the results
recorded, an interaction each; ``BENCH_EVENTS_PROFILE=1`` prints a cProfile of it). The compliance clock is fixed at the reminder's time. Baseline:
one ``bulk_create`` of N plain ``Message`` rows (what writing the messages alone costs).

Counts are checked: N log rows, N messages sent, and a second run sends nothing.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.common import child_env, prepare_database, print_table, row, run_child, scale

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.gettempdir()) / "grassroots-bench-events-reminders"
PUBLIC_URL = "https://campaign.example.org"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{WORK / 'reminders.sqlite3'}"


def _seed(n: int):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from bench.common import migrate_fresh, seed_people
    from grassroots.core.access import SYSTEM
    from grassroots.core.bulk import insert_rows
    from grassroots.events import services as event_services
    from grassroots.events.models import Event, EventType, Registration, Shift
    from grassroots.messaging import services
    from grassroots.people.models import Consent, ContactPoint

    migrate_fresh(["people_person", "messaging_provideraccount", "messaging_message",
                   "events_event", "core_outboxevent", "core_auditevent"])  # fmt: skip
    event_services.event_types_ensure()
    services.account_save(
        actor=SYSTEM, name="Simulator", kind="simulator", channels=["email"],
        config={"from_email": "events@campaign.example.org"}, secrets={}, is_default=True,
    )  # fmt: skip
    ids = seed_people(n, each=lambda i: {"preferred_language": ("hi", "bn", "en", "it")[i % 4]})
    insert_rows(
        ContactPoint,
        [{"person_id": pk, "channel": "email", "value": f"p{i}@example.org", "is_primary": True}
         for i, pk in enumerate(ids)],
    )  # fmt: skip
    insert_rows(  # the opt-in ticked on the sign-up form
        Consent,
        [{"person_id": pk, "channel": "email", "purpose": "volunteering", "status": "granted",
          "recorded_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)} for pk in ids],
    )  # fmt: skip
    ist = ZoneInfo("Asia/Kolkata")
    starts = dt.datetime(2026, 12, 6, 17, 0, tzinfo=ist)
    event = Event.objects.create(
        title="Bench phone bank", type=EventType.objects.get(slug="phone_bank"),
        status=Event.Status.PUBLISHED, starts_at=starts, ends_at=starts + dt.timedelta(hours=3),
        time_zone="Asia/Kolkata", address="12 Harish Mukherjee Road, Kolkata",
    )  # fmt: skip
    shift = Shift.objects.create(
        event=event, starts_at=event.starts_at, ends_at=event.ends_at, capacity=n,
        confirmed_count=n,
    )  # fmt: skip
    created = starts - dt.timedelta(days=5)
    insert_rows(
        Registration,
        [{"shift_id": shift.pk, "event_id": event.pk, "person_id": pk, "status": "confirmed",
          "attendance": "unknown", "token": f"bench-token-{pk:08d}-xxxxxxxxxxxx", "source": {},
          "created_at": created, "updated_at": created} for pk in ids],
    )  # fmt: skip
    return event, dt.datetime(2026, 12, 5, 18, 1, tzinfo=ist)


def _child(n: int) -> None:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from grassroots.events.reminders import services as reminders
    from grassroots.events.reminders.models import Kind, ReminderLog
    from grassroots.messaging import sending
    from grassroots.messaging.models import Message

    event, due = _seed(n)
    sending.clock = lambda: due
    # the simulator's receipts (a task per message, which a real provider's webhooks replace)
    # are the simulator's cost, not the send path's
    sending.simulator_webhooks = None
    timezone.now = lambda: due  # the links' and the records' time: the reminder's
    profile = None
    if os.environ.get("BENCH_EVENTS_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    start = time.perf_counter()
    out = reminders.send_reminders(event_id=event.pk, kind=Kind.DAY_BEFORE)
    platform_s = time.perf_counter() - start
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    again = reminders.send_reminders(event_id=event.pk, kind=Kind.DAY_BEFORE)
    sent = Message.objects.filter(status__in=["sent", "delivered"]).count()
    logs = ReminderLog.objects.filter(key=Kind.DAY_BEFORE).count()
    with transaction.atomic():
        start = time.perf_counter()
        Message.objects.bulk_create(
            [Message(channel="email", to_address=f"b{i}@example.org", subject="Tomorrow",
                     body="Hello, a reminder", purpose="volunteering") for i in range(n)]
        )  # fmt: skip
        bulk_s = time.perf_counter() - start
        transaction.set_rollback(True)
    print(
        json.dumps(
            {"vendor": connection.vendor, "created": out["created"], "sent": sent, "logs": logs,
             "again": again["created"], "platform_s": platform_s, "bulk_s": bulk_s}
        )
    )  # fmt: skip


def measure(url: str, n: int) -> list[dict]:
    prepare_database(url, WORK)
    env = child_env(url, WORK, "bench-events", GRASSROOTS_PUBLIC_URL=PUBLIC_URL)
    print(f"events_reminders: a reminder to {n:,} attendees on {url.split('@')[-1]} …", flush=True)
    r = run_child("bench.events_reminders", [str(n)], env,
                  show_stderr=bool(os.environ.get("BENCH_EVENTS_PROFILE")))  # fmt: skip
    if not (r["created"] == r["logs"] == r["sent"] == n and r["again"] == 0):
        raise RuntimeError(f"lost or doubled: {r}")
    rate, bulk = n / r["platform_s"], n / r["bulk_s"]
    print(
        f"  [{r['vendor']}] {rate:,.0f} reminders/s through the send path "
        f"({r['platform_s']:.1f} s for {n:,}); bulk_create {bulk:,.0f} rows/s; "
        f"{r['sent']:,} sent once each, a second run sent {r['again']}",
        flush=True,
    )
    name = f"reminders-{r['vendor'][:2]}"
    return [row(name, "reminders sent, vs bulk_create of messages (/s)", rate, "/s", bulk, n)]


def run() -> list[dict]:
    rows = measure(database_url(), scale(5_000))
    print_table(rows)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        _child(int(sys.argv[2]))
    else:
        run()
