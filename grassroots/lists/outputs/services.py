"""Produce one output for a segment, a list or a part: check, bound, build, audit, render.

Who may: ``lists.manage``. What they get: only people inside their own scope (the people come
from ``lists.selectors``), and only of a segment or list they can see (``None`` from
``source_get`` otherwise — the view answers 404, the same as for a missing one).

Size: CSVs are streamed whatever their size. A PDF is made in the request, up to
``LISTS_PDF_LIMIT`` (setting; default 3,000) doors for walk lists and labels, people for call
lists, page lists and slips; above it the answer is a clear error asking to split the turf,
with the offer to make it in the background instead (``outputs.jobs``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from grassroots.core import access, audit
from grassroots.geography.selectors import area_visible_to
from grassroots.lists import selectors
from grassroots.lists.outputs import documents, labels, rows, tables
from grassroots.lists.outputs.pdf import PAPERS
from grassroots.people.models import Person

CAPABILITY = "lists.print"  # what the download screens and jobs ask for
# A segment's or a list's outputs also need the right to work with segments and lists; an
# area's (a booth's page list, slips, walk and call lists) only the right to print.
SOURCE_CAPABILITY = {"segment": "lists.manage", "list": "lists.manage", "area": CAPABILITY}


def require_print(actor: Any, kind: str) -> None:
    access.require(actor, CAPABILITY)
    access.require(actor, SOURCE_CAPABILITY.get(kind, "lists.manage"))


DEFAULT_PDF_LIMIT = 3000  # ≈ 11 s for a walk list (bench/lists.py: ≈ 3.5 s per 1,000 doors)

# output -> formats it comes in
OUTPUTS: dict[str, tuple[str, ...]] = {
    "walk-list": ("pdf", "csv"),
    "call-list": ("pdf", "csv"),
    "mail-list": ("csv",),
    "mail-labels": ("pdf",),
    "page-list": ("pdf", "csv"),
    "booth-slips": ("pdf",),
}
OUTPUT_PATTERN = "|".join(OUTPUTS)


class OutputTooLarge(ValidationError):
    """More doors or people than a PDF made in the request may hold."""


@dataclass
class Source:
    kind: str  # "segment" | "list" | "area"
    obj: Any
    name: str
    people: QuerySet[Person]


@dataclass
class Rendered:
    filename: str
    content_type: str
    body: bytes | Iterator[str]
    streaming: bool = False
    detail: dict | None = None


def pdf_limit() -> int:
    return int(getattr(settings, "LISTS_PDF_LIMIT", DEFAULT_PDF_LIMIT))


def source_get(*, actor: Any, kind: str, key: Any) -> Source | None:
    """The segment / list / area ``key`` and its people as ``actor`` may see them, or ``None``.

    Raises ``compiler.DefinitionError`` for a segment that no longer compiles (say, it refers
    to a list since deleted)."""
    if kind == "segment":
        segment = selectors.segment_visible_to(actor).filter(pk=key).first()
        if segment is None:
            return None
        people = selectors.segment_people(actor=actor, definition=segment.definition)
        return Source(kind, segment, segment.name, people)
    if kind == "list":
        person_list = selectors.list_visible_to(actor).filter(pk=key).first()
        if person_list is None:
            return None
        return Source(
            kind,
            person_list,
            person_list.name,
            selectors.list_people(actor=actor, person_list=person_list),
        )
    if kind == "area":
        area = area_visible_to(actor).filter(code=key).first()
        if area is None:
            return None
        people = selectors.person_visible_to(actor).filter(area__path__startswith=area.path)
        return Source(kind, area, f"{area.name} ({area.code})", people)
    return None


def options_clean(output: str, fmt: str, params: dict) -> dict:
    if fmt not in OUTPUTS.get(output, ()):
        raise ValidationError(_("There is no %(fmt)s of that.") % {"fmt": fmt.upper()})
    paper = (params.get("paper") or "a4").lower()
    if paper not in PAPERS:
        raise ValidationError(_("Paper must be A4 or Letter."))
    sheet = params.get("sheet") or labels.DEFAULT_SHEET
    if output == "mail-labels" and sheet not in labels.SHEETS:
        raise ValidationError(
            _("Unknown label sheet “%(s)s”: choose %(all)s.")
            % {"s": str(sheet)[:20], "all": ", ".join(labels.SHEETS)}
        )
    out: dict = {"paper": paper}
    if output == "mail-labels":
        out = {"sheet": sheet, "outlines": params.get("outlines") in ("1", "true", "yes")}
    return out


def _check_size(output: str, fmt: str, people: QuerySet[Person]) -> None:
    if fmt != "pdf":
        return
    limit = pdf_limit()
    if output in ("walk-list", "mail-labels"):
        n = rows.household_count(people)
        if n > limit:
            raise OutputTooLarge(
                _(
                    "This would print %(n)s households; a PDF holds at most %(limit)s. "
                    "Split the turf (narrow the segment to a smaller area) or download the CSV."
                )
                % {"n": f"{n:,}", "limit": f"{limit:,}"}
            )
        return
    n = people.count()
    if n > limit:
        raise OutputTooLarge(
            _(
                "This would print %(n)s people; a PDF holds at most %(limit)s. "
                "Split the list (one part or a smaller area at a time) or download the CSV."
            )
            % {"n": f"{n:,}", "limit": f"{limit:,}"}
        )


def output_render(
    *,
    actor: Any,
    source: Source,
    output: str,
    fmt: str,
    params: dict | None = None,
    ip_address: str | None = None,
    bounded: bool = True,
    audited: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Rendered:
    """Build ``output`` (``OUTPUTS``) as ``fmt`` for ``source``; audited as
    ``list.output_downloaded`` with what was printed and how many.

    A background job (``outputs.jobs``) passes ``bounded=False`` (no size limit) and
    ``audited=False`` (it audits when the file is downloaded)."""
    require_print(actor, source.kind)
    options = options_clean(output, fmt, params or {})
    if bounded:
        _check_size(output, fmt, source.people)
    today = timezone.localdate()
    meta = documents.Meta(
        title=source.name,
        printed_by=actor.get_username(),
        printed_on=formats.date_format(today, "DATE_FORMAT"),
        paper=options.get("paper", "a4"),
    )
    counts: dict[str, int] = {}
    body: bytes | Iterator[str]
    if output == "walk-list":
        walk = rows.walk_list(source.people, today=today)
        counts = {"households": walk.doors, "people": walk.people}
        body = documents.walk_pdf(walk, meta) if fmt == "pdf" else tables.walk_csv(walk)
    elif output == "call-list":
        calls = rows.call_list(source.people, today=today)
        counts = {"people": len(calls)}
        body = documents.call_pdf(calls, meta) if fmt == "pdf" else tables.call_csv(calls)
    elif output in ("mail-list", "mail-labels"):
        mailings = rows.mail_list(source.people)
        counts = {"households": len(mailings)}
        if fmt == "pdf":
            body = documents.labels_pdf(
                mailings, labels.SHEETS[options["sheet"]], meta, outlines=options["outlines"]
            )
        else:
            body = tables.mail_csv(mailings)
    else:
        parts = rows.booth_list(source.people, today=today)
        counts = {"people": sum(len(p.voters) for p in parts), "parts": len(parts)}
        if fmt == "csv":
            body = tables.booth_csv(parts)
        elif output == "page-list":
            meta.title = _("Page list")
            body = documents.page_list_pdf(parts, meta)
        else:
            body = documents.slips_pdf(parts, meta, progress=progress)
    detail = {"source": source.kind, "output": output, "format": fmt, **options, **counts}
    if audited:
        audit.record(
            actor=actor,
            action="list.output_downloaded",
            obj=source.obj,
            detail=detail,
            ip_address=ip_address,
        )
    stem = slugify(source.name, allow_unicode=True)[:60] or source.kind
    return Rendered(
        filename=f"{stem}-{output}-{today:%Y%m%d}.{fmt}",
        content_type="application/pdf" if fmt == "pdf" else "text/csv; charset=utf-8",
        body=body,
        streaming=fmt == "csv",
        detail=detail,
    )


def area_prints_panel(request: Any, area: Any) -> dict | None:
    """The area page's "Prints" panel (``geography.selectors.area_panels``): a booth's page
    list, voter slips, walk list and call list, for those who may print an area."""
    if not access.can(request.user, CAPABILITY):
        return None
    return {"polling_unit": area.kind.is_polling_unit}
