"""Canvasser safety: check-ins and calls for help, and who hears of them.

A ``SafetyAlert`` is made online (``POST /canvass/alert``) or from the app's outbox (the
``alert`` sync event, applied once per event id). The canvasser's team leaders (the leaders of
every team their volunteer profile belongs to) and the effort's creator get an email; for a
call for help the leaders with a phone also get an SMS, sent through the messaging compliance
layer (``messaging.services.message_send``). A notification that cannot be sent never loses
the alert: it is stored first, and the organiser sees it on the effort's results page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.canvassing.models import Effort, SafetyAlert
from grassroots.canvassing.services import CANVASS, MANAGE, finite_float
from grassroots.core import access, audit, events
from grassroots.core.exceptions import Conflict, Invalid, NotFound
from grassroots.people.models import Person
from grassroots.volunteers.models import VolunteerProfile

log = logging.getLogger(__name__)


def leaders_of(user: Any) -> list[Person]:
    """The people leading the teams the canvasser (a user) is a member of."""
    if not access.is_user(user):
        return []
    profile = VolunteerProfile.objects.filter(user=user).first()
    if profile is None:
        return []
    return list(
        Person.objects.filter(led_teams__in=profile.teams.all())
        .exclude(volunteer_profile__user=user)
        .distinct()
        .order_by("given_name", "id")
    )


def leader_phones(people: list[Person]) -> dict[int, str]:
    from grassroots.messaging.services import best_addresses

    return best_addresses([p.pk for p in people], "sms") if people else {}


def alert_create(
    *,
    actor: Any,
    effort: Effort,
    kind: Any,
    lat: Any = None,
    lon: Any = None,
    note: Any = "",
    event_id: str | None = None,
    at: Any = None,
) -> SafetyAlert:
    """Store a check-in or a call for help, then notify the team leaders and the creator."""
    access.require(actor, CANVASS)
    if not access.is_visible(effort, actor):
        raise NotFound
    if kind not in SafetyAlert.Kind.values:
        raise Invalid({"kind": _("Choose “check in” or “help”.")})
    lat, lon = finite_float(lat), finite_float(lon)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    with transaction.atomic():
        if event_id and SafetyAlert.objects.filter(event_id=event_id).exists():
            raise Conflict(_("This alert was already received."))
        alert = SafetyAlert.objects.create(
            user=access.user_or_none(actor),
            effort=effort,
            kind=kind,
            event_id=event_id or None,
            latitude=lat,
            longitude=lon,
            note=str(note or "")[:2000],
            created_at=at or timezone.now(),
        )
        audit.record(actor=actor, action=f"canvassing.alert_{kind}", obj=alert)
        events.publish(
            "canvass.alert",
            {"alert_id": alert.pk, "effort_id": effort.pk, "user_id": alert.user_id, "kind": kind},
        )
        _notify(alert)
    return alert


def _notify(alert: SafetyAlert) -> None:
    user = alert.user
    who = (user.get_full_name() or user.get_username()) if user else _("A canvasser")
    leaders = leaders_of(user)
    panic = alert.kind == SafetyAlert.Kind.PANIC
    if panic:
        subject = _("HELP: %(who)s needs help (%(effort)s)") % {
            "who": who, "effort": alert.effort.name
        }  # fmt: skip
    else:
        subject = _("%(who)s checked in: safe (%(effort)s)") % {
            "who": who, "effort": alert.effort.name
        }  # fmt: skip
    lines = [subject]
    if alert.latitude is not None:
        lines.append(
            _("Location: %(lat).5f, %(lon).5f") % {"lat": alert.latitude, "lon": alert.longitude}
        )
    if alert.note:
        lines.append(_("Note: %(note)s") % {"note": alert.note})
    body = "\n".join(lines)
    emails = {
        p.volunteer_profile.user.email
        for p in leaders
        if hasattr(p, "volunteer_profile") and p.volunteer_profile.user_id
        and p.volunteer_profile.user.email
    }  # fmt: skip
    from grassroots.messaging.services import best_addresses

    emails |= set(best_addresses([p.pk for p in leaders], "email").values()) if leaders else set()
    creator = alert.effort.created_by
    if creator is not None and creator.email:
        emails.add(creator.email)
    if emails:
        recipients = sorted(emails)
        transaction.on_commit(
            lambda: send_mail(
                subject=subject[:200],
                message=body,
                from_email=None,
                recipient_list=recipients,
                fail_silently=True,
            )
        )
    if panic and leaders:
        phones = leader_phones(leaders)
        texted = [p for p in leaders if p.pk in phones]
        if texted:
            transaction.on_commit(lambda: _text(texted, body[:600]))


def _text(people: list[Person], body: str) -> None:
    """The SMS for a call for help, through the compliance layer (a refusal is logged)."""
    from grassroots.messaging.services import message_send

    for person in people:
        try:
            message_send(
                actor=access.SYSTEM, person=person, channel="sms", body=body, purpose="volunteering"
            )
        except Exception:  # the alert is stored and shown; a failed text must not undo it
            log.warning(
                "canvass alert: the SMS to person %s was not sent", person.pk, exc_info=True
            )


@transaction.atomic
def alert_acknowledge(*, actor: Any, alert: SafetyAlert) -> SafetyAlert:
    access.require_object(actor, MANAGE, alert.effort)
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = access.user_or_none(actor)
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit.record(actor=actor, action="canvassing.alert_acknowledged", obj=alert)
    return alert


def alerts_for(*, actor: Any, effort: Effort) -> dict[str, list[SafetyAlert]]:
    """The effort's alerts for its results page: open ones (help first), then acknowledged."""
    qs = list(
        SafetyAlert.objects.visible_to(actor)
        .filter(effort=effort)
        .select_related("user", "acknowledged_by")
        .order_by("-created_at", "-id")[:200]
    )
    open_ = [a for a in qs if a.acknowledged_at is None]
    open_.sort(key=lambda a: a.kind != SafetyAlert.Kind.PANIC)
    return {"open": open_, "acknowledged": [a for a in qs if a.acknowledged_at is not None][:50]}
