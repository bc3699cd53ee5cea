"""Writes for imports: register a file, run it (or dry-run it), roll it back."""

from __future__ import annotations

import hashlib
import logging
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import access, audit, events, jobs
from grassroots.core.exceptions import Conflict
from grassroots.geography.selectors import home_area
from grassroots.people.imports.engine import Importer
from grassroots.people.imports.limits import import_limits
from grassroots.people.imports.mapping import fit_mapping, validate_mapping
from grassroots.people.imports.options import options_check
from grassroots.people.imports.reader import ImportFileError, open_sheet
from grassroots.people.imports.templates import BUILTIN
from grassroots.people.models import (
    Address,
    ContactPoint,
    CustomFieldValue,
    Household,
    ImportBatch,
    ImportTemplate,
    Person,
)

logger = logging.getLogger(__name__)


IMPORT = "people.import"


def template_mapping(name: str) -> dict:
    saved = ImportTemplate.objects.filter(name=name).first()
    if saved is not None:
        return saved.mapping
    if name in BUILTIN:
        return BUILTIN[name]["mapping"]
    choices = sorted({*BUILTIN, *ImportTemplate.objects.values_list("name", flat=True)})
    raise ValidationError(f"No import template “{name}”. Templates: {', '.join(choices)}.")


def _hash_and_copy(source: Path, dest: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(dest, "wb") as out:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def _running_elsewhere(sha: str) -> bool:
    """Another live (not stale) real import of the same file."""
    stale_before = timezone.now() - ImportBatch.STALE_AFTER
    running = ImportBatch.objects.filter(
        sha256=sha, status=ImportBatch.Status.RUNNING, dry_run=False
    )
    return (
        running.exclude(heartbeat_at__lt=stale_before)
        .exclude(heartbeat_at__isnull=True, created_at__lt=stale_before)
        .exists()
    )


@transaction.atomic
def import_create(
    *,
    actor: Any,
    path: str | Path,
    filename: str = "",
    mapping: dict | None = None,
    template: str = "",
    dry_run: bool = False,
) -> ImportBatch:
    """Keep a copy of the file (the rejected rows point into it) and check the mapping fits it."""
    source = Path(path)
    if mapping is None:
        if not template:
            raise ValidationError(_("Choose a mapping template or map the columns."))
        mapping = template_mapping(template)
    batch_id = uuid.uuid4()
    stored = Path(settings.MEDIA_ROOT) / "imports" / f"{batch_id}{''.join(source.suffixes)[-12:]}"
    sha, size = _hash_and_copy(source, stored)
    try:
        sheet = open_sheet(stored, limits=import_limits())
    except ImportFileError as exc:
        stored.unlink(missing_ok=True)
        raise ValidationError(str(exc))
    # A template's "VoterID" is the file's "VOTER_ID" (case, spacing, common variants).
    mapping = fit_mapping(mapping, sheet.headers)
    try:
        validate_mapping(mapping, sheet.headers)
        options_check(actor=actor, mapping=mapping)
    except (ValidationError, PermissionDenied):
        stored.unlink(missing_ok=True)
        raise
    if not dry_run and _running_elsewhere(sha):
        stored.unlink(missing_ok=True)
        raise Conflict(_("This file is being imported right now; wait for that import to finish."))
    return ImportBatch.objects.create(
        id=batch_id,
        filename=(filename or source.name)[:255],
        stored_path=str(stored),
        sha256=sha,
        size=size,
        mapping=mapping,
        template=template,
        dry_run=dry_run,
        created_by=access.user_or_none(actor),
        area=home_area(actor),
    )


def import_run(*, batch: ImportBatch, reporter=None) -> dict[str, int]:
    """Run (or dry-run) an import now, in this process. Returns the counts."""
    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.DRAFT).update(
        status=ImportBatch.Status.RUNNING
    )
    if not updated:
        raise ValidationError(_("This import has already run."))
    importer = None
    try:
        importer = Importer(batch, reporter=reporter)
        outcome = importer.run()
    except (jobs.JobCancelled, KeyboardInterrupt):
        # Stopped between two batches of rows: what they wrote is kept (and can be rolled
        # back); the counts say how far it got.
        out = importer.out if importer is not None else None
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED,
            counts=out.counts() if out else {},
            examples=dict(out.examples) if out else {},
            finished_at=timezone.now(),
        )
        raise
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED, finished_at=timezone.now()
        )
        raise
    counts = outcome.counts()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.SUCCEEDED,
        counts=counts,
        examples=dict(outcome.examples),
        finished_at=timezone.now(),
    )
    batch.refresh_from_db()
    if not batch.dry_run:
        with transaction.atomic():
            audit.record(actor=batch.created_by, action="people.imported", obj=batch, detail=counts)
            events.publish("import.finished", {"batch_id": str(batch.pk), **counts})
    return counts


def import_start(*, actor: Any, batch: ImportBatch):
    """Queue the import as a visible background job (the ``people.import`` runner)."""
    access.require_object(actor, IMPORT, batch)
    with transaction.atomic():
        job = jobs.runner("people.import").start(
            actor=actor, title=f"Import {batch.filename}", batch_id=str(batch.pk)
        )
        ImportBatch.objects.filter(pk=batch.pk).update(job=job)
    return job


