"""Background work of canvassing as job runners (``core.jobs.Runner``; ADR 0010)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from grassroots.canvassing import services
from grassroots.canvassing.models import Effort
from grassroots.core.jobs import BATCH, JobReporter, Runner


class CutRunner(Runner):
    """Build an effort's doors (if not yet) and cut them into turfs, each in walk order."""

    name = "canvassing.cut"
    title = "Cut turfs"
    capability = services.MANAGE
    denied = "The user may no longer manage canvass efforts."
    queue = BATCH

    def run(self, reporter: JobReporter, *, effort_id: int) -> dict[str, Any]:
        effort = Effort.objects.visible_to(self.actor, "change").filter(pk=effort_id).first()
        if effort is None:
            raise PermissionDenied(_("The effort is gone or no longer yours to change."))
        reporter.job.total = 2
        reporter.advance(0, force=True)

        def progress(done: int, total: int) -> None:
            reporter.advance(done)

        summary = services.turfs_cut(actor=self.actor, effort=effort, progress=progress)
        reporter.advance(2, force=True)
        return summary
