"""Segments: filters, the AND / OR / NOT and add / remove / narrow algebra, scope, lists."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.geography.models import Election
from grassroots.lists import selectors, services
from grassroots.lists.compiler import DefinitionError
from grassroots.lists.models import ListMember
from grassroots.lists.registry import filters
from grassroots.people import services as people_services
from grassroots.people.models import Consent, ContactPoint, CustomField, Tag, Tagging
from grassroots.people.votes import vote_record


def one(filter_key, negate=False, **params):
    return {"filter": filter_key, "params": params, "negate": negate}


def seg(*items, match="all"):
    return {"steps": [{"action": "add", "group": {"match": match, "items": list(items)}}]}


def names(actor, definition):
    return sorted(
        p.given_name for p in selectors.segment_people(actor=actor, definition=definition)
    )


@pytest.fixture
def admin(users):
    return users["admin"]


def test_area_with_and_without_descendants(people, admin):
    assert names(admin, seg(one("area", areas=["IN-WB-AC1-P001"]))) == ["Ananya", "Sourav"]
    assert names(admin, seg(one("area", areas=["IN-WB-AC1"]))) == ["Ananya", "Rahul", "Sourav"]
    assert names(admin, seg(one("area", areas=["IN-WB-AC1"], descendants=False))) == []
    with pytest.raises(DefinitionError, match="unknown area code"):
        names(admin, seg(one("area", areas=["NOPE"])))


def test_age_gender_support(people, admin):
    assert names(admin, seg(one("age", min=18, max=35))) == ["Ananya", "Rahul"]
    assert names(admin, seg(one("age", min=60))) == ["Sourav"]
    assert names(admin, seg(one("gender", values=["male"]))) == ["Rahul", "Sourav"]
    assert names(admin, seg(one("support", scores=["1", "2"]))) == ["Ananya"]
    with pytest.raises(DefinitionError, match="not one of the choices"):
        names(admin, seg(one("support", scores=["9"])))
    with pytest.raises(DefinitionError, match="a number is needed"):
        names(admin, seg(one("age", min="young")))


def test_tags_any_and_all(people, admin):
    a, b = (
        Tag.objects.create(name="Volunteer", slug="volunteer"),
        Tag.objects.create(name="Donor", slug="donor"),
    )
    Tagging.objects.create(person=people["ananya"], tag=a)
    Tagging.objects.create(person=people["ananya"], tag=b)
    Tagging.objects.create(person=people["rahul"], tag=a)
    assert names(admin, seg(one("tags", tags=["volunteer", "donor"]))) == ["Ananya", "Rahul"]
    assert names(admin, seg(one("tags", tags=["volunteer", "donor"], match="all"))) == ["Ananya"]
    assert names(admin, seg(one("tags", tags=["donor"], negate=True))) == ["Rahul", "Sourav"]


def test_reachable_by_sms_respects_dnc_landlines_and_opt_outs(people, admin):
    rule = one("reachable", channel="sms")
    assert names(admin, seg(rule)) == ["Ananya", "Rahul"]
    ContactPoint.objects.filter(person=people["rahul"]).update(phone_kind="landline")
    assert names(admin, seg(rule)) == ["Ananya"]
    Consent.objects.create(
        person=people["ananya"], channel="sms", purpose="campaign", status="withdrawn"
    )
    assert names(admin, seg(rule)) == []
    # Opting back in later wins: the latest record counts.
    Consent.objects.create(
        person=people["ananya"],
        channel="sms",
        purpose="campaign",
        status="granted",
        recorded_at=timezone.now() + dt.timedelta(seconds=1),
    )
    assert names(admin, seg(rule)) == ["Ananya"]
    assert names(admin, seg(one("reachable", channel="sms", consent="granted"))) == ["Ananya"]
    assert (
        names(admin, seg(one("reachable", channel="sms", purpose="fundraising", consent="granted")))
        == []
    )
    people["ananya"].do_not_contact = True
    people["ananya"].save()
    assert names(admin, seg(rule)) == []
    assert names(admin, seg(one("reachable", channel="email"))) == []


def test_contacted_and_not_contacted(people, admin):
    now = timezone.now()
    people_services.interaction_record(
        actor=SYSTEM, person=people["rahul"], channel="door", occurred_at=now - dt.timedelta(days=3)
    )
    assert names(admin, seg(one("contacted", days=30))) == ["Rahul"]
    assert names(admin, seg(one("contacted", days=30, negate=True))) == ["Ananya", "Sourav"]
    assert names(admin, seg(one("contacted", days=30, channel="door"))) == ["Rahul"]
    assert names(admin, seg(one("contacted", days=30, channel="phone"))) == []
    assert names(admin, seg(one("contacted", days=2))) == []


@pytest.fixture
def elections(geo):
    def make(code, year, kind="general"):
        return Election.objects.create(
            code=code, name=code, kind=kind, date=dt.date(year, 11, 5), area=geo["ac"]
        )

    return [
        make("g2018", 2018),
        make("g2020", 2020),
        make("p2021", 2021, "by_election"),
        make("g2022", 2022),
        make("g2024", 2024),
    ]


def test_voted_in_n_of_the_last_m(people, admin, elections):
    g18, g20, _p21, g22, g24 = elections
    a, s, r = people["ananya"], people["sourav"], people["rahul"]
    for person, votes in ((a, [g18, g20, g22, g24]), (s, [g18, g20]), (r, [g24])):
        for e in votes:
            vote_record(actor=SYSTEM, person=person, election=e, voted=True)
    vote_record(actor=SYSTEM, person=r, election=g22, voted=False)
    two_of_four = one("votes", at_least=2, last=4, kind="general")
    assert names(admin, seg(two_of_four)) == ["Ananya", "Sourav"]
    assert names(admin, seg(one("votes", at_least=1, last=2, kind="general"))) == [
        "Ananya",
        "Rahul",
    ]
    assert names(admin, seg(one("votes", at_least=3, last=2, kind="general"))) == []
    assert names(admin, seg(one("voted_in", election="g2024", voted=False))) == ["Sourav"]
    assert names(admin, seg(two_of_four, one("voted_in", election="g2024", voted=False))) == [
        "Sourav"
    ]


def test_household_size_and_distance(people, admin, geo):
    assert names(admin, seg(one("household_size", min=2))) == ["Ananya", "Sourav"]
    assert names(admin, seg(one("household_size", max=1))) == []
    address = people["household"].address
    address.latitude, address.longitude = 22.5300, 88.3500
    address.save()
    assert names(admin, seg(one("distance", latitude=22.5350, longitude=88.3500, km=1))) == [
        "Ananya",
        "Sourav",
    ]
    assert names(admin, seg(one("distance", latitude=22.5500, longitude=88.3500, km=1))) == []


def test_custom_field(people, admin):
    field = CustomField.objects.create(
        key="caste_group", label="Group", type="choice", choices=["A", "B"]
    )
    people_services.custom_values_set(actor=SYSTEM, person=people["ananya"], values={field: "A"})
    people_services.custom_values_set(actor=SYSTEM, person=people["rahul"], values={field: "B"})
    assert names(admin, seg(one("custom_field", field="caste_group", op="eq", value="A"))) == [
        "Ananya"
    ]
    assert names(admin, seg(one("custom_field", field="caste_group", op="eq", value="A|B"))) == [
        "Ananya",
        "Rahul",
    ]
    assert names(admin, seg(one("custom_field", field="caste_group", op="unset"))) == ["Sourav"]


# --- the algebra ---------------------------------------------------------------------------------

LEAVES = {
    "p1": one("area", areas=["IN-WB-AC1-P001"]),
    "young": one("age", max=35),
    "male": one("gender", values=["male"]),
    "phone": one("reachable", channel="phone"),
}


def test_and_or_not_and_steps_agree_with_set_algebra(people, admin):
    everyone = set(names(admin, {"steps": []}))
    sets = {k: set(names(admin, seg(v))) for k, v in LEAVES.items()}
    assert everyone == {"Ananya", "Rahul", "Sourav"}
    rng = random.Random(4)
    for a, b in itertools.permutations(LEAVES, 2):
        A, B = sets[a], sets[b]
        assert set(names(admin, seg(LEAVES[a], LEAVES[b]))) == A & B
        assert set(names(admin, seg(LEAVES[a], LEAVES[b], match="any"))) == A | B
        neg = {**LEAVES[b], "negate": True}
        assert set(names(admin, seg(LEAVES[a], neg))) == A - B
        nested = {"match": "any", "negate": True, "items": [LEAVES[a], LEAVES[b]]}
        assert set(names(admin, seg(nested))) == everyone - (A | B)
        c = rng.choice(list(LEAVES))
        steps = {
            "steps": [
                {"action": "add", "group": {"items": [LEAVES[a]]}},
                {"action": "add", "group": {"items": [LEAVES[b]]}},
                {"action": "remove", "group": {"items": [LEAVES[c]]}},
            ]
        }
        assert set(names(admin, steps)) == (A | B) - sets[c]
        narrowed = {
            "steps": [*steps["steps"], {"action": "narrow", "group": {"items": [LEAVES[a]]}}]
        }
        assert set(names(admin, narrowed)) == ((A | B) - sets[c]) & A
    assert (
        set(names(admin, {"steps": [{"action": "remove", "group": {"items": [LEAVES["male"]]}}]}))
        == everyone - sets["male"]
    )


def test_a_segment_is_one_query(people, admin, elections):
    for e in elections:  # (with no votes at all, the vote condition is known to match nobody)
        vote_record(actor=SYSTEM, person=people["ananya"], election=e, voted=True)
    definition = seg(
        one("area", areas=["IN-WB-AC1"]),
        one("age", min=18, max=35),
        one("contacted", days=30, negate=True),
        one("reachable", channel="sms"),
        one("votes", at_least=2, last=4, kind="general"),
        one("household_size", min=1),
        {
            "match": "any",
            "items": [one("gender", values=["female"]), one("support", scores=["1", "2"])],
        },
    )
    qs = selectors.segment_people(actor=admin, definition=definition)  # compiling may read refs
    with CaptureQueriesContext(connection) as ctx:
        list(qs)
    assert len(ctx.captured_queries) == 1
    with CaptureQueriesContext(connection) as ctx:
        counts = selectors.segment_counts(
            actor=admin, definition=seg(one("area", areas=["IN-WB-AC1"]))
        )
    assert counts == {"people": 3, "households": 2}  # Rahul, with no household, is a door


@pytest.mark.parametrize(
    "definition, message",
    [
        ("nope", "list of steps"),
        ({"steps": [{"action": "explode"}]}, "add, remove or narrow"),
        (seg({"filter": "no-such-filter"}), "unknown filter"),
        (seg({"filter": "age", "params": {"min": 5, "colour": "red"}}), "unknown parameter"),
        (seg({"list": "abc"}), "not a valid id"),
        (seg({"list": 999999}), "list 999999 does not exist"),
        (seg({"segment": 999999}), "segment 999999 does not exist"),
        (seg({"what": 1}), "needs a filter"),
        (seg(one("reachable")), "required"),
    ],
)
def test_bad_definitions_say_what_is_wrong(people, admin, definition, message):
    with pytest.raises(ValidationError, match=message):
        selectors.segment_people(actor=admin, definition=definition)


def test_every_filter_describes_itself_for_the_api(db):
    described = {f.key: f.describe() for f in filters}
    assert {"area", "tags", "age", "reachable", "votes", "contacted", "distance"} <= set(described)
    reach = {p["name"]: p for p in described["reachable"]["params"]}
    assert reach["channel"]["required"] and not reach["purpose"]["required"]
    assert ["sms", "SMS (mobile phone)"] in reach["channel"]["choices"]


# --- scope, segments of segments, lists ----------------------------------------------------------


def test_scope_cuts_every_segment(people, users):
    volunteer = users["volunteer"]  # scoped to part 1
    assert names(volunteer, seg()) == ["Ananya", "Sourav"]
    assert names(volunteer, seg(one("area", areas=["IN-WB-AC1-P002"]))) == []


def test_segments_reference_segments_and_lists_without_cycles(people, users):
    manager = users["manager"]
    young = services.segment_create(actor=manager, name="Young", definition=seg(one("age", max=35)))
    men = services.segment_create(
        actor=manager, name="Men", definition=seg(one("gender", values=["male"]))
    )
    assert names(manager, seg({"segment": young.pk}, {"segment": men.pk})) == ["Rahul"]
    assert names(manager, seg({"segment": young.pk}, {"segment": men.pk}, match="any")) == [
        "Ananya",
        "Rahul",
        "Sourav",
    ]
    services.segment_update(actor=manager, segment=young, definition=seg(one("age", max=30)))
    with pytest.raises(ValidationError, match="refers to itself"):
        services.segment_update(actor=manager, segment=men, definition=seg({"segment": men.pk}))
    snap = services.list_freeze(actor=manager, segment=young)
    assert snap.size == 1 and snap.definition == young.definition and snap.frozen_at
    # The snapshot keeps its people when the data changes; the segment follows the data.
    type(people["ananya"]).objects.filter(pk=people["ananya"].pk).update(
        born_estimate=dt.date(2000, 1, 1)
    )
    assert names(manager, seg({"segment": young.pk})) == ["Ananya", "Rahul"]
    assert names(manager, seg({"list": snap.pk})) == ["Rahul"]
    assert names(manager, seg({"segment": men.pk}, {"list": snap.pk, "negate": True})) == ["Sourav"]


def test_private_segments_and_lists_are_not_visible_to_others(people, users):
    manager, organiser = users["manager"], users["organiser"]
    mine = services.segment_create(actor=manager, name="Mine", definition=seg())
    shared = services.segment_create(
        actor=manager, name="Ours", definition=seg(), visibility="shared"
    )
    assert set(selectors.segment_visible_to(organiser)) == {shared}
    with pytest.raises(ValidationError, match=f"segment {mine.pk} does not exist"):
        selectors.segment_people(actor=organiser, definition=seg({"segment": mine.pk}))
    with pytest.raises(PermissionDenied):
        services.segment_update(actor=organiser, segment=shared, name="Taken")
    with pytest.raises(PermissionDenied):
        services.segment_create(actor=users["volunteer"], name="x", definition=seg())


def test_freeze_within_scope_and_hand_picked_lists(people, users):
    organiser, volunteer = users["organiser"], users["volunteer"]
    everyone = services.segment_create(
        actor=organiser, name="All", definition=seg(), visibility="shared"
    )
    snap = services.list_freeze(actor=organiser, segment=everyone)
    assert snap.size == 3
    picked = services.list_create(
        actor=organiser, name="Picked", person_ids=[people["rahul"].pk, people["rahul"].pk, 10**9]
    )
    assert picked.size == 1  # the duplicate once, the unknown id skipped
    result = services.list_add_people(
        actor=organiser, person_list=picked, person_ids=[people["ananya"].pk, people["rahul"].pk]
    )
    assert result == {"added": 1, "skipped": 1}
    assert (
        services.list_remove_people(
            actor=organiser, person_list=picked, person_ids=[people["rahul"].pk]
        )
        == 1
    )
    assert list(ListMember.objects.filter(list=picked).values_list("person_id", flat=True)) == [
        people["ananya"].pk
    ]
    with pytest.raises(ValidationError, match="Not a person id"):
        services.list_add_people(actor=organiser, person_list=picked, person_ids=["x"])
    # A shared snapshot shows each user only their own part of it.
    snap.visibility = "shared"
    snap.save()
    assert sorted(
        p.given_name for p in selectors.list_people(actor=volunteer, person_list=snap)
    ) == ["Ananya", "Sourav"]


def test_services_validate_names_and_audit(people, users):
    from grassroots.core.models import AuditEvent

    manager = users["manager"]
    with pytest.raises(ValidationError) as exc:
        services.segment_create(actor=manager, name="  ", definition=seg(), visibility="world")
    assert set(exc.value.message_dict) == {"name", "visibility"}
    with pytest.raises(ValidationError, match="unknown filter"):
        services.segment_create(actor=manager, name="Bad", definition=seg({"filter": "nope"}))
    s = services.segment_create(actor=manager, name="Good", definition=seg())
    services.list_freeze(actor=manager, segment=s)
    services.segment_delete(actor=manager, segment=s)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["segment.created", "list.frozen", "segment.deleted"]
