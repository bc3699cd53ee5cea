"""End-to-end, on a phone in Hindi then Bengali: an organiser opens an effort's live results; the
door map draws every door, a visit synced from the field shows up in the numbers by itself (the
HTMX poll) and recolours its door on the map, which is not redrawn; nothing is wider than the
screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from grassroots.accounts.models import User
from grassroots.canvassing.tests.results_data import knock, person_at, worked_effort

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def tiles(settings, live_server):
    """The map's tiles from this server (a PNG Leaflet ships), so no request leaves the test."""
    settings.EVENTS_MAP_TILES = (
        f"{live_server.url}/static/vendor/leaflet/images/layers.png?z={{z}}&x={{x}}&y={{y}}"
    )
    settings.EVENTS_MAP_ATTRIBUTION = "Test tiles"


def _map_state(page):
    return page.evaluate(
        """() => { const el = document.querySelector('[data-results-map]');
                   return {loaded: el.getAttribute('data-loaded'), id: el._leaflet_id}; }"""
    )


@pytest.mark.browser_context_args(**PHONE)
def test_live_results_on_a_phone_in_hindi_and_bengali(page, live_server, login, geo, users,
                                                      tiles, shots):  # fmt: skip
    w = worked_effort(geo, users, households=8, name="Lake Road ID")
    e, doors, vol = w["effort"], w["doors"], users["volunteer"]
    knock(vol, e, doors[0], result="not-home")
    knock(vol, e, doors[1], person=person_at(doors[1]), result="refused")
    User.objects.filter(pk=w["org"].pk).update(preferred_language="hi")

    login(page, w["org"].username)
    page.goto(f"{live_server.url}/canvassing/efforts/{e.pk}/results/")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    expect(page.locator(".leaflet-container")).to_be_visible()
    expect(page.locator("[data-results-map]")).to_have_attribute("data-loaded", "1")
    expect(page.locator('[data-stat="knocked"]')).to_have_text("2")
    expect(page.locator("h1")).to_contain_text("परिणाम")
    before = _map_state(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shots(page, "canvassing-results-01-hindi-phone")

    # a visit arrives from the field: the numbers follow by themselves, the map stays the same map
    knock(vol, e, doors[2], person=person_at(doors[2]))
    expect(page.locator('[data-stat="knocked"]')).to_have_text("3")
    expect(page.locator('[data-stat="contacts"]')).to_have_text("2")
    assert _map_state(page) == before

    User.objects.filter(pk=w["org"].pk).update(preferred_language="bn")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    expect(page.locator("h1")).to_contain_text("ফলাফল")
    expect(page.locator("[data-results-map]")).to_have_attribute("data-loaded", "1")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shots(page, "canvassing-results-02-bengali-phone")
