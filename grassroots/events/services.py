"""Writes for events: events, series and copies, shifts, registrations (RSVPs).

Each write authorizes → validates → writes → audits → publishes. Capacity is kept exact by a
conditional UPDATE (``confirmed_count < capacity``) and the waitlist is ordered under the
shift's row lock, so concurrent sign-ups never exceed it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import access, audit, events
from grassroots.core.exceptions import Conflict, Invalid, NotFound
from grassroots.core.phones import normalize_email, normalize_phone
from grassroots.events.models import Event, EventSeries, EventType, Registration, Shift
from grassroots.events.rendering import render_description
from grassroots.geography.selectors import home_area
from grassroots.people import services as people_services
from grassroots.people.models import Consent, ContactPoint, Person

MANAGE = "events.manage"
MAX_SERIES = 52
EVENT_FIELDS = (
    "title",
    "type",
    "description",
    "visibility",
    "area",
    "contact_person",
    "address",
    "latitude",
    "longitude",
    "virtual_url",
    "time_zone",
    "starts_at",
    "ends_at",
)


DEFAULT_TYPES = [
    # slug, name, is_virtual (the same list as migration 0002 seeds)
    ("canvass", "Canvass", False),
    ("phone_bank", "Phone bank", False),
    ("text_bank", "Text bank", False),
    ("rally", "Rally", False),
    ("meeting", "Meeting", False),
    ("training", "Training", False),
    ("town_hall", "Town hall", False),
    ("booth_meeting", "Booth meeting", False),
    ("fundraiser", "Fundraiser", False),
    ("virtual", "Virtual event", True),
]


def event_types_ensure() -> None:
    """The built-in event types exist (a flushed test database, a fresh demo)."""
    for position, (slug, name, is_virtual) in enumerate(DEFAULT_TYPES):
        EventType.objects.get_or_create(
            slug=slug, defaults={"name": name, "is_virtual": is_virtual, "position": position}
        )


def _require_event(actor: Any, event: Event) -> None:
    access.require_object(actor, MANAGE, event, access.CHANGE)


# --- events ----------------------------------------------------------------------------------


def _clean_event(actor: Any, data: dict[str, Any], event: Event | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out = {k: data[k] for k in EVENT_FIELDS if k in data}
    if "title" in out or event is None:
        title = (out.get("title") or "").strip()
        if not title:
            errors["title"] = _("Give the event a title.")
        elif len(title) > 200:
            errors["title"] = _("Keep the title under 200 characters.")
        out["title"] = title
    if "type" in out or event is None:
        etype = out.get("type")
        if isinstance(etype, str):
            etype = EventType.objects.filter(slug=etype).first()
        if not isinstance(etype, EventType):
            errors["type"] = _("Choose an event type.")
        out["type"] = etype
    if "time_zone" in out:
        try:
            zoneinfo.ZoneInfo(out["time_zone"] or "")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            errors["time_zone"] = _("Unknown time zone “%(tz)s”.") % {"tz": out["time_zone"]}
    if "visibility" in out and out["visibility"] not in Event.Visibility.values:
        errors["visibility"] = _("Choose who can see the event.")
    for key in ("starts_at", "ends_at"):
        value = out.get(key)
        if value is None and (event is None or key in out):
            errors[key] = _("Enter a date and time.")
        elif value is not None and timezone.is_naive(value):
            out[key] = timezone.make_aware(value, zoneinfo.ZoneInfo(out.get("time_zone") or "UTC"))
    starts = out.get("starts_at") or (event.starts_at if event else None)
    ends = out.get("ends_at") or (event.ends_at if event else None)
    if starts and ends and ends < starts and "starts_at" not in errors:
        errors["ends_at"] = _("The event ends before it starts: check the end time.")
    lat, lon = out.get("latitude"), out.get("longitude")
    if lat is not None and not -90 <= lat <= 90:
        errors["latitude"] = _("Latitude is between -90 and 90.")
    if lon is not None and not -180 <= lon <= 180:
        errors["longitude"] = _("Longitude is between -180 and 180.")
    if out.get("area") is not None:
        from grassroots.geography.models import Area

        area_id = getattr(out["area"], "pk", out["area"])
        if not Area.objects.visible_to(actor, access.CHANGE).filter(pk=area_id).exists():
            errors["area"] = _("Choose an area in your scope.")
    contact = out.get("contact_person")
    if contact is not None and not access.is_visible(contact, actor):
        errors["contact_person"] = _("Unknown person.")
    if errors:
        raise Invalid(errors)
    if "description" in out:
        out["description"] = out["description"] or ""
    return out


def _set_relations(event: Event, actor: Any, hosts, tags) -> None:
    if hosts is not None:
        hosts = list(hosts)
        visible = access.visible_ids(Person, actor, [h.pk for h in hosts])
        if len(visible) != len({h.pk for h in hosts}):
            raise Invalid({"hosts": _("Unknown person.")})
        event.hosts.set(hosts)
    if tags is not None:
        event.tags.set(list(tags))


@transaction.atomic
def event_create(
    *,
    actor: Any,
    data: dict[str, Any],
    hosts: Iterable[Person] | None = None,
    tags: Iterable[Any] | None = None,
    shifts: Iterable[dict[str, Any]] = (),
) -> Event:
    access.require(actor, MANAGE)
    data = dict(data)
    if (
        "area" not in data
        or data["area"] is None
        and not (access.is_system(actor) or getattr(actor, "sees_everything", False))
    ):
        data["area"] = home_area(actor)
    clean = _clean_event(actor, data, None)
    event = Event(**clean, created_by=access.user_or_none(actor))
    event.description_html = render_description(event.description)
    event.save()
    _set_relations(event, actor, hosts, tags)
    for i, spec in enumerate(shifts):
        _shift_new(event, spec, position=i)
    audit.record(actor=actor, action="events.created", obj=event)
    return event


@transaction.atomic
def event_update(
    *,
    actor: Any,
    event: Event,
    data: dict[str, Any],
    hosts: Iterable[Person] | None = None,
    tags: Iterable[Any] | None = None,
) -> Event:
    _require_event(actor, event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    clean = _clean_event(actor, data, event)
    before = {k: getattr(event, k) for k in ("starts_at", "ends_at", "address", "virtual_url")}
    for key, value in clean.items():
        setattr(event, key, value)
    event.description_html = render_description(event.description)
    event.save()
    _set_relations(event, actor, hosts, tags)
    changed = sorted(k for k in before if before[k] != getattr(event, k))
    audit.record(actor=actor, action="events.updated", obj=event, detail={"changed": changed})
    if changed and event.status == Event.Status.PUBLISHED:
        events.publish("event.changed", {"event_id": event.pk})
    return event


@transaction.atomic
def event_publish(*, actor: Any, event: Event) -> Event:
    _require_event(actor, event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == Event.Status.CANCELLED:
        raise Conflict(_("A cancelled event cannot be published again; copy it instead."))
    if event.status == Event.Status.PUBLISHED:
        return event
    if not event.shifts.exists():
        raise Conflict(_("Add at least one shift before publishing, so people can sign up."))
    event.status = Event.Status.PUBLISHED
    event.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="events.published", obj=event)
    events.publish("event.published", {"event_id": event.pk})
    return event


@transaction.atomic
def event_cancel(*, actor: Any, event: Event) -> Event:
    _require_event(actor, event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == Event.Status.CANCELLED:
        return event
    if event.ends_at < timezone.now():
        raise Conflict(_("This event has already taken place."))
    event.status = Event.Status.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="events.cancelled", obj=event)
    events.publish("event.cancelled", {"event_id": event.pk})
    return event


def _copy(event: Event, *, offset: dt.timedelta, actor: Any, series=None, title=None) -> Event:
    new = Event(
        title=title or event.title,
        type=event.type,
        description=event.description,
        description_html=event.description_html,
        visibility=event.visibility,
        area=event.area,
        contact_person=event.contact_person,
        address=event.address,
        latitude=event.latitude,
        longitude=event.longitude,
        virtual_url=event.virtual_url,
        time_zone=event.time_zone,
        starts_at=event.starts_at + offset,
        ends_at=event.ends_at + offset,
        series=series,
        created_by=access.user_or_none(actor),
    )
    new.save()
    new.hosts.set(event.hosts.all())
    new.tags.set(event.tags.all())
    Shift.objects.bulk_create(
        Shift(
            event=new,
            starts_at=s.starts_at + offset,
            ends_at=s.ends_at + offset,
            capacity=s.capacity,
            position=s.position,
        )
        for s in event.shifts.all()
    )
    return new


@transaction.atomic
def event_copy(*, actor: Any, event: Event, starts_at: dt.datetime | None = None) -> Event:
    """A new draft like ``event`` (shifts, hosts, tags; no sign-ups), moved to ``starts_at``
    (one week later by default)."""
    _require_event(actor, event)
    if starts_at is not None and timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at, zoneinfo.ZoneInfo(event.time_zone))
    offset = (starts_at - event.starts_at) if starts_at else dt.timedelta(days=7)
    new = _copy(
        event,
        offset=offset,
        actor=actor,
        title=_("%(title)s (copy)") % {"title": event.title} if not starts_at else None,
    )
    audit.record(actor=actor, action="events.copied", obj=new, detail={"from": event.pk})
    return new


@transaction.atomic
def event_series_create(
    *, actor: Any, event: Event, count: int | None = None, until: dt.date | None = None
) -> EventSeries:
    """Repeat ``event`` weekly: ``count`` occurrences in all (this one included) or every week
    until ``until``. The copies are drafts with the same shifts; publish them with the series."""
    _require_event(actor, event)
    if not count and not until:
        raise Invalid({"count": _("Say how many times, or until when, the event repeats.")})
    if count is not None and not 2 <= count <= MAX_SERIES:
        raise Invalid({"count": _("A series has 2 to %(n)s events.") % {"n": MAX_SERIES}})
    local_start = timezone.localtime(event.starts_at, zoneinfo.ZoneInfo(event.time_zone))
    if until is not None and until <= local_start.date():
        raise Invalid({"until": _("Choose a date after the first event.")})
    if event.series_id:
        raise Conflict(_("This event is already part of a series."))
    series = EventSeries.objects.create(
        title=event.title,
        count=count,
        until=until,
        area=event.area,
        created_by=access.user_or_none(actor),
    )
    Event.objects.filter(pk=event.pk).update(series=series)
    made = 1
    week = 1
    tz = zoneinfo.ZoneInfo(event.time_zone)
    while made < MAX_SERIES:
        if count and made >= count:
            break
        # the same wall-clock time each week in the event's zone (summer time moves UTC)
        start = (local_start.replace(tzinfo=None) + dt.timedelta(weeks=week)).replace(tzinfo=tz)
        if until and start.date() > until:
            break
        offset = start - event.starts_at
        _copy(event, offset=offset, actor=actor, series=series)
        made += 1
        week += 1
    audit.record(actor=actor, action="events.series_created", obj=series, detail={"n": made})
    return series


# --- shifts ----------------------------------------------------------------------------------


def _clean_capacity(value: Any) -> int:
    try:
        capacity = int(value)
    except (TypeError, ValueError):
        raise Invalid({"capacity": _("Capacity is a whole number of places.")})
    if capacity < 1 or capacity > 1_000_000:
        raise Invalid({"capacity": _("Capacity is at least 1 place.")})
    return capacity


def _shift_new(event: Event, spec: dict[str, Any], position: int) -> Shift:
    starts, ends = spec.get("starts_at"), spec.get("ends_at")
    if starts is None or ends is None:
        raise Invalid({"starts_at": _("Enter the shift's start and end.")})
    if ends < starts:
        raise Invalid({"ends_at": _("The shift ends before it starts: check the end time.")})
    return Shift.objects.create(
        event=event,
        starts_at=starts,
        ends_at=ends,
        capacity=_clean_capacity(spec.get("capacity")),
        position=position,
    )


@transaction.atomic
def shift_add(
    *, actor: Any, event: Event, starts_at: dt.datetime, ends_at: dt.datetime, capacity: Any
) -> Shift:
    _require_event(actor, event)
    position = (event.shifts.aggregate(m=Max("position"))["m"] or 0) + 1
    shift = _shift_new(
        event, {"starts_at": starts_at, "ends_at": ends_at, "capacity": capacity}, position
    )
    audit.record(actor=actor, action="events.shift_added", obj=event, detail={"shift": shift.pk})
    return shift


@transaction.atomic
def shift_update(
    *,
    actor: Any,
    shift: Shift,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    capacity: Any = None,
) -> Shift:
    _require_event(actor, shift.event)
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if starts_at is not None:
        shift.starts_at = starts_at
    if ends_at is not None:
        shift.ends_at = ends_at
    if shift.ends_at < shift.starts_at:
        raise Invalid({"ends_at": _("The shift ends before it starts: check the end time.")})
    promoted = []
    if capacity is not None:
        capacity = _clean_capacity(capacity)
        if capacity < shift.confirmed_count:
            raise Invalid(
                {
                    "capacity": _(
                        "%(n)s people are already confirmed for this shift: the capacity cannot "
                        "be lower than that. Cancel some sign-ups first."
                    )
                    % {"n": shift.confirmed_count}
                }
            )
        shift.capacity = capacity
    shift.save()
    if capacity is not None:
        promoted = _promote(shift, actor)
    audit.record(
        actor=actor,
        action="events.shift_updated",
        obj=shift.event,
        detail={"shift": shift.pk, "capacity": shift.capacity, "promoted": len(promoted)},
    )
    return shift


@transaction.atomic
def shift_delete(*, actor: Any, shift: Shift) -> None:
    _require_event(actor, shift.event)
    if shift.registrations.exclude(status=Registration.Status.CANCELLED).exists():
        raise Conflict(_("People have signed up for this shift: cancel their sign-ups first."))
    audit.record(actor=actor, action="events.shift_deleted", obj=shift.event)
    shift.delete()


# --- registrations ---------------------------------------------------------------------------


@dataclass
class Contact:
    """Who signs up when there is no person yet (the public form, the API)."""

    given_name: str = ""
    family_name: str = ""
    email: str = ""
    phone: str = ""


@dataclass
class OptIn:
    """A ticked opt-in with the exact words shown next to the box."""

    channel: str
    purpose: str
    wording: str


@dataclass
class SignUp:
    registration: Registration
    created: bool  # False: the person had already signed up for this shift
    person_created: bool = False
    promoted: list = field(default_factory=list)


def clean_contact(contact: Contact) -> Contact:
    errors: dict[str, str] = {}
    given = (contact.given_name or "").strip()
    family = (contact.family_name or "").strip()
    if not given:
        errors["given_name"] = _("Enter your name.")
    elif len(given) > 100 or len(family) > 100:
        errors["given_name"] = _("That name is too long.")
    email = phone = ""
    if contact.email and contact.email.strip():
        try:
            email = normalize_email(contact.email)
        except ValidationError as exc:
            errors["email"] = exc.messages[0]
    if contact.phone and contact.phone.strip():
        try:
            phone = normalize_phone(contact.phone)[0]
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    if not (contact.email or "").strip() and not (contact.phone or "").strip():
        errors["email"] = _("Enter an email address or a phone number, so we can reach you.")
    if errors:
        raise Invalid(errors)
    return Contact(given_name=given, family_name=family, email=email, phone=phone)


def _lock_contact(contact: Contact) -> None:
    """Two sign-ups with the same email/phone at once must not create two people: on
    PostgreSQL they queue on an advisory lock of the contact point (SQLite writes one at a
    time anyway)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for value in sorted(v for v in (contact.email, contact.phone) if v):
            key = int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big")
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [key - (1 << 63)])


