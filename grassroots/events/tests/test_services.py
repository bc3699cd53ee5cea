"""Events services: create/update/publish/cancel/copy/series, shifts, sign-ups and waitlists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from grassroots.core import access
from grassroots.core.access import SYSTEM
from grassroots.core.exceptions import Conflict, Forbidden, Invalid, NotFound
from grassroots.core.models import OutboxEvent
from grassroots.events import selectors, services
from grassroots.events.models import Event, Registration, Shift
from grassroots.events.rendering import render_description
from grassroots.events.services import Contact, OptIn
from grassroots.events.tests.factories import EventFactory, RegistrationFactory
from grassroots.people.models import Consent, Person

pytestmark = pytest.mark.django_db
R = Registration.Status


def _signup(shift, name, email="", phone="", **kw):
    return services.registration_create(
        actor=SYSTEM,
        shift=shift,
        contact=Contact(given_name=name, email=email, phone=phone),
        public=True,
        **kw,
    )


def test_event_create_renders_markdown_safely(geo, users):
    event = EventFactory(
        actor=users["organiser"],
        area=geo["ac"],
        description="**Bring water**\n\n<script>alert(1)</script> [x](javascript:alert(1))"
        ' <img src=x onerror="alert(1)">',
    )
    assert "<strong>Bring water</strong>" in event.description_html
    assert "<script" not in event.description_html
    assert "javascript:" not in event.description_html
    assert "onerror" not in event.description_html
    assert event.created_by == users["organiser"]
    assert event.status == Event.Status.PUBLISHED


def test_render_description_keeps_links_safe():
    html = render_description("[site](https://example.org)")
    assert 'href="https://example.org"' in html and "noopener" in html


def test_end_before_start_is_refused_clearly(geo):
    start = timezone.now() + dt.timedelta(days=2)
    with pytest.raises(Invalid) as exc:
        EventFactory(area=geo["ac"], starts_at=start, ends_at=start - dt.timedelta(hours=1))
    assert "ends before it starts" in str(exc.value.message_dict["ends_at"])
    assert not Event.objects.exists()


def test_unknown_time_zone_and_missing_title(geo):
    with pytest.raises(Invalid) as exc:
        EventFactory(area=geo["ac"], time_zone="Mars/Olympus", title="")
    assert set(exc.value.message_dict) >= {"time_zone", "title"}


def test_scoped_organiser_cannot_create_outside_scope_or_without_capability(geo, users):
    other = geo["country"]
    with pytest.raises(Invalid):
        EventFactory(actor=users["organiser"], area=other)
    with pytest.raises(Forbidden):
        EventFactory(actor=users["volunteer"], area=geo["p1"])


def test_publish_needs_a_shift_and_cancel(geo):
    event = EventFactory(area=geo["ac"], shifts=[], publish=False)
    with pytest.raises(Conflict):
        services.event_publish(actor=SYSTEM, event=event)
    services.shift_add(
        actor=SYSTEM, event=event, starts_at=event.starts_at, ends_at=event.ends_at, capacity=5
    )
    services.event_publish(actor=SYSTEM, event=event)
    services.event_cancel(actor=SYSTEM, event=event)
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    with pytest.raises(Conflict):
        services.event_publish(actor=SYSTEM, event=event)
    assert OutboxEvent.objects.filter(name="event.cancelled").exists()


def test_copy_and_weekly_series(geo, people):
    event = EventFactory(area=geo["ac"], shifts=[{"capacity": 3}, {"capacity": 4}])
    RegistrationFactory(shift=event.shifts.first(), person=people["ananya"])
    copy = services.event_copy(actor=SYSTEM, event=event)
    assert copy.status == Event.Status.DRAFT
    assert copy.starts_at == event.starts_at + dt.timedelta(days=7)
    assert sorted(copy.shifts.values_list("capacity", flat=True)) == [3, 4]
    assert not copy.registrations.exists()
    series = services.event_series_create(actor=SYSTEM, event=event, count=4)
    assert series.events.count() == 4
    starts = sorted(series.events.values_list("starts_at", flat=True))
    assert all(b - a == dt.timedelta(days=7) for a, b in zip(starts, starts[1:], strict=False))
    with pytest.raises(Invalid):
        services.event_series_create(actor=SYSTEM, event=copy)
    with pytest.raises(Invalid):
        services.event_series_create(actor=SYSTEM, event=copy, count=500)


def test_signup_matches_people_and_never_duplicates(geo, people):
    event = EventFactory(area=geo["ac"])
    shift = event.shifts.get()
    before = Person.objects.count()
    first = _signup(shift, "Ananya", email="ANANYA@example.org")
    assert first.registration.person == people["ananya"] and first.created
    again = _signup(shift, "Ananya", email="ananya@example.org")
    assert not again.created and again.registration.pk == first.registration.pk
    by_phone = _signup(shift, "Rahul", phone="094330 55555")
    assert by_phone.registration.person == people["rahul"]
    new = _signup(shift, "Mita", email="mita@example.org", phone="+91 98300 99999")
    assert new.person_created and new.registration.person.area == geo["ac"]
    again_new = _signup(shift, "Mita", phone="+91 98300 99999")
    assert again_new.registration.pk == new.registration.pk
    assert Person.objects.count() == before + 1
    shift.refresh_from_db()
    assert shift.confirmed_count == 3


@pytest.mark.parametrize(
    "contact,field",
    [
        (Contact(given_name="A", email="not-an-email"), "email"),
        (Contact(given_name="A", phone="12"), "phone"),
        (Contact(given_name="", email="a@example.org"), "given_name"),
        (Contact(given_name="A"), "email"),
    ],
)
def test_bad_contact_details_are_refused(geo, contact, field):
    shift = EventFactory(area=geo["ac"]).shifts.get()
    before = Person.objects.count()
    with pytest.raises(Invalid) as exc:
        services.registration_create(actor=SYSTEM, shift=shift, contact=contact, public=True)
    assert field in exc.value.message_dict
    assert Person.objects.count() == before and not Registration.objects.exists()


def test_past_shift_and_unpublished_event_are_refused(geo):
    start = timezone.now() - dt.timedelta(hours=1)
    past = EventFactory(area=geo["ac"], starts_at=start, ends_at=start + dt.timedelta(hours=3))
    with pytest.raises(Conflict):
        _signup(past.shifts.get(), "A", email="a@example.org")
    draft = EventFactory(area=geo["ac"], publish=False)
    with pytest.raises(Conflict):
        _signup(draft.shifts.get(), "A", email="a@example.org")
    assert not Registration.objects.exists()


def test_full_shift_waitlists_in_order_and_promotes_on_cancel(geo):
    shift = EventFactory(area=geo["ac"], shifts=[{"capacity": 2}]).shifts.get()
    regs = [_signup(shift, f"P{i}", email=f"p{i}@example.org").registration for i in range(5)]
    assert [r.status for r in regs] == [R.CONFIRMED] * 2 + [R.WAITLISTED] * 3
    assert [r.waitlist_position for r in regs[2:]] == [1, 2, 3]
    services.registration_cancel(actor=SYSTEM, registration=regs[0])
    for r in regs:
        r.refresh_from_db()
    assert regs[0].status == R.CANCELLED
    assert regs[2].status == R.CONFIRMED and regs[3].status == R.WAITLISTED
    shift.refresh_from_db()
    assert shift.confirmed_count == 2
    promoted = OutboxEvent.objects.filter(name="waitlist.promoted").get()
    assert promoted.payload["rsvp_id"] == regs[2].pk
    assert promoted.payload["person_id"] == regs[2].person_id
    # cancelling a waitlisted one frees nothing
    services.registration_cancel(actor=SYSTEM, registration=regs[3])
    regs[4].refresh_from_db()
    assert regs[4].status == R.WAITLISTED
    assert OutboxEvent.objects.filter(name="rsvp.cancelled").count() == 2
    # signing up again after cancelling goes to the end of the line
    back = _signup(shift, "P0", email="p0@example.org")
    assert back.created and back.registration.status == R.WAITLISTED


def test_capacity_cannot_go_below_confirmed(geo):
    shift = EventFactory(area=geo["ac"], shifts=[{"capacity": 3}]).shifts.get()
    for i in range(4):
        _signup(shift, f"P{i}", email=f"p{i}@example.org")
    with pytest.raises(Invalid) as exc:
        services.shift_update(actor=SYSTEM, shift=shift, capacity=2)
    assert "3 people are already confirmed" in exc.value.message_dict["capacity"][0]
    shift.refresh_from_db()
    assert shift.capacity == 3
    services.shift_update(actor=SYSTEM, shift=shift, capacity=4)
    shift.refresh_from_db()
    assert shift.confirmed_count == 4
    assert not Registration.objects.filter(status=R.WAITLISTED).exists()
    with pytest.raises(Invalid):
        services.shift_update(actor=SYSTEM, shift=shift, capacity="lots")
    with pytest.raises(Invalid):
        services.shift_add(
            actor=SYSTEM,
            event=shift.event,
            starts_at=shift.ends_at,
            ends_at=shift.starts_at,
            capacity=2,
        )


def test_opt_ins_are_recorded_with_their_wording(geo):
    shift = EventFactory(area=geo["ac"]).shifts.get()
    words = "Yes, send me campaign news by email."
    signup = _signup(
        shift,
        "Mita",
        email="mita@example.org",
        opt_ins=[OptIn(channel="email", purpose="campaign", wording=words)],
        source={"utm_source": "whatsapp", "referrer": "https://example.org/x", "junk": ""},
    )
    consent = Consent.objects.get(person=signup.registration.person)
    assert consent.wording == words and consent.status == "granted"
    assert consent.source == f"event:{shift.event.public_id}"
    assert signup.registration.source == {
        "utm_source": "whatsapp",
        "referrer": "https://example.org/x",
    }
    created = OutboxEvent.objects.filter(name="rsvp.created").get()
    assert created.payload["person_id"] == signup.registration.person_id


def test_organiser_signups_are_scoped(geo, users, people):
    event = EventFactory(area=geo["p1"])
    shift = event.shifts.get()
    RegistrationFactory(actor=users["organiser"], shift=shift, person=people["ananya"])
    with pytest.raises(Forbidden):
        RegistrationFactory(actor=users["volunteer"], shift=shift, person=people["sourav"])
    outside = EventFactory(area=geo["country"])
    with pytest.raises(NotFound):
        RegistrationFactory(
            actor=users["organiser"], shift=outside.shifts.get(), person=people["sourav"]
        )
    with pytest.raises(Forbidden):
        services.registration_create(
            actor=users["organiser"], shift=shift, person=people["sourav"], public=True
        )


def test_tokens_and_selectors(geo, people):
    event = EventFactory(area=geo["ac"])
    reg = RegistrationFactory(shift=event.shifts.get(), person=people["ananya"])
    assert services.registration_by_token(reg.token) == reg
    assert services.registration_by_token("forged") is None
    assert services.registration_by_token("x" * 500) is None
    assert selectors.public_event_get(event.public_id) == event
    assert selectors.public_event_get("not-a-uuid") is None
    internal = EventFactory(area=geo["ac"], visibility="internal")
    assert selectors.public_event_get(internal.public_id) is None
    found = selectors.public_event_list(selectors.PublicFilters(lat=22.5, lon=88.3, km=20))
    assert event in found and internal not in found
    far = selectors.public_event_list(selectors.PublicFilters(lat=45.0, lon=9.0, km=20))
    assert far == []


def test_shift_delete_refused_with_signups(geo, people):
    event = EventFactory(area=geo["ac"])
    shift = event.shifts.get()
    RegistrationFactory(shift=shift, person=people["ananya"])
    with pytest.raises(ValidationError):
        services.shift_delete(actor=SYSTEM, shift=shift)
    assert Shift.objects.filter(pk=shift.pk).exists()
    assert access.is_visible(shift, SYSTEM)
