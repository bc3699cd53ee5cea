"""Export a segment's or a list's people (chosen columns, CSV/XLSX) as an audited job.

The job is a people export run by the one export runner, the segment or list being its
source (``export_sources``, registered in ``ListsConfig.ready``) (``people.exports.jobs.JOB_KIND``): the same status page, download
(only for the person who started it), file writer, formula-injection defence and retention.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grassroots.core import access, jobs
from grassroots.core.models import Job
from grassroots.lists import selectors
from grassroots.lists.models import PersonList, Segment
from grassroots.people.exports import services as exports
from grassroots.people.exports.jobs import JOB_KIND


def people_of(actor: Any, *, segment_id: int | None = None, list_id: int | None = None):
    """The people to export, checked again (visibility and scope) every time it is asked."""
    if segment_id is not None:
        segment = selectors.segment_visible_to(actor).filter(pk=segment_id).first()
        if segment is None:
            raise PermissionDenied(_("The segment is gone or no longer shared with you."))
        return segment, selectors.segment_people(actor=actor, definition=segment.definition)
    person_list = selectors.list_visible_to(actor).filter(pk=list_id).first()
    if person_list is None:
        raise PermissionDenied(_("The list is gone or no longer shared with you."))
    return person_list, selectors.list_people(actor=actor, person_list=person_list)


def list_export_start(
    *,
    actor: Any,
    columns: list[str],
    fmt: str,
    segment: Segment | None = None,
    person_list: PersonList | None = None,
    ip_address: str | None = None,
) -> Job:
    access.require(actor, "people.export")
    fmt = (fmt or "").lower()
    columns = exports.validate_export(columns, fmt)
    ref = {"segment_id": segment.pk} if segment is not None else {"list_id": person_list.pk}
    obj, people = people_of(actor, **ref)
    count = people.count()
    title = ngettext(
        "Export %(n)s person of “%(name)s” (%(fmt)s)",
        "Export %(n)s people of “%(name)s” (%(fmt)s)",
        count,
    ) % {"n": f"{count:,}", "name": obj.name, "fmt": fmt.upper()}
    source, source_id = ("segment", segment.pk) if segment is not None else ("list", person_list.pk)
    return jobs.runner(JOB_KIND).start(
        actor=actor,
        title=title[:200],
        total=count,
        audit={
            "action": "people.exported",
            "detail": {**ref, "columns": columns, "format": fmt, "rows": count},
            "ip_address": ip_address,
        },
        columns=columns,
        fmt=fmt,
        source=source,
        source_id=source_id,
    )


def export_source(kind: str):
    """The people of a segment or list for the export runner (``people.exports.jobs``
    ``export_sources``), as the actor may see them when the job runs."""

    def people(actor: Any, source_id: int):
        ref = {"segment_id": source_id} if kind == "segment" else {"list_id": source_id}
        return people_of(actor, **ref)[1]

    return people
