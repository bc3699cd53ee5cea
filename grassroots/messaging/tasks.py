"""Background work for messaging that is not a visible job. Tasks take ids, wrap one service,
are idempotent, and run on the urgent queue (ADR 0010). Sending a broadcast is a job runner
(``messaging.runners.BroadcastRunner``)."""

from __future__ import annotations

from django_tasks import task

from grassroots.messaging.models import ProviderAccount
from grassroots.messaging.providers.base import WebhookRequest
from grassroots.messaging.replies.webhooks import webhook_handle

RUN_BATCHES = 20  # batches per run of the applier before it queues the next run


@task(queue_name="urgent")
def simulator_webhooks_task(account_id: int, requests: list[dict]) -> list[int]:
    """The simulator's receipts and replies, through the same path as a real webhook."""
    account = ProviderAccount.objects.get(pk=account_id)
    statuses = []
    for r in requests:
        request = WebhookRequest(
            method=r["method"],
            url=r["url"],
            headers=r["headers"],
            body=r["body"].encode(),
            form=r.get("form") or {},
            query=r.get("query") or {},
        )
        statuses.append(webhook_handle(account, request)[0])
    return statuses


@task(queue_name="urgent")
def webhook_events_apply_task() -> int:
    """Apply the stored provider events (replies, receipts, opt-outs) in batches, in arrival
    order (ADR 0016). A long backlog is taken a few batches at a time: the run queues the next
    one and lets the sends waiting on the urgent queue have their turn."""
    from grassroots.messaging.replies import applier

    done = applier.events_apply(batches=RUN_BATCHES)
    if applier.has_pending():
        webhook_events_apply_task.enqueue()
    return done
