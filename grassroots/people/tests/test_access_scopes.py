"""Scope strategies of ``core.access`` applied to real models (areas, people, contact points)."""

from __future__ import annotations

import pytest

from grassroots.core import access
from grassroots.core.exceptions import Forbidden, NotFound


def test_by_area_scope_inside_and_overlap(geo, users):
    from grassroots.geography.models import Area

    volunteer = users["volunteer"]  # scoped to part 1
    seen = set(Area.objects.visible_to(volunteer).values_list("code", flat=True))
    # The area strategy for areas reads ancestors too (overlap), never a sibling.
    assert {"IN-WB-AC1-P001", "IN-WB-AC1", "IN-WB", "IN"} == seen
    changeable = set(Area.objects.visible_to(volunteer, "change").values_list("code", flat=True))
    assert changeable == {"IN-WB-AC1-P001"}
    assert Area.objects.visible_to(None).count() == 0
    assert Area.objects.visible_to(access.SYSTEM).count() == Area.objects.count()


def test_get_visible_answers_not_found_for_missing_out_of_scope_and_malformed(geo, users, people):
    from grassroots.people.models import Person

    volunteer = users["volunteer"]
    inside = Person.objects.filter(area=geo["p1"]).first()
    outside = Person.objects.filter(area=geo["p2"]).first()
    assert access.get_visible(Person, volunteer, pk=inside.pk) == inside
    for pk in (outside.pk, 10**9, "not-a-number"):
        with pytest.raises(NotFound):
            access.get_visible(Person, volunteer, pk=pk)
    with pytest.raises(NotFound):
        access.require_object(volunteer, "people.view", outside)
    with pytest.raises(Forbidden):  # capability first: a 403 says nothing about the object
        access.require_object(volunteer, "people.merge", outside)


def test_via_scope_follows_the_parent(geo, users, people):
    from grassroots.people.models import ContactPoint, Person

    volunteer = users["volunteer"]
    visible = set(ContactPoint.objects.visible_to(volunteer).values_list("person_id", flat=True))
    allowed = set(Person.objects.visible_to(volunteer).values_list("pk", flat=True))
    assert visible and visible <= allowed


def test_home_area(geo, users):
    from grassroots.geography.selectors import home_area

    assert home_area(users["admin"]) is None
    assert home_area(users["volunteer"]) == geo["p1"]
    two = users["volunteer"]
    two.scope_areas.add(geo["p2"])
    two._scope_paths_cache = None
    del two._scope_paths_cache
    assert home_area(two) == geo["ac"]
