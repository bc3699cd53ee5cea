""" "Send change notice now": a confirmation page, then the change notice to everyone signed up
through the reminders' runner; a second press soon after sends nobody the notice twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.core.models import Job
from grassroots.events.reminders import services as reminders
from grassroots.events.reminders.models import ReminderLog
from grassroots.events.tests.factories import EventFactory, RegistrationFactory
from grassroots.messaging.models import Message
from grassroots.messaging.tests.factories import ProviderAccountFactory
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client
from grassroots.testing.users import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(geo, people, users):
    ProviderAccountFactory()
    event = EventFactory(area=geo["p1"], title="Canvass launch Okapi")
    for name in ("ananya", "sourav"):
        RegistrationFactory(shift=event.shifts.first(), person=people[name])
    return {"event": event, "outsider": make_user("p2org", "field_organiser", areas=[geo["p2"]])}


def _changed():
    return sorted(
        Message.objects.filter(subject__startswith="Changed:").values_list("person_id", flat=True)
    )


def test_confirm_then_send_once_even_when_pressed_twice(
    setup, users, people, django_capture_on_commit_callbacks
):
    event = setup["event"]
    url = reverse("events:change_notice", args=[event.pk])
    c = html_client(users["organiser"])
    detail = c.get(reverse("events:event_detail", args=[event.pk])).content.decode()
    assert f'href="{url}"' in detail
    page = c.get(url).content.decode()
    assert "to the 2 people signed up" in page and "Send the change notice" in page
    assert _changed() == []  # the confirmation page sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(url, follow=True)
    assert "The change notice is queued for 2 people." in r.content.decode()
    # Ananya has an email; Sourav has no address (his notice is logged, blocked, on his timeline)
    assert _changed() == [people["ananya"].pk]
    assert ReminderLog.objects.filter(key__startswith="changed:now:").count() == 2
    assert not Job.objects.filter(status=Job.Status.FAILED).exists()
    # pressed again a moment later: nobody gets it twice
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(url, follow=True)
    assert "nothing more was sent" in r.content.decode()
    assert _changed() == [people["ananya"].pk]
    assert ReminderLog.objects.filter(key__startswith="changed:now:").count() == 2


def test_a_double_press_before_the_first_run_starts_queues_one_run(setup, users):
    """Both presses land before the worker ran the first one: one job, no second."""
    event = setup["event"]
    q1, started1 = reminders.change_notice_send_now(actor=users["organiser"], event=event)
    q2, started2 = reminders.change_notice_send_now(actor=users["organiser"], event=event)
    assert (q1, started1) == (2, True) and (q2, started2) == (0, False)
    assert Job.objects.filter(kind=reminders.RUNNER).count() == 1
    # after the window, a new press is a new notice
    later = timezone.now() + reminders.MANUAL_CHANGE_WINDOW + dt.timedelta(seconds=1)
    Job.objects.update(status=Job.Status.SUCCEEDED)
    q3, started3 = reminders.change_notice_send_now(
        actor=users["organiser"], event=event, now=later
    )
    assert (q3, started3) == (2, True)


def test_matrix(setup, users):
    event = setup["event"]
    url = reverse("events:change_notice", args=[event.pk])
    who = {"anonymous": None, "wrong_role": users["volunteer"], "out_of_scope": setup["outsider"],
           "allowed": users["organiser"]}  # fmt: skip
    for method, ok in (("get", 200), ("post", 302)):
        assert_matrix(
            html_client, method, url, users=who,
            expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": ok},
            leaks=["Canvass launch Okapi"] if method == "get" else [],
            unchanged=lambda: (Job.objects.count(), ReminderLog.objects.count()),
        )  # fmt: skip


def test_a_draft_or_past_event_sends_nothing(setup, users, geo, people):
    draft = EventFactory(area=geo["p1"], title="Draft", publish=False)
    c = html_client(users["organiser"])
    r = c.post(reverse("events:change_notice", args=[draft.pk]), follow=True)
    assert "Only a published event" in r.content.decode()
    assert not Job.objects.filter(kind=reminders.RUNNER).exists()
