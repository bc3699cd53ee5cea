"""The volunteers' demo: volunteers, teams, tasks and hours in both demo areas; the demo
volunteer login sees their task and their rank; seeding twice adds nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from grassroots.accounts.models import User
from grassroots.demo.seed import seed_demo
from grassroots.geography.models import Area
from grassroots.volunteers import demo, selectors
from grassroots.volunteers.models import HoursEntry, Skill, Task, Team, VolunteerProfile


@pytest.mark.django_db
def test_demo_volunteers_in_both_areas():
    Skill.objects.all().delete()  # as a browser test's flush leaves it: the demo puts them back
    seed_demo(seed=7, scale=0.02)
    for code in ("IN-WB-AC158", "US-CA-CD12"):
        area = Area.objects.get(code=code)
        assert (
            VolunteerProfile.objects.filter(person__area__path__startswith=area.path).count() >= 10
        )
    assert Team.objects.filter(parent__isnull=False).exists()
    assert Task.objects.filter(status="done").exists() and Task.objects.filter(status="open")
    assert HoursEntry.objects.filter(status="approved").exists()
    assert HoursEntry.objects.filter(status="pending").exists()
    volunteer = User.objects.get(username="volunteer")
    assert selectors.my_rank(volunteer) is not None
    c = Client()
    c.force_login(volunteer)
    body = c.get(reverse("volunteers:my_tasks")).content.decode()
    assert "Door-to-door in part 1, lane 3" in body
    before = VolunteerProfile.objects.count()
    assert demo.seed(type("Run", (), {"seed": 1, "scale": 1, "areas": {}, "users": {}})()) == {}
    assert VolunteerProfile.objects.count() == before
