"""The automation step registry: a step type registered by another app (here a stub "invite to
an event", as ``events`` would register it) is offered by the editor, has its parameters
validated, and runs — with no change to messaging."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _l

from grassroots.accounts import services as account_services
from grassroots.accounts.models import Role
from grassroots.core import events
from grassroots.core.access import SYSTEM
from grassroots.lists.registry import Param
from grassroots.messaging.automations import registry
from grassroots.messaging.automations import services as automations
from grassroots.messaging.models import AutomationStep, Enrollment
from grassroots.people import services as people_services

INVITED: list[tuple[int, str, object]] = []


def _invite(enrollment, step, person, actor, now, to_send):
    INVITED.append((person.pk, step.params["event"], actor))
    registry.enrollment_log(enrollment, step, f"Invited to event {step.params['event']}", now)
    return registry.NEXT


@pytest.fixture
def invite_step():
    step_type = registry.register_step(
        registry.StepType(
            key="event_invite",
            label=_l("Invite to an event"),
            run=_invite,
            app="events",
            params=[
                Param("event", "choice", _l("Event"), choices=[("42", "Town hall")]),
                Param("note", "text", _l("Note"), required=False, default=""),
            ],
        )
    )
    INVITED.clear()
    yield step_type
    registry.steps.unregister("event_invite")


@pytest.fixture
def manager(geo):
    return account_services.user_create(
        actor=SYSTEM,
        username="boss",
        password="correct-horse-battery-1",
        roles=Role.objects.filter(slug="campaign_manager"),
        scope_all=True,
        two_factor_exempt=True,  # the role requires 2FA; signs in with a password here
    )


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            while events.deliver_pending():
                pass

    return run


def test_messaging_registers_its_six_steps():
    assert [t.key for t in registry.steps][:6] == [
        "wait",
        "send",
        "branch",
        "tag",
        "list",
        "notify",
    ]
    assert registry.editor_defaults()["wait"] == {"days": 1, "hours": 0, "minutes": 0}
    assert registry.editor_defaults()["branch"] == {"condition": "has_phone", "value": ""}


def test_a_key_is_registered_once_and_fits_the_field(invite_step):
    with pytest.raises(ValueError, match="already registered"):
        registry.register_step(
            registry.StepType(key="event_invite", label="x", run=lambda *a: "next")
        )
    registry.register_step(invite_step)  # the same one again (a second ready()): fine
    too_long = "x" * (AutomationStep._meta.get_field("kind").max_length + 1)
    with pytest.raises(ValueError):
        registry.register_step(registry.StepType(key=too_long, label="x", run=_invite))


def test_a_registered_step_is_offered_by_the_editor(client, manager, invite_step):
    client.force_login(manager)
    response = client.get(reverse("messaging:automation_create"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="event_invite">Invite to an event</option>' in html
    assert "add(&#x27;event_invite&#x27;)" in html or "add('event_invite')" in html
    assert '<option value="42">Town hall</option>' in html  # its generic parameter form
    state = json.loads(json.dumps(response.context["state"]))
    assert state["defaults"]["event_invite"] == {"event": "", "note": ""}
    # the built-ins keep their own editors
    assert "s.params.template" in html and "s.params.condition" in html


def test_a_registered_step_validates_its_params(manager, invite_step):
    with pytest.raises(ValidationError) as err:
        automations.automation_save(
            actor=manager, name="Invite", triggers=[], active=False,
            steps=[{"kind": "event_invite", "params": {"event": "99"}},
                   {"kind": "event_invite", "params": {"event": "42", "bogus": 1}}],
        )  # fmt: skip
    assert "Event" in " ".join(err.value.message_dict["steps.0"])
    automation = automations.automation_save(
        actor=manager, name="Invite", triggers=[], active=False,
        steps=[{"kind": "event_invite", "params": {"event": "42", "note": " bring a friend "}}],
    )  # fmt: skip
    step = automation.steps.get()
    assert (step.kind, step.params) == ("event_invite", {"event": "42", "note": "bring a friend"})


def test_a_registered_step_runs(geo, manager, invite_step, deliver):
    automation = automations.automation_save(
        actor=manager,
        name="Invite volunteers",
        active=True,
        triggers=[{"event": "tag.applied", "tag": "volunteer"}],
        steps=[
            {"kind": "event_invite", "params": {"event": "42"}},
            {"kind": "tag", "params": {"tag": "invited"}},
        ],
    )
    ravi = people_services.person_create(actor=SYSTEM, data={"given_name": "Ravi"})
    tag = people_services.tag_get_or_create(actor=SYSTEM, name="volunteer")
    people_services.tag_apply(actor=SYSTEM, tag=tag, people=[ravi])
    deliver()
    e = Enrollment.objects.get(automation=automation, person=ravi)
    assert e.status == "done", e.log
    assert [(ravi.pk, "42", manager)] == INVITED
    assert any(line["text"] == "Invited to event 42" for line in e.log)
    assert ravi.taggings.filter(tag__name="invited").exists()


def test_a_step_whose_type_is_gone_stops_the_person(geo, manager, invite_step, deliver):
    automation = automations.automation_save(
        actor=manager, name="Invite", active=True,
        triggers=[{"event": "tag.applied", "tag": "volunteer"}],
        steps=[{"kind": "event_invite", "params": {"event": "42"}}],
    )  # fmt: skip
    registry.steps.unregister("event_invite")  # the app that registered it was removed
    ravi = people_services.person_create(actor=SYSTEM, data={"given_name": "Ravi"})
    tag = people_services.tag_get_or_create(actor=SYSTEM, name="volunteer")
    people_services.tag_apply(actor=SYSTEM, tag=tag, people=[ravi])
    deliver()
    e = Enrollment.objects.get(automation=automation, person=ravi)
    assert e.status == "failed" and "not available" in e.log[-1]["text"]
    assert INVITED == []
