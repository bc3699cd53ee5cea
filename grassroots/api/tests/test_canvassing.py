"""The canvassing API: efforts (read, create, update), turfs, doors and visits (read, filtered),
and the upload of the canvassing app's events — scoped like the screens."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from grassroots.canvassing.models import Effort, SyncRejection, Visit
from grassroots.canvassing.tests.results_data import knock, person_at, worked_effort
from grassroots.lists import services as list_services
from grassroots.testing.matrix import api_client, assert_matrix, snapshot
from grassroots.testing.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

BASE = "/api/v1/"


@pytest.fixture
def worked(geo, users):
    return worked_effort(geo, users, households=10)


def test_schema_has_the_canvassing_endpoints(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/canvass-efforts/", "/api/v1/canvass-efforts/{id}/", "/api/v1/turfs/",
                 "/api/v1/doors/", "/api/v1/visits/", "/api/v1/canvass-sync/"):  # fmt: skip
        assert path in schema["paths"], path
    assert "post" in schema["paths"]["/api/v1/canvass-sync/"]
    assert "patch" in schema["paths"]["/api/v1/canvass-efforts/{id}/"]


def test_read_matrix(worked, users):
    e, door = worked["effort"], worked["doors"][0]
    knock(users["volunteer"], e, door, person=person_at(door), result="refused")
    visit = Visit.objects.get()
    turf = e.turfs.first()
    for url, leak in (
        (f"{BASE}canvass-efforts/{e.pk}/", e.name),
        (f"{BASE}turfs/{turf.pk}/", turf.label),
        (f"{BASE}doors/{door.pk}/", door.label),
        (f"{BASE}visits/{visit.pk}/", visit.event_id),
    ):
        assert_matrix(
            api_client, "get", url,
            users={"anonymous": None, "wrong_role": users["volunteer"],
                   "out_of_scope": worked["other"], "allowed": worked["org"]},
            expect={"anonymous": 401, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
            leaks=[leak], json_errors=True,
        )  # fmt: skip


def test_lists_are_cut_to_the_callers_areas_and_filter_by_effort(worked, users):
    e, doors = worked["effort"], worked["doors"]
    knock(users["volunteer"], e, doors[0], result="not-home")
    org, other = api_client(worked["org"]), api_client(worked["other"])
    assert [r["id"] for r in org.get(f"{BASE}canvass-efforts/").json()["results"]] == [e.pk]
    assert other.get(f"{BASE}canvass-efforts/").json()["results"] == []
    assert org.get(f"{BASE}doors/", {"effort": e.pk}).json()["count"] == 10
    knocked = org.get(f"{BASE}doors/", {"effort": e.pk, "knocked": "true"}).json()
    assert [d["id"] for d in knocked["results"]] == [doors[0].pk]
    assert org.get(f"{BASE}visits/", {"effort": e.pk}).json()["count"] == 1
    assert org.get(f"{BASE}turfs/", {"effort": e.pk}).json()["count"] == e.turfs.count()
    # an effort out of the caller's scope is "not a valid choice", like a missing one
    for path in ("turfs", "doors", "visits"):
        r = other.get(f"{BASE}{path}/", {"effort": e.pk})
        assert r.status_code == 400, (path, r.content)
    since = org.get(f"{BASE}visits/", {"effort": e.pk, "since": "2999-01-01T00:00:00Z"}).json()
    assert since["count"] == 0


def test_create_and_update_an_effort(worked, users, people):
    org = api_client(worked["org"])
    plist = list_services.list_create(
        actor=worked["org"], name="API walk", person_ids=[p.pk for p in worked["people"]]
    )
    body = {"name": "Ward 5 ID", "script": worked["effort"].script_id, "person_list": plist.pk,
            "target_size": 20, "areas": ["IN-WB-AC1-P001"]}  # fmt: skip
    r = org.post(f"{BASE}canvass-efforts/", body, format="json")
    assert r.status_code == 201, r.content
    made = Effort.objects.get(pk=r.json()["id"])
    assert made.name == "Ward 5 ID" and made.target_size == 20 and made.status == "draft"
    assert list(made.areas.values_list("code", flat=True)) == ["IN-WB-AC1-P001"]
    r = org.patch(f"{BASE}canvass-efforts/{made.pk}/", {"name": "Ward 5 ID (2)"}, format="json")
    assert r.status_code == 200, r.content
    made.refresh_from_db()
    assert made.name == "Ward 5 ID (2)" and made.person_list_id == plist.pk
    assert made.areas.count() == 1  # a PATCH keeps what it does not name
    # bad input: a clear 400, nothing made
    bad = org.post(f"{BASE}canvass-efforts/", {"name": "", "script": 999999}, format="json")
    assert bad.status_code == 400 and Effort.objects.count() == 2
    both = org.post(f"{BASE}canvass-efforts/", {**body, "name": "x", "segment": None,
                                                "target_size": 2}, format="json")  # fmt: skip
    assert both.status_code == 400
    # a volunteer may not create one; someone out of scope cannot change it
    assert (
        api_client(users["volunteer"])
        .post(f"{BASE}canvass-efforts/", body, format="json")
        .status_code
        == 403
    )
    assert (
        api_client(worked["other"])
        .patch(f"{BASE}canvass-efforts/{made.pk}/", {"name": "hijacked"}, format="json")
        .status_code
        == 404
    )
    made.refresh_from_db()
    assert made.name == "Ward 5 ID (2)"


def test_sync_upload(worked, users):
    e, doors, vol = worked["effort"], worked["doors"], users["volunteer"]
    c = api_client(vol)
    events = [
        {"id": str(uuid.uuid4()), "type": "visit", "effort": e.pk, "door": doors[0].pk,
         "person": person_at(doors[0]).pk, "result": "refused"},
        {"id": str(uuid.uuid4()), "type": "visit", "effort": e.pk, "door": doors[1].pk,
         "result": "not-home"},
        {"id": str(uuid.uuid4()), "type": "visit", "effort": e.pk, "door": 999999},
    ]  # fmt: skip
    r = c.post(f"{BASE}canvass-sync/", {"events": events}, format="json")
    assert r.status_code == 200, r.content
    assert [x["status"] for x in r.json()["results"]] == ["applied", "applied", "rejected"]
    again = c.post(f"{BASE}canvass-sync/", {"events": events[:2]}, format="json").json()
    assert [x["status"] for x in again["results"]] == ["duplicate", "duplicate"]
    assert Visit.objects.count() == 2 and SyncRejection.objects.count() == 1
    for body in ({"events": "nope"}, {"events": [1, 2]}, {}, [], {"events": [{}] * 1001}):
        bad = c.post(f"{BASE}canvass-sync/", body, format="json")
        assert bad.status_code == 400, (body, bad.content)
        assert "error" in bad.json()
    assert Visit.objects.count() == 2
    assert_matrix(
        api_client, "post", f"{BASE}canvass-sync/",
        users={"anonymous": None, "wrong_role": users["nobody"], "allowed": vol},
        expect={"anonymous": 401, "wrong_role": 403, "allowed": 200},
        data={"events": [{"id": "m-1", "type": "visit", "effort": e.pk, "door": doors[2].pk,
                          "result": "not-home"}]}, format="json",
        unchanged=lambda: snapshot(Visit), json_errors=True,
    )  # fmt: skip


@pytest.mark.parametrize("path", ["visits", "doors", "turfs", "canvass-efforts"])
def test_list_queries_do_not_grow(worked, users, path):
    e, doors, vol = worked["effort"], worked["doors"], users["volunteer"]
    c = api_client(worked["org"])

    def make(count, start):
        for i in range(start, start + count):
            knock(vol, e, doors[i], person=person_at(doors[i]), result="refused")

    assert_constant_queries(make, lambda: c.get(f"{BASE}{path}/"))


def test_a_visit_shows_its_person_only_to_who_may_see_them(worked, users, geo):
    from grassroots.canvassing import services
    from grassroots.testing.users import make_user

    e, door = worked["effort"], worked["doors"][0]
    knock(users["volunteer"], e, door, person=person_at(door), result="refused")
    # a reader scoped to p2 reads a constituency-wide effort, not the p1 people in it
    ac_list = list_services.list_create(
        actor=users["organiser"], name="AC", person_ids=[p.pk for p in worked["people"]]
    )
    wide = services.effort_create(
        actor=users["organiser"], name="AC wide", script=e.script, person_list=ac_list
    )
    services.turfs_cut(actor=users["organiser"], effort=wide)
    turf = wide.turfs.first()
    services.turf_assign(actor=users["organiser"], turf=turf, user=users["volunteer"])
    wide_door = turf.doors.first()
    knock(users["volunteer"], wide, wide_door, person=person_at(wide_door), result="refused")
    reader = make_user("p2_reader", "data_manager", areas=[geo["p2"]])
    rows = api_client(reader).get(f"{BASE}visits/", {"effort": wide.pk}).json()["results"]
    assert len(rows) == 1 and rows[0]["person"] is None
    one = api_client(reader).get(f"{BASE}visits/{rows[0]['id']}/").json()
    assert one["person"] is None
    mine = api_client(users["organiser"]).get(f"{BASE}visits/", {"effort": wide.pk}).json()
    assert mine["results"][0]["person"] == person_at(wide_door).pk


def test_an_efforts_stop_time(worked, users):
    """Canvasser safety: the stop time is read and written as "HH:MM[:SS]"; a PATCH that does
    not name it keeps it."""
    org = api_client(worked["org"])
    url = f"{BASE}canvass-efforts/{worked['effort'].pk}/"
    assert org.get(url).json()["stop_time"] is None
    r = org.patch(url, {"stop_time": "19:00"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["stop_time"].startswith("19:00")
    org.patch(url, {"name": "Renamed"}, format="json")
    worked["effort"].refresh_from_db()
    assert worked["effort"].stop_time.strftime("%H:%M") == "19:00"
    bad = org.patch(url, {"stop_time": "dusk"}, format="json")
    assert bad.status_code == 400 and "stop_time" in bad.json()["error"]["fields"]
    assert org.patch(url, {"stop_time": None}, format="json").status_code == 200
    worked["effort"].refresh_from_db()
    assert worked["effort"].stop_time is None
