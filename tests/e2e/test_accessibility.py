"""Accessibility beyond what axe-core checks on every screen (conftest.py runs it after every
load and HTMX swap): focus indicators and badge contrast, selects that act only on an explicit
choice, what is announced and where focus goes after an update, messages that stay, the
segment builder and P2P texting with the keyboard alone, the person page on a phone, and the
error pages (issue 13: Accessibility, items 26 and 27)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from grassroots.core.access import SYSTEM
from grassroots.people import services as people_services
from grassroots.people.models import Note

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# The contrast of an element's focus outline against what is around it (the nearest opaque
# background behind the element's parent), and of a text's colour against its own background.
CONTRAST_JS = """
(el) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const behind = (node) => {
    for (; node && node.nodeType === 1; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const s = getComputedStyle(el);
  return {
    outline: s.outlineStyle === "none" ? 0 : parseFloat(s.outlineWidth),
    ring: s.outlineStyle === "none" ? 0 : ratio(rgb(s.outlineColor).slice(0, 3), behind(el.parentElement)),
    text: ratio(rgb(s.color).slice(0, 3), behind(el)),
  };
}
"""


def _person_url(live_server, person):
    return f"{live_server.url}/people/{person.pk}/"


def test_focus_indicators_and_score_badges_have_contrast(page, live_server, login, people):
    login(page, "manager")
    page.goto(_person_url(live_server, people["ananya"]))  # support score 2
    badge = page.locator("h1 .score-2")
    assert badge.evaluate(CONTRAST_JS)["text"] >= 4.5
    page.get_by_text("Record an interaction").click()
    page.keyboard.press("Escape")  # the last input was a key: focus shows as it does for Tab
    for what, locator in {
        "text field": page.locator("#note_body"),
        "select": page.locator("#interaction_channel"),
        "button": page.get_by_role("button", name="Add note"),
        "link": page.locator(".crumbs a").first,
        "top bar link": page.locator(".topbar .brand"),
        "language select": page.locator("#lang"),
    }.items():
        locator.focus()
        got = locator.evaluate(CONTRAST_JS)
        assert got["outline"] >= 2, f"{what}: no visible focus outline"
        assert got["ring"] >= 3, f"{what}: focus ring contrast {got['ring']:.2f}:1 < 3:1"


def test_the_language_switcher_changes_on_enter_not_on_arrow_keys(page, live_server, login, users):
    login(page, "manager")
    options = page.locator("#lang option")
    for code in ("en", "hi", "bn", "it"):
        expect(options.and_(page.locator(f"[value='{code}']"))).to_have_attribute("lang", code)
    page.evaluate(
        """() => { window.__submits = 0; const real = HTMLFormElement.prototype.submit;
                   HTMLFormElement.prototype.submit = function () { window.__submits++; real.call(this); }; }"""
    )
    lang = page.locator("#lang")
    lang.focus()
    page.keyboard.press("ArrowDown")  # moves the choice, does not reload the page
    assert lang.evaluate("(el) => el.value") != "en"
    assert page.evaluate("window.__submits") == 0
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("window.__submits") == 0
    page.keyboard.press("Enter")  # the explicit choice
    expect(page.locator("html")).not_to_have_attribute("lang", "en")
    # a pointer choice still acts at once
    page.locator("#lang").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_segment_builder_with_the_keyboard_alone(page, live_server, login, geo, people):
    login(page, "organiser")
    page.goto(f"{live_server.url}/segments/new/")
    expect(page.locator("#segment-count .bigcount")).to_have_text("3")
    add = page.locator("#add-0")
    add.focus()
    # Arrow keys and type-ahead only move the choice; Enter adds exactly one condition
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("a")
    conditions = page.locator(".condition")
    expect(conditions).to_have_count(0)
    # Home, then down to "Age" with the arrow keys, then Enter
    steps = add.evaluate("(el) => [...el.options].findIndex((o) => o.value === 'f:age')")
    page.keyboard.press("Home")
    for _ in range(steps):
        page.keyboard.press("ArrowDown")
    expect(conditions).to_have_count(0)
    page.keyboard.press("Enter")
    expect(conditions).to_have_count(1)
    expect(conditions.first).to_contain_text("Age")
    # Tab into the new condition's fields and type; the count changes
    frm = conditions.first.get_by_label("From")
    frm.focus()
    page.keyboard.type("30")
    page.keyboard.press("Tab")
    expect(page.locator("#segment-count .bigcount")).to_have_text("2")  # Ananya 34, Sourav 61
    expect(page.locator("#segment-count")).to_have_attribute("aria-live", "polite")
    # Leaving the select after arrow keys without Enter adds nothing and puts it back
    add.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    expect(conditions).to_have_count(1)
    assert add.evaluate("(el) => el.value") == ""
    # Name it and save, from the keyboard
    page.locator("#id_name").focus()
    page.keyboard.type("Over thirty")
    save = page.get_by_role("button", name="Save segment")
    save.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#toasts")).to_contain_text("Segment saved.")


def _texting_setup(geo, users, count=3):
    from grassroots.lists import services as list_services
    from grassroots.messaging import services as messaging_services
    from grassroots.messaging.texting import services as texting

    messaging_services.account_save(
        actor=SYSTEM, name="Simulator", kind="simulator", channels=["sms"],
        config={"from_number": "+15550100"}, secrets={}, is_default=True,
    )  # fmt: skip
    people = [
        people_services.person_create(
            actor=SYSTEM,
            data={"given_name": g, "family_name": "Roy", "area": geo["p1"]},
            phones=[f"+9198300444{i}1"],
        )
        for i, g in enumerate(("Bina", "Chandan", "Dipa")[:count])
    ]
    boss = users["manager"]
    lst = list_services.list_create(actor=boss, name="keys", person_ids=[p.pk for p in people])
    c = texting.campaign_save(
        actor=boss, name="Keyboard", script="Hi {{ first_name }}, will you vote?",
        person_list=lst, batch_size=count,
    )  # fmt: skip
    texting.campaign_start(actor=boss, campaign=c)
    return c


def test_p2p_texting_with_the_keyboard_alone(page, live_server, login, geo, users):
    from grassroots.messaging.models import Message

    c = _texting_setup(geo, users)
    texts = Message.objects.filter(texting_contact__campaign=c, direction="outbound")
    login(page, "volunteer")
    page.goto(f"{live_server.url}/messaging/texting/{c.pk}/text/")
    ask = page.get_by_role("button", name="Ask for 3 more contacts")
    ask.focus()
    page.keyboard.press("Enter")
    name = page.locator("#contact-name")
    expect(name).to_be_visible()
    expect(page.locator("#send-button")).to_be_focused()
    first = name.inner_text()
    page.keyboard.press("Enter")  # sends to the first
    expect(name).not_to_have_text(first)
    # the next contact is announced through the live region, and Send has the focus again
    expect(page.locator("#announcer")).to_contain_text(name.inner_text())
    expect(page.locator("#send-button")).to_be_focused()
    second = name.inner_text()
    page.keyboard.press("Tab")  # to Skip
    expect(page.get_by_role("button", name="Skip")).to_be_focused()
    page.keyboard.press("Enter")  # skips: nobody texted
    expect(name).not_to_have_text(second)
    assert texts.count() == 1
    # the update has settled (announced) before the next key
    expect(page.locator("#announcer")).to_contain_text(name.inner_text())
    expect(page.locator("#send-button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#announcer")).to_contain_text("nobody left to text")
    assert texts.count() == 2


def test_updates_are_announced_and_focus_follows(page, live_server, login, people):
    page.clock.install()
    login(page, "manager")
    # The people list says how many people a search found
    page.goto(f"{live_server.url}/people/")
    page.get_by_label("Search").fill("Das")
    expect(page.locator("#announcer")).to_have_text("2 people found")
    page.get_by_label("Search").fill("Nobody-by-this-name")
    expect(page.locator("#announcer")).to_contain_text("No people match")

    page.goto(_person_url(live_server, people["sourav"]))
    # An invalid phone: focus goes to the field, whose error is linked to it
    page.get_by_text("Add phone or email").click()
    page.locator("#contact_value").fill("12")
    page.locator("#contact_value").press("Enter")
    field = page.locator("#contact_value")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", "contact_value_error")
    expect(page.locator("#contact_value_error")).to_contain_text("phone number")
    expect(field).to_have_value("12")
    # A note: focus goes to the heading of the section that was sent, the message is added to
    # the live region that stays in place
    toasts = page.locator("#toasts")
    toasts.evaluate("(el) => { el.dataset.original = '1'; }")
    page.locator("#note_body").fill("Prefers calls after 6 pm")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#act-h")).to_be_focused()
    expect(toasts).to_contain_text("Note added.")
    expect(toasts).to_have_attribute("data-original", "1")  # the same region, not a new one
    assert Note.objects.filter(person=people["sourav"]).count() == 1
    # Messages do not vanish on a timer: still there a minute later; dismissed with ×
    page.clock.run_for(60_000)
    expect(toasts.locator(".toast")).to_have_count(1)
    toasts.get_by_role("button", name="Dismiss").click()
    expect(toasts.locator(".toast")).to_have_count(0)


def test_messages_after_a_full_page_load_are_put_into_the_live_region(
    page, live_server, login, people
):
    # Content already in a live region when the page loads is not announced: the region must be
    # empty then, and the message added to it afterwards.
    page.add_init_script(
        """document.addEventListener("DOMContentLoaded", () => {
             const region = document.getElementById("toasts");
             window.__toastsAtLoad = region ? region.children.length : -1;
           });"""
    )
    login(page, "manager")
    # a form without HTMX (a redirect after POST): the message arrives with the next page
    page.goto(f"{live_server.url}/people/")
    page.locator("input[name=pick]").first.check()
    page.locator("#bulk-tag").fill("Door team")
    page.locator(".bulkbar").get_by_role("button", name="Tag").click()
    expect(page.locator("#toasts .toast")).to_contain_text("Tagged 1 people")
    expect(page.locator("#toast-queue")).to_have_count(0)
    assert page.evaluate("window.__toastsAtLoad") == 0


@pytest.mark.browser_context_args(**PHONE)
def test_person_page_on_a_phone(page, live_server, login, people, shots):
    login(page, "manager")
    page.goto(_person_url(live_server, people["ananya"]))
    # contact, household and support first, then the actions, then the timeline
    order = page.evaluate(
        """() => [...document.querySelectorAll('#person-main h1, #person-main h2')]
                 .map((h) => [h.textContent.trim(), h.getBoundingClientRect().top])"""
    )
    titles = [t for t, _top in sorted(order, key=lambda x: x[1])]
    pos = {t.split()[0]: i for i, t in reversed(list(enumerate(titles)))}
    assert titles[0].startswith("Ananya Das")
    assert pos["Contact"] < pos["Household"] < pos["Note"] < pos["Timeline"] < pos["Details"]
    expect(page.locator("h1 .score")).to_be_visible()
    expect(page.locator("#person-main")).not_to_contain_text("{#")  # no template source shows
    # nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots(page, "a11y-person-phone-en")
    # the navigation is behind a menu button
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="People")).to_be_visible()
    shots(page, "a11y-nav-phone-en", full_page=False)
    nav.get_by_role("link", name="People").click()
    expect(page).to_have_url(re.compile(r"/people/$"))
    # in Bengali too
    page.locator("#lang").select_option("bn")
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    page.goto(_person_url(live_server, people["ananya"]))
    shots(page, "a11y-person-phone-bn")


def test_error_pages_in_the_layout(page, live_server, login, users, shots):
    login(page, "manager")
    page.goto(f"{live_server.url}/no/such/page/")
    expect(page.get_by_role("heading", name="This page is not here")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    shots(page, "a11y-404-en")
    page.get_by_role("link", name="Dashboard").last.click()
    expect(page).to_have_url(f"{live_server.url}/")
    page.locator("#lang").select_option("bn")
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    page.goto(f"{live_server.url}/no/such/page/")
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    expect(page.get_by_role("heading", name="এই পাতাটি এখানে নেই")).to_be_visible()
    shots(page, "a11y-404-bn")
