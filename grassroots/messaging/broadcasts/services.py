"""Broadcasts: test sends, creating and starting (the audience frozen), pause/resume/cancel,
the sending job, counts. The messages are created by ``audience``, A/B tests decided by
``abtests``; sending itself is ``sending``'s."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import access, audit, events, jobs
from grassroots.core.jobs import JobReporter
from grassroots.core.models import Job
from grassroots.geography.selectors import home_area
from grassroots.lists import services as list_services
from grassroots.lists.models import ListMember, PersonList, Segment
from grassroots.messaging import sending
from grassroots.messaging.broadcasts.audience import SAME_ADDRESS, materialise_chunks
from grassroots.messaging.models import (
    Broadcast,
    Channel,
    Message,
    ProviderAccount,
    Template,
)
from grassroots.messaging.services import SEND, render_for
from grassroots.people.models import Person

S = Message.Status
B = Broadcast.Status
RUNNER = "messaging.broadcast"


# --- broadcasts --------------------------------------------------------------------------------


def broadcast_test_send(*, actor: Any, broadcast: Broadcast, to: str) -> Message:
    """Send the broadcast's text, as the first person of the audience would get it, to a
    test address (the sender's own phone or inbox), marked [TEST] and tied to nobody."""
    from grassroots.core.phones import normalize_email, normalize_phone
    from grassroots.messaging import selectors

    access.require_object(actor, SEND, broadcast)
    to = (to or "").strip()
    try:
        to = normalize_email(to) if broadcast.channel == Channel.EMAIL else normalize_phone(to)[0]
    except (ValidationError, ValueError):
        raise ValidationError({"to": _("“%(to)s” is not a valid address for this channel.")
                               % {"to": to}})  # fmt: skip
    sample = selectors.audience_sample(actor, broadcast, 1)
    person = sample[0] if sample else Person(given_name=_("Test"), full_name=_("Test"))
    text = render_for(broadcast.template, person)
    account = broadcast.account or sending.default_account(broadcast.channel)
    message = Message.objects.create(
        channel=broadcast.channel,
        purpose=broadcast.purpose,
        to_address=to,
        from_address=(account.config.get("from_number") or account.config.get("from_email", ""))
        if account
        else "",
        subject=("[TEST] " + text["subject"])[:200] if text["subject"] else "",
        body=text["body"] if broadcast.channel == Channel.EMAIL else "[TEST] " + text["body"],
        html=text["html"],
        template_variant=text["variant"],
        account=account,
        created_by=access.user_or_none(actor),
    )
    sending.dispatch([message.pk])
    message.refresh_from_db()
    audit.record(actor=actor, action="messaging.test_sent", obj=broadcast, detail={"to": to[-4:]})
    return message


@transaction.atomic
def broadcast_create(
    *,
    actor: Any,
    name: str,
    template: Template,
    segment: Segment | None = None,
    person_list: PersonList | None = None,
    account: ProviderAccount | None = None,
    scheduled_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    track: bool = False,
    template_b: Template | None = None,
    ab_sample: int = 20,
    ab_metric: str = "replied",
    ab_wait: int = 60,
) -> Broadcast:
    """A draft broadcast in the sender's area: the template, the audience and the account must
    be ones the sender may see (anything else is 404, as if it did not exist)."""
    access.require(actor, SEND)
    for obj in (template, template_b, segment, person_list, account):
        if obj is not None:
            access.require_object(actor, SEND, obj, access.VIEW)
    errors = {}
    if template_b is not None:
        if template_b.channel != template.channel or template_b.pk == template.pk:
            errors["template_b"] = _("Version B must be another template of the same channel.")
        if not 2 <= int(ab_sample or 0) <= 50:
            errors["ab_sample"] = _("The sample is 2% to 50% of the audience.")
        if ab_metric not in ("replied", "clicked", "delivered"):
            errors["ab_metric"] = _("Choose how the better version is chosen.")
        if not 5 <= int(ab_wait or 0) <= 60 * 24 * 7:
            errors["ab_wait"] = _("Decide after 5 minutes to a week.")
    if not (name or "").strip():
        errors["name"] = _("Give the broadcast a name.")
    if (segment is None) == (person_list is None):
        errors["audience"] = _("Choose a segment or a list as the audience.")
    account = account or sending.default_account(template.channel)
    if account is None:
        errors["account"] = _("No provider account sends %(channel)s yet.") % {
            "channel": template.get_channel_display()
        }
    elif template.channel not in account.channels:
        errors["account"] = _("That account does not send this channel.")
    if scheduled_at and expires_at and expires_at <= scheduled_at:
        errors["expires_at"] = _("Held messages must be allowed to go after the start.")
    if errors:
        raise ValidationError(errors)
    broadcast = Broadcast.objects.create(
        name=name.strip()[:120],
        template=template,
        channel=template.channel,
        purpose=template.purpose,
        segment=segment,
        person_list=person_list,
        account=account,
        scheduled_at=scheduled_at,
        expires_at=expires_at,
        track=track and template.channel == Channel.EMAIL,
        template_b=template_b,
        ab_sample=int(ab_sample or 20),
        ab_metric=ab_metric,
        ab_wait=int(ab_wait or 60),
        created_by=access.user_or_none(actor),
        area=home_area(actor),
    )
    audit.record(actor=actor, action="messaging.broadcast_created", obj=broadcast, detail={})
    return broadcast


def broadcast_start(*, actor: Any, broadcast: Broadcast) -> Broadcast:
    """Freeze the audience (a segment becomes a snapshot list, within the sender's scope) and
    send now, or at the scheduled time."""
    access.require_object(actor, SEND, broadcast)
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if broadcast.status != B.DRAFT:
            raise ValidationError(_("This broadcast has already been started."))
        if broadcast.segment_id and not broadcast.person_list_id:
            frozen = list_services.list_freeze(
                actor=actor,
                segment=broadcast.segment,
                name=_("%(name)s — recipients") % {"name": broadcast.name},
            )
            broadcast.person_list = frozen
        if broadcast.person_list is None:
            raise ValidationError(_("The audience list no longer exists."))
        job = jobs.runner(RUNNER).create(
            actor=actor,
            title=_("Broadcast “%(name)s”") % {"name": broadcast.name},
            total=broadcast.person_list.size,
            broadcast_id=broadcast.pk,
        )
        later = broadcast.scheduled_at and broadcast.scheduled_at > sending.clock()
        broadcast.status = B.SCHEDULED if later else B.SENDING
        broadcast.job = job
        broadcast.recipients = broadcast.person_list.size
        broadcast.save()
        audit.record(
            actor=actor,
            action="messaging.broadcast_started",
            obj=broadcast,
            detail={"recipients": broadcast.recipients, "scheduled": bool(later)},
        )
        if not later:
            enqueue_run(broadcast)
    return broadcast


def enqueue_run(broadcast: Broadcast) -> None:
    """Run the broadcast's job (again) after commit: the ``messaging.broadcast`` runner
    (``messaging.runners.BroadcastRunner``) on the urgent queue."""
    job = Job.objects.filter(pk=broadcast.job_id).first() if broadcast.job_id else None
    if job is None:  # a broadcast from before jobs were runners
        job = jobs.runner(RUNNER).create(
            actor=broadcast.created_by,
            title=_("Broadcast “%(name)s”") % {"name": broadcast.name},
            total=broadcast.recipients,
            broadcast_id=broadcast.pk,
        )
        Broadcast.objects.filter(pk=broadcast.pk).update(job=job)
    jobs.job_requeue(job)


def broadcast_release(broadcast_id: int) -> int:
    """The messages a dead worker claimed for this broadcast go back to the queue at once
    (same uuid: a provider that did get one drops the duplicate); the recipients it had not
    created yet are created by the job's next run."""
    return Message.objects.filter(broadcast_id=broadcast_id, status=S.SENDING).update(
        status=S.PENDING, claim="", held_until=None, updated_at=timezone.now()
    )


def broadcast_set_status(*, actor: Any, broadcast: Broadcast, action: str) -> Broadcast:
    """pause, resume or cancel."""
    access.require_object(actor, SEND, broadcast)
    with transaction.atomic():
        b = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if action == "pause" and b.status in (B.SENDING, B.SCHEDULED):
            b.status = B.PAUSED
        elif action == "resume" and b.status == B.PAUSED:
            b.status = B.SENDING
            enqueue_run(b)
        elif action == "cancel" and b.status in (B.SENDING, B.SCHEDULED, B.PAUSED, B.DRAFT):
            b.status, b.finished_at = B.CANCELLED, timezone.now()
            b.messages.filter(status__in=[S.PENDING, S.HELD]).update(
                status=S.CANCELLED, status_code="cancelled", updated_at=timezone.now()
            )
        else:
            raise ValidationError(_("The broadcast cannot be changed that way now."))
        b.save(update_fields=["status", "finished_at", "updated_at"])
        audit.record(actor=actor, action=f"messaging.broadcast_{action}", obj=b, detail={})
    return b


def broadcast_run(broadcast_id: int, reporter: JobReporter | None = None) -> dict[str, Any]:
    """The broadcast's job: one message per recipient (created once, whatever restarts),
    then dispatched at the provider's pace until done, paused or cancelled."""
    broadcast = Broadcast.objects.select_related("template", "account", "person_list").get(
        pk=broadcast_id
    )
    if broadcast.status != B.SENDING:
        return {"skipped": broadcast.status}
    if broadcast.started_at is None:
        Broadcast.objects.filter(pk=broadcast.pk).update(started_at=sending.clock())
    pipeline = sending.Pipeline(pace=sending.Pacer(sending.provider_for(broadcast.account).rate))
    total = sending.Outcome()
    # progress = messages dealt with: counted once here, then from each batch's outcome (a
    # count over the whole broadcast per batch cost more than the batch at 100,000)
    done = broadcast.messages.exclude(status=S.PENDING).count()
    # the messages are created a batch at a time between sends, so the first ones go at once
    # and the lanes send while the next batch is written
    chunks = materialise_chunks(broadcast, sending.BATCH)
    creating = True

    def count(outcome: sending.Outcome) -> None:
        nonlocal done
        total.add(outcome)
        done += outcome.sent + outcome.held + outcome.blocked + outcome.failed + outcome.retry
        if reporter is not None:
            reporter.advance(done)

    try:
        while True:
            status = Broadcast.objects.filter(pk=broadcast.pk).values_list("status", flat=True)[0]
            if status != B.SENDING:
                break
            if creating:
                settled = next(chunks, None)  # messages created not pending (no address…)
                creating = settled is not None
                done += settled or 0
            ids = list(
                broadcast.messages.filter(status=S.PENDING, held_until__isnull=True)
                .order_by("id")
                .values_list("id", flat=True)[: sending.BATCH]
            )
            if not ids:
                if creating:
                    continue
                break
            count(sending.dispatch(ids, pipeline=pipeline))
    finally:  # what the lanes sent is recorded even if something broke
        try:
            count(pipeline.close())
        finally:
            pipeline.shutdown()
    finish_if_done(broadcast.pk)
    if (
        reporter is not None
        and not Broadcast.objects.filter(pk=broadcast.pk, status=B.PAUSED).exists()
    ):
        # this pass is over; held messages go when allowed (the minute tick), not in this job
        reporter.job.refresh_from_db()
        if not reporter.job.is_finished:
            reporter.succeed({**broadcast_stats(broadcast), **total.as_dict()})
    return total.as_dict()


def _unmade(broadcast: Broadcast) -> bool:
    """Whether some recipients have no message yet (the job creates them batch by batch)."""
    return (
        broadcast.person_list_id is not None
        and ListMember.objects.filter(list_id=broadcast.person_list_id)
        .exclude(person_id__in=Message.objects.filter(broadcast=broadcast).values("person_id"))
        .exists()
    )


def creation_stalled(broadcast: Broadcast, now: dt.datetime) -> bool:
    """A sending broadcast whose job stopped before creating every recipient's message (its
    worker died): nothing of it has moved for ``sending.STUCK_AFTER``. Running the job again
    carries on where it stopped — nobody gets a second message."""
    if broadcast.status != B.SENDING or not _unmade(broadcast):
        return False
    last = Message.objects.filter(broadcast=broadcast).aggregate(m=Max("updated_at"))["m"]
    last = max(filter(None, [last, broadcast.started_at]), default=None)
    return last is None or last < now - sending.STUCK_AFTER


def finish_if_done(broadcast_id: int) -> None:
    with transaction.atomic():
        b = Broadcast.objects.select_for_update().get(pk=broadcast_id)
        if b.status != B.SENDING:
            return
        if b.messages.filter(status__in=[S.PENDING, S.HELD, S.SENDING]).exists():
            return  # held messages go when allowed (messaging_tick)
        if _unmade(b):
            return  # the job is still creating messages (or will again: messaging_tick)
        b.status, b.finished_at = B.DONE, timezone.now()
        b.save(update_fields=["status", "finished_at", "updated_at"])
        if b.job_id and not b.job.is_finished:
            JobReporter(b.job).succeed(broadcast_stats(b))
        events.publish("broadcast.finished", {"broadcast_id": b.pk})


def broadcast_stats(broadcast: Broadcast) -> dict[str, int]:
    return broadcast_stats_many([broadcast])[broadcast.pk]


def broadcast_stats_many(broadcasts: list[Broadcast]) -> dict[int, dict[str, int]]:
    """``broadcast_stats`` for many broadcasts (a list page) in one query, by broadcast id."""
    statuses = [value for value, _label in S.choices]
    rows = {
        row.pop("broadcast_id"): row
        for row in Message.objects.filter(broadcast_id__in=[b.pk for b in broadcasts])
        .values("broadcast_id")
        .annotate(
            **{f"s_{st}": Count("id", filter=Q(status=st), distinct=True) for st in statuses},
            opened=Count("id", filter=Q(opened_at__isnull=False), distinct=True),
            clicked=Count("id", filter=Q(clicked_at__isnull=False), distinct=True),
            replied=Count("replies", distinct=True),
            opted_out=Count("replies", filter=Q(replies__status_code="opt_out"), distinct=True),
            same_address=Count(
                "id", filter=Q(status=S.BLOCKED, status_code=SAME_ADDRESS), distinct=True
            ),
        )
        .order_by()
    }
    result = {}
    for broadcast in broadcasts:
        row = rows.get(broadcast.pk, {})
        counts = {st: row.get(f"s_{st}", 0) for st in statuses}
        sent = counts[S.SENT] + counts[S.DELIVERED]
        # while it sends, the recipients whose message is not created yet are queued too
        unmade = 0
        if broadcast.status in (B.SENDING, B.PAUSED):
            unmade = max(broadcast.recipients - sum(counts.values()), 0)
        result[broadcast.pk] = {
            "recipients": broadcast.recipients,
            "queued": counts[S.PENDING] + counts[S.SENDING] + unmade,
            "held": counts[S.HELD],
            # not sent: the same address as an earlier recipient (who got it), and the rest
            "same_address": row.get("same_address", 0),
            "blocked": counts[S.BLOCKED] - row.get("same_address", 0),
            "sent": sent,
            "delivered": counts[S.DELIVERED],
            "failed": counts[S.FAILED],
            "cancelled": counts[S.CANCELLED],
            "opened": row.get("opened", 0),
            "clicked": row.get("clicked", 0),
            "replied": row.get("replied", 0),
            "opted_out": row.get("opted_out", 0),
        }
    return result
