"""End-to-end: a data reviewer opens the duplicate queue, compares a pair (keyboard navigation
between pairs), merges it choosing the surviving family name, and undoes the merge.

Screenshots go to test-artifacts/e2e/ (git-ignored).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from grassroots.core.access import SYSTEM

pytestmark = pytest.mark.e2e


@pytest.fixture
def twins(people, geo):
    from grassroots.people import services
    from grassroots.people.models import DuplicatePair

    twin = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Ananya", "family_name": "Dass", "age": 34, "area": geo["p1"]},
        emails=["a.das@example.org"],
    )
    services.note_create(actor=SYSTEM, person=twin, body="Signed up online")
    rahul2 = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Rahul", "family_name": "Shrama", "age": 25, "area": geo["p2"]},
    )
    DuplicatePair.objects.create(
        low=people["ananya"], high=twin, score=0.97, reasons=["same name", "same age"]
    )
    DuplicatePair.objects.create(
        low=people["rahul"], high=rahul2, score=0.88, reasons=["names similar (0.91)"]
    )
    return {**people, "twin": twin, "rahul2": rahul2}


def test_review_merge_and_undo_a_pair(page: Page, live_server, login, shots, twins):
    from grassroots.people.models import MergeRecord, Note, Person

    ananya, twin = twins["ananya"], twins["twin"]
    login(page, "manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Duplicates").click()
    expect(page.get_by_role("heading", name="Duplicates", level=1)).to_be_visible()
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Ananya Dass")
    expect(rows.first).to_contain_text("same name")
    shots(page, "dup-01-queue")

    rows.first.get_by_role("link", name="Compare", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Same person"))).to_be_visible()
    # keyboard: j to the next pair, k back
    page.keyboard.press("j")
    expect(page.locator("table.compare")).to_contain_text("Shrama")
    page.keyboard.press("k")
    expect(page.locator("table.compare")).to_contain_text("Dass")

    family = page.locator("table.compare tr.diff", has_text="Family name")
    expect(family).to_be_visible()
    # the original (more complete) record is kept by default; take the other's family name
    expect(page.locator('input[name="survivor"][value="low"]')).to_be_checked()
    family.get_by_text("Dass").click()
    expect(family.locator('input[value="high"]')).to_be_checked()
    shots(page, "dup-02-compare")

    with page.expect_navigation():
        page.get_by_role("button", name="Merge", exact=True).click()
    banner = page.locator("#merge-banner")
    expect(banner).to_contain_text(
        f"Merged “Ananya Dass” (#{twin.pk}) into “Ananya Dass” (#{ananya.pk})"
    )
    expect(page.locator("table.compare")).to_contain_text("Shrama")  # on to the next pair
    shots(page, "dup-03-merged")
    ananya.refresh_from_db()
    assert ananya.family_name == "Dass"
    assert not Person.objects.filter(pk=twin.pk).exists()
    assert Note.objects.get(body="Signed up online").person_id == ananya.pk

    with page.expect_navigation():
        banner.get_by_role("button", name="Undo").click()
    expect(page.locator("#toasts")).to_contain_text("Merge undone")
    expect(page.locator("table.compare")).to_contain_text("Dass")  # the pair is back to review
    assert Person.objects.filter(pk=twin.pk).exists()
    ananya.refresh_from_db()
    assert ananya.family_name == "Das"
    assert MergeRecord.objects.get().undone_at is not None

    # "Not a duplicate" on a phone: the page does not scroll sideways, and the pair leaves
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"] + 1, sizes
    with page.expect_navigation():
        page.get_by_role("button", name="Not a duplicate").click()
    expect(page.locator("#toasts")).to_contain_text("not be proposed again")
    page.goto(f"{live_server.url}/people/duplicates/")
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    expect(page.locator("table.data")).not_to_contain_text("Dass")
