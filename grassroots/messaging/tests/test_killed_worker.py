"""A worker killed with SIGKILL mid-broadcast: its lease runs out in about a second (the
lease is shortened by setting), the job is taken over in one step — the messages it claimed
and the recipients it had not created yet — and everyone gets exactly one message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HELPER = "grassroots.messaging.tests.killed_worker"
ROOT = Path(__file__).resolve().parents[3]


def _run(mode, env, log, **kw):
    return subprocess.run(
        [sys.executable, "-m", HELPER, mode, str(log)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        **kw,
    )


def test_a_broadcast_whose_worker_is_killed_is_taken_over_and_completes(tmp_path):
    from grassroots.messaging.tests.killed_worker import N

    log = tmp_path / "provider.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kill.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "grassroots.settings",
        "GRASSROOTS_TASK_BACKEND": "db",
        "GRASSROOTS_JOB_LEASE_SECONDS": "1",
        "GRASSROOTS_DATA_DIR": str(tmp_path),
    }
    _run("setup", env, log)
    worker = subprocess.Popen(
        [sys.executable, "-m", HELPER, "work", str(log)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    blocked = tmp_path / "blocked"
    deadline = time.monotonic() + 90
    while not blocked.exists():  # mid-broadcast: two sent, the third call hangs
        assert worker.poll() is None, worker.stderr.read().decode()
        assert time.monotonic() < deadline, "the worker never reached the provider"
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    before = log.read_text().split()
    assert len(before) == 2

    out = json.loads(_run("recover", env, log).stdout.strip().splitlines()[-1])

    assert out["status"] == "done" and out["job"] == "succeeded"
    messages = out["messages"]
    people = [person for person, _uuid, _status in messages]
    assert len(people) == N and len(set(people)) == N  # nobody lost, nobody twice
    assert {status for _p, _u, status in messages} <= {"sent", "delivered"}
    delivered = log.read_text().split()
    assert sorted(delivered) == sorted({str(u) for _p, u, _s in messages})  # one send each
    assert out["stats"]["queued"] == 0 and out["stats"]["failed"] == 0
