"""Public event pages under 32 concurrent clients, and 500 simultaneous sign-ups to one shift.

Reuses ``bench.api``'s harness (the demo database and token, ``grassroots serve`` with the
bench-only settings ``bench.api_site``, the load generator, the server's CPU time): on
PostgreSQL at ``BENCH_DATABASE_URL`` it adds ``BENCH_EVENTS`` (10,000) published events with a
shift each, starts the server and drives, each for ``BENCH_API_SECONDS`` (15) seconds:

- the minimal view ``/bench/person/<id>/`` (one row by primary key; the baseline, same run);
- the public event page ``/e/<public_id>/``, ids spread over 2,000 events (most visits are an
  event's first in that web process: the page is drawn), and over 50 of them (a shared link:
  most visits find the page as last drawn);
- the public event list ``/e/`` and ``/e/?type=<type>`` (the list and its map markers).

Goal (issue 15): the event page within 3× of the minimal view (requests/s).

Then 500 sign-ups to one shift of capacity 100 start together from ``BENCH_RSVP_THREADS`` (40)
threads, each with its own connection, through ``events.services.registration_create`` (the
path the public form takes): exactly 100 confirmed, 400 waitlisted, 0 errors, 0 duplicates,
and the time it took.

    make bench BENCH=events
    BENCH_API_SECONDS=3 BENCH_EVENTS=1000 BENCH_SCALE=2000 make bench BENCH=events  # a quick look
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench import api as api_bench
from bench.common import print_table, row, scale

EVENTS = int(os.environ.get("BENCH_EVENTS", "10000"))
RSVPS, CAPACITY = 500, 100
POPULAR = 50  # a shared link: most visits go to a few events


def _pg_url() -> str:
    return os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/grassroots_bench_events"
    )


# --- inside the subprocess (DATABASE_URL set) ------------------------------------------------


def prepare(people: int, events: int) -> dict:
    """The demo (bench.api's), then ``events`` published public events with one shift each."""
    import datetime as dt
    import random

    data = api_bench.prepare(people)
    from django.utils import timezone

    from grassroots.core import bulk
    from grassroots.events.models import Event, EventType, Shift
    from grassroots.events.rendering import render_description
    from grassroots.events.services import event_types_ensure

    event_types_ensure()
    have = Event.objects.filter(title__startswith="Bench event ").count()
    if have < events:
        types = list(EventType.objects.all())
        rng = random.Random(15)
        now = timezone.now()
        html = render_description("Bring **water** and a charged phone.")
        rows = []
        for i in range(have, events):
            start = now + dt.timedelta(days=1 + i % 60, hours=rng.randrange(9, 19))
            rows.append(
                Event(
                    title=f"Bench event {i}",
                    type=rng.choice(types),
                    description="Bring **water** and a charged phone.",
                    description_html=html,
                    status=Event.Status.PUBLISHED,
                    visibility=Event.Visibility.PUBLIC,
                    address=f"{i} Harish Mukherjee Road, Kolkata",
                    latitude=22.4 + rng.random() * 0.3,
                    longitude=88.2 + rng.random() * 0.3,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=3),
                )
            )
        Event.objects.bulk_create(rows, batch_size=2000)
        new = Event.objects.filter(title__startswith="Bench event ", shifts__isnull=True)
        Shift.objects.bulk_create(
            [
                Shift(event=e, starts_at=e.starts_at, ends_at=e.ends_at, capacity=20)
                for e in new.only("id", "starts_at", "ends_at")
            ],
            batch_size=2000,
        )
        bulk.analyze(Event._meta.db_table, Shift._meta.db_table)
    public_ids = [
        str(u)
        for u in Event.objects.filter(title__startswith="Bench event ")
        .order_by("?")
        .values_list("public_id", flat=True)[:2000]
    ]
    return {**data, "public_ids": public_ids, "events": Event.objects.count()}


def rsvp_race(threads: int) -> dict:
    """500 sign-ups to a new shift of 100 places, started together from ``threads`` threads."""
    import datetime as dt
    import threading
    import time
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor

    import django

    django.setup()
    from django.db import connections
    from django.utils import timezone

    from grassroots.core.access import SYSTEM
    from grassroots.events import services
    from grassroots.events.models import Registration
    from grassroots.people.models import ContactPoint

    services.event_types_ensure()
    start = timezone.now() + dt.timedelta(days=5)
    event = services.event_create(
        actor=SYSTEM,
        data={"title": "Bench race", "type": "rally", "starts_at": start,
              "ends_at": start + dt.timedelta(hours=2), "time_zone": "Asia/Kolkata"},
        shifts=[{"starts_at": start, "ends_at": start + dt.timedelta(hours=2),
                 "capacity": CAPACITY}],
    )  # fmt: skip
    event = services.event_publish(actor=SYSTEM, event=event)
    shift = event.shifts.get()
    tag = f"race{event.pk}"
    contacts = [
        services.Contact(given_name=f"Racer{i}", email=f"{tag}-{i}@bench.example.org")
        for i in range(RSVPS)
    ]
    barrier = threading.Barrier(threads)
    lock = threading.Lock()
    statuses: list[str] = []
    errors: list[str] = []

    def work(chunk):
        try:
            barrier.wait(timeout=60)
            for contact in chunk:
                try:
                    s = services.registration_create(
                        actor=SYSTEM, shift=shift, contact=contact, public=True
                    )
                    with lock:
                        statuses.append(s.registration.status)
                except Exception as exc:  # noqa: BLE001 - counted
                    with lock:
                        errors.append(repr(exc)[:200])
        finally:
            connections.close_all()

    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, [contacts[i::threads] for i in range(threads)]))
    seconds = time.perf_counter() - began
    counts = Counter(statuses)
    regs = Registration.objects.filter(shift=shift)
    emails = ContactPoint.objects.filter(channel="email", value__startswith=f"{tag}-")
    shift.refresh_from_db()
    return {
        "seconds": seconds,
        "confirmed": regs.filter(status="confirmed").count(),
        "waitlisted": regs.filter(status="waitlisted").count(),
        "confirmed_count": shift.confirmed_count,
        "answered": dict(counts),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "duplicates": emails.count()
        - emails.values("person").distinct().count()
        + (regs.count() - regs.values("person").distinct().count()),
    }


