"""The "answered a survey question" segment filter: latest answer one of some choices, between
two numbers, or no answer yet — compiled to one SQL query whatever the number of people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.lists import selectors as list_selectors
from grassroots.lists.registry import filters
from grassroots.people.tests.factories import PersonFactory
from grassroots.surveys import services
from grassroots.surveys.tests.factories import ScriptFactory, add_id_blocks
from grassroots.testing.queries import capture

pytestmark = pytest.mark.django_db


def definition(params, negate=False):
    item = {"filter": "survey_answer", "params": params, "negate": negate}
    return {"steps": [{"action": "add", "group": {"match": "all", "items": [item]}}]}


def members(actor, params):
    qs = list_selectors.segment_people(actor=actor, definition=definition(params))
    return set(qs.values_list("pk", flat=True))


@pytest.fixture
def answered(geo):
    script = ScriptFactory(name="2026 ID")
    b = add_id_blocks(script)
    now = timezone.now()
    people = {n: PersonFactory(area=geo["p1"], given_name=n) for n in ("a", "b", "c", "d")}
    people["e"] = PersonFactory(area=geo["p2"], given_name="e")

    def rec(person, answers, key, hours_ago=0):
        services.responses_record(
            actor=SYSTEM, person=person, script=script, answers=answers, attempt_key=key,
            channel="door", recorded_at=now - dt.timedelta(hours=hours_ago),
        )  # fmt: skip

    rec(people["a"], {b["support"].pk: 1, b["issue"].pk: "jobs"}, "a1")
    rec(people["b"], {b["support"].pk: 2, b["issue"].pk: "health"}, "b1", hours_ago=5)
    rec(people["b"], {b["support"].pk: 5}, "b2")  # b changed their mind since
    rec(people["c"], {b["issue"].pk: "health"}, "c1")
    rec(people["e"], {b["support"].pk: 1}, "e1")
    return {"script": script, "b": b, "people": people}


def test_latest_answer_between_and_one_of(answered, users):
    b, p = answered["b"], answered["people"]
    q = str(b["support"].pk)
    ids = lambda *names: {p[n].pk for n in names}  # noqa: E731
    assert members(users["admin"], {"question": q, "min": 1, "max": 2}) == ids("a", "e")
    assert members(users["admin"], {"question": q, "min": 4}) == ids("b")
    issue = str(b["issue"].pk)
    health = str(b["health"].pk)
    assert members(users["admin"], {"question": issue, "choices": [health]}) == ids("b", "c")
    assert members(users["admin"], {"question": q, "no_answer": True}) == ids("c", "d") | {
        x.pk for x in _others(users)
    }
    # the segment is cut to the actor's scope (part 1 for the volunteer)
    assert members(users["volunteer"], {"question": q, "min": 1, "max": 2}) == ids("a")


def _others(users):
    from grassroots.people.models import Person

    return Person.objects.exclude(given_name__in=list("abcde"))


def test_choices_of_another_question_are_refused(answered, users):
    b = answered["b"]
    compiler = list_selectors.compiler_for(users["admin"])
    with pytest.raises(Exception) as exc:
        compiler.compile(
            definition({"question": str(b["support"].pk), "choices": [str(b["jobs"].pk)]})
        )
    assert "answers of that question" in str(exc.value)


def test_one_query_whatever_the_number_of_people(answered, users, geo):
    q = {"question": str(answered["b"]["support"].pk), "min": 1, "max": 2}

    def count():
        return list_selectors.segment_people(actor=users["admin"], definition=definition(q)).count()

    count()  # the actor's roles, read once per request
    n, first = capture(count)
    for i in range(6):
        services.responses_record(
            actor=SYSTEM, person=PersonFactory(area=geo["p1"]), script=answered["script"],
            answers={answered["b"]["support"].pk: 2}, attempt_key=f"more{i}", channel="phone",
        )  # fmt: skip
    m, second = capture(count)
    assert (n, m) == (2, 8)
    # the filter's own lookups (question, choices) and the count: the same, whatever the rows
    assert len(first) == len(second) <= 3


def test_the_builder_lists_the_questions_and_answers(answered):
    f = filters.get("survey_answer")
    meta = f.describe()
    question_choices = dict(next(p for p in meta["params"] if p["name"] == "question")["choices"])
    assert question_choices[str(answered["b"]["support"].pk)] == "2026 ID — Support"
    answer_choices = dict(next(p for p in meta["params"] if p["name"] == "choices")["choices"])
    assert answer_choices[str(answered["b"]["jobs"].pk)] == "Issue: Jobs"
    assert SYSTEM  # the filter is registered at start-up, nothing else to do


def test_the_builder_offers_only_the_questions_of_scripts_the_user_may_see(answered, geo, users):
    from grassroots.geography import services as geo_services
    from grassroots.testing.users import make_user

    other_ac = geo_services.area_create(
        actor=SYSTEM, kind=geo["ac"].kind, code="IN-WB-AC9", name="Elsewhere", parent=geo["state"]
    )
    author = make_user("elsewhere_org", "field_organiser", areas=[other_ac])
    hidden = ScriptFactory(name="Their plan", actor=author)
    hidden_blocks = add_id_blocks(hidden)
    f = filters.get("survey_answer")
    for actor, sees in ((users["organiser"], False), (author, True), (users["manager"], True)):
        meta = f.describe(actor=actor)
        questions = dict(next(p for p in meta["params"] if p["name"] == "question")["choices"])
        answers = dict(next(p for p in meta["params"] if p["name"] == "choices")["choices"])
        assert (str(hidden_blocks["support"].pk) in questions) is sees
        assert (str(hidden_blocks["jobs"].pk) in answers) is sees
        assert str(answered["b"]["support"].pk) in questions  # campaign-wide: everyone
