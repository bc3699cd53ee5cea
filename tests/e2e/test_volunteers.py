"""End-to-end, on a phone: an organiser opens a task that needs canvassing, sees the volunteer
who canvasses suggested first and assigns the best one; that volunteer signs in, finds it in
"My tasks", marks it done, and climbs from #2 to #1 on their leaderboard."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grassroots.core.access import SYSTEM
from grassroots.volunteers import services
from grassroots.volunteers.models import TaskAssignment
from grassroots.volunteers.tests.factories import TaskFactory, VolunteerFactory

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _approved(profile, hours):
    entry = services.hours_log(actor=SYSTEM, profile=profile, date=timezone.localdate(),
                               hours=hours)  # fmt: skip
    services.hours_decide(actor=SYSTEM, entry=entry, approve=True)


@pytest.mark.browser_context_args(**PHONE)
def test_a_volunteer_gets_a_task_by_skill_completes_it_on_a_phone_and_climbs(
    page, live_server, login, geo, users, shots
):
    me = VolunteerFactory(area=geo["p1"], given_name="Kabir", skills=["canvassing"],
                          user=users["volunteer"])  # fmt: skip
    VolunteerFactory(area=geo["p1"], given_name="Lina", skills=["driving"])
    rival = VolunteerFactory(area=geo["p1"], given_name="Rival", skills=["texting"])
    _approved(rival, 3)  # 15 points
    _approved(me, "2.5")  # 12.5 points; a done task is worth 3 more
    task = TaskFactory(area=geo["p1"], title="Leaflets for lane 3", skills=["canvassing"],
                       instructions="Take 40 leaflets.")  # fmt: skip

    login(page, "organiser")
    page.goto(f"{live_server.url}/volunteers/tasks/{task.pk}/")
    suggestions = page.locator("#suggestions li")
    expect(suggestions.first).to_contain_text("Kabir")
    expect(suggestions.first).to_contain_text("Canvassing")
    page.get_by_label("How many").fill("1")
    page.get_by_role("button", name="Assign the best").click()
    expect(page.locator("#assignees")).to_contain_text("Kabir")
    assert TaskAssignment.objects.get(task=task).volunteer == me

    page.context.clear_cookies()
    login(page, "volunteer")
    page.goto(f"{live_server.url}/volunteers/my-tasks/")
    expect(page.locator("#my-rank")).to_contain_text("#2")
    card = page.locator("#my-assignments li").filter(has_text="Leaflets for lane 3")
    expect(card).to_contain_text("Take 40 leaflets.")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shots(page, "volunteers-01-my-tasks-phone")
    card.get_by_label("Note (optional)").fill("All 40 delivered")
    card.get_by_role("button", name="Mark done").tap()
    expect(page.get_by_text("Done — thank you!")).to_be_visible()
    expect(page.locator("#my-rank")).to_contain_text(re.compile(r"#1\b"))
    page.get_by_role("link", name="See the leaderboard").click()
    expect(page.locator("#my-rank")).to_contain_text("You are #1")
    expect(page.locator("tbody tr").first).to_contain_text("Kabir")


@pytest.mark.browser_context_args(**PHONE)
def test_every_volunteer_screen_on_a_phone_in_bengali_and_hindi(
    page, live_server, login, geo, users, people
):
    """Each screen fits a phone, passes axe (conftest) and speaks Bengali; the public sign-up
    (no login) in Hindi keeps what was typed when the contact is missing, then signs up."""
    me = VolunteerFactory(area=geo["p1"], skills=["canvassing"], user=users["volunteer"])
    task = TaskFactory(area=geo["p1"], title="Leaflets", skills=["canvassing"])
    services.task_assign(actor=SYSTEM, task=task, profiles=[me])
    services.hours_log(actor=SYSTEM, profile=me, date=timezone.localdate(), hours=2)
    services.staff_record_save(actor=SYSTEM, person=people["sourav"], role_title="Driver",
                               start_date=timezone.localdate(), pay_type="stipend")  # fmt: skip
    login(page, "manager")
    page.context.add_cookies([{"name": "django_language", "value": "bn", "url": live_server.url}])
    screens = {
        "/volunteers/": "স্বেচ্ছাসেবক",
        f"/volunteers/{me.pk}/": "যোগদান প্রক্রিয়া",
        "/volunteers/tasks/": "নতুন কাজ",
        f"/volunteers/tasks/{task.pk}/": "নির্দেশনা",
        "/volunteers/hours/": "অনুমোদন করুন",
        "/volunteers/teams/": "নতুন দল",
        "/volunteers/leaderboard/": "সর্বকালীন",
        "/volunteers/staff/": "পদের নাম",
        "/volunteers/my-tasks/": "আমার কাজ",
    }
    for path, words in screens.items():
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("html")).to_have_attribute("lang", "bn")
        expect(page.locator("main")).to_contain_text(words)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a phone"

    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "hi", "url": live_server.url}])
    page.goto(f"{live_server.url}/volunteer/")
    expect(page.locator("h1")).to_have_text("हमारे साथ स्वयंसेवा करें")
    page.locator("#id_given_name").fill("Meena")
    page.locator("main form").get_by_role("button").tap()
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.locator("#id_given_name")).to_have_value("Meena")
    page.locator("#id_phone").fill("+91 98300 44444")
    page.locator("main form").get_by_role("button").tap()
    expect(page.locator("h1")).to_have_text("साइन अप करने के लिए धन्यवाद!")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
