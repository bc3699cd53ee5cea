"""Authorisation matrices (with out-of-scope columns) and query counts for the volunteer
screens and API; the public sign-up's honeypot and rate limit."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.accounts.tests.factories import UserFactory
from grassroots.core.access import SYSTEM
from grassroots.people.models import Person
from grassroots.testing.matrix import LOGIN, api_client, assert_matrix, html_client, snapshot
from grassroots.testing.queries import assert_constant_queries
from grassroots.volunteers import services
from grassroots.volunteers.models import HoursEntry, Task, TaskAssignment, VolunteerProfile
from grassroots.volunteers.tests.factories import TaskFactory, VolunteerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(geo, users):
    vol = VolunteerFactory(area=geo["p1"], given_name="Zenobia", skills=["canvassing"],
                           user=users["volunteer"])  # fmt: skip
    task = TaskFactory(area=geo["p1"], title="Leaflet Quokka Street", skills=["canvassing"])
    (assignment,) = services.task_assign(actor=SYSTEM, task=task, profiles=[vol])
    hours = services.hours_log(actor=SYSTEM, profile=vol, date=timezone.localdate(), hours=2,
                               description="Quokka drive")  # fmt: skip
    other_vol_user = UserFactory(username="othervol", role="volunteer", areas=[geo["p1"]])
    return {
        "vol": vol, "task": task, "assignment": assignment, "hours": hours,
        "users": {
            "wrong_role": users["nobody"],
            "out_of_scope": UserFactory(username="p2org", role="field_organiser", areas=[geo["p2"]]),
            "other_volunteer": other_vol_user,
            "allowed": users["organiser"],
        },
    }  # fmt: skip


def test_volunteer_detail(world):
    assert_matrix(
        html_client, "get", reverse("volunteers:volunteer_detail", args=[world["vol"].pk]),
        users=world["users"],
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "other_volunteer": 403, "allowed": 200},
        leaks=["Zenobia"],
    )  # fmt: skip


def test_volunteer_edit(world):
    vol = world["vol"]
    assert_matrix(
        html_client, "post", reverse("volunteers:volunteer_detail", args=[vol.pk]),
        data={"status": "inactive"}, users=world["users"],
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "other_volunteer": 403, "allowed": 302},
        unchanged=lambda: snapshot(VolunteerProfile.objects.filter(pk=vol.pk)),
    )  # fmt: skip
    vol.refresh_from_db()
    assert vol.status == "inactive"


def test_task_detail_and_assign(world, geo):
    task = world["task"]
    assert_matrix(
        html_client, "get", reverse("volunteers:task_detail", args=[task.pk]),
        users=world["users"],
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "other_volunteer": 403, "allowed": 200},
        leaks=["Leaflet Quokka Street"],
    )  # fmt: skip
    VolunteerFactory(area=geo["p1"], skills=["canvassing"])
    assert_matrix(
        html_client, "post", reverse("volunteers:task_assign", args=[task.pk]),
        data={"best": "1", "n": "1"}, users=world["users"],
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "other_volunteer": 403, "allowed": 302},
        unchanged=lambda: snapshot(TaskAssignment.objects.filter(task=task)),
    )  # fmt: skip
    assert task.assignments.count() == 2


def test_complete_own_assignment_only(world, users):
    a = world["assignment"]
    matrix_users = dict(world["users"], allowed=users["volunteer"])
    assert_matrix(
        html_client, "post", reverse("volunteers:assignment_complete", args=[a.pk]),
        data={"note": "done"}, users=matrix_users,
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "other_volunteer": 404, "allowed": 302},
        unchanged=lambda: snapshot(TaskAssignment.objects.filter(pk=a.pk)),
    )  # fmt: skip
    a.refresh_from_db()
    assert a.status == "done"


def test_hours_decide(world):
    h = world["hours"]
    assert_matrix(
        html_client, "post", reverse("volunteers:hours_decide", args=[h.pk]),
        data={"approve": "1"}, users=world["users"],
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "other_volunteer": 403, "allowed": 302},
        unchanged=lambda: snapshot(HoursEntry.objects.filter(pk=h.pk)),
    )  # fmt: skip
    h.refresh_from_db()
    assert h.status == "approved"


def test_my_tasks_shows_only_ones_own(world, users):
    assert_matrix(
        html_client, "get", reverse("volunteers:my_tasks"),
        users=dict(world["users"], allowed=users["volunteer"]),
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 200,
                "other_volunteer": 200, "allowed": 200},
        leaks=["Leaflet Quokka Street"],  # 200 for the others, without the task
    )  # fmt: skip


def test_staff_list_is_for_the_staff_capability(world, users, people):
    services.staff_record_save(actor=SYSTEM, person=people["ananya"], role_title="Quartermaster",
                               start_date=timezone.localdate(), pay_type="stipend")  # fmt: skip
    assert_matrix(
        html_client, "get", reverse("volunteers:staff_list"),
        users={"wrong_role": users["organiser"], "allowed": users["manager"]},
        expect={"anonymous": LOGIN, "wrong_role": 403, "allowed": 200},
        leaks=["Quartermaster"],
    )  # fmt: skip


def test_api_matrix(world):
    vol, task, h = world["vol"], world["task"], world["hours"]
    for url, leak in (
        (reverse("api:volunteer-detail", args=[vol.pk]), "Zenobia"),
        (reverse("api:volunteer-task-detail", args=[task.pk]), "Leaflet Quokka Street"),
        (reverse("api:volunteer-hours-detail", args=[h.pk]), "Quokka drive"),
    ):
        assert_matrix(
            api_client, "get", url, users=world["users"],
            expect={"anonymous": 401, "wrong_role": 403, "out_of_scope": 404,
                    "other_volunteer": (403, 404), "allowed": 200},
            leaks=[leak], json_errors=True,
        )  # fmt: skip
    assert_matrix(
        api_client, "post", reverse("api:volunteer-hours-decide", args=[h.pk, "approve"]),
        users=world["users"], format="json",
        expect={"anonymous": 401, "wrong_role": 403, "out_of_scope": 404,
                "other_volunteer": 404, "allowed": 200},
        unchanged=lambda: snapshot(HoursEntry.objects.filter(pk=h.pk)), json_errors=True,
    )  # fmt: skip


def test_api_create_task_and_log_own_hours(world, users, geo):
    c = api_client(users["organiser"])
    r = c.post(reverse("api:volunteer-task-list"),
               {"title": "Phone bank", "skills": ["phone-banking"], "area": geo["p1"].pk},
               format="json")  # fmt: skip
    assert r.status_code == 201, r.content
    assert Task.objects.get(pk=r.json()["id"]).area == geo["p1"]
    r = api_client(users["volunteer"]).post(
        reverse("api:volunteer-hours-list"),
        {"volunteer": world["vol"].pk, "date": str(timezone.localdate()), "hours": "1.5"},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "pending"


def test_list_queries_are_constant(world, geo, users):
    org = html_client(users["organiser"])
    api = api_client(users["organiser"])

    def make(n, start):
        for i in range(n):
            v = VolunteerFactory(area=geo["p1"], skills=["canvassing", "driving"])
            t = TaskFactory(area=geo["p1"], title=f"T{start + i}", skills=["canvassing"])
            services.task_assign(actor=SYSTEM, task=t, profiles=[v])
            services.hours_log(actor=SYSTEM, profile=v, date=timezone.localdate(), hours=1)

    for fetch in (
        lambda: org.get(reverse("volunteers:volunteer_list")),
        lambda: org.get(reverse("volunteers:task_board")),
        lambda: org.get(reverse("volunteers:hours_list")),
        lambda: org.get(reverse("volunteers:leaderboard")),
        lambda: org.get(reverse("volunteers:team_list")),
        lambda: api.get(reverse("api:volunteer-list")),
        lambda: api.get(reverse("api:volunteer-task-list")),
        lambda: api.get(reverse("api:volunteer-hours-list")),
    ):
        assert_constant_queries(make, fetch)


def test_public_signup_honeypot_and_rate_limit(geo, client):
    url = reverse("volunteers:signup")
    assert client.get(url).status_code == 200
    before = Person.objects.count()
    r = client.post(url, {"given_name": "Bot", "email": "bot@example.org", "website": "x"})
    assert r.status_code == 200 and Person.objects.count() == before
    r = client.post(url, {"given_name": "Mina", "email": "bad", "phone": ""})
    assert r.status_code == 400 and "Mina" in r.content.decode()  # what was typed is kept
    for _i in range(3):
        r = client.post(url, {"given_name": "Mina", "email": "mina@example.org",
                              "availability": ["sat-morning"], "consent_email": "on",
                              "area": geo["ac"].pk})  # fmt: skip
        assert r.status_code == 200
    mina = VolunteerProfile.objects.get(person__given_name="Mina")
    assert list(mina.preferred_areas.all()) == [geo["ac"]] and mina.person.area == geo["ac"]
    r = client.post(url, {"given_name": "Pia", "email": "pia@example.org", "area": geo["p1"].pk})
    assert r.status_code == 400  # a polling part is not offered on the public form
    assert Person.objects.count() == before + 1  # the same person, never a duplicate
    r = client.post(url, {"given_name": "Mina", "email": "mina@example.org"})
    assert r.status_code == 429


def test_person_panel_timeline_and_dashboard_tiles(world, users):
    services.assignment_complete(actor=SYSTEM, assignment=world["assignment"])
    services.hours_decide(actor=SYSTEM, entry=world["hours"], approve=True)
    c = html_client(users["organiser"])
    body = c.get(reverse("people:person_detail", args=[world["vol"].person_id])).content.decode()
    assert 'id="volunteer-panel"' in body
    assert "Task done: Leaflet Quokka Street" in body and "2.00 volunteer hours" in body
    body = c.get(reverse("core:dashboard")).content.decode()
    assert "Active volunteers" in body and "Volunteer hours this month" in body


def test_team_leaders_set_from_members(world, geo):
    from grassroots.volunteers.tests.factories import TeamFactory

    team = TeamFactory(name="Booth Okapi", area=geo["p1"], members=[world["vol"]])
    assert_matrix(
        html_client, "post", reverse("volunteers:team_leaders", args=[team.pk]),
        data={"leaders": [str(world["vol"].person_id)]}, users=world["users"],
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "other_volunteer": 403, "allowed": 302},
        unchanged=lambda: sorted(team.leaders.values_list("pk", flat=True)),
    )  # fmt: skip
    assert list(team.leaders.all()) == [world["vol"].person]


def test_volunteer_list_and_leaderboard_are_cut_to_the_area(world):
    for name in ("volunteer_list", "hours_list"):
        assert_matrix(
            html_client, "get", reverse(f"volunteers:{name}") + ("?status=pending" if name == "hours_list" else ""),
            users=world["users"],
            expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 200,
                    "other_volunteer": 403, "allowed": 200},
            leaks=["Zenobia"],
        )  # fmt: skip
    assert_matrix(
        html_client, "get", reverse("volunteers:leaderboard"), users=world["users"],
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 200,
                "other_volunteer": 200, "allowed": 200},
        allowed=("allowed", "other_volunteer"),  # a volunteer of the same booth sees its board
        leaks=["Zenobia"],
    )  # fmt: skip


def test_task_create(world, geo):
    assert_matrix(
        html_client, "post", reverse("volunteers:task_board"),
        data={"title": "Wombat walk", "slots": "2", "skills": []}, users=world["users"],
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 302,
                "other_volunteer": 403, "allowed": 302},
        allowed=("allowed", "out_of_scope"),  # an organiser elsewhere makes tasks in their area
        unchanged=lambda: snapshot(Task.objects.all()),
    )  # fmt: skip
    made = dict(Task.objects.filter(title="Wombat walk").values_list("created_by__username",
                                                                      "area__code"))  # fmt: skip
    assert made == {"organiser": "IN-WB-AC1", "p2org": "IN-WB-AC1-P002"}
    r = html_client(world["users"]["allowed"]).post(reverse("volunteers:task_board"),
                                                     {"title": "", "slots": "0"})  # fmt: skip
    assert r.status_code == 400


def test_onboarding_invite_hours_for_a_volunteer_and_make_a_volunteer(world, users, people):
    from grassroots.accounts.models import Role, User
    from grassroots.volunteers.models import OnboardingCompletion, OnboardingStep

    vol = world["vol"]
    step = OnboardingStep.objects.first()
    assert_matrix(
        html_client, "post", reverse("volunteers:onboarding", args=[vol.pk]),
        data={"step": step.pk, "done": "1"}, users=world["users"],
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "other_volunteer": 403, "allowed": 302},
        unchanged=lambda: snapshot(OnboardingCompletion.objects.all()),
    )  # fmt: skip
    assert OnboardingCompletion.objects.filter(profile=vol, step=step).exists()
    assert_matrix(
        html_client, "post", reverse("volunteers:hours_log"),
        data={"volunteer": vol.pk, "date": str(timezone.localdate()), "hours": "1"},
        users=world["users"],
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "other_volunteer": 404, "allowed": 302},
        unchanged=lambda: snapshot(HoursEntry.objects.all()),
    )  # fmt: skip
    rahul = people["rahul"]  # part 2: outside the volunteer organiser's… but not p2org's
    assert_matrix(
        html_client, "post", reverse("volunteers:profile_create", args=[people["ananya"].pk]),
        users=world["users"],
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "other_volunteer": 403, "allowed": 302},
        unchanged=lambda: snapshot(VolunteerProfile.objects.all()),
    )  # fmt: skip
    assert VolunteerProfile.objects.filter(person=people["ananya"]).exists()
    assert rahul.area.code == "IN-WB-AC1-P002"
    role = Role.objects.get(slug="volunteer")
    admin_users = dict(world["users"], allowed=users["admin"])
    r = html_client(users["admin"]).post(reverse("volunteers:invite", args=[vol.pk]),
                                         {"username": "zenobia", "role": role.pk})  # fmt: skip
    assert r.status_code == 400 and "already has a login" in r.content.decode()
    vol = VolunteerFactory(area=vol.person.area, given_name="Zenobia")  # no login yet
    assert_matrix(
        html_client, "post", reverse("volunteers:invite", args=[vol.pk]),
        data={"username": "zenobia", "email": "z@example.org", "role": role.pk},
        users=admin_users,
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "other_volunteer": 403, "allowed": 302},
        unchanged=lambda: snapshot(User.objects.values("username")),
    )  # fmt: skip
    vol.refresh_from_db()
    assert vol.user.username == "zenobia"


def test_staff_documents_only_for_the_staff_capability(world, users, people, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    rec = services.staff_record_save(actor=SYSTEM, person=people["ananya"], role_title="Cook",
                                     start_date=timezone.localdate(), pay_type="hourly")  # fmt: skip
    doc = services.staff_document_add(actor=SYSTEM, record=rec, title="Contract",
                                      file=SimpleUploadedFile("c.txt", b"Secret terms"))  # fmt: skip
    assert_matrix(
        html_client, "get", reverse("volunteers:staff_document", args=[doc.pk]),
        users={"wrong_role": users["organiser"], "allowed": users["manager"]},
        expect={"anonymous": LOGIN, "wrong_role": 403, "allowed": 200},
        leaks=["Secret terms"],
    )  # fmt: skip


def test_profile_form_sets_the_recruiter_and_keeps_input_on_errors(world, users, people):
    vol = world["vol"]
    url = reverse("volunteers:volunteer_detail", args=[vol.pk])
    c = html_client(users["organiser"])
    r = c.post(url, {"status": "active", "interests": "Youth outreach",
                     "recruited_by_id": vol.person_id})  # fmt: skip
    assert r.status_code == 400 and "Youth outreach" in r.content.decode()
    assert "cannot recruit themselves" in r.content.decode()
    p2org = world["users"]["out_of_scope"]
    r = html_client(p2org).post(url, {"status": "active"})
    assert r.status_code == 404
    r = c.post(url, {"status": "active", "recruited_by_id": people["rahul"].pk,
                     "availability": ["mon-evening", "sat-morning"]})  # fmt: skip
    assert r.status_code == 302
    vol.refresh_from_db()
    assert vol.recruited_by == people["rahul"] and vol.availability == ["mon-evening",
                                                                        "sat-morning"]  # fmt: skip
