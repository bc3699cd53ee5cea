"""End-to-end, on a phone: an organiser adds a question to a script and previews it in Bengali;
a volunteer opens a person's page, answers the script on the phone and sees the answer in the
person's "Survey answers" panel, with the support score written."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from grassroots.core.access import SYSTEM
from grassroots.surveys import services
from grassroots.surveys.models import Attempt
from grassroots.surveys.tests.factories import ScriptFactory, add_id_blocks

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.browser_context_args(**PHONE)
def test_build_preview_and_answer_a_script_on_a_phone(page, live_server, login, geo, users,
                                                     people, shots):  # fmt: skip
    script = ScriptFactory(actor=users["organiser"], name="Booth ID")
    add_id_blocks(script)
    services.script_update(actor=SYSTEM, script=script, status="active")

    login(page, "organiser")
    page.goto(f"{live_server.url}/scripts/{script.pk}/")
    form = page.locator("#add-block")
    form.get_by_label("Kind").select_option("free_text")
    form.get_by_label("Short name").fill("Comment")
    form.locator("#text").fill("Anything else, {{ first_name }}?")
    form.get_by_role("button", name="Add the block").click()
    expect(page.locator("#blocks")).to_contain_text("Anything else")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shots(page, "surveys-01-builder-phone")
    page.get_by_role("link", name="Preview").click()
    page.locator("#preview-lang").select_option("bn")
    page.get_by_role("button", name="Start again").click()
    expect(page.locator("#preview")).to_contain_text("নমস্কার")

    page.context.clear_cookies()
    login(page, "volunteer")
    ananya = people["ananya"]
    page.goto(f"{live_server.url}/people/{ananya.pk}/")
    panel = page.locator("#survey-panel")
    expect(panel).to_contain_text("No answers yet.")
    panel.get_by_role("link", name="Booth ID").click()
    expect(page.locator("#answer-form")).to_contain_text("Hello Ananya")
    page.locator("#answer-form").get_by_label("2", exact=True).check()
    page.get_by_label("Jobs").check()
    page.get_by_label("Anything else, Ananya?").fill("Fix the lane lights")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shots(page, "surveys-02-answer-phone")
    page.get_by_role("button", name="Save the answers").click()
    expect(page.locator("#survey-panel")).to_contain_text("Jobs")
    expect(page.locator("#survey-panel")).to_contain_text("Fix the lane lights")
    ananya.refresh_from_db()
    assert ananya.support_score == 2 and Attempt.objects.filter(person=ananya).count() == 1
