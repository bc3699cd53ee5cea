"""Check-in: the host's screen marks people attended or no-show, adds walk-ins on the spot, and
scans the QR code on a registrant's ticket. Attendance becomes an ``Interaction`` on the
person's timeline and publishes ``attendance.recorded`` (automations start from it)."""

from __future__ import annotations

import io
import re
from typing import Any

import qrcode
import qrcode.image.svg
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import access, audit, events
from grassroots.core.exceptions import Conflict, Invalid, NotFound
from grassroots.core.phones import normalize_email, normalize_phone
from grassroots.events.models import Event, Registration, Shift
from grassroots.messaging import sending
from grassroots.people import services as people_services
from grassroots.people.models import ContactPoint, Interaction, Person

MANAGE = "events.manage"
RS = Registration.Status
A = Registration.Attendance
SEARCH_LIMIT = 50
_TOKEN = re.compile(r"([A-Za-z0-9_-]{16,64})/?$")


# --- the ticket and its QR code ------------------------------------------------------------------


def ticket_path(registration: Registration) -> str:
    """The attendee's own page (their sign-up, with the QR code): what the QR code holds."""
    return reverse("events:rsvp_page", args=[registration.token])


def ticket_url(registration: Registration) -> str:
    return sending.public_url(ticket_path(registration))


def qr_svg(text: str) -> bytes:
    """The QR code of ``text`` as an SVG (drawn on the server: no script on the ticket)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def ticket_get(token: str) -> Registration:
    """The public ticket page's read: the registration its secret token names."""
    reg = (
        Registration.objects.select_related("event", "event__type", "shift", "person")
        .filter(token=token or "")
        .first()
    )
    if reg is None:
        raise NotFound(_("This ticket does not exist."))
    return reg


def token_from_code(code: str) -> str:
    """A scanned code is the ticket's address (what the QR holds) or the bare token."""
    code = (code or "").strip()
    match = _TOKEN.search(code)
    if match is None:
        raise Invalid(_("This QR code is not an event ticket."))
    return match.group(1)


# --- attendance ---------------------------------------------------------------------------------


def _require_event(actor: Any, event: Event) -> None:
    if actor is not access.SYSTEM:
        access.require_object(actor, MANAGE, event)


@transaction.atomic
def attendance_mark(
    *, actor: Any, registration: Registration, attendance: str, at: Any = None
) -> Registration:
    """Mark one registration attended or no-show (or back to not recorded). The first
    "attended" writes an event interaction on the person's timeline; every change publishes
    ``attendance.recorded``. Marking the same twice changes nothing."""
    reg = Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
    _require_event(actor, reg.event)
    if attendance not in A.values:
        raise Invalid({"attendance": _("Choose attended, no-show or not recorded.")})
    if reg.status == RS.CANCELLED and attendance != A.UNKNOWN:
        raise Conflict(_("This registration was cancelled; add the person as a walk-in instead."))
    if reg.attendance == attendance:
        return reg
    now = min(at, timezone.now()) if at is not None else timezone.now()
    reg.attendance = attendance
    reg.checked_in_at = now if attendance == A.ATTENDED else None
    reg.save(update_fields=["attendance", "checked_in_at", "updated_at"])
    if attendance == A.ATTENDED:
        interaction = people_services.interaction_record(
            actor=access.SYSTEM,  # the host may check people in without editing their record
            person=reg.person_id,
            channel=Interaction.Channel.EVENT,
            direction=Interaction.Direction.INBOUND,
            outcome="attended",
            detail=reg.event.title,
            data={"event_id": reg.event_id, "rsvp_id": reg.pk},
            occurred_at=now,
            source="events.checkin",
        )
        if access.user_or_none(actor) is not None:
            Interaction.objects.filter(pk=interaction.pk).update(actor=access.user_or_none(actor))
    audit.record(
        actor=actor, action="events.attendance", obj=reg, detail={"attendance": attendance}
    )
    events.publish(
        "attendance.recorded",
        {
            "rsvp_id": reg.pk,
            "person_id": reg.person_id,
            "event_id": reg.event_id,
            "attendance": attendance,
        },
    )
    return reg


