"""End-to-end canvasser safety: with no network a canvasser marks a door "do not knock" and
checks in; back online the outbox syncs; the organiser sees the check-in on the effort's
results page (and acknowledges it) and the flagged door on the turf's page. A stop time in
the past locks knocking in the app."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from grassroots.canvassing import services
from grassroots.canvassing.models import Door, SafetyAlert, Turf
from grassroots.canvassing.tests.factories import effort_for, street_of_people
from grassroots.core.access import SYSTEM

pytestmark = pytest.mark.e2e

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "service_workers": "allow",
}


@pytest.fixture
def tiles(settings, live_server):
    """The results map's tiles from this server, so no request leaves the test."""
    settings.EVENTS_MAP_TILES = (
        f"{live_server.url}/static/vendor/leaflet/images/layers.png?z={{z}}&x={{x}}&y={{y}}"
    )
    settings.EVENTS_MAP_ATTRIBUTION = "Test tiles"


def _turf_for(geo, users):
    effort = effort_for(street_of_people(geo["p1"], 12), actor=users["organiser"], target_size=12)
    services.turfs_cut(actor=SYSTEM, effort=effort)
    services.effort_set_status(actor=SYSTEM, effort=effort, status="active")
    turf = Turf.objects.filter(effort=effort).order_by("-doors_count", "number").first()
    services.turf_assign(actor=SYSTEM, turf=turf, user=users["volunteer"])
    return effort, turf


@pytest.mark.browser_context_args(**PHONE)
def test_flag_and_check_in_offline_then_the_organiser_sees_them(
    page, live_server, login, geo, users, shots, tiles
):
    effort, turf = _turf_for(geo, users)
    door = Door.objects.filter(turf=turf).order_by("position").first()

    login(page, "volunteer")
    page.goto(f"{live_server.url}/canvass/")
    expect(page.locator("#canvass[data-ready='1']")).to_have_count(1)
    row = page.locator(f"li.cv-turf[data-turf='{turf.pk}']")
    row.get_by_role("button", name="Download").click()
    expect(row.get_by_role("button", name="Open")).to_be_visible()

    page.context.set_offline(True)
    row.get_by_role("button", name="Open").click()
    page.locator(f"[data-door='{door.pk}']").click()
    page.get_by_role("button", name="Do not knock this door").click()
    page.get_by_label("Why? (a dog, a threat…)").fill("Aggressive dog")
    page.locator("form.cv-flag-form").get_by_role("button", name="Do not knock this door").click()
    flagged = page.locator("li.cv-door.flagged")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Aggressive dog")
    # the flagged door cannot be knocked
    page.locator(f"[data-door='{door.pk}']").click()
    expect(page.get_by_role("button", name="Nobody answered")).to_have_count(0)
    page.get_by_role("button", name="Check in: I'm safe").click()
    expect(page.locator(".cv-safety-out")).to_contain_text("No connection")
    shots(page, "canvass-safety-01-offline")
    expect(page.locator("#cv-pending")).to_have_text("2")
    assert not SafetyAlert.objects.exists()

    page.context.set_offline(False)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#cv-pending")).to_have_text("0")
    door.refresh_from_db()
    assert door.do_not_knock and door.do_not_knock_reason == "Aggressive dog"
    alert = SafetyAlert.objects.get()
    assert alert.kind == "check_in" and alert.user == users["volunteer"]

    page.context.clear_cookies()
    login(page, "organiser")
    page.goto(f"{live_server.url}/canvassing/efforts/{effort.pk}/results/")
    card = page.locator("#safety-alerts")
    expect(card).to_contain_text("Checked in: safe")
    shots(page, "canvass-safety-02-results")
    card.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#safety-alerts")).to_contain_text(re.compile("acknowledged by"))
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None
    page.goto(f"{live_server.url}/canvassing/efforts/{effort.pk}/turfs/{turf.pk}/")
    expect(page.locator("ul.flagged")).to_contain_text("Aggressive dog")


@pytest.mark.browser_context_args(**PHONE)
def test_after_the_stop_time_the_app_stops_knocking(page, live_server, login, geo, users):
    effort, turf = _turf_for(geo, users)
    effort.stop_time = dt.time(0, 0)  # always past
    effort.save(update_fields=["stop_time"])
    door = Door.objects.filter(turf=turf).order_by("position").first()
    login(page, "volunteer")
    page.goto(f"{live_server.url}/canvass/")
    expect(page.locator("#canvass[data-ready='1']")).to_have_count(1)
    row = page.locator(f"li.cv-turf[data-turf='{turf.pk}']")
    row.get_by_role("button", name="Download").click()
    row.get_by_role("button", name="Open").click()
    expect(page.locator("#cv-stop")).to_contain_text("Canvassing stopped for today at 00:00")
    page.locator(f"[data-door='{door.pk}']").click()
    expect(page.locator("#cv-stop")).to_be_visible()
    expect(page.get_by_role("button", name="Nobody answered")).to_have_count(0)
    expect(page.get_by_role("button", name="Help")).to_be_visible()
