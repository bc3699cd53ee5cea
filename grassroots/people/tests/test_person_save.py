"""Saving a person object never writes the vote summary back (issue 13, item 16's race)."""

from grassroots.core.access import SYSTEM
from grassroots.people.models import Person
from grassroots.people.services import person_create


def test_an_edit_saved_from_an_old_object_keeps_the_vote_summary_an_import_wrote(db, geo):
    person = person_create(actor=SYSTEM, data={"given_name": "Mita", "area": geo["p1"]})
    stale = Person.objects.get(pk=person.pk)
    # meanwhile an import records votes: the summary is written by SQL
    Person.objects.filter(pk=person.pk).update(votes_cast=0b1011)
    stale.given_name = "Mita Rani"
    stale.save()
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.given_name == "Mita Rani"
    assert fresh.votes_cast == 0b1011


def test_a_person_deleted_meanwhile_is_not_brought_back_by_an_old_object(db, geo):
    import pytest
    from django.db import DatabaseError, transaction

    person = person_create(actor=SYSTEM, data={"given_name": "Gone", "area": geo["p1"]})
    stale = Person.objects.get(pk=person.pk)
    Person.objects.filter(pk=person.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        stale.save()
    assert not Person.objects.filter(pk=person.pk).exists()
