"""Recording what each provider call answered: sent (in small groups), retry later, failed."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from grassroots.messaging import sending
from grassroots.messaging.models import Message, Suppression
from grassroots.messaging.providers.base import (
    OutboundMessage,
    Provider,
    ProviderError,
    SendResult,
)

RETRY_DELAYS = (60, 300, 1800)  # seconds before the 2nd, 3rd, 4th attempt of a retryable error
S = Message.Status


class Recorder:
    """Records successful sends in small groups (one transaction and one prepared statement for
    up to ``FLUSH`` messages) instead of one commit per message: the database work per message
    is a third of what it was. A worker that dies between a provider call and the next flush
    leaves at most ``FLUSH`` messages ``sending``; they are retried with the same idempotency
    key (see ``recover_stuck``). Simulated webhooks wait for the flush (they look the messages
    up by the provider's id)."""

    FLUSH = 25

    def __init__(self) -> None:
        self.rows: list[list] = []
        self.after: list = []

    def sent(self, m: Message, now: dt.datetime) -> None:
        when = connection.ops.adapt_datetimefield_value(now)
        self.rows.append([m.status, m.provider_id, when, m.attempts, when, m.pk])
        if len(self.rows) >= self.FLUSH:
            self.flush()

    def later(self, func) -> None:
        self.after.append(func)

    def flush(self) -> None:
        if self.rows:
            table = Message._meta.db_table
            own = not connection.in_atomic_block  # our own transaction, not a caller's
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":  # one statement for the group
                    if own:
                        # no wait for the WAL flush at commit: a database crash in the next
                        # fraction of a second could lose these records, which leaves the
                        # messages 'sending' — retried with the same idempotency key, as after
                        # a worker crash. Never for a caller's transaction (its other writes).
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    values = ", ".join(
                        ["(%s, %s, %s::timestamptz, %s::integer, %s::bigint)"] * len(self.rows)
                    )
                    cursor.execute(
                        f"UPDATE {table} AS t SET status = v.status, provider_id = v.pid, "  # noqa: S608
                        "sent_at = v.at, attempts = v.attempts, status_code = '', "
                        "status_reason = '', updated_at = v.at "
                        f"FROM (VALUES {values}) AS v(status, pid, at, attempts, id) "
                        "WHERE t.id = v.id",
                        [x for status, pid, at, attempts, _u, pk in self.rows
                         for x in (status, pid, at, attempts, pk)],
                    )  # fmt: skip
                else:
                    cursor.executemany(
                        f"UPDATE {table} SET status = %s, provider_id = %s, sent_at = %s, "  # noqa: S608
                        "attempts = %s, status_code = '', status_reason = '', updated_at = %s "
                        "WHERE id = %s",
                        self.rows,
                    )
            self.rows = []
        after, self.after = self.after, []
        for func in after:
            func()


def fail_without_provider(m: Message, now: dt.datetime) -> str:
    m.status, m.status_code = S.FAILED, "no_provider"
    m.status_reason = f"No active provider account for {m.get_channel_display()}."
    Message.objects.filter(pk=m.pk).update(
        status=m.status,
        status_code=m.status_code,
        status_reason=m.status_reason,
        attempts=m.attempts,
        updated_at=now,
    )
    return "failed"


def record_result(
    m: Message,
    result: SendResult | ProviderError,
    now: dt.datetime,
    recorder: Recorder,
    provider: Provider,
    outbound: OutboundMessage,
) -> str:
    """What one attempt's answer means for the message: sent (recorded in the next group),
    retry later (``now`` is the dispatch's clock), or failed."""
    fields = ["status", "status_code", "status_reason", "provider_id", "sent_at", "attempts"]
    if isinstance(result, ProviderError):
        m.status_code = (result.code or "provider_error")[:30]
        m.status_reason = str(result)[:300]
        if result.retryable and m.attempts <= len(RETRY_DELAYS):
            m.status, m.held_until = (
                S.PENDING,
                now + dt.timedelta(seconds=RETRY_DELAYS[m.attempts - 1]),
            )
            Message.objects.filter(pk=m.pk).update(
                **{f: getattr(m, f) for f in fields}, held_until=m.held_until, updated_at=now
            )
            return "retry"
        m.status = S.FAILED
        Message.objects.filter(pk=m.pk).update(**{f: getattr(m, f) for f in fields}, updated_at=now)
        after_failure(m)
        return "failed"
    m.status = S.DELIVERED if result.status == "delivered" else S.SENT
    m.provider_id, m.sent_at = result.provider_id[:100], now
    m.status_code, m.status_reason = "", ""
    recorder.sent(m, now)
    simulate = getattr(provider, "events_for", None)
    if simulate is not None:
        requests = simulate(outbound, result, replies=not m.system)
        if requests and sending.simulator_webhooks is not None:
            payload = [r.__dict__ | {"body": r.body.decode()} for r in requests]
            account_id = m.account_id
            enqueue = sending.simulator_webhooks
            recorder.later(lambda: transaction.on_commit(lambda: enqueue(account_id, payload)))
    return "sent"


def after_failure(m: Message) -> None:
    """Provider answers that mean "never again to this address" become suppressions."""
    reason = {
        "21211": Suppression.Reason.WRONG_NUMBER,  # Twilio: invalid number
        "21614": Suppression.Reason.WRONG_NUMBER,  # not a mobile number
        "21610": Suppression.Reason.OPTED_OUT,  # the recipient replied STOP to the carrier
    }.get(m.status_code)
    if reason:
        Suppression.objects.get_or_create(
            channel=m.channel,
            address=m.to_address,
            defaults={"reason": reason, "person_id": m.person_id, "detail": m.status_reason},
        )
