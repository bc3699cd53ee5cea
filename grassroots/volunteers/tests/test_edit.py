"""Editing and cancelling tasks, editing and deleting teams: services, screens and their
authorisation matrices (anonymous, wrong role, volunteer, out-of-scope organiser, allowed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grassroots.accounts.tests.factories import UserFactory
from grassroots.core.access import SYSTEM
from grassroots.core.models import AuditEvent
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client, snapshot
from grassroots.volunteers import services
from grassroots.volunteers.models import Task, Team, VolunteerProfile
from grassroots.volunteers.tests.factories import TaskFactory, TeamFactory, VolunteerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(geo, users):
    vol = VolunteerFactory(area=geo["p1"], given_name="Zenobia", skills=["canvassing"],
                           user=users["volunteer"])  # fmt: skip
    task = TaskFactory(area=geo["p1"], title="Leaflet Quokka Street", skills=["canvassing"])
    (assignment,) = services.task_assign(actor=SYSTEM, task=task, profiles=[vol])
    return {
        "vol": vol, "task": task, "assignment": assignment,
        "users": {
            "wrong_role": users["nobody"],
            "volunteer": users["volunteer"],
            "out_of_scope": UserFactory(username="p2org", role="field_organiser", areas=[geo["p2"]]),
            "allowed": users["organiser"],
        },
    }  # fmt: skip


MATRIX = {"anonymous": LOGIN, "wrong_role": 403, "volunteer": 403, "out_of_scope": 404}


# --- tasks ---------------------------------------------------------------------------------


def test_task_update_service_changes_and_audits(world, users, geo):
    task = world["task"]
    due = timezone.localdate() + dt.timedelta(days=3)
    services.task_update(actor=users["organiser"], task=task, title="  Walk Wombat Lane ",
                         due_date=due, skills=[], instructions="Bring leaflets")  # fmt: skip
    task.refresh_from_db()
    assert (task.title, task.due_date, task.instructions) == ("Walk Wombat Lane", due,
                                                              "Bring leaflets")  # fmt: skip
    assert not task.skills.exists()
    assert task.area == geo["p1"]  # not passed: kept
    event = AuditEvent.objects.filter(action="task.updated").latest("id")
    assert set(event.detail["fields"]) == {"title", "due_date", "instructions", "skills"}


def test_task_update_refuses_bad_input_and_closed_tasks(world, users):
    task = world["task"]
    with pytest.raises(ValidationError) as exc:
        services.task_update(actor=users["organiser"], task=task, title=" ",
                             due_date=timezone.localdate() - dt.timedelta(days=1))  # fmt: skip
    assert set(exc.value.message_dict) == {"title", "due_date"}
    services.task_cancel(actor=users["organiser"], task=task)
    with pytest.raises(ValidationError):
        services.task_update(actor=users["organiser"], task=task, title="New")
    task.refresh_from_db()
    assert task.title == "Leaflet Quokka Street"


def test_task_update_keeps_an_old_due_date(world, users):
    task = world["task"]
    past = timezone.localdate() - dt.timedelta(days=10)
    Task.objects.filter(pk=task.pk).update(due_date=past)
    task.refresh_from_db()
    services.task_update(actor=users["organiser"], task=task, title="Renamed", due_date=past)
    task.refresh_from_db()
    assert task.title == "Renamed" and task.due_date == past


def test_task_edit_matrix(world, geo):
    task = world["task"]
    url = reverse("volunteers:task_edit", args=[task.pk])
    assert_matrix(html_client, "get", url, users=world["users"],
                  expect=dict(MATRIX, allowed=200), leaks=["Leaflet Quokka Street"])  # fmt: skip
    due = timezone.localdate() + dt.timedelta(days=2)
    assert_matrix(
        html_client, "post", url, users=world["users"],
        data={"title": "Walk Wombat Lane", "due_date": due.isoformat(), "slots": "3",
              "skills": [], "area": geo["p1"].code},
        expect=dict(MATRIX, allowed=302),
        unchanged=lambda: snapshot(Task.objects.filter(pk=task.pk)),
    )  # fmt: skip
    task.refresh_from_db()
    assert (task.title, task.due_date, task.slots) == ("Walk Wombat Lane", due, 3)


def test_task_edit_bad_input_keeps_what_was_typed(world, users):
    task = world["task"]
    c = html_client(users["organiser"])
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    r = c.post(reverse("volunteers:task_edit", args=[task.pk]),
               {"title": "Knock Numbat Road", "instructions": "Kept instructions",
                "due_date": yesterday, "slots": "2"})  # fmt: skip
    assert r.status_code == 400
    body = r.content.decode()
    assert "The due date is in the past." in body
    assert "Knock Numbat Road" in body and "Kept instructions" in body and yesterday in body
    r = c.post(reverse("volunteers:task_edit", args=[task.pk]),
               {"title": "", "instructions": "Still here", "slots": "2"})  # fmt: skip
    assert r.status_code == 400 and "Still here" in r.content.decode()
    task.refresh_from_db()
    assert task.title == "Leaflet Quokka Street" and task.instructions == ""


def test_task_cancel_matrix_and_my_tasks(world, users):
    task = world["task"]
    assert_matrix(
        html_client, "post", reverse("volunteers:task_cancel", args=[task.pk]),
        users=world["users"], expect=dict(MATRIX, allowed=302),
        unchanged=lambda: snapshot(Task.objects.filter(pk=task.pk)),
    )  # fmt: skip
    task.refresh_from_db()
    assert task.status == "cancelled"
    assert AuditEvent.objects.filter(action="task.cancelled").exists()
    body = html_client(users["volunteer"]).get(reverse("volunteers:my_tasks")).content.decode()
    assert 'data-task-status="cancelled"' in body
    assert reverse("volunteers:assignment_complete", args=[world["assignment"].pk]) not in body
    detail = html_client(users["organiser"]).get(reverse("volunteers:task_detail", args=[task.pk]))
    assert reverse("volunteers:task_edit", args=[task.pk]) not in detail.content.decode()


# --- teams ---------------------------------------------------------------------------------


@pytest.fixture
def teams(world, geo):
    top = TeamFactory(name="Koala Constituency", area=geo["p1"])
    mid = TeamFactory(name="Booth Bilby", parent=top, area=geo["p1"])
    low = TeamFactory(name="Street Dingo", parent=mid, area=geo["p1"], members=[world["vol"]])
    return {"top": top, "mid": mid, "low": low}


def test_team_move_carries_the_teams_below(teams, users):
    top, mid, low = teams["top"], teams["mid"], teams["low"]
    services.team_update(actor=users["organiser"], team=mid, parent=None, name="Booth Bandicoot")
    mid.refresh_from_db()
    low.refresh_from_db()
    assert (mid.name, mid.parent_id, mid.path) == ("Booth Bandicoot", None, f"{mid.pk}/")
    assert low.path == f"{mid.pk}/{low.pk}/"
    services.team_update(actor=users["organiser"], team=mid, parent=top)
    low.refresh_from_db()
    assert low.path == f"{top.pk}/{mid.pk}/{low.pk}/"
    assert AuditEvent.objects.filter(action="team.updated").count() == 2


def test_team_cycle_is_refused(teams, users):
    top, low = teams["top"], teams["low"]
    for parent in (low, top):
        with pytest.raises(ValidationError) as exc:
            services.team_update(actor=users["organiser"], team=top, parent=parent)
        assert "below it" in exc.value.message_dict["parent"][0]
    top.refresh_from_db()
    assert top.parent_id is None and top.path == f"{top.pk}/"
    r = html_client(users["organiser"]).post(
        reverse("volunteers:team_edit", args=[top.pk]),
        {"name": "Koala Renamed", "parent": str(low.pk)},
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "below it" in body and "Koala Renamed" in body  # the error, and what was typed
    top.refresh_from_db()
    assert top.name == "Koala Constituency"


def test_team_edit_matrix(world, teams, geo):
    mid = teams["mid"]
    url = reverse("volunteers:team_edit", args=[mid.pk])
    assert_matrix(html_client, "get", url, users=world["users"],
                  expect=dict(MATRIX, allowed=200), leaks=["Booth Bilby"])  # fmt: skip
    assert_matrix(
        html_client, "post", url, users=world["users"],
        data={"name": "Booth Bettong", "parent": "", "area": geo["p1"].code},
        expect=dict(MATRIX, allowed=302),
        unchanged=lambda: snapshot(Team.objects.all()),
    )  # fmt: skip
    mid.refresh_from_db()
    assert mid.name == "Booth Bettong" and mid.parent_id is None


def test_team_delete_refused_with_children_then_members_keep_profiles(world, teams, users):
    top, mid, low = teams["top"], teams["mid"], teams["low"]
    c = html_client(users["organiser"])
    r = c.post(reverse("volunteers:team_delete", args=[mid.pk]), follow=True)
    assert "Street Dingo" in r.content.decode() and "move or delete them first" in (
        r.content.decode()
    )
    assert Team.objects.filter(pk=mid.pk).exists()
    assert_matrix(
        html_client, "post", reverse("volunteers:team_delete", args=[low.pk]),
        users=world["users"], expect=dict(MATRIX, allowed=302),
        unchanged=lambda: snapshot(Team.objects.all()),
    )  # fmt: skip
    assert not Team.objects.filter(pk=low.pk).exists()
    assert VolunteerProfile.objects.filter(pk=world["vol"].pk).exists()
    assert AuditEvent.objects.filter(action="team.deleted").exists()
    assert Team.objects.filter(pk__in=[top.pk, mid.pk]).count() == 2
