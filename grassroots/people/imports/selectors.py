"""Reads for imports: the list of batches, one batch, its rejected rows and values as CSV, the
words for what an import changed, and the person-timeline entries of imports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from grassroots.people.exports.services import safe_cell
from grassroots.people.imports.limits import import_limits
from grassroots.people.imports.reader import ImportFileError, open_sheet
from grassroots.people.models import (
    CustomField,
    ImportBatch,
    ImportChange,
    ImportNotice,
    ImportRejection,
    Person,
)
from grassroots.people.selectors import TimelineEntry

# The column added to the rejected rows (the mapping does not map it, so the file, once fixed,
# imports with the same mapping).
REASON_COLUMN = "Grassroots: why rejected"


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
    """The rejected rows as the original file has them, streamed, to fix and import again with
    the same mapping: a BOM, the file's header and each rejected record, with one more column
    at the end, the reason. The one writer of every rejected-rows file: the screen's and the
    API's download and ``grassroots import --rejects`` (write it with ``rejected_rows_write``).

    Every cell is defused (``safe_cell``): a cell a spreadsheet would run as a formula
    (``=HYPERLINK(…)``, ``+``, ``-``, ``@``, tab, CR) comes back with a leading ``'``, like every
    file the app writes — the rows come from someone else's file. A CSV record with no such
    cell comes back as its exact text. A workbook's rows come back as CSV cells. When the file
    is gone (past the retention window), ``line,reason,original``."""
    try:
        sheet = open_sheet(batch.stored_path, limits=import_limits())
    except (ImportFileError, OSError):
        sheet = None
    rejections = (
        ImportRejection.objects.filter(batch=batch).order_by("line").iterator(chunk_size=2000)
    )
    if sheet is None:
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(["line", "reason", "original"])
        for r in rejections:
            yield writer.writerow([r.line, safe_cell(r.reason), safe_cell(r.raw)])
        return
    sheet.close()
    if sheet.format == "csv":
        delimiter = sheet.delimiter or ","
        end = csv.writer(_Echo(), delimiter=delimiter, lineterminator="")
        header = _safe_record(sheet.header_raw, delimiter, end)
        yield "\ufeff" + header + delimiter + end.writerow([REASON_COLUMN]) + "\r\n"
        for r in rejections:
            record = _safe_record(r.raw, delimiter, end)
            yield record + delimiter + end.writerow([safe_cell(r.reason)]) + "\r\n"
        return
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(
        [*(safe_cell(c) for c in sheet.header_raw_cells), REASON_COLUMN]
    )
    for r in rejections:
        yield writer.writerow([*(safe_cell(c) for c in r.raw.split("\t")), safe_cell(r.reason)])


def _safe_record(raw: str, delimiter: str, writer) -> str:
    """One CSV record's text with its cells defused: the exact text when no cell needs it."""
    try:
        cells = next(csv.reader(io.StringIO(raw, newline=""), delimiter=delimiter), [])
    except csv.Error:  # not one record (a stray quote): all of it in one defused cell
        return writer.writerow([safe_cell(raw)])
    safe = [safe_cell(c) for c in cells]
    return raw if safe == cells else writer.writerow(safe)


def rejected_rows_write(batch: ImportBatch, path) -> None:
    """``rejected_rows_csv`` into a file (the command line's ``--rejects``)."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        for chunk in rejected_rows_csv(batch):
            out.write(chunk)


def rejected_values_csv(batch: ImportBatch) -> Iterator[str]:
    """The values an import left out (the rows were imported without them), streamed as CSV:
    ``line,column,value,reason``."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(["line", "column", "value", "reason"])
    for n in (
        ImportNotice.objects.filter(batch=batch, kind=ImportNotice.Kind.VALUE)
        .order_by("line", "id")
        .iterator(chunk_size=2000)
    ):
        yield writer.writerow(
            [n.line, safe_cell(n.column), safe_cell(n.value), safe_cell(n.reason)]
        )


def repeated_rows(batch: ImportBatch, limit: int = 20) -> list[dict[str, Any]]:
    """The first repeated rows of an import in the reader's words: the line kept, why (the
    later row, or the row with the newest date in the deciding column) and what differs."""
    column = ((batch.mapping or {}).get("options") or {}).get("newest_by", "")
    out = []
    for n in ImportNotice.objects.filter(batch=batch, kind=ImportNotice.Kind.REPEATED)[:limit]:
        other, _sp, dates = n.column.partition(" ")
        kept, _sp, left = dates.partition(" ")
        if not dates:  # keep_repeated = later: the notice names the earlier line only
            why = _("repeats line %(earlier)s; the later row was kept") % {"earlier": other}
        elif kept == "-":
            why = _(
                "same person as line %(other)s; neither has a date in “%(column)s”: the later "
                "row was kept"
            ) % {"other": other, "column": column}
        elif kept == left:
            why = _(
                "same person as line %(other)s; the same “%(column)s”: the later row was kept"
            ) % {"other": other, "column": column}
        else:
            why = _(
                "same person as line %(other)s; the row of %(date)s was kept (newer “%(column)s”)"
            ) % {"other": other, "date": kept, "column": column}
        out.append({"line": n.line, "why": why, "value": n.value})
    return out


def change_labels(fields: list[str]) -> list[str]:
    """What an import changed, in the reader's words (``age``, ``address``, ``phone``…)."""
    special = {
        "address": _("address"),
        "area": _("area"),
        "phone": pgettext("contact channel", "phone"),
        "email": pgettext("contact channel", "email"),
        "identifier": _("voter id"),
        "vote_history": _("vote history"),
    }
    custom = None
    out: list[str] = []
    for name in fields:
        if name in special:
            label = special[name]
        elif name.startswith("custom:"):
            if custom is None:
                custom = dict(CustomField.objects.values_list("key", "label"))
            label = str(custom.get(name[7:], name[7:]))
        else:
            try:
                label = str(Person._meta.get_field(name).verbose_name)
            except FieldDoesNotExist:
                label = name.replace("_", " ")
        if label not in out:
            out.append(label)
    return out


def timeline_entries(person: Person, limit: int) -> list[TimelineEntry]:
    """One entry per import that created or changed this person, listing what it changed."""
    entries = []
    for change in (
        ImportChange.objects.filter(person_id=person.pk, batch__dry_run=False)
        .select_related("batch", "batch__created_by")
        .order_by("-id")[:limit]
    ):
        batch = change.batch
        if change.action == ImportChange.Action.CREATED:
            title, body = _("Added by an import"), batch.filename
        else:
            title = _("Changed by an import")
            body = _("%(file)s: %(fields)s") % {
                "file": batch.filename,
                "fields": ", ".join(change_labels(change.fields or sorted(change.before))),
            }
        entries.append(
            TimelineEntry(
                batch.finished_at or batch.created_at,
                "import",
                title,
                body,
                batch.created_by.get_username() if batch.created_by else "",
                _("rolled back") if batch.status == ImportBatch.Status.ROLLED_BACK else "",
            )
        )
    return entries
