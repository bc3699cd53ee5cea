"""gunicorn's settings for ``grassroots serve`` (``gunicorn -c python:grassroots.server``).

Web workers are gunicorn ``gthread`` workers: a few processes, a few threads each. Such a worker
cannot abort a request that runs away — its heartbeat (gunicorn's ``timeout``) comes from the
worker's main loop, which keeps beating while one of its threads renders for minutes or grows
to gigabytes; a client that gives up does not stop the thread either. So every worker runs a
small watchdog thread that looks, once a second, at

- its resident memory (``/proc/self/statm``): above ``GRASSROOTS_WEB_MEMORY_LIMIT_MB``;
- its requests: one running longer than ``GRASSROOTS_WEB_TIMEOUT`` seconds.

Either way the worker is retired: it stops taking requests, lets its other requests finish for
the graceful timeout (``GRASSROOTS_WEB_GRACEFUL_TIMEOUT``), then exits (at once if its memory
passes 1.5× the ceiling meanwhile); the gunicorn master starts a fresh worker. The runaway
request's client gets a dropped connection (a proxy answers 502). ``max_requests`` (with
jitter, so workers do not restart together) recycles workers now and then to bound slow growth.

Everything is an environment variable (README, "Running in production").
"""

from __future__ import annotations

import os
import threading
import time

MB = 1024 * 1024


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


# --- gunicorn settings (the command line of ``grassroots serve`` adds bind/workers/threads) ---
worker_class = "gthread"
# The heartbeat: a worker whose main loop is stuck this long is killed by the master.
timeout = 30
graceful_timeout = _env_int("GRASSROOTS_WEB_GRACEFUL_TIMEOUT", 5)
# Seconds an idle kept-alive connection stays open. Behind a proxy that keeps connections to
# gunicorn open (nginx ``keepalive`` in the upstream), set it above the proxy's idle timeout.
keepalive = _env_int("GRASSROOTS_WEB_KEEPALIVE", 5)
max_requests = _env_int("GRASSROOTS_WEB_MAX_REQUESTS", 20000)
max_requests_jitter = max(0, max_requests // 10)
accesslog = os.environ.get("GRASSROOTS_ACCESS_LOG", "-") or None

MEMORY_LIMIT = _env_int("GRASSROOTS_WEB_MEMORY_LIMIT_MB", 1024) * MB  # 0: no ceiling
REQUEST_TIMEOUT = _env_float("GRASSROOTS_WEB_TIMEOUT", 120)  # seconds; 0: no limit
CHECK_EVERY = _env_float("GRASSROOTS_WEB_WATCHDOG_SECONDS", 1.0)


def rss_bytes() -> int:
    """This process's resident memory, from ``/proc`` (0 where there is none)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class Watchdog:
    """Retires its worker when it holds too much memory or a request runs too long."""

    def __init__(self, worker, *, memory_limit: int, request_timeout: float, every: float):
        self.worker = worker
        self.memory_limit = memory_limit
        self.request_timeout = request_timeout
        self.every = every
        self.running: dict[int, tuple[float, str]] = {}  # thread id -> (start, "GET /path")
        self.retiring_since: float | None = None

    def start(self) -> None:
        if not (self.memory_limit or self.request_timeout):
            return
        threading.Thread(target=self._loop, name="grassroots-watchdog", daemon=True).start()

    def request_started(self, req) -> None:
        self.running[threading.get_ident()] = (time.monotonic(), f"{req.method} {req.path}")

    def request_finished(self) -> None:
        self.running.pop(threading.get_ident(), None)

    def _loop(self) -> None:
        while True:
            time.sleep(self.every)
            self.check()

    def problem(self, rss: int, now: float) -> str | None:
        if self.memory_limit and rss > self.memory_limit:
            return (
                f"memory {rss // MB} MB above the ceiling of {self.memory_limit // MB} MB "
                f"(running: {', '.join(w for _s, w in self.running.values()) or 'nothing'})"
            )
        if self.request_timeout:
            for started, what in list(self.running.values()):
                if now - started > self.request_timeout:
                    return f"{what} running for {now - started:.0f} s (limit {self.request_timeout:g} s)"
        return None

    def check(self) -> None:
        now = time.monotonic()
        rss = rss_bytes()
        if self.retiring_since is None:
            problem = self.problem(rss, now)
            if problem:
                self.retiring_since = now
                self.worker.log.error(
                    "Worker %s: %s; it takes no more requests and restarts.", os.getpid(), problem
                )
                self.worker.alive = False  # the worker's loop stops accepting; others finish
            return
        grace = self.worker.cfg.graceful_timeout
        too_big = self.memory_limit and rss > self.memory_limit * 1.5
        if too_big or now - self.retiring_since > grace + self.every:
            self.worker.log.error(
                "Worker %s: exiting now (%d MB; a request did not finish).", os.getpid(), rss // MB
            )
            os._exit(1)  # the runaway thread cannot be stopped; the master starts a new worker


def post_worker_init(worker) -> None:
    worker.grassroots_watchdog = Watchdog(
        worker, memory_limit=MEMORY_LIMIT, request_timeout=REQUEST_TIMEOUT, every=CHECK_EVERY
    )
    worker.grassroots_watchdog.start()


def pre_request(worker, req) -> None:
    watchdog = getattr(worker, "grassroots_watchdog", None)
    if watchdog is not None:
        watchdog.request_started(req)


def post_request(worker, req, environ, resp) -> None:
    watchdog = getattr(worker, "grassroots_watchdog", None)
    if watchdog is not None:
        watchdog.request_finished()
