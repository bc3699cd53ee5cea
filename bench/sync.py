"""The canvassing app's sync under load (issue 16, "Measured in make bench"): N devices × M
attempts uploaded in batches, some replayed and reordered; 0 lost and 0 doubled, printed.

``BENCH=sync`` runs it on ``BENCH_DATABASE_URL``; else, when ``DATABASE_URL`` points at
PostgreSQL, on a database of its own next to it (``<name>_bench_sync``); else a SQLite file in
the temp directory. ``BENCH_SCALE`` is the number of devices (default 20) and
``BENCH_SYNC_ATTEMPTS`` the attempts per device (default 100); the issue's size is 200 × 500
(``BENCH_SCALE=200 BENCH_SYNC_ATTEMPTS=500``), which takes long on a 2-core machine: the size
run is printed.

In a child process (its own database; untimed seed): one area, a script with a scale question
(support 1–5) and a single-choice question, one active effort, and per device a canvasser
(role volunteer), a turf of 50 doors with one person each, checked out to them. Each device's
attempts are visits to its doors in walk order with two answers and a device time; they are
cut into batches of 50, each batch shuffled (reordered), a tenth of the batches sent twice
(replayed) and each batch carrying a few events of the one before (overlap). The devices upload
through ``POST /canvass/sync`` (Django's test client: the whole stack, session and JSON), 4 at
a time on PostgreSQL (1 on SQLite: one writer), each device's batches in order.

Printed: attempts applied per second and the p95 latency of one upload (a batch), and the
counts: events sent (with replays), applied, duplicate, and then in the database lost (an event
id with no visit) and doubled (a visit or an attempt stored twice). Baseline in the same run:
the same number of attempts recorded one by one through ``surveys.services.responses_record``
(what a screen recording one answer does), with the same concurrency; the upload latency is
set against the p95 time that baseline takes for 50 records in a row (an upload's size).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.common import child_env, prepare_database, print_table, row, run_child, scale

WORK = Path(tempfile.gettempdir()) / "grassroots-bench-sync"
DOORS_PER_DEVICE = 50
BATCH = 50
SEED = 2026


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url
    main = os.environ.get("DATABASE_URL", "")
    if main.startswith("postgres"):
        base, _, name = main.rpartition("/")
        return f"{base}/{name.split('?')[0]}_bench_sync"
    return f"sqlite:///{WORK / 'sync.sqlite3'}"


def _seed(devices: int) -> dict:
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from bench.common import migrate_fresh, seed_people
    from grassroots.accounts.models import Role
    from grassroots.accounts.services import roles_ensure_defaults, user_create
    from grassroots.canvassing.models import Assignment, Door, Effort, Target, Turf
    from grassroots.core.access import SYSTEM
    from grassroots.core.bulk import insert_rows
    from grassroots.core.registry import reference_data
    from grassroots.geography import services as geo
    from grassroots.people.models import Person
    from grassroots.surveys import services as surveys
    from grassroots.surveys.models import Attempt, Script

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.contrib.auth import get_user_model

    User = get_user_model()
    from grassroots.geography.models import Area

    tables = [m._meta.db_table for m in (Person, Effort, Script, Attempt, User, Area)]
    migrate_fresh(tables)
    roles_ensure_defaults()
    for ensure in reference_data:
        ensure()
    kind = geo.area_kind_ensure(code="part", name="Polling part", sort_order=5)
    area = geo.area_create(actor=SYSTEM, kind=kind, code="B1", name="Bench part")
    script = surveys.script_create(actor=SYSTEM, name="Bench ID")
    support = surveys.block_add(actor=SYSTEM, script=script, kind="scale", label="Support",
                                text="Support?", scale_min=1, scale_max=5)  # fmt: skip
    issue = surveys.block_add(actor=SYSTEM, script=script, kind="single", label="Issue",
                              text="Issue?")  # fmt: skip
    surveys.choice_add(actor=SYSTEM, block=issue, label="Jobs")
    surveys.choice_add(actor=SYSTEM, block=issue, label="Health")
    surveys.script_update(actor=SYSTEM, script=script, status="active")
    now = timezone.now()
    effort = Effort.objects.create(name="Bench effort", script=script, status="active",
                                   built_at=now, cut_at=now)  # fmt: skip
    n_people = devices * DOORS_PER_DEVICE
    people = seed_people(n_people, area_ids=[area.pk])
    role = Role.objects.filter(slug="volunteer")
    users = [
        user_create(
            actor=SYSTEM,
            username=f"device{i}",
            password="bench-password-1",
            roles=role,
            scope_all=True,
        )  # fmt: skip
        for i in range(devices)
    ]
    turf_ids = insert_rows(Turf, [
        {"effort_id": effort.pk, "number": i + 1, "status": "assigned", "area_id": area.pk,
         "doors_count": DOORS_PER_DEVICE, "units_count": DOORS_PER_DEVICE}
        for i in range(devices)
    ])  # fmt: skip
    door_rows = []
    for d, turf_id in enumerate(turf_ids):
        for k in range(DOORS_PER_DEVICE):
            door_rows.append({
                "effort_id": effort.pk, "turf_id": turf_id, "position": k + 1,
                "key": f"bench:{d}:{k}", "area_id": area.pk, "house_number": str(k + 1),
                "street": f"Street {d}", "label": f"{k + 1} Street {d}",
                "latitude": 22.5 + d * 0.001, "longitude": 88.3 + k * 0.0001,
                "located": "address", "flag_event_id": None,
            })  # fmt: skip
    door_ids = insert_rows(Door, door_rows)
    Target.objects.bulk_create([
        Target(effort_id=effort.pk, door_id=door_ids[i], person_id=people[i])
        for i in range(n_people)
    ], batch_size=2000)  # fmt: skip
    due = now + dt.timedelta(days=3)
    Assignment.objects.bulk_create([
        Assignment(turf_id=turf_ids[i], user=users[i], due_at=due) for i in range(devices)
    ])  # fmt: skip
    return {
        "effort": effort.pk,
        "script": script.pk,
        "support": support.pk,
        "issue": issue.pk,
        "users": [u.pk for u in users],
        "doors": [door_ids[d * DOORS_PER_DEVICE:(d + 1) * DOORS_PER_DEVICE] for d in range(devices)],
        "people": [people[d * DOORS_PER_DEVICE:(d + 1) * DOORS_PER_DEVICE] for d in range(devices)],
    }  # fmt: skip


def _device_uploads(seeded: dict, d: int, attempts: int, rng) -> tuple[list[list[dict]], set]:
    """The batches device ``d`` sends (reordered, replayed, overlapping) and its event ids."""
    import datetime as dt
    import uuid

    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)
    events = []
    for i in range(attempts):
        k = i % DOORS_PER_DEVICE
        events.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "type": "visit",
            "effort": seeded["effort"], "door": seeded["doors"][d][k],
            "person": seeded["people"][d][k],
            "answers": {str(seeded["support"]): 1 + i % 5,
                        str(seeded["issue"]): "jobs" if i % 2 else "health"},
            "at": (start + dt.timedelta(seconds=20 * i)).isoformat(), "language": "en",
        })  # fmt: skip
    batches = [events[i : i + BATCH] for i in range(0, len(events), BATCH)]
    out: list[list[dict]] = []
    for b, batch in enumerate(batches):
        batch = list(batch)
        if b > 0:
            batch += rng.sample(batches[b - 1], min(3, len(batches[b - 1])))  # overlap
        rng.shuffle(batch)  # reordered
        out.append(batch)
        if rng.random() < 0.1:
            out.append(list(reversed(batch)))  # replayed (the answer was lost on the way)
    return out, {e["id"] for e in events}


def _child(devices: int, attempts: int) -> None:
    import random
    import statistics
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from grassroots.canvassing.models import Visit
    from grassroots.surveys import services as surveys
    from grassroots.surveys.models import Attempt, Script

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    seeded = _seed(devices)
    vendor = connection.vendor
    workers = 4 if vendor == "postgresql" else 1
    rng = random.Random(SEED)
    plans = [_device_uploads(seeded, d, attempts, rng) for d in range(devices)]
    expected: set[str] = set().union(*(ids for _b, ids in plans))
    User = get_user_model()
    users = {u.pk: u for u in User.objects.filter(pk__in=seeded["users"])}
    latencies: list[float] = []
    counts: dict[str, int] = {}

    def run_device(d: int) -> None:
        client = Client()
        client.force_login(users[seeded["users"][d]])
        try:
            for batch in plans[d][0]:
                body = json.dumps({"device": f"bench-{d}", "events": batch})
                t0 = time.perf_counter()
                r = client.post("/canvass/sync", body, content_type="application/json")
                latencies.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    raise SystemExit(f"upload answered {r.status_code}: {r.content[:300]!r}")
                for res in r.json()["results"]:
                    counts[res["status"]] = counts.get(res["status"], 0) + 1
        finally:
            connection.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run_device, range(devices)))
    sync_s = time.perf_counter() - start
    stored = list(Visit.objects.filter(event_id__in=expected).values_list("event_id", flat=True))
    lost = len(expected - set(stored))
    doubled_visits = len(stored) - len(set(stored))
    keys = [f"v:{i}" for i in expected]
    n_attempts = sum(
        Attempt.objects.filter(attempt_key__in=keys[i : i + 5000]).count()
        for i in range(0, len(keys), 5000)
    )
    doubled_attempts = n_attempts - len(expected) if n_attempts > len(expected) else 0
    lost_attempts = len(expected) - n_attempts if n_attempts < len(expected) else 0

    # Baseline: the same attempts, one responses_record call each, same concurrency.
    script = Script.objects.get(pk=seeded["script"])
    from grassroots.core.access import SYSTEM

    base_batches: list[float] = []

    def baseline_device(d: int) -> None:
        try:
            t0 = time.perf_counter()
            for i in range(attempts):
                if i and i % BATCH == 0:  # as many records as one upload carries
                    base_batches.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
                k = i % DOORS_PER_DEVICE
                surveys.responses_record(
                    actor=SYSTEM, person=seeded["people"][d][k], script=script,
                    answers={str(seeded["support"]): 1 + i % 5,
                             str(seeded["issue"]): "jobs" if i % 2 else "health"},
                    channel="door", attempt_key=f"b:{uuid.uuid4()}", language="en",
                )  # fmt: skip
        finally:
            connection.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(baseline_device, range(devices)))
    base_s = time.perf_counter() - start

    def p95_of(values: list[float]) -> float:
        values = sorted(values) or [0.0]
        return values[max(0, int(len(values) * 0.95) - 1)]

    p95 = p95_of(latencies)
    print(json.dumps({
        "vendor": vendor, "workers": workers, "devices": devices, "attempts": attempts,
        "expected": len(expected), "sent": sum(counts.values()), "counts": counts,
        "uploads": len(latencies), "sync_s": sync_s, "base_s": base_s, "p95_ms": p95,
        "base_p95_ms": p95_of(base_batches),
        "median_ms": statistics.median(latencies), "lost": lost + lost_attempts,
        "doubled": doubled_visits + doubled_attempts,
    }))  # fmt: skip


def measure(url: str, devices: int, attempts: int) -> list[dict]:
    prepare_database(url, WORK)
    print(f"sync: {devices:,} devices × {attempts:,} attempts = {devices * attempts:,} attempts "
          f"(issue size: 200 × 500) on {url.split('@')[-1]} …", flush=True)  # fmt: skip
    r = run_child("bench.sync", [str(devices), str(attempts)], child_env(url, WORK, "bench-sync"))
    rate = r["expected"] / r["sync_s"]
    base_rate = r["expected"] / r["base_s"]
    name = f"sync-{r['vendor'][:2]}"
    print(f"  [{r['vendor']}, {r['workers']} at a time] {r['uploads']:,} uploads of ≤{BATCH + 3} "
          f"events, {r['sent']:,} events sent (with replays and overlaps): {r['counts']}",
          flush=True)  # fmt: skip
    print(f"  applied {rate:,.0f} attempts/s (baseline: responses_record one by one "
          f"{base_rate:,.0f}/s); upload p95 {r['p95_ms']:.0f} ms, median {r['median_ms']:.0f} ms",
          flush=True)  # fmt: skip
    print(f"  lost = {r['lost']}, doubled = {r['doubled']}", flush=True)
    if r["lost"] or r["doubled"]:
        raise SystemExit(f"sync lost {r['lost']} and doubled {r['doubled']} attempts")
    n = devices * attempts
    return [
        row(name, "attempts applied per second, vs one by one", rate, "/s", base_rate, n),
        row(
            name,
            "upload p95 (ms), vs a batch one by one (ms)",
            r["p95_ms"],
            "ms",
            r["base_p95_ms"],
            n,
        ),  # fmt: skip
        row(name, "lost + doubled attempts", r["lost"] + r["doubled"], "n", 0, n),
    ]


def run() -> list[dict]:
    rows = measure(
        database_url(), scale(20), int(float(os.environ.get("BENCH_SYNC_ATTEMPTS", "100")))
    )
    print_table(rows)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        _child(int(sys.argv[2]), int(sys.argv[3]))
    else:
        run()
