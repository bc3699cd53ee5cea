"""The pipeline: provider calls on worker threads ("lanes") while the calling thread goes on
with the database work; the throttle a broadcast puts on it."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import time
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from grassroots.messaging.models import Channel, Message, ProviderAccount
from grassroots.messaging.providers.base import OutboundMessage, Provider, ProviderError
from grassroots.messaging.sending import compliance
from grassroots.messaging.sending.accounts import provider_for
from grassroots.messaging.sending.links import callback_url, tracked_html, unsubscribe_url
from grassroots.messaging.sending.recorder import Recorder, fail_without_provider, record_result
from grassroots.people import contact
from grassroots.people import services as people_services

logger = logging.getLogger(__name__)

# each message channel's people.Interaction channel (voice → phone)
INTERACTION_CHANNEL = {c: contact.consent_channel(c) for c in Channel.values}


@dataclass
class Outcome:
    sent: int = 0
    held: int = 0
    blocked: int = 0
    failed: int = 0
    retry: int = 0
    skipped: int = 0
    codes: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: Outcome) -> None:
        for name in ("sent", "held", "blocked", "failed", "retry", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for k, v in other.codes.items():
            self.codes[k] += v

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "held": self.held,
            "blocked": self.blocked,
            "failed": self.failed,
            "retry": self.retry,
            "skipped": self.skipped,
            "codes": dict(self.codes),
        }


class Pipeline:
    """Provider calls on worker threads ("lanes") while the calling thread goes on with the
    database work — the next batch's compliance context and decisions, recording results.

    Each lane has its own provider instance (an SMTP lane its own connection; HTTP providers
    share one pooled client); an account gets ``provider.connections`` lanes. The lanes never
    touch the database: the calling thread builds every ``OutboundMessage`` before handing it
    over and records every result itself, in the order the messages were handed over, in
    groups (``Recorder``). At most ``window`` messages are handed over and not yet recorded;
    ``collect()`` records what has finished, ``close()`` waits for the rest.

    A worker that dies leaves its handed-over messages ``sending``: ``recover_stuck`` retries
    them with the same idempotency key (providers that honour it drop the duplicates; for the
    others ADR 0007 gives the bound)."""

    def __init__(self, *, pace=None, window: int = 200):
        self.pace = pace
        self.window = window
        self.outcome = Outcome()
        # (message, recipient, now, future or None if no account, outbound), oldest first
        self._pending: deque = deque()
        self._pools: dict[int, ThreadPoolExecutor] = {}
        self._local = threading.local()
        self._instances: list[Provider] = []
        self._lock = threading.Lock()
        self._main: dict[int, Provider] = {}  # per account, for the calling thread's own use
        self._factories: dict[int, functools.partial] = {}
        self._recorder = Recorder()
        self._interactions: list[dict] = []

    # -- the calling thread ------------------------------------------------------------------

    def submit(self, m: Message, recipient, now: dt.datetime) -> None:
        """Hand one claimed message to its account's lanes (recording what has finished, and
        waiting for the oldest when the window is full)."""
        if m.account_id is None:
            self._pending.append((m, recipient, now, None, None))
        else:
            outbound = outbound_for(m, recipient)
            pool = self._pool(m.account)
            future = pool.submit(self._send, m.account_id, outbound)
            self._pending.append((m, recipient, now, future, outbound))
        self._drain(block_until=len(self._pending) - self.window)

    def collect(self) -> Outcome:
        """Record the results that are in; the outcome recorded since the last call."""
        self._drain()
        return self._take()

    def close(self) -> Outcome:
        """Wait for every message handed over, record them all; the outcome since the last
        call."""
        try:
            self._drain(block_until=len(self._pending))
        finally:
            self._recorder.flush()
            self._flush_interactions()
        return self._take()

    def shutdown(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        self._pools = {}
        for provider in [*self._instances, *self._main.values()]:
            close = getattr(provider, "close", None)
            if close:
                close()
        self._instances = []

    def _take(self) -> Outcome:
        out, self.outcome = self.outcome, Outcome()
        return out

    def _pool(self, account: ProviderAccount) -> ThreadPoolExecutor:
        pool = self._pools.get(account.pk)
        if pool is None:
            provider = self._provider(account)
            pool = ThreadPoolExecutor(
                max_workers=provider.connections, thread_name_prefix=f"send-{account.pk}"
            )
            self._pools[account.pk] = pool
            self._factories[account.pk] = functools.partial(
                type(provider), provider.config, provider.secrets
            )
        return pool

    def _provider(self, account: ProviderAccount) -> Provider:
        if account.pk not in self._main:
            self._main[account.pk] = provider_for(account)
        return self._main[account.pk]

    def _drain(self, block_until: int = 0) -> None:
        """Record finished results in order; wait for the first ``block_until`` of them."""
        done = 0
        try:
            while self._pending:
                entry = self._pending[0]
                future = entry[3]
                if done >= block_until and future is not None and not future.done():
                    break
                self._pending.popleft()
                done += 1
                self._settle(entry)
        finally:
            if len(self._interactions) >= 250:
                self._recorder.flush()
                self._flush_interactions()

    def _settle(self, entry) -> None:
        m, recipient, now, future = entry[:4]
        out = self.outcome
        if future is None:
            result = fail_without_provider(m, now)
        else:
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a bug in an adapter fails one message
                logger.exception("provider adapter raised for message %s", m.pk)
                result = ProviderError(f"{type(exc).__name__}", code="error")
            result = record_result(
                m, result, now, self._recorder, self._provider(m.account), entry[4]
            )
        if result == "sent":
            out.sent += 1
            if m.person_id:
                self._interactions.append(_interaction(m))
        elif result == "retry":
            out.retry += 1
        else:
            out.failed += 1
            out.codes[m.status_code or "failed"] += 1

    def _flush_interactions(self) -> None:
        rows, self._interactions = self._interactions, []
        people_services.interactions_record_bulk(rows)

    # -- the lanes ---------------------------------------------------------------------------

    def _send(self, account_id: int, outbound: OutboundMessage):
        """In a lane: this thread's provider instance sends (nothing here touches the
        database). Returns the ``SendResult`` or the ``ProviderError``."""
        providers = self._local.__dict__.setdefault("providers", {})
        provider = providers.get(account_id)
        if provider is None:
            provider = providers[account_id] = self._factories[account_id]()
            with self._lock:
                self._instances.append(provider)
        if self.pace is not None:
            self.pace(1)
        try:
            return provider.send(outbound)
        except ProviderError as exc:
            return exc


def _interaction(m: Message) -> dict:
    return {
        "person_id": m.person_id,
        "channel": contact.consent_channel(m.channel),
        "outcome": "sent",
        "detail": (m.subject + "\n" + m.body if m.subject else m.body)[:2000],
        "data": {"message": str(m.uuid)},
        "occurred_at": m.sent_at,
        "source": "broadcast" if m.broadcast_id else "message",
        "actor_id": m.created_by_id,
    }


def outbound_for(m: Message, recipient: compliance.Recipient) -> OutboundMessage:
    body = m.body
    if (
        m.channel in (Channel.SMS, Channel.WHATSAPP)
        and getattr(m, "_first", False)
        and not m.system
    ):
        footer = compliance.footer_for(recipient)
        if footer and footer.lower() not in body.lower():
            body = f"{body}\n{footer}"
    headers = {}
    html = m.html
    if m.channel == Channel.EMAIL and m.html and m.broadcast_id and m.broadcast.track:
        html = tracked_html(m.html, m.uuid)
    if m.channel == Channel.EMAIL:
        url = unsubscribe_url(m.uuid)
        headers = {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    template, media = None, []
    if m.template_variant_id and m.template_variant.provider_template:
        pt = m.template_variant.provider_template
        if m.channel == Channel.VOICE and pt.startswith(("https://", "http://")):
            media = [pt]  # a recording plays instead of text-to-speech
        else:
            template = (
                {"name": pt, "language": m.template_variant.language, "params": []}
                if m.channel == Channel.WHATSAPP
                else {"dlt_template_id": pt}
            )
    callback = ""
    if m.account_id:
        callback = callback_url(settings.GRASSROOTS_PUBLIC_URL, m.account.uuid)
    return OutboundMessage(
        idempotency_key=str(m.uuid),
        channel=m.channel,
        to=m.to_address,
        body=body,
        sender=m.from_address,
        subject=m.subject,
        html=html,
        headers=headers,
        template=template,
        status_callback=callback,
        media_urls=media,
    )


class Pacer:
    """At most ``rate`` sends per second (a broadcast's throttle to its provider), shared by
    the lanes of a pipeline."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self.next = time.monotonic()
        self._lock = threading.Lock()

    def __call__(self, n: int = 1) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(self.next, now)
            self.next = slot + self.interval * n
        if slot > now:
            time.sleep(slot - now)