def _name_key(text: str) -> str:
    return " ".join(text.lower().split())


def person_match(contact: Contact) -> Person | None:
    """The existing person with this email (first) or phone; among several, the one whose name
    matches the name typed, else the oldest record."""
    for channel, value in ((ContactPoint.Channel.EMAIL, contact.email),
                           (ContactPoint.Channel.PHONE, contact.phone)):  # fmt: skip
        if not value:
            continue
        people = list(
            Person.objects.filter(contact_points__channel=channel, contact_points__value=value)
            .distinct()
            .order_by("id")[:20]
        )
        if not people:
            continue
        typed = _name_key(f"{contact.given_name} {contact.family_name}")
        given = _name_key(contact.given_name)
        for p in people:
            if _name_key(p.full_name) == typed or _name_key(p.given_name) == given:
                return p
        return people[0]
    return None


def _find_or_create_person(contact: Contact, event: Event) -> tuple[Person, bool]:
    _lock_contact(contact)
    person = person_match(contact)
    if person is not None:
        return person, False
    person = people_services.person_create(
        actor=access.SYSTEM,
        data={
            "given_name": contact.given_name,
            "family_name": contact.family_name,
            "area": event.area,
            "source": "event sign-up",
        },
        phones=[contact.phone] if contact.phone else [],
        emails=[contact.email] if contact.email else [],
        via="event",
    )
    return person, True


