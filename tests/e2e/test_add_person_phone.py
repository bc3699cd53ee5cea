"""End-to-end, on a phone: a booth volunteer adds a new elector at a door in their booth —
the area picker (their booth chosen already; another picked by name with the touch screen),
an address that joins the household already at that door, a phone, an EPIC chosen as a kind
and typed as printed — and then a new member of that household from the household's page.
The people list's area filter shows suggestions as the volunteer types and filters by one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from grassroots.core.access import SYSTEM
from grassroots.geography import services as geo_services
from grassroots.people.models import Person

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.browser_context_args(**PHONE)
def test_a_booth_volunteer_adds_an_elector_and_a_household_member_on_a_phone(
    page, live_server, login, geo, people, users, shots
):
    section = geo_services.area_create(
        actor=SYSTEM,
        kind=geo_services.area_kind_ensure(code="section", name="Section"),
        code="IN-WB-AC1-P001-S1",
        name="1 - Harish Mukherjee Road",
        native_name="১ - হরিশ মুখার্জি রোড",
        parent=geo["p1"],
    )
    login(page, "volunteer")
    page.goto(f"{live_server.url}/people/")
    page.get_by_role("link", name="Add person").click()
    expect(page.locator("h1")).to_have_text("Add person")
    area = page.get_by_role("combobox", name="Area")
    expect(area).to_have_value(re.compile(r"Bhabanipur › Part 1$"))
    # the section, found by its Bengali name, chosen with a tap
    area.fill("হরিশ")
    option = page.get_by_role("listbox", name="Areas").get_by_role("option")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("Part 1 › 1 - Harish Mukherjee Road")
    option.tap()
    expect(area).to_have_value(re.compile(r"Part 1 › 1 - Harish Mukherjee Road$"))

    page.get_by_label("Given name").fill("Mitali")
    page.get_by_label("Family name").fill("Das")
    page.get_by_role("spinbutton", name="Age", exact=True).fill("29")
    page.get_by_label("House no.").fill("12/1")
    page.get_by_label("Street / road").fill("harish mukherjee road")
    page.get_by_label("City / village").fill("Kolkata")
    page.get_by_label("Postal code").fill("700025")
    page.get_by_label("Phone").fill("98300 77777")
    page.get_by_label("Kind of identifier").select_option("epic")
    page.get_by_label("Identifier", exact=True).fill("ABC1234566")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shots(page, "add-person-01-phone")
    page.get_by_role("button", name="Add person").click()
    expect(page.locator("h1")).to_contain_text("Mitali Das")
    mitali = Person.objects.get(given_name="Mitali")
    assert mitali.area_id == section.pk
    # the same door as the Das household (typed in lower case): she joins it
    assert mitali.household_id == people["household"].pk
    assert mitali.external_ids.get().value == "ABC1234566"
    assert mitali.contact_points.get().value == "+919830077777"

    # a new member, from the household's page
    page.goto(f"{live_server.url}/households/{people['household'].pk}/")
    page.get_by_role("link", name="Add a member").click()
    expect(page.get_by_role("status").filter(has_text="Adding a member")).to_be_visible()
    expect(page.get_by_label("Street / road")).to_have_value("Harish Mukherjee Road")
    page.get_by_label("Given name").fill("Rina")
    page.get_by_role("button", name="Add person").click()
    expect(page.locator("h1")).to_contain_text("Rina")
    assert Person.objects.get(given_name="Rina").household_id == people["household"].pk

    # the people list's area filter: suggestions while typing, then the list filtered
    page.goto(f"{live_server.url}/people/")
    picker = page.get_by_role("combobox", name="Area")
    picker.fill("harish")
    suggestion = page.get_by_role("listbox", name="Areas").get_by_role("option")
    expect(suggestion).to_have_count(1)
    shots(page, "add-person-02-area-filter-phone")
    suggestion.tap()
    expect(page.locator("#results")).to_contain_text("Mitali Das")
    expect(page.locator("#results")).not_to_contain_text("Ananya Das")  # in Part 1, not the section
    page.problems.assert_clean()


@pytest.mark.browser_context_args(**PHONE)
def test_the_add_person_screen_in_bengali_on_a_phone(page, live_server, login, geo, users, shots):
    login(page, "volunteer")
    page.context.add_cookies([{"name": "django_language", "value": "bn", "url": live_server.url}])
    page.goto(f"{live_server.url}/people/new/")
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    area = page.locator("#id_area")
    area.fill("part")
    expect(page.locator("#id_area_listbox").get_by_role("option").first).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shots(page, "add-person-03-bengali-phone")
    page.problems.assert_clean()
