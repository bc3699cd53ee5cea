"""Canvasser safety: the stop time, "do not knock" doors, check-ins and calls for help."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from grassroots.accounts.models import Role
from grassroots.canvassing import safety, selectors_app, services, sync
from grassroots.canvassing.models import Door, SafetyAlert, Turf, Visit
from grassroots.canvassing.tests.factories import effort_for, street_of_people
from grassroots.core.access import SYSTEM
from grassroots.core.exceptions import Forbidden, Invalid
from grassroots.core.models import AuditEvent
from grassroots.people import services as people_services
from grassroots.testing.users import make_user
from grassroots.volunteers import services as volunteers

pytestmark = pytest.mark.django_db


@pytest.fixture
def field(geo, users):
    """An active effort in part 1 (two turfs); a canvasser in a team led by Leela holds the first."""
    effort = effort_for(street_of_people(geo["p1"], 20), actor=users["organiser"], target_size=10)
    services.effort_build(actor=SYSTEM, effort=effort)
    services.turfs_cut(actor=SYSTEM, effort=effort)
    services.effort_set_status(actor=SYSTEM, effort=effort, status="active")
    users["organiser"].email = "organiser@example.org"
    users["organiser"].save(update_fields=["email"])
    leader = people_services.person_create(
        actor=SYSTEM,
        data={"given_name": "Leela", "family_name": "Roy", "area": geo["p1"]},
        phones=["+91 98300 11111"],
        emails=["leela@example.org"],
    )
    team = volunteers.team_create(actor=SYSTEM, name="Lake Road team", leaders=[leader])
    who = people_services.person_create(
        actor=SYSTEM, data={"given_name": "Kabir", "family_name": "Sen", "area": geo["p1"]}
    )
    profile = volunteers.profile_create(actor=SYSTEM, person=who, teams=[team])
    canvasser = volunteers.volunteer_invite(
        actor=SYSTEM, profile=profile, username="kabir", email="kabir@example.org",
        role=Role.objects.get(slug="volunteer"), areas=[geo["p1"]],
    )  # fmt: skip
    turf, other = Turf.objects.filter(effort=effort)
    services.turf_assign(actor=users["organiser"], turf=turf, user=canvasser)
    doors = list(turf.doors.order_by("position"))
    return {"effort": effort, "turf": turf, "other": other, "doors": doors,
            "canvasser": canvasser, "leader": leader}  # fmt: skip


def _visit(field, door, at):
    return {"id": str(uuid.uuid4()), "type": "visit", "effort": field["effort"].pk,
            "door": door.pk, "at": at.isoformat(), "result": "not-home"}  # fmt: skip


# --- stop time ----------------------------------------------------------------------------


def test_stop_time_is_kept_and_checked(field, users):
    effort = field["effort"]
    data = {"name": effort.name, "script": effort.script, "person_list": effort.person_list}
    with pytest.raises(Invalid) as exc:
        services.effort_update(actor=users["organiser"], effort=effort, **data, stop_time="7pm")
    assert "stop_time" in exc.value.message_dict
    services.effort_update(actor=users["organiser"], effort=effort, **data, stop_time="19:00")
    effort.refresh_from_db()
    assert effort.stop_time == dt.time(19, 0)
    package = selectors_app.turf_package(actor=field["canvasser"], pk=field["turf"].pk)
    assert package["effort"]["stop_time"] == "19:00"


def test_a_visit_after_the_stop_time_is_kept_and_flagged(field, users):
    effort = field["effort"]
    effort.stop_time = dt.time(19, 0)
    effort.save(update_fields=["stop_time"])
    today = timezone.localdate() - dt.timedelta(days=1)
    zone = timezone.get_current_timezone()
    before = dt.datetime.combine(today, dt.time(18, 30), tzinfo=zone)
    after = dt.datetime.combine(today, dt.time(19, 15), tzinfo=zone)
    d1, d2 = field["doors"][:2]
    out = sync.sync(actor=field["canvasser"], events_in=[_visit(field, d1, before),
                                                        _visit(field, d2, after)])  # fmt: skip
    assert [r["status"] for r in out["results"]] == ["applied", "applied"]
    assert "stop_time" not in Visit.objects.get(door=d1).errors
    late = Visit.objects.get(door=d2)
    assert "19:00" in late.errors["stop_time"]
    assert "stop_time" in out["results"][1]["notes"]


# --- do not knock -------------------------------------------------------------------------


def test_organiser_flags_and_clears_a_door(field, users):
    door = field["doors"][0]
    with pytest.raises(Forbidden):
        services.door_flag(actor=field["canvasser"], door=door, flagged=True, reason="Dog")
    with pytest.raises(Invalid):
        services.door_flag(actor=users["organiser"], door=door, flagged=True, reason="  ")
    services.door_flag(actor=users["organiser"], door=door, flagged=True, reason="Angry dog")
    door.refresh_from_db()
    assert door.do_not_knock and door.do_not_knock_reason == "Angry dog"
    assert door.flagged_by == users["organiser"] and door.flagged_at is not None
    package = selectors_app.turf_package(actor=field["canvasser"], pk=field["turf"].pk)
    shown = next(d for d in package["doors"] if d["id"] == door.pk)
    assert shown["do_not_knock"] and shown["do_not_knock_reason"] == "Angry dog"
    services.door_flag(actor=users["organiser"], door=door, flagged=False)
    door.refresh_from_db()
    assert not door.do_not_knock and door.do_not_knock_reason == "" and door.flagged_by is None
    actions = set(
        AuditEvent.objects.filter(object_id=str(door.pk)).values_list("action", flat=True)
    )
    assert {"canvassing.door_flagged", "canvassing.door_unflagged"} <= actions


def test_a_canvasser_flags_a_door_from_the_app_once(field, users):
    door = field["doors"][1]
    event = {"id": str(uuid.uuid4()), "type": "flag", "effort": field["effort"].pk,
             "turf": field["turf"].pk, "door": door.pk, "reason": "Threatened us"}  # fmt: skip
    first = sync.sync(actor=field["canvasser"], events_in=[event])
    again = sync.sync(actor=field["canvasser"], events_in=[event])
    assert first["results"][0]["status"] == "applied"
    assert again["results"][0]["status"] == "duplicate"
    door.refresh_from_db()
    assert door.do_not_knock and door.do_not_knock_reason == "Threatened us"
    assert door.flagged_by == field["canvasser"]
    # a door of a turf the canvasser does not hold: rejected (and kept)
    foreign = field["other"].doors.first()
    out = sync.sync(actor=field["canvasser"], events_in=[
        {**event, "id": str(uuid.uuid4()), "door": foreign.pk, "turf": field["other"].pk}])  # fmt: skip
    assert out["results"][0]["status"] == "rejected"
    foreign.refresh_from_db()
    assert not foreign.do_not_knock


def test_pick_up_leaves_flagged_doors_out(geo, users):
    people = street_of_people(geo["p1"], 6)
    effort = effort_for(people, target_size=10)
    services.effort_build(actor=SYSTEM, effort=effort)
    services.turfs_cut(actor=SYSTEM, effort=effort)
    services.effort_set_status(actor=SYSTEM, effort=effort, status="active")
    flagged = Door.objects.filter(effort=effort).order_by("pk").first()
    services.door_flag(actor=SYSTEM, door=flagged, flagged=True, reason="Dog")
    assignment = services.doors_pick_up(
        actor=users["volunteer"], effort=effort, lat=22.52, lon=88.35, radius_m=2000, count=50
    )
    picked = set(assignment.turf.doors.values_list("pk", flat=True))
    assert picked and flagged.pk not in picked
    assert len(picked) == Door.objects.filter(effort=effort).count() - 1


# --- check-in and help ---------------------------------------------------------------------


def test_help_notifies_leader_and_creator_by_email_and_sms(
    field, users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        alert = safety.alert_create(
            actor=field["canvasser"], effort=field["effort"], kind="panic",
            lat=22.52, lon=88.35, note="Followed by a man",
        )  # fmt: skip
    assert alert.user == field["canvasser"] and alert.acknowledged_at is None
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert set(sent.to) == {"leela@example.org", "organiser@example.org"}
    assert "HELP" in sent.subject and "Followed by a man" in sent.body
    from grassroots.messaging.models import Message

    sms = Message.objects.filter(person=field["leader"], channel="sms")
    assert sms.count() == 1 and "Followed by a man" in sms.get().body
    package = selectors_app.turf_package(actor=field["canvasser"], pk=field["turf"].pk)
    assert package["leaders"] == [{"name": "Leela Roy", "phone": package["leaders"][0]["phone"]}]
    assert package["leaders"][0]["phone"].endswith("11111")


def test_check_in_emails_but_sends_no_sms(field, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        safety.alert_create(actor=field["canvasser"], effort=field["effort"], kind="check_in")
    assert len(mail.outbox) == 1 and "safe" in mail.outbox[0].subject
    from grassroots.messaging.models import Message

    assert not Message.objects.filter(channel="sms").exists()
    with pytest.raises(Invalid):
        safety.alert_create(actor=field["canvasser"], effort=field["effort"], kind="party")
    with pytest.raises(Forbidden):
        safety.alert_create(actor=users["nobody"], effort=field["effort"], kind="panic")


def test_an_alert_from_the_outbox_is_stored_once(field, users):
    event = {"id": str(uuid.uuid4()), "type": "alert", "effort": field["effort"].pk,
             "kind": "check_in", "lat": 22.52, "lon": 88.35}  # fmt: skip
    first = sync.sync(actor=field["canvasser"], events_in=[event])
    again = sync.sync(actor=field["canvasser"], events_in=[event, event])
    assert first["results"][0]["status"] == "applied"
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert SafetyAlert.objects.count() == 1
    assert SafetyAlert.objects.get().event_id == event["id"]


def test_acknowledge(field, users):
    alert = safety.alert_create(actor=field["canvasser"], effort=field["effort"], kind="panic")
    with pytest.raises(Forbidden):
        safety.alert_acknowledge(actor=field["canvasser"], alert=alert)
    safety.alert_acknowledge(actor=users["organiser"], alert=alert)
    alert.refresh_from_db()
    assert alert.acknowledged_by == users["organiser"] and alert.acknowledged_at
    listed = safety.alerts_for(actor=users["organiser"], effort=field["effort"])
    assert listed["open"] == [] and listed["acknowledged"] == [alert]


# --- the endpoints: access matrix ---------------------------------------------------------


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_alert_endpoint_matrix(client_for, field, geo, users):
    url = reverse("canvassing:app-alert")
    body = {"effort": field["effort"].pk, "kind": "panic", "note": "help"}
    assert client_for(field["canvasser"]).get(url).status_code == 405
    assert _post(client_for(None), url, body).status_code == 401
    assert _post(client_for(users["nobody"]), url, body).status_code == 403
    outsider = make_user("outsider", "volunteer", areas=[geo["p2"]])
    effort2 = effort_for(street_of_people(geo["p2"], 2, prefix="x"), actor=users["manager"],
                         name="Elsewhere")  # fmt: skip
    effort2.area = geo["p2"]
    effort2.save(update_fields=["area"])
    assert (
        _post(client_for(users["volunteer"]), url, {**body, "effort": effort2.pk}).status_code
        == 404
    )
    assert _post(client_for(outsider), url, {**body, "effort": 999999}).status_code == 404
    bad = _post(client_for(field["canvasser"]), url, {**body, "kind": "x"})
    assert bad.status_code == 400 and bad.json()["error"]
    r = _post(client_for(field["canvasser"]), url, {**body, "id": "a-1"})
    assert r.status_code == 201
    assert _post(client_for(field["canvasser"]), url, {**body, "id": "a-1"}).status_code == 200
    assert SafetyAlert.objects.count() == 1


def test_results_page_shows_alerts_and_acknowledge_matrix(client_for, field, geo, users):
    alert = safety.alert_create(actor=field["canvasser"], effort=field["effort"], kind="panic")
    page = client_for(users["organiser"]).get(
        reverse("canvassing:results_live", args=[field["effort"].pk])
    )
    assert page.status_code == 200
    assert b"alert-panic" in page.content and b"Acknowledge" in page.content
    url = reverse("canvassing:results_alert_ack", args=[field["effort"].pk, alert.pk])
    assert client_for(field["canvasser"]).post(url).status_code in (403, 404)
    assert client_for(users["auditor"]).post(url).status_code in (403, 404)
    # an organiser of part 2 reads the effort (its area overlaps) but may not manage it
    assert (
        client_for(make_user("org2", "organiser", areas=[geo["p2"]])).post(url).status_code == 403
    )
    # an organiser of part 2 and an alert of an effort of part 1 only: not found
    org1 = make_user("org_p1", "field_organiser", areas=[geo["p1"]])
    effort1 = effort_for(street_of_people(geo["p1"], 1, prefix="y"), actor=org1, name="P1 only")
    alert1 = safety.alert_create(actor=SYSTEM, effort=effort1, kind="check_in")
    url1 = reverse("canvassing:results_alert_ack", args=[effort1.pk, alert1.pk])
    assert (
        client_for(make_user("org3", "field_organiser", areas=[geo["p2"]])).post(url1).status_code
        == 404
    )
    # an alert named under another effort: not found
    cross = reverse("canvassing:results_alert_ack", args=[field["effort"].pk, alert1.pk])
    assert client_for(users["organiser"]).post(cross).status_code == 404
    wrong = reverse("canvassing:results_alert_ack", args=[field["effort"].pk, 999999])
    assert client_for(users["organiser"]).post(wrong).status_code == 404
    r = client_for(users["organiser"]).post(url)
    assert r.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == users["organiser"]


def test_turf_page_flags_a_door(client_for, field, users):
    effort, turf = field["effort"], field["turf"]
    door = field["doors"][2]
    url = reverse("canvassing:turf_detail", args=[effort.pk, turf.pk])
    c = client_for(users["organiser"])
    bad = c.post(url, {"action": "flag", "flagged": "1", "door": door.pk, "reason": ""})
    assert bad.status_code == 400 and b"Say why" in bad.content
    r = c.post(url, {"action": "flag", "flagged": "1", "door": door.pk, "reason": "Dog"})
    assert r.status_code == 302
    door.refresh_from_db()
    assert door.do_not_knock
    assert "Dog" in c.get(url).content.decode()
    foreign = field["other"].doors.first()
    assert (
        c.post(url, {"action": "flag", "flagged": "1", "door": 999999, "reason": "x"}).status_code
        == 400
    )
    assert client_for(field["canvasser"]).post(
        url, {"action": "flag", "flagged": "0", "door": door.pk}
    ).status_code in (403, 404)
    c.post(url, {"action": "flag", "flagged": "0", "door": door.pk})
    door.refresh_from_db()
    assert not door.do_not_knock and foreign is not None
