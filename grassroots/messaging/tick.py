"""The minute clock of messaging (``core.registry.every_minute``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from grassroots.messaging import sending
from grassroots.messaging.automations import running as automations_running
from grassroots.messaging.automations import services as automations
from grassroots.messaging.broadcasts.abtests import ab_decide
from grassroots.messaging.broadcasts.services import (
    creation_stalled,
    enqueue_run,
    finish_if_done,
)
from grassroots.messaging.models import (
    Broadcast,
    Message,
)
from grassroots.messaging.replies import applier
from grassroots.messaging.texting import services as texting

S = Message.Status
B = Broadcast.Status


# --- the clock ---------------------------------------------------------------------------------


def messaging_tick(now: dt.datetime | None = None) -> dict[str, Any]:
    """Every minute: start scheduled broadcasts that are due, send held and retried messages
    whose time has come, requeue messages a dead worker left ``sending``, finish broadcasts."""
    now = now or sending.clock()
    started = 0
    for b in Broadcast.objects.filter(status=B.SCHEDULED, scheduled_at__lte=now):
        Broadcast.objects.filter(pk=b.pk, status=B.SCHEDULED).update(status=B.SENDING)
        enqueue_run(b)
        started += 1
    for b in Broadcast.objects.filter(
        status=B.SENDING, template_b__isnull=False, ab_winner="", started_at__isnull=False
    ):
        ab_decide(b, now)
    recovered = sending.recover_stuck(now)
    # provider events a dead or busy worker left (before the held sends: a STOP first)
    replies = applier.events_apply(batches=5)
    for b in Broadcast.objects.filter(status=B.SENDING, started_at__isnull=False):
        if creation_stalled(b, now):
            enqueue_run(b)
    out = sending.dispatch(sending.due_ids(now), now=now)
    for pk in Broadcast.objects.filter(status=B.SENDING).values_list("pk", flat=True):
        finish_if_done(pk)
    resumed = automations_running.run_due(now)
    entered = automations.segment_entries(now)
    released = texting.release_idle()
    return {
        "started": started,
        "recovered": recovered,
        "webhook_events": replies,
        "automations": resumed,
        "segment_entries": entered,
        "texting_released": released,
        **out.as_dict(),
    }
