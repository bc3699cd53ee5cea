"""A booth's (or any area's) coverage: who is on file, how many can be reached, how many were
contacted lately, and where they stand — the figures on the area page (``AreaPanel``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from grassroots.core import access
from grassroots.geography.models import Area
from grassroots.people import support
from grassroots.people.models import ContactPoint
from grassroots.people.selectors import person_visible_to

RECENT_DAYS = 30
USABLE = [ContactPoint.Status.ACTIVE, ContactPoint.Status.UNVERIFIED]


def area_coverage(
    *, actor: Any, area: Area, now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """The figures for the people of ``area`` (and the areas inside it) that ``actor`` may
    see, in one query; ``None`` without ``people.view``."""
    if not access.can(actor, "people.view"):
        return None
    since = (now or timezone.now()) - dt.timedelta(days=RECENT_DAYS)
    people = person_visible_to(actor).filter(area__path__startswith=area.path)

    def reachable(channel: str) -> Q:
        return Q(
            Exists(
                ContactPoint.objects.filter(
                    person_id=OuterRef("pk"), channel=channel, status__in=USABLE
                )
            )
        )

    row = people.order_by().aggregate(
        electors=Count("id"),
        households=Count("household_id", distinct=True),
        alone=Count("id", filter=Q(household_id__isnull=True)),
        phone=Count("id", filter=reachable("phone")),
        email=Count("id", filter=reachable("email")),
        contacted=Count("id", filter=Q(last_contacted_at__gte=since)),
        **{f"s{n}": Count("id", filter=Q(support_score=n)) for n in support.SCALE},
    )
    electors = row["electors"] or 0

    def share(n: int) -> int:
        return round(100 * n / electors) if electors else 0

    scores = [
        {"score": n, "label": str(label), "n": row[f"s{n}"], "pct": share(row[f"s{n}"])}
        for n, label in support.SCALE.items()
    ]
    unknown = electors - sum(s["n"] for s in scores)
    return {
        "electors": electors,
        "households": (row["households"] or 0) + (row["alone"] or 0),
        "phone": row["phone"],
        "phone_pct": share(row["phone"]),
        "email": row["email"],
        "contacted": row["contacted"],
        "contacted_pct": share(row["contacted"]),
        "days": RECENT_DAYS,
        "support": scores,
        "unknown": unknown,
        "unknown_pct": share(unknown),
    }


def area_panel(request: Any, area: Area) -> dict[str, Any] | None:
    """The area page's coverage panel (``geography.selectors.area_panels``)."""
    coverage = area_coverage(actor=request.user, area=area)
    return {"coverage": coverage} if coverage is not None else None
