"""Moving an area (re-parenting a subtree) keeps people and scopes consistent."""

from __future__ import annotations

import pytest

from grassroots.core.access import SYSTEM
from grassroots.geography import services
from grassroots.geography.models import PATH_STEP, Area, AreaKind
from grassroots.people.models import Household, Person


def _consistent(area: Area) -> None:
    parent = area.parent
    assert area.path == (parent.path if parent else "") + f"{area.pk:0{PATH_STEP}d}/"
    assert area.depth == (parent.depth + 1 if parent else 0)


@pytest.mark.django_db
def test_moving_a_subtree_re_paths_it_and_people_follow(geo, people, users):
    ac = AreaKind.objects.get(code="ac")
    ac2 = services.area_create(
        actor=SYSTEM, kind=ac, code="IN-WB-AC2", name="Kolkata Port", parent=geo["state"]
    )
    section = services.area_create(
        actor=SYSTEM, kind=ac, code="IN-WB-AC1-P001-S1", name="Section 1", parent=geo["p1"]
    )
    moved = services.area_move(actor=users["manager"], area=geo["p1"], parent=ac2)
    assert moved.parent == ac2
    for area in Area.objects.all():
        _consistent(area)
    section.refresh_from_db()
    assert section.path.startswith(ac2.path) and section.depth == 4
    # people of the booth are now inside AC2 (by the path) and no longer inside AC1
    inside_ac2 = Person.objects.filter(area__path__startswith=ac2.path)
    assert set(inside_ac2) == {people["ananya"], people["sourav"]}
    assert not Person.objects.filter(
        area__path__startswith=geo["ac"].path, pk=people["ananya"].pk
    ).exists()
    # the organiser of AC1 no longer sees the booth's people
    assert not Person.objects.visible_to(users["organiser"]).filter(pk=people["ananya"].pk).exists()
    household = Household.objects.get(pk=people["household"].pk)
    assert household.area_id == geo["p1"].pk
    assert Household.objects.filter(area__path__startswith=ac2.path, pk=household.pk).exists()
    # and the volunteer of the booth still sees them (scopes are by area id)
    assert Person.objects.visible_to(users["volunteer"]).filter(pk=people["ananya"].pk).exists()
