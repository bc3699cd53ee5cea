"""End-to-end: upload a CSV, map its columns by hand on the mapping screen (the transforms
appear as the field is chosen), keep the input through an error, save the mapping as a
template, run the check; and the mapping screen on a phone.

Screenshots go to test-artifacts/e2e/ (git-ignored).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

CSV = (
    b"Given,Surname,Born,Cell,Voter No,Notes\n"
    b"Asha,Rao,28/02/1987,98300 11111,V-1,met at rally\n"
    b"Bina,Sen,03/11/1990,,V-2,\n"
    b"Chitra,Das,15/07/1975,94330 22222,V-3,prefers Bengali\n"
    b"Dev,Roy,31/31/1980,,V-4,bad date\n"
)
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/people/imports/")
    page.get_by_label("File (CSV, TSV, XLSX, or a .gz/.zip of one)").set_input_files(
        {"name": "state-file.csv", "mimeType": "text/csv", "buffer": CSV}
    )
    page.get_by_role("button", name="Upload and map the columns").click()
    page.wait_for_url(re.compile(r"/people/imports/map/\w+/$"))
    expect(page.get_by_role("heading", name="Map the columns", level=1)).to_be_visible()


def row(page: Page, header: str):
    return page.locator(".maprow", has=page.get_by_label(header, exact=True))


def test_map_by_hand_save_template_and_check(page: Page, live_server, login, shots, users):
    login(page, "manager")
    upload(page, live_server)

    # the preview and the guesses
    preview = page.get_by_role("region", name="The first 4 rows of the file")
    expect(preview).to_contain_text("prefers Bengali")
    expect(page.get_by_label("Surname", exact=True)).to_have_value("person.family_name")
    expect(page.get_by_label("Given", exact=True)).to_have_value("ignore")

    # map "Given" by hand, from the keyboard
    given = page.get_by_label("Given", exact=True)
    given.focus()
    given.select_option(label="First name")

    # choosing a date field shows the date format; a phone shows its region; an id its kind
    born = row(page, "Born")
    expect(born.get_by_label("Date format")).to_be_hidden()
    page.get_by_label("Born", exact=True).select_option(label="Date of birth")
    expect(born.get_by_label("Date format")).to_be_visible()
    born.get_by_label("Date format").select_option(value="%d/%m/%Y")
    page.get_by_label("Cell", exact=True).select_option(label="Phone")
    row(page, "Cell").get_by_label("Country of numbers without a code").fill("IN")
    page.get_by_label("Voter No", exact=True).select_option(label="External id (name its kind)")
    kind = row(page, "Voter No").get_by_label("Kind of id (e.g. epic, voter)")
    expect(kind).to_be_visible()

    page.get_by_label("Field", exact=True).first.select_option(label="Source")
    page.get_by_label("Value", exact=True).first.fill("2026 state file")
    page.get_by_label("Save this mapping as a template named").fill("state-file-2026")

    # the id's kind is still empty: an error on that column, and nothing entered is lost
    page.get_by_role("button", name="Check with this mapping").click()
    expect(page.locator(".maprow.has-error")).to_contain_text("Name it: lower-case letters")
    expect(page.get_by_label("Given", exact=True)).to_have_value("person.given_name")
    expect(row(page, "Born").get_by_label("Date format")).to_have_value("%d/%m/%Y")
    expect(page.get_by_label("Save this mapping as a template named")).to_have_value(
        "state-file-2026"
    )
    expect(page.get_by_label("Value", exact=True).first).to_have_value("2026 state file")
    shots(page, "30-import-mapping-error")

    row(page, "Voter No").get_by_label("Kind of id (e.g. epic, voter)").fill("voter")
    shots(page, "31-import-mapping")
    with page.expect_request(lambda r: r.method == "POST" and "/map/" in r.url) as sent:
        page.get_by_role("button", name="Check with this mapping").click()
    # Only the transforms of the chosen fields are sent (a 300-column voter file stays under
    # Django's limit on the number of form fields).
    body = sent.value.post_data
    assert "c2_format=" in body and "c3_region=IN" in body and "c4_key=voter" in body
    assert "c0_format" not in body and "c5_key" not in body and "c1_region" not in body

    page.wait_for_url(re.compile(r"/people/imports/[0-9a-f-]{36}/$"))
    expect(page.get_by_text("Saved the mapping as the template “state-file-2026”.")).to_be_visible()
    # Dev is imported without his impossible birth date, which is listed as a rejected value
    expect(page.locator(".tile", has_text="Would create")).to_contain_text("4")
    expect(page.locator(".tile", has_text="Rejected values")).to_contain_text("1")
    expect(page.get_by_role("cell", name="31/31/1980", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Import for real")).to_be_visible()
    shots(page, "32-import-check")

    from grassroots.people.models import ImportBatch, ImportTemplate, Person

    template = ImportTemplate.objects.get(name="state-file-2026")
    assert template.mapping["columns"]["Voter No"] == "external_id:voter"
    assert template.mapping["columns"]["Born"] == {
        "target": "person.birth_date",
        "format": "%d/%m/%Y",
    }
    batch = ImportBatch.objects.get()
    assert batch.dry_run and batch.template == "state-file-2026"
    assert Person.objects.count() == 0

    # next time the template is offered and fills in the columns
    upload(page, live_server)
    page.get_by_label("Start from a template").select_option("state-file-2026")
    page.get_by_role("button", name="Use it").click()
    expect(page.get_by_label("Given", exact=True)).to_have_value("person.given_name")
    expect(row(page, "Voter No").get_by_label("Kind of id (e.g. epic, voter)")).to_have_value(
        "voter"
    )


@pytest.mark.browser_context_args(**PHONE)
def test_mapping_screen_on_a_phone(page: Page, live_server, login, shots, users):
    login(page, "manager")
    upload(page, live_server)
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"] + 1, f"the page scrolls sideways: {sizes}"
    page.get_by_label("Given", exact=True).select_option(label="First name")
    check = page.get_by_role("button", name="Check with this mapping")
    check.scroll_into_view_if_needed()
    expect(check).to_be_in_viewport()
    shots(page, "33-phone-import-mapping")
