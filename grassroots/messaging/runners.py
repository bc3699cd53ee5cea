"""Messaging's job runners (``core.jobs.Runner``; ADR 0010): sending a broadcast."""

from __future__ import annotations

from typing import Any

from grassroots.core.jobs import URGENT, JobReporter, Runner
from grassroots.messaging.broadcasts import services as broadcasts


class BroadcastRunner(Runner):
    """Create a broadcast's messages batch by batch and send them at the provider's pace.

    On the urgent queue (never behind an import). It carries on where it stopped, so a job
    whose worker died is run again (``resumable``), after the messages that worker claimed
    are released; a paused broadcast leaves its job open (``finishes_itself``). Cancelled from
    the broadcast page (``broadcast_set_status``), not as a job."""

    name = broadcasts.RUNNER
    title = "Broadcast"
    capability = "messaging.send"
    queue = URGENT
    cancellable = False
    finishes_itself = True
    resumable = True

    def run(self, reporter: JobReporter, *, broadcast_id: int) -> dict[str, Any]:
        return broadcasts.broadcast_run(broadcast_id, reporter)

    def on_orphaned(self, *, broadcast_id: int) -> None:
        broadcasts.broadcast_release(broadcast_id)
