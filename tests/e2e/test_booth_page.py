"""End-to-end, on a phone: a booth volunteer opens their booth's page — its coverage, its
sections with their people, its prints — and makes the voter slips, which are built in the
background while the page shows their progress, then downloads them."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from grassroots.core.access import SYSTEM
from grassroots.geography import services as geo_services
from grassroots.people.models import Address

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.browser_context_args(**PHONE)
def test_a_booth_volunteer_works_from_the_booth_page_on_a_phone(
    page, live_server, login, geo, people, users, shots, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    kind = geo_services.area_kind_ensure(code="section", name="Section")
    section = geo_services.area_create(
        actor=SYSTEM, kind=kind, code="IN-WB-AC1-P001-S1", name="1 - Harish Mukherjee Road",
        parent=geo["p1"],
    )  # fmt: skip
    Address.objects.filter(pk=people["household"].address_id).update(area=section)
    geo_services.election_create(
        actor=SYSTEM,
        name="West Bengal Assembly 2026",
        kind="general",
        date=timezone.localdate() + dt.timedelta(days=20),
        area=geo["state"],
        code="wb-2026",
    )

    login(page, "volunteer")
    page.goto(f"{live_server.url}/areas/{geo['p1'].pk}/")
    assert page.viewport_size == {"width": 390, "height": 844}
    coverage = page.locator("section.coverage")
    expect(coverage).to_contain_text("Electors on file")
    expect(coverage.locator(".tile").first.locator(".value")).to_have_text("2")
    expect(coverage).to_contain_text("2 Leaning support: 1 (50%)")
    # The section counts its people (it showed 0).
    row = page.locator("table.data tr", has_text="Harish Mukherjee Road")
    expect(row.locator("td.num").first).to_have_text("2")
    prints = page.locator("section.prints")
    expect(prints.get_by_role("link", name="Page list PDF")).to_be_visible()
    expect(prints.get_by_role("link", name="Walk list PDF")).to_be_visible()
    expect(prints.get_by_role("link", name="Call list PDF")).to_be_visible()
    # Nothing wider than the phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shots(page, "booth-01-home-phone")

    prints.get_by_role("button", name="Make the voter slips").click()
    expect(page.locator("h1")).to_contain_text("Voter slips")
    download_link = page.get_by_role("link", name="Download")
    expect(download_link).to_be_visible()
    expect(page.locator(".job .badge")).to_have_text(re.compile("Succeeded|Done", re.I))
    shots(page, "booth-02-slips-job-phone")
    href = download_link.get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Poll:" in text and "07:00–18:00" in text
    assert "Polling station: Mitra Institution" in text and "Ananya Das" in text

    # The same home in Bengali, for the screenshot a Bengali-speaking volunteer would see.
    page.context.add_cookies([{"name": "django_language", "value": "bn", "url": live_server.url}])
    page.goto(f"{live_server.url}/areas/{geo['p1'].pk}/")
    expect(page.locator("section.coverage")).to_be_visible()
    shots(page, "booth-03-home-phone-bn")
