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
