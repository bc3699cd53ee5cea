"""PDFs too big to make while someone waits: made by a background ``core.Job`` instead.

``output_job_start`` checks and audits (``list.output_queued``) and starts the
``lists.output`` runner (``lists.runners.OutputRunner``, run after commit by the generic task);
it makes the PDF with no size limit and keeps it in the people exports folder (so
``people.retention`` deletes it with the other exports after ``EXPORT_RETENTION``);
``output_job_file`` hands it to the person who asked, and nobody else, auditing the download
(``list.output_downloaded``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.core import access, audit, jobs
from grassroots.core.models import Job
from grassroots.lists.outputs import services
from grassroots.people.exports.services import export_dir

JOB_KIND = "lists.output"


def _titles() -> dict[str, str]:
    return {
        "walk-list": _("Walk list"),
        "call-list": _("Call list"),
        "mail-labels": _("Mailing labels"),
        "page-list": _("Page list"),
        "booth-slips": _("Voter slips"),
    }


def output_job_start(
    *,
    actor: Any,
    kind: str,
    source: services.Source,
    output: str,
    fmt: str,
    params: dict,
    ip_address: str | None = None,
) -> Job:
    """Queue the PDF ``output`` of ``source`` (a segment, list or area the actor can see)."""
    services.require_print(actor, kind)
    if fmt != "pdf":
        raise PermissionDenied(_("Only PDFs are made in the background; CSVs download at once."))
    options = services.options_clean(output, fmt, params)
    clean_params = {k: str(v) for k, v in options.items()}
    title = f"{_titles().get(output, output)}: {source.name}"[:200]
    key = source.obj.code if kind == "area" else source.obj.pk
    with transaction.atomic():
        job = jobs.runner(JOB_KIND).start(
            actor=actor,
            title=title,
            total=1,
            kind=kind,
            key=str(key),
            output=output,
            fmt=fmt,
            params=clean_params,
        )
        audit.record(
            actor=actor,
            action="list.output_queued",
            obj=source.obj,
            detail={"source": kind, "output": output, "format": fmt, "job": str(job.pk), **options},
            ip_address=ip_address,
        )
    return job


def output_job_write(*, job: Job, rendered: services.Rendered) -> Path:
    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job.pk}.pdf"
    partial = folder / f"{job.pk}.pdf.part"
    partial.write_bytes(rendered.body)  # type: ignore[arg-type]
    partial.replace(path)
    return path


def output_job_get(*, actor: Any, job_id: Any) -> Job | None:
    """The job, only for the person who started it (anyone else: ``None``, like missing)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return Job.objects.filter(pk=job_id, kind=JOB_KIND, created_by=actor).first()


def output_job_file(
    *, actor: Any, job_id: Any, ip_address: str | None = None
) -> tuple[Path, str] | None:
    access.require(actor, services.CAPABILITY)
    job = output_job_get(actor=actor, job_id=job_id)
    if job is None or job.status != Job.Status.SUCCEEDED:
        return None
    folder = export_dir().resolve()
    path = (folder / f"{job.pk}.pdf").resolve()
    if path.parent != folder or not path.is_file():  # deleted at the end of its retention
        return None
    audit.record(
        actor=actor,
        action="list.output_downloaded",
        obj=job,
        detail={**(job.result.get("detail") or {}), "job": str(job.pk)},
        ip_address=ip_address,
    )
    return path, job.result.get("filename") or path.name
