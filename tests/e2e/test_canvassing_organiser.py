"""End-to-end: an organiser creates a canvass effort for a list, builds and cuts its turfs (the
job runs at once in tests), sees the turfs on the map, opens one, merges two and carves one on
the map, and checks turfs out to two canvassers; then the effort and its map on a phone in
Hindi and Bengali."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from grassroots.accounts.models import User
from grassroots.canvassing import services
from grassroots.canvassing.models import Assignment, Effort, Turf
from grassroots.canvassing.tests.factories import effort_for, street_of_people
from grassroots.lists import services as lists
from grassroots.surveys.tests.factories import ScriptFactory
from grassroots.testing.users import make_user

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def tiles(settings, live_server):
    """The map's tiles from this server (a PNG Leaflet ships), so no request leaves the test."""
    settings.EVENTS_MAP_TILES = (
        f"{live_server.url}/static/vendor/leaflet/images/layers.png?z={{z}}&x={{x}}&y={{y}}"
    )
    settings.EVENTS_MAP_ATTRIBUTION = "Test tiles"


def test_organiser_cuts_edits_and_assigns_turfs(page, live_server, geo, users, login, tiles,
                                                shots):  # fmt: skip
    people = street_of_people(geo["p1"], 40)
    ScriptFactory(blocks=True, status="active", name="Door ID")
    lists.list_create(actor=users["organiser"], name="Lake Road voters",
                      person_ids=[p.pk for p in people])  # fmt: skip
    User.objects.filter(pk=users["volunteer"].pk).update(first_name="Rahul", last_name="Das")
    make_user("second", "volunteer", areas=[geo["p1"]])
    User.objects.filter(username="second").update(first_name="Mita", last_name="Roy")

    login(page, "organiser")
    page.get_by_role("link", name="Canvassing").first.click()
    expect(page.get_by_text("No canvass efforts yet.")).to_be_visible()
    page.get_by_role("link", name="New effort").click()
    page.locator("#id_name").fill("Lake Road ID")
    page.locator("#id_script").select_option(label="Door ID")
    page.locator("#id_target_size").fill("10")
    page.get_by_role("button", name="Save").click()
    # no audience yet: the service's message on the field, what was typed kept
    expect(page.get_by_text("Choose who to canvass: a segment or a list.")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Lake Road ID")
    page.locator("#id_person_list").select_option(label="Lake Road voters")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Lake Road ID")).to_be_visible()

    page.get_by_role("button", name="Build & cut turfs").click()
    expect(page.locator("#cut-summary")).to_be_visible()
    effort = Effort.objects.get()
    n = Turf.objects.filter(effort=effort).count()
    assert n >= 3
    shots(page, "canvassing-01-effort-cut")

    page.get_by_role("link", name="Turfs and map").click()
    expect(page.locator("path.turf-hull")).to_have_count(n)
    expect(page.locator("path.door-dot")).to_have_count(40)
    page.locator("path.turf-hull").first.click()
    expect(page.locator("#turf-panel")).to_contain_text("Doors in walk order")
    expect(page.locator("#turf-panel ol.walk li").first).to_be_visible()
    shots(page, "canvassing-02-turf-map")

    # merge turf 2 into turf 1 (the table does it without the map)
    first, second = Turf.objects.filter(effort=effort).order_by("number")[:2]
    page.locator("#merge-other").select_option(str(second.pk))
    page.locator("#merge-into").select_option(str(first.pk))
    page.locator("#merge-form").get_by_role("button", name="Merge").click()
    expect(page.locator("#toasts")).to_contain_text("merged into")
    expect(page.locator("path.turf-hull")).to_have_count(n - 1)

    # carve: draw a box over the middle of the map, then make it a turf
    page.get_by_role("button", name="Start drawing").click()
    page.locator("#turf-map").scroll_into_view_if_needed()
    box = page.locator("#turf-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in [(-60, -60), (60, -60), (60, 60), (-60, 60)]:
        page.mouse.click(cx + dx, cy + dy)
    expect(page.locator("[data-draw-count]")).to_contain_text("4")
    page.get_by_role("button", name="Make turf").click()
    expect(page.locator("#toasts")).to_contain_text("made of")
    assert Turf.objects.filter(effort=effort, kind=Turf.Kind.DRAWN).exists()

    # check two turfs out to Rahul, one to Mita, from the table
    turfs = list(Turf.objects.filter(effort=effort).order_by("number"))
    page.locator(f"#tick-{turfs[0].pk}").check()
    page.locator(f"#tick-{turfs[1].pk}").check()
    page.get_by_label("Check the ticked turfs out to").select_option(label="Rahul Das")
    page.locator("#bulk-assign").get_by_role("button", name="Check out").click()
    expect(page.locator("#toasts")).to_contain_text("2 turfs checked out to Rahul Das")
    page.locator(f"#tick-{turfs[2].pk}").check()
    page.get_by_label("Check the ticked turfs out to").select_option(label="Mita Roy")
    page.locator("#bulk-assign").get_by_role("button", name="Check out").click()
    expect(page.locator(f"#turf-row-{turfs[2].pk}")).to_contain_text("Mita Roy")
    expect(page.locator(f"#turf-row-{turfs[0].pk}")).to_contain_text("Rahul Das")
    held = Assignment.objects.filter(released_at__isnull=True)
    assert sorted(held.values_list("user__username", flat=True)) == [
        "second", "volunteer", "volunteer"]  # fmt: skip
    shots(page, "canvassing-03-turf-table")


@pytest.mark.browser_context_args(**PHONE)
@pytest.mark.parametrize("language", ["hi", "bn"])
def test_effort_and_map_on_a_phone_in_hindi_and_bengali(page, live_server, geo, users, login,
                                                        tiles, shots, language):  # fmt: skip
    effort = effort_for(street_of_people(geo["p1"], 24), actor=users["organiser"],
                        name="Lake Road ID")  # fmt: skip
    services.turfs_cut(actor=users["organiser"], effort=effort)
    turf = Turf.objects.filter(effort=effort).order_by("number").first()
    services.turf_assign(actor=users["organiser"], turf=turf, user=users["volunteer"])
    User.objects.filter(pk=users["organiser"].pk).update(preferred_language=language)
    login(page, "organiser")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.goto(f"{live_server.url}/canvassing/efforts/{effort.pk}/")
    expect(page.locator("#cut-summary")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shots(page, f"canvassing-effort-phone-{language}")
    page.goto(f"{live_server.url}/canvassing/efforts/{effort.pk}/turfs/")
    expect(page.locator("path.turf-hull").first).to_be_attached()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shots(page, f"canvassing-map-phone-{language}")
    page.goto(f"{live_server.url}/canvassing/efforts/{effort.pk}/turfs/{turf.pk}/")
    expect(page.locator("ol.walk li").first).to_be_visible()
    shots(page, f"canvassing-turf-phone-{language}")
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(Doors in walk order|Canvassers|Check out)\b", text), text[:400]