def _allocate(shift: Shift, registration: Registration) -> None:
    """Confirm if a place is free (one conditional UPDATE), else the end of the waitlist."""
    took = Shift.objects.filter(pk=shift.pk, confirmed_count__lt=F("capacity")).update(
        confirmed_count=F("confirmed_count") + 1
    )
    if took:
        registration.status = Registration.Status.CONFIRMED
        registration.waitlist_position = None
        return
    # full: join the waitlist in order, under the shift's row lock
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    if locked.confirmed_count < locked.capacity:  # a place freed meanwhile
        Shift.objects.filter(pk=shift.pk).update(confirmed_count=F("confirmed_count") + 1)
        registration.status = Registration.Status.CONFIRMED
        registration.waitlist_position = None
        return
    last = Registration.objects.filter(
        shift_id=shift.pk, status=Registration.Status.WAITLISTED
    ).aggregate(m=Max("waitlist_position"))["m"]
    registration.status = Registration.Status.WAITLISTED
    registration.waitlist_position = (last or 0) + 1


@transaction.atomic
def registration_create(
    *,
    actor: Any,
    shift: Shift,
    person: Person | None = None,
    contact: Contact | None = None,
    opt_ins: Iterable[OptIn] = (),
    source: dict[str, Any] | None = None,
    public: bool = False,
) -> SignUp:
    """Sign ``person`` (or whoever ``contact`` names: matched by email/phone, else created) up
    for ``shift``. A repeated sign-up answers the existing registration (``created=False``);
    a full shift puts them on its waitlist. ``public``: the no-login form, acting as SYSTEM on
    an event the public selector found (published, public or unlisted)."""
    event = Event.objects.get(pk=shift.event_id)  # its status now, not a caller's old copy
    if public:
        if not access.is_system(actor):
            raise access.Forbidden(MANAGE)
    else:
        _require_event(actor, event)
    if event.status != Event.Status.PUBLISHED and (public or event.status != Event.Status.DRAFT):
        raise Conflict(_("This event is not taking sign-ups."))
    if shift.starts_at < timezone.now():
        raise Conflict(_("This shift has already started: choose a later one."))
    if person is None:
        if contact is None:
            raise Invalid({"person": _("Say who is signing up.")})
        contact = clean_contact(contact)
        person, person_created = _find_or_create_person(contact, event)
    else:
        person_created = False
        if not public and not access.is_visible(person, actor):
            raise NotFound
        _lock_contact(Contact(email=f"person:{person.pk}"))
    existing = Registration.objects.select_for_update().filter(shift=shift, person=person).first()
    if existing is not None and existing.status != Registration.Status.CANCELLED:
        _record_opt_ins(person, opt_ins, event)
        return SignUp(existing, created=False, person_created=person_created)
    registration = existing or Registration(shift=shift, event=event, person=person)
    registration.source = _clean_source(source)
    _allocate(shift, registration)
    registration.save()
    _record_opt_ins(person, opt_ins, event)
    audit.record(
        actor=actor,
        action="events.rsvp_created",
        obj=event,
        detail={"rsvp": registration.pk, "status": registration.status},
    )
    events.publish(
        "rsvp.created",
        {
            "rsvp_id": registration.pk,
            "person_id": person.pk,
            "event_id": event.pk,
            "shift_id": shift.pk,
            "status": registration.status,
        },
    )
    return SignUp(registration, created=True, person_created=person_created)


