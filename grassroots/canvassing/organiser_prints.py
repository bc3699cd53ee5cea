"""A turf's walk list, printed (PDF) or downloaded (CSV), in the turf's walk order.

The rows and the layout are the lists app's (``rows.walk_list_in_order``, ``documents.walk_pdf``,
``tables.walk_csv``); the order is the turf's (``Door.position``). Only the people the reader
may see are printed, and each print is audited (personal data leaves the system)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import formats, timezone
from django.utils.text import slugify

from grassroots.canvassing import organiser_selectors as selectors
from grassroots.canvassing.models import Turf
from grassroots.canvassing.services import VIEW
from grassroots.core import access, audit
from grassroots.core.exceptions import Invalid
from grassroots.lists.outputs import documents, rows, tables


@dataclass
class Printed:
    filename: str
    content_type: str
    body: Any
    streaming: bool


def turf_walk_list(*, actor: Any, turf: Turf, fmt: str, ip_address: str | None = None) -> Printed:
    access.require_object(actor, VIEW, turf, access.VIEW)
    if fmt not in ("pdf", "csv"):
        raise Invalid({"format": "pdf or csv"})
    people, order = selectors.walk_people(turf, actor)
    today = timezone.localdate()
    walk = rows.walk_list_in_order(people, order, today=today)
    title = f"{turf.effort.name} · {turf.label}"
    if fmt == "pdf":
        body: Any = documents.walk_pdf(
            walk,
            documents.Meta(
                title=title,
                printed_by=actor.get_username(),
                printed_on=formats.date_format(today, "DATE_FORMAT"),
            ),
        )
    else:
        body = tables.walk_csv(walk)
    audit.record(
        actor=actor,
        action="canvassing.turf_printed",
        obj=turf,
        detail={"format": fmt, "doors": walk.doors, "people": walk.people},
        ip_address=ip_address,
    )
    stem = slugify(f"{turf.effort.name}-{turf.number}", allow_unicode=True)[:60] or "turf"
    return Printed(
        filename=f"{stem}-walk-list-{today:%Y%m%d}.{fmt}",
        content_type="application/pdf" if fmt == "pdf" else "text/csv; charset=utf-8",
        body=body,
        streaming=fmt == "csv",
    )
