"""The API under 32 concurrent clients, against ``grassroots serve`` (gunicorn), as deployed.

For each database (PostgreSQL at ``BENCH_DATABASE_URL``, then SQLite) the benchmark seeds the
demo campaign (half scale by default), makes an admin API token, starts ``grassroots serve`` with
the bench-only settings ``bench.api_site`` (the real site plus one minimal Django view reading one
row by primary key, the baseline) and drives each endpoint with 32 keep-alive clients for
``BENCH_API_SECONDS`` (15) seconds:

- the minimal view ``/bench/person/<id>/`` (baseline; same gunicorn, same middleware, same run);
- ``GET /api/v1/people/<id>/`` (person detail, ids spread over the electorate);
- ``GET /api/v1/people/?page=N`` (the 50-row list, pages spread too).

Goals (issue 14): person detail ≥ 0.5× the minimal view's requests/s; the list ≥ 150 requests/s
with p99 ≤ 250 ms and no time-outs. The machine's load average is printed next to the figures
(other work on the machine slows both sides alike, the ratio less than the absolute figures),
and so is the CPU time the server spent per request, which other work does not change.

    make bench BENCH=api
    BENCH_API_SECONDS=5 BENCH_API_DATABASES=sqlite make bench BENCH=api   # a quick look
    BENCH_DATABASE_URL=postgres://...      # default: grassroots_bench_api
    BENCH_API_SERVE_ARGS="--workers 3 --threads 2"   # try another server shape
    BENCH_API_TIMEOUT=5                    # seconds a client waits for an answer (a time-out)
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shlex
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.common import print_table, row, scale

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 32
CLIENT_PROCESSES = 2  # the load generator's threads spread over two processes (the GIL)
DEMO_PEOPLE = 44_000  # the demo at scale 1.0 (about)


def _pg_url() -> str:
    return os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/grassroots_bench_api"
    )


def _sqlite_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'bench_api.sqlite3'}"


def _env(db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "bench.api_site",
        "GRASSROOTS_TASK_BACKEND": "immediate",
        "PYTHONPATH": str(ROOT),
        # one token drives every request: the throttle stays on (its cost is measured) but
        # with a rate no bench run reaches
        "GRASSROOTS_API_RATE_USER": os.environ.get("GRASSROOTS_API_RATE_USER", "100000/s"),
    }


# --- the database: the demo, an admin token, some ids -----------------------------------------


def prepare(people: int) -> dict:
    """Run inside a subprocess with DATABASE_URL set: seed (once), return a token and ids."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from grassroots.accounts.models import User
    from grassroots.accounts.services import api_token_create
    from grassroots.demo.seed import demo_exists, seed_demo
    from grassroots.people.models import Person

    if not demo_exists():
        print(f"seeding the demo ({people:,} people) …", file=sys.stderr, flush=True)
        seed_demo(scale=people / DEMO_PEOPLE)
    admin = User.objects.get(username="admin")
    if admin.two_factor_pending():  # a bench database seeded before 2FA became a default
        admin.two_factor_exempt = True  # the demo's admin is exempt (README); so is this one
        admin.save(update_fields=["two_factor_exempt"])
    _token, secret = api_token_create(actor=admin, name="bench")
    ids = list(Person.objects.order_by("?").values_list("id", flat=True)[:2000])
    total = Person.objects.count()
    return {"token": secret, "ids": ids, "people": total}


def _prepare_in_subprocess(db_url: str, people: int) -> dict:
    if db_url.startswith("postgres"):
        import psycopg

        base, _, dbname = db_url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [dbname]).fetchone():
                conn.execute(f'CREATE DATABASE "{dbname}"')
    out = subprocess.run(
        [sys.executable, "-m", "bench.api", "prepare", str(people)],
        env=_env(db_url),
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
    )
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


# --- the server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(
    db_url: str, port: int, probe: str, env: dict | None = None, extra_args: str | None = None
) -> subprocess.Popen:
    """``grassroots serve`` on ``port`` (bench settings unless ``env`` says otherwise), once
    ``probe`` answers 200."""
    args = os.environ.get("BENCH_API_SERVE_ARGS", "") if extra_args is None else extra_args
    extra = shlex.split(args)
    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / "bench_api_server.log", "ab")  # noqa: SIM115 - closed with the process
    env = env or _env(db_url)
    server = subprocess.Popen(
        [sys.executable, "-m", "grassroots.cli", "serve", "--port", str(port), *extra],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"grassroots serve exited ({server.returncode}); see {log.name}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", probe)
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    _stop_server(server)
    raise RuntimeError("grassroots serve did not answer in 120 s")


def _stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()


# --- the load generator ----------------------------------------------------------------------


def _client_process(port: int, paths: list[str], headers: dict, threads: int, seconds: float):
    """``threads`` keep-alive clients in this process, each looping until ``seconds`` pass."""
    import threading

    timeout = float(os.environ.get("BENCH_API_TIMEOUT", "5"))
    latencies: list[float] = []
    counts = {"timeouts": 0, "errors": 0}
    lock = threading.Lock()
    start_at = time.monotonic() + 0.2
    stop_at = start_at + seconds

    def client(n: int) -> None:
        rnd = random.Random(n)
        mine: list[float] = []
        timeouts = errors = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        while time.monotonic() < start_at:
            time.sleep(0.01)
        while True:
            now = time.monotonic()
            if now >= stop_at:
                break
            path = paths[rnd.randrange(len(paths))]
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors += 1
                else:
                    mine.append(time.monotonic() - now)
                if resp.getheader("connection", "").lower() == "close":
                    conn.close()
            except TimeoutError:
                timeouts += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.close()
        with lock:
            latencies.extend(mine)
            counts["timeouts"] += timeouts
            counts["errors"] += errors

    pool = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latencies, counts["timeouts"], counts["errors"]


