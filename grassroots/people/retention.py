"""Retention of people's data held outside the people tables: export files and import leftovers.

Registered with ``core.registry.housekeeping`` (``PeopleConfig.ready``):

- **Exports**: a finished export's file is deleted ``settings.EXPORT_RETENTION`` after the job
  finished; the job keeps its row count but loses its download link and says it expired. Any
  other file in the exports folder older than that (a failed export's partial file) goes too.
- **Imports**: ``settings.IMPORT_RETENTION`` after an import ran, the stored copy of the file
  (unless a newer import still uses it), its rejected rows and its rollback data (``ImportChange``)
  are deleted; the batch (who, when, file hash, mapping, counts) stays as the record. After that
  the import can no longer be rolled back (``ImportBatch.is_expired``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from grassroots.core.models import Job
from grassroots.people.exports import services as exports
from grassroots.people.exports.jobs import JOB_KIND, export_file_path
from grassroots.people.models import ImportBatch, ImportChange, ImportNotice, ImportRejection

CHUNK = 5000


def exports_expire(now: dt.datetime) -> dict[str, int]:
    cutoff = now - settings.EXPORT_RETENTION
    deleted = expired = 0
    jobs = Job.objects.filter(
        kind=JOB_KIND, status=Job.Status.SUCCEEDED, finished_at__lt=cutoff
    ).exclude(result__has_key="expired")
    for job in jobs.iterator():
        path = export_file_path(job)
        if path is not None:
            path.unlink(missing_ok=True)
            deleted += 1
        result = {k: v for k, v in (job.result or {}).items() if k not in ("download_url", "path")}
        Job.objects.filter(pk=job.pk).update(result={**result, "expired": True})
        expired += 1
    folder = exports.export_dir()
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
                path.unlink(missing_ok=True)
                deleted += 1
    return {"export_files_deleted": deleted, "exports_expired": expired}


def imports_expire(now: dt.datetime) -> dict[str, int]:
    cutoff = now - settings.IMPORT_RETENTION
    old = ImportBatch.objects.filter(created_at__lt=cutoff).exclude(
        status__in=[ImportBatch.Status.DRAFT, ImportBatch.Status.RUNNING]
    )
    # Only batches that still hold something: a file, rejected rows or values, rollback data.
    holding = old.filter(
        Q(changes__isnull=False)
        | Q(rejections__isnull=False)
        | Q(notices__isnull=False)
        | ~Q(stored_path="")
    ).distinct()
    counts = {
        "import_files_deleted": 0,
        "import_changes_deleted": 0,
        "import_rejects_deleted": 0,
        "import_notices_deleted": 0,
    }
    for batch in holding.iterator():
        counts["import_changes_deleted"] += _delete_chunked(ImportChange, batch)
        counts["import_rejects_deleted"] += _delete_chunked(ImportRejection, batch)
        counts["import_notices_deleted"] += _delete_chunked(ImportNotice, batch)
        if batch.stored_path:
            in_use = (
                ImportBatch.objects.filter(stored_path=batch.stored_path)
                .filter(Q(created_at__gte=cutoff) | Q(status__in=["draft", "running"]))
                .exists()
            )
            if not in_use:
                path = Path(batch.stored_path)
                folder = (Path(settings.MEDIA_ROOT) / "imports").resolve()
                if folder in path.resolve().parents and path.is_file():
                    path.unlink()
                    counts["import_files_deleted"] += 1
                ImportBatch.objects.filter(stored_path=batch.stored_path).exclude(
                    Q(created_at__gte=cutoff) | Q(status__in=["draft", "running"])
                ).update(stored_path="")
    return counts


def _delete_chunked(model, batch: ImportBatch) -> int:
    """Delete a batch's rows a chunk at a time (millions of rows must not lock for long)."""
    total = 0
    while True:
        ids = list(model.objects.filter(batch=batch).values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return total
        total += model.objects.filter(pk__in=ids).delete()[0]
