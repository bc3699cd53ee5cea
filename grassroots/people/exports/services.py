"""Write people to CSV or XLSX: any filter, chosen columns, streamed in chunks.

The rows come from ``selectors.person_list`` so an export holds exactly the people the actor
sees on the screen with the same filters (ARCHITECTURE §3.6). The file is written chunk by
chunk (``iterator(chunk_size=...)`` with prefetches; openpyxl's write-only workbook), so memory
stays flat however many people match.

Spreadsheet formula injection (OWASP "CSV injection"): every text cell goes through
``safe_cell``; see its docstring for the rule.
"""

from __future__ import annotations

import csv
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.people import selectors
from grassroots.people.filters import PersonFilter
from grassroots.people.models import ContactPoint, Person, Tagging

CHUNK_SIZE = 2000
FORMATS = {"csv": "CSV", "xlsx": "Excel (XLSX)"}
EXPORT_DIR = "exports"  # under MEDIA_ROOT


# --- cells ------------------------------------------------------------------------------------

# OWASP's list (= + - @ tab CR) plus their full-width forms, which some spreadsheet locales
# (e.g. Japanese IME input in Excel) also treat as the start of a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_E164 = re.compile(r"\+\d{1,15}")


def safe_cell(value: Any) -> str:
    """A cell's text, defused so a spreadsheet cannot run it as a formula.

    Rule: if the text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or a
    full-width ``＝ ＋ － ＠``) — also after leading spaces — prefix it with ``'``. The single
    exception is an E.164 phone number, ``+`` followed by digits only (``+919830012345``):
    phones are stored that way, no spreadsheet evaluates it as anything but a number or text,
    and a prefix would corrupt every phone column. Anything else is prefixed, even ``-5``:
    strict and simple beats clever.
    """
    if value is None:
        return ""
    text = str(value)
    if not text:
        return text
    if _E164.fullmatch(text):
        return text
    if text.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


# --- columns ----------------------------------------------------------------------------------


def _dt(value) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).replace(microsecond=0, tzinfo=None).isoformat(sep=" ")


def _str(value) -> str:
    return "" if value is None else str(value)


def _first_cp(person: Person, channel: str, *, whatsapp: bool = False) -> str:
    # ``contact_points`` is prefetched in model order: the primary one first.
    for cp in person.contact_points.all():
        if cp.channel == channel and (cp.whatsapp or not whatsapp):
            return cp.value
    return ""


def _address(person: Person) -> str:
    hh = person.household
    return hh.address.one_line() if hh is not None and hh.address is not None else ""


def _tags(person: Person) -> str:
    return ", ".join(sorted((t.tag.name for t in person.taggings.all()), key=str.casefold))


EXPORT_COLUMNS: dict[str, tuple[Any, Callable[[Person], str]]] = {
    "id": (gettext_lazy("ID"), lambda p: str(p.pk)),
    "given_name": (gettext_lazy("Given name"), lambda p: p.given_name),
    "middle_name": (gettext_lazy("Middle name"), lambda p: p.middle_name),
    "family_name": (gettext_lazy("Family name"), lambda p: p.family_name),
    "full_name": (gettext_lazy("Full name"), lambda p: p.full_name),
    "native_name": (gettext_lazy("Name in native script"), lambda p: p.native_name),
    "gender": (gettext_lazy("Gender"), lambda p: p.gender),
    "birth_date": (gettext_lazy("Birth date"), lambda p: _str(p.birth_date)),
    "age": (gettext_lazy("Age"), lambda p: _str(p.display_age)),
    "relation_type": (gettext_lazy("Relation"), lambda p: p.relation_type),
    "relative_name": (gettext_lazy("Relative's name"), lambda p: p.relative_name),
    "preferred_language": (gettext_lazy("Preferred language"), lambda p: p.preferred_language),
    "support_score": (gettext_lazy("Support score"), lambda p: _str(p.support_score)),
    "status": (gettext_lazy("Status"), lambda p: p.status),
    "do_not_contact": (
        gettext_lazy("Do not contact"),
        lambda p: "yes" if p.do_not_contact else "no",
    ),
    "area_code": (gettext_lazy("Area code"), lambda p: p.area.code if p.area else ""),
    "area_name": (gettext_lazy("Area"), lambda p: p.area.name if p.area else ""),
    "serial_number": (gettext_lazy("Serial number"), lambda p: _str(p.serial_number)),
    "household_id": (gettext_lazy("Household ID"), lambda p: _str(p.household_id)),
    "address": (gettext_lazy("Address"), _address),
    "phone": (gettext_lazy("Phone"), lambda p: _first_cp(p, "phone")),
    "whatsapp": (gettext_lazy("WhatsApp"), lambda p: _first_cp(p, "phone", whatsapp=True)),
    "email": (gettext_lazy("Email"), lambda p: _first_cp(p, "email")),
    "external_ids": (
        gettext_lazy("External IDs"),
        lambda p: " ".join(sorted(str(x) for x in p.external_ids.all())),
    ),
    "tags": (gettext_lazy("Tags"), _tags),
    "last_contacted_at": (gettext_lazy("Last contacted"), lambda p: _dt(p.last_contacted_at)),
    "created_at": (gettext_lazy("Added"), lambda p: _dt(p.created_at)),
}

