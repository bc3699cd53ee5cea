"""The one send path (ARCHITECTURE §3.5): every outbound message, whatever made it, leaves here.

``dispatch(ids)`` takes messages that are queued (or held and now due) through the compliance
layer in batches — one query per batch for people, consent, suppressions, recent sends and
upcoming polls — then claims the ones allowed (a claim token, so two workers never send the
same message) and hands them to a ``Pipeline``: the provider calls run on a few threads per
provider account, with the message's uuid as idempotency key, while this thread goes on with
the next batch and records the results in order, in small groups. A worker that dies between a
provider call and its record leaves the message ``sending``; ``recover_stuck`` puts it back in
the queue and the retry carries the same idempotency key, which the provider uses to drop the
duplicate (ADR 0007 gives the bound for providers without one).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.geography.models import Election
from grassroots.messaging import compliance
from grassroots.messaging.models import Channel, Message, ProviderAccount, Suppression
from grassroots.messaging.providers import provider_class
from grassroots.messaging.providers.base import (
    OutboundMessage,
    Provider,
    ProviderError,
    SendResult,
)
from grassroots.messaging.secrets import decrypt
from grassroots.people import services as people_services
from grassroots.people.models import Consent, Person

logger = logging.getLogger(__name__)

BATCH = 500
RETRY_DELAYS = (60, 300, 1800)  # seconds before the 2nd, 3rd, 4th attempt of a retryable error
STUCK_AFTER = dt.timedelta(minutes=10)
# Queues the simulator's receipts and replies (``tasks.simulator_webhooks_task.enqueue``), set
# by ``MessagingConfig.ready``: this module never imports the task module (ADR 0010).
simulator_webhooks: Callable[[int, list[dict]], Any] | None = None
S = Message.Status
INTERACTION_CHANNEL = {"sms": "sms", "whatsapp": "whatsapp", "email": "email", "voice": "phone"}


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


def clock() -> dt.datetime:
    """The time every compliance decision is taken at (one place, so tests can set it)."""
    return timezone.now()


# --- providers ---------------------------------------------------------------------------------


def provider_for(account: ProviderAccount) -> Provider:
    return provider_class(account.kind)(account.config, decrypt(account.secrets))


def default_account(channel: str) -> ProviderAccount | None:
    accounts = ProviderAccount.objects.filter(active=True, is_default=True)
    for account in accounts:
        if channel in (account.channels or []):
            return account
    for account in ProviderAccount.objects.filter(active=True):
        if channel in (account.channels or []):
            return account
    return None


def public_url(path: str) -> str:
    return settings.GRASSROOTS_PUBLIC_URL.rstrip("/") + path


_HREF = re.compile(r"""href=(["'])(https?://[^"']+)\1""", re.IGNORECASE)


def tracked_html(html: str, message_uuid) -> str:
    """Links through our click counter, and a 1×1 image that counts the open."""

    def link(match: re.Match) -> str:
        token = signing.dumps(
            {"m": str(message_uuid), "u": match.group(2)}, salt="messaging.click", compress=True
        )
        return f'href="{public_url(reverse("messaging:click", args=[token]))}"'

    out = _HREF.sub(link, html)
    pixel_token = signing.dumps(str(message_uuid), salt="messaging.open")
    pixel = (
        f'<img src="{public_url(reverse("messaging:open", args=[pixel_token]))}" width="1" '
        'height="1" alt="" style="display:none">'
    )
    if "</body>" in out:
        return out.replace("</body>", pixel + "</body>", 1)
    return out + pixel


def unsubscribe_token(message_uuid: uuid.UUID | str) -> str:
    return signing.dumps(str(message_uuid), salt="messaging.unsubscribe", compress=True)


@functools.lru_cache(maxsize=64)
def _url_pattern(name: str, base: str, *args: str) -> str:
    """``base`` + the path of URL ``name`` with a ``{}`` where the last argument goes: reversed
    once, not for every message of a broadcast."""
    return base.rstrip("/") + reverse(f"messaging:{name}", args=[*args, "PLACEHOLDER"]).replace(
        "PLACEHOLDER", "{}"
    )


def unsubscribe_url(message_uuid: uuid.UUID | str) -> str:
    pattern = _url_pattern("unsubscribe", settings.GRASSROOTS_PUBLIC_URL)
    return pattern.format(unsubscribe_token(message_uuid))


def webhook_url(account_uuid) -> str:
    return public_url(reverse("messaging:webhook", args=[account_uuid]))


# --- compliance context, one batch at a time ----------------------------------------------------


def _polls(area_paths: set[str], now: dt.datetime) -> dict[str, list[tuple[dt.date, dt.time]]]:
    """Upcoming polls (date, closing time) per area path: elections of the area or above it."""
    if not area_paths:
        return {}
    today = timezone.localdate(now)
    elections = list(
        Election.objects.filter(
            date__gte=today - dt.timedelta(days=1), date__lte=today + dt.timedelta(days=30)
        ).values_list("area__path", "date", "polls_close")
    )
    out: dict[str, list[tuple[dt.date, dt.time]]] = {}
    for path in area_paths:
        out[path] = [(d, t) for p, d, t in elections if path.startswith(p)]
    return out


def _recipients(messages: list[Message], now: dt.datetime) -> dict[int, compliance.Recipient]:
    person_ids = {m.person_id for m in messages if m.person_id}
    people = {
        p["id"]: p
        for p in Person.objects.filter(pk__in=person_ids).values(
            "id", "do_not_contact", "area__path", "household__address__country"
        )
    }
    # latest consent per person × channel × purpose
    consent: dict[tuple[int, str, str], str] = {}
    wanted = {(compliance.channel_for_consent(m.channel), m.purpose) for m in messages}
    if person_ids:
        rows = (
            Consent.objects.filter(
                person_id__in=person_ids,
                channel__in={c for c, _p in wanted},
                purpose__in={p for _c, p in wanted},
            )
            .order_by("person_id", "channel", "purpose", "-recorded_at", "-id")
            .values_list("person_id", "channel", "purpose", "status")
        )
        for pid, ch, purpose, status in rows:
            consent.setdefault((pid, ch, purpose), status)
    suppressed: dict[tuple[str, str], str] = dict(
        ((ch, addr), reason)
        for ch, addr, reason in Suppression.objects.filter(
            address__in={m.to_address for m in messages}
        ).values_list("channel", "address", "reason")
    )
    # sends in each channel's cap window, and whether we ever wrote to the person before
    recent: dict[tuple[int, str], int] = {}
    ever: set[tuple[int, str]] = set()
    for channel in {m.channel for m in messages}:
        ids = {m.person_id for m in messages if m.channel == channel and m.person_id}
        if not ids:
            continue
        days = max(
            compliance.cap_window_days(profile, channel)
            for profile in compliance.profiles().values()
        )
        since = now - dt.timedelta(days=days)
        for pid, n_recent in (
            Message.objects.filter(
                person_id__in=ids,
                channel=channel,
                direction=Message.Direction.OUTBOUND,
                status__in=[S.SENT, S.DELIVERED],
            )
            .values("person_id")
            .annotate(n=Count("id", filter=Q(sent_at__gte=since)))
            .values_list("person_id", "n")
        ):
            ever.add((pid, channel))
            if n_recent:
                recent[(pid, channel)] = n_recent
    polls = _polls({p["area__path"] for p in people.values() if p["area__path"]}, now)
    out = {}
    for m in messages:
        p = people.get(m.person_id) or {}
        is_phone = m.channel != Channel.EMAIL
        country = (p.get("household__address__country") or None) if not is_phone else None
        if is_phone:
            country = compliance.country_for_phone(m.to_address) or p.get(
                "household__address__country"
            )
        zones = compliance.zones_for(phone=m.to_address if is_phone else None, country=country)
        closes = []
        for d, t in polls.get(p.get("area__path") or "", []):
            closes.append(dt.datetime.combine(d, t, tzinfo=zones[0]))
        r = compliance.Recipient(
            channel=m.channel,
            address=m.to_address,
            purpose=m.purpose,
            country=country,
            consent=consent.get(
                (m.person_id, compliance.channel_for_consent(m.channel), m.purpose)
            ),
            opted_out=suppressed.get((m.channel, m.to_address)) == Suppression.Reason.OPTED_OUT,
            do_not_contact=bool(p.get("do_not_contact")),
            suppressed=(m.channel, m.to_address) in suppressed
            and suppressed[(m.channel, m.to_address)] != Suppression.Reason.OPTED_OUT,
            recent_count=recent.get((m.person_id, m.channel), 0),
            poll_closes=tuple(closes),
        )
        out[m.pk] = r
        m._first = (m.person_id, m.channel) not in ever  # noqa: SLF001 - per-dispatch note
    return out


# --- dispatch ----------------------------------------------------------------------------------


def due_ids(now: dt.datetime | None = None, limit: int = 5000) -> list[int]:
    """Queued messages, and held ones whose time has come."""
    now = now or clock()
    return list(
        Message.objects.filter(direction=Message.Direction.OUTBOUND)
        .filter(
            Q(status=S.PENDING, held_until__isnull=True)
            | Q(status__in=[S.PENDING, S.HELD], held_until__lte=now)
        )
        .exclude(broadcast__status__in=["paused", "cancelled"])
        .order_by("held_until", "id")
        .values_list("id", flat=True)[:limit]
    )


def dispatch(
    ids: Iterable[int],
    *,
    now: dt.datetime | None = None,
    pipeline: Pipeline | None = None,
    pace=None,
) -> Outcome:
    """Send (or hold, or block) these messages. ``pace(n)`` is called before each send (a
    broadcast's throttle). A caller that dispatches batch after batch (a broadcast) passes its
    own ``pipeline``: sends of one batch then overlap the next batch's database work, and the
    results not yet recorded are counted in a later call or in ``pipeline.close()``."""
    ids = list(ids)
    total = Outcome()
    own = pipeline is None
    pipeline = Pipeline(pace=pace) if own else pipeline
    try:
        for start in range(0, len(ids), BATCH):
            total.add(_dispatch_batch(ids[start : start + BATCH], now, pipeline))
    finally:  # what the lanes sent is recorded even if something broke
        if own:
            try:
                total.add(pipeline.close())
            finally:
                pipeline.shutdown()
    if not own:
        total.add(pipeline.collect())
    return total


def _dispatch_batch(ids, now, pipeline: Pipeline) -> Outcome:
    out = Outcome()
    now = now or clock()
    messages = list(
        Message.objects.filter(
            pk__in=ids, direction=Message.Direction.OUTBOUND, status__in=[S.PENDING, S.HELD]
        )
    )
    _share_related(messages, ("broadcast", "account", "template_variant"))
    out.skipped = len(set(ids)) - len(messages)
    messages = [m for m in messages if m.held_until is None or m.held_until <= now]
    if not messages:
        return out
    recipients = _recipients(messages, now)
    in_window = _whatsapp_window(messages, now)
    allowed: list[Message] = []
    blocked, held = [], []
    for m in messages:
        if m.broadcast_id and m.broadcast.status in ("paused", "cancelled"):
            out.skipped += 1
            continue
        if m.system:  # the one confirmation the rules allow after STOP / START / HELP
            allowed.append(m)
            continue
        expires = m.broadcast.expires_at if m.broadcast_id else None
        decision = compliance.decide(recipients[m.pk], now=now, expires_at=expires)
        variant = m.template_variant if m.template_variant_id else None
        if (
            decision.action == "send"
            and m.channel == Channel.WHATSAPP
            and variant is not None
            and variant.provider_template
            and variant.approval in ("pending", "rejected")
        ):
            decision = compliance.Decision(
                action="block",
                code="template_not_approved",
                reason=_("WhatsApp has not approved this template (%(state)s).")
                % {"state": variant.get_approval_display()},
            )
        if decision.action == "send" and m.pk in in_window.get("outside", set()):
            decision = compliance.Decision(
                action="block",
                code="whatsapp_window",
                reason=_(
                    "Outside WhatsApp's 24-hour window (no message from this person in the "
                    "last 24 hours): only an approved template may be sent."
                ),
            )
        if decision.action == "send":
            allowed.append(m)
            continue
        m.status_code, m.status_reason = decision.code, str(decision.reason)[:300]
        out.codes[decision.code] += 1
        if decision.action == "hold":
            m.status, m.held_until = S.HELD, decision.until
            held.append(m)
        else:
            m.status, m.held_until = S.BLOCKED, None
            blocked.append(m)
    _save_decisions(held + blocked)
    out.held, out.blocked = len(held), len(blocked)
    if not allowed:
        return out
    token = uuid.uuid4().hex
    claimed = Message.objects.filter(
        pk__in=[m.pk for m in allowed], status__in=[S.PENDING, S.HELD]
    ).update(status=S.SENDING, claim=token, updated_at=timezone.now())
    if claimed != len(allowed):  # another worker took some: send only ours
        mine = set(Message.objects.filter(claim=token).values_list("pk", flat=True))
        out.skipped += len(allowed) - len(mine)
        allowed = [m for m in allowed if m.pk in mine]
    for m in allowed:
        m.attempts += 1
        pipeline.submit(m, recipients[m.pk], now)
    return out


def _share_related(messages: list[Message], names: tuple[str, ...]) -> None:
    """Load each related object (a broadcast, an account, a template variant) once for the
    batch and give every message the same instance — ``select_related`` built one per row."""
    for name in names:
        field = Message._meta.get_field(name)
        ids = {getattr(m, field.attname) for m in messages} - {None}
        found = field.related_model._default_manager.in_bulk(ids) if ids else {}
        for m in messages:
            pk = getattr(m, field.attname)
            if pk is not None and pk in found:
                field.set_cached_value(m, found[pk])


def _save_decisions(messages: list[Message]) -> None:
    """Held and blocked messages with their reason: one UPDATE per distinct decision (a
    batch has a handful — opted out, no consent, held until 09:00…), not a CASE per row."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for m in messages:
        groups[(m.status, m.status_code, m.status_reason, m.held_until)].append(m.pk)
    now = timezone.now()
    for (status, code, reason, until), pks in groups.items():
        Message.objects.filter(pk__in=pks).update(
            status=status, status_code=code, status_reason=reason, held_until=until,
            updated_at=now,
        )  # fmt: skip


class Pipeline:
    """Provider calls on worker threads ("lanes") while the calling thread goes on with the
    database work — the next batch's compliance context and decisions, recording results.

    Each lane has its own provider instance (an SMTP lane its own connection; HTTP providers
    share one pooled client); an account gets ``provider.connections`` lanes. The lanes never
    touch the database: the calling thread builds every ``OutboundMessage`` before handing it
    over and records every result itself, in the order the messages were handed over, in
    groups (``_Recorder``). At most ``window`` messages are handed over and not yet recorded;
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
        self._recorder = _Recorder()
        self._interactions: list[dict] = []

    # -- the calling thread ------------------------------------------------------------------

    def submit(self, m: Message, recipient, now: dt.datetime) -> None:
        """Hand one claimed message to its account's lanes (recording what has finished, and
        waiting for the oldest when the window is full)."""
        if m.account_id is None:
            self._pending.append((m, recipient, now, None, None))
        else:
            outbound = _outbound(m, recipient)
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
            result = _fail_without_provider(m, now)
        else:
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a bug in an adapter fails one message
                logger.exception("provider adapter raised for message %s", m.pk)
                result = ProviderError(f"{type(exc).__name__}", code="error")
            result = _record(m, result, now, self._recorder, self._provider(m.account), entry[4])
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
        "channel": INTERACTION_CHANNEL[m.channel],
        "outcome": "sent",
        "detail": (m.subject + "\n" + m.body if m.subject else m.body)[:2000],
        "data": {"message": str(m.uuid)},
        "occurred_at": m.sent_at,
        "source": "broadcast" if m.broadcast_id else "message",
        "actor_id": m.created_by_id,
    }


def _whatsapp_window(messages: list[Message], now: dt.datetime) -> dict[str, set[int]]:
    """WhatsApp free-form text may only answer someone who wrote to us in the last 24 hours;
    outside that window only an approved template goes. Ids of the messages outside it."""
    free = [
        m
        for m in messages
        if m.channel == Channel.WHATSAPP
        and not m.system
        and not (m.template_variant_id and m.template_variant.provider_template)
    ]
    if not free:
        return {}
    recent = set(
        Message.objects.filter(
            channel=Channel.WHATSAPP,
            direction=Message.Direction.INBOUND,
            from_address__in={m.to_address for m in free},
            created_at__gte=now - dt.timedelta(hours=24),
        ).values_list("from_address", flat=True)
    )
    return {"outside": {m.pk for m in free if m.to_address not in recent}}


def _outbound(m: Message, recipient: compliance.Recipient) -> OutboundMessage:
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
        callback = _callback(settings.GRASSROOTS_PUBLIC_URL, m.account.uuid)
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


class _Recorder:
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


@functools.lru_cache(maxsize=64)
def _callback(base: str, account_uuid) -> str:
    return base.rstrip("/") + reverse("messaging:webhook", args=[account_uuid])


def _fail_without_provider(m: Message, now: dt.datetime) -> str:
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


def _record(
    m: Message,
    result: SendResult | ProviderError,
    now: dt.datetime,
    recorder: _Recorder,
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
        _after_failure(m)
        return "failed"
    m.status = S.DELIVERED if result.status == "delivered" else S.SENT
    m.provider_id, m.sent_at = result.provider_id[:100], now
    m.status_code, m.status_reason = "", ""
    recorder.sent(m, now)
    simulate = getattr(provider, "events_for", None)
    if simulate is not None:
        requests = simulate(outbound, result, replies=not m.system)
        if requests and simulator_webhooks is not None:
            payload = [r.__dict__ | {"body": r.body.decode()} for r in requests]
            account_id = m.account_id
            enqueue = simulator_webhooks
            recorder.later(lambda: transaction.on_commit(lambda: enqueue(account_id, payload)))
    return "sent"


def _after_failure(m: Message) -> None:
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


def recover_stuck(now: dt.datetime | None = None) -> int:
    """Messages left ``sending`` by a worker that died: queue them again (same uuid, so the
    provider drops the duplicate if the first attempt did reach it)."""
    now = now or clock()
    return Message.objects.filter(status=S.SENDING, updated_at__lt=now - STUCK_AFTER).update(
        status=S.PENDING, claim="", held_until=None, updated_at=now
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
