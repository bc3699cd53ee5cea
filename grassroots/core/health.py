"""Health of the database and the task workers, for ``/healthz`` and operators."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

STALL_AFTER = dt.timedelta(seconds=120)


def database_status() -> dict[str, Any]:
    start = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {
        "ok": True,
        "vendor": connection.vendor,
        "latency_ms": round((time.perf_counter() - start) * 1000, 2),
    }


def worker_status() -> dict[str, Any]:
    """Is queued work being picked up? A ready task waiting over two minutes means no worker."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.endswith("ImmediateBackend"):
        return {"ok": True, "backend": "immediate"}
    if backend.startswith("django_tasks_rq"):
        try:
            import django_rq
            from rq import Worker

            queues = list(getattr(settings, "RQ_QUEUES", {}) or ["default"])
            conn = django_rq.get_connection(queues[0])
            workers = Worker.count(connection=conn)
            per_queue = {name: django_rq.get_queue(name).count for name in queues}
            queued = sum(per_queue.values())
        except Exception as exc:
            return {"ok": False, "backend": "rq", "error": type(exc).__name__}
        return {
            "ok": workers > 0 or queued == 0,
            "backend": "rq",
            "workers": workers,
            "queued": queued,
            "queues": per_queue,
        }
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    last_finished = (
        DBTaskResult.objects.exclude(finished_at=None)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    waiting = (now - oldest) if oldest else dt.timedelta(0)
    return {
        "ok": waiting < STALL_AFTER,
        "backend": "database",
        "queued": ready.count(),
        "queues": {
            row["queue_name"]: row["n"]
            for row in ready.values("queue_name").annotate(n=Count("id")).order_by()
        },
        "oldest_wait_s": int(waiting.total_seconds()),
        "last_finished": last_finished.isoformat() if last_finished else None,
    }
