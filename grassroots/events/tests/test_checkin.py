"""Check-in: scanning a ticket, marking attended / no-show, walk-ins; attendance becomes an
interaction and an ``attendance.recorded`` event; the screens' authorization."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grassroots.core.exceptions import Conflict
from grassroots.core.models import OutboxEvent
from grassroots.events.checkin import services
from grassroots.events.models import Registration
from grassroots.events.tests.factories import EventFactory, RegistrationFactory
from grassroots.people import services as people_services
from grassroots.people.models import Interaction, Person
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client, snapshot
from grassroots.testing.queries import assert_constant_queries
from grassroots.testing.users import make_user

A = Registration.Attendance


@pytest.fixture
def event(geo):
    return EventFactory(area=geo["p1"], title="Phone bank Bhabanipur")


@pytest.fixture
def reg(event, people):
    return RegistrationFactory(shift=event.shifts.first(), person=people["ananya"])


@pytest.fixture
def outsider(geo):
    return make_user("p2organiser", "field_organiser", areas=[geo["p2"]])


def test_scanning_a_ticket_checks_in_and_records_the_interaction(event, reg, users):
    done = services.scan(actor=users["organiser"], event=event, code=services.ticket_url(reg))
    assert done.attendance == A.ATTENDED and done.checked_in_at is not None
    interaction = Interaction.objects.get(person=reg.person, channel="event")
    assert interaction.outcome == "attended" and interaction.actor == users["organiser"]
    assert interaction.data == {"event_id": event.pk, "rsvp_id": reg.pk}
    published = OutboxEvent.objects.filter(name="attendance.recorded").get()
    assert published.payload["person_id"] == reg.person_id
    assert published.payload["rsvp_id"] == reg.pk
    # scanned twice: nothing more
    services.scan(actor=users["organiser"], event=event, code=reg.token)
    assert Interaction.objects.filter(person=reg.person, channel="event").count() == 1
    assert OutboxEvent.objects.filter(name="attendance.recorded").count() == 1


def test_a_ticket_for_another_event_is_refused(event, reg, users, geo, people):
    other = EventFactory(area=geo["p1"], title="Rally")
    with pytest.raises(Conflict, match="another event"):
        services.scan(actor=users["organiser"], event=other, code=services.ticket_url(reg))
    reg.refresh_from_db()
    assert reg.attendance == A.UNKNOWN
    assert not Interaction.objects.filter(person=reg.person, channel="event").exists()


@pytest.mark.parametrize("code", ["", "hello", "https://example.org/not/a/ticket!"])
def test_a_code_that_is_no_ticket_is_answered_clearly(event, users, code):
    with pytest.raises(ValidationError):
        services.scan(actor=users["organiser"], event=event, code=code)


def test_a_waitlisted_ticket_is_not_checked_in(geo, people, users):
    event = EventFactory(area=geo["p1"], shifts=[{"capacity": 1}])
    RegistrationFactory(shift=event.shifts.first(), person=people["sourav"])
    waiting = RegistrationFactory(shift=event.shifts.first(), person=people["ananya"])
    assert waiting.status == Registration.Status.WAITLISTED
    with pytest.raises(Conflict, match="waitlist"):
        services.scan(actor=users["organiser"], event=event, code=waiting.token)


def test_no_show_and_undo(event, reg, users):
    services.attendance_mark(actor=users["organiser"], registration=reg, attendance=A.NO_SHOW)
    reg.refresh_from_db()
    assert reg.attendance == A.NO_SHOW
    services.attendance_mark(actor=users["organiser"], registration=reg, attendance=A.UNKNOWN)
    reg.refresh_from_db()
    assert reg.attendance == A.UNKNOWN
    with pytest.raises(ValidationError):
        services.attendance_mark(actor=users["organiser"], registration=reg, attendance="maybe")


def test_a_walk_in_is_added_and_checked_in(event, users, people):
    reg = services.walk_in_add(
        actor=users["organiser"], event=event, shift=None, given_name="Mitali",
        family_name="Roy", phone="+91 98300 77777",
    )  # fmt: skip
    assert reg.attendance == A.ATTENDED and reg.person.full_name == "Mitali Roy"
    # the same person again (matched by phone): the same registration
    again = services.walk_in_add(
        actor=users["organiser"], event=event, shift=None, given_name="M", phone="+919830077777"
    )
    assert again.pk == reg.pk
    # someone known by email is matched, not duplicated
    known = services.walk_in_add(
        actor=users["organiser"], event=event, shift=None, given_name="Ananya",
        email="ANANYA@example.org",
    )  # fmt: skip
    assert known.person_id == people["ananya"].pk


def test_a_walk_in_with_a_bad_phone_saves_nothing(event, users):
    before = Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.walk_in_add(
            actor=users["organiser"], event=event, shift=None, given_name="X", phone="12"
        )
    assert "phone" in exc.value.message_dict
    assert Person.objects.count() == before


def test_the_qr_code_is_an_svg(reg):
    svg = services.qr_svg(services.ticket_url(reg)).decode()
    assert svg.startswith("<?xml") and "<svg" in svg


def test_the_ticket_page_shows_the_qr_code(client, reg):
    page = client.get(reverse("events:rsvp_page", args=[reg.token]))
    assert page.status_code == 200
    assert reverse("events:ticket_qr", args=[reg.token]) in page.text
    qr = client.get(reverse("events:ticket_qr", args=[reg.token]))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert client.get(reverse("events:ticket_qr", args=["x" * 32])).status_code == 404


def test_checkin_screen_matrix(event, reg, users, outsider):
    assert_matrix(
        html_client, "get", reverse("events:checkin", args=[event.public_id]),
        users={"wrong_role": users["volunteer"], "out_of_scope": outsider,
               "allowed": users["organiser"]},
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
        leaks=[reg.person.full_name],
    )  # fmt: skip


def test_scan_and_mark_matrix(event, reg, users, outsider):
    for url, data in (
        (reverse("events:checkin_scan", args=[event.public_id]), {"code": reg.token}),
        (
            reverse("events:checkin_mark", args=[event.public_id, reg.pk]),
            {"attendance": "attended"},
        ),
    ):
        assert_matrix(
            html_client, "post", url, data=data,
            users={"wrong_role": users["volunteer"], "out_of_scope": outsider,
                   "allowed": users["organiser"]},
            expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                    "allowed": (200, 302)},
            leaks=[reg.person.full_name],
            unchanged=lambda: snapshot(Registration.objects.filter(pk=reg.pk)),
        )  # fmt: skip
        Registration.objects.filter(pk=reg.pk).update(attendance=A.UNKNOWN)


def test_the_scan_endpoint_answers_in_json(event, reg, users, geo):
    c = html_client(users["organiser"])
    other = EventFactory(area=geo["p1"])
    refused = c.post(reverse("events:checkin_scan", args=[other.public_id]), {"code": reg.token})
    assert refused.status_code == 409 and "another event" in refused.json()["message"]
    ok = c.post(reverse("events:checkin_scan", args=[event.public_id]), {"code": reg.token})
    assert ok.status_code == 200 and ok.json()["ok"] is True


def test_the_checkin_list_has_constant_queries(event, users, geo):
    c = html_client(users["organiser"])
    url = reverse("events:checkin", args=[event.public_id])

    def make_rows(count, start):
        for i in range(count):
            person = people_services.person_create(
                actor=users["admin"], data={"given_name": f"P{start + i}", "area": geo["p1"]}
            )
            RegistrationFactory(shift=event.shifts.first(), person=person)

    assert_constant_queries(make_rows, lambda: c.get(url, HTTP_HX_REQUEST="true"))


def test_attendance_starts_an_automation(event, reg, users, django_capture_on_commit_callbacks):
    from grassroots.core import events as domain_events
    from grassroots.messaging.automations import services as automations
    from grassroots.messaging.models import Enrollment

    assert "attendance.recorded" in automations.trigger_events()
    auto = automations.automation_save(
        actor=users["admin"], name="Thanks for coming", active=True,
        triggers=[{"event": "attendance.recorded"}],
        steps=[{"kind": "tag", "params": {"tag": "attended-an-event"}}],
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.scan(actor=users["organiser"], event=event, code=reg.token)
    with django_capture_on_commit_callbacks(execute=True):
        while domain_events.deliver_pending():
            pass
    assert Enrollment.objects.filter(automation=auto, person=reg.person).exists()
    assert reg.person.taggings.filter(tag__slug="attended-an-event").exists()


def test_the_attendance_api_matrix(event, reg, users, outsider):
    from grassroots.testing.matrix import api_client

    url = f"/api/v1/registrations/{reg.pk}/attendance/"
    assert_matrix(
        api_client, "post", url, data={"attendance": "attended"}, format="json",
        users={"wrong_role": users["finance"], "out_of_scope": outsider,
               "allowed": users["organiser"]},
        expect={"anonymous": (401, 403), "wrong_role": (403, 404), "out_of_scope": 404,
                "allowed": 200},
        unchanged=lambda: snapshot(Registration.objects.filter(pk=reg.pk)),
        json_errors=True,
    )  # fmt: skip
    reg.refresh_from_db()
    assert reg.attendance == A.ATTENDED
    bad = api_client(users["organiser"]).post(url, {"attendance": "maybe"}, format="json")
    assert bad.status_code == 400 and "error" in bad.json()
