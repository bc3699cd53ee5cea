"""Distributed events: a supporter proposes their own event (a house meeting, a canvass launch)
through the public form; it waits as ``proposed`` until an organiser approves (published, the
host gets their link to manage attendees) or declines it. Messages go through the send path."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grassroots.core import access, audit, events
from grassroots.core.exceptions import Conflict, Invalid
from grassroots.core.phones import normalize_email, normalize_phone
from grassroots.events.checkin.services import person_by_contact
from grassroots.events.models import Event, EventType, Shift
from grassroots.events.proposals import hosting
from grassroots.events.reminders import texts
from grassroots.events.reminders.services import PURPOSE
from grassroots.messaging import sending
from grassroots.messaging.models import Channel, Message
from grassroots.messaging.services import best_addresses
from grassroots.people import services as people_services

MANAGE = "events.manage"
PROPOSABLE = ("meeting", "canvass", "phone_bank", "text_bank", "booth_meeting", "training")
MAX_CAPACITY = 500


def proposable_types():
    return EventType.objects.filter(slug__in=PROPOSABLE).order_by("position", "slug")


def _sanitised(description: str) -> str:
    from grassroots.events.rendering import render_description

    return render_description(description)


@transaction.atomic
def event_propose(*, data: dict[str, Any], now: dt.datetime | None = None) -> Event:
    """The public form: validate everything first (nothing half-saved), find or add the
    proposer (matched by email or phone), then the event (``proposed``) with one shift."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Give the event a title.")
    elif len(title) > 200:
        errors["title"] = _("Keep the title under 200 characters.")
    etype = proposable_types().filter(slug=data.get("type") or "").first()
    if etype is None:
        errors["type"] = _("Choose the kind of event.")
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if not isinstance(starts_at, dt.datetime):
        errors["starts_at"] = _("Give the date and time it starts.")
    elif starts_at <= now:
        errors["starts_at"] = _("The event must start in the future.")
    if not isinstance(ends_at, dt.datetime):
        errors["ends_at"] = _("Give the time it ends.")
    elif isinstance(starts_at, dt.datetime) and ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    address = (data.get("address") or "").strip()
    if not address:
        errors["address"] = _("Say where it takes place.")
    try:
        capacity = int(data.get("capacity") or 20)
        if not 1 <= capacity <= MAX_CAPACITY:
            raise ValueError
    except (TypeError, ValueError):
        errors["capacity"] = _("Give a number of places from 1 to %(n)s.") % {"n": MAX_CAPACITY}
        capacity = 0
    given = (data.get("given_name") or "").strip()
    if not given:
        errors["given_name"] = _("Write your name.")
    email = phone = ""
    try:
        email = (
            normalize_email(data.get("email") or "") if (data.get("email") or "").strip() else ""
        )
    except ValidationError as exc:
        errors["email"] = exc.messages[0]
    try:
        phone = (
            normalize_phone(data.get("phone") or "")[0] if (data.get("phone") or "").strip() else ""
        )
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
    if not email and not phone and "email" not in errors and "phone" not in errors:
        errors["email"] = _("Give an email address or a phone number, so we can reach you.")
    if errors:
        raise Invalid(errors)
    person = person_by_contact(phone, email)
    if person is None:
        person = people_services.person_create(
            actor=access.SYSTEM,
            data={"given_name": given[:100], "family_name": (data.get("family_name") or "").strip()[:100],
                  "preferred_language": translation.get_language() or ""},
            phones=[phone] if phone else [],
            emails=[email] if email else [],
            via="event_proposal",
        )  # fmt: skip
    description = (data.get("description") or "").strip()[:10000]
    event = Event.objects.create(
        title=title,
        type=etype,
        description=description,
        description_html=_sanitised(description),
        status=Event.Status.PROPOSED,
        visibility=Event.Visibility.PUBLIC,
        address=address[:2000],
        time_zone=data.get("time_zone") or "Asia/Kolkata",
        starts_at=starts_at,
        ends_at=ends_at,
        contact_person=person,
    )
    event.hosts.add(person)
    Shift.objects.create(event=event, starts_at=starts_at, ends_at=ends_at, capacity=capacity)
    audit.record(actor=access.SYSTEM, action="events.proposed", obj=event, detail={})
    return event


def proposals(*, actor: Any):
    return (
        Event.objects.visible_to(actor, access.CHANGE)
        .filter(status=Event.Status.PROPOSED)
        .select_related("type", "contact_person")
        .order_by("starts_at", "pk")
    )


def _tell_host(event: Event, person, subject: str, body: str) -> None:
    emails = best_addresses([person.pk], Channel.EMAIL)
    channel = Channel.EMAIL if person.pk in emails else Channel.SMS
    to = emails.get(person.pk) or best_addresses([person.pk], Channel.SMS).get(person.pk, "")
    account = sending.default_account(channel)
    message = Message.objects.create(
        person=person, channel=channel, purpose=PURPOSE, to_address=to,
        from_address=(account.config.get("from_number") or account.config.get("from_email") or "") if account else "",
        subject=subject[:200] if channel == Channel.EMAIL else "", body=body, account=account,
        status=Message.Status.PENDING if to else Message.Status.BLOCKED,
        status_code="" if to else "no_address",
        status_reason="" if to else _("No usable address for this channel."),
    )  # fmt: skip
    if to:
        transaction.on_commit(lambda: sending.dispatch([message.pk]))


@transaction.atomic
def proposal_decide(*, actor: Any, event: Event, approve: bool, note: str = "") -> Event:
    access.require_object(actor, MANAGE, event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.PROPOSED:
        raise Conflict(_("This proposal was already decided."))
    event.status = Event.Status.PUBLISHED if approve else Event.Status.CANCELLED
    if approve and event.area_id is None:
        from grassroots.geography.selectors import home_area

        event.area = home_area(actor)
    event.created_by = event.created_by or access.user_or_none(actor)
    event.save(update_fields=["status", "area", "created_by", "updated_at"])
    audit.record(
        actor=actor,
        action="events.proposal_approved" if approve else "events.proposal_declined",
        obj=event,
        detail={"note": note[:500]},
    )
    host = event.contact_person
    if host is not None:
        with translation.override(texts.language_for(host)):
            v = {"event": event.title, "when": texts.when(event), "name": host.given_name,
                 "link": hosting.host_url(event, host.pk), "note": note.strip()}  # fmt: skip
            if approve:
                subject = _("Your event is approved: %(event)s") % v
                body = (
                    _(
                        "Hello %(name)s, your event %(event)s on %(when)s is approved and open for "
                        "sign-ups. Manage your attendees and check them in here: %(link)s"
                    )
                    % v
                )
            else:
                subject = _("Your event proposal: %(event)s") % v
                body = (
                    _(
                        "Hello %(name)s, thank you for proposing %(event)s. We cannot take it on "
                        "this time."
                    )
                    % v
                )
                if v["note"]:
                    body += "\n" + v["note"]
        _tell_host(event, host, str(subject), str(body))
    if approve:
        events.publish("event.published", {"event_id": event.pk})
    return event
