"""The Scripts screens: authorization matrices (anonymous, wrong role, out of scope, allowed),
the builder's actions, the preview walking the branches, the answer form from the person page
(idempotent on its attempt id), and constant query counts for the list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.people.models import Interaction
from grassroots.surveys import services
from grassroots.surveys.models import Attempt, Block, Choice, Response, Script
from grassroots.surveys.tests.factories import ScriptFactory, add_id_blocks
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client, snapshot
from grassroots.testing.queries import assert_constant_queries
from grassroots.testing.users import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(geo, users, people):
    p2_volunteer = make_user("vol2", "volunteer", areas=[geo["p2"]])
    p1_organiser = make_user("org1", "field_organiser", areas=[geo["p1"]])
    ac_script = ScriptFactory(actor=users["organiser"], name="Bhabanipur ID")
    blocks = add_id_blocks(ac_script)
    services.script_update(actor=SYSTEM, script=ac_script, status="active")
    p2_script = ScriptFactory(actor=SYSTEM, name="Part two survey")
    p2_script.area = geo["p2"]
    p2_script.save()
    return {"ac": ac_script, "p2": p2_script, "b": blocks, "vol2": p2_volunteer,
            "org1": p1_organiser}  # fmt: skip


def test_script_list_matrix(world, users):
    r = assert_matrix(
        html_client, "get", reverse("surveys:script_list"),
        users={"wrong_role": users["finance"], "allowed": users["volunteer"]},
        expect={"anonymous": LOGIN, "wrong_role": 403, "allowed": 200},
        leaks=["Bhabanipur ID"],
    )  # fmt: skip
    body = r["allowed"].content.decode()
    assert "Part two survey" not in body  # part 2's script is out of the volunteer's scope
    assert "New script" not in body  # a volunteer does not write scripts


def test_script_detail_matrix(world, users):
    assert_matrix(
        html_client, "get", reverse("surveys:script_detail", args=[world["p2"].pk]),
        users={"wrong_role": users["finance"], "out_of_scope": users["volunteer"],
               "allowed": world["vol2"]},
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
        leaks=["Part two survey"],
    )  # fmt: skip


def test_builder_post_matrix(world, users):
    script = world["p2"]
    assert_matrix(
        html_client, "post", reverse("surveys:script_detail", args=[script.pk]),
        data={"action": "block_add", "kind": "text", "text": "Hello"},
        users={"wrong_role": world["vol2"], "out_of_scope": world["org1"],
               "allowed": users["organiser"]},
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 302},
        unchanged=lambda: snapshot(Block.objects.filter(script=script), Script),
    )  # fmt: skip
    assert list(script.blocks.values_list("text", flat=True)) == ["Hello"]


def test_builder_actions(world, users):
    c = html_client(users["organiser"])
    script, b = world["ac"], world["b"]
    url = reverse("surveys:script_detail", args=[script.pk])
    r = c.get(url)
    assert r.status_code == 200
    body = r.content.decode()
    assert "How likely are you to support us?" in body and "Not home" in body  # result codes
    r = c.post(url, {"action": "choice_add", "block": b["issue"].pk, "label": "Roads"})
    assert r.status_code == 302
    roads = Choice.objects.get(block=b["issue"], label="Roads")
    r = c.post(url, {"action": "choice_update", "choice": roads.pk, "label": "Roads",
                     "label_bn": "রাস্তা", "goto": b["volunteer"].pk})  # fmt: skip
    roads.refresh_from_db()
    assert roads.translations == {"bn": "রাস্তা"} and roads.goto == b["volunteer"]
    r = c.post(url, {"action": "block_update", "block": b["support"].pk, "text": "Support?",
                     "text_hi": "समर्थन?", "scale_min": 1, "scale_max": 5,
                     "writes_support_score": "1"})  # fmt: skip
    b["support"].refresh_from_db()
    assert b["support"].translations == {"hi": "समर्थन?"} and b["support"].writes_support_score
    # a move that would make the jump go backwards is refused with a message, nothing moved
    r = c.post(url, {"action": "block_move", "block": b["volunteer"].pk, "direction": "up"},
               follow=True)  # fmt: skip
    assert "before it" in r.content.decode()
    assert Block.objects.get(pk=b["volunteer"].pk).position == 3
    r = c.post(url, {"action": "block_move", "block": b["intro"].pk, "direction": "down"})
    assert Block.objects.get(pk=b["intro"].pk).position == 1
    # another script's block is not found through this one
    other = ScriptFactory(actor=SYSTEM, name="Other", blocks=True)
    r = c.post(url, {"action": "block_delete", "block": other.blocks.first().pk})
    assert r.status_code == 404 and other.blocks.count() == 4


def test_create_script_keeps_what_was_typed_on_error(world, users):
    c = html_client(users["organiser"])
    r = c.post(reverse("surveys:script_list"), {"name": "", "description": "Kept text"})
    assert r.status_code == 200 and "Kept text" in r.content.decode()
    r = c.post(reverse("surveys:script_list"), {"name": "Booth ID", "languages": ["bn"]})
    script = Script.objects.get(name="Booth ID")
    assert r.status_code == 302 and script.languages == ["bn"]


def test_preview_walks_the_branches_in_a_language(world, users, people):
    b = world["b"]
    thanks = services.block_add(actor=SYSTEM, script=world["ac"], kind="text", text="Thanks!")
    services.choice_update(actor=SYSTEM, choice=b["jobs"], goto=thanks.pk)
    c = html_client(users["volunteer"])
    url = reverse("surveys:script_preview", args=[world["ac"].pk])
    r = c.get(url, {"lang": "bn", "step": 0, "person": people["ananya"].pk})
    assert "নমস্কার Ananya" in r.content.decode()
    r = c.get(url, {"lang": "bn", "step": 2})
    body = r.content.decode()
    assert 'href="?step=4&lang=bn">চাকরি' in body  # Jobs jumps over the yes/no
    assert 'href="?step=3&lang=bn">Health' in body
    r = c.get(url, {"lang": "bn", "step": 9})
    assert r.status_code == 200 and "End of the script" in r.content.decode()
    # a person out of the volunteer's scope is not found
    assert c.get(url, {"person": people["rahul"].pk}).status_code == 404


def test_answer_form_matrix_and_idempotence(world, users, people):
    b, script = world["b"], world["ac"]
    ananya, rahul = people["ananya"], people["rahul"]
    data = {"attempt_key": "form-1", "channel": "phone", f"q{b['support'].pk}": "1",
            f"q{b['issue'].pk}": str(b["jobs"].pk),
            f"q{b['volunteer'].pk}": str(b["volunteer"].choices.get(value="yes").pk)}  # fmt: skip
    assert_matrix(
        html_client, "post", reverse("surveys:answer", args=[rahul.pk, script.pk]), data=data,
        users={"wrong_role": users["finance"], "out_of_scope": users["volunteer"],
               "allowed": users["organiser"]},
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 302},
        unchanged=lambda: snapshot(Attempt, Response, Interaction),
    )  # fmt: skip
    c = html_client(users["volunteer"])
    url = reverse("surveys:answer", args=[ananya.pk, script.pk])
    r = c.get(url)
    assert r.status_code == 200 and "Hello Ananya" in r.content.decode()
    data["attempt_key"] = "form-2"
    assert c.post(url, data).status_code == 302
    assert c.post(url, data).status_code == 302  # sent twice: stored once
    assert Attempt.objects.filter(person=ananya).count() == 1
    ananya.refresh_from_db()
    assert ananya.support_score == 1
    page = c.get(reverse("people:person_detail", args=[ananya.pk])).content.decode()
    assert "Survey answers" in page and "Jobs" in page


def test_answer_form_keeps_what_was_typed_when_refused(world, users, people):
    c = html_client(users["volunteer"])
    url = reverse("surveys:answer", args=[people["ananya"].pk, world["ac"].pk])
    b = world["b"]
    r = c.post(url, {"attempt_key": "k", "channel": "pigeon", f"q{b['support'].pk}": "4"})
    assert r.status_code == 200
    assert f'name="q{b["support"].pk}" value="4" checked' in r.content.decode()
    assert not Attempt.objects.exists()


def test_script_list_queries_are_constant(world, users):
    c = html_client(users["organiser"])

    def make(n, start):
        for i in range(n):
            ScriptFactory(actor=users["organiser"], name=f"S{start + i}", blocks=True)

    assert_constant_queries(make, lambda: c.get(reverse("surveys:script_list")))
