"""Volunteer leaderboards at scale (issue 15): the weekly and all-time boards, overall, per team
and per area, next to hand-written SQL of the same aggregate measured in the same run.

``BENCH=leaderboard`` runs it on ``BENCH_DATABASE_URL`` (default: a SQLite file in the temp
directory; ``postgres://…`` for PostgreSQL); ``BENCH_SCALE`` is the number of volunteers
(default 20,000), with 25 point-earning records each (500,000 by default).

In a child process (its own database; untimed seed through ``core.bulk.insert_rows``): a state
with 20 constituencies of 10 booths each, N active volunteers living in the booths, a team per
constituency with a team per booth below it (each volunteer in their booth's team), and 25 × N
records spread over the last year: 45 % approved logged hours, 15 % attended shifts (approved
hours from a shift), 40 % completed task assignments. Timed (median of 5 after a warm-up):
``selectors.leaderboard_page`` as the screen calls it (everyone ranked; the first 50 rows
and the viewer's own, with names and badges) — the snapshot of past weeks' points (``PointSnapshot``) plus this
week's live points. Baseline: one hand-written SQL statement computing the same points from
every record (the same weights, the same window), ranked by the database, first 50 rows. Also
timed once: the snapshot's rebuild (what the first board of a new week costs).

Counts are checked: the top 50 of the platform equal the baseline's (points and order).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from bench.common import (
    child_env,
    median_ms,
    prepare_database,
    print_table,
    row,
    run_child,
    scale,
)

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.gettempdir()) / "grassroots-bench-leaderboard"
RECORDS_PER_VOLUNTEER = 25
CONSTITUENCIES, BOOTHS = 20, 10


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{WORK / 'leaderboard.sqlite3'}"


def _seed(n: int) -> dict:
    import datetime as dt
    import random

    from django.utils import timezone

    from bench.common import migrate_fresh, seed_people
    from grassroots.core.bulk import insert_rows
    from grassroots.geography.models import Area, AreaKind
    from grassroots.volunteers import services
    from grassroots.volunteers.models import (
        HoursEntry,
        Task,
        TaskAssignment,
        Team,
        VolunteerProfile,
    )

    migrate_fresh(["people_person", "geography_area", "volunteers_team", "volunteers_task"])
    services.reference_data_ensure()
    kind, _ = AreaKind.objects.get_or_create(code="bench-unit", defaults={"name": "Unit"})
    state = Area.objects.create(kind=kind, code="B", name="Bench state", path="~B")
    state.path = f"{state.pk}/"
    state.save(update_fields=["path"])
    booths, cons_teams, booth_teams = [], [], []
    for c in range(CONSTITUENCIES):
        cons = Area.objects.create(kind=kind, code=f"B-{c}", name=f"AC {c}", parent=state,
                                   depth=1, path=f"~B-{c}")  # fmt: skip
        cons.path = f"{state.path}{cons.pk}/"
        cons.save(update_fields=["path"])
        ct = Team.objects.create(name=f"AC {c} team", area=cons)
        ct.path = f"{ct.pk}/"
        ct.save(update_fields=["path"])
        cons_teams.append(ct)
        for b in range(BOOTHS):
            booth = Area.objects.create(kind=kind, code=f"B-{c}-{b}", name=f"Booth {c}/{b}",
                                        parent=cons, depth=2, path=f"~B-{c}-{b}")  # fmt: skip
            booth.path = f"{cons.path}{booth.pk}/"
            booth.save(update_fields=["path"])
            booths.append(booth)
            bt = Team.objects.create(name=f"Booth {c}/{b} committee", parent=ct, area=booth)
            bt.path = f"{ct.path}{bt.pk}/"
            bt.save(update_fields=["path"])
            booth_teams.append(bt)
    person_ids = seed_people(n, area_ids=[b.pk for b in booths])
    profile_ids = insert_rows(
        VolunteerProfile,
        [{"person_id": pk, "status": "active", "availability": [], "source": "bench", "user_id": None}
         for pk in person_ids],
    )  # fmt: skip
    insert_rows(
        VolunteerProfile.teams.through,
        [{"volunteerprofile_id": pid, "team_id": booth_teams[i % len(booth_teams)].pk}
         for i, pid in enumerate(profile_ids)],
    )  # fmt: skip
    rng = random.Random(15)
    now = timezone.now()
    records = RECORDS_PER_VOLUNTEER * n

    def when():
        return now - dt.timedelta(seconds=rng.randrange(365 * 86400))

    hours_rows = []
    for i in range(records * 60 // 100):
        t = when()
        hours_rows.append({
            "volunteer_id": profile_ids[rng.randrange(n)], "date": t.date(),
            "hours": rng.choice((1, 2, 3, 4)), "status": "approved",
            "source": "shift" if i % 4 == 0 else "logged", "decided_at": t,
            "created_at": t, "updated_at": t, "description": "", "registration_id": None,
        })  # fmt: skip
    insert_rows(HoursEntry, hours_rows, batch_rows=5000)
    per_volunteer = records * 40 // 100 // n
    tasks = insert_rows(Task, [{"title": f"Bench task {i}", "status": "done", "slots": n,
                                "area_id": state.pk} for i in range(per_volunteer)])  # fmt: skip
    assignments = []
    for pid in profile_ids:
        for task_id in tasks:
            t = when()
            assignments.append({"task_id": task_id, "volunteer_id": pid, "status": "done",
                                "assigned_at": t, "completed_at": t, "note": ""})  # fmt: skip
    insert_rows(TaskAssignment, assignments, batch_rows=5000)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")  # as autovacuum would soon: not in the timings
    return {"team": cons_teams[3], "area": Area.objects.get(code="B-3"),
            "records": len(hours_rows) + len(assignments),
            "me": profile_ids[n // 2]}  # fmt: skip


BASELINE_SQL = """
WITH pts AS (
    SELECT v.person_id, SUM(h.hours) * %(w_hours)s AS p
      FROM volunteers_hoursentry h JOIN volunteers_volunteerprofile v ON v.id = h.volunteer_id
     WHERE h.status = 'approved' AND h.decided_at >= %(since)s
     GROUP BY v.person_id
    UNION ALL
    SELECT v.person_id, COUNT(*) * %(w_shift)s
      FROM volunteers_hoursentry h JOIN volunteers_volunteerprofile v ON v.id = h.volunteer_id
     WHERE h.status = 'approved' AND h.source = 'shift' AND h.created_at >= %(since)s
     GROUP BY v.person_id
    UNION ALL
    SELECT v.person_id, COUNT(*) * %(w_task)s
      FROM volunteers_taskassignment a JOIN volunteers_volunteerprofile v ON v.id = a.volunteer_id
     WHERE a.status = 'done' AND a.completed_at >= %(since)s
     GROUP BY v.person_id
)
SELECT p.id, COALESCE(SUM(pts.p), 0) AS points
  FROM volunteers_volunteerprofile p
  JOIN people_person pe ON pe.id = p.person_id
  LEFT JOIN pts ON pts.person_id = p.person_id
 WHERE p.status = 'active' {pool}
 GROUP BY p.id
 ORDER BY points DESC
 LIMIT 50
