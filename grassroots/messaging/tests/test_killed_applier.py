"""A webhook worker killed with SIGKILL in the middle of a batch: the batches it committed
stay applied, the one it was inside rolls back whole, and the next run applies the rest —
every reply once, nothing lost, nothing doubled, the STOP applied (ADR 0016)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HELPER = "grassroots.messaging.tests.killed_applier"
ROOT = Path(__file__).resolve().parents[3]


def _run(mode, env, where):
    return subprocess.run(
        [sys.executable, "-m", HELPER, mode, str(where)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip


def test_a_webhook_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(tmp_path):
    from grassroots.messaging.tests.killed_applier import BATCH, STOP_AT, N

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kill.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "grassroots.settings",
        "GRASSROOTS_TASK_BACKEND": "db",
        "GRASSROOTS_DATA_DIR": str(tmp_path),
    }
    _run("setup", env, tmp_path)
    worker = subprocess.Popen(
        [sys.executable, "-m", HELPER, "work", str(tmp_path)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    blocked = tmp_path / "blocked"
    deadline = time.monotonic() + 90
    while not blocked.exists():  # inside the third batch, its writes not committed
        assert worker.poll() is None, worker.stderr.read().decode()
        assert time.monotonic() < deadline, "the worker never reached the third batch"
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()

    out = json.loads(_run("recover", env, tmp_path).stdout.strip().splitlines()[-1])

    assert len(out["before"]) == 2 * BATCH  # two batches had committed, the third rolled back
    assert len(out["inbound"]) == N and len(set(out["inbound"])) == N  # once each
    assert out["pending"] == 0
    assert out["suppressed"] == [f"+9198300{STOP_AT % 20:05d}"]
