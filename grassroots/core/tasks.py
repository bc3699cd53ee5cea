from __future__ import annotations

from django_tasks import task

from grassroots.core import events, housekeeping


@task()
def deliver_outbox_task() -> int:
    return events.deliver_pending()


@task()
def housekeeping_task() -> dict[str, int]:
    """Delete what has outlived its retention; ``grassroots serve`` queues this every hour."""
    return housekeeping.housekeeping_run()
