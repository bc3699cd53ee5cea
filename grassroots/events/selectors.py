"""Reads for events. Organiser reads start from ``visible_to(actor)``; the public pages (no
login) read only through the explicit ``public_*`` selectors: published, public or unlisted
events, and never the virtual link (that is shown through a registration's token)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from grassroots.events.models import Event, EventType, Registration, Shift

R = Registration.Status
EARTH_KM = 6371.0


def event_types() -> QuerySet[EventType]:
    return EventType.objects.all()


def event_list(
    *,
    actor: Any,
    q: str = "",
    type: str = "",
    status: str = "",
    when: str = "upcoming",
    area=None,
) -> QuerySet[Event]:
    """The organiser's list: what the actor may see, with sign-up totals (two aggregates in
    the same query, no query per row)."""
    qs = Event.objects.visible_to(actor).select_related("type", "area")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(address__icontains=q))
    if type:
        qs = qs.filter(type__slug=type)
    if status in Event.Status.values:
        qs = qs.filter(status=status)
    now = timezone.now()
    qs = qs.order_by("starts_at", "id")
    if when == "upcoming":
        qs = qs.filter(ends_at__gte=now)
    elif when == "past":
        qs = qs.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    if area is not None:
        qs = qs.filter(area__path__startswith=area.path)
    return qs.annotate(places=Sum("shifts__capacity"), confirmed=Sum("shifts__confirmed_count"))


def event_get(*, actor: Any, pk: Any) -> Event:
    from grassroots.core import access

    return access.get_visible(
        Event.objects.select_related("type", "area", "contact_person", "created_by"), actor, pk=pk
    )


def event_shifts(event: Event) -> list[Shift]:
    return list(
        event.shifts.annotate(
            waitlisted=Count("registrations", filter=Q(registrations__status=R.WAITLISTED))
        )
    )


def event_registrations(
    event: Event, *, status: str = "", people_of: Any = None
) -> QuerySet[Registration]:
    """The event's sign-ups; with ``people_of`` (an actor), only those of people they may see."""
    qs = event.registrations.select_related("person", "shift").order_by(
        "shift__position", "shift__starts_at", "status", "waitlist_position", "created_at", "id"
    )
    if status in R.values:
        qs = qs.filter(status=status)
    if people_of is not None:
        from grassroots.people.models import Person

        qs = qs.filter(person__in=Person.objects.visible_to(people_of).values("pk"))
    return qs


def registration_list(*, actor: Any) -> QuerySet[Registration]:
    return Registration.objects.visible_to(actor).select_related("person", "shift", "event")


def person_registrations(person_id: int, limit: int = 20) -> list[Registration]:
    return list(
        Registration.objects.filter(person_id=person_id)
        .select_related("event", "event__type", "shift")
        .order_by("-shift__starts_at")[:limit]
    )


# --- public ----------------------------------------------------------------------------------


def public_events() -> QuerySet[Event]:
    return Event.objects.filter(
        status=Event.Status.PUBLISHED,
        visibility__in=[Event.Visibility.PUBLIC, Event.Visibility.UNLISTED],
    )


@dataclass
class PublicFilters:
    type: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    lat: float | None = None
    lon: float | None = None
    km: float | None = None