"""
POOL_TEAM = """AND p.id IN (SELECT m.volunteerprofile_id FROM volunteers_volunteerprofile_teams m
                 JOIN volunteers_team t ON t.id = m.team_id WHERE t.path LIKE %(prefix)s)"""
POOL_AREA = """AND pe.area_id IN (SELECT id FROM geography_area WHERE path LIKE %(prefix)s)"""


def _baseline(period: str, team=None, area=None) -> list[tuple[int, float]]:
    import datetime as dt

    from django.db import connection

    from grassroots.volunteers.models import PointRule
    from grassroots.volunteers.selectors import period_start

    w = {r.source: float(r.points) for r in PointRule.objects.all()}
    since = period_start(period) or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    pool, prefix = "", None
    if team is not None:
        pool, prefix = POOL_TEAM, team.path + "%"
    elif area is not None:
        pool, prefix = POOL_AREA, area.path + "%"
    with connection.cursor() as cur:
        cur.execute(BASELINE_SQL.format(pool=pool), {
            "since": since, "prefix": prefix, "w_hours": w.get("hours", 0),
            "w_shift": w.get("shift_attended", 0), "w_task": w.get("task_done", 0),
        })  # fmt: skip
        return [(pk, round(float(p), 1)) for pk, p in cur.fetchall()]


def _child(n: int) -> None:
    import django

    django.setup()
    from django.db import connection

    from grassroots.core.access import SYSTEM
    from grassroots.volunteers import selectors

    seeded = _seed(n)
    me = seeded["me"]
    out = {"vendor": connection.vendor, "records": seeded["records"], "cases": []}
    for period in ("all", "week"):
        for pool, kwargs in (("overall", {}), ("team", {"team": seeded["team"]}),
                             ("area", {"area": seeded["area"]})):  # fmt: skip

            def platform(period=period, kwargs=kwargs):
                return selectors.leaderboard_page(actor=SYSTEM, period=period, limit=50,
                                                  profile_id=me, **kwargs)[0]  # fmt: skip

            def baseline(period=period, kwargs=kwargs):
                return _baseline(period, **kwargs)

            top = [r.points for r in platform()[:50]]
            expected = [p for _pk, p in baseline()]
            if top != expected:
                raise SystemExit(f"{period}/{pool}: the boards differ: {top[:5]} {expected[:5]}")
            out["cases"].append({
                "period": period, "pool": pool,
                "platform_ms": median_ms(platform, repeat=5, warmup=1),
                "baseline_ms": median_ms(baseline, repeat=5, warmup=1),
            })  # fmt: skip
    # the once-a-week cost: the snapshot of past weeks rebuilt (the week turned, a rule changed)
    import time

    from grassroots.volunteers import points

    points.invalidate()
    start = time.perf_counter()
    selectors.leaderboard(actor=SYSTEM, period="all")
    out["rebuild_ms"] = (time.perf_counter() - start) * 1000
    out["rebuild_baseline_ms"] = median_ms(lambda: _baseline("all"), repeat=3, warmup=0)
    print(json.dumps(out))


def measure(url: str, n: int) -> list[dict]:
    prepare_database(url, WORK)
    print(f"leaderboard: {n:,} volunteers, {RECORDS_PER_VOLUNTEER * n:,} records on "
          f"{url.split('@')[-1]} …", flush=True)  # fmt: skip
    r = run_child("bench.leaderboard", [str(n)], child_env(url, WORK, "bench-leaderboard"))
    name = f"leaderboard-{r['vendor'][:2]}"
    rows = []
    for c in r["cases"]:
        print(f"  [{r['vendor']}] {c['period']:>4} {c['pool']:<7} {c['platform_ms']:8.1f} ms "
              f"(hand-written SQL {c['baseline_ms']:.1f} ms)", flush=True)  # fmt: skip
        rows.append(row(name, f"{c['period']} board, {c['pool']}, vs SQL (ms)",
                        c["platform_ms"], "ms", c["baseline_ms"], n))  # fmt: skip
    print(f"  [{r['vendor']}] the weekly rebuild of the past weeks' snapshot "
          f"{r['rebuild_ms']:.0f} ms (hand-written all-time SQL {r['rebuild_baseline_ms']:.0f} ms)",
          flush=True)  # fmt: skip
    rows.append(row(name, "snapshot rebuild (once a week), vs SQL (ms)", r["rebuild_ms"], "ms",
                    r["rebuild_baseline_ms"], n))  # fmt: skip
    return rows


def run() -> list[dict]:
    rows = measure(database_url(), scale(20_000))
    print_table(rows)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        _child(int(sys.argv[2]))
    else:
        run()
