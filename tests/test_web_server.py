"""``grassroots serve``'s web workers: one that runs away — past the memory ceiling, or past the
request time limit — is replaced by a fresh one (``grassroots/server.py``). Real gunicorn in a
subprocess; the misbehaving views live in a test-only URLconf (``grassroots.testing.server_site``)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WAIT = 90  # seconds to wait for something that should happen within a few


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, url: str, timeout: float = 10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", url)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _pid(port: int) -> int:
    status, body = _get(port, "/pid/")
    assert status == 200
    return json.loads(body)["pid"]


@pytest.fixture
def server(tmp_path):
    """Start gunicorn with ``grassroots serve``'s settings, one worker; yield (port, log)."""
    procs = []

    def start(**env_extra):
        port = _free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_WEB_")}
        env.update(
            DJANGO_SETTINGS_MODULE="grassroots.testing.server_site",
            GRASSROOTS_DATA_DIR=str(tmp_path),
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            GRASSROOTS_WEB_WATCHDOG_SECONDS="0.2",
            GRASSROOTS_WEB_GRACEFUL_TIMEOUT="1",
            **env_extra,
        )
        argv = [sys.executable, "-m", "gunicorn", "grassroots.wsgi:application"]
        argv += ["--config", "python:grassroots.server", "--bind", f"127.0.0.1:{port}"]
        argv += ["--workers", "1", "--threads", "2"]
        with open(log, "wb") as out:
            proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        procs.append(proc)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            try:
                _pid(port)
                return port, log
            except OSError:
                time.sleep(0.2)
        pytest.fail("gunicorn did not start:\n" + log.read_text())

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _replaced(port: int, old_pid: int) -> int:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            new = _pid(port)
            if new != old_pid:
                return new
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"worker {old_pid} was not replaced")


def _runaway(port: int, url: str) -> None:
    """The runaway request: its connection is dropped when its worker goes (no answer)."""
    with pytest.raises((OSError, http.client.HTTPException)):
        _get(port, url, timeout=WAIT)


def test_a_worker_past_the_memory_ceiling_is_replaced(server):
    port, log = server(GRASSROOTS_WEB_MEMORY_LIMIT_MB="400", GRASSROOTS_WEB_TIMEOUT="0")
    before = _pid(port)
    _runaway(port, "/hog/")
    after = _replaced(port, before)
    assert after != before
    assert "above the ceiling of 400 MB" in log.read_text()


def test_a_request_past_the_time_limit_gets_its_worker_replaced(server):
    port, log = server(GRASSROOTS_WEB_TIMEOUT="2", GRASSROOTS_WEB_MEMORY_LIMIT_MB="0")
    before = _pid(port)
    _runaway(port, "/stuck/")
    after = _replaced(port, before)
    assert after != before
    assert "GET /stuck/ running for" in log.read_text()


def test_a_well_behaved_worker_is_left_alone(server):
    port, _log = server(GRASSROOTS_WEB_TIMEOUT="2", GRASSROOTS_WEB_MEMORY_LIMIT_MB="400")
    before = _pid(port)
    for _ in range(20):
        assert _pid(port) == before