DEFAULT_COLUMNS = [
    "id",
    "full_name",
    "native_name",
    "gender",
    "age",
    "area_code",
    "area_name",
    "serial_number",
    "address",
    "phone",
    "email",
    "support_score",
    "tags",
]

# Written as numbers in XLSX (every other cell is text, so Excel never reinterprets a value).
NUMERIC_COLUMNS = {"id", "age", "support_score", "serial_number", "household_id"}

_CONTACT_COLUMNS = {"phone", "whatsapp", "email"}


def validate_export(columns: Iterable[str], fmt: str) -> list[str]:
    """The chosen columns, checked; raises ``ValidationError`` on anything unknown."""
    columns = list(columns or [])
    errors = {}
    if not columns:
        errors["columns"] = _("Choose at least one column.")
    else:
        unknown = [c for c in columns if c not in EXPORT_COLUMNS]
        if unknown:
            errors["columns"] = _("Unknown column: %(cols)s.") % {
                "cols": ", ".join(str(c)[:40] for c in unknown[:5])
            }
        elif len(set(columns)) != len(columns):
            errors["columns"] = _("Each column can be chosen once.")
    if fmt not in FORMATS:
        errors["format"] = _("Unknown format “%(fmt)s”: choose CSV or XLSX.") % {
            "fmt": str(fmt)[:20]
        }
    if errors:
        raise ValidationError(errors)
    return columns


def export_filters(params) -> dict[str, list[str]]:
    """The person-list filters in ``params`` (a QueryDict or dict) as JSON-safe lists.

    Only the names ``PersonFilter`` knows survive (so ``columns``, ``format``, the CSRF token
    and ``page`` never end up in a job's arguments or the audit record); empty values go.
    """
    cleaned = selectors.clean_filter_params(params)
    return {
        k: [str(v) for v in cleaned.getlist(k)] for k in PersonFilter.base_filters if k in cleaned
    }


def export_queryset(
    *, actor: Any, filters: dict, columns: list[str], people: QuerySet[Person] | None = None
) -> QuerySet[Person]:
    """``person_list`` (scope + filters), with only the joins the chosen columns need.

    ``people``: export these instead (already scoped by the caller — a segment or a list from
    the lists app), in a stable order."""
    if people is not None:
        qs = people.select_related("area").order_by("family_name", "given_name", "id")
    else:
        qs = selectors.person_list(actor=actor, filters=filters).prefetch_related(None)
    if "address" in columns:
        qs = qs.select_related("household__address")
    prefetches: list[Any] = []
    channels = {"email" if c == "email" else "phone" for c in _CONTACT_COLUMNS & set(columns)}
    if channels:
        cps = ContactPoint.objects.filter(channel__in=sorted(channels))
        prefetches.append(Prefetch("contact_points", queryset=cps))
    if "external_ids" in columns:
        prefetches.append("external_ids")
    if "tags" in columns:
        prefetches.append(Prefetch("taggings", queryset=Tagging.objects.select_related("tag")))
    return qs.prefetch_related(*prefetches) if prefetches else qs


