"""Delivery, bounce, complaint, open, click and unsubscribe webhooks of email services, through
django-anymail's webhook views (``/messaging/anymail/<esp>/tracking/``, HTTP basic auth with
``GRASSROOTS_ESP_WEBHOOK_SECRET``), turned into the same receipts as every other provider's."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from grassroots.messaging.models import Message, ProviderAccount, Suppression, WebhookEvent
from grassroots.messaging.providers.base import Receipt
from grassroots.messaging.replies.receipts import receipt_apply

STATUSES = {
    "delivered": "delivered",
    "bounced": "bounced",
    "rejected": "failed",
    "failed": "failed",
    "complained": "complained",
    "opened": "opened",
    "clicked": "clicked",
}


def on_tracking(sender, event, esp_name, **kwargs) -> None:
    """anymail's ``tracking`` signal: find our message by the ESP's id and apply the event once."""
    message = (
        Message.objects.filter(provider_id=str(event.message_id or ""), account__kind="esp")
        .select_related("account")
        .first()
    )
    if message is None:
        return
    account: ProviderAccount = message.account
    key = f"esp:{event.event_id or ''}:{event.message_id}:{event.event_type}"
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(  # applied here, in the ESP's request (ADR 0016)
                account=account,
                key=key[:200],
                kind=WebhookEvent.Kind.ESP,
                channel="email",
                applied_at=timezone.now(),
            )
            if event.event_type == "unsubscribed":
                Suppression.objects.update_or_create(
                    channel="email",
                    address=message.to_address,
                    defaults={"reason": "opted_out", "person_id": message.person_id,
                              "detail": f"unsubscribed at {esp_name}"},
                )  # fmt: skip
                return
            status = STATUSES.get(event.event_type)
            if status is None:
                return
            receipt_apply(
                account=account,
                receipt=Receipt(
                    provider_id=message.provider_id,
                    status=status,
                    error_code=str(event.reject_reason or "")[:30],
                    error=str(event.description or event.mta_response or "")[:300],
                    occurred_at=event.timestamp,
                ),
            )
    except IntegrityError:
        return  # the ESP delivered this event before
