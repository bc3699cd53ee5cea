"""Running automations: each enrollment advanced step by step (now, or when its wait is over:
the minute tick), every step done once."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from grassroots.core import access
from grassroots.lists import services as list_services
from grassroots.lists.models import PersonList
from grassroots.messaging import sending
from grassroots.messaging.models import (
    AutomationStep,
    Enrollment,
    Message,
    Template,
)
from grassroots.messaging.services import best_addresses, render_for
from grassroots.people import services as people_services
from grassroots.people.models import ContactPoint, Person, Tagging

E = Enrollment.Status
K = AutomationStep.Kind
MAX_LOG = 50


def _log(enrollment: Enrollment, step: AutomationStep | None, text: str, now) -> None:
    enrollment.log = [
        *enrollment.log[-(MAX_LOG - 1) :],
        {"at": now.isoformat(), "step": step.position + 1 if step else None, "text": text},
    ]


def _next_index(steps: list[AutomationStep], enrollment: Enrollment) -> int:
    for i, s in enumerate(steps):
        if s.key == enrollment.step_key:
            return i
    # the step it was waiting for was deleted: carry on with what now stands in its place
    for i, s in enumerate(steps):
        if s.position >= enrollment.step_position:
            return i
    return len(steps)


def advance(enrollment: Enrollment, now: dt.datetime | None = None) -> Enrollment:
    """Run the person's steps until a wait, the end, or a stop."""
    now = now or sending.clock()
    automation = enrollment.automation
    steps = list(automation.steps.order_by("position"))
    i = _next_index(steps, enrollment) if enrollment.step_key or enrollment.step_position else 0
    person = Person.objects.filter(pk=enrollment.person_id).first()
    actor = automation.created_by or (access.SYSTEM if automation.system else None)
    to_send: list[int] = []
    status = E.ACTIVE
    if actor is None and not automation.system:
        _log(enrollment, None, _("Stopped: the account that built this automation is gone"), now)
        i, status = len(steps), E.FAILED
    while i < len(steps):
        step = steps[i]
        try:
            outcome = _run_step(enrollment, step, person, actor, now, to_send)
        except (PermissionDenied, ValidationError) as exc:
            text = " ".join(getattr(exc, "messages", [])) or str(exc) or _("not allowed")
            _log(enrollment, step, _("Stopped: %(reason)s") % {"reason": text}, now)
            status = E.FAILED
            break
        if outcome == "wait":
            wait = step.params
            enrollment.next_run_at = now + dt.timedelta(
                days=wait.get("days", 0), hours=wait.get("hours", 0), minutes=wait.get("minutes", 0)
            )
            _log(
                enrollment,
                step,
                _("Waiting until %(when)s") % {"when": enrollment.next_run_at.isoformat()},
                now,
            )
            nxt = steps[i + 1] if i + 1 < len(steps) else None
            enrollment.step_key = nxt.key if nxt else ""
            enrollment.step_position = nxt.position if nxt else step.position + 1
            status = E.WAITING
            break
        if outcome == "exit":
            status = E.EXITED
            break
        i += 1
    else:
        status = E.DONE if status != E.FAILED else status
    enrollment.status = status
    if status != E.WAITING:
        enrollment.next_run_at = None
        enrollment.finished_at = now
        if status == E.DONE:
            _log(enrollment, None, _("Finished"), now)
    enrollment.save()
    if to_send:
        transaction.on_commit(lambda: sending.dispatch(to_send))
    return enrollment