def filter_summary(filters: dict) -> list[tuple[str, str]]:
    """Human-readable ``(label, value)`` pairs for the filters in use (for the export form)."""
    fs = PersonFilter(selectors.clean_filter_params(filters), queryset=Person.objects.none())
    if not fs.is_valid():
        return []
    out = []
    for name, value in fs.form.cleaned_data.items():
        if name == "sort" or value in (None, "", [], ()):
            continue
        field = fs.form.fields[name]
        if name == "area":
            text = value.name
        elif name == "tag":
            text = ", ".join(t.name for t in value)
            if not text:
                continue
        elif hasattr(field, "choices"):
            labels = {str(k): str(v) for k, v in field.choices}
            values = value if isinstance(value, list | tuple) else [value]
            text = ", ".join(labels.get(str(v), str(v)) for v in values)
        elif isinstance(value, bool):
            text = _("yes") if value else _("no")
        else:
            text = str(value)
        out.append((str(field.label or name), text))
    return out


# --- writers ----------------------------------------------------------------------------------


def export_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / EXPORT_DIR


def _rows(people: Iterator[Person], getters: list[Callable[[Person], str]]):
    for person in people:
        yield [safe_cell(get(person)) for get in getters]


def _write_csv(path: Path, header: list[str], rows) -> Iterator[int]:
    # UTF-8 with a BOM: Excel then opens Bengali/Devanagari text correctly.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            yield 1


def _write_xlsx(path: Path, header: list[str], rows, numeric: set[int]) -> Iterator[int]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("People")[:31])
    ws.freeze_panes = "A2"

    def text(value: str, bold: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # always a string: never parsed as a formula, date or number
        if bold:
            cell.font = Font(bold=True)
        return cell

    ws.append([text(h, bold=True) for h in header])
    for row in rows:
        ws.append(
            [
                int(v) if i in numeric and v.isdigit() and v.isascii() else text(v)
                for i, v in enumerate(row)
            ]
        )
        yield 1
    wb.save(path)


def export_people(
    *,
    actor: Any,
    filters: dict,
    columns: list[str],
    fmt: str,
    reporter: Any = None,
    people: QuerySet[Person] | None = None,
) -> Path:
    """Write the people ``actor`` sees with ``filters`` to a CSV/XLSX file; return its path.

    ``reporter`` (a ``core.jobs.JobReporter``) gets ``job.total`` set to the row count first,
    then ``advance(rows_written)`` as the file grows. The file is named after the job (or a
    fresh uuid) under ``MEDIA_ROOT/exports/`` and only appears there once complete.
    """
    columns = validate_export(columns, fmt)
    qs = export_queryset(actor=actor, filters=filters, columns=columns, people=people)
    if reporter is not None:
        reporter.job.total = qs.count()
        reporter.advance(0, force=True)

    name = str(reporter.job.pk) if reporter is not None else uuid.uuid4().hex
    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.{fmt}"
    partial = folder / f"{name}.{fmt}.part"

    header = [str(EXPORT_COLUMNS[c][0]) for c in columns]
    getters = [EXPORT_COLUMNS[c][1] for c in columns]
    rows = _rows(qs.iterator(chunk_size=CHUNK_SIZE), getters)
    if fmt == "csv":
        progress = _write_csv(partial, header, rows)
    else:
        numeric = {i for i, c in enumerate(columns) if c in NUMERIC_COLUMNS}
        progress = _write_xlsx(partial, header, rows, numeric)
    written = 0
    try:
        for n in progress:
            written += n
            if reporter is not None:
                reporter.advance(written)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
    if reporter is not None:
        reporter.job.total = written
        reporter.advance(written, force=True)
    return path
