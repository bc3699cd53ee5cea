"""End-to-end: what an import did, as a campaign manager reads it on a phone in Bengali (issue 13
§1, §2, §6, §8, §28): the check says in words who moves and which households split, lists the
values it left out (downloadable) and the repeated rows; after a rollback the page says
"Rolled back" with when and who, never "Succeeded".

Screenshots go to test-artifacts/e2e/ (git-ignored).
"""

from __future__ import annotations

import csv

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

FULL = {
    "columns": {
        "EPIC": "external_id:epic",
        "Name": "person.full_name",
        "Mobile": "phone",
        "House": "address.house_number",
        "Street": "address.street",
        "City": "address.city",
        "PIN": "address.postal_code",
    },
    "options": {"default_region": "IN"},
}
HEADER = list(FULL["columns"])


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def test_the_import_report_in_bengali_on_a_phone(
    page: Page, live_server, login, shots, users, geo, tmp_path
):
    from grassroots.core.access import SYSTEM
    from grassroots.people.imports import services

    family = [
        ["WKH1234566", "Mitali Ghosh", "", "7", "Elgin Road", "Kolkata", "700020"],
        ["WKH7654320", "Amit Ghosh", "", "7", "Elgin Road", "Kolkata", "700020"],
    ]
    first = services.import_create(
        actor=SYSTEM, path=write(tmp_path / "a.csv", family), mapping=FULL
    )
    services.import_run(batch=first)
    later = [
        ["WKH1234566", "Mitali Ghosh", "", "9", "Elgin Road", "", ""],
        ["WKH0000026", "Rina Pal", "12", "3", "Lansdowne Road", "Kolkata", ""],  # a bad mobile
        ["WKH1234566", "Mitali Ghosh", "", "12", "Elgin Road", "", ""],  # moved again: kept
    ]
    check = services.import_create(
        actor=users["manager"], path=write(tmp_path / "b.csv", later), mapping=FULL, dry_run=True
    )
    services.import_run(batch=check)

    login(page, "manager")
    page.context.add_cookies([{"name": "django_language", "value": "bn", "url": live_server.url}])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/people/imports/{check.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    status = page.locator("#import-status")
    expect(status).to_contain_text("1 জনকে নতুন ঠিকানায় সরাবে")  # would move 1 person
    expect(status).to_contain_text("Mobile")  # the column of the value left out
    expect(status).to_contain_text("House: 9 → 12")  # the repeated row's difference
    expect(status.get_by_role("link", name="বাতিল মানগুলি ডাউনলোড করুন (CSV)")).to_be_visible()
    for internal in ("born_estimate", "household_id", "area_id"):
        expect(status).not_to_contain_text(internal)
    shots(page, "40-import-check-bn-phone")

    # import for real, roll back: the page says so, with who and when
    page.get_by_role("button", name="সত্যিই আমদানি করুন").click()
    page.wait_for_url(lambda url: str(check.pk) not in url)
    expect(status).to_contain_text("সফল")
    page.accept_dialogs = True  # "Remove the people this import created…?" — yes
    page.get_by_role("button", name="এই আমদানি ফিরিয়ে নিন").click()
    expect(page.locator("#import-status .badge").first).to_have_text("ফিরিয়ে নেওয়া হয়েছে")
    expect(status).to_contain_text("manager")
    expect(status).not_to_contain_text("সফল")
    shots(page, "41-import-rolled-back-bn-phone")
