"""Background work for list outputs: a big PDF for ``jobs.output_job_start``'s job."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from grassroots.core.jobs import run_job
from grassroots.core.models import Job
from grassroots.lists.outputs import jobs, services


@task()
def lists_output_task(
    job_id: str,
    actor_id: int,
    kind: str,
    key: str,
    output: str,
    fmt: str,
    params: dict,
    language: str | None = None,
) -> dict:
    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.SUCCEEDED:  # delivered twice: the file is already there
        return job.result
    actor = get_user_model().objects.filter(pk=actor_id).first()

    def work(reporter) -> dict:
        # Checked again at run time: a role, a scope or a segment's sharing changed while queued
        # takes effect, and the people are those the actor may see now.
        if actor is None or not actor.is_active or not actor.has_capability(services.CAPABILITY):
            raise PermissionDenied("The user may no longer print lists.")
        with translation.override(language or settings.LANGUAGE_CODE):
            source = services.source_get(actor=actor, kind=kind, key=key)
            if source is None:
                raise PermissionDenied("The segment, list or area is no longer visible.")
            rendered = services.output_render(
                actor=actor,
                source=source,
                output=output,
                fmt=fmt,
                params=params,
                bounded=False,
                audited=False,
            )
        jobs.output_job_write(job=job, rendered=rendered)
        reporter.advance(1, force=True)
        return {
            "filename": rendered.filename,
            "format": fmt,
            "detail": rendered.detail,
            "download_url": reverse("lists:output_job_download", args=[job.pk]),
        }

    return run_job(job, work).result
