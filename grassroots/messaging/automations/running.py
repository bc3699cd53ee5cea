"""Running automations: each enrollment advanced step by step (now, or when its wait is over:
the minute tick), every step done once. What a step does is its step type's ``run`` (the step
registry, ``automations.registry``)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.core import access
from grassroots.messaging import sending
from grassroots.messaging.automations import registry
from grassroots.messaging.models import AutomationStep, Enrollment
from grassroots.people.models import Person

E = Enrollment.Status
_log = registry.enrollment_log


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
        if isinstance(outcome, registry.Wait):
            enrollment.next_run_at = outcome.until
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
        if outcome == registry.EXIT:
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


def _run_step(enrollment, step, person, actor, now, to_send: list[int]) -> registry.Outcome:
    if person is None:
        raise ValidationError(_("the person no longer exists"))
    step_type = registry.steps.get(step.kind)
    if step_type is None:  # the app that registered it is gone
        raise ValidationError(
            _("this kind of step (%(kind)s) is not available") % {"kind": step.kind}
        )
    return step_type.run(enrollment, step, person, actor, now, to_send)


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
