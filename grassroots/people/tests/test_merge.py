"""Merging duplicates moves everything, is audited, and can be undone exactly."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from grassroots.core.access import SYSTEM
from grassroots.core.models import AuditEvent
from grassroots.people import merge, services
from grassroots.people.models import (
    ContactPoint,
    DuplicatePair,
    MergeRecord,
    Note,
    Person,
    Tagging,
    VoteHistory,
)


@pytest.fixture
def twins(geo, users):
    """Ananya entered twice: once from the roll, once from a sign-up form."""
    a = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Ananya", "family_name": "Das", "age": 34, "area": geo["p1"]},
        phones=["+919830012345"],
        external_ids=[("epic", "WKH0000018")],
    )
    b = services.person_create(
        actor=SYSTEM,
        data={
            "given_name": "Ananya",
            "family_name": "Dass",
            "age": 34,
            "area": geo["p1"],
            "native_name": "অনন্যা দাস",
            "support_score": 1,
        },
        phones=["+919830012345", "+919830099999"],
        emails=["ananya@example.org"],
    )
    tag = services.tag_get_or_create(actor=SYSTEM, name="Volunteer")
    services.tag_apply(actor=SYSTEM, tag=tag, people=[a, b])  # both tagged: a clash on merge
    services.note_create(actor=users["manager"], person=b, body="Signed up online")
    services.consent_record(
        actor=SYSTEM,
        person=b,
        channel="email",
        purpose="campaign",
        status="granted",
        source="web form",
    )
    pair = DuplicatePair.objects.create(low=a, high=b, score=0.97, reasons=["same phone"])
    return a, b, pair


def test_merge_moves_everything_and_takes_chosen_fields(twins, users):
    a, b, pair = twins
    record = merge.person_merge(
        actor=users["manager"],
        survivor=a,
        loser=b,
        take_from_loser=["native_name", "support_score"],
    )
    a.refresh_from_db()
    assert not Person.objects.filter(pk=b.pk).exists()
    assert a.native_name == "অনন্যা দাস" and a.support_score == 1 and a.family_name == "Das"
    assert set(a.contact_points.values_list("value", flat=True)) == {
        "+919830012345",
        "+919830099999",
        "ananya@example.org",
    }
    assert Tagging.objects.filter(person=a).count() == 1  # the clash was folded
    assert Note.objects.get().person == a and a.consents.count() == 1
    assert a.external_ids.get().value == "WKH0000018"
    assert len(record.removed) == 2  # the duplicate phone and the duplicate tag
    assert not DuplicatePair.objects.filter(pk=pair.pk).exists()
    assert AuditEvent.objects.filter(action="person.merged", object_id=str(a.pk)).exists()


def test_undo_restores_both_people_exactly(twins, users):
    a, b, pair = twins
    before_a = sorted(a.contact_points.values_list("value", flat=True))
    before_b = sorted(b.contact_points.values_list("value", flat=True))
    record = merge.person_merge(
        actor=users["manager"],
        survivor=a,
        loser=b,
        take_from_loser=["native_name", "support_score"],
    )
    restored = merge.person_merge_undo(actor=users["manager"], record=record)
    a.refresh_from_db()
    assert restored.pk == b.pk and restored.family_name == "Dass"
    assert a.native_name == "" and a.support_score is None
    assert sorted(a.contact_points.values_list("value", flat=True)) == before_a
    assert (
        sorted(ContactPoint.objects.filter(person_id=b.pk).values_list("value", flat=True))
        == before_b
    )
    assert Tagging.objects.filter(person_id=b.pk).count() == 1
    assert Note.objects.get().person_id == b.pk
    assert DuplicatePair.objects.get(low=a, high_id=b.pk).status == "pending"
    with pytest.raises(ValidationError):
        merge.person_merge_undo(actor=users["manager"], record=record)
    assert MergeRecord.objects.get().undone_at is not None


def test_merge_moves_rows_of_any_model_pointing_at_person(twins, geo):
    """Future apps take part with no change to the merge: here VoteHistory stands in for them."""
    import datetime as dt

    from grassroots.geography.services import election_create

    a, b, _pair = twins
    e = election_create(
        actor=SYSTEM,
        name="2021",
        kind="general",
        date=dt.date(2021, 4, 1),
        area=geo["state"],
        code="wb-2021",
    )
    VoteHistory.objects.create(person=b, election=e, voted=True)
    merge.person_merge(actor=SYSTEM, survivor=a, loser=b)
    assert VoteHistory.objects.get().person_id == a.pk


def test_not_a_duplicate_is_remembered(twins, users):
    a, b, pair = twins
    merge.duplicate_mark_distinct(actor=users["manager"], pair=pair)
    pair.refresh_from_db()
    assert pair.status == "distinct" and pair.decided_by == users["manager"]


def test_merge_rejects_self_and_unknown_fields(twins):
    a, b, _ = twins
    with pytest.raises(ValidationError):
        merge.person_merge(actor=SYSTEM, survivor=a, loser=a)
    with pytest.raises(ValidationError):
        merge.person_merge(actor=SYSTEM, survivor=a, loser=b, take_from_loser=["password"])
    assert Person.objects.count() == 2
