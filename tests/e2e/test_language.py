"""The user's own language survives signing out and in (even on another device), and pages in
Bengali render with the shipped web font (not a font that happens to be on the machine)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

WEB_FONT_LOADED = """(family) => [...document.fonts].some(
    (f) => f.family.replace(/["']/g, "") === family && f.status === "loaded")"""


def test_language_persists_across_sign_out_and_in_and_bengali_uses_the_web_font(
    page: Page, live_server, login, shots, users
):
    login(page, "manager")
    page.goto(f"{live_server.url}/accounts/profile/")
    page.locator("#id_language").select_option("bn")
    page.get_by_role("button", name="Save language").click()
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    expect(page.locator("#toasts")).to_contain_text("ভাষা সংরক্ষিত হয়েছে।")
    expect(page.locator("#id_language")).to_have_value("bn")

    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="সাইন আউট করুন").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "bn")  # the sign-in page too

    # Another device: no cookies, an English browser, a phone.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    login(page, "manager")
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    expect(page.get_by_role("button", name="সাইন আউট করুন")).to_be_visible()

    # The Bengali text is drawn with the shipped Noto Sans Bengali (an @font-face of ours,
    # fetched from /static/vendor/fonts/), whatever fonts the machine has.
    page.wait_for_function(WEB_FONT_LOADED, arg="Noto Sans Bengali")
    fetched = page.evaluate(
        """() => performance.getEntriesByType("resource").map((e) => e.name)
                 .filter((n) => n.includes("/static/vendor/fonts/"))"""
    )
    assert any(re.search(r"noto-sans-bengali-\d+\.woff2$", n) for n in fetched), fetched
    assert page.evaluate("""() => document.fonts.check('16px "Noto Sans Bengali"', 'সাইন আউট')""")
    page.wait_for_load_state("networkidle")
    shots(page, "language-bengali-phone-web-font")

    page.goto(f"{live_server.url}/accounts/profile/")
    expect(page.locator("#id_language")).to_have_value("bn")
    shots(page, "language-profile-bengali-phone")


def test_segment_builder_speaks_hindi_on_a_phone(page: Page, live_server, login, shots, users):
    """The builder's conditions, ranges and options come from the filter registry: in Hindi
    they are Hindi, with the range words in their sense ("से"/"तक", not "प्रति")."""
    from django.utils import translation

    from grassroots.accounts.models import User

    User.objects.filter(username="organiser").update(preferred_language="hi")
    with translation.override("hi"):
        add_label = translation.gettext("Add a condition")
        age, household = translation.gettext("Age"), translation.gettext("Household size")
        by = translation.pgettext("contacted by (a channel)", "By")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "organiser")
    page.goto(f"{live_server.url}/segments/new/")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    add = page.get_by_label(add_label).first
    expect(add.locator("option", has_text=age)).to_have_count(1)
    expect(add.locator("option", has_text=household)).to_have_count(1)
    for english in ("Reachable on a channel", "Voted in an election", "Household size"):
        expect(add.locator("option", has_text=english)).to_have_count(0)

    add.select_option("f:age")
    cond = page.locator(".condition").first
    expect(cond.get_by_label("से", exact=True)).to_be_visible()
    expect(cond.get_by_label("तक", exact=True)).to_be_visible()
    expect(cond).not_to_contain_text("प्रति")
    add.select_option("f:contacted")
    expect(page.locator(".condition").nth(1).get_by_label(by, exact=True)).to_be_visible()
    shots(page, "language-segment-builder-hindi-phone")
