"""The operator paths, run as real processes: the `grassroots` command and the RQ/Redis queue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(args, env, timeout=180):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def sqlite_env(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["GRASSROOTS_DATA_DIR"] = str(tmp_path)
    env["DJANGO_SETTINGS_MODULE"] = "grassroots.settings"
    return env


def test_database_queue_worker_delivers_events(sqlite_env):
    """The default queue: an event published by one process is delivered by `grassroots worker`."""
    env = dict(sqlite_env, GRASSROOTS_TASK_BACKEND="db")
    assert run(["manage.py", "migrate", "-v0"], env).returncode == 0
    publish = (
        "import django; django.setup()\n"
        "from django.db import transaction\n"
        "from grassroots.core import events\n"
        "with transaction.atomic():\n"
        "    events.publish('ops.db', {'n': 1})\n"
    )
    assert run(["-c", publish], env).returncode == 0
    worker = run(["-m", "grassroots.cli", "worker", "--burst"], env)
    assert worker.returncode == 0, worker.stderr[-2000:]
    check = run(
        [
            "-c",
            "import django; django.setup()\n"
            "from grassroots.core.models import OutboxEvent\n"
            "print(OutboxEvent.objects.get(name='ops.db').delivered_at is not None)",
        ],
        env,
    )
    assert check.stdout.strip().endswith("True"), check.stderr[-2000:]


def test_demo_command_seeds_once_and_prints_logins(sqlite_env):
    first = run(["-m", "grassroots.cli", "demo", "--scale", "0.02"], sqlite_env)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "Demo campaign seeded" in first.stdout
    assert "volunteer" in first.stdout and "IN-WB-AC158-P001" in first.stdout
    assert "demo-password-2026" in first.stdout
    second = run(["-m", "grassroots.cli", "demo", "--scale", "0.02"], sqlite_env)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "already exists" in second.stdout


def _redis_available(url: str) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.skipif(not _redis_available(REDIS_URL), reason=f"no Redis at {REDIS_URL}")
def test_rq_backend_delivers_domain_events_through_redis(sqlite_env):
    """Publish an event with the RQ backend; a burst `rqworker` on real Redis delivers it."""
    import redis

    env = dict(sqlite_env, GRASSROOTS_TASK_BACKEND="rq", REDIS_URL=REDIS_URL)
    redis.Redis.from_url(REDIS_URL).flushdb()
    assert run(["manage.py", "migrate", "-v0"], env).returncode == 0
    marker = uuid.uuid4().hex
    script = (
        "import django; django.setup()\n"
        "from django.db import transaction\n"
        "from grassroots.core import events\n"
        "from grassroots.core.health import worker_status\n"
        "import json\n"
        "with transaction.atomic():\n"
        f"    events.publish('ops.test', {{'marker': '{marker}'}})\n"
        "print(json.dumps(worker_status()))\n"
    )
    published = run(["-c", script], env)
    assert published.returncode == 0, published.stderr[-2000:]
    status = json.loads(published.stdout.strip().splitlines()[-1])
    assert status["backend"] == "rq" and status["queued"] >= 1
    assert status["ok"] is False  # queued work and no worker: /healthz says so
    worker = run(["-m", "grassroots.cli", "worker", "--burst"], env)
    assert worker.returncode == 0, worker.stderr[-2000:]
    check = run(
        [
            "-c",
            "import django; django.setup()\n"
            "from grassroots.core.models import OutboxEvent\n"
            f"e = OutboxEvent.objects.get(payload__marker='{marker}')\n"
            "print(e.delivered_at is not None)",
        ],
        env,
    )
    assert check.stdout.strip().endswith("True"), check.stderr[-2000:]
    redis.Redis.from_url(REDIS_URL).flushdb()
