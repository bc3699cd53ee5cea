from __future__ import annotations

from django_tasks import task

from grassroots.core import events


@task()
def deliver_outbox_task() -> int:
    return events.deliver_pending()
