"""Efforts, doors, turfs, check-outs and picking up doors, through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from grassroots.canvassing import services
from grassroots.canvassing.models import Assignment, Door, Effort, Target, Turf
from grassroots.canvassing.tests.factories import effort_for, street_of_people
from grassroots.core.access import SYSTEM
from grassroots.core.exceptions import Conflict, Invalid, NotFound
from grassroots.geography import services as geo_services
from grassroots.geography.models import Area
from grassroots.lists import services as lists
from grassroots.people import services as people_services
from grassroots.surveys.tests.factories import ScriptFactory
from grassroots.testing.users import make_user

pytestmark = pytest.mark.django_db


def built(effort, actor=SYSTEM):
    services.effort_build(actor=actor, effort=effort)
    services.turfs_cut(actor=actor, effort=effort)
    effort.refresh_from_db()
    return effort


# --- efforts ----------------------------------------------------------------------------------


def test_effort_create_refuses_bad_input_field_by_field(geo, users):
    script = ScriptFactory(blocks=True, status="active")
    person_list = lists.list_create(actor=SYSTEM, name="L")
    segment_less = {"name": "", "script": None, "target_size": 2, "checkout_days": 0}
    with pytest.raises(Invalid) as exc:
        services.effort_create(actor=users["manager"], **segment_less)
    errors = exc.value.message_dict
    assert {"name", "script", "segment", "target_size", "checkout_days"} <= set(errors)
    with pytest.raises(Invalid) as exc:
        services.effort_create(
            actor=users["manager"],
            name="Both",
            script=script,
            person_list=person_list,
            starts_on=dt.date(2026, 12, 10),
            ends_on=dt.date(2026, 12, 1),
        )
    assert "ends_on" in exc.value.message_dict
    assert not Effort.objects.exists()


def test_effort_needs_manage_and_takes_the_authors_area(geo, users):
    script = ScriptFactory(blocks=True, status="active")
    person_list = lists.list_create(actor=users["organiser"], name="L")
    from grassroots.core.exceptions import Forbidden

    with pytest.raises(Forbidden):
        services.effort_create(
            actor=users["volunteer"], name="X", script=script, person_list=person_list
        )
    effort = services.effort_create(
        actor=users["organiser"], name="X", script=script, person_list=person_list
    )
    assert effort.area == geo["ac"]
    other_ac = geo_services.area_create(
        actor=SYSTEM, kind=geo["ac"].kind, code="IN-WB-AC2", name="Other", parent=geo["state"]
    )
    stranger = make_user("stranger", "field_organiser", areas=[other_ac])
    assert not Effort.objects.visible_to(stranger).filter(pk=effort.pk).exists()


# --- building doors ---------------------------------------------------------------------------


def test_build_makes_one_door_per_address_with_households_as_units(geo, users):
    people = street_of_people(geo["p1"], 6)
    # two flats of one building: same house and street, another line 2 → one door, two units
    flat_a = people_services.household_create(
        actor=SYSTEM,
        address={"house_number": "40", "street": "Lake Road", "line2": "Flat 1", "city": "Kolkata",
                 "latitude": 22.52, "longitude": 88.351},
        area=geo["p1"],
    )  # fmt: skip
    flat_b = people_services.household_create(
        actor=SYSTEM,
        address={"house_number": "40", "street": "Lake Road", "line2": "Flat 2", "city": "Kolkata",
                 "latitude": 22.52, "longitude": 88.351},
        area=geo["p1"],
    )  # fmt: skip
    for i, hh in enumerate([flat_a, flat_b]):
        people.append(
            people_services.person_create(
                actor=SYSTEM,
                data={"given_name": f"Flat{i}", "area": geo["p1"], "household": hh},
            )
        )
    effort = effort_for(people)
    counts = services.effort_build(actor=SYSTEM, effort=effort)
    assert counts["doors"] == 7
    assert counts["people"] == len(people)
    building = Door.objects.get(effort=effort, house_number="40")
    assert building.units == 2
    assert building.targets.count() == 2
    assert Target.objects.filter(effort=effort).count() == len(people)


def test_build_places_doors_without_coordinates_at_the_area_centre_or_says_why_not(geo, users):
    people = street_of_people(geo["p1"], 3, coordinates=False)
    people += street_of_people(geo["p2"], 2, coordinates=False, street="Hill Road")
    Area.objects.filter(pk=geo["p1"].pk).update(latitude=22.5, longitude=88.3)
    effort = effort_for(people)
    counts = services.effort_build(actor=SYSTEM, effort=effort)
    assert counts["at_area_centre"] == 3
    assert counts["not_on_map"] == 2
    hill = Door.objects.filter(effort=effort, street="Hill Road")
    assert all(d.latitude is None and "no coordinates" in d.unplaced_reason for d in hill)
    summary = services.turfs_cut(actor=SYSTEM, effort=effort)
    assert summary["unplaced"] == 2
    assert Door.objects.filter(effort=effort, turf__isnull=True).count() == 2


def test_build_leaves_out_do_not_contact_moved_and_people_outside_the_areas(geo, users):
    people = street_of_people(geo["p1"], 4) + street_of_people(geo["p2"], 2, street="Hill Road")
    people_services.person_update(actor=SYSTEM, person=people[0], data={"do_not_contact": True})
    people_services.person_update(actor=SYSTEM, person=people[1], data={"status": "moved"})
    effort = effort_for(people, areas=[geo["p1"]])
    services.effort_build(actor=SYSTEM, effort=effort)
    ids = set(Target.objects.filter(effort=effort).values_list("person_id", flat=True))
    assert people[0].pk not in ids and people[1].pk not in ids
    assert not Door.objects.filter(effort=effort, street="Hill Road").exists()


def test_an_empty_audience_is_a_clear_error(geo, users):
    effort = effort_for([])
    with pytest.raises(Conflict, match="Nobody to canvass"):
        services.effort_build(actor=SYSTEM, effort=effort)


# --- cutting ----------------------------------------------------------------------------------


def test_cut_makes_turfs_in_the_band_each_in_walk_order(geo, users):
    effort = built(effort_for(street_of_people(geo["p1"], 40), target_size=10))
    turfs = list(Turf.objects.filter(effort=effort))
    assert len(turfs) == 4
    assert all(9 <= t.doors_count <= 11 for t in turfs)
    for turf in turfs:
        positions = list(turf.doors.order_by("position").values_list("position", flat=True))
        assert positions == list(range(len(positions)))
        assert turf.hull["type"] == "Polygon"  # a one-side turf gets a thin outline
    assert effort.cut_summary["out_of_band"] == 0
    assert not Door.objects.filter(effort=effort, turf__isnull=True).exists()


def test_cut_keeps_each_turf_inside_one_booth(geo, users):
    people = street_of_people(geo["p1"], 12) + street_of_people(
        geo["p2"], 12, street="Lake Road East", lon=88.3513
    )
    effort = built(effort_for(people, target_size=6))
    for turf in Turf.objects.filter(effort=effort):
        assert set(turf.doors.values_list("area_id", flat=True)) == {turf.area_id}


def test_recut_keeps_locked_and_checked_out_turfs(geo, users):
    effort = built(effort_for(street_of_people(geo["p1"], 40), target_size=10))
    locked, held = Turf.objects.filter(effort=effort)[:2]
    services.turf_lock(actor=SYSTEM, turf=locked, locked=True)
    services.turf_assign(actor=SYSTEM, turf=held, user=users["volunteer"])
    locked_doors = set(locked.doors.values_list("pk", flat=True))
    held_doors = set(held.doors.values_list("pk", flat=True))
    summary = services.turfs_cut(actor=SYSTEM, effort=effort)
    assert summary["kept"] == 2
    assert set(Turf.objects.get(pk=locked.pk).doors.values_list("pk", flat=True)) == locked_doors
    assert set(Turf.objects.get(pk=held.pk).doors.values_list("pk", flat=True)) == held_doors
    assert Turf.objects.filter(effort=effort).count() == 4


# --- editing turfs ----------------------------------------------------------------------------


def test_carve_merge_and_move_doors(geo, users):
    effort = built(effort_for(street_of_people(geo["p1"], 30), target_size=10))
    a, b, c = Turf.objects.filter(effort=effort)
    # carve: a box around the first few doors of the street
    door = Door.objects.filter(effort=effort).order_by("longitude").first()
    box = [
        [door.longitude - 0.0001, door.latitude - 0.001],
        [door.longitude + 0.0003, door.latitude - 0.001],
        [door.longitude + 0.0003, door.latitude + 0.001],
        [door.longitude - 0.0001, door.latitude + 0.001],
    ]
    drawn = services.turf_carve(actor=SYSTEM, effort=effort, polygon=box, name="Corner")
    assert drawn.kind == Turf.Kind.DRAWN and drawn.doors_count >= 2
    assert door.pk in set(drawn.doors.values_list("pk", flat=True))
    total = Door.objects.filter(effort=effort).count()
    assert sum(t.doors_count for t in Turf.objects.filter(effort=effort)) == total

    remaining = [t for t in Turf.objects.filter(effort=effort).exclude(pk=drawn.pk)]
    into, other = remaining[0], remaining[1]
    merged = services.turfs_merge(actor=SYSTEM, into=into, other=other)
    assert not Turf.objects.filter(pk=other.pk).exists()
    assert merged.doors_count == into.doors.count()

    moving = list(merged.doors.order_by("position")[:2])
    services.doors_move(actor=SYSTEM, doors=moving, to=drawn)
    assert set(drawn.doors.values_list("pk", flat=True)) >= {d.pk for d in moving}
    drawn.refresh_from_db()
    assert list(drawn.doors.order_by("position").values_list("position", flat=True)) == list(
        range(drawn.doors_count)
    )


def test_a_locked_turf_refuses_edits_and_a_bad_shape_is_a_clear_error(geo, users):
    effort = built(effort_for(street_of_people(geo["p1"], 20), target_size=10))
    a, b = Turf.objects.filter(effort=effort)
    services.turf_lock(actor=SYSTEM, turf=a, locked=True)
    with pytest.raises(Conflict, match="locked"):
        services.turfs_merge(actor=SYSTEM, into=b, other=a)
    for shape in ([], [[1, 2]], "nonsense", [[0, 0], [1, "x"], [2, 2]], [[0, 0], [500, 1], [2, 2]]):
        with pytest.raises(Invalid):
            services.turf_carve(actor=SYSTEM, effort=effort, polygon=shape)
    with pytest.raises(Invalid):  # a shape in the sea
        services.turf_carve(actor=SYSTEM, effort=effort, polygon=[[0, 0], [0.1, 0], [0.1, 0.1]])


# --- check out --------------------------------------------------------------------------------


def test_assign_checks_the_canvasser_can_work_the_turf(geo, users):
    people = street_of_people(geo["p1"], 10) + street_of_people(
        geo["p2"], 10, street="Hill Road", lon=88.36
    )
    effort = built(effort_for(people, actor=users["organiser"], target_size=10))
    assert effort.area == geo["ac"]
    p1_turf = Turf.objects.get(effort=effort, area=geo["p1"])
    p2_turf = Turf.objects.get(effort=effort, area=geo["p2"])
    a = services.turf_assign(actor=users["organiser"], turf=p1_turf, user=users["volunteer"])
    again = services.turf_assign(actor=users["organiser"], turf=p1_turf, user=users["volunteer"])
    assert a.pk == again.pk  # a double click checks out once
    assert a.due_at - a.checked_out_at == dt.timedelta(days=3)
    p1_turf.refresh_from_db()
    assert p1_turf.status == Turf.Status.ASSIGNED
    with pytest.raises(Invalid, match="cannot canvass"):  # p2 is outside the volunteer's scope
        services.turf_assign(actor=users["organiser"], turf=p2_turf, user=users["volunteer"])
    with pytest.raises(Invalid, match="cannot canvass"):  # no canvassing role
        services.turf_assign(actor=users["organiser"], turf=p1_turf, user=users["auditor"])


def test_release_by_the_canvasser_and_expiry(geo, users):
    effort = built(effort_for(street_of_people(geo["p1"], 20), target_size=10))
    t1, t2 = Turf.objects.filter(effort=effort)
    a1 = services.turf_assign(actor=SYSTEM, turf=t1, user=users["volunteer"])
    a2 = services.turf_assign(actor=SYSTEM, turf=t2, user=users["volunteer"], days=1)
    services.assignment_release(actor=users["volunteer"], assignment=a1)
    t1.refresh_from_db()
    assert t1.status == Turf.Status.OPEN
    other = make_user("other_volunteer", "volunteer", areas=[geo["p1"]])
    from grassroots.core.exceptions import Forbidden

    with pytest.raises((Forbidden, NotFound)):
        services.assignment_release(actor=other, assignment=a2)
    assert services.assignments_expire(timezone.now() + dt.timedelta(hours=1)) == 0
    assert services.assignments_expire(timezone.now() + dt.timedelta(days=1, minutes=1)) == 1
    a2.refresh_from_db()
    assert a2.released_at is not None and a2.released_by is None


def test_closing_an_effort_releases_its_turfs(geo, users):
    effort = built(effort_for(street_of_people(geo["p1"], 10), target_size=10))
    turf = Turf.objects.get(effort=effort)
    services.turf_assign(actor=SYSTEM, turf=turf, user=users["volunteer"])
    services.effort_set_status(actor=SYSTEM, effort=effort, status="closed")
    assert not Assignment.objects.filter(turf=turf, released_at__isnull=True).exists()
    with pytest.raises(Conflict):
        services.turf_assign(actor=SYSTEM, turf=turf, user=users["volunteer"])


# --- picking up doors nearby -------------------------------------------------------------------


def test_pick_up_gives_the_nearest_unworked_doors_and_never_twice(geo, users):
    effort = built(effort_for(street_of_people(geo["p1"], 30), target_size=10))
    with pytest.raises(Conflict, match="not running"):
        services.doors_pick_up(actor=users["volunteer"], effort=effort, lat=22.52, lon=88.35)
    services.effort_set_status(actor=SYSTEM, effort=effort, status="active")
    start = Door.objects.filter(effort=effort).order_by("longitude").first()
    mine = services.doors_pick_up(
        actor=users["volunteer"], effort=effort, lat=start.latitude, lon=start.longitude, count=5
    )
    doors = list(mine.turf.doors.all())
    assert len(doors) == 5 and start in doors
    assert mine.turf.kind == Turf.Kind.PICKUP and mine.user == users["volunteer"]
    other = make_user("other_volunteer", "volunteer", areas=[geo["p1"]])
    theirs = services.doors_pick_up(
        actor=other, effort=effort, lat=start.latitude, lon=start.longitude, count=5
    )
    assert not set(theirs.turf.doors.values_list("pk", flat=True)) & {d.pk for d in doors}
    with pytest.raises(Invalid):
        services.doors_pick_up(actor=other, effort=effort, lat="north", lon=88.35)
    with pytest.raises(Conflict, match="No unworked doors"):
        services.doors_pick_up(actor=other, effort=effort, lat=10.0, lon=10.0)


def test_doors_of_a_booths_sections_are_grouped_by_the_booth(geo, users):
    section = geo_services.area_kind_ensure(code="section", name="Section", sort_order=6)
    s1 = geo_services.area_create(
        actor=SYSTEM, kind=section, code="IN-WB-AC1-P001-S1", name="S1", parent=geo["p1"]
    )
    s2 = geo_services.area_create(
        actor=SYSTEM, kind=section, code="IN-WB-AC1-P001-S2", name="S2", parent=geo["p1"]
    )
    people = street_of_people(s1, 7) + street_of_people(s2, 7, street="Lake Lane", lon=88.3508)
    effort = built(effort_for(people, target_size=7))
    assert set(Door.objects.filter(effort=effort).values_list("area_id", flat=True)) == {
        geo["p1"].pk
    }
    turfs = Turf.objects.filter(effort=effort)
    assert turfs.count() == 2 and {t.area_id for t in turfs} == {geo["p1"].pk}
    assert effort.cut_summary["out_of_band"] == 0


def test_a_closed_effort_keeps_its_turfs_as_they_are(geo, users):
    effort = built(effort_for(street_of_people(geo["p1"], 20), target_size=10))
    a, b = Turf.objects.filter(effort=effort)
    services.effort_set_status(actor=SYSTEM, effort=effort, status="closed")
    a.refresh_from_db()
    for change in (
        lambda: services.turf_lock(actor=SYSTEM, turf=a, locked=True),
        lambda: services.turf_rename(actor=SYSTEM, turf=a, name="New"),
        lambda: services.turf_set_done(actor=SYSTEM, turf=a),
        lambda: services.turfs_merge(actor=SYSTEM, into=a, other=b),
    ):
        with pytest.raises(Conflict, match="closed"):
            change()
    a.refresh_from_db()
    assert (a.locked, a.name, a.status) == (False, "", Turf.Status.OPEN)
