"""The event form takes its hosts and contact person with the person picker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.testing.matrix import html_client
from grassroots.testing.users import make_user


@pytest.mark.django_db
def test_event_form_sets_hosts_and_contact_with_the_picker(users, people, geo):
    from grassroots.events.models import Event, EventType

    c = html_client(users["organiser"])
    start = timezone.localtime() + dt.timedelta(days=3)
    data = {
        "title": "Rally at Jadubabu Bazar",
        "type": EventType.objects.order_by("pk").first().slug,
        "visibility": "public",
        "area": "IN-WB-AC1-P001",
        "time_zone": "Asia/Kolkata",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "hosts": [str(people["ananya"].pk), str(people["rahul"].pk)],
        "contact_person": str(people["sourav"].pk),
    }
    r = c.post(reverse("events:event_create"), data)
    assert r.status_code == 302, r.content.decode()[:2000]
    event = Event.objects.get(title="Rally at Jadubabu Bazar")
    assert set(event.hosts.all()) == {people["ananya"], people["rahul"]}
    assert event.contact_person == people["sourav"]
    # the edit form shows them as chosen
    body = c.get(reverse("events:event_edit", args=[event.pk])).content.decode()
    assert body.count('class="chip"') == 2 and "Sourav Das" in body
    # a volunteer-scoped organiser cannot add someone out of scope; the form keeps the rest
    p1org = make_user("p1org", "field_organiser", areas=[geo["p1"]])
    r = html_client(p1org).post(
        reverse("events:event_edit", args=[event.pk]),
        {**data, "title": "Renamed", "hosts": [str(people["ananya"].pk), str(people["rahul"].pk)]},
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "No such person." in body and 'value="Renamed"' in body and "Ananya Das" in body
    assert "Rahul" not in body.split("<form", 1)[1]
    event.refresh_from_db()
    assert event.title == "Rally at Jadubabu Bazar"
