"""The public pages (no login): list and map, the event page, the sign-up form and its spam
defence, the sign-up's own token page (virtual link, cancel), the .ics download."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.events import services
from grassroots.events.models import Registration
from grassroots.events.tests.factories import EventFactory
from grassroots.people.models import Consent, Person

pytestmark = pytest.mark.django_db
R = Registration.Status


@pytest.fixture
def event(geo):
    return EventFactory(
        area=geo["ac"],
        title="Tuesday phone bank",
        description="Bring a **phone** <script>alert(1)</script>",
        virtual_url="https://meet.example.org/secret-room",
        shifts=[{"capacity": 1}],
    )


def _form(event, **over):
    data = {
        "given_name": "Mita",
        "family_name": "Roy",
        "email": "mita@example.org",
        "phone": "",
        "shift": str(event.shifts.get().pk),
        "opt_in": ["email"],
        "website": "",
        "src_utm_source": "whatsapp",
        "src_referrer": "https://news.example.org/",
    }
    data.update(over)
    return data


def test_public_list_and_page_need_no_login(event, geo):
    internal = EventFactory(area=geo["ac"], title="Staff meeting", visibility="internal")
    draft = EventFactory(area=geo["ac"], title="Draft thing", publish=False)
    c = Client()
    r = c.get(reverse("events:public_list"))
    body = r.content.decode()
    assert r.status_code == 200 and "Tuesday phone bank" in body
    assert "Staff meeting" not in body and "Draft thing" not in body
    assert "data-event-map" in body and "tile.openstreetmap.org" in r["Content-Security-Policy"]
    r = c.get(reverse("events:public_event", args=[event.public_id]) + "?utm_source=fb")
    body = r.content.decode()
    assert r.status_code == 200 and "<strong>phone</strong>" in body
    assert "<script>alert" not in body
    assert "secret-room" not in body  # the virtual link only on a sign-up's own page
    assert 'name="src_utm_source" value="fb"' in body
    for hidden in (internal, draft):
        assert c.get(reverse("events:public_event", args=[hidden.public_id])).status_code == 404


def test_public_filters(event, geo):
    c = Client()
    url = reverse("events:public_list")
    assert "Tuesday phone bank" in c.get(url, {"type": "phone_bank"}).content.decode()
    assert "Tuesday phone bank" not in c.get(url, {"type": "rally"}).content.decode()
    near = c.get(url, {"lat": "22.54", "lon": "88.35", "km": "5"}).content.decode()
    assert "Tuesday phone bank" in near and "km away" in near
    far = c.get(url, {"lat": "45.46", "lon": "9.19", "km": "5"}).content.decode()
    assert "Tuesday phone bank" not in far
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert "Tuesday phone bank" not in c.get(url, {"from": later}).content.decode()
    r = c.get(url, {"postcode": "999999", "from": "not-a-date", "lat": "x"})
    assert r.status_code == 200 and "We do not know the postcode" in r.content.decode()


def test_rsvp_then_token_page_then_cancel_with_waitlist_promotion(event):
    c = Client()
    page = reverse("events:public_event", args=[event.public_id])
    r = c.post(page, _form(event))
    assert r.status_code == 302
    reg = Registration.objects.get()
    assert r["Location"].startswith(reverse("events:rsvp_page", args=[reg.token]))
    assert reg.status == R.CONFIRMED
    assert reg.source["utm_source"] == "whatsapp" and reg.source["via"] == "public_form"
    consent = Consent.objects.get(person=reg.person)
    assert consent.wording == "Yes, email me news about the campaign."
    body = c.get(r["Location"]).content.decode()
    assert "You're signed up" in body and "secret-room" in body
    # the same person again: no duplicate
    r = c.post(page, _form(event, email="MITA@example.org"))
    assert "again=1" in r["Location"] and Registration.objects.count() == 1
    assert Person.objects.filter(given_name="Mita").count() == 1
    # someone else: the shift is full, so the waitlist, and no virtual link
    r = Client().post(page, _form(event, given_name="Joy", email="joy@example.org"))
    joy = Registration.objects.get(person__given_name="Joy")
    assert joy.status == R.WAITLISTED
    body = Client().get(r["Location"]).content.decode()
    assert "waitlist" in body and "secret-room" not in body
    # Mita cancels through her link; Joy gets the place; a replayed cancel changes nothing
    token_url = reverse("events:rsvp_page", args=[reg.token])
    assert "is cancelled" in Client().post(token_url).content.decode()
    joy.refresh_from_db()
    assert joy.status == R.CONFIRMED
    assert "already cancelled" in Client().post(token_url).content.decode()
    joy.refresh_from_db()
    assert joy.status == R.CONFIRMED
    # a forged link is a 404
    assert Client().get(reverse("events:rsvp_page", args=["forged-token"])).status_code == 404
    assert Client().post(reverse("events:rsvp_page", args=["forged-token"])).status_code == 404


@pytest.mark.parametrize(
    "over,message",
    [
        ({"email": "not-an-email"}, "not a valid email"),
        ({"email": "", "phone": "12345"}, "phone"),
        ({"email": "", "phone": ""}, "email address or a phone number"),
        ({"given_name": ""}, "This field is required"),
        ({"shift": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_rsvps_keep_typed_input(event, over, message):
    r = Client().post(reverse("events:public_event", args=[event.public_id]), _form(event, **over))
    body = r.content.decode()
    assert r.status_code == 400 and message in body
    assert 'value="Roy"' in body
    assert not Registration.objects.exists()


def test_honeypot_and_rate_limits(event):
    page = reverse("events:public_event", args=[event.public_id])
    r = Client().post(page, _form(event, website="http://spam.example"))
    assert r.status_code == 400 and "could not be accepted" in r.content.decode()
    assert not Registration.objects.exists()
    with override_settings(EVENTS_RSVP_LIMITS={"per_ip": 3, "per_contact": 2, "window": 600}):
        codes = [
            Client().post(page, _form(event, email=f"p{i}@example.org")).status_code
            for i in range(4)
        ]
        assert codes == [302, 302, 302, 429]
    with override_settings(EVENTS_RSVP_LIMITS={"per_ip": 100, "per_contact": 2, "window": 600}):
        codes = [
            Client().post(page, _form(event, email="same@example.org"),
                          REMOTE_ADDR=f"10.0.0.{i}").status_code
            for i in range(3)
        ]  # fmt: skip
        assert codes == [302, 302, 429]


def test_past_and_cancelled_events(event, geo):
    services.event_cancel(actor=SYSTEM, event=event)
    r = Client().get(reverse("events:public_event", args=[event.public_id]))
    assert r.status_code == 404  # a cancelled event leaves the public pages
    start = timezone.now() + dt.timedelta(minutes=5)
    soon = EventFactory(area=geo["ac"], starts_at=start, ends_at=start + dt.timedelta(hours=1))
    with pytest.MonkeyPatch.context() as mp:
        later = timezone.now() + dt.timedelta(minutes=10)
        mp.setattr(timezone, "now", lambda: later)
        r = Client().post(reverse("events:public_event", args=[soon.public_id]), _form(soon))
    assert r.status_code == 409 and "already started" in r.content.decode()
    assert not Registration.objects.exists()


def test_ics_downloads(event):
    r = Client().get(reverse("events:public_ics", args=[event.public_id]))
    text = r.content.decode()
    assert r["Content-Type"] == "text/calendar"
    assert "BEGIN:VEVENT" in text and "SUMMARY:Tuesday phone bank" in text
    assert "secret-room" not in text
    reg = services.registration_create(
        actor=SYSTEM,
        shift=event.shifts.get(),
        contact=services.Contact(given_name="A", email="a@example.org"),
        public=True,
    ).registration
    text = Client().get(reverse("events:rsvp_ics", args=[reg.token])).content.decode()
    assert "secret-room" in text


@pytest.mark.parametrize(
    "lang,heading,button",
    [("bn", "আপনার কাছাকাছি ইভেন্ট", "আমার নাম লিখুন"), ("hi", "आपके पास के कार्यक्रम", "मेरा नाम लिखें")],
)
def test_public_pages_speak_hindi_and_bengali(event, lang, heading, button):
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    assert heading in c.get(reverse("events:public_list")).content.decode()
    body = c.get(reverse("events:public_event", args=[event.public_id])).content.decode()
    assert button in body
    r = c.post(reverse("events:public_event", args=[event.public_id]), _form(event, email=""))
    assert r.status_code == 400 and "Roy" in r.content.decode()


def test_event_page_is_kept_until_it_changes(event, django_assert_max_num_queries):
    """An anonymous visit finds the page as last drawn with one small query; a sign-up, an
    edit or a cancellation shows at once; each visitor gets their own CSRF token; each language
    is kept apart."""
    from django.core.cache import cache

    cache.clear()
    url = reverse("events:public_event", args=[event.public_id])
    first = Client(enforce_csrf_checks=True)
    assert first.get(url).status_code == 200  # drawn and kept
    second = Client(enforce_csrf_checks=True)
    with django_assert_max_num_queries(1):
        r = second.get(url)
    body = r.content.decode()
    assert r.status_code == 200 and "Tuesday phone bank" in body
    token = second.cookies["csrftoken"].value
    assert "csrf-token-stand-in" not in body
    assert 'name="csrfmiddlewaretoken" value="' in body
    # the kept page carries this visitor's token: their sign-up goes through
    r = second.post(url, _form(event, csrfmiddlewaretoken=body.split(
        'name="csrfmiddlewaretoken" value="')[1].split('"')[0]))  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:300]
    assert token  # the cookie the token belongs to
    # the only place is taken: the next visitor sees the waitlist wording at once
    assert "full: join the waitlist" in Client().get(url).content.decode()
    services.event_update(actor=SYSTEM, event=event, data={"title": "Wednesday phone bank"})
    assert "Wednesday phone bank" in Client().get(url).content.decode()
    assert "আমার নাম লিখুন" in Client(HTTP_ACCEPT_LANGUAGE="bn").get(url).content.decode()
    assert "Sign me up" in Client().get(url).content.decode()
    services.event_cancel(actor=SYSTEM, event=event)
    assert Client().get(url).status_code == 404  # a cancelled event leaves the public pages


def test_event_list_is_kept_briefly_per_query(event, django_assert_num_queries):
    from django.core.cache import cache

    cache.clear()
    url = reverse("events:public_list")
    assert "Tuesday phone bank" in Client().get(url).content.decode()
    with django_assert_num_queries(0):  # drawn a moment ago for the same query
        r = Client().get(url)
    assert "Tuesday phone bank" in r.content.decode()
    r = Client().get(url + "?postcode=NOWHERE1")  # an error is never kept
    assert "NOWHERE1" in r.content.decode()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        Client().get(url + "?postcode=NOWHERE1")
    assert len(queries) > 0  # looked up again, not served as kept
