"""The event types' reminder times on a screen (events.configure: campaign managers)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from grassroots.events.models import EventType
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client

pytestmark = pytest.mark.django_db
URL = reverse("events:reminder_settings")


def _times():
    return sorted(
        EventType.objects.values_list("slug", "reminder_day_before", "reminder_morning_of")
    )


def _post_data(**changes):
    data = {}
    for t in EventType.objects.all():
        data[f"{t.slug}-day_before"] = t.reminder_day_before.strftime("%H:%M")
        data[f"{t.slug}-morning_of"] = t.reminder_morning_of.strftime("%H:%M")
    data.update(changes)
    return data


def test_screen_and_save_matrix(users):
    assert users["manager"].has_capability("events.configure")
    assert not users["organiser"].has_capability("events.configure")
    who = {"anonymous": None, "wrong_role": users["organiser"], "no_role": users["nobody"],
           "allowed": users["manager"]}  # fmt: skip
    assert_matrix(
        html_client, "get", URL, users=who,
        expect={"anonymous": LOGIN, "wrong_role": 403, "no_role": 403, "allowed": 200},
        leaks=["Town hall: the day before at"],
    )  # fmt: skip
    assert_matrix(
        html_client, "post", URL, users=who, data=_post_data(**{"town_hall-day_before": "19:30"}),
        expect={"anonymous": LOGIN, "wrong_role": 403, "no_role": 403, "allowed": 302},
        unchanged=_times,
    )  # fmt: skip
    th = EventType.objects.get(slug="town_hall")
    assert th.reminder_day_before == dt.time(19, 30)
    assert th.reminder_morning_of == dt.time(8, 0)


def test_a_bad_time_changes_nothing_and_keeps_what_was_typed(users):
    c = html_client(users["manager"])
    before = _times()
    r = c.post(URL, _post_data(**{"rally-morning_of": "25:99", "canvass-day_before": "17:15"}))
    assert r.status_code == 400
    body = r.content.decode()
    assert 'value="25:99"' in body and 'value="17:15"' in body and "Enter a valid time" in body
    assert _times() == before
    r = c.post(URL, _post_data(**{"rally-morning_of": ""}))
    assert r.status_code == 400 and _times() == before


def test_the_events_list_links_the_screen_for_those_who_may(users):
    assert URL in html_client(users["manager"]).get(reverse("events:event_list")).content.decode()
    assert (
        URL
        not in html_client(users["organiser"]).get(reverse("events:event_list")).content.decode()
    )
