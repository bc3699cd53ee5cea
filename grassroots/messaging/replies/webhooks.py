"""Provider webhooks: verified, parsed and applied once each (receipts and replies), through
``webhook_handle`` — the HTTP view and the simulator alike."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from grassroots.messaging import sending
from grassroots.messaging.models import ProviderAccount, WebhookEvent
from grassroots.messaging.providers.base import Inbound, WebhookRejected, WebhookRequest
from grassroots.messaging.replies.inbound import inbound_record
from grassroots.messaging.replies.receipts import receipt_apply


def webhook_handle(account: ProviderAccount, request: WebhookRequest) -> tuple[int, str, str]:
    """Verify, parse and apply one provider webhook. (status, content type, body)"""
    provider = sending.provider_for(account)
    try:
        provider.verify_webhook(request)
    except WebhookRejected:
        return 403, "text/plain", "forbidden"
    try:
        items = provider.parse_webhook(request)
    except (ValueError, KeyError, TypeError):
        return 400, "text/plain", "malformed"
    replies: list[int] = []
    for item in items:
        key = (
            f"in:{item.provider_id}"
            if isinstance(item, Inbound)
            else f"r:{item.provider_id}:{item.status}"
        )
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(account=account, key=key[:200])
                if isinstance(item, Inbound):
                    replies += inbound_record(account=account, inbound=item).followups
                else:
                    receipt_apply(account=account, receipt=item)
        except IntegrityError:
            continue  # the provider delivered this event before: applied once already
    if replies:  # the one confirmation of STOP / START / HELP, after the reply is stored
        sending.dispatch(replies)
    content_type, body = provider.webhook_response(items)
    return 200, content_type, body
