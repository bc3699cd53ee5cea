"""Background work for segments and lists. Tasks take ids, wrap one service, are idempotent."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from grassroots.core.jobs import run_job
from grassroots.core.models import Job
from grassroots.lists.export_jobs import people_of
from grassroots.people import exports


@task()
def list_export_task(
    job_id: str,
    actor_id: int,
    columns: list[str],
    fmt: str,
    language: str | None = None,
    segment_id: int | None = None,
    list_id: int | None = None,
) -> dict:
    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.SUCCEEDED:  # delivered twice: the file is already there
        return job.result
    actor = get_user_model().objects.filter(pk=actor_id).first()

    def work(reporter) -> dict:
        if actor is None or not actor.is_active or not actor.has_capability("people.export"):
            raise PermissionDenied("The user may no longer export people.")
        _obj, people = people_of(actor, segment_id=segment_id, list_id=list_id)
        with translation.override(language or settings.LANGUAGE_CODE):
            path = exports.export_people(
                actor=actor, filters={}, columns=columns, fmt=fmt, reporter=reporter, people=people
            )
        stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
        return {
            "path": path.relative_to(exports.export_dir().parent).as_posix(),
            "rows": reporter.job.progress,
            "format": fmt,
            "filename": f"{'segment' if segment_id else 'list'}-{stamp}.{fmt}",
            "download_url": reverse("people:export_download", args=[job.pk]),
        }

    return run_job(job, work).result
