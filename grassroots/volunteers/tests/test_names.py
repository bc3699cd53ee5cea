"""Reference data names in every language: skills, onboarding steps and badges carry ``names``
(``core.i18n``); the seeded rows come translated, a campaign's own names are kept."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone, translation

from grassroots.core.access import SYSTEM
from grassroots.testing.matrix import html_client
from grassroots.volunteers import selectors, services
from grassroots.volunteers.models import Badge, HoursEntry, OnboardingStep, PointRule, Skill
from grassroots.volunteers.tests.factories import VolunteerFactory

pytestmark = pytest.mark.django_db

fill = import_module("grassroots.volunteers.migrations.0004_translate_reference_names").fill


def test_public_signup_in_bengali_shows_bengali_skill_names(client, geo):
    r = client.get(reverse("volunteers:signup"), HTTP_ACCEPT_LANGUAGE="bn")
    body = r.content.decode()
    assert "বাড়ি বাড়ি প্রচার" in body and "ফোনে প্রচার" in body
    assert ">Canvassing<" not in body and "Phone banking" not in body
    english = client.get(reverse("volunteers:signup"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Canvassing" in english.content.decode()


def test_a_campaigns_renamed_skill_and_own_translation_are_kept(geo):
    Skill.objects.filter(code="canvassing").update(name="Door knocking", names={})
    Skill.objects.filter(code="driving").update(names={"bn": "ড্রাইভার"})
    Skill.objects.filter(code="texting").update(names={})
    fill(apps)
    services.reference_data_ensure()
    canvassing = Skill.objects.get(code="canvassing")
    assert canvassing.names == {}
    with translation.override("bn"):
        assert canvassing.label == "Door knocking"
        assert Skill.objects.get(code="driving").label == "ড্রাইভার"  # theirs, not ours
        assert Skill.objects.get(code="texting").label == "টেক্সটিং"  # a missing one filled
    assert Skill.objects.get(code="driving").names["hi"] == "गाड़ी चलाना"


def test_reseeding_a_flushed_database_fills_names_too():
    for model in (Skill, OnboardingStep, Badge, PointRule):
        model.objects.all().delete()
    services.reference_data_ensure()
    with translation.override("hi"):
        assert Badge.objects.get(code="first-steps").label == "पहले क़दम"
        assert OnboardingStep.objects.get(code="code-of-conduct").label.startswith("आचार")
        assert str(Skill.objects.get(code="lang-bn")) == "बांग्ला"


def test_leaderboard_badge_and_profile_skills_in_the_language_of_the_request(geo, users):
    vol = VolunteerFactory(area=geo["p1"], skills=["canvassing"], user=users["volunteer"])
    services.profile_update(actor=SYSTEM, profile=vol, data={"status": "active"})
    HoursEntry.objects.create(volunteer=vol, date=timezone.localdate(), hours=4,
                              status="approved", decided_at=timezone.now())  # fmt: skip
    with translation.override("bn"):
        row = selectors.my_rank(users["volunteer"])
        assert row.badge == "প্রথম পদক্ষেপ"
    r = html_client(users["volunteer"]).get(
        reverse("volunteers:leaderboard"), HTTP_ACCEPT_LANGUAGE="bn"
    )
    assert "প্রথম পদক্ষেপ" in r.content.decode()
    r = html_client(users["organiser"]).get(
        reverse("volunteers:volunteer_detail", args=[vol.pk]), HTTP_ACCEPT_LANGUAGE="it"
    )
    body = r.content.decode()
    assert "Porta a porta" in body and "Codice di condotta firmato" in body


def test_admin_edits_the_translations(rf, users):
    skill = Skill.objects.get(code="design")
    request = rf.get("/")
    request.user = users["admin"]
    Form = admin.site._registry[Skill].get_form(request, skill)
    assert {"name_hi", "name_bn", "name_it"} <= set(Form.base_fields)
    assert Form(instance=skill)["name_it"].initial == "Grafica"
    form = Form(
        {"code": "design", "name": "Design", "kind": "skill", "name_hi": "",
         "name_bn": "নকশা", "name_it": "Grafica"},
        instance=skill,
    )  # fmt: skip
    assert form.is_valid(), form.errors
    form.save()
    skill.refresh_from_db()
    assert skill.names == {"bn": "নকশা", "it": "Grafica"}


def test_admin_change_page_saves_the_translations(client, users):
    skill = Skill.objects.get(code="photography")
    client.force_login(users["admin"])
    url = f"/django-admin/volunteers/skill/{skill.pk}/change/"
    r = client.get(url)
    assert r.status_code == 200 and "name_bn" in r.content.decode()
    r = client.post(url, {"code": "photography", "name": "Photography", "kind": "skill",
                          "name_hi": "फ़ोटो", "name_bn": "", "name_it": "Foto"})  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    skill.refresh_from_db()
    assert skill.names == {"hi": "फ़ोटो", "it": "Foto"}
    client.force_login(users["organiser"])
    assert client.get(url).status_code in (302, 403)  # not staff: no admin