def import_cancel(*, actor: Any, batch: ImportBatch) -> ImportBatch:
    """Cancel a check or import: one still waiting for a worker ends at once; a running one
    stops between two batches of rows (its job's ``cancelled``; ADR 0010), keeping what the
    finished batches wrote — a real import is then rolled back or run again as usual."""
    access.require_object(actor, IMPORT, batch)
    job = batch.job
    running = batch.status in (ImportBatch.Status.DRAFT, ImportBatch.Status.RUNNING)
    if job is None or job.is_finished or not running:
        raise Conflict(_("This import is not running; there is nothing to cancel."))
    jobs.job_cancel(actor=actor, job=job)  # its creator or an administrator (PermissionDenied)
    batch.refresh_from_db()
    return batch


def import_stopped(*, batch_id: Any, reason: str) -> None:
    """An import whose job was cancelled or whose worker died: not left ``running``."""
    ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportBatch.Status.DRAFT, ImportBatch.Status.RUNNING]
    ).update(status=ImportBatch.Status.FAILED, finished_at=timezone.now())
    logger.info("Import %s stopped: %s", batch_id, reason)


@transaction.atomic
def import_rollback(*, actor: Any, batch: ImportBatch) -> dict[str, int]:
    """Remove the people an import created and restore the values it changed: their fields,
    the household they were in and the parts of its address the import filled in; households
    the import created that are left empty go too (ADR 0011)."""
    access.require_object(actor, IMPORT, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    # A stopped import (cancelled, or failed midway) kept the batches of rows it finished:
    # those are rolled back the same way.
    done = (ImportBatch.Status.SUCCEEDED, ImportBatch.Status.FAILED)
    if batch.dry_run or batch.status not in done:
        raise Conflict(_("Only a finished import can be rolled back."))
    if batch.is_expired:
        raise ValidationError(
            _("This import is older than the retention window; it can no longer be rolled back.")
        )
    later = ImportBatch.objects.filter(
        created_at__gt=batch.created_at,
        status__in=done,
        dry_run=False,
        changes__person_id__in=batch.changes.values("person_id"),
    ).exists()
    if later:
        raise ValidationError(
            _("A later import changed the same people; roll that one back first.")
        )
    created = list(batch.changes.filter(action="created").values_list("person_id", flat=True))
    restored = 0
    moved_to: set[int] = set()  # the households the import moved people into
    for change in batch.changes.filter(action="updated").order_by("-id").iterator(chunk_size=2000):
        person = Person.objects.filter(pk=change.person_id).first()
        if person is None:
            continue
        before = dict(change.before)
        custom = before.pop("custom", {})
        door = before.pop("address", None)
        if door is not None:  # parts of the same door filled in or corrected, in place
            Address.objects.filter(pk=door.pop("id")).update(**door)
        if "household_id" in before and person.household_id:
            moved_to.add(person.household_id)
        for key, value in before.items():
            field = Person._meta.get_field(key.removesuffix("_id"))
            if key.endswith("_id") or value is None:
                setattr(person, key, value)
            else:
                setattr(person, key, field.to_python(value))
        person.save()
        for key, value in custom.items():
            qs = CustomFieldValue.objects.filter(person=person, field__key=key)
            if value is None:
                qs.delete()
            else:
                qs.update(value=value)
        restored += 1
    # Contact points and ids this import added to existing people go too.
    ContactPoint.objects.filter(
        person_id__in=batch.changes.filter(action="updated").values("person_id"),
        source="import",
        created_at__gte=batch.created_at,
    ).delete()
    households = set(Household.objects.filter(members__pk__in=created).values_list("id", flat=True))
    for start in range(0, len(created), 5000):
        Person.objects.filter(pk__in=created[start : start + 5000]).delete()
    # Households left empty that did not exist before the import began: it made them.
    made = Household.objects.filter(pk__in=moved_to, created_at__gte=batch.created_at)
    households.update(made.values_list("id", flat=True))
    empty = Household.objects.filter(pk__in=households, members__isnull=True)
    addresses = list(empty.values_list("address_id", flat=True))
    empty.delete()
    Address.objects.filter(pk__in=[a for a in addresses if a], households__isnull=True).delete()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.ROLLED_BACK,
        rolled_back_at=timezone.now(),
        rolled_back_by=access.user_or_none(actor),
    )
    counts = {"removed": len(created), "restored": restored}
    audit.record(actor=actor, action="people.import_rolled_back", obj=batch, detail=counts)
    return counts


@transaction.atomic
def import_again(*, actor: Any, batch: ImportBatch) -> ImportBatch:
    """The real import after a dry run, or a re-run of one that failed or died midway.

    Rows finished before a stop were committed batch by batch; running the file again matches
    them (identifier, then name + birth date + address), so nothing is duplicated.
    """
    access.require_object(actor, IMPORT, batch)
    if batch.status == ImportBatch.Status.RUNNING and batch.is_stale:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
        batch.status = ImportBatch.Status.FAILED
    again = (batch.dry_run and batch.status == ImportBatch.Status.SUCCEEDED) or (
        not batch.dry_run and batch.status == ImportBatch.Status.FAILED
    )
    if not again:
        raise Conflict(_("Wait for the check to finish first."))
    if not batch.stored_path or not Path(batch.stored_path).is_file():
        raise Conflict(
            _("The file of this import was deleted after the retention window; upload it again.")
        )
    if _running_elsewhere(batch.sha256):
        raise Conflict(_("This file is being imported right now; wait for that import to finish."))
    return ImportBatch.objects.create(
        filename=batch.filename,
        stored_path=batch.stored_path,
        sha256=batch.sha256,
        size=batch.size,
        mapping=batch.mapping,
        template=batch.template,
        dry_run=False,
        created_by=access.user_or_none(actor),
        area=home_area(actor),
    )
