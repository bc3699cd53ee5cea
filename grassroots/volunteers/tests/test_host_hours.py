"""A host logs hours for the people signed up to their event, from the check-in screen: through
their host link, or signed in; the hours wait for an organiser's approval."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.events.proposals import hosting
from grassroots.events.tests.factories import EventFactory, RegistrationFactory
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client
from grassroots.testing.users import make_user
from grassroots.volunteers import services
from grassroots.volunteers.models import HoursEntry
from grassroots.volunteers.tests.factories import VolunteerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(geo, users, people):
    start = timezone.now() + dt.timedelta(days=1)
    host_vol = VolunteerFactory(area=geo["p1"], given_name="Hemlata", user=users["volunteer"])
    event = EventFactory(area=geo["p1"], title="Booth meeting Okapi", starts_at=start,
                         ends_at=start + dt.timedelta(hours=2), hosts=[host_vol.person])  # fmt: skip
    other = EventFactory(area=geo["p1"], title="Another meeting", starts_at=start,
                         ends_at=start + dt.timedelta(hours=2))  # fmt: skip
    reg = RegistrationFactory(shift=event.shifts.first(), person=people["ananya"])
    other_reg = RegistrationFactory(shift=other.shifts.first(), person=people["sourav"])
    comms = make_user("comms", "communications", areas=[geo["ac"]])  # events.manage only
    return {"event": event, "other": other, "reg": reg, "other_reg": other_reg,
            "host": host_vol, "comms": comms}  # fmt: skip


def _entries():
    return sorted(HoursEntry.objects.values_list("volunteer__person_id", "hours", "status"))


def test_a_host_link_logs_pending_hours_for_an_attendee(world, client):
    token = hosting.host_token(world["event"], world["host"].person_id)
    # the host screen shows the form in each confirmed row
    r = client.get(reverse("events:host", args=[token]))
    assert r.status_code == 200
    body = r.content.decode()
    url = reverse("volunteers:host_hours", args=[token, world["reg"].pk])
    assert f'action="{url}"' in body
    r = client.post(url, {"date": timezone.localdate().isoformat(), "hours": "2.5",
                          "description": "Set up chairs"})  # fmt: skip
    assert r.status_code == 302 and r["Location"] == reverse("events:host", args=[token])
    entry = HoursEntry.objects.get()
    assert entry.volunteer.person == world["reg"].person
    assert entry.status == HoursEntry.Status.PENDING and str(entry.hours) == "2.50"
    assert entry.description == "Set up chairs"
    # an organiser approves them as usual
    services.hours_decide(actor=SYSTEM, entry=entry, approve=True)


def test_host_link_refuses_others_events_forged_links_and_future_days(world, client):
    token = hosting.host_token(world["event"], world["host"].person_id)
    data = {"date": timezone.localdate().isoformat(), "hours": "2"}
    # a registration of another event through this host's link: 404
    r = client.post(reverse("volunteers:host_hours", args=[token, world["other_reg"].pk]), data)
    assert r.status_code == 404
    # a link for an event this person does not host, and a forged one: 404
    not_host = hosting.host_token(world["other"], world["host"].person_id)
    r = client.post(reverse("volunteers:host_hours", args=[not_host, world["other_reg"].pk]), data)
    assert r.status_code == 404
    r = client.post(reverse("volunteers:host_hours", args=["forged", world["reg"].pk]), data)
    assert r.status_code == 404
    # a future day: nothing logged, the reason said
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = client.post(reverse("volunteers:host_hours", args=[token, world["reg"].pk]),
                    {"date": tomorrow, "hours": "2"}, follow=True)  # fmt: skip
    assert "future day" in r.content.decode()
    assert _entries() == []


def test_signed_in_hours_matrix(world, users, geo):
    """On the staff check-in screen: an organiser who manages volunteers, or a host."""
    url = reverse("volunteers:checkin_hours", args=[world["event"].public_id, world["reg"].pk])
    data = {"date": timezone.localdate().isoformat(), "hours": "3"}
    assert_matrix(
        html_client, "post", url, data=data,
        users={"anonymous": None, "wrong_role": users["nobody"],
               "not_a_host": world["comms"],
               "out_of_scope": make_user("p2org", "field_organiser", areas=[geo["p2"]]),
               "allowed": users["organiser"]},
        expect={"anonymous": LOGIN, "wrong_role": 403, "not_a_host": 403, "out_of_scope": 404,
                "allowed": 302},
        unchanged=_entries,
    )  # fmt: skip
    assert _entries()[0][2] == "pending"


def test_a_signed_in_host_without_volunteer_management_may_log(world, geo):
    # the communications user hosts the event: their volunteer profile's person is a host
    host2 = VolunteerFactory(area=geo["p1"], given_name="Ishita", user=world["comms"])
    world["event"].hosts.add(host2.person)
    c = html_client(world["comms"])
    url = reverse("volunteers:checkin_hours", args=[world["event"].public_id, world["reg"].pk])
    r = c.post(url, {"date": timezone.localdate().isoformat(), "hours": "1"})
    assert r.status_code == 302
    assert [e[0] for e in _entries()] == [world["reg"].person_id]
    # but not for another event's attendee, which they do not host
    url = reverse(
        "volunteers:checkin_hours", args=[world["other"].public_id, world["other_reg"].pk]
    )
    assert c.post(url, {"date": timezone.localdate().isoformat(), "hours": "1"}).status_code == 403
    assert len(_entries()) == 1