def _clean_source(source: dict[str, Any] | None) -> dict[str, str]:
    out = {}
    for key, value in (source or {}).items():
        if value in (None, ""):
            continue
        out[str(key)[:40]] = str(value)[:300]
        if len(out) >= 12:
            break
    return out


def _record_opt_ins(person: Person, opt_ins: Iterable[OptIn], event: Event) -> None:
    for opt in opt_ins:
        people_services.consent_record(
            actor=access.SYSTEM,
            person=person,
            channel=opt.channel,
            purpose=opt.purpose,
            status=Consent.Status.GRANTED,
            source=f"event:{event.public_id}",
            wording=str(opt.wording),
        )


def _promote(shift: Shift, actor: Any) -> list[Registration]:
    """Fill free places from the waitlist, first come first served (caller holds the shift's
    row lock)."""
    shift.refresh_from_db(fields=["confirmed_count", "capacity"])
    free = shift.capacity - shift.confirmed_count
    if free <= 0:
        return []
    waiting = list(
        Registration.objects.select_for_update()
        .filter(shift=shift, status=Registration.Status.WAITLISTED)
        .order_by("waitlist_position", "id")[:free]
    )
    for reg in waiting:
        reg.status = Registration.Status.CONFIRMED
        reg.waitlist_position = None
        reg.save(update_fields=["status", "waitlist_position", "updated_at"])
    if waiting:
        Shift.objects.filter(pk=shift.pk).update(
            confirmed_count=F("confirmed_count") + len(waiting)
        )
        for reg in waiting:
            events.publish(
                "waitlist.promoted",
                {
                    "rsvp_id": reg.pk,
                    "person_id": reg.person_id,
                    "event_id": reg.event_id,
                    "shift_id": shift.pk,
                },
            )
    return waiting


