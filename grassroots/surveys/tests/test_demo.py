"""The surveys' demo: an active "2026 ID" script in both demo areas, translated, with a few
dozen attempts (at a small scale) whose answers wrote support scores; the demo volunteer sees
the script and can filter a segment on it; seeding twice adds nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from grassroots.accounts.models import User
from grassroots.demo.seed import seed_demo
from grassroots.lists import selectors as list_selectors
from grassroots.surveys import demo
from grassroots.surveys.models import Attempt, Response, ResultCode, Script


@pytest.mark.django_db
def test_demo_scripts_in_both_areas():
    ResultCode.objects.all().delete()  # as a browser test's flush leaves it: put back
    seed_demo(seed=7, scale=0.02)
    scripts = {s.area.code: s for s in Script.objects.filter(name=demo.NAME)}
    assert set(scripts) == {"IN-WB-AC158", "US-CA-CD12"}
    india = scripts["IN-WB-AC158"]
    assert india.base_language == "bn" and india.status == "active"
    support = india.blocks.get(label="2026 ID")
    assert support.text_in("hi").startswith("1 (निश्चित")
    assert Attempt.objects.filter(script=india).count() >= 20
    assert Attempt.objects.filter(result_code__code="not-home").exists()
    latest = Response.objects.filter(question=support, is_latest=True).select_related("person")
    assert latest.exists() and all(r.person.support_score == int(r.number) for r in latest)
    # the demo volunteer (part 1 of Bhabanipur) reads the constituency's script
    volunteer = User.objects.get(username="volunteer")
    c = Client()
    c.force_login(volunteer)
    assert demo.NAME in c.get(reverse("surveys:script_list")).content.decode()
    definition = {"steps": [{"action": "add", "group": {"match": "all", "items": [
        {"filter": "survey_answer", "params": {"question": str(support.pk), "min": 1, "max": 2}},
    ]}}]}  # fmt: skip
    assert list_selectors.segment_people(actor=User.objects.get(username="admin"),
                                         definition=definition).exists()  # fmt: skip
    before = Attempt.objects.count()
    assert demo.seed(type("Run", (), {"seed": 1, "scale": 1, "areas": {}})()) == {}
    assert Attempt.objects.count() == before
