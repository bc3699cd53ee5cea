"""Timing and reporting helpers shared by the benchmarks."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable


def scale(default: int) -> int:
    return int(float(os.environ.get("BENCH_SCALE", default)))


def median_ms(fn: Callable[[], object], repeat: int = 7, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def row(
    benchmark: str, metric: str, value: float, unit: str, baseline: float, scale_n: int
) -> dict:
    return {
        "benchmark": benchmark,
        "metric": metric,
        "value": round(value, 2),
        "unit": unit,
        "baseline": round(baseline, 2),
        "ratio": round(value / baseline, 2) if baseline else None,
        "scale": scale_n,
    }


def print_table(rows: list[dict]) -> None:
    print(
        f"\n{'benchmark':<10} {'metric':<44} {'value':>10} {'baseline':>10} {'ratio':>7}  unit  scale"
    )
    for r in rows:
        print(
            f"{r['benchmark']:<10} {r['metric']:<44} {r['value']:>10.1f} {r['baseline']:>10.1f} "
            f"{r['ratio'] if r['ratio'] is not None else '—':>7}  {r['unit']:<4}  {r['scale']:,}"
        )


# --- benchmarks that run in a child process on their own database ---------------------------


def prepare_database(url: str, work) -> None:
    """A clean start: the SQLite file (and its WAL) removed, or the PostgreSQL database made if
    it does not exist (the child truncates its tables, ``migrate_fresh``)."""
    from pathlib import Path

    Path(work).mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    import psycopg

    base, _, dbname = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')


def child_env(url: str, work, secret: str, **extra: str) -> dict:
    """The environment of a benchmark's child: its database, data directory and secret key."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="grassroots.settings",
        GRASSROOTS_DATA_DIR=str(Path(work) / "data"),
        GRASSROOTS_SECRET_KEY=f"{secret}-not-a-secret",
        PYTHONPATH=str(root) + os.pathsep + env.get("PYTHONPATH", ""),
        **extra,
    )
    return env


def run_child(module: str, args: list[str], env: dict, *, show_stderr: bool = False) -> dict:
    """``python -m <module> child <args…>``; its last line of output is its JSON result."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    proc = subprocess.run(
        [sys.executable, "-m", module, "child", *args],
        env=env, cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True,
    )  # fmt: skip
    if show_stderr:
        sys.stderr.write(proc.stderr[-20000:])
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise RuntimeError(f"the {module} benchmark's child exited with {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def migrate_fresh(truncate: list[str]) -> None:
    """In the child: migrate, and on PostgreSQL empty the tables a previous run filled
    (``TRUNCATE … RESTART IDENTITY CASCADE``; a SQLite file was removed by the parent)."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor == "postgresql" and truncate:
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {', '.join(truncate)} RESTART IDENTITY CASCADE")


def seed_people(
    n: int, *, area_ids: list[int] | None = None, each: Callable[[int], dict] | None = None
) -> list[int]:
    """N people "P<i> Bench" through ``core.bulk.insert_rows`` (spread over ``area_ids``,
    with ``each(i)``'s extra fields); their ids."""
    from grassroots.core.bulk import insert_rows
    from grassroots.people.models import Person

    rows = []
    for i in range(n):
        r = {"given_name": f"P{i}", "family_name": "Bench", "full_name": f"P{i} Bench"}
        if area_ids:
            r["area_id"] = area_ids[i % len(area_ids)]
        if each is not None:
            r.update(each(i))
        rows.append(r)
    return insert_rows(Person, rows)
