"""The canvassing app's start with no network (issue 16, "Measured in make bench").

``BENCH=canvass_app``; ``BENCH_SCALE`` is the number of doors of the big turf (default 500).
Needs /usr/bin/chromium (Playwright drives it; skipped with a message otherwise).

In a child process (its own SQLite file, or ``BENCH_DATABASE_URL``): a canvasser holds two
turfs of one effort, the big one (500 doors, one person each) and a small one (50 doors); the
site runs in a thread (Django's live server with static files). In a phone-sized Chromium
(390×844, service workers allowed) the canvasser signs in, opens /canvass/ (the service worker
installs and keeps the shell), downloads both turfs into IndexedDB, and the browser goes
offline. Timed, 5 times each after a warm-up, in a new tab each time: open /canvass/ (served
by the service worker), the turf list read from IndexedDB, "Open" → the turf's door list in
walk order rendered (time to interactive: the first door can be tapped). Baseline in the same
run: the same for the 50-door turf.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import child_env, prepare_database, print_table, row, run_child, scale

WORK = Path(tempfile.gettempdir()) / "grassroots-bench-canvass-app"
CHROMIUM = "/usr/bin/chromium"
SMALL = 50
REPEAT = 5
PASSWORD = "bench-canvass-Pw-1"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{WORK / 'app.sqlite3'}"


def _seed(big: int) -> dict:
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bench.common import migrate_fresh, seed_people
    from grassroots.accounts.models import Role
    from grassroots.accounts.services import roles_ensure_defaults, user_create
    from grassroots.canvassing.models import Assignment, Door, Effort, Target, Turf
    from grassroots.core.access import SYSTEM
    from grassroots.core.bulk import insert_rows
    from grassroots.core.registry import reference_data
    from grassroots.geography import services as geo
    from grassroots.geography.models import Area
    from grassroots.people.models import Person
    from grassroots.surveys import services as surveys
    from grassroots.surveys.models import Attempt, Script

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    User = get_user_model()
    migrate_fresh([m._meta.db_table for m in (Person, Effort, Script, Attempt, User, Area)])
    roles_ensure_defaults()
    for ensure in reference_data:
        ensure()
    kind = geo.area_kind_ensure(code="part", name="Polling part", sort_order=5)
    area = geo.area_create(actor=SYSTEM, kind=kind, code="B1", name="Bench part")
    script = surveys.script_create(actor=SYSTEM, name="Bench ID")
    surveys.block_add(actor=SYSTEM, script=script, kind="text", text="Hello {{ first_name }}")
    surveys.block_add(actor=SYSTEM, script=script, kind="scale", label="Support",
                      text="Support?", scale_min=1, scale_max=5)  # fmt: skip
    issue = surveys.block_add(actor=SYSTEM, script=script, kind="single", label="Issue",
                              text="Issue?")  # fmt: skip
    surveys.choice_add(actor=SYSTEM, block=issue, label="Jobs")
    surveys.choice_add(actor=SYSTEM, block=issue, label="Health")
    surveys.script_update(actor=SYSTEM, script=script, status="active")
    now = timezone.now()
    effort = Effort.objects.create(name="Bench effort", script=script, status="active",
                                   built_at=now, cut_at=now)  # fmt: skip
    user = user_create(actor=SYSTEM, username="canvasser", password=PASSWORD,
                       roles=Role.objects.filter(slug="volunteer"), scope_all=True)  # fmt: skip
    out = {}
    for number, size in ((1, big), (2, SMALL)):
        people = seed_people(size, area_ids=[area.pk])
        turf = Turf.objects.create(effort=effort, number=number, status="assigned",
                                   name=f"Turf of {size}", doors_count=size,
                                   units_count=size)  # fmt: skip
        door_ids = insert_rows(Door, [
            {"effort_id": effort.pk, "turf_id": turf.pk, "position": k + 1,
             "key": f"bench:{number}:{k}", "area_id": area.pk, "house_number": str(k + 1),
             "street": f"Street {k // 40}", "label": f"{k + 1} Street {k // 40}",
             "latitude": 22.5 + (k // 40) * 0.0008, "longitude": 88.3 + (k % 40) * 0.0001,
             "located": "address"}
            for k in range(size)
        ])  # fmt: skip
        Target.objects.bulk_create(
            [Target(effort=effort, door_id=door_ids[k], person_id=people[k]) for k in range(size)]
        )
        Assignment.objects.create(turf=turf, user=user, due_at=now + dt.timedelta(days=3))
        out[size] = turf.pk
    return out


def _child(big: int) -> None:
    import django

    django.setup()
    from django.conf import settings

    turfs = _seed(big)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1", "localhost"]
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    from playwright.sync_api import sync_playwright

    timings: dict[int, list[float]] = {big: [], SMALL: []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="en-GB",
                                      has_touch=True, service_workers="allow")  # fmt: skip
        context.set_default_timeout(120_000)
        page = context.new_page()
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Username").fill("canvasser")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda u: "/accounts/login/" not in u)
        page.wait_for_load_state("load")
        page.goto(f"{base}/canvass/")
        page.wait_for_selector("#canvass[data-ready='1']")
        page.wait_for_function(
            "() => navigator.serviceWorker && navigator.serviceWorker.controller"
        )
        for pk in turfs.values():
            row_ = page.locator(f"li.cv-turf[data-turf='{pk}']")
            row_.locator("button").first.click()
            row_.locator("button.primary").wait_for()
        page.close()
        context.set_offline(True)
        for i in range(REPEAT + 1):
            for size, pk in turfs.items():
                tab = context.new_page()
                start = time.perf_counter()
                response = tab.goto(f"{base}/canvass/")
                if response is None or not response.from_service_worker:
                    raise SystemExit("the offline start was not served by the service worker")
                tab.locator(f"li.cv-turf[data-turf='{pk}'] button.primary").click()
                tab.locator(f"#cv-doors li:nth-child({size}) button").wait_for()
                tab.locator("#cv-doors li:first-child button").wait_for(state="visible")
                elapsed = (time.perf_counter() - start) * 1000
                if tab.locator("#cv-doors li").count() != size:
                    raise SystemExit("the door list is incomplete")
                if i:  # the first round warms up
                    timings[size].append(elapsed)
                tab.close()
        browser.close()
    server.terminate()
    print(json.dumps({"big": big, "ms": {str(k): v for k, v in timings.items()}}))


def measure(url: str, big: int) -> list[dict]:
    if not os.path.exists(CHROMIUM):
        print(f"canvass_app: skipped, {CHROMIUM} is not installed")
        return []
    prepare_database(url, WORK)
    print(f"canvass_app: offline start of a {big:,}-door turf (baseline {SMALL} doors) …",
          flush=True)  # fmt: skip
    env = child_env(url, WORK, "bench-canvass-app", GRASSROOTS_DEBUG="0")
    r = run_child("bench.canvass_app", [str(big)], env)
    big_ms = statistics.median(r["ms"][str(big)])
    small_ms = statistics.median(r["ms"][str(SMALL)])
    print(f"  offline, from IndexedDB: {big:,} doors {big_ms:.0f} ms to interactive "
          f"(median of {REPEAT}; {SMALL} doors: {small_ms:.0f} ms)", flush=True)  # fmt: skip
    return [
        row(
            "canvass-app",
            f"offline start, {big} doors, vs {SMALL} doors (ms)",
            big_ms,
            "ms",
            small_ms,
            big,
        ),  # fmt: skip
    ]


def run() -> list[dict]:
    rows = measure(database_url(), scale(500))
    print_table(rows)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        _child(int(sys.argv[2]))
    else:
        run()
