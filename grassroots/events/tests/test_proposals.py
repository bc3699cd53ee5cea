"""Distributed events: a supporter proposes an event on the public form; an organiser approves
(the host gets their link and manages attendees) or declines."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.core.exceptions import Conflict
from grassroots.events.checkin import services as checkin
from grassroots.events.models import Event, Registration
from grassroots.events.proposals import hosting, services
from grassroots.events.tests.factories import RegistrationFactory
from grassroots.messaging.models import Message
from grassroots.messaging.tests.factories import ProviderAccountFactory
from grassroots.people.models import Person
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client, snapshot
from grassroots.testing.users import make_user


def _form(**over):
    day = (timezone.now() + dt.timedelta(days=5)).date().isoformat()
    data = {
        "title": "House meeting at Mitali's", "type": "meeting", "description": "Tea and talk",
        "date": day, "start": "18:00", "end": "20:00", "address": "4 Lake Road, Kolkata",
        "capacity": "15", "given_name": "Mitali", "family_name": "Roy",
        "email": "mitali@example.org", "phone": "",
    }  # fmt: skip
    data.update(over)
    return data


@pytest.fixture
def proposed(client, geo):
    page = client.post(reverse("events:propose"), _form())
    assert page.status_code == 200 and "Thank you" in page.text
    return Event.objects.get(title="House meeting at Mitali's")


def test_a_proposal_is_saved_as_proposed_with_its_host(proposed):
    assert proposed.status == Event.Status.PROPOSED
    host = proposed.hosts.get()
    assert host.full_name == "Mitali Roy" and proposed.contact_person == host
    assert proposed.shifts.get().capacity == 15


@pytest.mark.parametrize(
    "over, field",
    [({"title": ""}, "Give the event a title"), ({"end": "17:00"}, "after the start"),
     ({"email": "nope", "phone": ""}, "email"), ({"email": "", "phone": ""}, "phone number"),
     ({"date": "2001-01-01"}, "future"), ({"capacity": "0"}, "places")],
)  # fmt: skip
def test_bad_proposals_keep_what_was_typed_and_save_nothing(client, geo, over, field):
    page = client.post(reverse("events:propose"), _form(**over))
    assert page.status_code == 400 and field in page.text
    assert "Tea and talk" in page.text  # the description typed is still there
    assert not Event.objects.exists() and not Person.objects.filter(given_name="Mitali").exists()


def test_the_honeypot_saves_nothing(client, geo):
    page = client.post(reverse("events:propose"), _form(website="spam.example"))
    assert page.status_code == 200 and not Event.objects.exists()


def test_approval_publishes_and_the_host_manages_attendees(proposed, users, people, client):
    ProviderAccountFactory()
    services.proposal_decide(actor=users["manager"], event=proposed, approve=True)
    proposed.refresh_from_db()
    assert proposed.status == Event.Status.PUBLISHED
    host = proposed.contact_person
    message = Message.objects.get(person=host)
    token = message.body.split("/events/host/")[1].split("/")[0]
    assert hosting.event_for_host(token) == proposed
    reg = RegistrationFactory(shift=proposed.shifts.first(), person=people["ananya"])
    path = reverse("events:host", args=[token])
    page = client.get(path)
    assert page.status_code == 200 and "Ananya" in page.text
    client.post(path + f"mark/{reg.pk}/", {"attendance": "attended"})
    reg.refresh_from_db()
    assert reg.attendance == Registration.Attendance.ATTENDED
    # a forged host link, or one for a person who is not a host: 404
    assert client.get(reverse("events:host", args=["forged"])).status_code == 404
    other = reverse("events:host", args=[hosting.host_token(proposed, people["rahul"].pk)])
    assert client.get(other).status_code == 404
    with pytest.raises(Conflict):
        services.proposal_decide(actor=users["manager"], event=proposed, approve=False)


def test_a_host_cannot_scan_a_ticket_for_another_event(proposed, users, people, geo):
    from grassroots.events.tests.factories import EventFactory

    services.proposal_decide(actor=users["manager"], event=proposed, approve=True)
    other = EventFactory(area=geo["p1"])
    reg = RegistrationFactory(shift=other.shifts.first(), person=people["ananya"])
    event = hosting.event_for_host(hosting.host_token(proposed, proposed.contact_person_id))
    with pytest.raises(Conflict):
        from grassroots.core.access import SYSTEM

        checkin.scan(actor=SYSTEM, event=event, code=reg.token)


def test_decline(proposed, users):
    services.proposal_decide(actor=users["manager"], event=proposed, approve=False, note="Sorry")
    proposed.refresh_from_db()
    assert proposed.status == Event.Status.CANCELLED


def test_proposals_matrix(proposed, users, geo):
    outsider = make_user("p2organiser", "field_organiser", areas=[geo["p2"]])
    cols = {"wrong_role": users["volunteer"], "out_of_scope": outsider, "allowed": users["manager"]}
    url = reverse("events:proposals")
    # the list: a scoped organiser sees no campaign-wide proposal (they could not decide it)
    assert_matrix(
        html_client, "get", url, users=cols,
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 200, "allowed": 200},
        leaks=["House meeting at Mitali"],
    )  # fmt: skip
    assert_matrix(
        html_client, "post", url, users=cols,
        data={"event": str(proposed.public_id), "decision": "approve"},
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 302},
        unchanged=lambda: snapshot(Event.objects.filter(pk=proposed.pk)),
    )  # fmt: skip
    proposed.refresh_from_db()
    assert proposed.status == Event.Status.PUBLISHED


def test_the_proposal_list_has_constant_queries(client, geo, users):
    from grassroots.testing.queries import assert_constant_queries

    c = html_client(users["manager"])

    def make_rows(count, start):
        for i in range(count):
            services.event_propose(
                data={**_form(title=f"Meeting {start + i}", email=f"h{start + i}@example.org"),
                      "starts_at": timezone.now() + dt.timedelta(days=3),
                      "ends_at": timezone.now() + dt.timedelta(days=3, hours=2)}
            )  # fmt: skip

    assert_constant_queries(make_rows, lambda: c.get(reverse("events:proposals")))
