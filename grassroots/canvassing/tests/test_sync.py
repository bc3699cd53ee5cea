"""The canvassing app's uploads: each event applied once, nothing lost (ADR 0022)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from grassroots.canvassing import services, sync
from grassroots.canvassing.models import Door, SyncRejection, Target, Turf, Visit
from grassroots.canvassing.tests.factories import effort_for, street_of_people
from grassroots.core.access import SYSTEM
from grassroots.core.exceptions import Forbidden, Invalid
from grassroots.people.models import Interaction, Person
from grassroots.surveys.models import Attempt, Response
from grassroots.testing.users import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def field(geo, users):
    """An active effort of 20 doors in part 1, cut in two turfs; the volunteer holds the first."""
    effort = effort_for(street_of_people(geo["p1"], 20), actor=users["organiser"], target_size=10)
    services.effort_build(actor=SYSTEM, effort=effort)
    services.turfs_cut(actor=SYSTEM, effort=effort)
    services.effort_set_status(actor=SYSTEM, effort=effort, status="active")
    turf, other = Turf.objects.filter(effort=effort)
    services.turf_assign(actor=users["organiser"], turf=turf, user=users["volunteer"])
    doors = list(turf.doors.order_by("position"))
    questions = {b.label: b for b in effort.script.blocks.exclude(kind="text")}
    return {"effort": effort, "turf": turf, "other": other, "doors": doors, "q": questions}


def visit(field, door, person=None, **extra):
    event = {
        "id": str(uuid.uuid4()),
        "type": "visit",
        "effort": field["effort"].pk,
        "door": door.pk,
        "at": (timezone.now() - dt.timedelta(minutes=30)).isoformat(),
    }
    if person is not None:
        event["person"] = person
    event.update(extra)
    return event


def first_person(door):
    return door.targets.order_by("person_id").first().person_id


def statuses(answer):
    return [r["status"] for r in answer["results"]]


def test_a_visit_records_answers_interaction_and_the_doors_state(field, users):
    door = field["doors"][0]
    pid = first_person(door)
    support = field["q"]["Support"]
    out = sync.sync(
        actor=users["volunteer"],
        events_in=[visit(field, door, pid, answers={str(support.pk): 2}, lat=22.52, lon=88.35)],
    )
    assert statuses(out) == ["applied"]
    v = Visit.objects.get()
    assert v.person_id == pid and v.contacted and v.canvasser == users["volunteer"]
    assert v.attempt.channel == "door"
    latest = Response.objects.get(person_id=pid, question=support, is_latest=True)
    assert latest.number == 2
    assert Person.objects.get(pk=pid).support_score == 2
    assert Interaction.objects.filter(person_id=pid, channel="door").count() == 1
    assert Person.objects.get(pk=pid).last_contacted_at == v.recorded_at
    door.refresh_from_db()
    assert door.knocks == 1 and door.last_result == "contact"


def test_not_home_at_a_door_is_logged_for_each_person_there(field, users):
    door = next(d for d in field["doors"] if d.targets.count() == 2)
    out = sync.sync(actor=users["volunteer"], events_in=[visit(field, door, result="not-home")])
    assert statuses(out) == ["applied"]
    v = Visit.objects.get()
    assert v.person_id is None and not v.contacted
    people = set(door.targets.values_list("person_id", flat=True))
    assert set(Attempt.objects.values_list("person_id", flat=True)) == people
    assert set(Attempt.objects.values_list("result_code__code", flat=True)) == {"not-home"}
    door.refresh_from_db()
    assert door.last_result == "not-home"
    # on the timeline, but nobody was reached: "last contacted" stays as it was
    assert Interaction.objects.filter(person_id__in=people, outcome="not-home").count() == 2
    assert not Person.objects.filter(pk__in=people, last_contacted_at__isnull=False).exists()


def test_replayed_and_overlapping_batches_store_each_event_once(field, users):
    events = [
        visit(field, d, first_person(d), answers={str(field["q"]["Support"].pk): 1})
        for d in field["doors"][:5]
    ]
    first = sync.sync(actor=users["volunteer"], events_in=events[:3], device="phone-1")
    second = sync.sync(actor=users["volunteer"], events_in=list(reversed(events)))
    assert statuses(first) == ["applied"] * 3
    assert sorted(statuses(second)) == ["applied"] * 2 + ["duplicate"] * 3
    third = sync.sync(actor=users["volunteer"], events_in=events + events)
    assert set(statuses(third)) == {"duplicate"}
    assert Visit.objects.count() == 5
    assert Visit.objects.filter(device_id="phone-1").count() == 3  # the first to store them
    assert Attempt.objects.count() == 5
    assert Interaction.objects.filter(channel="door").count() == 5
    assert sum(Door.objects.filter(effort=field["effort"]).values_list("knocks", flat=True)) == 5


def test_a_person_added_at_the_door_and_their_answers_in_any_order(field, users):
    door = field["doors"][0]
    person_event = {
        "id": str(uuid.uuid4()),
        "type": "person",
        "effort": field["effort"].pk,
        "door": door.pk,
        "given_name": "Mitali",
        "family_name": "Ghosh",
        "age": "41",
        "phone": "not a phone",
    }
    answer = visit(
        field, door, person_event=person_event["id"],
        answers={str(field["q"]["Support"].pk): 1},
    )  # fmt: skip
    early = sync.sync(actor=users["volunteer"], events_in=[answer])  # the visit came first
    assert statuses(early) == ["retry"]
    assert not Visit.objects.exists() and not SyncRejection.objects.exists()
    out = sync.sync(actor=users["volunteer"], events_in=[answer, person_event])
    assert statuses(out) == ["applied", "applied"]
    person_result = out["results"][1]
    assert any("not a phone" in note for note in person_result["notes"])  # that value only
    mitali = Person.objects.get(given_name="Mitali")
    assert mitali.age == 41
    assert mitali.household_id == Person.objects.get(pk=first_person(door)).household_id
    assert Target.objects.get(person=mitali).door == door
    assert Visit.objects.get().person == mitali
    again = sync.sync(actor=users["volunteer"], events_in=[person_event])
    assert statuses(again) == ["duplicate"]
    assert Person.objects.filter(given_name="Mitali").count() == 1


def test_a_new_door_in_the_field_and_a_visit_to_it(field, users):
    door_event = {
        "id": str(uuid.uuid4()),
        "type": "door",
        "effort": field["effort"].pk,
        "turf": field["turf"].pk,
        "house_number": "7A",
        "street": "Lake Road",
        "lat": 22.5201,
        "lon": 88.3502,
    }
    knock = visit(field, field["doors"][0], result="not-home")
    knock["door"] = door_event["id"]
    out = sync.sync(actor=users["volunteer"], events_in=[knock, door_event])
    assert statuses(out) == ["applied", "applied"]
    new = Door.objects.get(key=f"field:{door_event['id']}")
    assert new.added_in_field and new.turf == field["turf"] and new.knocks == 1


def test_what_cannot_be_applied_is_rejected_with_the_reason_and_kept(field, users):
    other_door = field["other"].doors.first()
    stranger = make_user("walker", "volunteer", areas=[field["turf"].area])
    events = [
        visit(field, field["doors"][0], 999_999_999),  # not at this door
        {"id": "x1", "type": "visit", "effort": field["effort"].pk, "door": 123_456_789},
        {"id": "x2", "type": "teleport", "effort": field["effort"].pk},
        {"type": "visit", "effort": field["effort"].pk, "door": other_door.pk},  # no id
        "not even an object",
    ]
    out = sync.sync(actor=users["volunteer"], events_in=events)
    assert statuses(out) == ["rejected"] * 5
    assert all(r["reason"] for r in out["results"])
    assert SyncRejection.objects.count() == 5
    assert not Visit.objects.exists()
    # someone who never held a turf of the effort
    foreign = sync.sync(
        actor=stranger, events_in=[visit(field, other_door, first_person(other_door))]
    )
    assert statuses(foreign) == ["rejected"]
    assert "do not hold" in foreign["results"][0]["reason"]
    kept = SyncRejection.objects.get(user=stranger)
    assert kept.payload["door"] == other_door.pk


def test_a_turf_given_back_while_offline_still_takes_the_work_done(field, users):
    assignment = field["turf"].assignments.get()
    services.assignment_release(actor=users["organiser"], assignment=assignment)
    door = field["doors"][1]
    out = sync.sync(actor=users["volunteer"], events_in=[visit(field, door, first_person(door))])
    assert statuses(out) == ["applied"]


def test_clock_skew_and_answers_to_a_question_no_longer_in_the_script(field, users):
    door = field["doors"][2]
    ahead = (timezone.now() + dt.timedelta(hours=5)).isoformat()
    out = sync.sync(
        actor=users["volunteer"],
        events_in=[
            visit(
                field, door, first_person(door), at=ahead,
                answers={"424242": "yes", str(field["q"]["Support"].pk): 9},
            )
        ],
    )  # fmt: skip
    assert statuses(out) == ["applied"]
    v = Visit.objects.get()
    assert v.device_time is not None and v.recorded_at <= timezone.now()
    assert "clock" in v.errors["at"]
    assert set(v.errors["answers"]) == {"424242", str(field["q"]["Support"].pk)}
    assert v.errors["raw_answers"]["424242"] == "yes"  # what was typed is kept


def test_sync_needs_the_canvass_capability_and_a_list(field, users):
    with pytest.raises(Forbidden):
        sync.sync(actor=users["auditor"], events_in=[])
    with pytest.raises(Invalid):
        sync.sync(actor=users["volunteer"], events_in={"id": "x"})
    with pytest.raises(Invalid):
        sync.sync(actor=users["volunteer"], events_in=[{}] * (sync.MAX_EVENTS + 1))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_devices_uploading_the_same_events_at_once_store_them_once(geo, users):
    effort = effort_for(street_of_people(geo["p1"], 10), actor=users["organiser"], target_size=10)
    services.effort_build(actor=SYSTEM, effort=effort)
    services.turfs_cut(actor=SYSTEM, effort=effort)
    turf = Turf.objects.get(effort=effort)
    services.turf_assign(actor=SYSTEM, turf=turf, user=users["volunteer"])
    f = {"effort": effort}
    events = [visit(f, d, first_person(d)) for d in turf.doors.all()]
    errors = []

    def upload():
        try:
            sync.sync(actor=users["volunteer"], events_in=events)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Visit.objects.count() == 10
    assert Attempt.objects.count() == 10


def test_a_door_in_a_turf_the_canvasser_never_held_is_rejected_and_kept(field, users):
    other_door = field["other"].doors.first()
    out = sync.sync(
        actor=users["volunteer"], events_in=[visit(field, other_door, first_person(other_door))]
    )
    assert statuses(out) == ["rejected"]
    assert "not in a turf you hold" in out["results"][0]["reason"]
    assert SyncRejection.objects.get().payload["door"] == other_door.pk
    assert not Visit.objects.exists()
    # a door the organiser moved out of the canvasser's turf after the download still counts
    door = field["doors"][3]
    services.doors_move(actor=SYSTEM, doors=[door], to=field["other"])
    moved = visit(field, door, first_person(door), turf=field["turf"].pk)
    assert statuses(sync.sync(actor=users["volunteer"], events_in=[moved])) == ["applied"]
    # the organiser may record anywhere in their effort
    out = sync.sync(
        actor=users["organiser"], events_in=[visit(field, other_door, first_person(other_door))]
    )
    assert statuses(out) == ["applied"]


def test_a_turf_checked_out_to_a_team_is_worked_by_its_members(field, users, geo):
    from grassroots.canvassing import selectors_app
    from grassroots.volunteers.tests.factories import TeamFactory, VolunteerFactory

    member = make_user("team_walker", "volunteer", areas=[geo["p1"]])
    profile = VolunteerFactory(area=geo["p1"], user=member)
    team = TeamFactory(name="Lake Road walkers", area=geo["p1"], members=[profile])
    services.turf_assign(actor=users["organiser"], turf=field["other"], team=team)
    mine = selectors_app.my_turfs(actor=member)["turfs"]
    assert [t["id"] for t in mine] == [field["other"].pk]
    door = field["other"].doors.order_by("position").first()
    out = sync.sync(actor=member, events_in=[visit(field, door, first_person(door))])
    assert statuses(out) == ["applied"]
    # someone outside the team still cannot record there
    outsider = make_user("not_in_team", "volunteer", areas=[geo["p1"]])
    services.turf_assign(actor=users["organiser"], turf=field["turf"], user=outsider)
    out = sync.sync(actor=outsider, events_in=[visit(field, door, first_person(door))])
    assert statuses(out) == ["rejected"]
