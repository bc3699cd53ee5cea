"""The surveys API: scripts and result codes (read, scoped), survey responses (create with an
attempt key — a replay stores nothing more — and list per person): authorization matrices with
an out-of-scope column, and constant query counts."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.surveys.models import Attempt, Response
from grassroots.surveys.tests.factories import ScriptFactory, add_id_blocks
from grassroots.testing.matrix import api_client, assert_matrix, snapshot
from grassroots.testing.queries import assert_constant_queries
from grassroots.testing.users import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(geo, users, people):
    script = ScriptFactory(actor=users["organiser"], name="Bhabanipur ID")
    blocks = add_id_blocks(script)
    p2_script = ScriptFactory(actor=SYSTEM, name="Part two survey")
    p2_script.area = geo["p2"]
    p2_script.save()
    return {"script": script, "b": blocks, "p2": p2_script,
            "vol2": make_user("vol2", "volunteer", areas=[geo["p2"]])}  # fmt: skip


def test_scripts_read_matrix(world, users):
    assert_matrix(
        api_client, "get", reverse("api:script-detail", args=[world["p2"].pk]),
        users={"wrong_role": users["finance"], "out_of_scope": users["volunteer"],
               "allowed": world["vol2"]},
        expect={"anonymous": 401, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
        leaks=["Part two survey"], json_errors=True,
    )  # fmt: skip
    r = api_client(users["volunteer"]).get(reverse("api:script-list"))
    names = [s["name"] for s in r.json()["results"]]
    assert names == ["Bhabanipur ID"]  # read by the booth below the constituency, not part 2's
    blocks = r.json()["results"][0]["blocks"]
    assert [b["kind"] for b in blocks] == ["text", "scale", "single", "yes_no"]
    assert [c["value"] for c in blocks[3]["choices"]] == ["yes", "no"]


def test_result_codes(world, users):
    r = api_client(users["volunteer"]).get(reverse("api:result-code-list"))
    codes = {c["code"]: c for c in r.json()["results"]}
    assert codes["moved"]["person_status"] == "moved"
    assert codes["not-home"]["translations"]["bn"] == "বাড়িতে নেই"
    assert api_client(users["finance"]).get(reverse("api:result-code-list")).status_code == 403


def test_record_matrix_and_replay(world, users, people):
    b = world["b"]
    body = {"person": people["rahul"].pk, "script": world["script"].pk, "channel": "door",
            "attempt_key": "4b7c", "answers": {str(b["support"].pk): 2}}  # fmt: skip
    assert_matrix(
        api_client, "post", reverse("api:survey-response-list"), data=body, format="json",
        users={"wrong_role": users["finance"], "out_of_scope": users["volunteer"],
               "allowed": users["organiser"]},
        expect={"anonymous": 401, "wrong_role": 403, "out_of_scope": 400, "allowed": 201},
        unchanged=lambda: snapshot(Attempt, Response), json_errors=True,
    )  # fmt: skip
    c = api_client(users["organiser"])
    again = c.post(reverse("api:survey-response-list"), body, format="json")
    assert again.status_code == 200
    assert Attempt.objects.filter(attempt_key="4b7c").count() == 1
    out = again.json()
    assert out["responses"][0]["number"] == "2.00" and out["errors"] == {}


def test_record_keeps_good_answers_and_reports_bad_ones(world, users, people):
    b = world["b"]
    r = api_client(users["volunteer"]).post(reverse("api:survey-response-list"), {
        "person": people["ananya"].pk, "script": world["script"].pk, "channel": "phone",
        "attempt_key": "x1", "result_code": "come-back-later",
        "answers": {str(b["support"].pk): 7, str(b["issue"].pk): "jobs", "nope": 1,
                    str(b["volunteer"].pk): {"odd": ["shape"]}},
    }, format="json")  # fmt: skip
    assert r.status_code == 201, r.content
    data = r.json()
    assert set(data["errors"]) == {str(b["support"].pk), "nope", str(b["volunteer"].pk)}
    assert [a["question"] for a in data["responses"]] == [b["issue"].pk]
    assert data["result_code"] == "come-back-later" and data["actor"] == "volunteer"
    listed = api_client(users["volunteer"]).get(
        reverse("api:survey-response-list"), {"person": people["ananya"].pk}
    )
    assert [a["attempt_key"] for a in listed.json()["results"]] == ["x1"]


def test_list_queries_are_constant(world, users, people, geo):
    from grassroots.people.tests.factories import PersonFactory
    from grassroots.surveys import services

    c = api_client(users["organiser"])

    def make(n, start):
        for _i in range(n):
            services.responses_record(
                actor=SYSTEM, person=PersonFactory(area=geo["p1"]), script=world["script"],
                answers={world["b"]["issue"].pk: "jobs", world["b"]["support"].pk: 3},
                attempt_key=uuid.uuid4().hex, channel="door",
            )  # fmt: skip
            ScriptFactory(actor=users["organiser"], blocks=True)

    for fetch in (
        lambda: c.get(reverse("api:survey-response-list")),
        lambda: c.get(reverse("api:script-list")),
    ):
        assert_constant_queries(make, fetch)
