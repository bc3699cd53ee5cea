"""Reads for imports: the list of batches, one batch, its rejected rows as CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from grassroots.people.exports.services import safe_cell
from grassroots.people.models import ImportBatch, ImportRejection


def import_batch_list(actor: Any) -> QuerySet[ImportBatch]:
    """The imports the actor may see, newest first: those of their areas and their own (an
    import takes its author's home area; campaign-wide imports only for campaign-wide users)."""
    return (
        ImportBatch.objects.visible_to(actor)
        .select_related("job", "created_by")
        .order_by("-created_at")
    )


def import_batch_get(actor: Any, pk) -> ImportBatch | None:
    try:
        return import_batch_list(actor).filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):  # not a UUID
        return None


class _Echo:
    def write(self, value):
        return value


def rejected_rows_csv(batch: ImportBatch) -> Iterator[str]:
    """The rejected rows as CSV text, streamed: a BOM, ``line,reason,original``, one row each
    (cells that a spreadsheet would run as a formula are defused)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(["line", "reason", "original"])
    for r in ImportRejection.objects.filter(batch=batch).order_by("line").iterator(chunk_size=2000):
        yield writer.writerow([r.line, safe_cell(r.reason), safe_cell(r.raw)])
