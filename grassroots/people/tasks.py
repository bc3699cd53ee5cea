"""Background work for the people hub. Tasks take ids, wrap one service, and are idempotent."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from grassroots.core.jobs import run_job
from grassroots.core.models import Job
from grassroots.people import exports


@task()
def people_export_task(
    job_id: str,
    actor_id: int,
    filters: dict,
    columns: list[str],
    fmt: str,
    language: str | None = None,
) -> dict:
    """Write the export for ``people_export_start``'s job; store where the file is.

    ``language``: the one the export was asked for in, so the headers match the form the
    person saw (a worker process otherwise runs in ``settings.LANGUAGE_CODE``).
    """
    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.SUCCEEDED:  # delivered twice: the file is already there
        return job.result
    actor = get_user_model().objects.filter(pk=actor_id).first()

    def work(reporter) -> dict:
        # Checked again at run time: a role or scope removed while queued takes effect.
        if actor is None or not actor.is_active or not actor.has_capability("people.export"):
            raise PermissionDenied("The user may no longer export people.")
        with translation.override(language or settings.LANGUAGE_CODE):
            path = exports.export_people(
                actor=actor, filters=filters, columns=columns, fmt=fmt, reporter=reporter
            )
        stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
        return {
            "path": path.relative_to(exports.export_dir().parent).as_posix(),
            "rows": reporter.job.progress,
            "format": fmt,
            "filename": f"people-{stamp}.{fmt}",
            "download_url": reverse("people:export_download", args=[job.pk]),
        }

    return run_job(job, work).result


@task()
def people_dedupe_task(
    job_id: str, actor_id: int | None = None, batch_id: str | None = None
) -> dict:
    """Find duplicates for ``dedupe_jobs.dedupe_start``'s job (everyone, or one import's people)."""
    from grassroots.people import dedupe_jobs, duplicates

    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.SUCCEEDED:  # delivered twice: the pairs are already recorded
        return job.result
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None

    def work(reporter) -> dict:
        # A search someone started is checked again at run time (role removed while queued);
        # an import's follow-up search runs for the import.
        if batch_id is None and not duplicates.can_review(actor):
            raise PermissionDenied("The user may no longer merge people.")
        return dedupe_jobs.dedupe_work(job=job, actor=actor, batch_id=batch_id, reporter=reporter)

    return run_job(job, work).result
