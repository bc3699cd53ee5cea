"""Background work for messaging that is not a visible job. Tasks take ids, wrap one service,
are idempotent, and run on the urgent queue (ADR 0010). Sending a broadcast is a job runner
(``messaging.runners.BroadcastRunner``)."""

from __future__ import annotations

from django_tasks import task

from grassroots.messaging.models import ProviderAccount
from grassroots.messaging.providers.base import WebhookRequest
from grassroots.messaging.replies.webhooks import webhook_handle


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
