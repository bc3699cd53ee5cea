"""Requests the test server is answering right now (test settings only).

A browser test can end while a request it started is still being answered (a segment builder's
live count, a poll). On SQLite the test's database flush and that request then wait on each
other for ever (seen once in a full run). The browser tests' teardown waits here until no
request is in flight before the database is flushed."""

from __future__ import annotations

import threading
import time

_lock = threading.Lock()
_in_flight = 0


def middleware(get_response):
    def count(request):
        global _in_flight
        with _lock:
            _in_flight += 1
        try:
            return get_response(request)
        finally:
            with _lock:
                _in_flight -= 1

    return count


def wait_idle(seconds: float = 10.0) -> bool:
    """True once no request is in flight; False after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with _lock:
            if _in_flight == 0:
                return True
        time.sleep(0.02)
    return False
