"""Background work for messaging. Tasks take ids, wrap one service, are idempotent."""

from __future__ import annotations

from django_tasks import task

from grassroots.core.jobs import JobReporter
from grassroots.messaging.models import Broadcast, ProviderAccount
from grassroots.messaging.providers.base import WebhookRequest


@task()
def broadcast_run_task(broadcast_id: int) -> dict:
    from grassroots.messaging import services

    broadcast = Broadcast.objects.select_related("job").get(pk=broadcast_id)
    reporter = JobReporter(broadcast.job) if broadcast.job_id else None
    if reporter is not None and broadcast.job.status == "queued":
        reporter.start()
    try:
        return services.broadcast_run(broadcast_id, reporter)
    except Exception as exc:
        if reporter is not None:
            reporter.fail(f"{type(exc).__name__}: {exc}")
        raise


@task()
def simulator_webhooks_task(account_id: int, requests: list[dict]) -> list[int]:
    """The simulator's receipts and replies, through the same path as a real webhook."""
    from grassroots.messaging import services

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
        statuses.append(services.webhook_handle(account, request)[0])
    return statuses
