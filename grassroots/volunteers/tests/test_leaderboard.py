"""The leaderboard screen's query count: the same for 2 volunteers as for 8, overall, per team,
per area and this week (the points are summed in the database, not per volunteer)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.testing.matrix import html_client
from grassroots.testing.queries import assert_constant_queries
from grassroots.volunteers import services
from grassroots.volunteers.tests.factories import TaskFactory, TeamFactory, VolunteerFactory

pytestmark = pytest.mark.django_db


def test_leaderboard_queries_do_not_grow_with_volunteers(geo, users):
    team = TeamFactory(name="Wombat ward", area=geo["p1"])
    org = html_client(users["organiser"])

    def make(n, start):
        for _ in range(n):
            v = VolunteerFactory(area=geo["p1"], given_name=f"Vol{start}")
            services.team_members_add(actor=SYSTEM, team=team, profiles=[v])
            (a,) = services.task_assign(actor=SYSTEM, task=TaskFactory(area=geo["p1"]),
                                        profiles=[v])  # fmt: skip
            services.assignment_complete(actor=SYSTEM, assignment=a)
            entry = services.hours_log(actor=SYSTEM, profile=v, date=timezone.localdate(),
                                       hours=2)  # fmt: skip
            services.hours_decide(actor=SYSTEM, entry=entry, approve=True)

    url = reverse("volunteers:leaderboard")
    for query in ("", "?period=week", f"?team={team.pk}", f"?area={geo['p1'].pk}&period=week"):
        counts = assert_constant_queries(
            make, lambda q=query: org.get(url + q), sizes=(2, 8) if not query else (10, 14),
            shown=lambda r: r.content.decode().count("<tr") - 1,
        )  # fmt: skip
        assert counts[-1] <= 20, counts


def _hours(profile, when, hours=2, source="logged"):
    from grassroots.volunteers.models import HoursEntry

    return HoursEntry.objects.create(volunteer=profile, date=when.date(), hours=hours,
                                     status="approved", source=source, decided_at=when)  # fmt: skip


def test_snapshot_plus_this_week_equals_summing_everything(geo):
    import datetime as dt

    from grassroots.volunteers import points, selectors
    from grassroots.volunteers.models import PointRule, PointSnapshot

    a, b = VolunteerFactory(area=geo["p1"]), VolunteerFactory(area=geo["p1"])
    week = selectors.period_start("week")
    old = _hours(a, week - dt.timedelta(days=40), hours=3)
    _hours(b, week - dt.timedelta(days=3), hours=1, source="shift")
    _hours(a, timezone.now(), hours=2)
    all_time, this_week = points.totals(week)
    assert all_time == points.points_by_person(None)
    assert this_week == points.points_by_person(week)
    assert PointSnapshot.objects.count() == 1
    # a new record this week: live, no rebuild
    _hours(b, timezone.now(), hours=4)
    all_time, _ = points.totals(week)
    assert all_time == points.points_by_person(None) and PointSnapshot.objects.count() == 1
    # a rule changes: the snapshot of past weeks is rebuilt under the new rule
    PointRule.objects.filter(source="hours").update(points=7)
    assert points.totals(week)[0] == points.points_by_person(None)
    # a past record removed: invalidate() and the next board has it right
    old.delete()
    points.invalidate()
    assert points.totals(week)[0] == points.points_by_person(None)
    # the week turns: a snapshot for the new week
    later = week + dt.timedelta(days=7)
    assert points.totals(later)[0] == points.points_by_person(None)
    assert list(PointSnapshot.objects.values_list("as_of", flat=True)) == [later]


def test_the_page_has_the_first_rows_and_the_viewers_own_wherever_it_ranks(geo):
    from grassroots.volunteers import selectors

    vols = [VolunteerFactory(area=geo["p1"], given_name=f"R{i}") for i in range(4)]
    for i, v in enumerate(vols):
        _hours(v, timezone.now(), hours=4 - i)  # R0 first … R3 last
    rows, me = selectors.leaderboard_page(actor=SYSTEM, limit=2, profile_id=vols[3].pk)
    assert [r.profile_id for r in rows] == [vols[0].pk, vols[1].pk]
    assert (me.profile_id, me.rank) == (vols[3].pk, 4)
    full = selectors.leaderboard(actor=SYSTEM)
    assert [(r.profile_id, r.rank, r.points, r.badge) for r in full[:2]] == [
        (r.profile_id, r.rank, r.points, r.badge) for r in rows]  # fmt: skip
