"""The minute clock of messaging (``core.registry.every_minute``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from grassroots.messaging import dispatch
from grassroots.messaging.broadcasts import (
    _enqueue_run,
    _finish_if_done,
    ab_decide,
    creation_stalled,
)
from grassroots.messaging.models import (
    Broadcast,
    Message,
)

S = Message.Status
B = Broadcast.Status


# --- the clock ---------------------------------------------------------------------------------


def messaging_tick(now: dt.datetime | None = None) -> dict[str, Any]:
    """Every minute: start scheduled broadcasts that are due, send held and retried messages
    whose time has come, requeue messages a dead worker left ``sending``, finish broadcasts."""
    now = now or dispatch.clock()
    started = 0
    for b in Broadcast.objects.filter(status=B.SCHEDULED, scheduled_at__lte=now):
        Broadcast.objects.filter(pk=b.pk, status=B.SCHEDULED).update(status=B.SENDING)
        _enqueue_run(b)
        started += 1
    for b in Broadcast.objects.filter(
        status=B.SENDING, template_b__isnull=False, ab_winner="", started_at__isnull=False
    ):
        ab_decide(b, now)
    recovered = dispatch.recover_stuck(now)
    for b in Broadcast.objects.filter(status=B.SENDING, started_at__isnull=False):
        if creation_stalled(b, now):
            _enqueue_run(b)
    out = dispatch.dispatch(dispatch.due_ids(now), now=now)
    for pk in Broadcast.objects.filter(status=B.SENDING).values_list("pk", flat=True):
        _finish_if_done(pk)
    from grassroots.messaging import automations

    resumed = automations.run_due(now)
    entered = automations.segment_entries(now)
    from grassroots.messaging.texting import services as texting

    released = texting.release_idle()
    return {
        "started": started,
        "recovered": recovered,
        "automations": resumed,
        "segment_entries": entered,
        "texting_released": released,
        **out.as_dict(),
    }
