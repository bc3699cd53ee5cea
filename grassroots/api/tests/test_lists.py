"""``/api/v1/segments/``, ``/lists/``, ``/segment-filters/``: the same counts as the screens,
scope, who may write, and the error shape for bad definitions."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from grassroots.accounts.services import api_token_create
from grassroots.lists.models import PersonList, Segment

AREA = {"filter": "area", "params": {"areas": ["IN-WB-AC1"]}}
YOUNG = {"filter": "age", "params": {"max": 35}}


def seg(*items):
    return {"steps": [{"action": "add", "group": {"match": "all", "items": list(items)}}]}


def api(user) -> APIClient:
    _token, secret = api_token_create(actor=user, name="test")
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return c


def test_filters_are_listed_with_their_parameters(people, users):
    r = api(users["volunteer"]).get("/api/v1/segment-filters/")
    assert r.status_code == 200
    by_key = {f["key"]: f for f in r.json()}
    assert {p["name"] for p in by_key["votes"]["params"]} == {"at_least", "last", "kind"}
    assert by_key["area"]["params"][0]["kind"] == "areas"


def test_create_count_members_freeze_and_the_screen_agrees(client_for, people, users):
    c = api(users["organiser"])
    r = c.post(
        "/api/v1/segments/", {"name": "Young", "definition": seg(AREA, YOUNG)}, format="json"
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["owner"] == "organiser" and r.json()["visibility"] == "private"
    count = c.get(f"/api/v1/segments/{pk}/count/").json()
    assert count == {"people": 2, "households": 2}
    screen = client_for(users["organiser"]).post(
        reverse("lists:segment_count"), {"definition": json.dumps(seg(AREA, YOUNG))}
    )
    assert '<span class="bigcount">2</span>' in screen.content.decode()
    members = c.get(f"/api/v1/segments/{pk}/members/").json()
    assert members["count"] == 2 and {m["given_name"] for m in members["results"]} == {
        "Ananya",
        "Rahul",
    }
    r = c.post(f"/api/v1/segments/{pk}/freeze/")
    assert r.status_code == 201 and r.json()["size"] == 2 and r.json()["frozen_at"]
    lst = r.json()["id"]
    assert c.get(f"/api/v1/lists/{lst}/members/").json()["count"] == 2
    r = c.patch(f"/api/v1/segments/{pk}/", {"definition": seg(AREA)}, format="json")
    assert r.status_code == 200 and c.get(f"/api/v1/segments/{pk}/count/").json()["people"] == 3
    assert c.post(
        "/api/v1/segments/preview/", {"definition": seg(YOUNG)}, format="json"
    ).json() == {
        "people": 2,
        "households": 2,
    }


def test_bad_definitions_get_the_error_shape(people, users):
    c = api(users["organiser"])
    r = c.post(
        "/api/v1/segments/", {"name": "Bad", "definition": seg({"filter": "nope"})}, format="json"
    )
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "invalid" and "unknown filter" in json.dumps(err["fields"])
    r = c.post("/api/v1/segments/preview/", {"definition": "steps"}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
    r = c.post("/api/v1/segments/", {"name": "", "definition": seg()}, format="json")
    assert r.status_code == 400 and "name" in r.json()["error"]["fields"]
    assert not Segment.objects.exists()


def test_scope_and_permissions(people, users):
    manager, volunteer = users["manager"], users["volunteer"]
    r = api(manager).post(
        "/api/v1/segments/",
        {"name": "All", "definition": seg(), "visibility": "shared"},
        format="json",
    )
    shared = r.json()["id"]
    private = (
        api(manager)
        .post("/api/v1/segments/", {"name": "Mine", "definition": seg()}, format="json")
        .json()["id"]
    )
    v = api(volunteer)
    assert v.get(f"/api/v1/segments/{shared}/count/").json() == {"people": 2, "households": 1}
    assert v.get(f"/api/v1/segments/{private}/").status_code == 404
    assert (
        v.post("/api/v1/segments/", {"name": "x", "definition": seg()}, format="json").status_code
        == 403
    )
    assert v.post(f"/api/v1/segments/{shared}/freeze/").status_code == 403
    assert v.delete(f"/api/v1/segments/{shared}/").status_code == 403
    nobody = APIClient()
    nobody.force_login(users["nobody"])  # no role, so no api.use for a token either
    assert nobody.get("/api/v1/segments/").status_code == 403
    assert APIClient().get("/api/v1/segments/").status_code == 401
    assert [s["id"] for s in v.get("/api/v1/segments/").json()["results"]] == [shared]


def test_lists_by_ids_add_remove(people, users):
    c = api(users["organiser"])
    ids = [people["ananya"].pk, people["rahul"].pk]
    r = c.post("/api/v1/lists/", {"name": "Callers", "person_ids": ids}, format="json")
    assert r.status_code == 201 and r.json()["size"] == 2 and r.json()["source"] == "upload"
    pk = r.json()["id"]
    assert c.post(
        f"/api/v1/lists/{pk}/remove/", {"person_ids": [people["rahul"].pk]}, format="json"
    ).json() == {"removed": 1}
    assert c.post(
        f"/api/v1/lists/{pk}/add/", {"person_ids": [people["sourav"].pk, 10**9]}, format="json"
    ).json() == {"added": 1, "skipped": 1}
    assert (
        c.post(f"/api/v1/lists/{pk}/add/", {"person_ids": ["x"]}, format="json").status_code == 400
    )
    assert c.delete(f"/api/v1/lists/{pk}/").status_code == 204
    assert not PersonList.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("path", ["/api/schema/"])
def test_schema_documents_the_endpoints(people, users, path):
    from django.test import Client

    c = Client()
    c.force_login(users["admin"])
    body = c.get(path).content.decode()
    assert "/api/v1/segments/{id}/freeze/" in body and "/api/v1/segment-filters/" in body
