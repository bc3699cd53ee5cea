"""End-to-end: an organiser edits an event and chooses its host by typing part of a name and
picking with the keyboard (the person picker); the host is saved and shown as a chip again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grassroots.events.tests.factories import EventFactory

pytestmark = pytest.mark.e2e


def test_organiser_chooses_a_host_with_the_keyboard(page, live_server, geo, users, people, login):
    start = timezone.now() + dt.timedelta(days=3)
    event = EventFactory(
        area=geo["ac"], title="Ward meeting", starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    login(page, "organiser")
    page.goto(f"{live_server.url}/events/{event.pk}/edit/")
    hosts = page.get_by_role("combobox", name="Hosts")
    hosts.press_sequentially("anan", delay=30)
    options = page.get_by_role("listbox", name="People").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Ananya Das")
    expect(options.first).to_contain_text("Part 1")
    hosts.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    hosts.press("Enter")
    chips = page.locator(".picker-chips .chip")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("Ananya Das")
    expect(hosts).to_have_value("")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}/events/{event.pk}/")
    event.refresh_from_db()
    assert list(event.hosts.all()) == [people["ananya"]]
    page.goto(f"{live_server.url}/events/{event.pk}/edit/")
    expect(page.locator(".picker-chips .chip")).to_contain_text(["Ananya Das"])


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.browser_context_args(**PHONE)
def test_the_new_screens_on_a_phone(page, live_server, geo, users, people, login):
    """Team leaders with the picker, a host logging hours at check-in, reminder times and the
    change notice's confirmation: on a phone (the page fixture checks axe and the CSP)."""
    from grassroots.events.tests.factories import RegistrationFactory
    from grassroots.volunteers.tests.factories import TeamFactory

    start = timezone.now() + dt.timedelta(days=2)
    event = EventFactory(area=geo["p1"], title="Booth walk", starts_at=start,
                         ends_at=start + dt.timedelta(hours=2))  # fmt: skip
    RegistrationFactory(shift=event.shifts.first(), person=people["ananya"])
    TeamFactory(name="Booth 1 committee", area=geo["p1"])
    login(page, "manager")
    # team leaders: type, choose with the keyboard, save
    page.goto(f"{live_server.url}/volunteers/teams/")
    leaders = page.get_by_role("combobox", name="Leaders of Booth 1 committee")
    leaders.press_sequentially("sour", delay=30)
    option = page.get_by_role("listbox", name="People").get_by_role("option")
    expect(option).to_have_count(1)
    leaders.press("Enter")
    page.get_by_role("button", name="Set leaders").click()
    expect(page.get_by_text("Leaders saved.")).to_be_visible()
    expect(page.locator(".picker-chips .chip")).to_contain_text(["Sourav Das"])
    # log hours on the check-in screen
    page.goto(f"{live_server.url}/events/checkin/{event.public_id}/")
    page.get_by_text("Log hours", exact=True).click()
    page.get_by_label("Hours", exact=True).fill("2")
    page.get_by_role("button", name="Log hours for Ananya Das").click()
    expect(page.get_by_text("2 hours logged for Ananya Das")).to_be_visible()
    # reminder times
    page.goto(f"{live_server.url}/events/")
    page.get_by_role("link", name="Reminder times").click()
    expect(page.get_by_role("heading", name="Reminder times")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Reminder times saved.")).to_be_visible()
    # the change notice's confirmation
    page.goto(f"{live_server.url}/events/{event.pk}/")
    page.get_by_role("link", name="Send change notice now").click()
    expect(page.get_by_text("to the 1 person signed up")).to_be_visible()
