"""Town hall questions: attendees ask (HTML is only text), staff moderate, the answered list is
public afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.core.exceptions import Conflict
from grassroots.events.models import Event, EventType
from grassroots.events.tests.factories import EventFactory, RegistrationFactory
from grassroots.events.townhall import services
from grassroots.events.townhall.models import EventQuestion
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client, snapshot
from grassroots.testing.users import make_user

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def town_hall(geo):
    return EventFactory(
        area=geo["p1"], title="Town hall with the candidate",
        type=EventType.objects.get(slug="town_hall"), virtual_url="https://meet.example.org/th",
    )  # fmt: skip


@pytest.fixture
def reg(town_hall, people):
    return RegistrationFactory(shift=town_hall.shifts.first(), person=people["ananya"])


def test_a_question_with_html_is_stored_as_text_and_shown_escaped(client, reg):
    page = client.post(reverse("events:ask", args=[reg.token]), {"text": SCRIPT})
    assert page.status_code == 302
    q = EventQuestion.objects.get()
    assert q.text == SCRIPT and q.status == EventQuestion.Status.PENDING
    ticket = client.get(reverse("events:rsvp_page", args=[reg.token]))
    assert SCRIPT not in ticket.text and "&lt;script&gt;" in ticket.text


def test_bad_questions_are_refused_and_the_text_kept(client, reg):
    page = client.post(reverse("events:ask", args=[reg.token]), {"text": "  "})
    assert page.status_code == 400 and "Write your question" in page.text
    long = "a" * 1001
    page = client.post(reverse("events:ask", args=[reg.token]), {"text": long})
    assert page.status_code == 400 and long in page.text
    assert not EventQuestion.objects.exists()


def test_no_questions_after_the_town_hall(reg, town_hall):
    Event.objects.filter(pk=town_hall.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=3),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    reg.refresh_from_db()
    with pytest.raises(Conflict):
        services.question_submit(registration=reg, text="Late?")


def test_moderation_and_the_public_answered_list(client, reg, town_hall, users):
    q = services.question_submit(registration=reg, text="What about the water supply?")
    hidden = services.question_submit(registration=reg, text="Off topic")
    services.question_moderate(actor=users["organiser"], question=q, action="star")
    services.question_moderate(actor=users["organiser"], question=q, action="answered")
    services.question_moderate(actor=users["organiser"], question=hidden, action="hide")
    with pytest.raises(Conflict):
        services.question_moderate(actor=users["organiser"], question=hidden, action="answered")
    q.refresh_from_db()
    assert q.starred and q.answered_at and q.status == EventQuestion.Status.APPROVED
    url = reverse("events:answered", args=[town_hall.public_id])
    before = client.get(url)
    assert before.status_code == 200 and "water supply" not in before.text  # not over yet
    Event.objects.filter(pk=town_hall.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=3),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    after = client.get(url)
    assert "water supply" in after.text and "Off topic" not in after.text


def test_an_internal_event_has_no_public_answered_list(client, geo):
    internal = EventFactory(area=geo["p1"], type=EventType.objects.get(slug="town_hall"),
                            visibility="internal")  # fmt: skip
    assert client.get(reverse("events:answered", args=[internal.public_id])).status_code == 404


def test_moderation_matrix(reg, town_hall, users, geo):
    q = services.question_submit(registration=reg, text="Secret question about roads")
    outsider = make_user("p2organiser", "field_organiser", areas=[geo["p2"]])
    cols = {
        "wrong_role": users["volunteer"],
        "out_of_scope": outsider,
        "allowed": users["organiser"],
    }
    url = reverse("events:questions", args=[town_hall.public_id])
    assert_matrix(
        html_client, "get", url, users=cols,
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
        leaks=["Secret question about roads"],
    )  # fmt: skip
    assert_matrix(
        html_client, "post", url, users=cols, data={"question": q.pk, "action": "answered"},
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 302},
        unchanged=lambda: snapshot(EventQuestion.objects.filter(pk=q.pk)),
    )  # fmt: skip
    q.refresh_from_db()
    assert q.answered_at is not None


def test_the_moderation_list_has_constant_queries(town_hall, users, people):
    from grassroots.events.tests.factories import RegistrationFactory as Reg
    from grassroots.people import services as people_services
    from grassroots.testing.queries import assert_constant_queries

    c = html_client(users["organiser"])
    url = reverse("events:questions", args=[town_hall.public_id])

    def make_rows(count, start):
        for i in range(count):
            person = people_services.person_create(
                actor=users["admin"], data={"given_name": f"Q{start + i}"}
            )
            reg = Reg(shift=town_hall.shifts.first(), person=person)
            services.question_submit(registration=reg, text=f"Question {start + i}?")

    assert_constant_queries(make_rows, lambda: c.get(url))
