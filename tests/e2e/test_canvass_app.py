"""End-to-end, on a phone, with no network: a canvasser signs in, opens the canvassing app,
downloads their turf, goes offline, knocks 10 doors with answers and adds a household member,
closes the app and opens it again (still offline: the service worker serves it), sees the
pending events, goes back online and syncs. The server then holds the 10 visits once each,
the answers as the people's latest, the new person in the household, and an interaction on
each person's timeline."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from grassroots.canvassing import services
from grassroots.canvassing.models import Door, Target, Turf, Visit
from grassroots.canvassing.tests.factories import effort_for, street_of_people
from grassroots.core.access import SYSTEM
from grassroots.lists import selectors as list_selectors
from grassroots.people.models import Interaction, Person
from grassroots.surveys.models import Response

pytestmark = pytest.mark.e2e

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "service_workers": "allow",
}


def _turf_for(geo, users, *, n=30, target=12, lang=""):
    people = street_of_people(geo["p1"], n)
    effort = effort_for(people, target_size=target)
    services.turfs_cut(actor=SYSTEM, effort=effort)
    services.effort_set_status(actor=SYSTEM, effort=effort, status="active")
    turf = Turf.objects.filter(effort=effort).order_by("-doors_count", "number").first()
    services.turf_assign(actor=SYSTEM, turf=turf, user=users["volunteer"])
    if lang:
        users["volunteer"].preferred_language = lang
        users["volunteer"].save(update_fields=["preferred_language"])
    return effort, turf


def _open_app(page, live_server):
    page.goto(f"{live_server.url}/canvass/")
    expect(page.locator("#canvass[data-ready='1']")).to_have_count(1)
    # the service worker is installed and controls the page (the shell and its files are kept)
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")


@pytest.mark.browser_context_args(**PHONE)
def test_canvass_offline_then_sync(page, live_server, login, geo, users, shots):
    effort, turf = _turf_for(geo, users)
    doors = list(Door.objects.filter(turf=turf).order_by("position"))
    assert len(doors) >= 10
    blocks = {b.label: b for b in effort.script.blocks.all() if b.label}

    login(page, "volunteer")
    _open_app(page, live_server)
    row = page.locator(f"li.cv-turf[data-turf='{turf.pk}']")
    row.get_by_role("button", name="Download").click()
    expect(row.get_by_role("button", name="Open")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shots(page, "canvass-01-turfs")
    rendered_online = page.locator("#canvass").get_attribute("data-rendered")

    context = page.context
    context.set_offline(True)
    went_offline = dt.datetime.now(dt.UTC)
    expect(page.locator("#cv-net")).to_have_text(re.compile("Offline"))
    row.get_by_role("button", name="Open").click()
    expect(page.locator("#cv-doors li")).to_have_count(len(doors))
    page.evaluate("() => window.__grAxeCheck && window.__grAxeCheck('door list')")
    shots(page, "canvass-02-doors")

    # door 1: a new household member first
    page.locator(f"[data-door='{doors[0].pk}']").click()
    page.get_by_role("button", name="Add a person here").click()
    page.get_by_label("Given name").fill("Mita")
    page.get_by_label("Family name").fill("Lake")
    page.get_by_label("Age").fill("41")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".cv-people")).to_contain_text("Mita Lake")

    for i, door in enumerate(doors[:10]):
        if i > 0:
            page.get_by_role("button", name=re.compile("^Next door")).click()
        expect(page.locator("h1")).to_have_text(door.label)
        page.locator(".cv-person").first.click()
        page.locator("form.cv-script").get_by_label("4", exact=True).check()
        page.get_by_label("Jobs").check()
        if i == 0:
            page.evaluate("() => window.__grAxeCheck && window.__grAxeCheck('script')")
            shots(page, "canvass-03-script")
        page.get_by_label("Note").fill(f"door {i + 1}")
        page.get_by_role("button", name="Save the visit").click()
        expect(page.locator("h1")).to_have_text("Saved on this phone.")
    expect(page.locator("#cv-pending")).to_have_text("11")
    assert Visit.objects.filter(effort=effort).count() == 0  # nothing reached the server

    # close the app and open it again, still offline: the service worker serves the shell
    page.close()
    again = context.new_page()
    errors: list[str] = []
    again.on("pageerror", lambda exc: errors.append(str(exc)))
    response = again.goto(f"{live_server.url}/canvass/")
    assert response is not None and response.ok
    assert response.from_service_worker
    expect(again.locator("#canvass[data-ready='1']")).to_have_count(1)
    rendered = again.locator("#canvass").get_attribute("data-rendered")
    # the kept copy (rendered before going offline), not a fresh page from the server
    assert rendered >= rendered_online and dt.datetime.fromisoformat(rendered) < went_offline
    expect(again.locator("#cv-pending")).to_have_text("11")
    expect(again.locator(f"li.cv-turf[data-turf='{turf.pk}']")).to_be_visible()
    assert Visit.objects.filter(effort=effort).count() == 0
    shots(again, "canvass-04-reopened-offline")

    # a corrupt entry in the outbox and a corrupt turf: skipped and reported, not fatal
    again.evaluate("""() => new Promise((resolve, reject) => {
      const r = indexedDB.open("grassroots-canvass");
      r.onsuccess = () => {
        const t = r.result.transaction(["outbox", "turfs"], "readwrite");
        t.objectStore("outbox").add({garbage: true});
        t.objectStore("turfs").put("not a turf", 424242);
        t.oncomplete = () => { r.result.close(); resolve(); };
        t.onerror = () => reject(t.error);
      };
      r.onerror = () => reject(r.error);
    })""")
    again.reload()
    expect(again.locator("#canvass[data-ready='1']")).to_have_count(1)
    expect(again.locator("#cv-notices")).to_contain_text("An unreadable entry on this phone")
    expect(again.locator(f"li.cv-turf[data-turf='{turf.pk}']")).to_be_visible()
    expect(again.locator("#cv-pending")).to_have_text("12")

    context.set_offline(False)
    again.get_by_role("button", name="Sync now").click()
    expect(again.locator("#cv-pending")).to_have_text("0")
    expect(again.locator("#cv-last-sync")).not_to_have_text("never")
    kept = again.evaluate("""() => new Promise((resolve) => {
      const r = indexedDB.open("grassroots-canvass");
      r.onsuccess = () => {
        const c = r.result.transaction("quarantine").objectStore("quarantine").count();
        c.onsuccess = () => { r.result.close(); resolve(c.result); };
      };
    })""")
    assert kept == 2  # set aside, not deleted
    # downloaded again: the person added at the door comes from the server, shown once
    again.locator(f"li.cv-turf[data-turf='{turf.pk}']").get_by_role("button", name="Update").click()
    expect(again.locator("#cv-notices")).to_contain_text("Downloaded")
    again.locator(f"li.cv-turf[data-turf='{turf.pk}']").get_by_role("button", name="Open").click()
    expect(again.locator(f"[data-door='{doors[0].pk}']")).to_contain_text("Knocked")
    again.locator(f"[data-door='{doors[0].pk}']").click()
    expect(again.locator(".cv-person", has_text="Mita Lake")).to_have_count(1)
    assert not errors, errors

    visits = list(Visit.objects.filter(effort=effort))
    assert len(visits) == 10
    assert len({v.event_id for v in visits}) == 10
    assert sorted(v.door_id for v in visits) == sorted(d.pk for d in doors[:10])
    mita = Person.objects.get(given_name="Mita", family_name="Lake")
    neighbours = Target.objects.filter(door=doors[0]).exclude(person=mita)
    assert mita.household_id == neighbours.first().person.household_id
    assert Target.objects.filter(door=doors[0], person=mita, added_in_field=True).exists()
    for v in visits:
        assert v.person_id is not None and v.note.startswith("door ")
        support = Response.objects.get(person_id=v.person_id, question=blocks["Support"],
                                       is_latest=True)  # fmt: skip
        assert support.number == 4
        issue = Response.objects.get(person_id=v.person_id, question=blocks["Issue"],
                                     is_latest=True)  # fmt: skip
        assert [c.value for c in issue.choices.all()] == ["jobs"]
        assert Interaction.objects.filter(person_id=v.person_id).count() >= 1
        assert v.attempt.interaction_id is not None

    # the organiser's side (the issue's "done when"): the dashboard counts the 10 visits once,
    # the answers are a segment filter, and each person's timeline shows the knock
    people_knocked = {v.person_id for v in visits}
    by_answer = list_selectors.segment_people(actor=users["manager"], definition={"steps": [
        {"action": "add", "group": {"match": "all", "items": [
            {"filter": "survey_answer", "params": {"question": str(blocks["Support"].pk),
                                                   "min": 4, "max": 4}},
            {"filter": "canvass_knocked", "params": {"effort": str(effort.pk)}},
        ]}}]})  # fmt: skip
    assert set(by_answer.values_list("pk", flat=True)) == people_knocked
    desk = page.context.browser.new_page()
    login(desk, "manager")
    desk.goto(f"{live_server.url}/canvassing/efforts/{effort.pk}/results/")
    expect(desk.locator("[data-stat='visits']")).to_have_text("10")
    desk.goto(f"{live_server.url}/people/{visits[0].person_id}/")
    expect(desk.locator("body")).to_contain_text(effort.script.name)
    desk.close()


@pytest.mark.parametrize("lang", ["hi", "bn"])
@pytest.mark.browser_context_args(**PHONE)
def test_canvass_app_in_hindi_and_bengali(page, live_server, login, geo, users, shots, lang):
    effort, turf = _turf_for(geo, users, n=14, target=12, lang=lang)
    login(page, "volunteer")
    _open_app(page, live_server)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    row = page.locator(f"li.cv-turf[data-turf='{turf.pk}']")
    row.locator("button").first.click()
    row.locator("button.primary").click()
    expect(page.locator("#cv-doors li").first).to_be_visible()
    # the map: the doors as dots along the walk, drawn on the phone (no tiles)
    page.locator("button[aria-pressed]").click()
    n_doors = Door.objects.filter(turf=turf).count()
    expect(page.locator(".cv-map-svg circle")).to_have_count(n_doors)
    page.locator(".cv-map-svg circle").first.click()
    expect(page.locator(".cv-people")).to_be_visible()
    page.locator(".cv-person").first.click()
    expect(page.locator("form.cv-script")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.evaluate("() => window.__grAxeCheck && window.__grAxeCheck('script')")
    shots(page, f"canvass-script-{lang}")
    text = page.locator("#cv-view").inner_text() + page.locator(".cv-status").inner_text()
    script = {"hi": r"[\u0900-\u097F]", "bn": r"[\u0980-\u09FF]"}[lang]
    assert re.search(script, text)
    assert "Waiting to sync" not in text and "Save the visit" not in text
