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
