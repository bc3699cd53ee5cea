"""Inbound webhooks under a burst of replies (issue 14 §12; ADR 0016): accepted per second with
the p95 answer time, and replies applied per second by the worker, each next to a baseline
measured in the same run.

``BENCH=webhooks`` runs it alone on ``BENCH_DATABASE_URL`` (default: a SQLite file in the temp
directory; ``postgres://…`` for PostgreSQL); ``BENCH=sms`` runs it at the end, on the messaging
benchmark's PostgreSQL database. ``BENCH_SCALE`` is the number of replies (default 20,000).

In a child process (its own database, ``GRASSROOTS_TASK_BACKEND=db`` as deployed; untimed
seed: N/4 people with a mobile, consent and one sent message each — what they reply to):

* **accepted/s, p95** — N correctly signed Twilio reply webhooks (10 % "STOP", the rest free
  text, 5 % sent twice as providers retry) POSTed through Django's full request stack
  (``django.test.Client``: every middleware, URL resolution, the view) to
  ``/messaging/hooks/<uuid>/``, one after another, no worker running. Each answer's time is
  recorded; p95 of those. Baseline: a **minimal Django handler** at another URL of the same
  process (same middleware): verify the same signature, store the event id in one INSERT.
* **applied/s** — the worker's body (``applier.events_apply``) over the N stored events: the
  replies, their timeline entries, the STOPs' opt-outs and consent records, the events for the
  inbox and texting, their confirmation messages (created; sending them is the send path's
  work, benchmarked by ``BENCH=sms``, and not timed here). Baseline: one ``bulk_create`` of the
  same N inbound rows.

Counts are checked: every reply stored once, applied once, nothing pending.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.common import child_env, prepare_database, print_table, row, run_child, scale

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.gettempdir()) / "grassroots-bench-webhooks"
PUBLIC_URL = "https://campaign.example.org"
SID, TOKEN = "AC" + "5" * 32, "bench-twilio-auth-token"
FROM_NUMBER = "+12125550100"
REPLIES = [
    "Thanks, already voted by mail!",
    "Who is this?",
    "Where is my polling place?",
    "Count me in for Saturday",
    "ok",
    "Can I get a yard sign?",
]
MINIMAL_PATH = "/bench/minimal-hook/"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{WORK / 'webhooks.sqlite3'}"


# --- the child ------------------------------------------------------------------------------------


def minimal_view(request):
    """The baseline: what any webhook endpoint must do — check the signature, store the event
    id — and nothing else."""
    import base64
    import hashlib
    import hmac
    from urllib.parse import parse_qsl

    from django.http import HttpResponse

    from grassroots.messaging.models import WebhookEvent

    params = parse_qsl(request.body.decode())
    url = PUBLIC_URL + request.get_full_path()
    payload = url + "".join(k + v for k, v in sorted(params))
    expected = base64.b64encode(hmac.new(TOKEN.encode(), payload.encode(), hashlib.sha1).digest())
    if not hmac.compare_digest(expected, request.headers["X-Twilio-Signature"].encode()):
        return HttpResponse("forbidden", status=403)
    form = dict(params)
    WebhookEvent.objects.bulk_create(  # applied: the worker's queue stays the platform's
        [
            WebhookEvent(
                account_id=minimal_view.account_id,
                key=f"min:{form['MessageSid']}",
                applied_at=minimal_view.now,
            )
        ],  # fmt: skip
        ignore_conflicts=True,
    )
    return HttpResponse("<Response/>", content_type="text/xml")


def _urls():
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from grassroots.urls import urlpatterns

    return [path(MINIMAL_PATH.strip("/") + "/", csrf_exempt(minimal_view)), *urlpatterns]


def _phones(n_people: int) -> list[str]:
    return [f"+1212555{i:04d}" if i < 10_000 else f"+1646{i:07d}" for i in range(n_people)]


def _seed(n_people: int):
    from django.utils import timezone

    from bench.common import migrate_fresh, seed_people
    from grassroots.core.access import SYSTEM
    from grassroots.core.bulk import insert_rows
    from grassroots.messaging import services
    from grassroots.messaging.models import Message
    from grassroots.people.models import Consent, ContactPoint

    migrate_fresh(["people_person", "messaging_provideraccount", "messaging_webhookevent",
                   "messaging_suppression", "core_outboxevent", "core_auditevent"])  # fmt: skip
    account = services.account_save(
        actor=SYSTEM,
        name="Twilio",
        kind="twilio",
        channels=["sms"],
        config={"api_base": "http://127.0.0.1:9", "from_number": FROM_NUMBER},
        secrets={"account_sid": SID, "auth_token": TOKEN},
        is_default=True,
    )
    ids = seed_people(n_people)
    phones = _phones(n_people)
    insert_rows(
        ContactPoint,
        [{"person_id": pk, "channel": "phone", "value": phone, "phone_kind": "mobile",
          "is_primary": True} for pk, phone in zip(ids, phones, strict=True)],
    )  # fmt: skip
    now = timezone.now()
    insert_rows(
        Consent,
        [{"person_id": pk, "channel": "sms", "purpose": "campaign", "status": "granted",
          "recorded_at": now} for pk in ids],
    )  # fmt: skip
    Message.objects.bulk_create(
        [
            Message(
                person_id=pk,
                channel="sms",
                to_address=phone,
                body="Vote Tuesday",
                account=account,
                status="sent",
                sent_at=now,
                provider_id=f"SMout{pk}",
            )
            for pk, phone in zip(ids, phones, strict=True)
        ],  # fmt: skip
        batch_size=2000,
    )
    return account, phones


def _requests(url_path: str, phones: list[str], n: int, prefix: str) -> list[tuple[dict, str]]:
    from grassroots.messaging.tests.fakes import twilio_signature

    out = []
    for i in range(n):
        sid = f"SM{prefix}{i:030d}"
        params = {
            "ToCountry": "US", "ToState": "NY", "SmsMessageSid": sid, "NumMedia": "0",
            "SmsSid": sid, "SmsStatus": "received", "FromCountry": "US", "To": FROM_NUMBER,
            "Body": "STOP" if i % 10 == 0 else REPLIES[i % len(REPLIES)],
            "NumSegments": "1", "MessageSid": sid, "AccountSid": SID,
            "From": phones[(i * 7) % len(phones)], "ApiVersion": "2010-04-01",
        }  # fmt: skip
        out.append((params, twilio_signature(PUBLIC_URL + url_path, params, TOKEN)))
    return out


def _post_all(client, path: str, requests: list[tuple[dict, str]]) -> tuple[float, list[float]]:
    times = []
    statuses: dict[int, int] = {}
    start = time.perf_counter()
    for i, (params, signature) in enumerate(requests):
        for _ in range(2 if i % 20 == 0 else 1):  # 5 % retried by the provider
            t = time.perf_counter()
            r = client.post(path, data=urlencode(params), HTTP_X_TWILIO_SIGNATURE=signature,
                            content_type="application/x-www-form-urlencoded")  # fmt: skip
            times.append(time.perf_counter() - t)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    seconds = time.perf_counter() - start
    if set(statuses) != {200}:
        raise RuntimeError(f"answers {statuses}")
    return seconds, times


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] * 1000


def _child(n: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import clear_url_caches, reverse
    from django.utils import timezone

    from grassroots.messaging import sending
    from grassroots.messaging.models import Message, Suppression, WebhookEvent
    from grassroots.messaging.replies import applier

    settings.ALLOWED_HOSTS = ["*"]
    account, phones = _seed(max(n // 4, 1))
    minimal_view.account_id = account.pk
    minimal_view.now = timezone.now()
    module = type(sys)("bench_webhook_urls")
    module.urlpatterns = _urls()
    sys.modules["bench_webhook_urls"] = module
    settings.ROOT_URLCONF = "bench_webhook_urls"
    clear_url_caches()
    confirmations: list[int] = []
    sending.dispatch = lambda ids, **kw: confirmations.extend(ids)  # sends: not timed here

    client = Client()
    path = reverse("messaging:webhook", args=[account.uuid])
    client.post(path)  # warm up: imports, URL resolver
    platform_s, platform_t = _post_all(client, path, _requests(path, phones, n, "a"))
    stored = WebhookEvent.objects.filter(kind="inbound", applied_at__isnull=True).count()
    minimal_s, minimal_t = _post_all(client, MINIMAL_PATH, _requests(MINIMAL_PATH, phones, n, "b"))

    start = time.perf_counter()
    applied = applier.events_apply()
    apply_s = time.perf_counter() - start
    inbound = Message.objects.filter(direction="inbound")
    result = {
        "account": str(account.uuid),
        "vendor": connection.vendor,
        "n": n,
        "posts": len(platform_t),
        "stored": stored,
        "applied": applied,
        "inbound": inbound.count(),
        "distinct": inbound.values("provider_id").distinct().count(),
        "pending": WebhookEvent.objects.filter(kind="inbound", applied_at__isnull=True).count(),
        "opted_out": Suppression.objects.count(),
        "confirmations": len(confirmations),
        "platform_s": platform_s,
        "platform_p95_ms": _p95(platform_t),
        "minimal_s": minimal_s,
        "minimal_p95_ms": _p95(minimal_t),
        "apply_s": apply_s,
    }
    rows = [
        Message(channel="sms", direction="inbound", to_address=FROM_NUMBER, from_address=p["From"],
                body=p["Body"], status="received", provider_id="B" + p["MessageSid"],
                account=account)
        for p, _sig in _requests(path, phones, n, "c")
    ]  # fmt: skip
    start = time.perf_counter()
    Message.objects.bulk_create(rows, batch_size=1000)
    result["bulk_s"] = time.perf_counter() - start
    print(json.dumps(result))


def _pending() -> None:
    """Child: how many inbound events are stored and not applied yet (the served posts)."""
    import django

    django.setup()
    from grassroots.messaging.models import WebhookEvent

    pending = WebhookEvent.objects.filter(kind="inbound", applied_at__isnull=True)
    minimal = WebhookEvent.objects.filter(key__startswith="min:SMm")
    print(json.dumps({"pending": pending.count(), "minimal": minimal.count()}))


# --- served: as deployed --------------------------------------------------------------------------


def _post_client(port: int, posts: list[tuple[str, bytes, str]], threads: int):
    """``threads`` keep-alive clients in this process posting their share of ``posts`` once
    each (the answer times, and the answers that were not 200)."""
    import http.client
    import threading

    times: list[float] = []
    bad: list[int] = []
    lock = threading.Lock()

    def client(share):
        mine, wrong = [], []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for path, body, signature in share:
            t = time.perf_counter()
            conn.request("POST", path, body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
                "Host": "campaign.example.org",
            })  # fmt: skip
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t)
            if resp.status != 200:
                wrong.append(resp.status)
        conn.close()
        with lock:
            times.extend(mine)
            bad.extend(wrong)

    pool = [threading.Thread(target=client, args=(posts[i::threads],)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return times, bad


def _post_served(port: int, posts: list[tuple[str, bytes, str]]) -> tuple[float, list[float]]:
    from concurrent.futures import ProcessPoolExecutor

    from bench.api import CLIENT_PROCESSES, CLIENTS

    per = CLIENTS // CLIENT_PROCESSES
    start = time.perf_counter()
    with ProcessPoolExecutor(CLIENT_PROCESSES) as pool:
        futures = [
            pool.submit(_post_client, port, posts[i::CLIENT_PROCESSES], per)
            for i in range(CLIENT_PROCESSES)
        ]
        results = [f.result() for f in futures]
    seconds = time.perf_counter() - start
    bad = [code for r in results for code in r[1]]
    if bad:
        raise RuntimeError(f"{len(bad)} answers were not 200: {sorted(set(bad))}")
    return seconds, [t for r in results for t in r[0]]


def _served_posts(path: str, phones: list[str], n: int, prefix: str):
    out = []
    for i, (params, signature) in enumerate(_requests(path, phones, n, prefix)):
        body = urlencode(params).encode()
        out.extend([(path, body, signature)] * (2 if i % 20 == 0 else 1))  # 5 % retried
    return out


def measure_served(url: str, env: dict, account: str, n: int) -> dict:
    """N signed replies POSTed by 32 concurrent keep-alive clients to ``grassroots serve`` (its
    default workers and threads), then as many to the minimal handler in the same server."""
    from bench.api import _free_port, _server_cpu_seconds, _start_server, _stop_server

    phones = _phones(max(n // 4, 1))
    hook = f"/messaging/hooks/{account}/"
    platform = _served_posts(hook, phones, n, "s")
    minimal = _served_posts(MINIMAL_PATH, phones, n, "m")
    port = _free_port()
    served_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.webhooks_site"}
    args = os.environ.get("BENCH_WEBHOOKS_SERVE_ARGS", "")  # e.g. "--workers 3 --threads 8"
    server = _start_server(url, port, "/healthz", env=served_env, extra_args=args)
    try:
        _post_served(port, _served_posts(hook, phones, 200, "w"))  # warm every worker
        cpu = _server_cpu_seconds(server.pid)
        platform_s, platform_t = _post_served(port, platform)
        cpu_platform = _server_cpu_seconds(server.pid) - cpu
        minimal_s, minimal_t = _post_served(port, minimal)
        cpu_minimal = _server_cpu_seconds(server.pid) - cpu - cpu_platform
    finally:
        _stop_server(server)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.webhooks", "pending"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "posts": len(platform),
        "accepted": len(platform) / platform_s,
        "p95": _p95(platform_t),
        "minimal": len(minimal) / minimal_s,
        "minimal_p95": _p95(minimal_t),
        # the server's CPU per post (other work on the machine does not change it)
        "cpu_ms": cpu_platform * 1000 / len(platform),
        "minimal_cpu_ms": cpu_minimal * 1000 / len(minimal),
        "stored": counts["pending"] - 200,  # the warm-up's 200 are pending too
        "minimal_stored": counts["minimal"],
    }


# --- the parent -----------------------------------------------------------------------------------


def measure(url: str, n: int, label: str = "webhooks") -> list[dict]:
    prepare_database(url, WORK)
    env = child_env(
        url, WORK, "bench-webhooks",
        GRASSROOTS_TASK_BACKEND="db",
        GRASSROOTS_PUBLIC_URL=PUBLIC_URL,
        GRASSROOTS_PROVIDER_URLS_ANYWHERE="1",  # the provider account points at 127.0.0.1
    )  # fmt: skip
    print(f"webhooks: {n:,} signed replies on {url.split('@')[-1]} …", flush=True)
    r = run_child("bench.webhooks", [str(n)], env)
    if not (r["stored"] == r["inbound"] == r["distinct"] == n and r["pending"] == 0):
        raise RuntimeError(f"lost or doubled: {r}")
    accepted, minimal = r["posts"] / r["platform_s"], r["posts"] / r["minimal_s"]
    applied, bulk = n / r["apply_s"], n / r["bulk_s"]
    print(
        f"  [{r['vendor']}] accepted {accepted:,.0f}/s (p95 {r['platform_p95_ms']:.1f} ms; goal "
        f"≥ 1,000/s, p95 ≤ 50 ms); minimal Django handler {minimal:,.0f}/s (p95 "
        f"{r['minimal_p95_ms']:.1f} ms); applied {applied:,.0f} replies/s (goal ≥ 500/s); "
        f"bulk_create {bulk:,.0f} rows/s; {r['posts']:,} posts → {r['stored']:,} stored, "
        f"{r['inbound']:,} applied once each, {r['opted_out']:,} opted out, "
        f"{r['confirmations']:,} confirmations",
        flush=True,
    )
    name = f"{label}-{r['vendor'][:2]}"
    rows = [
        row(name, "webhooks accepted, vs minimal handler (/s)", accepted, "/s", minimal, n),
        row(name, "webhook answer p95, vs minimal handler (ms)", r["platform_p95_ms"], "ms",
            r["minimal_p95_ms"], n),
        row(name, "replies applied, vs bulk_create (/s)", applied, "/s", bulk, n),
    ]  # fmt: skip
    if r["vendor"] == "postgresql" and os.environ.get("BENCH_WEBHOOKS_SERVED", "1") != "0":
        s = measure_served(url, env, r["account"], n)
        if s["stored"] != n or s["minimal_stored"] != n:
            raise RuntimeError(f"served: lost or doubled: {s}")
        print(
            f"  [{r['vendor']}, served: grassroots serve, 32 clients] accepted "
            f"{s['accepted']:,.0f}/s (p95 {s['p95']:.1f} ms; goal ≥ 1,000/s, p95 ≤ 50 ms); "
            f"minimal handler {s['minimal']:,.0f}/s (p95 {s['minimal_p95']:.1f} ms); server CPU "
            f"{s['cpu_ms']:.2f} ms/post (minimal {s['minimal_cpu_ms']:.2f}); "
            f"{s['posts']:,} posts → {s['stored']:,} stored once each; load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
        rows += [
            row(name, "served: accepted (goal ≥1,000), vs minimal (/s)", s["accepted"], "/s",
                s["minimal"], n),
            row(name, "served: answer p95 (goal ≤50), vs minimal (ms)", s["p95"], "ms",
                s["minimal_p95"], n),
            row(name, "served: server CPU per post, vs minimal (ms)", s["cpu_ms"], "ms",
                s["minimal_cpu_ms"], n),
        ]  # fmt: skip
    return rows


def run() -> list[dict]:
    rows = measure(database_url(), scale(20_000))
    print_table(rows)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        _child(int(sys.argv[2]))
    elif sys.argv[1:2] == ["pending"]:
        _pending()
    else:
        run()
