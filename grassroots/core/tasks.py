"""Core's tasks, each on its queue by urgency (ADR 0010). Job-backed work is not a task of its
own: it is a ``core.jobs.Runner`` run by the one generic ``run_job_task``."""

from __future__ import annotations

from django_tasks import task

from grassroots.core import events, housekeeping, registry
from grassroots.core.jobs import BATCH, URGENT, run_job_task

__all__ = ["deliver_outbox_task", "housekeeping_task", "run_job_task", "tick_task"]


@task(queue_name=URGENT)
def deliver_outbox_task() -> int:
    return events.deliver_pending()


@task(queue_name=BATCH)
def housekeeping_task() -> dict[str, int]:
    """Delete what has outlived its retention; ``grassroots serve`` queues this every hour."""
    return housekeeping.housekeeping_run()


@task(queue_name=URGENT)
def tick_task() -> dict[str, dict]:
    """Once a minute: every function in ``registry.every_minute`` (each app's clockwork)."""
    from django.utils import timezone

    now = timezone.now()
    out = {}
    for func in registry.every_minute:
        out[f"{func.__module__}.{func.__name__}"] = func(now)
    return out
