"""Services for people exports: start one (a visible, audited ``core.Job``) and hand out its file.

A view calls ``people_export_start``; the work runs in the ``people.export`` runner
(``people.runners.ExportRunner``) after commit;
``people_export_file`` gives the finished file to the person who asked for it, and nobody else.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from grassroots.core import access, audit, jobs
from grassroots.core.models import Job
from grassroots.people import selectors
from grassroots.people.exports import services
from grassroots.people.filters import PersonFilter
from grassroots.people.models import Person

JOB_KIND = "people.export"
CAPABILITY = "people.export"

# Other apps' people to export, by name: ``(actor, source_id) -> queryset of Person``, checked
# again (visibility and scope) when the job runs. ``lists`` registers "segment" and "list".
export_sources: dict[str, Callable[[Any, Any], Any]] = {}


def validate_filters(filters: dict) -> None:
    fs = PersonFilter(selectors.clean_filter_params(filters), queryset=Person.objects.none())
    if not fs.is_valid():
        raise ValidationError(
            {name: [str(e) for e in errs] for name, errs in fs.form.errors.items()}
        )


def people_export_start(
    *,
    actor: Any,
    filters: Any,
    columns: list[str],
    fmt: str,
    ip_address: str | None = None,
) -> Job:
    """Check, count, create the Job, audit, and run the export after commit."""
    access.require(actor, CAPABILITY)
    fmt = (fmt or "").lower()
    columns = services.validate_export(columns, fmt)
    filters = services.export_filters(filters or {})
    validate_filters(filters)
    count = selectors.person_list(actor=actor, filters=filters).count()
    title = ngettext("Export %(n)s person (%(fmt)s)", "Export %(n)s people (%(fmt)s)", count) % {
        "n": f"{count:,}",
        "fmt": fmt.upper(),
    }

    return jobs.runner(JOB_KIND).start(
        actor=actor,
        title=title,
        total=count,
        audit={
            "action": "people.exported",
            "detail": {"filters": filters, "columns": columns, "format": fmt, "rows": count},
            "ip_address": ip_address,
        },
        filters=filters,
        columns=columns,
        fmt=fmt,
    )


def export_job_get(*, actor: Any, job_id: Any) -> Job | None:
    """An export job, only for the person who started it (anyone else: ``None``, like missing)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return Job.objects.filter(pk=job_id, kind=JOB_KIND, created_by=actor).first()


def export_file_path(job: Job) -> Path | None:
    """The finished file of a succeeded export job, if it is (still) there."""
    if job.status != Job.Status.SUCCEEDED:
        return None
    relative = (job.result or {}).get("path") or ""
    folder = services.export_dir().resolve()
    path = (folder.parent / relative).resolve()
    if folder not in path.parents or not path.is_file():  # never leave the exports folder
        return None
    return path


def people_export_file(
    *, actor: Any, job_id: Any, ip_address: str | None = None
) -> tuple[Path, str] | None:
    """The file and download name of the actor's own finished export; the download is audited."""
    access.require(actor, CAPABILITY)
    job = export_job_get(actor=actor, job_id=job_id)
    path = export_file_path(job) if job is not None else None
    if path is None:
        return None
    filename = job.result.get("filename") or path.name
    audit.record(
        actor=actor,
        action="people.export_downloaded",
        obj=job,
        detail={"rows": job.result.get("rows"), "format": job.result.get("format", "")},
        ip_address=ip_address,
    )
    return path, filename