def _run_step(enrollment, step, person, actor, now, to_send: list[int]) -> str:
    kind, p = step.kind, step.params
    if person is None:
        raise ValidationError(_("the person no longer exists"))
    if kind == K.WAIT:
        return "wait"
    if kind == K.SEND:
        message = _queue(enrollment, step, person, actor)
        if message is not None:
            to_send.append(message.pk)
            _log(enrollment, step, _("Message queued to %(to)s") % {"to": message.to_address}, now)
        return "next"
    if kind == K.BRANCH:
        if _holds(p["condition"], p.get("value", ""), person):
            _log(enrollment, step, _("Condition met"), now)
            return "next"
        _log(enrollment, step, _("Condition not met: left the sequence"), now)
        return "exit"
    if kind == K.TAG:
        tag = people_services.tag_get_or_create(actor=actor, name=p["tag"])
        people_services.tag_apply(actor=actor, tag=tag, people=[person])
        _log(enrollment, step, _("Tagged “%(tag)s”") % {"tag": tag.name}, now)
        return "next"
    if kind == K.LIST:
        plist = PersonList.objects.filter(pk=p["list"]).first()
        if plist is None:
            raise ValidationError(_("the list was deleted"))
        list_services.list_add_people(actor=actor, person_list=plist, person_ids=[person.pk])
        _log(enrollment, step, _("Added to the list “%(name)s”") % {"name": plist.name}, now)
        return "next"
    # notify
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=p["user"], is_active=True).first()
    if user is None:
        raise ValidationError(_("the staff member to notify is gone"))
    text = p.get("text") or _("%(automation)s: %(name)s") % {
        "automation": enrollment.automation.name,
        "name": person.full_name,
    }
    people_services.note_create(actor=actor, person=person, body=f"→ {user.get_username()}: {text}")
    if user.email:
        transaction.on_commit(
            lambda: send_mail(
                subject=f"[{enrollment.automation.name}] {person.full_name}",
                message=text,
                from_email=None,
                recipient_list=[user.email],
                fail_silently=True,
            )
        )
    _log(enrollment, step, _("Notified %(user)s") % {"user": user.get_username()}, now)
    return "next"


def _queue(enrollment, step, person, actor) -> Message | None:
    template = Template.objects.filter(pk=step.params.get("template")).first()
    if template is None:
        raise ValidationError(_("the template was deleted"))
    if actor is not None and not actor.has_capability("messaging.send"):
        raise PermissionDenied(_("its author may no longer send messages"))
    key = f"{enrollment.pk}:{step.key}"
    existing = Message.objects.filter(automation_key=key).first()
    if existing is not None:  # sent before (an edited sequence, a re-run): never twice
        return None
    to = best_addresses([person.pk], template.channel).get(person.pk, "")
    account = sending.default_account(template.channel)
    text = render_for(
        template,
        Person.objects.select_related("area", "household__address").get(pk=person.pk),
    )
    try:
        with transaction.atomic():
            return Message.objects.create(
                person=person,
                channel=template.channel,
                purpose=template.purpose,
                to_address=to,
                from_address=(
                    account.config.get("from_number") or account.config.get("from_email", "")
                )
                if account
                else "",
                subject=text["subject"],
                body=text["body"],
                html=text["html"],
                template_variant=text["variant"],
                account=account,
                automation_key=key,
                status=Message.Status.PENDING if to else Message.Status.BLOCKED,
                status_code="" if to else "no_address",
                status_reason="" if to else _("No usable address for this channel."),
                created_by=actor,
            )
    except IntegrityError:
        return None


def _holds(condition: str, value: str, person: Person) -> bool:
    if condition in ("has_tag", "lacks_tag"):
        tagged = (
            Tagging.objects.filter(person=person, tag__slug__iexact=value).exists()
            or Tagging.objects.filter(person=person, tag__name__iexact=value).exists()
        )
        return tagged if condition == "has_tag" else not tagged
    if condition in ("has_phone", "has_email"):
        return ContactPoint.objects.filter(
            person=person,
            channel="phone" if condition == "has_phone" else "email",
            status__in=["active", "unverified"],
        ).exists()
    return (person.preferred_language or "").lower() == value.lower()


def run_due(now: dt.datetime | None = None) -> int:
    """The minute tick: carry on with everyone whose wait is over."""
    now = now or sending.clock()
    n = 0
    for enrollment in Enrollment.objects.filter(
        status=E.WAITING, next_run_at__lte=now
    ).select_related("automation")[:1000]:
        if not enrollment.automation.active:
            continue  # paused automations keep people where they are
        with transaction.atomic():
            locked = (
                Enrollment.objects.select_for_update()
                .filter(pk=enrollment.pk, status=E.WAITING)
                .select_related("automation")
                .first()
            )
            if locked is None:
                continue
            advance(locked, now)
            n += 1
    return n
