"""A/B tests: the results per version, and the decision that sends the winner to everyone
still waiting."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from grassroots.core import audit
from grassroots.core.access import SYSTEM
from grassroots.messaging import sending
from grassroots.messaging.broadcasts.services import enqueue_run
from grassroots.messaging.models import Broadcast, Message
from grassroots.messaging.services import render_for

S = Message.Status
B = Broadcast.Status


def ab_results(broadcast: Broadcast) -> dict[str, dict[str, int]]:
    """Per version of an A/B test: sent, delivered, replied, clicked (and the rate of the
    metric that decides)."""
    out = {}
    for key in ("a", "b"):
        qs = broadcast.messages.filter(ab_variant=key)
        sent = qs.filter(status__in=[S.SENT, S.DELIVERED]).count()
        row = {
            "sent": sent,
            "delivered": qs.filter(status=S.DELIVERED).count(),
            "replied": qs.filter(replies__isnull=False).distinct().count(),
            "clicked": qs.filter(clicked_at__isnull=False).count(),
        }
        row["rate"] = round(row[broadcast.ab_metric] / sent, 4) if sent else 0.0
        out[key] = row
    return out


def ab_decide(broadcast: Broadcast, now: dt.datetime | None = None) -> str:
    """After the wait: the version with the higher rate wins (A on a tie); everyone still
    waiting gets it, rendered in their language, and the sending job runs again."""
    now = now or sending.clock()
    with transaction.atomic():
        b = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if b.ab_winner or not b.template_b_id or b.started_at is None:
            return b.ab_winner
        if now < b.started_at + dt.timedelta(minutes=b.ab_wait):
            return ""
        results = ab_results(b)
        winner = "b" if results["b"]["rate"] > results["a"]["rate"] else "a"
        b.ab_winner = winner
        b.save(update_fields=["ab_winner", "updated_at"])
        template = b.template_b if winner == "b" else b.template
        variants = list(template.variants.all())
        compiled: dict = {}
        waiting = b.messages.filter(status=S.HELD, status_code="ab_wait").select_related(
            "person", "person__area", "person__household__address"
        )
        batch = []
        for m in waiting.iterator(chunk_size=1000):
            text = render_for(template, m.person, variants, compiled)
            m.subject, m.body, m.html = text["subject"], text["body"], text["html"]
            m.template_variant = text["variant"]
            m.status, m.status_code, m.status_reason = S.PENDING, "", ""
            batch.append(m)
            if len(batch) >= 1000:
                _ab_save(batch)
                batch = []
        _ab_save(batch)
        audit.record(
            actor=SYSTEM,
            action="messaging.ab_decided",
            obj=b,
            detail={"winner": winner, "results": results},
        )
        if b.status == B.SENDING:
            enqueue_run(b)
    return winner


def _ab_save(messages: list[Message]) -> None:
    if messages:
        Message.objects.bulk_update(
            messages,
            ["subject", "body", "html", "template_variant", "status", "status_code",
             "status_reason"],
        )  # fmt: skip
