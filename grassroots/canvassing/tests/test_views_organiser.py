"""The organiser's screens: efforts, the cut, the turf map and table, check-outs, prints."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from grassroots.canvassing import services
from grassroots.canvassing.models import Assignment, Door, Effort, Turf
from grassroots.canvassing.tests.factories import effort_for, street_of_people
from grassroots.core.access import SYSTEM
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client, snapshot
from grassroots.testing.queries import assert_constant_queries
from grassroots.testing.users import make_user


@pytest.fixture
def cut_effort(geo, users):
    """30 households on Lake Road in part 1, an effort over them by the organiser, cut into
    turfs of about 10."""
    people = street_of_people(geo["p1"], 30)
    effort = effort_for(people, actor=users["organiser"])
    services.turfs_cut(actor=users["organiser"], effort=effort)
    effort.refresh_from_db()
    return effort


def turfs_of(effort):
    return list(Turf.objects.filter(effort=effort).order_by("number"))


def test_flow_list_detail_cut_map_panel(cut_effort, users, django_capture_on_commit_callbacks):
    c = html_client(users["organiser"])
    r = c.get(reverse("canvassing:effort_list"))
    assert r.status_code == 200 and "Lake Road ID" in r.content.decode()
    r = c.get(reverse("canvassing:effort_detail", args=[cut_effort.pk]))
    assert r.status_code == 200 and "cut-summary" in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("canvassing:effort_detail", args=[cut_effort.pk]), {"action": "cut"})
    assert r.status_code == 302
    r = c.get(reverse("canvassing:effort_detail", args=[cut_effort.pk]) + "?part=cut")
    assert r.status_code == 200 and "cut-summary" in r.content.decode()
    r = c.get(reverse("canvassing:turf_map", args=[cut_effort.pk]))
    assert r.status_code == 200
    assert "tile.openstreetmap.org" in r["Content-Security-Policy"]
    data = c.get(reverse("canvassing:turf_map_data", args=[cut_effort.pk])).json()
    kinds = [f["properties"]["kind"] for f in data["features"]]
    assert kinds.count("turf") == len(turfs_of(cut_effort)) and kinds.count("door") == 30
    turf = turfs_of(cut_effort)[0]
    r = c.get(reverse("canvassing:turf_detail", args=[cut_effort.pk, turf.pk]) + "?panel=1")
    body = r.content.decode()
    assert r.status_code == 200 and "<html" not in body and "Lake Road" in body


def post_map(c, effort, data):
    return c.post(reverse("canvassing:turf_map", args=[effort.pk]), data)


def test_assign_two_canvassers_in_bulk_and_release(cut_effort, users, geo):
    a, b = turfs_of(cut_effort)[:2]
    second = make_user("second", "volunteer", areas=[geo["p1"]])
    c = html_client(users["organiser"])
    page = c.get(reverse("canvassing:turf_map", args=[cut_effort.pk])).content.decode()
    assert f'value="{users["volunteer"].pk}"' in page and f'value="{second.pk}"' in page
    assert f'value="{users["nobody"].pk}"' not in page  # no canvassing role: not offered
    r = post_map(c, cut_effort, {"action": "assign", "turfs": [a.pk, b.pk],
                                 "user": users["volunteer"].pk, "days": "2"})  # fmt: skip
    assert r.status_code == 302
    r = post_map(c, cut_effort, {"action": "assign", "turfs": [a.pk], "user": second.pk})
    assert r.status_code == 302
    held = Assignment.objects.filter(released_at__isnull=True)
    assert sorted((x.turf_id, x.user_id) for x in held) == sorted(
        [(a.pk, users["volunteer"].pk), (b.pk, users["volunteer"].pk), (a.pk, second.pk)]
    )
    page = c.get(reverse("canvassing:turf_map", args=[cut_effort.pk])).content.decode()
    assert "second" in page and "until" in page
    one = held.get(turf=b)
    r = c.post(reverse("canvassing:turf_detail", args=[cut_effort.pk, b.pk]),
               {"action": "release", "assignment": one.pk})  # fmt: skip
    assert r.status_code == 302
    one.refresh_from_db()
    assert one.released_at is not None
    assert Turf.objects.get(pk=b.pk).status == Turf.Status.OPEN


def test_an_unqualified_canvasser_is_refused_on_the_field_and_nothing_is_checked_out(
    cut_effort, users, geo
):
    other_part = make_user("elsewhere", "volunteer", areas=[geo["p2"]])
    a, b = turfs_of(cut_effort)[:2]
    c = html_client(users["organiser"])
    r = post_map(c, cut_effort, {"action": "assign", "turfs": [a.pk, b.pk],
                                 "user": other_part.pk, "days": "3"})  # fmt: skip
    body = r.content.decode()
    assert r.status_code == 400
    assert "cannot canvass this turf" in body and 'id="bulk-user_error"' in body
    assert f'value="{a.pk}" form="bulk-assign" id="tick-{a.pk}" ' in body  # ticks kept
    assert f'<option value="{other_part.pk}" selected' in body
    assert not Assignment.objects.exists()
    r = post_map(c, cut_effort, {"action": "assign", "turfs": [a.pk], "user": users["nobody"].pk})
    assert r.status_code == 400 and "Choose a canvasser from the list" in r.content.decode()
    r = post_map(c, cut_effort, {"action": "assign", "user": users["volunteer"].pk})
    assert r.status_code == 400 and "Tick the turfs" in r.content.decode()
    r = post_map(c, cut_effort, {"action": "assign", "turfs": [a.pk],
                                 "user": users["volunteer"].pk, "days": "999"})  # fmt: skip
    assert r.status_code == 400 and "1 to 60 days" in r.content.decode()
    assert not Assignment.objects.exists()


def test_lock_merge_move_rename_and_the_conflicts_they_meet(cut_effort, users):
    a, b, c_turf = turfs_of(cut_effort)[:3]
    c = html_client(users["organiser"])
    assert (
        post_map(c, cut_effort, {"action": "lock", "turf": a.pk, "locked": "1"}).status_code == 302
    )
    assert Turf.objects.get(pk=a.pk).locked
    r = post_map(c, cut_effort, {"action": "merge", "into": b.pk, "other": a.pk})
    assert r.status_code == 400 and "is locked: unlock it first" in r.content.decode()
    post_map(c, cut_effort, {"action": "lock", "turf": a.pk, "locked": "0"})
    services.turf_assign(actor=SYSTEM, turf=a, user=users["volunteer"])
    r = post_map(c, cut_effort, {"action": "merge", "into": b.pk, "other": a.pk})
    assert r.status_code == 400 and "is checked out" in r.content.decode()
    doors_before = b.doors_count + c_turf.doors_count
    r = post_map(c, cut_effort, {"action": "merge", "into": b.pk, "other": c_turf.pk})
    assert r.status_code == 302 and not Turf.objects.filter(pk=c_turf.pk).exists()
    assert Turf.objects.get(pk=b.pk).doors_count == doors_before
    # move two doors of b into a, from b's page (ticked in the walk list)
    moving = list(Door.objects.filter(turf=b).order_by("position")[:2])
    url = reverse("canvassing:turf_detail", args=[cut_effort.pk, b.pk])
    r = c.post(url, {"action": "move", "to": a.pk, "doors": [d.pk for d in moving]})
    assert r.status_code == 302
    assert set(
        Door.objects.filter(pk__in=[d.pk for d in moving]).values_list("turf", flat=True)
    ) == {a.pk}
    r = c.post(url, {"action": "move", "to": a.pk})
    assert r.status_code == 400 and "Tick the doors to move" in r.content.decode()
    r = c.post(url, {"action": "rename", "turf": b.pk, "name": "  Lake Road   north "})
    assert r.status_code == 302 and Turf.objects.get(pk=b.pk).name == "Lake Road north"
    r = c.post(url, {"action": "explode"})
    assert r.status_code == 400 and "Unknown action" in r.content.decode()


def test_carve_a_polygon_and_a_bad_one(cut_effort, users):
    c = html_client(users["organiser"])
    ring = [[88.3499, 22.5190], [88.3510, 22.5190], [88.3510, 22.5210], [88.3499, 22.5210]]
    r = post_map(c, cut_effort, {"action": "carve", "polygon": json.dumps(ring), "name": "Corner"})
    assert r.status_code == 302
    drawn = Turf.objects.get(effort=cut_effort, kind=Turf.Kind.DRAWN)
    assert drawn.name == "Corner" and drawn.doors_count > 0
    r = post_map(c, cut_effort, {"action": "carve", "polygon": "[[1,2]", "name": "Broken"})
    body = r.content.decode()
    assert r.status_code == 400 and "at least three points" in body
    assert not Turf.objects.filter(name="Broken").exists()


def test_walk_list_pdf_and_csv_in_walk_order(cut_effort, users):
    turf = turfs_of(cut_effort)[0]
    order = list(
        Door.objects.filter(turf=turf).order_by("position").values_list("house_number", flat=True)
    )
    c = html_client(users["organiser"])
    r = c.get(reverse("canvassing:turf_csv", args=[cut_effort.pk, turf.pk]))
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode()[1:])))
    numbers = []
    for row in rows[1:]:
        if not numbers or numbers[-1] != row[3]:
            numbers.append(row[3])
    assert numbers == order
    r = c.get(reverse("canvassing:turf_pdf", args=[cut_effort.pk, turf.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "Lake Road" in text
    from grassroots.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="canvassing.turf_printed").count() == 2


def test_create_an_effort_keeps_what_was_typed_and_shows_the_services_errors(geo, users):
    from grassroots.lists import services as lists
    from grassroots.surveys.tests.factories import ScriptFactory

    people = street_of_people(geo["p1"], 3)
    script = ScriptFactory(blocks=True, status="active", name="Door ID")
    draft = ScriptFactory(name="Unfinished")
    plist = lists.list_create(actor=users["organiser"], name="Lake list",
                              person_ids=[p.pk for p in people])  # fmt: skip
    c = html_client(users["organiser"])
    url = reverse("canvassing:effort_create")
    page = c.get(url).content.decode()
    assert "Door ID" in page and "Unfinished" not in page and "Lake list" in page
    data = {"name": "Lake Road doors", "description": "Evenings", "script": script.pk,
            "target_size": "3", "measure": "units", "checkout_days": "3",
            "areas": geo["p1"].code}  # fmt: skip
    r = c.post(url, data)  # no audience; target too small
    body = r.content.decode()
    assert r.status_code == 400
    assert "Choose who to canvass" in body and "between 5 and 500" in body
    assert 'value="Lake Road doors"' in body and "Evenings" in body and "Part 1" in body
    assert not Effort.objects.exists()
    r = c.post(url, {**data, "person_list": plist.pk, "target_size": "20", "script": draft.pk})
    assert r.status_code == 400 and not Effort.objects.exists()
    r = c.post(url, {**data, "person_list": plist.pk, "target_size": "20",
                     "respect_areas": "on"})  # fmt: skip
    effort = Effort.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse(
        "canvassing:effort_detail", args=[effort.pk]
    )
    assert effort.person_list == plist and effort.target_size == 20 and effort.respect_areas
    assert list(effort.areas.all()) == [geo["p1"]]
    edit = reverse("canvassing:effort_edit", args=[effort.pk])
    assert 'value="Lake Road doors"' in c.get(edit).content.decode()
    r = c.post(edit, {**data, "person_list": plist.pk, "target_size": "25", "name": "Renamed"})
    effort.refresh_from_db()
    assert r.status_code == 302 and effort.name == "Renamed" and effort.target_size == 25


def test_start_and_close_an_effort(cut_effort, users):
    c = html_client(users["organiser"])
    url = reverse("canvassing:effort_detail", args=[cut_effort.pk])
    uncut = effort_for(street_of_people(cut_effort.area, 1, street="Elsewhere"), name="Uncut",
                       actor=users["organiser"])  # fmt: skip
    r = c.post(reverse("canvassing:effort_detail", args=[uncut.pk]),
               {"action": "status", "status": "active"})  # fmt: skip
    assert r.status_code == 400 and "Cut the turfs before starting" in r.content.decode()
    assert c.post(url, {"action": "status", "status": "active"}).status_code == 302
    turf = turfs_of(cut_effort)[0]
    services.turf_assign(actor=SYSTEM, turf=turf, user=users["volunteer"])
    assert c.post(url, {"action": "status", "status": "closed"}).status_code == 302
    cut_effort.refresh_from_db()
    assert cut_effort.status == "closed"
    assert not Assignment.objects.filter(released_at__isnull=True).exists()


# --- authorization matrix ------------------------------------------------------------------------


@pytest.fixture
def matrix_users(geo, users):
    """The effort is the organiser's (scoped to the AC). Out of scope: an organiser of another
    constituency; wrong role: a volunteer (canvass only) and a user without a role."""
    from grassroots.geography import services as geo_services

    ac2 = geo_services.area_create(actor=SYSTEM, kind=geo["p1"].kind, code="IN-WB-AC2",
                                   name="Kasba", parent=geo["state"])  # fmt: skip
    return {
        "anonymous": None,
        "wrong_role": users["volunteer"],
        "out_of_scope": make_user("organiser2", "field_organiser", areas=[ac2]),
        "allowed": users["organiser"],
    }


def _effort_rows(effort):
    return snapshot(
        Effort.objects.filter(pk=effort.pk),
        Turf.objects.filter(effort=effort),
        Door.objects.filter(effort=effort).values("pk", "turf_id", "position"),
        Assignment.objects.all(),
    )


READ_EXPECT = {"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 200}


@pytest.mark.parametrize(
    "name,extra",
    [
        ("effort_detail", ""),
        ("turf_map", ""),
        ("turf_map_data", ""),
        ("turf_detail", "turf"),
        ("turf_pdf", "turf"),
        ("turf_csv", "turf"),
    ],
)
def test_matrix_reads(cut_effort, matrix_users, name, extra):
    turf = turfs_of(cut_effort)[0]
    args = [cut_effort.pk, turf.pk] if extra else [cut_effort.pk]
    leaks = ["Lake Road"] if name not in ("turf_pdf", "turf_map_data") else []
    if name == "turf_map_data":
        leaks = ['"kind": "turf"']
    assert_matrix(
        html_client, "get", reverse(f"canvassing:{name}", args=args),
        users=matrix_users, expect=READ_EXPECT, leaks=leaks or ["%PDF"],
        unchanged=lambda: _effort_rows(cut_effort),
    )  # fmt: skip


def test_matrix_effort_list_and_form(cut_effort, matrix_users):
    assert_matrix(
        html_client, "get", reverse("canvassing:effort_list"),
        users={k: v for k, v in matrix_users.items() if k != "out_of_scope"},
        expect={"anonymous": LOGIN, "wrong_role": 403, "allowed": 200},
        leaks=["Lake Road ID"],
    )  # fmt: skip
    # out of scope: the list is there, the effort is not on it
    body = html_client(matrix_users["out_of_scope"]).get(reverse("canvassing:effort_list"))
    assert body.status_code == 200 and "Lake Road ID" not in body.content.decode()
    assert_matrix(
        html_client, "get", reverse("canvassing:effort_edit", args=[cut_effort.pk]),
        users=matrix_users, expect=READ_EXPECT, leaks=["Lake Road ID"],
    )  # fmt: skip
    assert_matrix(
        html_client, "post", reverse("canvassing:effort_edit", args=[cut_effort.pk]),
        data={"name": "Hijacked", "script": cut_effort.script_id,
              "person_list": cut_effort.person_list_id, "target_size": "10",
              "measure": "units", "checkout_days": "3"},
        users=matrix_users,
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 302},
        unchanged=lambda: _effort_rows(cut_effort),
    )  # fmt: skip


@pytest.mark.parametrize("action", ["cut", "status", "lock", "assign", "merge", "move", "carve"])
def test_matrix_writes(cut_effort, matrix_users, users, action, django_capture_on_commit_callbacks):
    a, b = turfs_of(cut_effort)[:2]
    door = Door.objects.filter(turf=b).first()
    ring = [[88.3499, 22.5190], [88.3510, 22.5190], [88.3510, 22.5210], [88.3499, 22.5210]]
    data = {
        "cut": {"action": "cut"},
        "status": {"action": "status", "status": "active"},
        "lock": {"action": "lock", "turf": a.pk, "locked": "1"},
        "assign": {"action": "assign", "turfs": [a.pk], "user": users["volunteer"].pk},
        "merge": {"action": "merge", "into": a.pk, "other": b.pk},
        "move": {"action": "move", "to": a.pk, "doors": [door.pk]},
        "carve": {"action": "carve", "polygon": json.dumps(ring)},
    }[action]
    url = reverse("canvassing:effort_detail" if action in ("cut", "status")
                  else "canvassing:turf_map", args=[cut_effort.pk])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert_matrix(
            html_client, "post", url, data=data, users=matrix_users,
            expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 302},
            unchanged=lambda: _effort_rows(cut_effort),
        )  # fmt: skip


def test_a_volunteer_with_view_sees_turfs_but_has_no_actions(cut_effort, geo):
    viewer = make_user("viewer", "auditor", areas=[geo["ac"]])
    c = html_client(viewer)
    turf = turfs_of(cut_effort)[0]
    page = c.get(reverse("canvassing:turf_map", args=[cut_effort.pk])).content.decode()
    assert "bulk-assign" not in page and "carve-form" not in page and turf.label in page
    r = c.post(reverse("canvassing:turf_map", args=[cut_effort.pk]),
               {"action": "lock", "turf": turf.pk, "locked": "1"})  # fmt: skip
    assert r.status_code == 403 and not Turf.objects.get(pk=turf.pk).locked


# --- query counts --------------------------------------------------------------------------------


def test_effort_list_queries_do_not_grow(geo, users):
    c = html_client(users["organiser"])
    script = None

    def make(n, start):
        nonlocal script
        from grassroots.surveys.tests.factories import ScriptFactory

        script = script or ScriptFactory(blocks=True, status="active")
        for i in range(n):
            people = street_of_people(geo["p1"], 1, street=f"Street {start + i}")
            effort_for(people, actor=users["organiser"], script=script, name=f"Effort {start + i}")

    assert_constant_queries(
        make, lambda: c.get(reverse("canvassing:effort_list")),
        shown=lambda r: r.content.decode().count('href="/canvassing/efforts/'),
    )  # fmt: skip


def test_turf_map_table_and_geojson_queries_do_not_grow(geo, users):
    """Each row made: one door carved into a turf of its own, checked out to a canvasser."""
    effort = effort_for(street_of_people(geo["p1"], 24), actor=users["organiser"],
                        target_size=100)  # fmt: skip
    services.turfs_cut(actor=users["organiser"], effort=effort)
    doors = list(Door.objects.filter(effort=effort).order_by("id"))
    c = html_client(users["organiser"])

    made = [0]

    def make(n, start):
        batch, made[0] = doors[made[0] : made[0] + n], made[0] + n
        for d in batch:
            e = 0.00003
            ring = [[d.longitude - e, d.latitude - e], [d.longitude + e, d.latitude - e],
                    [d.longitude + e, d.latitude + e], [d.longitude - e, d.latitude + e]]  # fmt: skip
            turf = services.turf_carve(actor=users["organiser"], effort=effort, polygon=ring)
            services.turf_assign(actor=users["organiser"], turf=turf, user=users["volunteer"])

    assert_constant_queries(
        make, lambda: c.get(reverse("canvassing:turf_map", args=[effort.pk])),
        shown=lambda r: r.content.decode().count('id="turf-row-'),
    )  # fmt: skip
    assert_constant_queries(
        make, lambda: c.get(reverse("canvassing:turf_map_data", args=[effort.pk])),
        sizes=(2, 8),  # 8 and then 14 turfs of one door, beside the cut one
        shown=lambda r: sum(f["properties"]["kind"] == "turf" for f in r.json()["features"]),
    )  # fmt: skip


def test_a_running_cut_shows_its_progress_and_reloads_the_page_when_done(cut_effort, users):
    from grassroots.core import jobs
    from grassroots.core.models import Job

    job = jobs.runner("canvassing.cut").create(actor=users["organiser"], effort_id=cut_effort.pk)
    c = html_client(users["manager"])  # not the one who started it: sees it all the same
    url = reverse("canvassing:effort_detail", args=[cut_effort.pk])
    page = c.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'role="progressbar"' in page
    r = c.get(url + "?part=cut", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "HX-Refresh" not in r
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    r = c.get(url + "?part=cut", HTTP_HX_REQUEST="true")
    assert r["HX-Refresh"] == "true" and "cut-summary" in r.content.decode()


def test_an_overdue_check_out_is_highlighted_in_the_table_and_on_the_turf(cut_effort, users):
    import datetime as dt

    from django.utils import timezone

    turf = turfs_of(cut_effort)[0]
    a = services.turf_assign(actor=SYSTEM, turf=turf, user=users["volunteer"])
    c = html_client(users["organiser"])
    page = c.get(reverse("canvassing:turf_map", args=[cut_effort.pk])).content.decode()
    assert f'id="turf-row-{turf.pk}">' in page and "overdue since" not in page
    Assignment.objects.filter(pk=a.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    page = c.get(reverse("canvassing:turf_map", args=[cut_effort.pk])).content.decode()
    assert f'id="turf-row-{turf.pk}" class="overdue"' in page and "overdue since" in page
    page = c.get(reverse("canvassing:turf_detail", args=[cut_effort.pk, turf.pk])).content
    assert "overdue since" in page.decode()
