"""Messaging's own automation steps, registered in the step registry (``registry.py``).

=========  ==========================================================================
``wait``   ``{"days", "hours", "minutes"}``: continue after that long (the minute tick)
``send``   ``{"template": id}``: the template, in the person's language, through dispatch
           (the compliance layer decides; a held message goes when allowed)
``branch`` ``{"condition": "has_tag"|"lacks_tag"|"has_phone"|"has_email"|"language",
           "value": …}``: continue only if it holds, else the person leaves the sequence
``tag``    ``{"tag": name}``
``list``   ``{"list": id}``: add to a static list
``notify`` ``{"user": id, "text": …}``: a note on the person and an email to that user
=========  ==========================================================================
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from grassroots.lists import selectors as list_selectors
from grassroots.lists import services as list_services
from grassroots.lists.models import PersonList
from grassroots.lists.registry import Param
from grassroots.messaging import sending
from grassroots.messaging.automations.registry import (
    EXIT,
    NEXT,
    StepType,
    Wait,
    enrollment_log,
    register_step,
)
from grassroots.messaging.models import Message, Template
from grassroots.messaging.services import best_addresses, render_for
from grassroots.people import contact
from grassroots.people import services as people_services
from grassroots.people.models import ContactPoint, Person, Tagging

WAIT, SEND, BRANCH, TAG, LIST, NOTIFY = "wait", "send", "branch", "tag", "list", "notify"
CONDITIONS = ("has_tag", "lacks_tag", "has_phone", "has_email", "language")
CONDITION_LABELS = [
    ("has_phone", _l("has a phone number")),
    ("has_email", _l("has an email address")),
    ("has_tag", _l("has the tag")),
    ("lacks_tag", _l("does not have the tag")),
    ("language", _l("prefers the language")),
]


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


# --- wait ----------------------------------------------------------------------------------------


def _clean_wait(p: dict[str, Any]) -> dict[str, Any]:
    params = {u: int(p.get(u) or 0) for u in ("days", "hours", "minutes")}
    if any(v < 0 for v in params.values()) or not any(params.values()):
        raise ValueError(_("Wait at least a minute."))
    if params["days"] > 365:
        raise ValueError(_("Wait at most a year."))
    return params


def _run_wait(enrollment, step, person, actor, now, to_send) -> Wait:
    p = step.params
    return Wait(
        now
        + dt.timedelta(days=p.get("days", 0), hours=p.get("hours", 0), minutes=p.get("minutes", 0))
    )


# --- send ----------------------------------------------------------------------------------------


def _clean_send(p: dict[str, Any]) -> dict[str, Any]:
    template = Template.objects.filter(pk=int(p.get("template") or 0)).first()
    if template is None:
        raise ValueError(_("Choose the template to send."))
    return {"template": template.pk}


def _run_send(enrollment, step, person, actor, now, to_send) -> str:
    message = _queue(enrollment, step, person, actor)
    if message is not None:
        to_send.append(message.pk)
        enrollment_log(
            enrollment, step, _("Message queued to %(to)s") % {"to": message.to_address}, now
        )
    return NEXT


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


# --- branch --------------------------------------------------------------------------------------


def _clean_branch(p: dict[str, Any]) -> dict[str, Any]:
    cond = p.get("condition")
    if cond not in CONDITIONS:
        raise ValueError(_("Choose a condition."))
    value = str(p.get("value") or "").strip()
    if cond in ("has_tag", "lacks_tag", "language") and not value:
        raise ValueError(_("The condition needs a value."))
    return {"condition": cond, "value": value[:60]}


def holds(condition: str, value: str, person: Person) -> bool:
    if condition in ("has_tag", "lacks_tag"):
        tagged = (
            Tagging.objects.filter(person=person, tag__slug__iexact=value).exists()
            or Tagging.objects.filter(person=person, tag__name__iexact=value).exists()
        )
        return tagged if condition == "has_tag" else not tagged
    if condition in ("has_phone", "has_email"):
        return ContactPoint.objects.filter(
            person=person,
            channel=contact.Channel.PHONE if condition == "has_phone" else contact.Channel.EMAIL,
            status__in=["active", "unverified"],
        ).exists()
    return (person.preferred_language or "").lower() == value.lower()


def _run_branch(enrollment, step, person, actor, now, to_send) -> str:
    p = step.params
    if holds(p["condition"], p.get("value", ""), person):
        enrollment_log(enrollment, step, _("Condition met"), now)
        return NEXT
    enrollment_log(enrollment, step, _("Condition not met: left the sequence"), now)
    return EXIT


# --- tag -----------------------------------------------------------------------------------------


def _clean_tag(p: dict[str, Any]) -> dict[str, Any]:
    tag = str(p.get("tag") or "").strip()
    if not tag:
        raise ValueError(_("Name the tag."))
    return {"tag": tag[:60]}


def _run_tag(enrollment, step, person, actor, now, to_send) -> str:
    tag = people_services.tag_get_or_create(actor=actor, name=step.params["tag"])
    people_services.tag_apply(actor=actor, tag=tag, people=[person])
    enrollment_log(enrollment, step, _("Tagged “%(tag)s”") % {"tag": tag.name}, now)
    return NEXT


# --- list ----------------------------------------------------------------------------------------


def _clean_list(p: dict[str, Any]) -> dict[str, Any]:
    plist = PersonList.objects.filter(pk=int(p.get("list") or 0)).first()
    if plist is None:
        raise ValueError(_("Choose the list."))
    return {"list": plist.pk}


def _run_list(enrollment, step, person, actor, now, to_send) -> str:
    plist = PersonList.objects.filter(pk=step.params["list"]).first()
    if plist is None:
        raise ValidationError(_("the list was deleted"))
    list_services.list_add_people(actor=actor, person_list=plist, person_ids=[person.pk])
    enrollment_log(enrollment, step, _("Added to the list “%(name)s”") % {"name": plist.name}, now)
    return NEXT


# --- notify --------------------------------------------------------------------------------------


def _clean_notify(p: dict[str, Any]) -> dict[str, Any]:
    user = _user_model().objects.filter(pk=int(p.get("user") or 0)).first()
    if user is None:
        raise ValueError(_("Choose who to notify."))
    return {"user": user.pk, "text": str(p.get("text") or "")[:500]}


def _run_notify(enrollment, step, person, actor, now, to_send) -> str:
    p = step.params
    user = _user_model().objects.filter(pk=p["user"], is_active=True).first()
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
    enrollment_log(enrollment, step, _("Notified %(user)s") % {"user": user.get_username()}, now)
    return NEXT


# --- registration --------------------------------------------------------------------------------

BUILTINS = [
    StepType(
        key=WAIT, label=_l("Wait"), run=_run_wait, clean=_clean_wait, order=10,
        params=[
            Param("days", "int", _l("Days"), required=False, default=1, min_value=0, max_value=365),
            Param("hours", "int", _l("Hours"), required=False, default=0, min_value=0),
            Param("minutes", "int", _l("Minutes"), required=False, default=0, min_value=0),
        ],
        editor_template="messaging/automation_steps/wait.html",
    ),
    StepType(
        key=SEND, label=_l("Send a message"), run=_run_send, clean=_clean_send, order=20,
        params=[Param("template", "int", _l("Template"))],
        editor_template="messaging/automation_steps/send.html",
        editor_context=lambda actor: {"templates": Template.objects.visible_to(actor)},
    ),
    StepType(
        key=BRANCH, label=_l("Continue only if"), run=_run_branch, clean=_clean_branch, order=30,
        params=[
            Param("condition", "choice", _l("The person"), default="has_phone",
                  choices=CONDITION_LABELS),
            Param("value", "text", _l("Value"), required=False, default=""),
        ],
        editor_template="messaging/automation_steps/branch.html",
        editor_context=lambda actor: {"conditions": CONDITION_LABELS},
    ),
    StepType(
        key=TAG, label=_l("Tag the person"), run=_run_tag, clean=_clean_tag, order=40,
        params=[Param("tag", "text", _l("Tag"))],
        editor_template="messaging/automation_steps/tag.html",
    ),
    StepType(
        key=LIST, label=_l("Add to a list"), run=_run_list, clean=_clean_list, order=50,
        params=[Param("list", "int", _l("List"))],
        editor_template="messaging/automation_steps/list.html",
        editor_context=lambda actor: {"lists": list_selectors.list_visible_to(actor)[:300]},
    ),
    StepType(
        key=NOTIFY, label=_l("Notify a staff member"), run=_run_notify, clean=_clean_notify,
        order=60,
        params=[
            Param("user", "int", _l("Staff member")),
            Param("text", "text", _l("Message"), required=False, default=""),
        ],
        editor_template="messaging/automation_steps/notify.html",
        editor_context=lambda actor: {
            "staff": _user_model().objects.filter(is_active=True).order_by("username")
        },
    ),
]  # fmt: skip


def register_builtins() -> None:
    for step_type in BUILTINS:
        register_step(step_type)
