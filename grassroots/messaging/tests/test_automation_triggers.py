"""What starts an automation comes from the event catalogue (ADR 0009), not a list in messaging."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.core import events
from grassroots.messaging.automations import services as automations


@pytest.fixture
def rsvp_declared():
    """As the events app would: its event, about a person."""
    events.declare("rsvp.created", "A person RSVPs", ("event_id",), person_field="person_id")
    yield
    events.undeclare("rsvp.created")


def test_automation_triggers_come_from_the_catalogue(db):
    choices = automations.trigger_events()
    assert {"person.created", "tag.applied", "message.received"} <= set(choices)
    assert "area.created" not in choices  # declared, but about no person
    assert "rsvp.created" not in choices  # nobody declares it (no events app yet)
    own = [s for s in events.subscribers_for("area.created") if s.key == automations.SUBSCRIBER_KEY]
    assert own == []


def test_a_newly_declared_person_event_is_a_trigger_and_reaches_automations(rsvp_declared):
    assert automations.trigger_events()["rsvp.created"] == "A person RSVPs"
    keys = [s.key for s in events.subscribers_for("rsvp.created")]
    assert automations.SUBSCRIBER_KEY in keys


def test_an_undeclared_trigger_is_refused(db, users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        automations.automation_save(
            actor=users["admin"], name="RSVP thanks", triggers=[{"event": "rsvp.created"}],
            steps=[],
        )  # fmt: skip
    assert "triggers" in exc.value.message_dict


def test_the_editor_offers_the_catalogue_triggers(db, users, client_for, rsvp_declared):
    r = client_for(users["admin"]).get(reverse("messaging:automation_create"))
    page = r.content.decode()
    assert r.status_code == 200 and "A person RSVPs" in page
    assert (
        "triggers.others[&#x27;rsvp.created&#x27;]" in page
        or "triggers.others['rsvp.created']" in page
    )
    assert r.context["state"]["triggers"]["others"]["rsvp.created"] is False
    r = client_for(users["admin"]).post(
        reverse("messaging:automation_create"),
        {"name": "RSVP thanks", "triggers": '[{"event": "rsvp.created"}]', "steps": "[]"},
    )
    assert r.status_code == 302
    assert automations.Automation.objects.get(name="RSVP thanks").triggers == [
        {"event": "rsvp.created"}
    ]
