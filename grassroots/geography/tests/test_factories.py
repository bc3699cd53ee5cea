"""The area factory goes through ``area_create``: paths and depths are those of the product."""

from __future__ import annotations

from grassroots.geography.models import Area
from grassroots.geography.tests.factories import AreaFactory, AreaKindFactory


def test_area_factory_builds_a_real_tree(db):
    root = AreaFactory()
    child = AreaFactory(parent=root)
    grandchild = AreaFactory(parent=child, kind=AreaKindFactory(code="part", is_polling_unit=True))
    for area in (root, child, grandchild):
        area.refresh_from_db()
    assert (root.depth, child.depth, grandchild.depth) == (0, 1, 2)
    assert grandchild.path.startswith(child.path) and child.path.startswith(root.path)
    assert set(Area.objects.filter(path__startswith=root.path)) == {root, child, grandchild}
    assert grandchild.code.startswith(child.code)
