"""Background work of segments and lists as job runners (``core.jobs.Runner``; ADR 0010).

A segment's or list's export is the people export runner with a source (``export_jobs``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from grassroots.core.jobs import BATCH, JobReporter, Runner
from grassroots.lists.outputs import jobs, services


class OutputRunner(Runner):
    """A walk list, call list, labels or slips too big to make while someone waits: the PDF,
    with no size limit, for the people the actor may see when it runs."""

    name = jobs.JOB_KIND
    title = "List output"
    capability = services.CAPABILITY
    denied = "The user may no longer print lists."
    queue = BATCH

    @classmethod
    def allowed(cls, actor: Any, **ids: Any) -> bool:
        return actor is not None and super().allowed(actor, **ids)

    def run(
        self, reporter: JobReporter, *, kind: str, key: str, output: str, fmt: str, params: dict
    ) -> dict:
        # checked again at run time: a role, a scope or a segment's sharing changed while
        # queued takes effect, and the people are those the actor may see now
        source = services.source_get(actor=self.actor, kind=kind, key=key)
        if source is None:
            raise PermissionDenied(_("The segment, list or area is no longer visible."))

        def progress(done: int, total: int) -> None:  # slips: page by page
            reporter.job.total = max(total, 1)
            reporter.advance(done)

        rendered = services.output_render(
            actor=self.actor,
            source=source,
            output=output,
            fmt=fmt,
            params=params,
            bounded=False,
            audited=False,
            progress=progress,
        )
        jobs.output_job_write(job=self.job, rendered=rendered)
        reporter.advance(reporter.job.total or 1, force=True)
        return {
            "filename": rendered.filename,
            "format": fmt,
            "detail": rendered.detail,
            "download_url": reverse("lists:output_job_download", args=[self.job.pk]),
        }