# --- the driver ------------------------------------------------------------------------------


def _subprocess(db_url: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.events", *args],
        env=api_bench._env(db_url),
        cwd=api_bench.ROOT,
        check=True,
        stdout=subprocess.PIPE,
    )
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def _create_database(db_url: str) -> None:
    import psycopg

    base, _, dbname = db_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')


def run() -> list[dict]:
    people = scale(api_bench.DEMO_PEOPLE // 2)
    seconds = float(os.environ.get("BENCH_API_SECONDS", "15"))
    threads = int(os.environ.get("BENCH_RSVP_THREADS", "40"))
    db_url = _pg_url()
    (api_bench.ROOT / "var").mkdir(exist_ok=True)
    _create_database(db_url)
    data = _subprocess(db_url, "prepare", str(people), str(EVENTS))
    n = data["events"]
    print(
        f"Events under {api_bench.CLIENTS} concurrent clients, {seconds:g} s per page, "
        f"{n:,} events; {os.cpu_count()} CPUs, load average {api_bench._load()}",
        flush=True,
    )
    endpoints = {
        "minimal view (one row by pk)": [f"/bench/person/{i}/" for i in data["ids"]],
        "public event page": [f"/e/{u}/" for u in data["public_ids"]],
        "public event page, 50 popular": [f"/e/{u}/" for u in data["public_ids"][:POPULAR]],
        "public event list": ["/e/"],
        "public event list by type": [f"/e/?type={t}" for t in ("canvass", "rally", "meeting")],
    }
    port = api_bench._free_port()
    server = api_bench._start_server(db_url, port, endpoints["minimal view (one row by pk)"][0])
    figures = {}
    try:
        for name, paths in endpoints.items():
            api_bench._drive(port, paths, {}, min(2.0, seconds))  # warm every worker
            cpu = api_bench._server_cpu_seconds(server.pid)
            figures[name] = f = api_bench._drive(port, paths, {}, seconds)
            f["cpu_ms"] = (api_bench._server_cpu_seconds(server.pid) - cpu) * 1000 / max(1, f["n"])
            print(
                f"  {name:<28} {f['rps']:8.1f} req/s  p50 {f['p50']:7.1f} ms  "
                f"p99 {f['p99']:7.1f} ms  time-outs {f['timeouts']}  errors {f['errors']}  "
                f"server CPU {f['cpu_ms']:.2f} ms/request",
                flush=True,
            )
    finally:
        api_bench._stop_server(server)
    race = _subprocess(db_url, "rsvp", str(threads))
    print(f"  500 simultaneous sign-ups ({threads} threads): {race}", flush=True)
    base = figures["minimal view (one row by pk)"]
    page = figures["public event page"]
    rows = [row("events", "pg minimal view req/s", base["rps"], "r/s", base["rps"], n)]
    pages = ("public event page", "public event page, 50 popular", "public event list",
             "public event list by type")  # fmt: skip
    for name in pages:
        f = figures[name]
        goal = " (goal ≥⅓×)" if name.startswith("public event page") else ""
        rows += [
            row("events", f"pg {name} req/s{goal}", f["rps"], "r/s", base["rps"], n),
            row("events", f"pg {name} p99 ms", f["p99"], "ms", base["p99"], n),
            row("events", f"pg {name} server CPU ms/req", f["cpu_ms"], "ms", base["cpu_ms"], n),
        ]
    rows += [
        row(
            "events",
            "pg time-outs+errors, all pages",
            sum(f["timeouts"] + f["errors"] for f in figures.values()),
            "n",
            0,
            n,
        ),
        row("events", "500 RSVPs: seconds", race["seconds"], "s", 0, RSVPS),
        row("events", "500 RSVPs: confirmed (goal 100)", race["confirmed"], "n", CAPACITY, RSVPS),
        row("events", "500 RSVPs: waitlisted (goal 400)", race["waitlisted"], "n", 400, RSVPS),
        row("events", "500 RSVPs: errors (goal 0)", race["errors"], "n", 0, RSVPS),
        row("events", "500 RSVPs: duplicates (goal 0)", race["duplicates"], "n", 0, RSVPS),
    ]
    assert page["n"] > 0, "the event page answered nothing"
    print_table(rows)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"]:
        print(json.dumps(prepare(int(sys.argv[2]), int(sys.argv[3]))))
    elif sys.argv[1:2] == ["rsvp"]:
        print(json.dumps(rsvp_race(int(sys.argv[2]))))
    else:
        print_table(run())
