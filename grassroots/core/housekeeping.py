"""Housekeeping: delete what has outlived its retention.

Apps register functions ``(now) -> dict[str, int]`` in ``core.registry.housekeeping`` from
``AppConfig.ready()`` (people: export files, import rollback data); ``housekeeping_run`` calls
them all and audits what went. It runs as ``core.tasks.housekeeping_task`` — ``grassroots serve``
queues it every hour — or from the command line: ``grassroots housekeeping``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from grassroots.core import audit
from grassroots.core.access import SYSTEM
from grassroots.core.registry import housekeeping

log = logging.getLogger(__name__)


def housekeeping_run(now: dt.datetime | None = None) -> dict[str, int]:
    """Run every registered clean-up; return the summed counts (e.g. ``exports_deleted``)."""
    now = now or timezone.now()
    totals: dict[str, int] = {}
    for clean in housekeeping:
        for key, value in (clean(now) or {}).items():
            totals[key] = totals.get(key, 0) + value
    if any(totals.values()):
        audit.record(actor=SYSTEM, action="core.housekeeping", detail=totals)
        log.info("housekeeping: %s", totals)
    return totals
