"""Reminders and follow-ups, all through the messaging send path (consent, quiet hours,
opt-outs and frequency caps apply; a held message goes when the rules allow, a blocked one is on
the person's timeline with its reason).

* ``send_reminders(event_id, kind)`` sends one kind to everyone it is due for, in batches: a
  ``ReminderLog`` row per registration × kind is inserted first (unique), so a reminder is never
  sent twice, whatever runs twice;
* ``due_kinds(event, now)`` says which kinds are due (times from the event type, in the event's
  time zone); ``reminders_tick`` (every minute) starts the runner for them;
* ``on_rsvp_created`` (subscriber of ``rsvp.created``) sends the confirmation;
* ``link_follow`` answers a confirm / cancel link; ``rating_record`` the "how did it go" rating.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import access, audit, jobs
from grassroots.core.exceptions import Conflict, Invalid, NotFound
from grassroots.events.models import Event, Registration
from grassroots.events.reminders import links, texts
from grassroots.events.reminders.models import Kind, ReminderLog
from grassroots.messaging import sending
from grassroots.messaging.models import Channel, Message, Purpose
from grassroots.messaging.services import best_addresses

RUNNER = "events.reminders"
PURPOSE = Purpose.VOLUNTEERING
BATCH = 500
THANK_YOU_AFTER = dt.timedelta(hours=1)
THANK_YOU_UNTIL = dt.timedelta(days=3)
SUBSCRIBER_KEY = "events.reminders.confirmation"
PROMOTED_KEY = "events.reminders.promoted"
CHANGED_KEY = "events.reminders.changed"
CANCELLED_KEY = "events.reminders.cancelled"
# the reminders the clock sends (the others follow a sign-up or an organiser's change)
TIMED = (Kind.DAY_BEFORE, Kind.MORNING_OF, Kind.THANK_YOU)

RS = Registration.Status


def _zone(event: Event) -> ZoneInfo:
    try:
        return ZoneInfo(event.time_zone or settings.TIME_ZONE)
    except (ValueError, KeyError):
        return ZoneInfo(settings.TIME_ZONE)


def reminder_times(event: Event) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """Each timed kind's window [due, until): the day before and the morning of at the event
    type's times in the event's own time zone, the thank-you an hour after the end."""
    tz = _zone(event)
    start_day = event.starts_at.astimezone(tz).date()
    etype = event.type
    out: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    if etype is not None and etype.reminder_day_before is not None:
        due = dt.datetime.combine(start_day - dt.timedelta(days=1), etype.reminder_day_before, tz)
        out[Kind.DAY_BEFORE] = (due, event.starts_at)
    if etype is not None and etype.reminder_morning_of is not None:
        due = dt.datetime.combine(start_day, etype.reminder_morning_of, tz)
        out[Kind.MORNING_OF] = (due, event.starts_at)
    end = event.ends_at or event.starts_at
    out[Kind.THANK_YOU] = (end + THANK_YOU_AFTER, end + THANK_YOU_UNTIL)
    return out


def due_kinds(event: Event, now: dt.datetime) -> list[str]:
    times = reminder_times(event)
    due = [k for k, (start, until) in times.items() if start <= now < until]
    if Kind.MORNING_OF in due and Kind.DAY_BEFORE in due:  # a late tick: one reminder, not two
        due.remove(Kind.DAY_BEFORE)
    return due


def eligible(event: Event, kind: str, key: str | None = None):
    """The registrations reminder ``kind`` still has to reach (no log row for ``key`` yet)."""
    key = key or kind
    qs = Registration.objects.filter(event=event)
    if kind in (Kind.CHANGED, Kind.CANCELLED):
        qs = qs.filter(status__in=[RS.CONFIRMED, RS.WAITLISTED])
    else:
        qs = qs.filter(status=RS.CONFIRMED)
    if kind in (Kind.DAY_BEFORE, Kind.MORNING_OF):
        due, _until = reminder_times(event)[kind]
        # signed up after the reminder's time: the confirmation said it all
        qs = qs.filter(created_at__lt=due)
    if kind == Kind.THANK_YOU:
        qs = qs.exclude(attendance=Registration.Attendance.NO_SHOW)
    return qs.exclude(pk__in=ReminderLog.objects.filter(key=key).values("registration_id"))


def _from(account) -> str:
    if account is None:
        return ""
    return account.config.get("from_number") or account.config.get("from_email") or ""


def _create_messages(event: Event, kind: str, logs: list[ReminderLog]) -> list[int]:
    """One message per claimed log row: email when the person has one, else SMS; a person
    with neither gets a blocked message (on their timeline, with the reason)."""
    person_ids = [lg.registration.person_id for lg in logs]
    emails = best_addresses(person_ids, Channel.EMAIL)
    phones = best_addresses([p for p in person_ids if p not in emails], Channel.SMS)
    accounts = {c: sending.default_account(c) for c in (Channel.EMAIL, Channel.SMS)}
    messages = []
    for lg in logs:
        reg = lg.registration
        person = reg.person
        if reg.person_id in emails:
            channel, to = Channel.EMAIL, emails[reg.person_id]
        else:
            channel, to = Channel.SMS, phones.get(reg.person_id, "")
        subject, body = texts.compose(kind, reg, event, lg.pk, person)
        account = accounts[channel]
        messages.append(
            Message(
                person_id=reg.person_id,
                channel=channel,
                purpose=PURPOSE,
                to_address=to,
                from_address=_from(account),
                subject=subject[:200] if channel == Channel.EMAIL else "",
                body=body,
                account=account,
                status=Message.Status.PENDING if to else Message.Status.BLOCKED,
                status_code="" if to else "no_address",
                status_reason="" if to else _("No usable address for this channel."),
            )
        )
    Message.objects.bulk_create(messages)
    rows = [
        (m.pk, "sent" if m.status == Message.Status.PENDING else "no_address", lg.pk)
        for lg, m in zip(logs, messages, strict=True)
    ]
    with connection.cursor() as cursor:  # one statement, many rows (bulk_update's CASE is slow)
        cursor.executemany(
            "UPDATE events_reminderlog SET message_id = %s, outcome = %s WHERE id = %s",
            rows,
        )
    for lg, (message_id, outcome, _pk) in zip(logs, rows, strict=True):
        lg.message_id, lg.outcome = message_id, outcome
    return [m.pk for m in messages if m.status == Message.Status.PENDING]


def _claim(registration_ids: list[int], kind: str, key: str) -> list[ReminderLog]:
    claim = uuid.uuid4().hex
    ReminderLog.objects.bulk_create(
        [ReminderLog(registration_id=r, kind=kind, key=key, claim=claim) for r in registration_ids],
        ignore_conflicts=True,  # another run got there first: theirs, not ours
    )
    return list(
        ReminderLog.objects.filter(claim=claim)
        .select_related("registration__person")
        .order_by("pk")
    )


def send_reminders(
    *,
    event_id: int,
    kind: str,
    key: str | None = None,
    now: dt.datetime | None = None,
    reporter: jobs.JobReporter | None = None,
) -> dict[str, int]:
    """Send ``kind`` to everyone it is due for; returns counts. Safe to run twice at once."""
    key = key or kind
    if kind not in Kind.values:
        raise Invalid(_("Unknown reminder."))
    event = Event.objects.select_related("type").filter(pk=event_id).first()
    if event is None:
        return {"created": 0, "sent": 0}
    created = sent = 0
    if reporter is not None:
        reporter.start(eligible(event, kind, key).count())
    while True:
        ids = list(eligible(event, kind, key).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        with transaction.atomic():
            logs = _claim(ids, kind, key)
            to_send = _create_messages(event, kind, logs) if logs else []
        created += len(logs)
        if to_send:
            out = sending.dispatch(to_send, now=now)
            sent += out.sent if hasattr(out, "sent") else 0
        if reporter is not None:
            reporter.advance(created)
            if reporter.cancelled:
                break
    return {"created": created, "sent": sent}


def send_one(registration: Registration, kind: str, key: str | None = None) -> Message | None:
    """One reminder to one registration (the confirmation after a sign-up): never twice."""
    key = key or kind
    with transaction.atomic():
        logs = _claim([registration.pk], kind, key)
        if not logs:
            return None
        event = Event.objects.select_related("type").get(pk=registration.event_id)
        to_send = _create_messages(event, kind, logs)
    if to_send:
        sending.dispatch(to_send)
    return Message.objects.filter(pk=logs[0].message_id).first()


# --- the clock, the runner, the subscribers ----------------------------------------------------


def start(event_id: int, kind: str, key: str | None = None) -> jobs.Job | None:
    """Start the runner for one event × kind unless one is already queued or running."""
    key = key or kind
    open_jobs = jobs.Job.objects.filter(
        kind=RUNNER,
        status__in=[jobs.Job.Status.QUEUED, jobs.Job.Status.RUNNING],
        params__event_id=event_id,
        params__key=key,
    )
    if open_jobs.exists():
        return None
    return jobs.runner(RUNNER).start(
        actor=access.SYSTEM,
        title=_("Event reminders"),
        event_id=event_id,
        kind=kind,
        key=key,
    )


def reminders_tick(now: dt.datetime | None = None) -> dict[str, int]:
    """Every minute: for events around now, start the runner for each kind that is due and
    still has someone to reach (a cheap EXISTS per event × kind)."""
    now = now or sending.clock()
    started = 0
    window = Event.objects.filter(
        status=Event.Status.PUBLISHED,
        starts_at__gte=now - THANK_YOU_UNTIL - dt.timedelta(days=1),
        starts_at__lte=now + dt.timedelta(days=2),
    ).select_related("type")
    for event in window:
        for kind in due_kinds(event, now):
            if eligible(event, kind).exists() and start(event.pk, kind) is not None:
                started += 1
    return {"reminder_runs": started}


def on_rsvp_created(event) -> None:
    """``rsvp.created``: the confirmation (or the waitlist notice). Idempotent: the log row."""
    reg = Registration.objects.filter(pk=event.payload.get("rsvp_id")).first()
    if reg is None:
        return
    if reg.status == RS.CONFIRMED:
        send_one(reg, Kind.CONFIRMATION)
    elif reg.status == RS.WAITLISTED:
        send_one(reg, Kind.WAITLISTED)


def on_waitlist_promoted(event) -> None:
    """``waitlist.promoted``: a place opened up — tell them (once per registration)."""
    reg = Registration.objects.filter(pk=event.payload.get("rsvp_id")).first()
    if reg is not None and reg.status == RS.CONFIRMED:
        send_one(reg, Kind.PROMOTED)


def on_event_changed(outbox_event) -> None:
    """An organiser changed the time or place: a change notice to everyone signed up (one per
    change: the key carries the domain event's id)."""
    event_id = outbox_event.payload.get("event_id")
    if event_id:
        start(event_id, Kind.CHANGED, f"changed:{outbox_event.pk}")


MANUAL_CHANGE_PREFIX = "changed:now:"
MANUAL_CHANGE_WINDOW = dt.timedelta(minutes=10)


def change_notice_recipients(event: Event) -> int:
    """How many a change notice sent now would reach (confirmed and waitlisted sign-ups)."""
    return Registration.objects.filter(
        event=event, status__in=[RS.CONFIRMED, RS.WAITLISTED]
    ).count()


@transaction.atomic
def change_notice_send_now(
    *, actor: Any, event: Event, now: dt.datetime | None = None
) -> tuple[int, bool]:
    """An organiser sends the change notice to everyone signed up, now (the same notice an edit
    of the time or place sends). Returns (how many were queued, whether a new run started).

    A second press within ``MANUAL_CHANGE_WINDOW`` reuses the first press's key: the runner's
    log (one row per sign-up and key) lets nobody get it twice, and while the first run is
    still queued no second one starts (``start``). The event row is locked, so two presses at
    the same instant agree on one key."""
    access.require_object(actor, "events.manage", event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.PUBLISHED:
        raise Conflict(_("Only a published event's sign-ups get a change notice."))
    now = now or timezone.now()
    if event.ends_at < now:
        raise Conflict(_("This event is over; a change notice would come too late."))
    since = now - MANUAL_CHANGE_WINDOW
    recent = (
        jobs.Job.objects.filter(
            kind=RUNNER,
            params__event_id=event.pk,
            params__key__startswith=MANUAL_CHANGE_PREFIX,
            created_at__gte=since,
        )
        .order_by("-created_at")
        .values_list("params__key", flat=True)
        .first()
    )
    key = recent or f"{MANUAL_CHANGE_PREFIX}{int(now.timestamp())}"
    queued = eligible(event, Kind.CHANGED, key).count()
    started = False
    if queued:
        started = start(event.pk, Kind.CHANGED, key) is not None
        if not started:
            queued = 0  # the first press's run is still going: it reaches them
    audit.record(
        actor=actor, action="events.change_notice_sent", obj=event,
        detail={"key": key, "queued": queued},
    )  # fmt: skip
    return queued, started


def on_event_cancelled(outbox_event) -> None:
    event_id = outbox_event.payload.get("event_id")
    if event_id:
        start(event_id, Kind.CANCELLED)


# --- links --------------------------------------------------------------------------------------


def link_read(value: str) -> tuple[ReminderLog, str]:
    try:
        log_id, action = links.read(value)
    except links.BadLink:
        raise Invalid(
            _("This link is not valid: it was changed or copied incompletely. "
              "Open it again from the message.")
        ) from None  # fmt: skip
    log = (
        ReminderLog.objects.select_related("registration__event", "registration__person")
        .filter(pk=log_id)
        .first()
    )
    if log is None:
        raise NotFound(_("This link is no longer valid."))
    return log, action


@transaction.atomic
def link_follow(*, value: str, now: dt.datetime | None = None) -> tuple[Registration, str]:
    """Confirm or cancel through a reminder's link. Returns (registration, what happened).
    A forged link is ``Invalid``; one already used, or one whose registration has moved on,
    is a ``Conflict`` that says so."""
    now = now or timezone.now()
    log, action = link_read(value)
    log = ReminderLog.objects.select_for_update().get(pk=log.pk)
    reg = Registration.objects.select_related("event").get(pk=log.registration_id)
    if action not in ("confirm", "cancel"):
        raise Invalid(_("This link is not valid."))
    if action in (log.used or {}):
        raise Conflict(
            _("This link was already used on %(when)s. Nothing was changed.")
            % {"when": texts.when(reg.event, dt.datetime.fromisoformat(log.used[action]))}
        )
    end = reg.event.ends_at or reg.event.starts_at
    if end < now:
        raise Conflict(_("This event is over; the link can no longer change anything."))
    if reg.status == RS.CANCELLED:
        raise Conflict(
            _("This registration is already cancelled. To come after all, sign up again.")
        )
    if action == "confirm":
        Registration.objects.filter(pk=reg.pk).update(attendance_confirmed_at=now)
        outcome = "confirmed"
    else:
        from grassroots.events import services as event_services

        event_services.registration_cancel(actor=access.SYSTEM, registration=reg, by_token=True)
        outcome = "cancelled"
    log.used = {**(log.used or {}), action: now.isoformat()}
    log.save(update_fields=["used"])
    audit.record(actor=access.SYSTEM, action=f"events.rsvp_{outcome}_by_link", obj=reg, detail={})
    reg.refresh_from_db()
    return reg, outcome


@transaction.atomic
def rating_record(*, value: str, rating: Any, comment: str = "") -> Registration:
    """The "how did it go" answer (1–5), recorded on the registration; a second answer
    replaces the first."""
    log, action = link_read(value)
    if action != "rate" or log.kind != Kind.THANK_YOU:
        raise Invalid(_("This link is not valid."))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise Invalid({"rating": _("Choose a rating from 1 to 5.")})
    Registration.objects.filter(pk=log.registration_id).update(
        rating=rating, rating_comment=(comment or "").strip()[:1000], rated_at=timezone.now()
    )
    return Registration.objects.get(pk=log.registration_id)
