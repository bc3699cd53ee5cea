"""What starts an automation comes from the event catalogue (ADR 0009), not a list in messaging."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.core import events
from grassroots.messaging.automations import services as automations


@pytest.fixture
def pledge_declared():
    """As the finance app will: its event, about a person."""
    events.declare("pledge.made", "A person pledges", ("amount",), person_field="person_id")
    yield
    events.undeclare("pledge.made")


def test_automation_triggers_come_from_the_catalogue(db):
    choices = automations.trigger_events()
    assert {"person.created", "tag.applied", "message.received"} <= set(choices)
    assert "area.created" not in choices  # declared, but about no person
    assert "pledge.made" not in choices  # nobody declares it (no finance app yet)
    assert "rsvp.created" in choices  # the events app does
    own = [s for s in events.subscribers_for("area.created") if s.key == automations.SUBSCRIBER_KEY]
    assert own == []


def test_a_newly_declared_person_event_is_a_trigger_and_reaches_automations(pledge_declared):
    assert automations.trigger_events()["pledge.made"] == "A person pledges"
    keys = [s.key for s in events.subscribers_for("pledge.made")]
    assert automations.SUBSCRIBER_KEY in keys


def test_an_undeclared_trigger_is_refused(db, users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        automations.automation_save(
            actor=users["admin"], name="Pledge thanks", triggers=[{"event": "pledge.made"}],
            steps=[],
        )  # fmt: skip
    assert "triggers" in exc.value.message_dict


def test_the_editor_offers_the_catalogue_triggers(db, users, client_for, pledge_declared):
    r = client_for(users["admin"]).get(reverse("messaging:automation_create"))
    page = r.content.decode()
    assert r.status_code == 200 and "A person pledges" in page
    assert (
        "triggers.others[&#x27;pledge.made&#x27;]" in page
        or "triggers.others['pledge.made']" in page
    )
    assert r.context["state"]["triggers"]["others"]["pledge.made"] is False
    r = client_for(users["admin"]).post(
        reverse("messaging:automation_create"),
        {"name": "Pledge thanks", "triggers": '[{"event": "pledge.made"}]', "steps": "[]"},
    )
    assert r.status_code == 302
    assert automations.Automation.objects.get(name="Pledge thanks").triggers == [
        {"event": "pledge.made"}
    ]
