"""The automation step registry: every kind of step an automation can take.

A step type says what its parameters are (for the editor and for validation) and what it does
to one person when their way through the automation reaches it. Messaging registers the six
built-ins (``wait``, ``send``, ``branch``, ``tag``, ``list``, ``notify``, in
``automations.steps``); the editor, the validation in ``automation_save`` and the runner read
this registry, so a higher app adds a step without touching messaging. The step's ``key`` is
what ``AutomationStep.kind`` stores: never rename one that is in use.

Higher apps register theirs in their ``AppConfig.ready()``, with the segment filters'
``Param`` for their parameters (``grassroots.lists.registry.Param``)::

    # grassroots/events/apps.py  →  ready()
    from grassroots.lists.registry import Param
    from grassroots.messaging.automations.registry import NEXT, StepType, register_step

    def invite(enrollment, step, person, actor, now, to_send):
        event = Event.objects.filter(pk=step.params["event"]).first()
        if event is None:
            raise ValidationError(_("the event was deleted"))  # stops the person, logged
        events_services.invitation_create(actor=actor, event=event, person=person)
        return NEXT

    register_step(StepType(
        key="event_invite", label=_l("Invite to an event"), run=invite, app="events",
        params=[Param("event", "choice", _l("Event"), choices=upcoming_event_choices)],
    ))

- ``calling`` registers ``call_list_add`` ("Add to a call list": ``Param("call_list",
  "choice", choices=open_call_lists)``; ``run`` calls ``calling.services.call_list_add_people``).
- ``finance`` registers ``donation_ask`` ("Ask for a donation": a ``choice`` of donation pages
  and an ``int`` suggested amount in minor units; ``run`` queues the ask through messaging's
  ``send`` machinery or records an interaction for a call-time list).

``run(enrollment, step, person, actor, now, to_send)`` acts as ``actor`` (the automation's
author, or ``SYSTEM`` for a system automation) through the app's services, appends the ids of
``Message`` rows to dispatch after commit to ``to_send``, and returns :data:`NEXT` (carry on),
:data:`EXIT` (the person leaves the sequence) or :class:`Wait` (continue at ``until``). A
``PermissionDenied`` or ``ValidationError`` stops the person's way, with its message in the
enrollment's log. Use ``enrollment_log(enrollment, step, text, now)`` to say what was done.

Parameters: ``params`` (``Param`` list) are cleaned one by one; ``check(cleaned) -> cleaned``
may add rules across them (raise ``ValueError`` with the message for the user). A step type
whose parameters need more than that passes ``clean(raw) -> cleaned`` instead. In the editor, a
step type is shown with ``editor_template`` (by default a generic form of its ``params``);
``editor_context(actor) -> dict`` adds what that template needs (templates, lists, staff…).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from grassroots.lists.registry import Param

NEXT = "next"  # carry on with the next step
EXIT = "exit"  # the person leaves the sequence here
GENERIC_EDITOR = "messaging/automation_steps/_params.html"
MAX_KEY_LENGTH = 40


@dataclass(frozen=True)
class Wait:
    """The outcome of a step that pauses the person until ``until``."""

    until: dt.datetime


Outcome = str | Wait
Runner = Callable[[Any, Any, Any, Any, dt.datetime, list[int]], Outcome]


@dataclass
class StepType:
    key: str
    label: Any
    run: Runner
    params: Sequence[Param] = ()
    clean: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    check: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    defaults: dict[str, Any] | None = None
    editor_template: str = GENERIC_EDITOR
    editor_context: Callable[[Any], dict[str, Any]] | None = None
    help: Any = ""
    app: str = ""
    order: int = 100

    def clean_params(self, raw: Any) -> dict[str, Any]:
        """The parameters to store, or a ``ValueError`` with one message for the user."""
        raw = raw if isinstance(raw, dict) else {}
        if self.clean is not None:
            return self.clean(raw)
        cleaned, problems = {}, []
        for p in self.params:
            try:
                cleaned[p.name] = p.clean(raw.get(p.name))
            except ValueError as exc:
                problems.append(f"{p.label}: {exc}")
        if problems:
            raise ValueError("; ".join(problems))
        return self.check(cleaned) if self.check is not None else cleaned

    def default_params(self) -> dict[str, Any]:
        """What a new step of this type starts with in the editor."""
        if self.defaults is not None:
            return dict(self.defaults)
        return {p.name: "" if p.default is None else p.default for p in self.params}

    def describe(self) -> dict[str, Any]:
        """The step type as the editor lists it (JSON-ready)."""
        return {
            "key": self.key,
            "label": str(self.label),
            "help": str(self.help),
            "defaults": self.default_params(),
            "params": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "label": str(p.label),
                    "required": p.required and p.default is None,
                    "choices": [[k, str(v)] for k, v in p.choice_list()] if p.choices else None,
                    "min": p.min_value,
                    "max": p.max_value,
                    "help": str(p.help),
                }
                for p in self.params
            ],
        }


class StepRegistry:
    def __init__(self):
        self._types: dict[str, StepType] = {}

    def register(self, step_type: StepType) -> StepType:
        if not step_type.key or len(step_type.key) > MAX_KEY_LENGTH:
            raise ValueError(f"a step key is 1 to {MAX_KEY_LENGTH} characters: {step_type.key!r}")
        existing = self._types.get(step_type.key)
        if existing is not None and existing is not step_type and existing.run is not step_type.run:
            raise ValueError(f"an automation step {step_type.key!r} is already registered")
        self._types[step_type.key] = step_type
        return step_type

    def unregister(self, key: str) -> None:
        """For tests: forget a step type."""
        self._types.pop(key, None)

    def get(self, key: Any) -> StepType | None:
        return self._types.get(key) if isinstance(key, str) else None

    def choices(self) -> list[tuple[str, str]]:
        return [(t.key, t.label) for t in self]

    def __iter__(self):
        return iter(sorted(self._types.values(), key=lambda t: (t.order, t.key)))

    def __contains__(self, key: object) -> bool:
        return key in self._types


steps = StepRegistry()
MAX_LOG = 50


def enrollment_log(enrollment: Any, step: Any, text: str, now: dt.datetime) -> None:
    """Add a line to the person's log of this automation (the last ``MAX_LOG`` are kept)."""
    enrollment.log = [
        *enrollment.log[-(MAX_LOG - 1) :],
        {"at": now.isoformat(), "step": step.position + 1 if step else None, "text": text},
    ]


def register_step(step_type: StepType) -> StepType:
    """Add a kind of automation step (in ``AppConfig.ready()``); see the module docstring."""
    return steps.register(step_type)


def editor_context(actor: Any) -> dict[str, Any]:
    """What the automation editor's template needs: ``step_types`` (in order) and what each
    type's own editor asks for (templates, lists, staff… for ``actor``)."""
    context: dict[str, Any] = {}
    for step_type in steps:
        if step_type.editor_context is not None:
            context.update(step_type.editor_context(actor))
    context["step_types"] = list(steps)
    return context


def editor_defaults() -> dict[str, dict[str, Any]]:
    """Each step type's starting parameters, for the editor's script (``add(kind)``)."""
    return {step_type.key: step_type.default_params() for step_type in steps}
