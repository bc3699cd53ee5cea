"""The canvassing app's server side: the shell, service worker and manifest, my turfs, a turf's
package (constant queries), give back, pick up, and the sync endpoint (replays, reordering,
clock skew, unknown questions, a person event after the visit naming it, a turf not held)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.canvassing import services
from grassroots.canvassing.models import Door, SyncRejection, Target, Turf, Visit
from grassroots.canvassing.tests.factories import effort_for, street_of_people
from grassroots.core.access import SYSTEM
from grassroots.people.models import Interaction, Person
from grassroots.surveys.models import Attempt, Response
from grassroots.testing.queries import assert_constant_queries
from grassroots.testing.users import make_user

pytestmark = pytest.mark.django_db


def _setup(geo, users, n=24, assign=True, name="Lake Road ID", prefix=""):
    people = street_of_people(geo["p1"], n, prefix=prefix)
    effort = effort_for(people, name=name)
    services.turfs_cut(actor=SYSTEM, effort=effort)
    services.effort_set_status(actor=SYSTEM, effort=effort, status="active")
    turf = Turf.objects.filter(effort=effort).order_by("number").first()
    if assign:
        services.turf_assign(actor=SYSTEM, turf=turf, user=users["volunteer"])
    return effort, turf


def _blocks(effort):
    return {b.label or "intro": b for b in effort.script.blocks.all()}


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def _visit(effort, door, person=None, **extra):
    ev = {"id": str(uuid.uuid4()), "type": "visit", "effort": effort.pk, "door": door.pk,
          "at": timezone.now().isoformat()}  # fmt: skip
    if person is not None:
        ev["person"] = person
    ev.update(extra)
    return ev


# --- shell, service worker, manifest ------------------------------------------------------


def test_shell_needs_sign_in_and_canvass(client_for, users):
    url = reverse("canvassing:app")
    assert client_for(None).get(url).status_code == 302
    assert client_for(users["nobody"]).get(url).status_code == 403
    r = client_for(users["volunteer"]).get(url)
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="cv-strings"' in body and "canvass/app.js" in body
    assert "manifest.webmanifest" in body
    assert "<script>" not in body  # no inline script (CSP): only data in json_script


def test_shell_is_in_the_users_language(client_for, users):
    c = client_for(users["volunteer"])
    r = c.get(reverse("canvassing:app"), HTTP_ACCEPT_LANGUAGE="bn")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'lang="bn"' in body and "এখনই সিঙ্ক করুন" in body  # "Sync now", in Bengali
    strings = json.loads(body.split('id="cv-strings" type="application/json">')[1].split("<")[0])
    assert strings["save"] == "সাক্ষাৎ সংরক্ষণ করুন"


def test_service_worker_scope_and_manifest(client):
    r = client.get(reverse("canvassing:app-sw"))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/javascript")
    assert r["Service-Worker-Allowed"] == "/canvass/"
    body = r.content.decode()
    assert '"/canvass/"' in body and "canvass/app.js" in body
    m = client.get(reverse("canvassing:app-manifest"))
    data = json.loads(m.content)
    assert data["start_url"] == "/canvass/" and data["display"] == "standalone"
    sizes = {i["sizes"] for i in data["icons"]}
    assert {"192x192", "512x512"} <= sizes


# --- my turfs, packages: the access matrix --------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("nobody", 403), ("auditor", 403), ("volunteer", 200), ("organiser", 200)],
)
def test_turfs_matrix(client_for, geo, users, who, status):
    _setup(geo, users)
    r = client_for(users[who] if who else None).get(reverse("canvassing:app-turfs"))
    assert r.status_code == status
    data = r.json()
    if status == 200:
        held = [t["id"] for t in data["turfs"]]
        assert (len(held) == 1) == (who == "volunteer")
    else:
        assert data["error"]


def test_package_matrix(client_for, geo, users):
    effort, turf = _setup(geo, users)
    other = Turf.objects.filter(effort=effort).exclude(pk=turf.pk).first()
    url = reverse("canvassing:app-turf", args=[turf.pk])
    assert client_for(users["volunteer"]).get(url).status_code == 200
    # another canvasser's turf, a turf nobody holds, a manager who does not hold it: 404
    second = make_user("second", "volunteer", areas=[geo["p1"]])
    assert client_for(second).get(url).status_code == 404
    assert (
        client_for(users["volunteer"])
        .get(reverse("canvassing:app-turf", args=[other.pk]))
        .status_code
        == 404
    )
    assert client_for(users["manager"]).get(url).status_code == 404
    assert client_for(users["nobody"]).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 401
    assert (
        client_for(users["volunteer"])
        .get(reverse("canvassing:app-turf", args=[999999]))
        .status_code
        == 404
    )


def test_out_of_scope_turf_is_404(client_for, geo, users):
    """A canvasser whose area is p2 holds nothing in p1: even an assignment made to them
    would be refused, and the turf is not found."""
    _effort, turf = _setup(geo, users)
    outsider = make_user("outsider", "volunteer", areas=[geo["p2"]])
    r = client_for(outsider).get(reverse("canvassing:app-turf", args=[turf.pk]))
    assert r.status_code == 404
    r = _post(client_for(outsider), reverse("canvassing:app-release", args=[turf.pk]), {})
    assert r.status_code == 404


def test_package_content(client_for, geo, users):
    effort, turf = _setup(geo, users)
    blocks = _blocks(effort)
    door = Door.objects.filter(turf=turf).order_by("position").first()
    person = Target.objects.filter(door=door).first().person
    # a prior answer, and a partner's knock on another door
    from grassroots.surveys import services as surveys

    surveys.responses_record(
        actor=SYSTEM, person=person, script=effort.script, answers={str(blocks["Issue"].pk): "jobs"},
        channel="phone", attempt_key="prior-1", result_code="not-home",
    )  # fmt: skip
    partner = make_user("partner", "volunteer", areas=[geo["p1"]])
    services.turf_assign(actor=SYSTEM, turf=turf, user=partner)
    door2 = Door.objects.filter(turf=turf).order_by("position")[1]
    from grassroots.canvassing import sync

    out = sync.sync(actor=partner, events_in=[_visit(effort, door2, result="not-home")])
    assert out["results"][0]["status"] == "applied"

    data = client_for(users["volunteer"]).get(reverse("canvassing:app-turf", args=[turf.pk])).json()
    assert [d["position"] for d in data["doors"]] == sorted(d["position"] for d in data["doors"])
    assert len(data["doors"]) == turf.doors_count
    first = data["doors"][0]
    assert first["id"] == door.pk and first["lat"] and first["people"]
    p = next(x for x in data["people"] if x["id"] == person.pk)
    assert p["latest"][str(blocks["Issue"].pk)] == "jobs"
    assert p["last_result"] == "not-home" and p["age"] in (29, 30, 54, 55)
    issue = next(b for b in data["script"]["blocks"] if b["id"] == blocks["Issue"].pk)
    assert {"en", "bn", "hi", "it"} <= set(data["script"]["languages"])
    assert issue["choices"][0]["label"]["bn"] == "চাকরি"
    assert issue["choices"][0]["label"]["en"] == "Jobs"
    intro = data["script"]["blocks"][0]
    assert intro["text"]["bn"].startswith("নমস্কার")
    codes = {c["code"]: c for c in data["codes"]}
    assert "not-home" in codes and codes["not-home"]["name"]["en"]
    assert data["partners"] == [{"door": door2.pk, "knocks": 1, "at": data["partners"][0]["at"]}]


def test_package_constant_queries(client_for, geo, users):
    effort, turf = _setup(geo, users, n=2)
    c = client_for(users["volunteer"])
    url = reverse("canvassing:app-turf", args=[turf.pk])
    made = {"n": 0}

    def add(count, start):
        for _i in range(count):
            made["n"] += 1
            n = made["n"]
            ev = {"id": f"door-{n}", "type": "door", "effort": effort.pk, "turf": turf.pk,
                  "house_number": str(100 + n), "street": "New Lane"}  # fmt: skip
            from grassroots.canvassing import sync

            sync.sync(actor=users["volunteer"], events_in=[ev, {
                "id": f"p-{n}", "type": "person", "effort": effort.pk, "door": f"door-{n}",
                "given_name": f"New{n}"}])  # fmt: skip

    assert_constant_queries(add, lambda: c.get(url), sizes=(2, 8),
                            shown=lambda r: len(r.json()["doors"]))  # fmt: skip


# --- give back, pick up ------------------------------------------------------------------


def test_release_my_turf(client_for, geo, users):
    _effort, turf = _setup(geo, users)
    c = client_for(users["volunteer"])
    url = reverse("canvassing:app-release", args=[turf.pk])
    assert c.get(url).status_code == 405
    r = _post(c, url, {})
    assert r.status_code == 200 and r.json()["released"]
    assert c.get(reverse("canvassing:app-turfs")).json()["turfs"] == []
    assert _post(c, url, {}).status_code == 404


def test_pick_up_doors_near_me(client_for, geo, users):
    effort, _turf = _setup(geo, users, assign=False)
    c = client_for(users["volunteer"])
    url = reverse("canvassing:app-pickup")
    r = _post(c, url, {"effort": effort.pk, "lat": 22.52, "lon": 88.35, "count": 3})
    assert r.status_code == 201, r.content
    turf_id = r.json()["turf"]
    assert c.get(reverse("canvassing:app-turf", args=[turf_id])).status_code == 200
    assert _post(c, url, {"effort": 999999, "lat": 22.52, "lon": 88.35}).status_code == 404
    bad = _post(c, url, {"effort": effort.pk, "lat": "north", "lon": 88.35})
    assert bad.status_code == 400 and bad.json()["error"]


# --- sync endpoint --------------------------------------------------------------------------


def test_sync_endpoint_applies_once_and_answers_per_event(client_for, geo, users):
    effort, turf = _setup(geo, users)
    blocks = _blocks(effort)
    doors = list(Door.objects.filter(turf=turf).order_by("position")[:3])
    people = [Target.objects.filter(door=d).first().person_id for d in doors]
    events = [
        _visit(effort, d, p, result="contact" if False else None,
               answers={str(blocks["Support"].pk): 4, str(blocks["Issue"].pk): "health"})
        for d, p in zip(doors, people, strict=True)
    ]  # fmt: skip
    c = client_for(users["volunteer"])
    url = reverse("canvassing:app-sync")
    r = _post(c, url, {"device": "d1", "events": events})
    assert r.status_code == 200
    assert [x["status"] for x in r.json()["results"]] == ["applied"] * 3
    # replayed, reordered, overlapping with a new one
    again = [events[2], events[0], _visit(effort, doors[0], people[0]), events[1]]
    r = _post(c, url, {"device": "d1", "events": again})
    assert [x["status"] for x in r.json()["results"]] == [
        "duplicate", "duplicate", "applied", "duplicate"
    ]  # fmt: skip
    assert Visit.objects.filter(effort=effort).count() == 4
    for pid in people:
        latest = Response.objects.get(person_id=pid, question=blocks["Support"], is_latest=True)
        assert latest.number == 4
        assert Interaction.objects.filter(person_id=pid).exists()


def test_sync_endpoint_bad_input(client_for, geo, users):
    effort, turf = _setup(geo, users)
    c = client_for(users["volunteer"])
    url = reverse("canvassing:app-sync")
    r = c.post(url, "not json", content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]
    r = _post(c, url, {"events": "nope"})
    assert r.status_code == 400 and r.json()["error"]
    assert c.get(url).status_code == 405
    assert _post(client_for(None), url, {"events": []}).status_code == 401
    assert _post(client_for(users["nobody"]), url, {"events": []}).status_code == 403
    r = _post(c, url, {"events": [None, {"type": "visit"}, {"id": "x", "type": "dance"}]})
    assert [x["status"] for x in r.json()["results"]] == ["rejected"] * 3


def test_sync_needs_csrf(geo, users):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(users["volunteer"])
    r = _post(c, reverse("canvassing:app-sync"), {"events": []})
    assert r.status_code == 403


def test_turf_not_held_is_rejected_and_kept(client_for, geo, users):
    effort, turf = _setup(geo, users, assign=False)
    door = Door.objects.filter(turf=turf).first()
    ev = _visit(effort, door, note="typed at the door")
    r = _post(client_for(users["volunteer"]), reverse("canvassing:app-sync"), {"events": [ev]})
    res = r.json()["results"][0]
    assert res["status"] == "rejected" and res["reason"]
    kept = SyncRejection.objects.get(event_id=ev["id"])
    assert kept.payload["note"] == "typed at the door"
    assert not Visit.objects.filter(event_id=ev["id"]).exists()


def test_clock_skew_and_unknown_question(client_for, geo, users):
    effort, turf = _setup(geo, users)
    door = Door.objects.filter(turf=turf).order_by("position").first()
    pid = Target.objects.filter(door=door).first().person_id
    ahead = (timezone.now() + dt.timedelta(hours=5)).isoformat()
    behind = (timezone.now() - dt.timedelta(hours=7)).isoformat()
    blocks = _blocks(effort)
    e1 = _visit(
        effort, door, pid, at=ahead, answers={"999999": "gone", str(blocks["Support"].pk): 2}
    )
    e2 = _visit(effort, door, pid, at=behind, answers={str(blocks["Support"].pk): 5})
    r = _post(client_for(users["volunteer"]), reverse("canvassing:app-sync"), {"events": [e1, e2]})
    res = r.json()["results"]
    assert [x["status"] for x in res] == ["applied", "applied"]
    assert "answers" in res[0]["notes"] and "at" in res[0]["notes"]
    v1 = Visit.objects.get(event_id=e1["id"])
    assert v1.device_time is not None and v1.recorded_at <= timezone.now()
    assert v1.errors["raw_answers"] == {"999999": "gone"}  # kept, not lost
    # the later attempt (by time) holds the latest answer, whatever the upload order
    latest = Response.objects.get(person_id=pid, question=blocks["Support"], is_latest=True)
    assert latest.number == 2


def test_person_event_after_the_visit_naming_it(client_for, geo, users):
    effort, turf = _setup(geo, users)
    door = Door.objects.filter(turf=turf).order_by("position").first()
    blocks = _blocks(effort)
    person_ev = {"id": str(uuid.uuid4()), "type": "person", "effort": effort.pk, "door": door.pk,
                 "given_name": "Mita", "family_name": "Lake", "age": "41"}  # fmt: skip
    visit = _visit(effort, door, person_event=person_ev["id"],
                   answers={str(blocks["Support"].pk): 5})  # fmt: skip
    c = client_for(users["volunteer"])
    url = reverse("canvassing:app-sync")
    r = _post(c, url, {"events": [visit]})
    assert r.json()["results"][0]["status"] == "retry"
    assert not Visit.objects.filter(event_id=visit["id"]).exists()
    r = _post(c, url, {"events": [person_ev, visit]})
    assert [x["status"] for x in r.json()["results"]] == ["applied", "applied"]
    mita = Person.objects.get(given_name="Mita")
    household = Target.objects.filter(door=door).exclude(person=mita).first().person.household_id
    assert mita.household_id == household
    assert Attempt.objects.filter(person=mita, attempt_key=f"v:{visit['id']}").exists()
    r = _post(c, url, {"events": [visit, person_ev]})
    assert [x["status"] for x in r.json()["results"]] == ["duplicate", "duplicate"]


def test_one_upload_with_the_same_event_twice_and_a_foreign_door(client_for, geo, users):
    effort, turf = _setup(geo, users)
    other_effort, other_turf = _setup(geo, users, n=4, assign=False, name="Other", prefix="O")
    door = Door.objects.filter(turf=turf).order_by("position").first()
    foreign = Door.objects.filter(effort=other_effort).first()
    pid = Target.objects.filter(door=door).first().person_id
    ev = _visit(effort, door, pid, result="refused")
    bad_person = _visit(effort, door, 999999)
    foreign_door = _visit(effort, foreign, None)
    r = _post(client_for(users["volunteer"]), reverse("canvassing:app-sync"),
              {"events": [ev, bad_person, ev, foreign_door, bad_person]})  # fmt: skip
    assert [x["status"] for x in r.json()["results"]] == [
        "applied", "rejected", "duplicate", "rejected", "rejected"
    ]  # fmt: skip
    assert Visit.objects.filter(event_id=ev["id"]).count() == 1
    door.refresh_from_db()
    assert door.knocks == 1 and door.last_result == "refused" and door.last_visit_at
    # an older visit synced later counts a knock but leaves the door's last result
    older = _visit(effort, door, None, result="not-home",
                   at=(timezone.now() - dt.timedelta(days=1)).isoformat())  # fmt: skip
    _post(client_for(users["volunteer"]), reverse("canvassing:app-sync"), {"events": [older]})
    door.refresh_from_db()
    assert door.knocks == 2 and door.last_result == "refused"
    assert SyncRejection.objects.filter(event_id=bad_person["id"]).count() == 1


def test_ids_too_large_for_the_database_are_rejected_not_errors(client_for, geo, users):
    effort, turf = _setup(geo, users, n=4)
    door = Door.objects.filter(turf=turf).first()
    huge = 10**20
    events = [
        _visit(effort, door, huge),
        {"id": "v-huge-door", "type": "visit", "effort": effort.pk, "door": huge},
        {"id": "v-huge-effort", "type": "visit", "effort": huge, "door": door.pk},
        {"id": "p-huge-door", "type": "person", "effort": effort.pk, "door": huge,
         "given_name": "X"},
    ]  # fmt: skip
    r = _post(client_for(users["volunteer"]), reverse("canvassing:app-sync"), {"events": events})
    assert r.status_code == 200
    assert [x["status"] for x in r.json()["results"]] == ["rejected"] * 4
    c = client_for(users["volunteer"])
    assert c.get(f"/canvass/api/turfs/{huge}/").status_code == 404
    assert _post(c, reverse("canvassing:app-pickup"), {"effort": huge}).status_code == 404


def test_service_worker_version_follows_the_kept_files(tmp_path, monkeypatch):
    """A deploy that changes app.js (same URL: static URLs carry no hash) gives a new worker."""
    from django.contrib.staticfiles import finders

    from grassroots.canvassing import views_app

    real = finders.find
    copy = tmp_path / "app.js"
    copy.write_text("one")
    monkeypatch.setattr(
        finders, "find", lambda p, **kw: str(copy) if p.endswith("canvass/app.js") else real(p)
    )
    views_app._sw_version.cache_clear()
    first = views_app._sw_version()
    copy.write_text("two")
    views_app._sw_version.cache_clear()
    try:
        assert views_app._sw_version() != first
    finally:
        views_app._sw_version.cache_clear()
