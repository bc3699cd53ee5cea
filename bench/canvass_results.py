"""An effort's live results at scale (issue 16): the dashboard's numbers for 100,000 doors and
100,000 visits, next to one hand-written ``COUNT(*)`` over the effort's visits (reading them
once) in the same run.

``BENCH=canvass_results`` runs it on ``BENCH_DATABASE_URL`` (default: a SQLite file in the temp
directory; ``postgres://…`` for PostgreSQL); ``BENCH_SCALE`` is the number of doors (default
100,000), with one person each, one visit each (60 % talked to someone; half of those answered
the script's three questions), 40 doors a turf, 200 booths, 50 canvassers.

Timed (median of 5 after a warm-up): the whole live fragment's numbers (``totals``, IDs by
answer, per canvasser / turf / area — what the page polls every 15 s) and the map's door points.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from bench.common import child_env, median_ms, prepare_database, print_table, row, run_child, scale

WORK = Path(tempfile.gettempdir()) / "grassroots-bench-canvass-results"
BOOTHS, CANVASSERS, TURF = 200, 50, 40


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{WORK / 'results.sqlite3'}"


def _seed(n: int) -> dict:
    import datetime as dt
    import random

    from django.utils import timezone

    from bench.common import migrate_fresh, seed_people
    from grassroots.accounts.models import User
    from grassroots.canvassing.models import Door, Effort, Target, Turf, Visit
    from grassroots.core.access import SYSTEM
    from grassroots.core.bulk import insert_rows
    from grassroots.geography.models import Area, AreaKind
    from grassroots.lists import services as lists
    from grassroots.surveys import services as surveys
    from grassroots.surveys.models import Attempt, Response, ResponseChoice, ResultCode, Script

    migrate_fresh(["people_person", "geography_area", "canvassing_effort", "surveys_script",
                   "surveys_attempt", "lists_personlist"])  # fmt: skip
    surveys.reference_data_ensure()
    rng = random.Random(16)
    kind, _ = AreaKind.objects.get_or_create(code="bench-unit", defaults={"name": "Unit"})
    booths = []
    for b in range(BOOTHS):
        a = Area.objects.create(kind=kind, code=f"CB-{b}", name=f"Booth {b}", path=f"~{b}")
        a.path = f"{a.pk}/"
        a.save(update_fields=["path"])
        booths.append(a.pk)
    users = [User.objects.get_or_create(username=f"canvasser{i}")[0] for i in range(CANVASSERS)]
    script = surveys.script_create(actor=SYSTEM, name="Bench ID")
    support = surveys.block_add(actor=SYSTEM, script=script, kind="scale", label="Support",
                                text="Support?", scale_min=1, scale_max=5)  # fmt: skip
    issue = surveys.block_add(actor=SYSTEM, script=script, kind="single", label="Issue",
                              text="Issue?")  # fmt: skip
    choices = [surveys.choice_add(actor=SYSTEM, block=issue, label=x) for x in ("Jobs", "Health")]
    volunteer = surveys.block_add(actor=SYSTEM, script=script, kind="yes_no", label="Volunteer",
                                  text="Volunteer?")  # fmt: skip
    yes_no = list(volunteer.choices.order_by("position"))
    surveys.script_update(actor=SYSTEM, script=script, status=Script.Status.ACTIVE)
    people = seed_people(n, area_ids=booths)
    plist = lists.list_create(actor=SYSTEM, name="Bench walk", person_ids=people[:10])
    effort = Effort.objects.create(name="Bench effort", script=script, person_list=plist,
                                   status="active", cut_at=timezone.now())  # fmt: skip
    turfs = n // TURF + 1
    insert_rows(Turf, [{"effort_id": effort.pk, "number": t + 1, "status": "assigned",
                        "doors_count": TURF, "units_count": TURF} for t in range(turfs)])  # fmt: skip
    turf_ids = list(
        Turf.objects.filter(effort=effort).order_by("number").values_list("pk", flat=True)
    )
    insert_rows(Door, [{"effort_id": effort.pk, "turf_id": turf_ids[i // TURF], "position": i % TURF,
                        "key": f"d{i}", "area_id": booths[i % BOOTHS], "label": f"{i} Bench Road",
                        "latitude": 22.5 + rng.random() / 10, "longitude": 88.3 + rng.random() / 10,
                        "located": "address", "knocks": 1, "last_result": ""}
                       for i in range(n)], batch_rows=5000)  # fmt: skip
    door_ids = list(Door.objects.filter(effort=effort).order_by("id").values_list("pk", flat=True))
    insert_rows(Target, [{"effort_id": effort.pk, "door_id": door_ids[i], "person_id": people[i], "event_id": None}
                         for i in range(n)], batch_rows=5000)  # fmt: skip
    codes = {c.code: c.pk for c in ResultCode.objects.all()}
    now = timezone.now()
    visits, attempts = [], []
    for i in range(n):
        talked = rng.random() < 0.6
        when = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 14))
        code = rng.choice(["refused", "come-back-later", None]) if talked else rng.choice(
            ["not-home", "not-home", "moved", "inaccessible"])  # fmt: skip
        answered = talked and rng.random() < 0.5
        if answered:
            attempts.append({"attempt_key": f"v:b{i}", "person_id": people[i],
                             "script_id": script.pk, "channel": "door", "recorded_at": when,
                             "received_at": when, "source": f"canvass {effort.pk}"})  # fmt: skip
        visits.append({"event_id": f"b{i}", "effort_id": effort.pk, "turf_id": turf_ids[i // TURF],
                       "door_id": door_ids[i], "person_id": people[i] if talked else None,
                       "canvasser_id": users[i % CANVASSERS].pk, "contacted": talked,
                       "result_code_id": codes.get(code) if code else None,
                       "recorded_at": when, "received_at": when})  # fmt: skip
    insert_rows(Attempt, attempts, batch_rows=5000)
    attempt_ids = dict(Attempt.objects.values_list("attempt_key", "pk"))
    for v in visits:
        v["attempt_id"] = attempt_ids.get(f"v:{v['event_id']}")
    insert_rows(Visit, visits, batch_rows=5000)
    responses = []
    for key, pk in attempt_ids.items():
        person = people[int(key[3:])]
        for q in (support, issue, volunteer):
            responses.append({"attempt_id": pk, "person_id": person, "question_id": q.pk,
                              "recorded_at": now, "is_latest": True,
                              "number": rng.randint(1, 5) if q is support else None})  # fmt: skip
    insert_rows(Response, responses, batch_rows=5000)
    picks = []
    for r in Response.objects.filter(question__in=[issue, volunteer]).values("pk", "question_id"):
        options = choices if r["question_id"] == issue.pk else yes_no
        picks.append({"response_id": r["pk"], "choice_id": rng.choice(options).pk})
    insert_rows(ResponseChoice, picks, batch_rows=5000)
    return {"effort": effort.pk, "visits": len(visits), "answered": len(attempt_ids)}


def _child(n: int) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.utils import translation

    from grassroots.canvassing import results
    from grassroots.canvassing.models import Effort

    translation.activate("en")
    seeded = _seed(n)
    effort = Effort.objects.get(pk=seeded["effort"])

    def live():
        results.totals(effort)
        results.answers_by_question(effort)
        results.per_canvasser(effort)
        results.per_turf(effort)
        results.per_area(effort)

    def points():
        return results.door_points(effort)

    def baseline():
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM canvassing_visit WHERE effort_id = %s", [effort.pk])
            return cur.fetchone()

    t = results.totals(effort)
    assert t["visits"] == seeded["visits"] and t["doors"] == n, t
    print(json.dumps({
        "vendor": connection.vendor, **seeded,
        "live_ms": median_ms(live, repeat=5, warmup=1),
        "points_ms": median_ms(points, repeat=5, warmup=1),
        "baseline_ms": median_ms(baseline, repeat=5, warmup=1),
    }))  # fmt: skip


def measure(url: str, n: int) -> list[dict]:
    prepare_database(url, WORK)
    print(f"canvass results: {n:,} doors and visits on {url.split('@')[-1]} …", flush=True)
    r = run_child("bench.canvass_results", [str(n)], child_env(url, WORK, "bench-canvass"))
    name = f"canvass-results-{r['vendor'][:2]}"
    print(f"  [{r['vendor']}] live numbers {r['live_ms']:.0f} ms, door points "
          f"{r['points_ms']:.0f} ms (COUNT(*) of the visits {r['baseline_ms']:.0f} ms; "
          f"{r['answered']:,} answered)", flush=True)  # fmt: skip
    return [
        row(name, "live numbers (the 15 s poll), vs COUNT(*) (ms)", r["live_ms"], "ms",
            r["baseline_ms"], n),
        row(name, "map door points, vs COUNT(*) (ms)", r["points_ms"], "ms", r["baseline_ms"], n),
    ]  # fmt: skip


def run() -> list[dict]:
    rows = measure(database_url(), scale(100_000))
    print_table(rows)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        _child(int(sys.argv[2]))
    else:
        run()
