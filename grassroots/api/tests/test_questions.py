"""The town hall question API: moderators see and moderate every question of their events;
others see only the public ones; a signed-up attendee (or a moderator on their behalf) asks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.events.models import EventType
from grassroots.events.tests.factories import EventFactory, RegistrationFactory, scoped_user
from grassroots.events.townhall import services
from grassroots.events.townhall.models import EventQuestion
from grassroots.testing.matrix import api_client, assert_matrix, snapshot
from grassroots.volunteers.tests.factories import VolunteerFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/event-questions/"


@pytest.fixture
def hall(geo, users, people):
    event = EventFactory(area=geo["p1"], title="Town hall with the candidate",
                         type=EventType.objects.get(slug="town_hall"))  # fmt: skip
    reg = RegistrationFactory(shift=event.shifts.first(), person=people["ananya"])
    pending = services.question_submit(registration=reg, text="What about the Quokka bridge?")
    answered = services.question_submit(registration=reg, text="When is the next Okapi fair?")
    services.question_moderate(actor=SYSTEM, question=answered, action="answered")
    # the volunteer user is Sourav's login (his volunteer profile), signed up too
    VolunteerFactory(person=people["sourav"], user=users["volunteer"])
    sourav_reg = RegistrationFactory(shift=event.shifts.first(), person=people["sourav"])
    return {"event": event, "reg": reg, "sourav_reg": sourav_reg, "pending": pending,
            "answered": answered,
            "org_p1": scoped_user("org_p1", "field_organiser", areas=[geo["p1"]]),
            "org_p2": scoped_user("org_p2", "field_organiser", areas=[geo["p2"]])}  # fmt: skip


def _texts(client, **params):
    r = client.get(URL, params)
    assert r.status_code == 200
    return {q["text"]: q for q in r.json()["results"]}


def test_moderators_see_all_with_status_others_only_the_public(hall, users):
    staff = _texts(api_client(hall["org_p1"]))
    assert set(staff) == {"What about the Quokka bridge?", "When is the next Okapi fair?"}
    assert staff["What about the Quokka bridge?"]["status"] == "pending"
    assert staff["When is the next Okapi fair?"]["starred"] is False
    # during the town hall an attendee sees nothing; afterwards the answered one, no status
    assert _texts(api_client(users["volunteer"])) == {}
    hall["event"].__class__.objects.filter(pk=hall["event"].pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=3),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    seen = _texts(api_client(users["volunteer"]))
    assert list(seen) == ["When is the next Okapi fair?"]
    assert seen["When is the next Okapi fair?"]["status"] is None
    assert seen["When is the next Okapi fair?"]["registration"] is None
    # an organiser of another area does not see the event, so none of its questions
    assert _texts(api_client(hall["org_p2"])) == {}


def test_read_matrix_for_one_pending_question(hall, users):
    assert_matrix(
        api_client, "get", f"{URL}{hall['pending'].pk}/",
        users={"anonymous": None, "wrong_role": users["nobody"], "attendee": users["volunteer"],
               "out_of_scope": hall["org_p2"], "allowed": hall["org_p1"]},
        expect={"anonymous": 401, "wrong_role": 403, "attendee": 404, "out_of_scope": 404,
                "allowed": 200},
        leaks=["Quokka bridge"], json_errors=True,
    )  # fmt: skip


def test_ask_matrix_and_rules(hall, users, people):
    count = lambda: EventQuestion.objects.count()  # noqa: E731
    body = {"event": hall["event"].pk, "text": "Will the Okapi road be paved?"}
    assert_matrix(
        api_client, "post", URL, data=body, format="json",
        users={"anonymous": None, "wrong_role": users["nobody"],
               "not_signed_up": users["auditor"], "out_of_scope": hall["org_p2"],
               "allowed": users["volunteer"]},
        expect={"anonymous": 401, "wrong_role": 403, "not_signed_up": 403,
                "out_of_scope": 400, "allowed": 201},
        unchanged=count, json_errors=True,
    )  # fmt: skip
    mine = EventQuestion.objects.get(text="Will the Okapi road be paved?")
    assert mine.registration == hall["sourav_reg"] and mine.status == "pending"
    # a moderator asks on someone's behalf; not an attendee on someone else's
    c = api_client(hall["org_p1"])
    r = c.post(URL, {**body, "text": "Phoned in", "registration": hall["reg"].pk}, format="json")
    assert r.status_code == 201 and r.json()["registration"] == hall["reg"].pk
    r = api_client(users["volunteer"]).post(
        URL, {**body, "text": "Sneaky", "registration": hall["reg"].pk}, format="json"
    )
    assert r.status_code == 403
    assert not EventQuestion.objects.filter(text="Sneaky").exists()
    # empty text: 400
    r = api_client(users["volunteer"]).post(URL, {**body, "text": " "}, format="json")
    assert r.status_code == 400


def test_moderate_matrix(hall, users):
    q = hall["pending"]
    assert_matrix(
        api_client, "post", f"{URL}{q.pk}/moderate/", data={"action": "star"}, format="json",
        users={"anonymous": None, "wrong_role": users["nobody"], "attendee": users["volunteer"],
               "out_of_scope": hall["org_p2"], "allowed": hall["org_p1"]},
        expect={"anonymous": 401, "wrong_role": 403, "attendee": 404, "out_of_scope": 404,
                "allowed": 200},
        unchanged=lambda: snapshot(EventQuestion.objects.filter(pk=q.pk)), json_errors=True,
    )  # fmt: skip
    q.refresh_from_db()
    assert q.starred is True
    c = api_client(hall["org_p1"])
    r = c.post(f"{URL}{q.pk}/moderate/", {"action": "hide"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "hidden"
    r = c.post(f"{URL}{q.pk}/moderate/", {"action": "answered"}, format="json")
    assert r.status_code == 409
    r = c.post(f"{URL}{q.pk}/moderate/", {"action": "delete"}, format="json")
    assert r.status_code == 400
