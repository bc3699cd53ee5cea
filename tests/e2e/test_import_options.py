"""End-to-end: the mapping screen's value maps and first-load options (issue 13 §5, §7): a
vote column's translation and election date appear for a vote column only, the options for
unknown areas and elections show what they need, the check runs with them; the screen in
Hindi on a phone; and which row of a voter listed twice is kept (§8).

Screenshots go to test-artifacts/e2e/ (git-ignored).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_import_mapping import row, upload

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_value_map_and_first_load_options(page: Page, live_server, login, shots, users, geo):
    login(page, "manager")
    upload(page, live_server)
    page.get_by_label("Given", exact=True).select_option(label="First name")
    notes = row(page, "Notes")
    expect(notes.get_by_label("Election date")).to_be_hidden()
    page.get_by_label("Notes", exact=True).select_option(label="Voted in (name the election)")
    notes.get_by_label("Election code").fill("wb-2021-assembly")
    expect(notes.get_by_label("Election date")).to_be_visible()
    notes.get_by_label("Election date").fill("2021-04-29")
    notes.get_by_text("Translate values").click()
    expect(notes.get_by_text("e.g. D = 1 DEM")).to_be_visible()
    notes.get_by_label("Translate values").fill(
        "met at rally = 1\nbad date = 0\nprefers Bengali = 1 TMC"
    )

    # the options ask for what they need only when chosen
    under = page.get_by_label("New areas go under the area with the code")
    expect(under).to_be_hidden()
    page.get_by_label("A row whose area code is not in Grassroots").select_option("create")
    expect(under).to_be_visible()
    expect(page.get_by_label("Kind of the new areas")).to_be_visible()
    page.get_by_label("A row whose area code is not in Grassroots").select_option("leave_empty")
    expect(under).to_be_hidden()
    page.get_by_label("A vote for an election not in Grassroots").select_option("create")
    page.get_by_label("New elections are held in the area with the code").fill("IN-WB")
    shots(page, "33-import-mapping-options")
    page.get_by_role("button", name="Check with this mapping").click()
    page.wait_for_url(re.compile(r"/people/imports/[0-9a-f-]{36}/$"))

    from grassroots.people.models import ImportBatch

    batch = ImportBatch.objects.get()
    assert batch.mapping["columns"]["Notes"]["values"]["prefers Bengali"] == {
        "voted": True,
        "party": "TMC",
    }
    assert batch.mapping["options"]["unknown_area"] == "leave_empty"
    assert batch.mapping["options"]["new_elections_in"] == "IN-WB"


def test_the_options_in_hindi_on_a_phone(page: Page, live_server, login, shots, users, geo):
    from django.utils import translation

    from grassroots.accounts.models import User

    User.objects.filter(username="manager").update(preferred_language="hi")
    with translation.override("hi"):
        unknown_area = translation.gettext("A row whose area code is not in Grassroots")
        create = translation.gettext("creates the area (a first load)")
        under = translation.gettext("New areas go under the area with the code")
        upload_button = translation.gettext("Upload and map the columns")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "manager")
    page.goto(f"{live_server.url}/people/imports/")
    page.locator("#id_file").set_input_files(
        {"name": "roll.csv", "mimeType": "text/csv", "buffer": b"Name,Part\nAsha,7\n"}
    )
    page.get_by_role("button", name=upload_button).click()
    page.wait_for_url(re.compile(r"/people/imports/map/\w+/$"))
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    page.get_by_label(unknown_area).select_option(label=create)
    expect(page.get_by_label(under)).to_be_visible()
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"] + 1, f"the page scrolls sideways: {sizes}"
    page.get_by_label(under).scroll_into_view_if_needed()
    shots(page, "34-import-options-hindi-phone", full_page=False)


def test_keep_the_newest_row_of_a_voter_listed_twice(
    page: Page, live_server, login, shots, users, geo
):
    login(page, "manager")
    page.goto(f"{live_server.url}/people/imports/")
    page.locator("#id_file").set_input_files(
        {
            "name": "moved.csv",
            "mimeType": "text/csv",
            "buffer": (
                b"EPIC,Name,Street,Registered\n"
                b"WKH1234566,Mitali Ghosh,Lansdowne Road,2026-03-02\n"
                b"WKH7654320,Amit Ghosh,Elgin Road,2020-01-01\n"
                b"WKH1234566,Mitali Ghosh,Elgin Road,2019-05-01\n"
            ),
        }
    )
    page.get_by_role("button", name="Upload and map the columns").click()
    page.wait_for_url(re.compile(r"/people/imports/map/\w+/$"))
    page.get_by_label("EPIC", exact=True).select_option("external_id:")
    row(page, "EPIC").get_by_label("Kind of id (e.g. epic, voter)").fill("epic")
    page.get_by_label("Name", exact=True).select_option("person.full_name")
    page.get_by_label("Street", exact=True).select_option("address.street")

    # the column that decides is asked for only when "newest" is chosen
    keep = page.get_by_label("When a voter appears more than once in the file, keep")
    by = page.get_by_label("The date that decides is in the column")
    expect(keep).to_have_value("later")
    expect(by).to_be_hidden()
    keep.select_option("newest")
    expect(by).to_be_visible()
    by.select_option("Registered")
    # … and it must be a column mapped to a date
    registered = page.get_by_label("Registered", exact=True)
    expect(registered).to_have_value("person.registration_date")  # guessed from its name
    registered.select_option("ignore")
    page.get_by_role("button", name="Check with this mapping").click()
    expect(page.locator(".field.has-error", has=by)).to_contain_text(
        "Map the column “Registered” to a date field"
    )
    expect(page.get_by_label("The date that decides is in the column")).to_be_visible()
    page.get_by_label("Registered", exact=True).select_option("person.registration_date")
    shots(page, "35-import-keep-newest")
    page.get_by_role("button", name="Check with this mapping").click()
    page.wait_for_url(re.compile(r"/people/imports/[0-9a-f-]{36}/$"))

    repeated = page.locator(
        "section", has=page.get_by_role("heading", name="Repeated, the newest one kept")
    )
    expect(repeated).to_contain_text(
        "same person as line 4; the row of 2026-03-02 was kept (newer “Registered”)"
    )
    expect(repeated).to_contain_text("Street: Elgin Road → Lansdowne Road")
    page.get_by_role("button", name="Import for real").click()
    page.wait_for_url(re.compile(r"/people/imports/[0-9a-f-]{36}/$"))
    expect(page.get_by_text("Succeeded")).to_be_visible()

    from grassroots.people.models import Person

    mitali = Person.objects.get(external_ids__value="WKH1234566")
    assert mitali.household.address.street == "Lansdowne Road"