def _drive(port: int, paths: list[str], headers: dict, seconds: float) -> dict:
    per = CLIENTS // CLIENT_PROCESSES
    with ProcessPoolExecutor(CLIENT_PROCESSES) as pool:
        futures = [
            pool.submit(_client_process, port, paths, headers, per, seconds)
            for _ in range(CLIENT_PROCESSES)
        ]
        results = [f.result() for f in futures]
    latencies = sorted(x for r in results for x in r[0])
    n = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(n - 1, int(p * n))] * 1000 if n else float("nan")

    return {
        "rps": n / seconds,
        "p50": statistics.median(latencies) * 1000 if n else float("nan"),
        "p99": pct(0.99),
        "timeouts": sum(r[1] for r in results),
        "errors": sum(r[2] for r in results),
        "n": n,
    }


def _server_cpu_seconds(root_pid: int) -> float:
    """CPU time used so far by ``grassroots serve`` and every process under it (the gunicorn
    master and its workers, including workers already replaced): a figure that other work on a
    shared machine does not change, unlike requests per second."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(fields[1])
        # utime, stime, and the children's that were waited for (replaced workers)
        times[pid] = sum(int(x) for x in fields[11:15]) / tick
    total, todo = 0.0, [root_pid]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _run_one(label: str, db_url: str, people: int, seconds: float) -> list[dict]:
    data = _prepare_in_subprocess(db_url, people)
    ids = data["ids"]
    pages = max(1, min(20, data["people"] // 50))
    auth = {"Authorization": f"Bearer {data['token']}"}
    endpoints = {
        "minimal view (one row by pk)": ([f"/bench/person/{i}/" for i in ids], {}),
        "person detail": ([f"/api/v1/people/{i}/" for i in ids], auth),
        "people list (50 rows)": ([f"/api/v1/people/?page={p}" for p in range(1, pages + 1)], auth),
    }
    port = _free_port()
    server = _start_server(db_url, port, endpoints["minimal view (one row by pk)"][0][0])
    figures = {}
    try:
        for name, (paths, headers) in endpoints.items():
            _drive(port, paths, headers, min(2.0, seconds))  # warm every worker and thread
            before = _load()
            cpu = _server_cpu_seconds(server.pid)
            figures[name] = f = _drive(port, paths, headers, seconds)
            f["cpu_ms"] = (_server_cpu_seconds(server.pid) - cpu) * 1000 / max(1, f["n"])
            print(
                f"  [{label}] {name:<30} {f['rps']:8.1f} req/s  p50 {f['p50']:7.1f} ms  "
                f"p99 {f['p99']:7.1f} ms  time-outs {f['timeouts']}  errors {f['errors']}  "
                f"server CPU {f['cpu_ms']:.2f} ms/request  (load before {before}, after {_load()})",
                flush=True,
            )
    finally:
        _stop_server(server)
    base = figures["minimal view (one row by pk)"]
    detail = figures["person detail"]
    lst = figures["people list (50 rows)"]
    n = data["people"]
    return [
        row("api", f"{label} minimal view req/s", base["rps"], "r/s", base["rps"], n),
        row(
            "api", f"{label} person detail req/s (goal ≥0.5×)", detail["rps"], "r/s", base["rps"], n
        ),
        row("api", f"{label} person detail p50 ms", detail["p50"], "ms", base["p50"], n),
        row(
            "api",
            f"{label} person detail server CPU ms/req",
            detail["cpu_ms"],
            "ms",
            base["cpu_ms"],
            n,
        ),
        row("api", f"{label} person detail p99 ms", detail["p99"], "ms", base["p99"], n),
        row("api", f"{label} list req/s (goal ≥150)", lst["rps"], "r/s", base["rps"], n),
        row("api", f"{label} list p50 ms", lst["p50"], "ms", base["p50"], n),
        row("api", f"{label} list server CPU ms/req", lst["cpu_ms"], "ms", base["cpu_ms"], n),
        row("api", f"{label} list p99 ms (goal ≤250)", lst["p99"], "ms", base["p99"], n),
        row("api", f"{label} list time-outs (goal 0)", lst["timeouts"], "n", 0, n),
        row(
            "api",
            f"{label} time-outs+errors, all endpoints",
            sum(f["timeouts"] + f["errors"] for f in figures.values()),
            "n",
            0,
            n,
        ),
    ]


def run() -> list[dict]:
    people = scale(DEMO_PEOPLE // 2)
    seconds = float(os.environ.get("BENCH_API_SECONDS", "15"))
    wanted = os.environ.get("BENCH_API_DATABASES", "pg sqlite").split()
    (ROOT / "var").mkdir(exist_ok=True)
    print(
        f"API under {CLIENTS} concurrent clients, {seconds:g} s per endpoint; "
        f"{os.cpu_count()} CPUs, load average {_load()} (1/5/15 min)",
        flush=True,
    )
    rows: list[dict] = []
    for label, url in (("pg", _pg_url()), ("sqlite", _sqlite_url())):
        if label in wanted:
            rows.extend(_run_one(label, url, people, seconds))
    print_table(rows)
    print(f"load average after the run: {_load()}")
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"]:
        print(json.dumps(prepare(int(sys.argv[2]))))
    else:
        print_table(run())
