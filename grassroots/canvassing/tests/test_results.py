"""Live field results: the effort dashboard and its numbers, the door map's points, rejected
uploads, the visits CSV, the segment filters, the dashboard tile, the person panel and the
doors-knocked leaderboard source."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.canvassing import results, sync
from grassroots.canvassing.models import Visit
from grassroots.canvassing.tests.results_data import knock, person_at, worked_effort
from grassroots.core.access import SYSTEM
from grassroots.lists import selectors as list_selectors
from grassroots.lists.compiler import DefinitionError
from grassroots.lists.registry import filters
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client, snapshot
from grassroots.testing.queries import assert_constant_queries, capture
from grassroots.testing.users import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(geo, users):
    return worked_effort(geo, users, households=10)


def _answers(blocks, support=None, issue=None, volunteer=None):
    out = {}
    if support is not None:
        out[str(blocks["Support"].pk)] = support
    if issue is not None:
        out[str(blocks["Issue"].pk)] = issue
    if volunteer is not None:
        out[str(blocks["Volunteer"].pk)] = volunteer
    return out


# --- the numbers -------------------------------------------------------------------------------


def test_totals_ids_and_tables(worked, users):
    e, doors, b, vol = worked["effort"], worked["doors"], worked["blocks"], users["volunteer"]
    knock(vol, e, doors[0], result="not-home")
    a = person_at(doors[0])
    knock(vol, e, doors[0], person=a, answers=_answers(b, 4, "jobs", "yes"))
    knock(vol, e, doors[1], person=person_at(doors[1]), answers=_answers(b, 2, "health", "no"))
    knock(vol, e, doors[2], person=person_at(doors[2]), result="refused")
    # a revisit changes a's answer: only the current answer counts in "IDs by answer"
    knock(vol, e, doors[0], person=a, answers=_answers(b, 5, "health"))

    t = results.totals(e)
    assert (t["doors"], t["knocked"], t["unknocked"]) == (10, 3, 7)
    assert (t["visits"], t["contacts"], t["people"]) == (5, 4, 3)
    assert t["contact_rate"] == 80.0
    assert {c["code"]: c["n"] for c in t["by_code"]} == {"": 3, "not-home": 1, "refused": 1}

    ids = {q.question.label: q for q in results.answers_by_question(e)}
    assert ids["Support"].answered == 2
    assert {r["label"]: r["n"] for r in ids["Support"].rows} == {"2": 1, "5": 1}
    assert {r["label"]: r["n"] for r in ids["Issue"].rows} == {"Jobs": 0, "Health": 2}
    # a's volunteer answer from the first visit is still a's current answer
    assert {r["label"]: r["n"] for r in ids["Volunteer"].rows} == {"Yes": 1, "No": 1}

    [row] = results.per_canvasser(e)
    assert (row["doors"], row["visits"], row["contacts"]) == (3, 5, 4)
    turfs = results.per_turf(e)
    assert sum(r["knocked"] for r in turfs) == 3 and sum(r["doors"] for r in turfs) == 10
    [area] = results.per_area(e)
    assert (area["label"], area["doors"], area["knocked"], area["visits"]) == ("Part 1", 10, 3, 5)


def test_door_points_and_since(worked, users):
    e, doors, vol = worked["effort"], worked["doors"], users["volunteer"]
    first = results.door_points(e)
    assert len(first["doors"]) == 10 and all(p[3] == 0 for p in first["doors"])
    knock(vol, e, doors[3], person=person_at(doors[3]))
    since = dt.datetime.fromisoformat(first["server_time"])
    changed = results.door_points(e, since)["doors"]
    assert [(p[0], p[3], p[4]) for p in changed] == [(doors[3].pk, 1, 1)]
    # the same through the page's JSON; a time that is not one is a clear 400
    c = html_client(worked["org"])
    url = reverse("canvassing:results_doors", args=[e.pk])
    body = c.get(url, {"since": first["server_time"]}).json()
    assert [p[0] for p in body["doors"]] == [doors[3].pk]
    assert c.get(url, {"since": "2026-01-01T10:00:00"}).status_code == 200  # naive: UTC
    assert c.get(url, {"since": "yesterday"}).status_code == 400
    # a visit made yesterday but synced now is "new" for the map (time of receipt)
    knock(vol, e, doors[4], result="not-home", at=timezone.now() - dt.timedelta(days=1))
    changed = results.door_points(e, since)["doors"]
    assert {p[0] for p in changed} == {doors[3].pk, doors[4].pk}


# --- the screens -------------------------------------------------------------------------------


def test_dashboard_shows_the_numbers_and_polls(worked, users):
    e, doors, vol = worked["effort"], worked["doors"], users["volunteer"]
    knock(vol, e, doors[0], person=person_at(doors[0]), answers=_answers(worked["blocks"], 3))
    c = html_client(worked["org"])
    response = c.get(reverse("canvassing:results", args=[e.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'hx-trigger="every 15s"' in page and "data-results-map" in page
    assert 'data-stat="knocked">1<' in page
    assert "tile.openstreetmap.org" in response["Content-Security-Policy"]
    live = c.get(reverse("canvassing:results_live", args=[e.pk]))
    assert live.status_code == 200 and "<html" not in live.content.decode()
    assert "data-results-map" not in live.content.decode()  # the map is not re-rendered


def test_results_matrix(worked, users):
    from grassroots.canvassing import services

    e = worked["effort"]
    services.turf_rename(actor=worked["org"], turf=e.turfs.first(), name="Ghat Lane walk")
    knock(users["volunteer"], e, worked["doors"][0], result="not-home")
    for name in ("results", "results_live", "results_doors", "results_export"):
        assert_matrix(
            html_client, "get", reverse(f"canvassing:{name}", args=[e.pk]),
            users={"anonymous": None, "wrong_role": users["nobody"],
                   "out_of_scope": worked["other"], "allowed": worked["org"],
                   "auditor": users["auditor"]},
            expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 200,
                    "auditor": 200},
            allowed={"allowed", "auditor"},
            leaks=[e.name, "Lake Road", "Ghat Lane walk", str(worked["doors"][0].latitude)[:7]],
            unchanged=lambda: snapshot(Visit),
        )  # fmt: skip


def test_rejections_page(worked, users):
    e, vol = worked["effort"], users["volunteer"]
    out = sync.sync(
        actor=vol,
        events_in=[{"id": "bad-1", "type": "visit", "effort": e.pk, "door": 999999,
                    "note": "Dog at the gate"}],
    )  # fmt: skip
    assert out["results"][0]["status"] == "rejected"
    url = reverse("canvassing:results_rejections", args=[e.pk])
    assert_matrix(
        html_client, "get", url,
        users={"anonymous": None, "wrong_role": vol, "out_of_scope": worked["other"],
               "allowed": worked["org"]},
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
        leaks=["Dog at the gate"],
    )  # fmt: skip
    page = html_client(worked["org"]).get(url).content.decode()
    assert "No such door in this effort." in page and "bad-1" in page


def test_live_results_queries_do_not_grow_with_visits(worked, users):
    e, doors, vol, b = worked["effort"], worked["doors"], users["volunteer"], worked["blocks"]
    c = html_client(worked["org"])

    def make(count, start):
        for i in range(start, start + count):
            knock(vol, e, doors[i], person=person_at(doors[i]), answers=_answers(b, 1 + i % 5))

    assert_constant_queries(make, lambda: c.get(reverse("canvassing:results_live", args=[e.pk])))


def test_door_points_and_export_queries_do_not_grow(worked, users):
    e, doors, vol = worked["effort"], worked["doors"], users["volunteer"]
    c = html_client(worked["org"])

    def make(count, start):
        for i in range(start, start + count):
            knock(
                vol, e, doors[i], person=person_at(doors[i]), answers=_answers(worked["blocks"], 2)
            )

    def export():
        response = c.get(reverse("canvassing:results_export", args=[e.pk]))
        response.rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        return response

    assert_constant_queries(make, export, shown=lambda r: len(r.rows) - 1)
    _result, sql = capture(lambda: c.get(reverse("canvassing:results_doors", args=[e.pk])))
    assert len(sql) < 15


def test_export_rows(worked, users):
    e, doors, vol, b = worked["effort"], worked["doors"], users["volunteer"], worked["blocks"]
    p = person_at(doors[0])
    knock(vol, e, doors[0], person=p, answers=_answers(b, 4, "jobs", "yes"))
    knock(vol, e, doors[1], result="not-home")
    response = html_client(worked["org"]).get(reverse("canvassing:results_export", args=[e.pk]))
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    first = rows[0]
    assert first["Person id"] == str(p.pk) and p.given_name in first["Person"]
    assert (first["Support"], first["Issue"], first["Volunteer"]) == ("4", "Jobs", "Yes")
    assert first["Contacted"] == "yes" and first["Canvasser"] == "volunteer"
    assert rows[1]["Result code"] == "not-home" and rows[1]["Person"] == ""


def test_export_leaves_out_people_the_reader_may_not_see(worked, users, geo):
    e, doors, vol = worked["effort"], worked["doors"], users["volunteer"]
    p = person_at(doors[0])
    knock(vol, e, doors[0], person=p, answers=_answers(worked["blocks"], 4))
    # an organiser of the whole constituency sees the effort; the effort itself is campaign
    # work of p1 — a reader whose scope holds the effort but not the person gets a blank name
    reader = make_user("reader_ac", "field_organiser", areas=[geo["ac"]])
    header, questions = results.export_header(e)
    rows = list(results.export_rows(actor=reader, effort=e, questions=questions))
    assert rows[0][5] == f"{p.given_name} {p.family_name}".strip()
    from grassroots.people import services as people_services

    people_services.person_update(actor=SYSTEM, person=p, data={"area": geo["p2"]})
    reader_p1 = make_user("reader_p1", "field_organiser", areas=[geo["p1"]])
    rows = list(results.export_rows(actor=reader_p1, effort=e, questions=questions))
    assert rows[0][4] == "" and rows[0][5] == "" and rows[0][8] == ""


# --- segment filters ---------------------------------------------------------------------------


def _members(actor, item):
    definition = {"steps": [{"action": "add", "group": {"match": "all", "items": [item]}}]}
    qs = list_selectors.segment_people(actor=actor, definition=definition)
    return set(qs.values_list("pk", flat=True))


def test_filters_match_the_right_people(worked, users):
    e, doors, vol = worked["effort"], worked["doors"], users["volunteer"]
    org = worked["org"]
    at = {i: {t.person_id for t in doors[i].targets.all()} for i in range(len(doors))}
    a = person_at(doors[0])
    knock(vol, e, doors[0], result="not-home")  # door-level: everyone at door 0
    knock(vol, e, doors[0], result="not-home")
    knock(vol, e, doors[0], person=a)  # talked to a, third time lucky
    knock(vol, e, doors[1], result="not-home")
    knock(vol, e, doors[2], person=person_at(doors[2]), result="refused")
    eid = str(e.pk)

    assert _members(org, {"filter": "canvass_knocked", "params": {"effort": eid}}) == (
        at[0] | at[1] | at[2]
    )
    assert _members(
        org, {"filter": "canvass_knocked", "params": {"effort": eid, "outcome": "contacted"}}
    ) == {a.pk, person_at(doors[2]).pk}
    assert _members(org, {"filter": "canvass_knocked", "params": {
        "effort": eid, "outcome": "result", "codes": ["not-home"]}}) == at[0] | at[1]  # fmt: skip
    assert _members(org, {"filter": "canvass_not_home", "params": {"min": 2}}) == at[0]
    assert _members(org, {"filter": "canvass_not_home", "params": {"min": 1, "effort": eid}}) == (
        at[0] | at[1]
    )
    unknocked = set().union(*(at[i] for i in range(3, len(doors))))
    assert _members(org, {"filter": "canvass_unknocked", "params": {"effort": eid}}) == unknocked


def test_filters_compile_to_one_query(worked, users):
    org, eid = worked["org"], str(worked["effort"].pk)
    for item in (
        {"filter": "canvass_knocked", "params": {"effort": eid, "outcome": "result",
                                                 "codes": ["not-home", "refused"]}},
        {"filter": "canvass_not_home", "params": {"min": 2}},
        {"filter": "canvass_unknocked", "params": {"effort": eid}},
    ):  # fmt: skip
        definition = {"steps": [{"action": "add", "group": {"match": "all", "items": [item]}}]}
        qs = list_selectors.segment_people(actor=org, definition=definition)
        _rows, sql = capture(lambda qs=qs: list(qs.values_list("pk", flat=True)))
        assert len(sql) == 1, sql


def test_effort_choices_are_scoped_to_the_actor(worked, users):
    e, other = worked["effort"], worked["other"]
    knocked = filters.get("canvass_knocked")
    mine = dict(knocked.describe(worked["org"])["params"][0]["choices"])
    theirs = dict(knocked.describe(other)["params"][0]["choices"])
    assert str(e.pk) in mine and str(e.pk) not in theirs
    # an out-of-scope effort's id is "not one of the choices", like a missing one
    with pytest.raises(DefinitionError) as info:
        _members(other, {"filter": "canvass_knocked", "params": {"effort": str(e.pk)}})
    assert "not one of the choices" in str(info.value)
    # the API lists the caller's efforts only
    from grassroots.testing.matrix import api_client

    described = api_client(other).get("/api/v1/segment-filters/").json()
    [f] = [f for f in described if f["key"] == "canvass_knocked"]
    assert e.name not in str(f["params"][0]["choices"])


# --- tile, person panel, timeline, leaderboard -----------------------------------------------


def test_dashboard_tile_counts_doors_knocked_this_week(worked, users):
    e, doors, vol = worked["effort"], worked["doors"], users["volunteer"]
    knock(vol, e, doors[0], result="not-home")
    knock(vol, e, doors[0], person=person_at(doors[0]))
    knock(vol, e, doors[1], result="not-home")
    knock(vol, e, doors[2], result="not-home", at=timezone.now() - dt.timedelta(days=8))
    page = html_client(worked["org"]).get("/").content.decode()
    found = re.search(r"Doors knocked this week</div>\s*<div class=\"value\">(\d+)<", page)
    assert found and found.group(1) == "2", page  # two doors this week, the third a week ago
    other = html_client(worked["other"]).get("/").content.decode()
    found = re.search(r"Doors knocked this week</div>\s*<div class=\"value\">(\d+)<", other)
    assert found and found.group(1) == "0"  # not their effort
    assert "Doors knocked this week" not in html_client(users["nobody"]).get("/").content.decode()


def test_person_page_shows_canvass_visits_and_the_timeline_says_door(worked, users):
    e, doors, vol = worked["effort"], worked["doors"], users["volunteer"]
    p = person_at(doors[0])
    knock(vol, e, doors[0], person=p, result="refused")
    page = html_client(worked["org"]).get(reverse("people:person_detail", args=[p.pk]))
    html = page.content.decode()
    assert 'id="canvass-panel"' in html and e.name in html and "Refused" in html
    from grassroots.people.models import Interaction

    interaction = Interaction.objects.filter(person=p).order_by("-id").first()
    assert interaction.channel == "door" and interaction.outcome == "refused"
    assert interaction.get_channel_display() in html  # the timeline shows the door
    # someone who cannot see the effort sees no panel
    assert (
        'id="canvass-panel"'
        not in html_client(worked["other"])
        .get(reverse("people:person_detail", args=[p.pk]))
        .content.decode()
    )


def test_doors_knocked_on_the_leaderboard(worked, users, geo):
    from grassroots.accounts.models import Role
    from grassroots.canvassing import services
    from grassroots.canvassing.models import Turf
    from grassroots.people import services as people_services
    from grassroots.volunteers import selectors as volunteer_selectors
    from grassroots.volunteers import services as volunteer_services
    from grassroots.volunteers.models import PointRule, PointSnapshot

    PointRule.objects.update_or_create(source="doors_knocked", defaults={"points": 1})
    person = people_services.person_create(
        actor=SYSTEM, data={"given_name": "Mitali", "family_name": "Sen", "area": geo["p1"]}
    )
    profile = volunteer_services.profile_create(actor=SYSTEM, person=person, status="active")
    user = volunteer_services.volunteer_invite(
        actor=SYSTEM, profile=profile, username="mitali", email="mitali@example.org",
        role=Role.objects.get(slug="volunteer"), areas=[geo["p1"]],
    )  # fmt: skip
    e, doors = worked["effort"], worked["doors"]
    for turf in Turf.objects.filter(effort=e):
        services.turf_assign(actor=worked["org"], turf=turf, user=user)
    for i in range(3):
        knock(user, e, doors[i], result="not-home")
    knock(user, e, doors[0], person=person_at(doors[0]))  # the same door again: still 3 doors
    board = {r.person_id: r.points for r in volunteer_selectors.leaderboard(actor=SYSTEM)}
    assert board[person.pk] == 3
    assert PointSnapshot.objects.exists()
    # a visit recorded before this week (synced late) forgets the past weeks' snapshot
    knock(user, e, doors[5], result="not-home", at=timezone.now() - dt.timedelta(days=14))
    assert not PointSnapshot.objects.exists()
    board = {r.person_id: r.points for r in volunteer_selectors.leaderboard(actor=SYSTEM)}
    assert board[person.pk] == 4
