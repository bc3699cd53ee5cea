"""The one send path (ARCHITECTURE §3.5): every outbound message, whatever made it, leaves here.

``dispatch(ids)`` (``loop``) takes messages that are queued (or held and now due) through the
compliance layer (``compliance``) in batches — one query per batch for people, consent,
suppressions, recent sends and upcoming polls (``recipients``) — then claims the ones allowed (a
claim token, so two workers never send the same message) and hands them to a ``Pipeline``
(``pipeline``): the provider calls run on a few threads per provider account, with the message's
uuid as idempotency key, while this thread goes on with the next batch and records the results
in order, in small groups (``recorder``). A worker that dies between a provider call and its
record leaves the message ``sending``; ``recover_stuck`` puts it back in the queue and the retry
carries the same idempotency key, which the provider uses to drop the duplicate (ADR 0007 gives
the bound for providers without one).

This package's namespace is the send path's public face: callers use ``sending.dispatch``,
``sending.clock``, ``sending.default_account``, ``sending.decide``… The settings below
(``clock``, ``BATCH``, ``simulator_webhooks``) are read from here at call time, so a test, the
benchmark or ``MessagingConfig.ready`` sets them in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

BATCH = 500
# Queues the simulator's receipts and replies (``tasks.simulator_webhooks_task.enqueue``), set
# by ``MessagingConfig.ready``: this package never imports the task module (ADR 0010).
simulator_webhooks: Callable[[int, list[dict]], Any] | None = None


def clock() -> dt.datetime:
    """The time every compliance decision is taken at (one place, so tests can set it)."""
    return timezone.now()


# The entry points, from the modules that define them (below the settings they read).
from grassroots.messaging.sending.accounts import default_account, provider_for  # noqa: E402
from grassroots.messaging.sending.compliance import Decision, Recipient, decide  # noqa: E402
from grassroots.messaging.sending.links import (  # noqa: E402
    public_url,
    tracked_html,
    unsubscribe_url,
    webhook_url,
)
from grassroots.messaging.sending.loop import (  # noqa: E402
    STUCK_AFTER,
    dispatch,
    due_ids,
    recover_stuck,
)
from grassroots.messaging.sending.pipeline import (  # noqa: E402
    INTERACTION_CHANNEL,
    Outcome,
    Pacer,
    Pipeline,
)
from grassroots.messaging.sending.recorder import RETRY_DELAYS  # noqa: E402

__all__ = [
    "BATCH",
    "INTERACTION_CHANNEL",
    "RETRY_DELAYS",
    "STUCK_AFTER",
    "Decision",
    "Outcome",
    "Pacer",
    "Pipeline",
    "Recipient",
    "clock",
    "decide",
    "default_account",
    "dispatch",
    "due_ids",
    "provider_for",
    "public_url",
    "recover_stuck",
    "simulator_webhooks",
    "tracked_html",
    "unsubscribe_url",
    "webhook_url",
]
