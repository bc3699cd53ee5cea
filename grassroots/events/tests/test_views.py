"""Organiser screens: authorization matrices (with out-of-scope columns), forms keeping what
was typed, constant queries for the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.events.models import Event, Registration, Shift
from grassroots.events.tests.factories import EventFactory, RegistrationFactory, scoped_user
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client, snapshot
from grassroots.testing.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(geo, users):
    """An event in part 1; users allowed, of the wrong role, and scoped to part 2 only."""
    event = EventFactory(area=geo["p1"], title="Booth 1 canvass")
    return {
        "event": event,
        "shift": event.shifts.get(),
        "org_p1": scoped_user("org_p1", "field_organiser", areas=[geo["p1"]]),
        "org_p2": scoped_user("org_p2", "field_organiser", areas=[geo["p2"]]),
        "volunteer": users["volunteer"],  # events.view, not events.manage
        "nobody": users["nobody"],
    }


def test_event_detail_matrix(cast, people):
    RegistrationFactory(shift=cast["shift"], person=people["ananya"])
    assert_matrix(
        html_client,
        "get",
        reverse("events:event_detail", args=[cast["event"].pk]),
        users={
            "wrong_role": cast["nobody"],
            "out_of_scope": cast["org_p2"],
            "allowed": cast["volunteer"],
        },  # fmt: skip
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
        leaks=["Booth 1 canvass", "Ananya"],
    )


def test_event_list_is_scoped(cast):
    url = reverse("events:event_list")
    assert_matrix(
        html_client,
        "get",
        url,
        users={"wrong_role": cast["nobody"], "allowed": cast["org_p1"]},
        expect={"anonymous": LOGIN, "wrong_role": 403, "allowed": 200},
        leaks=["Booth 1 canvass"],
    )
    body = html_client(cast["org_p2"]).get(url).content.decode()
    assert "Booth 1 canvass" not in body and "No events yet." in body


def test_publish_cancel_copy_matrix(cast, geo):
    draft = EventFactory(area=geo["p1"], title="Draft bank", publish=False)
    assert_matrix(
        html_client,
        "post",
        reverse("events:event_action", args=[draft.pk, "publish"]),
        users={
            "wrong_role": cast["volunteer"],
            "out_of_scope": cast["org_p2"],
            "allowed": cast["org_p1"],
        },  # fmt: skip
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 302},
        unchanged=lambda: snapshot(Event.objects.values("pk", "status")),
    )
    draft.refresh_from_db()
    assert draft.status == Event.Status.PUBLISHED
    assert_matrix(
        html_client,
        "post",
        reverse("events:event_action", args=[draft.pk, "copy"]),
        users={
            "wrong_role": cast["volunteer"],
            "out_of_scope": cast["org_p2"],
            "allowed": cast["org_p1"],
        },  # fmt: skip
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 302},
        unchanged=lambda: Event.objects.count(),
    )


def test_registration_cancel_and_capacity_matrix(cast, people):
    reg = RegistrationFactory(shift=cast["shift"], person=people["ananya"])
    assert_matrix(
        html_client,
        "post",
        reverse("events:registration_cancel", args=[reg.pk]),
        users={
            "wrong_role": cast["volunteer"],
            "out_of_scope": cast["org_p2"],
            "allowed": cast["org_p1"],
        },  # fmt: skip
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 302},
        unchanged=lambda: snapshot(Registration.objects.values("pk", "status")),
    )
    assert_matrix(
        html_client,
        "post",
        reverse("events:shift_capacity", args=[cast["shift"].pk]),
        data={"capacity": "30"},
        users={
            "wrong_role": cast["volunteer"],
            "out_of_scope": cast["org_p2"],
            "allowed": cast["org_p1"],
        },  # fmt: skip
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 302},
        unchanged=lambda: snapshot(Shift.objects.values("pk", "capacity")),
    )


def test_create_keeps_typed_input_and_names_the_problem(users, geo):
    c = html_client(users["organiser"])
    start = (timezone.now() + dt.timedelta(days=4)).replace(second=0, microsecond=0)
    data = {
        "title": "Saturday canvass <b>launch</b>",
        "type": "canvass",
        "description": "Bring **water**",
        "visibility": "public",
        "area": "IN-WB-AC1-P001",
        "time_zone": "Asia/Kolkata",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "address": "Jatin Das Park",
        "capacity": "20",
    }
    r = c.post(reverse("events:event_create"), data)
    assert r.status_code == 400
    body = r.content.decode()
    assert "ends before it starts" in body
    assert "Saturday canvass &lt;b&gt;launch&lt;/b&gt;" in body and "Jatin Das Park" in body
    assert not Event.objects.exists()
    data["ends_at"] = (start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    r = c.post(reverse("events:event_create"), data)
    assert r.status_code == 302
    event = Event.objects.get()
    assert event.shifts.get().capacity == 20 and event.area == geo["p1"]
    assert event.starts_at.utcoffset() is not None
    # lowering the capacity below the confirmed count is refused on the screen too
    r = c.post(reverse("events:shift_capacity", args=[event.shifts.get().pk]), {"capacity": "0"})
    assert r.status_code == 400


def test_capacity_below_confirmed_on_screen(cast, people):
    for p in ("ananya", "sourav"):
        RegistrationFactory(shift=cast["shift"], person=people[p])
    r = html_client(cast["org_p1"]).post(
        reverse("events:shift_capacity", args=[cast["shift"].pk]), {"capacity": "1"}
    )
    assert r.status_code == 400 and "2 people are already confirmed" in r.content.decode()


def test_event_list_constant_queries(geo, users):
    c = html_client(users["manager"])

    def make(n, start):
        for i in range(n):
            EventFactory(area=geo["p1"], title=f"Event {start + i}")

    assert_constant_queries(
        make,
        lambda: c.get(reverse("events:event_list")),
        shown=lambda r: r.content.decode().count('href="/events/'),
    )


def test_event_detail_constant_queries(geo, users):
    event = EventFactory(area=geo["p1"], shifts=[{"capacity": 50}])
    shift = event.shifts.get()
    c = html_client(users["manager"])
    from grassroots.core.access import SYSTEM
    from grassroots.people import services as people_services

    def make(n, start):
        for i in range(n):
            p = people_services.person_create(
                actor=SYSTEM, data={"given_name": f"P{start + i}", "area": geo["p1"]}
            )
            RegistrationFactory(shift=shift, person=p)

    assert_constant_queries(
        make,
        lambda: c.get(reverse("events:event_detail", args=[event.pk])),
        shown=lambda r: r.content.decode().count("/people/"),
    )


def test_campaign_wide_event_shows_a_volunteer_only_their_areas_signups(geo, users, people):
    from grassroots.events.models import Event as E

    rally = EventFactory(area=None, title="Big rally", shifts=[{"capacity": 10}])
    assert E.objects.get(pk=rally.pk).area is None
    for p in ("ananya", "rahul"):  # part 1 and part 2
        RegistrationFactory(shift=rally.shifts.get(), person=people[p])
    body = (
        html_client(users["volunteer"])
        .get(reverse("events:event_detail", args=[rally.pk]))
        .content.decode()
    )
    assert "Ananya" in body and "Rahul" not in body
    body = (
        html_client(users["manager"])
        .get(reverse("events:event_detail", args=[rally.pk]))
        .content.decode()
    )
    assert "Ananya" in body and "Rahul" in body
