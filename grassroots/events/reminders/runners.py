"""The reminder runner (``core.jobs``; ADR 0010): one event × one kind of reminder."""

from __future__ import annotations

from typing import Any

from grassroots.core.jobs import URGENT, JobReporter, Runner
from grassroots.events.reminders import services


class ReminderRunner(Runner):
    """Send one kind of reminder to everyone it is due for. On the urgent queue (a volunteer
    waits on it); safe to run again — the log rows say who has had it."""

    name = services.RUNNER
    title = "Event reminders"
    capability = None
    queue = URGENT
    resumable = True

    def run(
        self, reporter: JobReporter, *, event_id: int, kind: str, key: str = ""
    ) -> dict[str, Any]:
        return services.send_reminders(
            event_id=event_id, kind=kind, key=key or kind, reporter=reporter
        )
