"""Delivery receipts: what a provider says became of a message we sent."""

from __future__ import annotations

from django.utils import timezone

from grassroots.messaging.models import Message, ProviderAccount, Suppression
from grassroots.messaging.providers.base import Receipt
from grassroots.messaging.replies.suppressions import suppress

S = Message.Status
ORDER = {S.SENT: 1, S.DELIVERED: 2}


def receipt_apply(*, account: ProviderAccount, receipt: Receipt) -> int:
    messages = list(Message.objects.filter(provider_id=receipt.provider_id, account=account))
    now = receipt.occurred_at or timezone.now()
    for m in messages:
        st = receipt.status
        if st == "delivered" and m.status in (S.SENT, S.SENDING):
            Message.objects.filter(pk=m.pk).update(status=S.DELIVERED, delivered_at=now)
        elif st in ("failed", "undelivered", "bounced") and m.status != S.FAILED:
            Message.objects.filter(pk=m.pk).update(
                status=S.FAILED,
                status_code=(receipt.error_code or st)[:30],
                status_reason=(receipt.error or st)[:300],
            )
            if st == "bounced":
                suppress(m.channel, m.to_address, Suppression.Reason.BOUNCED, m.person_id)
        elif st == "opened" and m.opened_at is None:
            Message.objects.filter(pk=m.pk).update(opened_at=now)
        elif st == "clicked" and m.clicked_at is None:
            Message.objects.filter(pk=m.pk).update(clicked_at=now, opened_at=m.opened_at or now)
        elif st == "complained":
            suppress(m.channel, m.to_address, Suppression.Reason.COMPLAINED, m.person_id)
    return len(messages)
