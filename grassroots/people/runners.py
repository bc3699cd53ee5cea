"""The people hub's background work as job runners (``core.jobs.Runner``; ADR 0010).

Each runner is looked up by name by the generic ``core.jobs.run_job_task``; services start
them with ``jobs.runner(NAME).start(...)`` and never import this module."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.jobs import BATCH, JobReporter, Runner
from grassroots.people.dedupe import jobs as dedupe_jobs
from grassroots.people.dedupe import review
from grassroots.people.exports import jobs as export_jobs
from grassroots.people.exports import services as exports
from grassroots.people.imports import services as import_services
from grassroots.people.imports.reader import ImportFileError
from grassroots.people.models import ImportBatch


def import_and_follow_up(*, batch: ImportBatch, reporter=None) -> tuple[dict, Any]:
    """Run an import here, then — a real one that succeeded — queue the incremental duplicate
    search for the people it wrote. Every import goes this way (the job of the screens and the
    API, and ``grassroots import``). Returns the counts and the duplicate search's job."""
    result = import_services.import_run(batch=batch, reporter=reporter)
    batch.refresh_from_db()
    follow_up = None
    if not batch.dry_run and batch.status == ImportBatch.Status.SUCCEEDED:
        follow_up = dedupe_jobs.dedupe_after_import(batch=batch)  # the people it wrote
    return result, follow_up


class ImportRunner(Runner):
    """Read a file into the people hub (progress = rows read), then queue the incremental
    duplicate search for the people it wrote."""

    name = "people.import"
    title = "Import"
    capability = "people.import"
    queue = BATCH

    @classmethod
    def allowed(cls, actor: Any, **ids: Any) -> bool:
        return True  # the import was checked when it was started; its file is already here

    def run(self, reporter: JobReporter, *, batch_id: str) -> dict:
        batch = ImportBatch.objects.get(pk=batch_id)
        try:
            result, _follow_up = import_and_follow_up(batch=batch, reporter=reporter)
        except ImportFileError as exc:  # past a limit, or damaged further on: the reason alone
            reporter.fail(str(exc))
            return {"error": str(exc)}
        return result

    def on_cancelled(self, *, batch_id: str) -> None:
        import_services.import_stopped(batch_id=batch_id, reason="cancelled")

    def on_orphaned(self, *, batch_id: str) -> None:
        import_services.import_stopped(batch_id=batch_id, reason="worker stopped")


class DedupeRunner(Runner):
    """Find duplicates among everyone, or (``batch_id``) among the people an import wrote."""

    name = dedupe_jobs.JOB_KIND
    title = "Find duplicates"
    capability = review.CAPABILITY
    denied = "The user may no longer merge people."
    queue = BATCH

    @classmethod
    def allowed(cls, actor: Any, *, batch_id: str | None = None, **ids: Any) -> bool:
        # a search someone started is checked again at run time (role removed while queued);
        # an import's follow-up search runs for the import
        return batch_id is not None or review.can_review(actor)

    def run(self, reporter: JobReporter, *, batch_id: str | None = None) -> dict:
        if batch_id is None and not review.can_review(self.actor):
            raise PermissionDenied(_("The user may no longer merge people."))
        return dedupe_jobs.dedupe_work(
            job=self.job, actor=self.actor, batch_id=batch_id, reporter=reporter
        )


class ExportRunner(Runner):
    """Write people to a CSV/XLSX file in the exports folder: everyone matching ``filters``,
    or the people of a ``source`` another app registered (``export_jobs.export_sources``: a
    segment, a list), asked for again at run time with the actor's visibility of now."""

    name = export_jobs.JOB_KIND
    title = "Export people"
    capability = export_jobs.CAPABILITY
    denied = "The user may no longer export people."
    queue = BATCH

    @classmethod
    def allowed(cls, actor: Any, **ids: Any) -> bool:
        return actor is not None and super().allowed(actor, **ids)

    def run(
        self,
        reporter: JobReporter,
        *,
        columns: list[str],
        fmt: str,
        filters: dict | None = None,
        source: str | None = None,
        source_id: Any = None,
    ) -> dict:
        people = None
        if source:
            people = export_jobs.export_sources[source](self.actor, source_id)
        path = exports.export_people(
            actor=self.actor,
            filters=filters or {},
            columns=columns,
            fmt=fmt,
            reporter=reporter,
            people=people,
        )
        stamp = timezone.localtime(self.job.created_at).strftime("%Y%m%d-%H%M")
        return {
            "path": path.relative_to(exports.export_dir().parent).as_posix(),
            "rows": reporter.job.progress,
            "format": fmt,
            "filename": f"{source or 'people'}-{stamp}.{fmt}",
            "download_url": reverse("people:export_download", args=[self.job.pk]),
        }
