"""Point-in-polygon: the deepest area whose boundary covers a point, holes and MultiPolygons."""

from __future__ import annotations

import pytest

from grassroots.core.access import SYSTEM
from grassroots.geography import services
from grassroots.geography.locate import AreaLocator, boundary_geometry, locate_areas


def box(lon0, lat0, lon1, lat1):
    """A GeoJSON ring (lon, lat pairs, closed, counter-clockwise)."""
    return [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


@pytest.fixture
def mapped(geo):
    """Boundaries on the shared tree, roughly around Kolkata (lon 88.x, lat 22.x):

    state IN-WB     88.0–89.0 × 22.0–23.0
    AC1             88.2–88.6 × 22.4–22.7, with a hole 88.45–88.55 × 22.45–22.55 (a lake)
    part 1          88.2–88.3 × 22.4–22.5 (a Feature)
    part 2          MultiPolygon: 88.3–88.4 × 22.6–22.7 and an exclave 88.58–88.6 × 22.4–22.42
    a sibling AC    88.7–88.9 × 22.1–22.3
    """
    areas = {k: geo[k] for k in ("state", "ac", "p1", "p2")}
    boundaries = {
        "state": polygon(box(88.0, 22.0, 89.0, 23.0)),
        "ac": polygon(box(88.2, 22.4, 88.6, 22.7), box(88.45, 22.45, 88.55, 22.55)),
        "p1": {
            "type": "Feature",
            "properties": {},
            "geometry": polygon(box(88.2, 22.4, 88.3, 22.5)),
        },
        "p2": {
            "type": "MultiPolygon",
            "coordinates": [[box(88.3, 22.6, 88.4, 22.7)], [box(88.58, 22.4, 88.6, 22.42)]],
        },
    }
    for key, b in boundaries.items():
        type(areas[key]).objects.filter(pk=areas[key].pk).update(boundary=b)
    areas["ac2"] = services.area_create(
        actor=SYSTEM,
        kind=geo["ac"].kind,
        code="IN-WB-AC2",
        name="Kolkata Port",
        parent=geo["state"],
        boundary=polygon(box(88.7, 22.1, 88.9, 22.3)),
    )
    return areas


def test_deepest_area_wins_and_holes_and_multipolygons_are_respected(mapped):
    locator = AreaLocator()
    assert len(locator) == 5 and locator.skipped == {}
    points = {
        "in part 1": (22.45, 88.25),
        "in part 2's main polygon": (22.65, 88.35),
        "in part 2's exclave": (22.41, 88.59),
        "in AC1 but no part": (22.62, 88.5),
        "in AC1's hole (the lake): only the state": (22.5, 88.5),
        "in the sibling AC": (22.2, 88.8),
        "in the state only": (22.9, 88.9),
        "on no area (the sea)": (21.5, 88.5),
        "lat/lon swapped lands nowhere": (88.25, 22.45),
    }
    got = dict(zip(points, locator.locate(points.values()), strict=True))
    assert got == {
        "in part 1": mapped["p1"].pk,
        "in part 2's main polygon": mapped["p2"].pk,
        "in part 2's exclave": mapped["p2"].pk,
        "in AC1 but no part": mapped["ac"].pk,
        "in AC1's hole (the lake): only the state": mapped["state"].pk,
        "in the sibling AC": mapped["ac2"].pk,
        "in the state only": mapped["state"].pk,
        "on no area (the sea)": None,
        "lat/lon swapped lands nowhere": None,
    }


def test_a_point_on_an_edge_belongs_to_the_area(mapped):
    locator = AreaLocator()
    # on part 1's outer edge (which is also AC1's edge): part 1 is the deepest covering it
    assert locator.locate_one(22.4, 88.25) == mapped["p1"].pk


def test_root_limits_the_areas_considered(mapped):
    under_ac = AreaLocator(root=mapped["ac"])
    assert len(under_ac) == 3  # AC1 and its two parts
    assert under_ac.locate([(22.45, 88.25), (22.2, 88.8), (22.9, 88.9)]) == [
        mapped["p1"].pk,
        None,  # the sibling AC is outside the root
        None,  # so is the rest of the state
    ]
    assert locate_areas([(22.41, 88.59)], root=mapped["ac"]) == [mapped["p2"].pk]


def test_missing_coordinates_and_empty_input(mapped):
    locator = AreaLocator()
    assert locator.locate([]) == []
    assert locator.locate([(None, 88.25), (22.45, None), ("", ""), (22.45, "88.25")]) == [
        None,
        None,
        None,
        mapped["p1"].pk,  # numeric text is read as a number
    ]


def test_no_boundaries_at_all_answers_none(geo):
    locator = AreaLocator()
    assert len(locator) == 0
    assert locator.locate([(22.45, 88.25)]) == [None]


def test_unreadable_or_non_polygon_boundaries_are_skipped_with_a_reason(mapped):
    type(mapped["ac2"]).objects.filter(pk=mapped["ac2"].pk).update(
        boundary={"type": "Point", "coordinates": [88.8, 22.2]}
    )
    type(mapped["p1"]).objects.filter(pk=mapped["p1"].pk).update(
        boundary={"type": "Polygon", "coordinates": "nonsense"}
    )
    locator = AreaLocator()
    assert set(locator.skipped) == {mapped["ac2"].pk, mapped["p1"].pk}
    assert "no polygon" in locator.skipped[mapped["ac2"].pk]
    assert "cannot be read" in locator.skipped[mapped["p1"].pk]
    # part 1's point now falls to AC1, the sibling AC's to the state
    assert locator.locate([(22.45, 88.25), (22.2, 88.8)]) == [
        mapped["ac"].pk,
        mapped["state"].pk,
    ]


def test_boundary_geometry_repairs_a_self_intersecting_ring():
    bowtie = polygon([[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]])
    geom = boundary_geometry(bowtie)
    assert geom.is_valid and geom.geom_type in {"Polygon", "MultiPolygon"}
    assert geom.area == pytest.approx(2.0)
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": polygon(box(0, 0, 1, 1))}],
    }
    assert boundary_geometry(collection).area == pytest.approx(1.0)
    assert boundary_geometry({"type": "FeatureCollection", "features": []}) is None