def scan(*, actor: Any, event: Event, code: str) -> Registration:
    """The host scanned a ticket at ``event``: mark its registration attended. A ticket for
    another event is refused (without saying which: it may be outside the host's scope)."""
    _require_event(actor, event)
    token = token_from_code(code)
    reg = Registration.objects.filter(token=token).only("pk", "event_id", "status").first()
    if reg is None:
        raise Invalid(_("This QR code is not a ticket we know."))
    if reg.event_id != event.pk:
        raise Conflict(_("This ticket is for another event, not this one. Nobody was checked in."))
    if reg.status == RS.WAITLISTED:
        raise Conflict(_("This person is on the waitlist, not confirmed. Check with the host."))
    return attendance_mark(actor=actor, registration=reg, attendance=A.ATTENDED)


# --- walk-ins -----------------------------------------------------------------------------------


def person_by_contact(phone: str, email: str) -> Person | None:
    q = Q()
    if email:
        q |= Q(channel=ContactPoint.Channel.EMAIL, value=email)
    if phone:
        q |= Q(channel=ContactPoint.Channel.PHONE, value=phone)
    if not q:
        return None
    cp = ContactPoint.objects.filter(q).select_related("person").order_by("id").first()
    return cp.person if cp is not None else None


@transaction.atomic
def walk_in_add(
    *,
    actor: Any,
    event: Event,
    shift: Shift | None,
    given_name: str,
    family_name: str = "",
    phone: str = "",
    email: str = "",
) -> Registration:
    """Someone turned up without signing up: find them (phone or email) or add them, register
    them on the shift (over capacity if need be: they are here) and mark them attended."""
    _require_event(actor, event)
    errors: dict[str, str] = {}
    given_name = (given_name or "").strip()
    if not given_name:
        errors["given_name"] = _("Write the person's name.")
    try:
        phone_n = normalize_phone(phone)[0] if phone.strip() else ""
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
        phone_n = ""
    try:
        email_n = normalize_email(email) if email.strip() else ""
    except ValidationError as exc:
        errors["email"] = exc.messages[0]
        email_n = ""
    if shift is None:
        shift = event.shifts.order_by("starts_at", "pk").first()
    elif shift.event_id != event.pk:
        errors["shift"] = _("Choose a shift of this event.")
    if shift is None:
        errors["shift"] = _("This event has no shift to check people in to.")
    if errors:
        raise Invalid(errors)
    person = person_by_contact(phone_n, email_n)
    if person is None:
        person = people_services.person_create(
            actor=access.SYSTEM,
            data={"given_name": given_name[:100], "family_name": (family_name or "").strip()[:100],
                  "area": event.area},
            phones=[phone_n] if phone_n else [],
            emails=[email_n] if email_n else [],
            via="event_walk_in",
        )  # fmt: skip
    reg = Registration.objects.filter(shift=shift, person=person).first()
    if reg is None:
        # a walk-in counts in the shift, over its capacity if need be: raise the capacity with it
        Shift.objects.filter(pk=shift.pk, confirmed_count__gte=F("capacity")).update(
            capacity=F("confirmed_count") + 1
        )
        Shift.objects.filter(pk=shift.pk).update(confirmed_count=F("confirmed_count") + 1)
        reg = Registration.objects.create(
            shift=shift, event=event, person=person, status=RS.CONFIRMED,
            source={"source": "walk_in"},
        )  # fmt: skip
        events.publish(
            "rsvp.created",
            {"rsvp_id": reg.pk, "person_id": person.pk, "event_id": event.pk,
             "shift_id": shift.pk, "status": reg.status},
        )  # fmt: skip
    elif reg.status != RS.CONFIRMED:
        raise Conflict(
            _("%(name)s is already registered (%(status)s); confirm them from the list.")
            % {"name": person.full_name, "status": reg.get_status_display()}
        )
    audit.record(actor=actor, action="events.walk_in", obj=reg, detail={})
    return attendance_mark(actor=actor, registration=reg, attendance=A.ATTENDED)
