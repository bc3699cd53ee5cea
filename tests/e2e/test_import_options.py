"""End-to-end: the mapping screen's value maps and first-load options (issue 13 §5, §7): a
vote column's translation and election date appear for a vote column only, the options for
unknown areas and elections show what they need, the check runs with them; and the screen in
Hindi on a phone.

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