@transaction.atomic
def registration_cancel(
    *, actor: Any, registration: Registration, by_token: bool = False
) -> Registration:
    """Cancel a sign-up (an organiser, or the person through their token link: ``by_token``,
    acting as SYSTEM). A freed place goes to the first on the waitlist."""
    if by_token:
        if not access.is_system(actor):
            raise access.Forbidden(MANAGE)
    else:
        _require_event(actor, registration.event)
    shift = Shift.objects.select_for_update().get(pk=registration.shift_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Registration.Status.CANCELLED:
        return registration
    was = registration.status
    registration.status = Registration.Status.CANCELLED
    registration.waitlist_position = None
    registration.save(update_fields=["status", "waitlist_position", "updated_at"])
    promoted = []
    if was == Registration.Status.CONFIRMED:
        Shift.objects.filter(pk=shift.pk).update(confirmed_count=F("confirmed_count") - 1)
        promoted = _promote(shift, actor)
    audit.record(
        actor=actor,
        action="events.rsvp_cancelled",
        obj=registration.event,
        detail={"rsvp": registration.pk, "promoted": [r.pk for r in promoted]},
    )
    events.publish(
        "rsvp.cancelled",
        {
            "rsvp_id": registration.pk,
            "person_id": registration.person_id,
            "event_id": registration.event_id,
            "shift_id": registration.shift_id,
        },
    )
    return registration


def registration_by_token(token: str) -> Registration | None:
    """The registration a confirm/cancel link names (``None`` for a forged or unknown one)."""
    token = (token or "").strip()
    if not token or len(token) > 64:
        return None
    return (
        Registration.objects.select_related("event", "event__type", "shift", "person")
        .filter(token=token)
        .first()
    )


CONFIGURE = "events.configure"


@transaction.atomic
def event_type_reminders_set(
    *, actor: Any, event_type: EventType, day_before: dt.time, morning_of: dt.time
) -> EventType:
    """The times (in each event's own zone) of a type's two reminders: the day before and the
    morning of. Sign-ups already reminded are not reminded again (``ReminderLog``)."""
    access.require(actor, CONFIGURE)
    errors = {}
    if not isinstance(day_before, dt.time):
        errors["day_before"] = _("Enter a time.")
    if not isinstance(morning_of, dt.time):
        errors["morning_of"] = _("Enter a time.")
    if errors:
        raise Invalid(errors)
    et = EventType.objects.select_for_update().get(pk=event_type.pk)
    before = {"day_before": str(et.reminder_day_before), "morning_of": str(et.reminder_morning_of)}
    et.reminder_day_before = day_before.replace(second=0, microsecond=0, tzinfo=None)
    et.reminder_morning_of = morning_of.replace(second=0, microsecond=0, tzinfo=None)
    et.save(update_fields=["reminder_day_before", "reminder_morning_of"])
    after = {"day_before": str(et.reminder_day_before), "morning_of": str(et.reminder_morning_of)}
    if after != before:
        audit.record(
            actor=actor, action="events.type_reminders_set", obj=et,
            detail={"before": before, "after": after},
        )  # fmt: skip
    return et
