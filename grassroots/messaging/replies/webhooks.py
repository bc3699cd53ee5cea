"""Provider webhooks: verified, parsed, stored once each and answered at once, through
``webhook_handle`` — the HTTP view and the simulator alike (ADR 0016).

A provider waits for our answer (Twilio gives up after 15 s and retries), so the request does
the least it must: check the signature, parse, store each event in ``WebhookEvent`` under the
provider's event key (a replayed webhook is stored once: the key is unique), queue the worker
and answer 200. The worker (``applier.events_apply``, on the urgent queue) applies replies,
receipts and opt-outs in batches, in arrival order. The exception is a voice keypress: its
answer (TwiML) is what the caller hears next, so it is applied inline as before.

A signed request we cannot read (not a messaging event, a JSON array) is answered 400 — never
5xx, which providers retry."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from grassroots.messaging import sending
from grassroots.messaging.models import ProviderAccount, WebhookEvent
from grassroots.messaging.providers.base import (
    Inbound,
    Provider,
    Receipt,
    WebhookRejected,
    WebhookRequest,
)
from grassroots.messaging.replies import keywords
from grassroots.messaging.replies.inbound import inbound_record

logger = logging.getLogger(__name__)

# Queues a run of the applier (``tasks.webhook_events_apply_task.enqueue``), set by
# ``MessagingConfig.ready``: this module never imports the task module (ADR 0010).
schedule: Callable[[], Any] | None = None
# A pending event younger than this means a run is already queued for it (see ``_wake``).
RECENT = dt.timedelta(seconds=30)
# What makes a reply hold sends to its number until it is applied (ADR 0016).
HOLDING = frozenset({"opt_out", "possible_opt_out", "wrong_number"})


# --- the accounts webhooks arrive for, kept a few seconds --------------------------------------

ACCOUNT_TTL = 5.0  # seconds a web process keeps an account (and its decrypted adapter)
_accounts: dict[str, tuple[float, ProviderAccount, Provider]] = {}
_accounts_lock = threading.Lock()


def account_for(uuid: Any) -> tuple[ProviderAccount, Provider] | None:
    """The active account a webhook URL names, with its adapter (credentials decrypted): kept
    ``ACCOUNT_TTL`` seconds, so a burst of replies does not read and decrypt it every time.
    Saving an account forgets it in this process (``forget_accounts``); other processes see a
    change within the TTL."""
    key, now = str(uuid), time.monotonic()
    hit = _accounts.get(key)
    if hit is not None and now - hit[0] < ACCOUNT_TTL:
        return hit[1], hit[2]
    account = ProviderAccount.objects.filter(uuid=uuid, active=True).first()
    if account is None:
        return None
    provider = sending.provider_for(account)
    with _accounts_lock:
        _accounts[key] = (now, account, provider)
    return account, provider


def forget_accounts(**_kwargs: Any) -> None:
    with _accounts_lock:
        _accounts.clear()


# --- the webhook ---------------------------------------------------------------------------------


def webhook_handle(
    account: ProviderAccount, request: WebhookRequest, provider: Provider | None = None
) -> tuple[int, str, str]:
    """Verify, parse and store one provider webhook. (status, content type, body)"""
    provider = provider or sending.provider_for(account)
    try:
        provider.verify_webhook(request)
    except WebhookRejected:
        return 403, "text/plain", "forbidden"
    try:
        items = provider.parse_webhook(request)
    except (WebhookRejected, ValueError, KeyError, TypeError, AttributeError):
        # signed but unreadable: a clear 400 (a 5xx would make the provider retry for hours)
        return 400, "text/plain", "malformed"
    voice = [i for i in items if isinstance(i, Inbound) and i.channel == "voice"]
    if voice:
        _apply_inline(account, voice)
    rest = [i for i in items if not (isinstance(i, Inbound) and i.channel == "voice")]
    if rest:
        events_store(account, rest)
    content_type, body = provider.webhook_response(items)
    return 200, content_type, body


def event_key(item: Inbound | Receipt) -> str:
    key = (
        f"in:{item.provider_id}"
        if isinstance(item, Inbound)
        else f"r:{item.provider_id}:{item.status}"
    )
    return key[:200]


def to_payload(item: Inbound | Receipt) -> dict[str, Any]:
    data = dataclasses.asdict(item)
    for name in ("received_at", "occurred_at"):
        if isinstance(data.get(name), dt.datetime):
            data[name] = data[name].isoformat()
    return data


def from_payload(kind: str, data: dict[str, Any]) -> Inbound | Receipt:
    data = dict(data)
    for name in ("received_at", "occurred_at"):
        if data.get(name):
            data[name] = dt.datetime.fromisoformat(data[name])
    return Inbound(**data) if kind == WebhookEvent.Kind.INBOUND else Receipt(**data)


def events_store(account: ProviderAccount, items: list[Inbound | Receipt]) -> None:
    """Store the events (a repeated key is ignored: stored and applied once) and make sure a
    worker run is queued to apply them."""
    now = timezone.now()
    rows = []
    for item in items:
        if isinstance(item, Inbound):
            kind = WebhookEvent.Kind.INBOUND
            hold = keywords.classify(item.body).kind in HOLDING
            channel, address = (item.channel or "sms")[:10], item.sender[:254]
        else:
            kind, hold, channel, address = WebhookEvent.Kind.RECEIPT, False, "", ""
        rows.append(
            WebhookEvent(
                account=account,
                key=event_key(item),
                received_at=now,
                kind=kind,
                channel=channel,
                address=address,
                payload=to_payload(item),
                may_opt_out=hold,
            )
        )
    # one INSERT … ON CONFLICT DO NOTHING: atomic by itself, a retried event is ignored
    WebhookEvent.objects.bulk_create(rows, ignore_conflicts=True)
    _wake(now)


def _wake(now: dt.datetime) -> None:
    """Queue a run of the applier unless one is surely coming: an earlier event, stored in the
    last ``RECENT`` seconds and not applied yet, queued (or is being applied by) a run that
    goes on until nothing is pending. A run that died is replaced by the minute tick."""
    if schedule is None:  # no task backend wired (a script): apply here
        from grassroots.messaging.replies import applier

        applier.events_apply()
        return
    if _earlier_pending(now):
        return
    try:
        schedule()
    except Exception:  # the queue being down must not fail the webhook; the tick catches up
        logger.exception("could not queue the webhook applier")


def _earlier_pending(now: dt.datetime) -> bool:
    """Is the newest event stored before ``now`` still pending, stored in the last ``RECENT``
    seconds and not failed? Plain SQL, walking the partial index of pending events backwards
    from the newest: one or two rows read however long the backlog is (it runs on every
    webhook)."""
    table = connection.ops.quote_name(WebhookEvent._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN received_at >= %s AND attempts = 0 THEN 1 ELSE 0 END "  # noqa: S608
            f"FROM {table} WHERE applied_at IS NULL AND received_at < %s ORDER BY id DESC LIMIT 1",
            [adapt(now - RECENT), adapt(now)],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def _apply_inline(account: ProviderAccount, items: list[Inbound]) -> None:
    """Voice keypresses: stored and applied in the request (their answer is what the caller
    hears next); a repeated one is applied once."""
    replies: list[int] = []
    for item in items:
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(
                    account=account,
                    key=event_key(item),
                    kind=WebhookEvent.Kind.INBOUND,
                    channel=item.channel,
                    address=item.sender[:254],
                    payload=to_payload(item),
                    applied_at=timezone.now(),
                )
                replies += inbound_record(account=account, inbound=item).followups
        except IntegrityError:
            continue  # the provider delivered this event before: applied once already
    if replies:  # the one confirmation, after the keypress is stored
        sending.dispatch(replies)
