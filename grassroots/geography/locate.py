"""Which area is a point in? Point-in-polygon over the areas' GeoJSON boundaries.

``AreaLocator`` loads the boundaries once (optionally only under one root area) into a
``shapely`` STRtree and then answers many points at a time::

    locator = AreaLocator(root=state)            # one query, one tree
    locator.locate([(22.53, 88.35), (22.60, 88.40)])   # -> [area_id | None, ...]

For each point the answer is the *deepest* area whose boundary covers it (a booth inside its
constituency inside its state gives the booth), holes respected, or ``None``. Points are
``(latitude, longitude)``; GeoJSON stores ``[longitude, latitude]``, which is handled here.
Areas without a boundary are skipped; a boundary that is not a polygon (a point, a line) or
cannot be read is skipped and listed in ``locator.skipped`` with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.strtree import STRtree

from grassroots.geography.models import Area

POLYGONAL = {"Polygon", "MultiPolygon"}


def boundary_geometry(geojson: dict) -> shapely.Geometry | None:
    """A polygonal shapely geometry from a GeoJSON geometry, Feature or FeatureCollection.

    Returns ``None`` when there is no polygon in it; raises ``ValueError`` when it is malformed.
    """
    if not isinstance(geojson, dict):
        raise ValueError("the boundary is not a GeoJSON object")
    kind = geojson.get("type")
    if kind == "Feature":
        geometry = geojson.get("geometry")
        return boundary_geometry(geometry) if geometry else None
    if kind == "FeatureCollection":
        parts = [boundary_geometry(f) for f in geojson.get("features") or []]
        parts = [p for p in parts if p is not None]
        return shapely.union_all(parts) if parts else None
    try:
        geom = shape(geojson)
    except Exception as exc:  # shapely raises several types for malformed input
        raise ValueError(f"the boundary cannot be read: {exc}") from exc
    if geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type not in POLYGONAL:
        # A GeometryCollection (or make_valid's output): keep only its polygons.
        polygons = [g for g in getattr(geom, "geoms", []) if g.geom_type in POLYGONAL]
        if not polygons:
            return None
        geom = shapely.union_all(polygons)
    return geom


@dataclass(frozen=True)
class _Entry:
    area_id: int
    depth: int
    size: float  # polygon area, to prefer the smaller of two overlapping areas at one depth


class AreaLocator:
    """Boundaries loaded once; ``locate(points)`` answers the deepest covering area per point."""

    def __init__(self, root: Area | None = None, *, queryset=None):
        qs = queryset if queryset is not None else Area.objects.all()
        qs = qs.filter(boundary__isnull=False)
        if root is not None:
            qs = qs.filter(path__startswith=root.path)
        geoms: list[shapely.Geometry] = []
        entries: list[_Entry] = []
        self.skipped: dict[int, str] = {}
        for area_id, depth, boundary in qs.values_list("id", "depth", "boundary").iterator(
            chunk_size=500
        ):
            try:
                geom = boundary_geometry(boundary)
            except ValueError as exc:
                self.skipped[area_id] = str(exc)
                continue
            if geom is None:
                self.skipped[area_id] = "the boundary has no polygon"
                continue
            shapely.prepare(geom)
            geoms.append(geom)
            entries.append(_Entry(area_id, depth, geom.area))
        self._geoms = np.array(geoms, dtype=object)
        self._entries = entries
        self._tree = STRtree(self._geoms) if geoms else None

    def __len__(self) -> int:
        return len(self._entries)

    def locate(self, points: Iterable[Sequence[float | None]]) -> list[int | None]:
        """For each ``(latitude, longitude)``, the id of the deepest area covering it, or None.

        A point with a missing or non-finite coordinate answers None.
        """
        pts = list(points)
        answer: list[int | None] = [None] * len(pts)
        if self._tree is None or not pts:
            return answer
        lats = np.array([_num(p[0]) for p in pts], dtype=float)
        lons = np.array([_num(p[1]) for p in pts], dtype=float)
        ok = np.isfinite(lats) & np.isfinite(lons)
        index = np.flatnonzero(ok)
        if not len(index):
            return answer
        geometries = shapely.points(lons[index], lats[index])
        # covered_by: a point on an edge belongs to the area (a point in a hole does not).
        hits = self._tree.query(geometries, predicate="covered_by")
        best: dict[int, _Entry] = {}
        for i, g in zip(hits[0].tolist(), hits[1].tolist(), strict=True):
            entry = self._entries[g]
            current = best.get(i)
            if current is None or (entry.depth, -entry.size, -entry.area_id) > (
                current.depth,
                -current.size,
                -current.area_id,
            ):
                best[i] = entry
        for i, entry in best.items():
            answer[int(index[i])] = entry.area_id
        return answer

    def locate_one(self, latitude: float | None, longitude: float | None) -> int | None:
        return self.locate([(latitude, longitude)])[0]


def _num(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def locate_areas(
    points: Iterable[Sequence[float | None]], *, root: Area | None = None
) -> list[int | None]:
    """One-off convenience: build a locator and answer ``points`` (build one and reuse it for
    many batches)."""
    return AreaLocator(root=root).locate(points)
