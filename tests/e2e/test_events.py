"""End-to-end: a supporter finds a phone bank on the public map and list on a phone, signs up
with no account (the shift has one place left, then is full), lands on their own sign-up page;
the organiser signs in and sees the sign-up on the event's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grassroots.events.models import Registration
from grassroots.events.tests.factories import EventFactory

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def tiles(settings, live_server):
    """The map's tiles from this server (a PNG Leaflet ships), so no request leaves the test."""
    settings.EVENTS_MAP_TILES = (
        f"{live_server.url}/static/vendor/leaflet/images/layers.png?z={{z}}&x={{x}}&y={{y}}"
    )
    settings.EVENTS_MAP_ATTRIBUTION = "Test tiles"


@pytest.mark.browser_context_args(**PHONE)
def test_supporter_signs_up_on_a_phone_and_the_organiser_sees_it(
    page, live_server, geo, users, login, tiles
):
    start = (timezone.now() + dt.timedelta(days=3)).replace(hour=12, minute=30, second=0)
    event = EventFactory(
        area=geo["ac"],
        title="Tuesday phone bank",
        description="Bring a **charged phone**.",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        shifts=[
            {"starts_at": start, "ends_at": start + dt.timedelta(hours=1.5), "capacity": 5},
            {
                "starts_at": start + dt.timedelta(hours=1.5),
                "ends_at": start + dt.timedelta(hours=3),
                "capacity": 2,
            },
        ],
    )
    page.goto(f"{live_server.url}/e/?utm_source=whatsapp")
    expect(page.locator(".leaflet-container")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    page.get_by_role("link", name="Tuesday phone bank").first.click()
    expect(page.get_by_role("heading", name="Tuesday phone bank")).to_be_visible()
    expect(page.locator(".event-desc strong")).to_have_text("charged phone")

    # a typo first: the form says what is wrong and keeps what was typed
    page.get_by_label("First name").fill("Mita")
    page.get_by_label("Last name").fill("Roy")
    page.get_by_label("Email", exact=True).fill("mita@example")
    page.get_by_role("radio").nth(1).check()
    page.get_by_label("Yes, email me news about the campaign.").check()
    page.get_by_role("button", name="Sign me up").click()
    expect(page.get_by_text("not a valid email address")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Mita")
    expect(page.get_by_role("radio").nth(1)).to_be_checked()

    page.get_by_label("Email", exact=True).fill("mita@example.org")
    page.get_by_role("button", name="Sign me up").click()
    expect(page.get_by_text("You're signed up. See you there!")).to_be_visible()
    reg = Registration.objects.get()
    assert reg.status == "confirmed" and reg.shift.position == 1
    assert reg.person.consents.get().wording == "Yes, email me news about the campaign."
    expect(page.get_by_role("link", name="Add to calendar (.ics)")).to_be_visible()

    # the organiser sees the sign-up
    page.context.clear_cookies()
    login(page, "organiser")
    page.goto(f"{live_server.url}/events/{event.pk}/")
    expect(page.locator("#registrations")).to_contain_text("Mita Roy")
    expect(page.locator("#registrations")).to_contain_text("Confirmed")
    expect(page.get_by_text("1 / 2")).to_be_visible()


@pytest.mark.browser_context_args(**PHONE)
def test_organiser_creates_and_publishes_a_phone_bank_in_hindi_on_a_phone(
    page, live_server, geo, users, login
):
    from django.utils import translation

    from grassroots.accounts.models import User
    from grassroots.events.models import Event
    from grassroots.events.services import event_types_ensure

    event_types_ensure()  # an earlier browser test's flush removed the migration's types
    User.objects.filter(username="organiser").update(preferred_language="hi")
    with translation.override("hi"):
        t = translation.gettext
        labels = {k: t(k) for k in ("Title", "Starts", "Ends", "Places in the first shift",
                                    "Save", "Publish", "Event published.")}  # fmt: skip
    login(page, "organiser")
    page.goto(f"{live_server.url}/events/new/")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    start = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(hour=18, minute=0)
    page.locator("#id_title").fill("शाम का फ़ोन बैंक")
    page.locator("#id_type").select_option("phone_bank")
    page.locator("#id_starts_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_ends_at").fill((start - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_capacity").fill("12")
    page.get_by_role("button", name=labels["Save"]).click()
    # the end before the start is named, in Hindi, and nothing typed is lost
    expect(page.get_by_text("कार्यक्रम शुरू होने से पहले ख़त्म हो रहा है")).to_be_visible()
    expect(page.locator("#id_title")).to_have_value("शाम का फ़ोन बैंक")
    page.locator("#id_ends_at").fill((start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name=labels["Save"]).click()
    page.get_by_role("button", name=labels["Publish"]).click()
    expect(page.get_by_text(labels["Event published."])).to_be_visible()
    event = Event.objects.get()
    assert event.status == "published" and event.shifts.get().capacity == 12
    assert event.area == geo["ac"]  # the organiser's own area
