"""What events add to the shared mechanisms: segment filters, the person panel, dashboard
tiles, the timeline; and the demo seeder."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.events.models import Event, Registration
from grassroots.events.tests.factories import EventFactory, RegistrationFactory
from grassroots.lists.selectors import segment_people
from grassroots.testing.matrix import html_client

pytestmark = pytest.mark.django_db


def _segment(filter_key, params):
    return {
        "steps": [
            {
                "action": "add",
                "group": {"match": "all", "items": [{"filter": filter_key, "params": params}]},
            }
        ]
    }


def test_segment_filters(geo, people, users):
    bank = EventFactory(area=geo["ac"])
    rally = EventFactory(area=geo["ac"], type="rally")
    RegistrationFactory(shift=bank.shifts.get(), person=people["ananya"])
    r2 = RegistrationFactory(shift=rally.shifts.get(), person=people["rahul"])
    RegistrationFactory(shift=rally.shifts.get(), person=people["ananya"])
    Registration.objects.filter(person=people["ananya"]).update(attendance="attended")
    Registration.objects.filter(pk=r2.pk).update(attendance="no_show")

    def who(key, params):
        qs = segment_people(actor=users["manager"], definition=_segment(key, params))
        return set(qs.values_list("given_name", flat=True))

    assert who("event_rsvp", {"what": "rsvp"}) == {"Ananya", "Rahul"}
    assert who("event_rsvp", {"what": "rsvp", "types": ["phone_bank"]}) == {"Ananya"}
    assert who("event_rsvp", {"what": "attended", "types": ["rally"]}) == {"Ananya"}
    assert who("event_rsvp", {"what": "rsvp", "since": "2099-01-01"}) == set()
    assert who("events_attended", {"min": 2}) == {"Ananya"}
    assert who("events_attended", {"min": 3}) == set()


def test_panel_tiles_and_timeline(geo, people, users):
    event = EventFactory(area=geo["p1"], title="Booth 1 canvass", hosts=[people["sourav"]])
    RegistrationFactory(shift=event.shifts.get(), person=people["ananya"])
    c = html_client(users["manager"])
    body = c.get(reverse("people:person_detail", args=[people["ananya"].pk])).content.decode()
    assert 'id="events-panel"' in body and "Booth 1 canvass" in body
    assert "Signed up for Booth 1 canvass" in body  # the timeline
    body = c.get(reverse("people:person_detail", args=[people["sourav"].pk])).content.decode()
    assert "Hosting" in body
    body = c.get(reverse("core:dashboard")).content.decode()
    assert "New sign-ups this week" in body and "No-show rate" in body
    assert "Upcoming events filled" in body
    # no capability, no panel and no tiles
    c = html_client(users["finance"])
    assert (
        "events-panel"
        not in c.get(reverse("people:person_detail", args=[people["ananya"].pk])).content.decode()
    )


def test_demo_seeder_is_idempotent(geo, users):
    from grassroots.core.registry import DemoRun
    from grassroots.events import demo
    from grassroots.geography import services as geo_services
    from grassroots.people import services as people_services

    kind = geo["kinds"]["part"]
    area = geo_services.area_create(
        actor=SYSTEM, kind=kind, code="IN-WB-AC158", name="Bhabanipur demo", parent=geo["state"]
    )
    for i in range(60):
        people_services.person_create(actor=SYSTEM, data={"given_name": f"D{i}", "area": area})

    class Progress:
        def log(self, text):
            pass

        def add(self, n, force=False):
            pass

    run = DemoRun(seed=1, scale=0.01, plan=None, progress=Progress(), areas={area.code: area})
    made = demo.seed(run)
    assert made["events"] >= 10 and made["event_signups"] > 0
    assert Registration.objects.filter(status="waitlisted").exists()
    assert Event.objects.filter(type__slug="town_hall", area=area).exclude(virtual_url="").exists()
    assert demo.seed(run) == {"events": 0, "event_signups": 0}
