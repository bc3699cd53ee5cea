"""End-to-end: sign in, search people (HTMX), notes and tags on the timeline, phone layout,
bulk tagging, a form with hostile input, and the language switcher.

Screenshots go to test-artifacts/e2e/ (git-ignored).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

NOTE = "Met at the door, wants a yard sign"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
BN_MO = Path(__file__).resolve().parents[2] / "grassroots/locale/bn/LC_MESSAGES/django.mo"


# --- helpers ---------------------------------------------------------------------------------


def mark_document(page: Page) -> None:
    """Tag the current document; ``same_document`` tells whether a full page load happened since."""
    page.evaluate("() => { window.__e2eSameDocument = true; }")


def same_document(page: Page) -> bool:
    return page.evaluate("() => window.__e2eSameDocument === true")


def assert_no_horizontal_overflow(page: Page) -> None:
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"] + 1, f"page scrolls sideways on a phone: {sizes}"


def is_htmx(response) -> bool:
    return response.request.headers.get("hx-request") == "true"


def search(page: Page, text: str, *, shots=None, shot: str = "") -> None:
    """Type into the people search box and wait for the HTMX response that it triggers."""
    box = page.get_by_role("searchbox", name="Search")
    page.evaluate(
        """() => { window.__e2eSettled = false;
        document.body.addEventListener("htmx:afterSettle",
            () => { window.__e2eSettled = true; }, {once: true}); }"""
    )
    with page.expect_response(
        lambda r: "/people/" in r.url and "q=" in r.url and is_htmx(r)
    ) as info:
        box.fill(text)
    assert info.value.status == 200
    page.wait_for_function("() => window.__e2eSettled === true")  # htmx swapped the results
    if shot:  # before the checks below, so a failure still leaves the picture
        shots(page, shot)
    expect(
        page.locator("#results [role=alert]"),
        "the people filters rejected the search form's own (empty) fields",
    ).to_have_count(0)
    expect(
        page.locator("#results"),
        "the HTMX swap nested #results inside #results (duplicate id)",
    ).to_have_count(1)


def person_count() -> int:
    from grassroots.people.models import Person

    return Person.objects.count()


# --- 1. the main desk flow -------------------------------------------------------------------


def test_manager_search_note_and_tag(page: Page, live_server, login, shots, people):
    login(page, "manager")

    # Dashboard with tiles.
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    tiles = page.locator(".grid-tiles .tile")
    expect(tiles.first).to_be_visible()
    assert tiles.count() >= 1
    shots(page, "01-dashboard")

    # People, through the main navigation.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="People", exact=True
    ).click()
    page.wait_for_url(re.compile(r"/people/$"))
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Rahul Sharma")).to_be_visible()

    # Search by name: HTMX swaps #results and pushes the URL; no full page load.
    mark_document(page)
    search(page, "Ananya", shots=shots, shot="02-people-search")
    expect(page).to_have_url(re.compile(r"/people/\?(.*&)?q=Ananya(&|$)"))
    expect(results.get_by_role("link", name="Ananya Das")).to_be_visible()
    expect(results).not_to_contain_text("Rahul")
    assert same_document(page), "the search reloaded the whole page instead of swapping results"

    # Search by phone, written the way people write it.
    search(page, "+91 94330 55555")
    expect(page).to_have_url(re.compile(r"q=%2B91"))
    expect(results.get_by_role("link", name="Rahul Sharma")).to_be_visible()
    expect(results).not_to_contain_text("Ananya")
    assert same_document(page)

    # Open Ananya.
    search(page, "Ananya")
    results.get_by_role("link", name="Ananya Das").click()
    ananya = people["ananya"]
    page.wait_for_url(re.compile(rf"/people/{ananya.pk}/$"))
    expect(page.get_by_role("heading", name="Ananya Das", level=1)).to_be_visible()

    # Add a note (HTMX swap of the person panel).
    mark_document(page)
    page.get_by_role("textbox", name="Note").fill(NOTE)
    with page.expect_response(lambda r: r.url.endswith(f"/people/{ananya.pk}/note/")) as info:
        page.get_by_role("button", name="Add note").click()
    assert is_htmx(info.value) and info.value.status == 200
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text(NOTE)
    expect(page.locator("#toasts")).to_contain_text("Note added.")
    expect(page.get_by_role("textbox", name="Note")).to_have_value(
        ""
    )  # the form was reset for the next note

    # Add a tag.
    page.locator("#tag-name").fill("Yard sign")
    with page.expect_response(lambda r: r.url.endswith(f"/people/{ananya.pk}/tag/")) as info:
        page.locator("#tag-name").press("Enter")
    assert is_htmx(info.value) and info.value.status == 200
    expect(page.locator("#tags")).to_contain_text("Yard sign")
    expect(timeline).to_contain_text("Yard sign")
    expect(timeline).to_contain_text(NOTE)
    assert same_document(page), "adding a note or tag reloaded the whole page"
    shots(page, "03-person-timeline")

    # Both persisted.
    page.reload()
    expect(page.locator("#timeline")).to_contain_text(NOTE)
    expect(page.locator("#timeline")).to_contain_text("Yard sign")
    expect(page.locator("#tags .badge.tag", has_text="Yard sign")).to_have_count(1)
    from grassroots.people.models import Note

    assert list(ananya.taggings.values_list("tag__name", flat=True)) == ["Yard sign"]
    assert list(Note.objects.filter(person=ananya).values_list("body", flat=True)) == [NOTE]


# --- 2. a volunteer on a phone ---------------------------------------------------------------


@pytest.mark.browser_context_args(**PHONE)
def test_volunteer_on_phone_sees_only_their_part(page: Page, live_server, login, shots, people):
    login(page, "volunteer")
    assert page.viewport_size == {"width": 390, "height": 844}
    assert page.evaluate("() => navigator.maxTouchPoints") > 0

    page.goto(f"{live_server.url}/people/")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Ananya Das")).to_be_visible()
    expect(results.get_by_role("link", name="Sourav Das")).to_be_visible()
    expect(results).not_to_contain_text("Rahul")
    # Volunteers cannot edit: no bulk bar, no row checkboxes; they may add a new elector in
    # their booth (issue 13 item 25: tests/e2e/test_add_person_phone.py).
    expect(page.locator("form.bulkbar")).to_have_count(0)
    expect(page.locator("input[name=pick]")).to_have_count(0)
    expect(page.get_by_role("link", name="Add person")).to_be_visible()
    assert_no_horizontal_overflow(page)
    shots(page, "10-phone-people")

    # Someone outside their part does not exist for them.
    response = page.goto(f"{live_server.url}/people/{people['rahul'].pk}/")
    assert response.status == 404

    # Their own part: notes yes, edits no.
    ananya = people["ananya"]
    page.goto(f"{live_server.url}/people/{ananya.pk}/")
    expect(page.get_by_role("heading", name="Ananya Das", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(page.locator("#tag-name")).to_have_count(0)
    page.get_by_role("textbox", name="Note").fill(NOTE)
    with page.expect_response(lambda r: r.url.endswith(f"/people/{ananya.pk}/note/")) as info:
        page.get_by_role("button", name="Add note").tap()
    assert info.value.status == 200
    expect(page.locator("#timeline")).to_contain_text(NOTE)
    assert_no_horizontal_overflow(page)
    shots(page, "11-phone-person")

    from grassroots.people.models import Note

    assert list(Note.objects.filter(person=ananya).values_list("author__username", "body")) == [
        ("volunteer", NOTE)
    ]


# --- 3. bulk tagging from the list -----------------------------------------------------------


def test_manager_bulk_tags_two_people(page: Page, live_server, login, shots, people):
    login(page, "manager")
    page.goto(f"{live_server.url}/people/")

    page.get_by_role("checkbox", name="Select Ananya Das").check()
    page.get_by_role("checkbox", name="Select Sourav Das").check()
    bar = page.locator("form.bulkbar")
    expect(bar.locator("#bulk-count")).to_have_text("2")
    bar.get_by_placeholder("Tag name").fill("Door knocked")
    with page.expect_navigation():
        bar.get_by_role("button", name="Tag", exact=True).click()

    expect(page.locator("#toasts .toast.success")).to_contain_text("Tagged 2 people")
    shots(page, "04-bulk-tagged")

    rows = page.locator("#results tbody tr")
    for name in ("Ananya Das", "Sourav Das"):
        expect(rows.filter(has_text=name).locator(".badge.tag")).to_have_text(["Door knocked"])
    expect(rows.filter(has_text="Rahul Sharma").locator(".badge.tag")).to_have_count(0)

    from grassroots.people.models import Person

    tagged = Person.objects.filter(taggings__tag__name="Door knocked")
    assert sorted(tagged.values_list("given_name", flat=True)) == ["Ananya", "Sourav"]


# --- 4. hostile and impossible input ---------------------------------------------------------


def test_add_person_with_bad_input_shows_errors_and_creates_nothing(
    page: Page, live_server, login, shots, people
):
    hostile = "<script>alert(1)</script>"
    before = person_count()
    login(page, "manager")
    page.goto(f"{live_server.url}/people/")
    page.get_by_role("link", name="Add person").click()
    page.wait_for_url(re.compile(r"/people/new/$"))

    page.get_by_label("Given name").fill(hostile)
    page.get_by_label("Birth date").fill("2999-01-01")  # a date picker only allows real dates
    page.get_by_label("Phone").fill("12345")
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Add person").click()
    assert nav.value.status == 400

    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below.")
    expect(page.locator("#id_given_name_error")).to_contain_text("characters a name cannot have")
    expect(page.locator("#id_birth_date_error")).to_contain_text("in the future")
    # Every mistake shows in the first round, the phone's too.
    expect(page.locator("#id_phone_error")).to_contain_text(re.compile("phone", re.I))
    # The hostile text comes back as the field's value, not as markup.
    expect(page.get_by_label("Given name")).to_have_value(hostile)
    shots(page, "05-add-person-errors")
    assert person_count() == before

    # With name and date fixed, the phone is still refused.
    page.get_by_label("Given name").fill("Mitali")
    page.get_by_label("Birth date").fill("1990-04-01")
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Add person").click()
    assert nav.value.status == 400
    expect(page.locator("#id_phone_error")).to_be_visible()
    expect(page.locator("#id_phone_error")).to_contain_text(re.compile("phone", re.I))
    shots(page, "06-add-person-phone-error")
    assert person_count() == before

    assert page.problems.dialogs == [], f"a dialog fired: {page.problems.dialogs}"


# --- 5. language switcher --------------------------------------------------------------------


def test_language_switcher_changes_language(page: Page, live_server, login, shots, users):
    login(page, "manager")
    switcher = page.locator("header select#lang")  # its label is translated too
    nav_people = page.locator("header nav a[href$='/people/']")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav_people).to_have_text("People")

    with page.expect_navigation():
        switcher.select_option("bn")
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    expect(switcher).to_have_value("bn")
    shots(page, "07-bengali-dashboard")

    if BN_MO.exists():
        from django.utils import translation

        with translation.override("bn"):
            expected = str(translation.gettext("People"))
        assert expected != "People", "the Bengali catalogue has no translation for “People”"
        expect(nav_people).to_have_text(expected)

    # The choice sticks across pages.
    nav_people.click()
    page.wait_for_url(re.compile(r"/people/$"))
    expect(page.locator("html")).to_have_attribute("lang", "bn")
