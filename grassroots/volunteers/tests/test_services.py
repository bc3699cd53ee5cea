"""Volunteer services and selectors, tested directly: suggestions, assign the best N, hours
approval, points and leaderboards, team leader visibility, the public sign-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.people.models import Consent, Person
from grassroots.volunteers import points, selectors, services
from grassroots.volunteers.models import HoursEntry, Task, VolunteerProfile
from grassroots.volunteers.tests.factories import TaskFactory, TeamFactory, VolunteerFactory

pytestmark = pytest.mark.django_db


def _next(weekday: int) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7)


def test_suggestions_rank_skill_then_area_then_availability_then_load(geo):
    saturday = _next(5)
    task = TaskFactory(area=geo["p1"], skills=["canvassing"], due_date=saturday)
    skilled = VolunteerFactory(area=geo["p1"], skills=["canvassing"])
    skilled_busy = VolunteerFactory(area=geo["p1"], skills=["canvassing"])
    for _i in range(2):
        services.task_assign(actor=SYSTEM, task=TaskFactory(area=geo["p1"]),
                             profiles=[skilled_busy])  # fmt: skip
    free = VolunteerFactory(area=geo["p1"], availability=["sat-morning"])
    elsewhere = VolunteerFactory(area=geo["p2"], skills=["canvassing"])
    VolunteerFactory(area=geo["p1"], skills=["canvassing"], status="inactive")

    ranked = [s.profile for s in selectors.task_suggestions(actor=SYSTEM, task=task)]

    assert ranked[:3] == [skilled, skilled_busy, free]
    assert elsewhere not in ranked  # not in the task's area


def test_assign_best_n_assigns_the_top_and_skips_those_on_it(geo):
    task = TaskFactory(area=geo["ac"], skills=["phone-banking"], slots=2)
    a = VolunteerFactory(area=geo["p1"], skills=["phone-banking"])
    b = VolunteerFactory(area=geo["p2"], skills=["phone-banking"])
    VolunteerFactory(area=geo["p2"])

    made = services.task_assign_best(actor=SYSTEM, task=task, n=2)

    assert {m.volunteer for m in made} == {a, b}
    again = services.task_assign_best(actor=SYSTEM, task=task, n=1)
    assert [m.volunteer for m in again] not in ([a], [b])  # the next best, not a repeat
    with pytest.raises(ValidationError):
        services.task_assign_best(actor=SYSTEM, task=task, n=0)


def test_completing_all_assignments_finishes_the_task(geo, users):
    task = TaskFactory(area=geo["p1"])
    me = VolunteerFactory(area=geo["p1"], user=users["volunteer"])
    other = VolunteerFactory(area=geo["p1"])
    mine, theirs = services.task_assign(actor=SYSTEM, task=task, profiles=[me, other])
    services.assignment_complete(actor=users["volunteer"], assignment=mine)
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN
    with pytest.raises(PermissionDenied):  # not their own, and no volunteers.manage
        services.assignment_complete(actor=users["volunteer"], assignment=theirs)
    services.assignment_complete(actor=users["organiser"], assignment=theirs)
    task.refresh_from_db()
    assert task.status == Task.Status.DONE


def test_hours_logged_then_approved_by_an_organiser_not_oneself(geo, users):
    me = VolunteerFactory(area=geo["p1"], user=users["volunteer"])
    entry = services.hours_log(actor=users["volunteer"], profile=me,
                               date=timezone.localdate(), hours="2.5")  # fmt: skip
    assert entry.status == HoursEntry.Status.PENDING
    with pytest.raises(PermissionDenied):
        services.hours_decide(actor=users["volunteer"], entry=entry, approve=True)
    services.hours_decide(actor=users["organiser"], entry=entry, approve=True)
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.APPROVED and entry.hours == Decimal("2.50")
    with pytest.raises(ValidationError):  # decided once
        services.hours_decide(actor=users["organiser"], entry=entry, approve=False)
    for bad in ("0", "-1", "25", "lots", "NaN"):
        with pytest.raises(ValidationError):
            services.hours_log(actor=users["volunteer"], profile=me,
                               date=timezone.localdate(), hours=bad)  # fmt: skip
    with pytest.raises(ValidationError):
        services.hours_log(actor=users["volunteer"], profile=me,
                           date=timezone.localdate() + dt.timedelta(days=2), hours=1)  # fmt: skip


def test_points_leaderboard_and_badges(geo, users):
    a = VolunteerFactory(area=geo["p1"], given_name="Asha")
    b = VolunteerFactory(area=geo["p1"], given_name="Bina", user=users["volunteer"])
    entry = services.hours_log(actor=SYSTEM, profile=a, date=timezone.localdate(), hours=3)
    services.hours_decide(actor=users["organiser"], entry=entry, approve=True)  # 3 × 5 = 15
    board = selectors.leaderboard(actor=SYSTEM)
    assert [(r.profile_id, r.points, r.rank) for r in board[:2]] == [(a.pk, 15.0, 1), (b.pk, 0, 2)]
    assert board[0].badge == "First steps"  # ≥ 10 points
    assert selectors.my_rank(users["volunteer"]).rank == 2
    # completing tasks moves Bina up (3 points each … then hours)
    task = TaskFactory(area=geo["p1"])
    (assignment,) = services.task_assign(actor=SYSTEM, task=task, profiles=[b])
    services.assignment_complete(actor=users["volunteer"], assignment=assignment)
    entry = services.hours_log(actor=users["volunteer"], profile=b,
                               date=timezone.localdate(), hours=4)  # fmt: skip
    services.hours_decide(actor=users["organiser"], entry=entry, approve=True)
    assert selectors.my_rank(users["volunteer"]).rank == 1
    assert selectors.my_rank(users["volunteer"], "week").points == 23.0
    # per area: a volunteer elsewhere is not on part 1's board
    VolunteerFactory(area=geo["p2"], given_name="Chitra")
    assert {r.name for r in selectors.leaderboard(actor=SYSTEM, area=geo["p1"])} == {
        "Asha F.", "Bina F."}  # fmt: skip


def test_a_registered_point_source_counts_by_its_rule(geo):
    from grassroots.volunteers.models import PointRule

    a = VolunteerFactory(area=geo["p1"])
    source = points.PointSource("test_doors", "Doors", lambda since: {a.person_id: 7})
    points.register(source)
    try:
        assert points.points_by_person().get(a.person_id, 0) == 0  # no rule: worth nothing
        PointRule.objects.create(source="test_doors", points=2)
        assert points.points_by_person()[a.person_id] == 14
    finally:
        points.sources.items.remove(source)


def test_team_leader_sees_the_team_and_teams_below_but_a_volunteer_only_their_own(geo, users):
    leader_user = users["volunteer"]
    leader = VolunteerFactory(area=geo["p1"], user=leader_user)
    member = VolunteerFactory(area=geo["p2"])
    deep = VolunteerFactory(area=geo["p2"])
    outsider = VolunteerFactory(area=geo["p1"])
    top = TeamFactory(name="AC team", leaders=[leader.person], members=[member])
    TeamFactory(name="Booth 2", parent=top, members=[deep])
    tasks = {}
    for who in (leader, member, deep, outsider):
        tasks[who.pk] = TaskFactory(area=geo["p2"], title=f"for {who.pk}")
        services.task_assign(actor=SYSTEM, task=tasks[who.pk], profiles=[who])
        services.hours_log(actor=SYSTEM, profile=who, date=timezone.localdate(), hours=1)

    seen = set(Task.objects.visible_to(leader_user).values_list("pk", flat=True))
    assert seen == {tasks[p.pk].pk for p in (leader, member, deep)}
    hours = set(HoursEntry.objects.visible_to(leader_user).values_list("volunteer_id", flat=True))
    assert hours == {leader.pk, member.pk, deep.pk}
    assert {a.volunteer_id for a in selectors.team_assignments(leader_user)} == {member.pk, deep.pk}
    # a plain booth volunteer (no team led) sees only their own
    from grassroots.accounts.tests.factories import UserFactory

    booth = UserFactory(username="booth", role="volunteer", areas=[geo["p1"]])
    outsider.user = booth
    outsider.save()
    assert list(Task.objects.visible_to(booth)) == [tasks[outsider.pk]]
    assert list(VolunteerProfile.objects.visible_to(booth)) == [outsider]


def test_organiser_scope_is_by_area(geo, users):
    from grassroots.accounts.tests.factories import UserFactory

    p2_org = UserFactory(username="p2org", role="field_organiser", areas=[geo["p2"]])
    here = VolunteerFactory(area=geo["p1"])
    there = VolunteerFactory(area=geo["p2"])
    assert list(VolunteerProfile.objects.visible_to(p2_org)) == [there]
    assert set(VolunteerProfile.objects.visible_to(users["organiser"])) == {here, there}


def test_public_signup_matches_the_same_person_and_records_consent(geo, people):
    ananya = people["ananya"]
    wording = "I agree to get emails from the campaign about volunteering."
    p1 = services.volunteer_signup_public(
        given_name="Ananya", email="ANANYA@example.org", skills=[], availability=["sat-evening"],
        consents=[("email", wording)],
    )  # fmt: skip
    assert p1.person == ananya
    p2 = services.volunteer_signup_public(given_name="Ananya D", phone="+91 98300 12345",
                                          availability=["sun-morning"])  # fmt: skip
    assert p2.pk == p1.pk
    p2.refresh_from_db()
    assert p2.availability == ["sat-evening", "sun-morning"]
    consent = Consent.objects.get(person=ananya, purpose="volunteering")
    assert consent.wording == wording and consent.channel == "email"
    before = Person.objects.count()
    new = services.volunteer_signup_public(given_name="Zara", email="zara@example.org")
    assert Person.objects.count() == before + 1 and new.status == "prospect"
    with pytest.raises(ValidationError) as err:
        services.volunteer_signup_public(given_name="", email="not an email")
    assert {"given_name", "email"} <= set(err.value.message_dict)
    with pytest.raises(ValidationError):
        services.volunteer_signup_public(given_name="Nobody")  # no way to reach them
    assert Person.objects.count() == before + 1


def test_invite_makes_a_scoped_login_and_links_it(geo, users):
    from grassroots.accounts.models import Role

    v = VolunteerFactory(area=geo["p1"])
    user = services.volunteer_invite(actor=users["admin"], profile=v, username="vol1",
                                     email="v@example.org",
                                     role=Role.objects.get(slug="volunteer"))  # fmt: skip
    v.refresh_from_db()
    assert v.user == user and list(user.scope_areas.all()) == [geo["p1"]]
    assert not user.has_usable_password()
    with pytest.raises(ValidationError):
        services.volunteer_invite(actor=users["admin"], profile=v, username="vol2", email="",
                                  role=Role.objects.get(slug="volunteer"))  # fmt: skip
    # an organiser without accounts.manage cannot make logins
    w = VolunteerFactory(area=geo["p1"])
    with pytest.raises(PermissionDenied):
        services.volunteer_invite(actor=users["organiser"], profile=w, username="vol3",
                                  email="", role=Role.objects.get(slug="volunteer"))  # fmt: skip


def test_staff_records_need_the_staff_capability(geo, users, people):
    with pytest.raises(PermissionDenied):
        services.staff_record_save(actor=users["organiser"], person=people["ananya"],
                                   role_title="Field lead", start_date=timezone.localdate(),
                                   pay_type="salaried")  # fmt: skip
    rec = services.staff_record_save(actor=users["manager"], person=people["ananya"],
                                     role_title="Field lead", start_date=timezone.localdate(),
                                     pay_type="salaried", manager=people["sourav"])  # fmt: skip
    from grassroots.volunteers.models import StaffRecord

    assert list(StaffRecord.objects.visible_to(users["organiser"])) == []
    assert list(StaffRecord.objects.visible_to(users["manager"])) == [rec]
    with pytest.raises(ValidationError):
        services.staff_record_save(actor=users["manager"], person=people["ananya"],
                                   role_title="x", start_date=timezone.localdate(),
                                   end_date=timezone.localdate() - dt.timedelta(days=1),
                                   pay_type="salaried")  # fmt: skip


def test_segment_filters(geo):
    from grassroots.lists.registry import Context, filters

    a = VolunteerFactory(area=geo["p1"], skills=["canvassing", "lang-bn"])
    b = VolunteerFactory(area=geo["p1"], status="prospect")
    team = TeamFactory(members=[b])
    services.hours_decide(actor=SYSTEM, entry=services.hours_log(
        actor=SYSTEM, profile=a, date=timezone.localdate(), hours=5), approve=True)  # fmt: skip

    def match(key, params):
        f = next(f for f in filters if f.key == key)
        q = f.build(f.clean(params), Context(actor=SYSTEM))
        return set(Person.objects.filter(q).values_list("pk", flat=True))

    assert match("volunteer", {}) == {a.person_id, b.person_id}
    assert match("volunteer", {"status": ["active"]}) == {a.person_id}
    assert match("volunteer", {"skills": ["canvassing", "lang-bn"]}) == {a.person_id}
    assert match("volunteer", {"team": str(team.pk)}) == {b.person_id}
    assert match("volunteer_hours", {"min_hours": 5}) == {a.person_id}
    assert match("volunteer_hours", {"min_hours": 5.5}) == set()


def test_load_is_counted_once_whatever_the_preferred_areas(geo):
    task = TaskFactory(area=geo["ac"])
    v = VolunteerFactory(area=None, preferred_areas=[geo["p1"], geo["p2"]])
    services.task_assign(actor=SYSTEM, task=TaskFactory(area=geo["p1"]), profiles=[v])
    (s,) = selectors.task_suggestions(actor=SYSTEM, task=task)
    assert s.profile == v and s.profile.open_tasks == 1
    assert "1 open task" in s.reasons and "prefers the area" in s.reasons
