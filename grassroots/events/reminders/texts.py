"""The words of each reminder, in the person's language (hi, bn, it, en): gettext under
``translation.override``, times in the event's time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from grassroots.events.reminders import links
from grassroots.events.reminders.models import Kind


def language_for(person) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    lang = (getattr(person, "preferred_language", "") or "").split("-")[0]
    return lang if lang in codes else settings.LANGUAGE_CODE


def _zone(event):
    try:
        return ZoneInfo(event.time_zone or settings.TIME_ZONE)
    except (ValueError, KeyError):
        return ZoneInfo(settings.TIME_ZONE)


def when(event, at=None) -> str:
    at = (at or event.starts_at).astimezone(_zone(event))
    return formats.date_format(at, "DATETIME_FORMAT")


def time_of(event) -> str:
    return formats.time_format(event.starts_at.astimezone(_zone(event)), "TIME_FORMAT")


def where(event) -> str:
    if getattr(event, "is_virtual_event", None) or (not event.address and event.virtual_url):
        return _("Online: %(url)s") % {"url": event.virtual_url}
    return event.address or ""


def compose(kind: str, registration, event, log_id: int, person) -> tuple[str, str]:
    """(subject, body) of reminder ``kind`` for one registration."""
    with translation.override(language_for(person)):
        name = person.given_name or person.full_name or _("friend")
        v = {
            "name": name,
            "event": event.title,
            "when": when(event),
            "time": time_of(event),
            "where": where(event),
            "confirm": links.url(log_id, "confirm"),
            "cancel": links.url(log_id, "cancel"),
            "rate": links.url(log_id, "rate"),
            "position": getattr(registration, "waitlist_position", None) or "",
            "page": links.url_for("events:rsvp_page", registration.token),
        }
        if kind == Kind.CONFIRMATION:
            subject = _("You are signed up: %(event)s") % v
            body = (
                _(
                    "Hello %(name)s, you are signed up for %(event)s on %(when)s. %(where)s\n"
                    "Your sign-up and the QR code to show at the door: %(page)s\n"
                    "Can't come after all? Cancel here: %(cancel)s"
                )
                % v
            )
        elif kind == Kind.WAITLISTED:
            subject = _("On the waitlist: %(event)s") % v
            body = (
                _(
                    "Hello %(name)s, %(event)s on %(when)s is full; you are number %(position)s on "
                    "the waitlist. We will write when a place opens.\n"
                    "Leave the waitlist: %(cancel)s"
                )
                % v
            )
        elif kind == Kind.PROMOTED:
            subject = _("A place opened up: %(event)s") % v
            body = (
                _(
                    "Hello %(name)s, good news: a place opened up and you are now signed up for "
                    "%(event)s on %(when)s. %(where)s\n"
                    "Your sign-up and the QR code to show at the door: %(page)s\n"
                    "Can't come after all? Cancel here: %(cancel)s"
                )
                % v
            )
        elif kind == Kind.DAY_BEFORE:
            subject = _("Tomorrow: %(event)s") % v
            body = (
                _(
                    "Hello %(name)s, a reminder: %(event)s is tomorrow at %(time)s. %(where)s\n"
                    "Still coming? Confirm: %(confirm)s\nCan't come? Cancel: %(cancel)s"
                )
                % v
            )
        elif kind == Kind.MORNING_OF:
            subject = _("Today: %(event)s") % v
            body = (
                _(
                    "Hello %(name)s, %(event)s is today at %(time)s. %(where)s\n"
                    "Still coming? Confirm: %(confirm)s\nCan't come? Cancel: %(cancel)s"
                )
                % v
            )
        elif kind == Kind.CHANGED:
            subject = _("Changed: %(event)s") % v
            body = (
                _(
                    "Hello %(name)s, %(event)s has changed. It is now on %(when)s. %(where)s\n"
                    "Still coming? Confirm: %(confirm)s\nCan't come? Cancel: %(cancel)s"
                )
                % v
            )
        elif kind == Kind.CANCELLED:
            subject = _("Cancelled: %(event)s") % v
            body = (
                _(
                    "Hello %(name)s, we are sorry: %(event)s on %(when)s is cancelled. "
                    "Thank you for signing up."
                )
                % v
            )
        elif kind == Kind.THANK_YOU:
            subject = _("Thank you for coming to %(event)s") % v
            body = (
                _(
                    "Thank you for coming to %(event)s, %(name)s! How did it go? "
                    "Rate it from 1 to 5: %(rate)s"
                )
                % v
            )
        else:  # pragma: no cover - the kinds are fixed
            raise ValueError(kind)
    return str(subject), str(body)
