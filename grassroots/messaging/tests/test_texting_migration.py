"""The data migration of issue 16: canned responses that wrote a custom field now answer a
question of a survey script made per texting campaign (messaging 0017), run on the real
database between the migrations before and after it, then reversed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("messaging", "0016_canned_survey_answer_fields")]
AFTER = [("messaging", "0017_canned_answers_to_surveys")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0016(transactional_db):
    apps = _migrate(BEFORE)
    yield apps
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_custom_field_answers_become_survey_answers(at_0016):
    apps = at_0016
    CustomField = apps.get_model("people", "CustomField")
    Campaign = apps.get_model("messaging", "TextingCampaign")
    Canned = apps.get_model("messaging", "CannedResponse")
    CustomField.objects.create(
        key="will_vote", label="Will vote?", labels={"hi": "वोट देंगे?"}, type="choice"
    )
    gotv = Campaign.objects.create(name="GOTV", script="Hi", language="bn")
    other = Campaign.objects.create(name="Second", script="Hello")
    Campaign.objects.create(name="Plain", script="Hi")  # no survey answers: left alone
    rows = [
        (gotv, "Yes", "will_vote", "yes"),
        (gotv, "Sure", "will_vote", "yes"),  # the same value: the same choice
        (gotv, "No", "will_vote", "No way"),
        (gotv, "Issue", "top_issue", "Água"),  # no such custom field: its key is the question
        (gotv, "Thanks", "", ""),  # a plain reply
        (other, "Yes", "will_vote", "yes"),
    ]
    for i, (campaign, title, key, value) in enumerate(rows):
        Canned.objects.create(
            campaign=campaign, title=title, body=title, field_key=key, field_value=value, position=i
        )

    apps = _migrate(AFTER)
    Campaign = apps.get_model("messaging", "TextingCampaign")
    Canned = apps.get_model("messaging", "CannedResponse")
    Script = apps.get_model("surveys", "Script")
    Block = apps.get_model("surveys", "Block")
    gotv = Campaign.objects.get(name="GOTV")
    script = gotv.survey_script
    assert script.name == "GOTV (texting)" and script.status == "active"
    assert script.base_language == "bn"
    questions = list(Block.objects.filter(script=script).order_by("position"))
    assert [(q.kind, q.text, q.label) for q in questions] == [
        ("single", "Will vote?", "Will vote?"),
        ("single", "top_issue", "top_issue"),
    ]
    assert questions[0].translations == {"hi": "वोट देंगे?"}
    assert [(c.value, c.label) for c in questions[0].choices.order_by("position")] == [
        ("yes", "yes"),
        ("no-way", "No way"),
    ]
    assert [(c.value, c.label) for c in questions[1].choices.all()] == [("água", "Água")]
    by_title = {c.title: c for c in Canned.objects.filter(campaign=gotv)}
    assert by_title["Yes"].choice_id == by_title["Sure"].choice_id
    assert by_title["Yes"].question_id == questions[0].pk
    assert by_title["No"].choice.label == "No way"
    assert by_title["Issue"].choice.block_id == questions[1].pk
    assert by_title["Thanks"].question_id is None and by_title["Thanks"].choice_id is None
    second = Campaign.objects.get(name="Second")
    assert second.survey_script.name == "Second (texting)"
    assert Canned.objects.get(campaign=second).choice.block.script_id == second.survey_script_id
    assert Campaign.objects.get(name="Plain").survey_script_id is None
    assert Script.objects.count() == 2

    # reversed: the links are cleared (the field pair is still there, as it was)
    apps = _migrate(BEFORE)
    Canned = apps.get_model("messaging", "CannedResponse")
    assert not Canned.objects.exclude(question=None).exists()
    assert Canned.objects.get(title="No").field_value == "No way"
    assert (
        not apps.get_model("messaging", "TextingCampaign")
        .objects.exclude(survey_script=None)
        .exists()
    )
    # and run again, it reuses the scripts it made
    apps = _migrate(AFTER)
    assert apps.get_model("surveys", "Script").objects.count() == 2
    assert apps.get_model("surveys", "Block").objects.count() == 3
    assert apps.get_model("surveys", "Choice").objects.count() == 4