def _box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    dlat = math.degrees(km / EARTH_KM)
    dlon = math.degrees(km / (EARTH_KM * max(math.cos(math.radians(lat)), 0.01)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def public_event_list(filters: PublicFilters, *, limit: int = 200) -> list[Event]:
    """Listed (public, not unlisted) upcoming events matching the filters, soonest first; with
    a point and a distance, those within it (a box in SQL, the exact circle here)."""
    qs = (
        public_events()
        .filter(visibility=Event.Visibility.PUBLIC, ends_at__gte=timezone.now())
        .select_related("type")
        .only(
            "public_id",
            "title",
            "type__slug",
            "type__name",
            "address",
            "latitude",
            "longitude",
            "time_zone",
            "starts_at",
            "ends_at",
        )  # fmt: skip
        .order_by("starts_at", "id")
    )
    if filters.type:
        qs = qs.filter(type__slug=filters.type)
    if filters.date_from:
        qs = qs.filter(ends_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(starts_at__date__lte=filters.date_to)
    near = filters.lat is not None and filters.lon is not None and filters.km
    if near:
        lat0, lat1, lon0, lon1 = _box(filters.lat, filters.lon, filters.km)
        qs = qs.filter(
            latitude__gte=lat0, latitude__lte=lat1, longitude__gte=lon0, longitude__lte=lon1
        )
    rows = list(qs[: limit * (3 if near else 1)])
    if near:
        for e in rows:
            e.distance = distance_km(filters.lat, filters.lon, e.latitude, e.longitude)
        rows = [e for e in rows if e.distance <= filters.km][:limit]
    return rows


def public_event_get(public_id: Any) -> Event | None:
    try:
        return (
            public_events()
            .select_related("type")
            .defer("created_by", "contact_person", "series", "area")
            .prefetch_related(
                Prefetch("shifts", queryset=Shift.objects.order_by("position", "starts_at", "id"))
            )
            .filter(public_id=public_id)
            .first()
        )
    except Exception:  # a malformed UUID is an unknown event
        return None


def public_event_version(public_id: Any) -> tuple[int, tuple] | None:
    """A public event's primary key and what its public page shows that can change (the
    event's last edit, its end, each shift's times and places taken), without loading the
    event: the key under which its rendered page is kept. ``None`` when there is no such
    public event. One hand-written statement (it runs on every visit to a public event page;
    the ORM took longer to write it than the database to answer it)."""
    import uuid

    from django.db import connection
    from django.utils.dateparse import parse_datetime

    try:
        value = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except ValueError:
        return None
    q = connection.ops.quote_name
    e, s = q(Event._meta.db_table), q(Shift._meta.db_table)
    # names quoted from the models' metadata; every value is a parameter
    sql = (
        f"SELECT e.{q('id')}, e.{q('updated_at')}, e.{q('ends_at')}, s.{q('id')},"  # noqa: S608
        f" s.{q('capacity')}, s.{q('confirmed_count')}, s.{q('starts_at')}, s.{q('ends_at')}"
        f" FROM {e} e LEFT JOIN {s} s ON s.{q('event_id')} = e.{q('id')}"
        f" WHERE e.{q('public_id')} = %s AND e.{q('status')} = %s"
        f" AND e.{q('visibility')} IN (%s, %s)"
        f" ORDER BY s.{q('position')}, s.{q('starts_at')}, s.{q('id')}"
    )
    params = [
        Event._meta.get_field("public_id").get_db_prep_value(value, connection),
        Event.Status.PUBLISHED.value,
        Event.Visibility.PUBLIC.value,
        Event.Visibility.UNLISTED.value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    pk, updated, ends = rows[0][:3]
    if isinstance(ends, str):  # SQLite answers text
        ends = parse_datetime(ends)
    if timezone.is_naive(ends):
        ends = timezone.make_aware(ends, dt.UTC)
    shifts = tuple(r[3:] for r in rows if r[3] is not None)
    return pk, (str(updated), ends, shifts)


def postcode_point(postcode: str) -> tuple[float, float] | None:
    """The middle of the addresses with this postal code (for "near postcode …")."""
    from grassroots.people.models import Address

    code = (postcode or "").strip()
    if not code or len(code) > 20:
        return None
    agg = Address.objects.filter(
        postal_code__iexact=code, latitude__isnull=False, longitude__isnull=False
    ).aggregate(lat=Avg("latitude"), lon=Avg("longitude"))
    if agg["lat"] is None:
        return None
    return agg["lat"], agg["lon"]


# --- figures (dashboard tiles) ---------------------------------------------------------------


def upcoming_with_fill(actor: Any, limit: int = 5) -> list[Event]:
    now = timezone.now()
    return list(
        Event.objects.visible_to(actor)
        .filter(status=Event.Status.PUBLISHED, ends_at__gte=now)
        .annotate(places=Sum("shifts__capacity"), confirmed=Sum("shifts__confirmed_count"))
        .order_by("starts_at", "id")[:limit]
    )


def signups_since(actor: Any, since: dt.datetime) -> int:
    return (
        Registration.objects.visible_to(actor)
        .filter(created_at__gte=since)
        .exclude(status=R.CANCELLED)
        .count()
    )


def no_show_rate(actor: Any, days: int = 90) -> tuple[int, int]:
    """(no-shows, recorded attendances) of the events that ended in the last ``days``."""
    now = timezone.now()
    agg = (
        Registration.objects.visible_to(actor)
        .filter(event__ends_at__lt=now, event__ends_at__gte=now - dt.timedelta(days=days))
        .exclude(attendance=Registration.Attendance.UNKNOWN)
        .aggregate(
            no_show=Count("id", filter=Q(attendance=Registration.Attendance.NO_SHOW)),
            recorded=Count("id"),
        )
    )
    return agg["no_show"], agg["recorded"]
