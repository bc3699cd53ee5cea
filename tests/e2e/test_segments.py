"""End-to-end: an organiser builds "supporters 18–35 in two parts, not contacted this month,
reachable by SMS", watches the count change with each step, saves and freezes it, prints a walk
list, downloads a call list — and the API gives the same count for the same segment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grassroots.accounts.services import api_token_create
from grassroots.core.access import SYSTEM
from grassroots.lists.models import PersonList, Segment
from grassroots.people import services as people_services
from grassroots.people.models import Person

pytestmark = pytest.mark.e2e


def count_is(page, n: int) -> None:
    expect(page.locator("#segment-count .bigcount")).to_have_text(str(n))


def test_build_freeze_print_and_api_agree(page, live_server, login, geo, people, users, shots):
    for given, age, area in (("Moumita", 28, geo["p1"]), ("Priya", 22, geo["p2"])):
        people_services.person_create(
            actor=SYSTEM,
            data={
                "given_name": given,
                "family_name": "Sen",
                "age": age,
                "area": area,
                "support_score": 1,
            },
            phones=["+91 98311 0" + str(age).zfill(4)],
        )
    priya = Person.objects.get(given_name="Priya")
    people_services.interaction_record(
        actor=SYSTEM,
        person=priya,
        channel="door",
        occurred_at=timezone.now() - dt.timedelta(days=3),
    )

    login(page, "organiser")
    page.goto(f"{live_server.url}/segments/new/")
    count_is(page, 5)  # no conditions yet: everyone in the organiser's constituency
    add = page.get_by_label("Add a condition").first
    add.select_option("f:area")
    # the area picker: names, keyboard only (ArrowDown + Enter; Enter on the only match)
    areas = page.locator(".condition").nth(0).get_by_role("combobox", name="Areas", exact=True)
    areas.fill("Part 1")
    options = page.get_by_role("listbox", name="Areas").get_by_role("option")
    expect(options.first).to_contain_text("Bhabanipur › Part 1")
    areas.press("ArrowDown")
    areas.press("Enter")
    areas.fill("part 2")
    expect(options).to_have_count(1)  # Part 1 is chosen already
    areas.press("Enter")
    chips = page.locator(".condition").nth(0).locator(".area-chips .chip")
    expect(chips).to_have_count(2)
    expect(chips.nth(1)).to_contain_text("Bhabanipur › Part 2")
    count_is(page, 5)
    add.select_option("f:age")
    cond = page.locator(".condition").nth(1)
    cond.get_by_label("From").fill("18")
    cond.get_by_label("To").fill("35")
    count_is(page, 4)  # Sourav (61) goes
    add.select_option("f:support")
    page.locator(".condition").nth(2).get_by_label("1 strong support").check()
    page.locator(".condition").nth(2).get_by_label("2 lean support").check()
    count_is(page, 3)  # Rahul has no support score
    add.select_option("f:contacted")
    page.locator(".condition").nth(3).get_by_label("NOT").check()
    count_is(page, 2)  # Priya was visited three days ago
    add.select_option("f:reachable")
    page.locator(".condition").nth(4).get_by_label("Channel").select_option("sms")
    count_is(page, 2)
    expect(page.locator("#segment-count")).to_contain_text("Ananya Das")
    expect(page.locator("#segment-count")).to_contain_text("Moumita Sen")
    shots(page, "segments-01-builder")

    page.get_by_label("Name", exact=True).fill("Young supporters to text")
    page.get_by_role("button", name="Save and freeze to a list").click()
    expect(page.locator("h1")).to_contain_text("Young supporters to text")
    expect(page.locator("table.data")).to_contain_text("Ananya Das")
    expect(page.locator("table.data")).to_contain_text("Moumita Sen")
    segment = Segment.objects.get(name="Young supporters to text")
    person_list = PersonList.objects.get(segment=segment)
    assert person_list.size == 2
    shots(page, "segments-02-list")

    # Print the walk list (a real PDF), download the call list.
    page.get_by_text("Print and download").click()
    walk = page.locator("#list-outputs a", has_text="PDF (A4)").first.get_attribute("href")
    response = page.request.get(f"{live_server.url}{walk}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    with page.expect_download() as download:
        page.locator("#list-outputs dd").nth(1).get_by_text("CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Ananya" in text and "Moumita" in text and "Priya" not in text

    # The API answers the same count for the same segment and the same user.
    _token, secret = api_token_create(actor=users["organiser"], name="e2e")
    api = page.request.get(
        f"{live_server.url}/api/v1/segments/{segment.pk}/count/",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert api.status == 200 and api.json() == {"people": 2, "households": 2}
    page.problems.assert_clean()


def test_a_condition_counts_with_the_choices_it_shows(page, live_server, login, geo, people):
    """A new "Reachable on a channel" shows SMS, purpose and consent already chosen: the count
    uses them as shown, with no "Channel: required" until the select is touched."""
    login(page, "organiser")
    page.goto(f"{live_server.url}/segments/new/")
    count_is(page, 3)
    with page.expect_response(lambda r: "/segments/count/" in r.url) as answer:
        page.get_by_label("Add a condition").first.select_option("f:reachable")
    assert "required" not in answer.value.text()
    cond = page.locator(".condition").first
    expect(cond.get_by_label("Channel")).to_have_value("sms")
    expect(cond.get_by_label("Purpose")).to_have_value("campaign")
    expect(cond.get_by_label("Consent")).to_have_value("not_withdrawn")
    expect(page.locator("#segment-count .bigcount")).to_be_visible()
    expect(page.locator("#segment-count")).not_to_contain_text("required")
    # The definition the form carries is the one on screen.
    sent = page.locator("input[name=definition]").input_value()
    assert '"channel":"sms"' in sent, sent


def test_a_slow_count_says_counting_then_the_number_arrives(
    page, live_server, login, geo, people, settings
):
    """Over the count's budget the builder is not held up: the live region (the same element)
    says "Counting…", then shows the number when the patient count comes back."""
    settings.SEGMENT_COUNT_BUDGET = 0  # every first count is "too slow"
    login(page, "organiser")
    page.goto(f"{live_server.url}/segments/new/")
    region = page.locator("#segment-count")
    handle = region.element_handle()
    count_is(page, 3)
    with page.expect_response(lambda r: "/segments/count/" in r.url) as first:
        page.get_by_label("Add a condition").first.select_option("f:age")
        page.locator(".condition").first.get_by_label("From").fill("60")
    assert "Counting…" in first.value.text()
    count_is(page, 1)  # Sourav (61)
    # The live region is the element that was there at first, updated in place.
    assert page.evaluate("(el) => el.isConnected && el.id === 'segment-count'", handle)
    expect(region).to_have_attribute("aria-live", "polite")
