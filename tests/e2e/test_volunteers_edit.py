"""End-to-end, on a phone: an organiser edits a task (a past due date is refused, what was
typed stays), cancels it after the confirmation, and the volunteer on it sees it as cancelled;
then edits and deletes a team. The new screens fit a phone and speak Bengali."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grassroots.core.access import SYSTEM
from grassroots.volunteers import services
from grassroots.volunteers.models import Task, Team
from grassroots.volunteers.tests.factories import TaskFactory, TeamFactory, VolunteerFactory

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.browser_context_args(**PHONE)
def test_edit_and_cancel_a_task_then_edit_and_delete_a_team_on_a_phone(
    page, live_server, login, geo, users
):
    me = VolunteerFactory(area=geo["p1"], skills=["canvassing"], user=users["volunteer"])
    task = TaskFactory(area=geo["p1"], title="Leaflets for lane 3", skills=["canvassing"])
    services.task_assign(actor=SYSTEM, task=task, profiles=[me])
    top = TeamFactory(name="Ward 7", area=geo["p1"])
    TeamFactory(name="Booth 12", parent=top, area=geo["p1"])

    login(page, "organiser")
    page.goto(f"{live_server.url}/volunteers/tasks/{task.pk}/")
    page.get_by_role("link", name="Edit task").tap()
    page.get_by_label("Title").fill("Leaflets for lanes 3 and 4")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page.get_by_label("Due date").fill(yesterday.isoformat())
    page.get_by_role("button", name="Save").tap()
    expect(page.locator("main")).to_contain_text("The due date is in the past.")
    expect(page.get_by_label("Title")).to_have_value("Leaflets for lanes 3 and 4")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.get_by_label("Due date").fill((yesterday + dt.timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Save").tap()
    expect(page.locator("h1")).to_have_text("Leaflets for lanes 3 and 4")
    page.accept_dialogs = True  # "Cancel this task? …" — yes
    page.get_by_role("button", name="Cancel task").tap()
    expect(page.get_by_text("Task cancelled.")).to_be_visible()
    assert Task.objects.get(pk=task.pk).status == "cancelled"

    page.goto(f"{live_server.url}/volunteers/teams/{top.pk}/edit/")
    expect(page.locator("#team-delete")).to_contain_text("Booth 12")
    page.get_by_label("Name").fill("Ward 7 committee")
    page.get_by_role("button", name="Save").tap()
    expect(page.locator("main")).to_contain_text("Ward 7 committee")
    booth = Team.objects.get(name="Booth 12")
    page.goto(f"{live_server.url}/volunteers/teams/{booth.pk}/edit/")
    page.get_by_role("button", name="Delete team").tap()
    expect(page.locator("main")).not_to_contain_text("Booth 12")
    assert not Team.objects.filter(pk=booth.pk).exists()

    page.context.add_cookies([{"name": "django_language", "value": "bn", "url": live_server.url}])
    page.goto(f"{live_server.url}/volunteers/teams/{top.pk}/edit/")
    expect(page.locator("h1")).to_have_text("দল সম্পাদনা করুন")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    page.context.clear_cookies()
    login(page, "volunteer")
    page.goto(f"{live_server.url}/volunteers/my-tasks/")
    card = page.locator("#my-assignments li").filter(has_text="Leaflets for lanes 3 and 4")
    expect(card).to_contain_text("This task was cancelled: nothing to do.")
    expect(card.get_by_role("button", name="Mark done")).to_have_count(0)
