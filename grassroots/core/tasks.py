from __future__ import annotations

from django_tasks import task

from grassroots.core import events, housekeeping, registry


@task()
def deliver_outbox_task() -> int:
    return events.deliver_pending()


@task()
def housekeeping_task() -> dict[str, int]:
    """Delete what has outlived its retention; ``grassroots serve`` queues this every hour."""
    return housekeeping.housekeeping_run()


@task()
def tick_task() -> dict[str, dict]:
    """Once a minute: every function in ``registry.every_minute`` (each app's clockwork)."""
    from django.utils import timezone

    now = timezone.now()
    out = {}
    for func in registry.every_minute:
        out[f"{func.__module__}.{func.__name__}"] = func(now)
    return out
