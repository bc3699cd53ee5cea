"""``/api/v1/duplicates/`` and ``/api/v1/merges/``: who may list and decide, scope, the merge
with chosen values, "not a duplicate", undo, and the error shapes (400, 404, 409)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from grassroots.people.models import DuplicatePair, MergeRecord, Person
from grassroots.people.tests import test_dedupe_views
from grassroots.testing.users import make_user

dups = test_dedupe_views.dups  # Ananya and Rahul twice, a look-alike across parts
snapshot = test_dedupe_views.snapshot
two_epics = test_dedupe_views.two_epics  # … and Ananya's second record has another EPIC

DUPS = "/api/v1/duplicates/"
MERGES = "/api/v1/merges/"


def api(user=None) -> APIClient:
    c = APIClient()
    if user is not None:
        c.force_login(user)
    return c


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code and body["message"]
    return body


def test_list_pending_pairs_best_first(dups, users):
    r = api(users["manager"]).get(DUPS)
    assert r.status_code == 200
    rows = r.json()["results"]
    assert [row["id"] for row in rows] == [dups[k].pk for k in ("p_ananya", "p_rahul", "p_cross")]
    first = rows[0]
    assert first["low"]["full_name"] == "Ananya Das" and first["high"]["full_name"] == "Ananya Dass"
    assert first["low"]["area"] == "IN-WB-AC1-P001"
    assert "names similar (0.93)" in first["reason_labels"] and first["status"] == "pending"
    r = api(users["manager"]).get(DUPS, {"min_score": "0.9"})
    assert [row["id"] for row in r.json()["results"]] == [dups["p_ananya"].pk, dups["p_rahul"].pk]
    error(api(users["manager"]).get(DUPS, {"min_score": "x"}), 400, "invalid")
    error(api(users["manager"]).get(DUPS, {"status": "merged"}), 400, "invalid")


@pytest.mark.parametrize("who", ["organiser", "volunteer", "finance", "auditor", "nobody"])
def test_without_merge_403_and_nothing_changes(dups, users, who):
    before = snapshot()
    c = api(users[who])
    pk = dups["p_ananya"].pk
    error(c.get(DUPS), 403, "permission_denied")
    error(c.post(f"{DUPS}{pk}/merge/", {"survivor": dups["ananya"].pk}), 403, "permission_denied")
    error(c.post(f"{DUPS}{pk}/distinct/"), 403, "permission_denied")
    assert snapshot() == before


def test_anonymous_is_401(dups):
    error(api().get(DUPS), 401, "not_authenticated")


def test_out_of_scope_pairs_are_404(dups, geo):
    c = api(make_user("p1data", "data_manager", areas=[geo["p1"]]))
    assert [row["id"] for row in c.get(DUPS).json()["results"]] == [dups["p_ananya"].pk]
    before = snapshot()
    for pair in (dups["p_rahul"], dups["p_cross"]):
        error(c.get(f"{DUPS}{pair.pk}/"), 404, "not_found")
        error(c.post(f"{DUPS}{pair.pk}/merge/", {"survivor": pair.low_id}), 404, "not_found")
        error(c.post(f"{DUPS}{pair.pk}/distinct/"), 404, "not_found")
    assert snapshot() == before


def test_merge_with_values_from_the_other_then_undo(dups, users):
    ananya, twin, pair = dups["ananya"], dups["ananya2"], dups["p_ananya"]
    c = api(users["manager"])
    r = c.post(
        f"{DUPS}{pair.pk}/merge/",
        {"survivor": ananya.pk, "values_from": {"family_name": twin.pk}},
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["survivor_id"] == ananya.pk and body["loser_id"] == twin.pk
    ananya.refresh_from_db()
    assert ananya.family_name == "Dass" and not Person.objects.filter(pk=twin.pk).exists()
    # again: the pair is gone (404); the merge is listed and can be undone once
    error(
        c.post(f"{DUPS}{pair.pk}/merge/", {"survivor": ananya.pk}, format="json"), 404, "not_found"
    )
    assert c.get(MERGES).json()["results"][0]["id"] == body["id"]
    r = c.post(f"{MERGES}{body['id']}/undo/")
    assert r.status_code == 200 and r.json()["undone_at"]
    assert Person.objects.filter(pk=twin.pk).exists()
    error(c.post(f"{MERGES}{body['id']}/undo/"), 409, "conflict")


def test_bad_merge_bodies_are_400(dups, users):
    pair, c = dups["p_ananya"], api(users["manager"])
    before = snapshot()
    url = f"{DUPS}{pair.pk}/merge/"
    error(c.post(url, {}, format="json"), 400, "invalid")
    error(c.post(url, {"survivor": dups["rahul"].pk}, format="json"), 400, "invalid")
    body = {"survivor": pair.low_id, "values_from": {"password": pair.high_id}}
    error(c.post(url, body, format="json"), 400, "invalid")
    body = {"survivor": pair.low_id, "values_from": {"family_name": dups["rahul"].pk}}
    error(c.post(url, body, format="json"), 400, "invalid")
    assert snapshot() == before


def test_distinct_then_a_second_decision_is_409(dups, users):
    pair, c = dups["p_rahul"], api(users["manager"])
    r = c.post(f"{DUPS}{pair.pk}/distinct/")
    assert r.status_code == 200 and r.json()["status"] == "distinct"
    assert r.json()["decided_by"] == "manager"
    assert DuplicatePair.objects.get(pk=pair.pk).status == "distinct"
    error(c.post(f"{DUPS}{pair.pk}/distinct/"), 409, "conflict")
    body = error(c.post(f"{DUPS}{pair.pk}/merge/", {"survivor": pair.low_id}), 409, "conflict")
    assert "already decided" in body["message"]
    assert not MergeRecord.objects.exists()
    listed = c.get(DUPS, {"status": "distinct"}).json()["results"]
    assert [row["id"] for row in listed] == [pair.pk]


def test_merging_two_voter_ids_is_refused_without_confirmation(two_epics, users):
    pair = two_epics["p_ananya"]
    c = api(users["manager"])
    url = f"{DUPS}{pair.pk}/merge/"
    before = snapshot()
    body = error(c.post(url, {"survivor": pair.low_id}, format="json"), 409, "conflict")
    assert "WKH0000018 and WKH0000026" in body["message"] and snapshot() == before
    r = c.post(url, {"survivor": pair.low_id, "confirm_different_ids": True}, format="json")
    assert r.status_code == 201, r.content
