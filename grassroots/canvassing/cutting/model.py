"""Input and result types of the turf-cutting engine (plain dataclasses, no Django)."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Literal

NO_COORDINATES = "no coordinates"
INVALID_COORDINATES = "invalid coordinates"

# Why a turf is outside the ±band around the target (``Turf.out_of_band``).
AREA_TOO_SMALL = "area smaller than the band's lower end"
AREA_NOT_DIVISIBLE = "area total cannot be split into turfs inside the band"
INDIVISIBLE_DOOR = "a multi-unit door larger than the band allows"
BALANCE_FAILED = "no door move brought it into the band"

# A distance matrix provider: given the doors of one walk (each with coordinates), the metres
# between every pair, row i column j = from door i to door j. Pluggable so that a road network
# can be supplied later; the default is straight-line metres.
DistanceFn = Callable[[Sequence["Door"]], Sequence[Sequence[float]]]

_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Door:
    """One address. A multi-unit building is one door with ``units`` > 1 and is never split."""

    id: Hashable
    lat: float | None
    lon: float | None
    units: int = 1
    street: str = ""
    house_number: str = ""
    area: str | None = None  # the booth / precinct code

    @property
    def parity(self) -> int | None:
        """0 (even) or 1 (odd) from the house number's first run of digits; None if it has none."""
        match = _NUMBER.search(str(self.house_number or ""))
        return int(match.group()) % 2 if match else None

    @property
    def street_key(self) -> str:
        return " ".join(str(self.street or "").casefold().split())


@dataclass(frozen=True)
class Options:
    """How to cut.

    ``measure``: "units" (households — what a canvasser feels; the default) or "doors".
    ``band``: allowed relative deviation of a turf's size from the target (0.10 = ±10 %).
    ``respect_areas``: never mix two areas in one turf (True) or cut across them (False).
    ``start``: where each walk begins — ``None`` lets the solver pick the best first door (an
    open path with a free start); a function ``(area, centroid_lat_lon) -> (lat, lon) | None``
    gives a start point per turf (the walk is then the TSP path from that point).
    ``side_crossing_penalty_m``: extra cost, in metres, of walking from one side of a street to
    the other side of the same street (odd ↔ even), so each side is walked in one go (ADR 0021).
    ``time_limit_ms_per_door``: the solver's time limit for a turf is this × its doors, at least
    ``min_time_limit_ms``: a cap — the default search (greedy descent) stops at a local optimum,
    deterministic, well inside the default cap (a 60-door turf converges in ~50 ms); a lower cap
    (the bench: 0.3 ms per door) trades walk length and determinism for time.
    ``guided_local_search``: spend the whole time limit in guided local search (shorter walks,
    but the result then depends on the machine's speed — not deterministic).
    ``workers``: processes for the walk-order and exchange steps (1 = in this process).
    ``exchange_passes``: after the walks are ordered, neighbouring turfs of the same area
    exchange doors (a head or tail of one walk for the other's, or a run of one or two doors
    moved into the other walk) whenever the two walks' cost falls and both sizes stay in the
    band; at most this many rounds (0 = off). Only with the built-in straight-line distance and
    a free start (``distance`` and ``start`` None): it needs the cost between any two doors.
    """

    measure: Literal["units", "doors"] = "units"
    band: float = 0.10
    respect_areas: bool = True
    start: Callable[[str | None, tuple[float, float]], tuple[float, float] | None] | None = None
    side_crossing_penalty_m: float = 25.0
    distance: DistanceFn | None = None
    time_limit_ms_per_door: float = 5.0
    min_time_limit_ms: int = 200
    guided_local_search: bool = False
    refine_passes: int = 8
    cut_slack: float = 0.0
    balance_iterations: int = 20
    workers: int = 1
    exchange_passes: int = 4


@dataclass
class Turf:
    id: str
    area: str | None  # the single area, or None when areas were allowed to mix
    areas: tuple[str | None, ...]
    door_ids: list[Hashable]  # in walk order
    units: int
    doors: int
    size: int  # in the cut's measure (units or doors)
    walk_m: float  # door to door along the walk order
    approach_m: float  # from the start point to the first door (0 without a start point)
    side_crossings: int  # times the walk goes from one side of a street to the other side
    centroid: tuple[float, float]  # (lat, lon)
    bbox: tuple[float, float, float, float]  # (min_lon, min_lat, max_lon, max_lat)
    hull: dict  # GeoJSON geometry (Polygon; Point or LineString for degenerate turfs)
    spread_m: float  # sum of distances from each door to the centroid
    out_of_band: str | None = None  # why the size is outside the band, or None

    def feature(self) -> dict:
        """The turf as a GeoJSON Feature for the map."""
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": self.hull,
            "properties": {
                "area": self.area,
                "doors": self.doors,
                "units": self.units,
                "walk_m": round(self.walk_m),
                "out_of_band": self.out_of_band,
            },
        }


@dataclass(frozen=True)
class Unplaced:
    door_id: Hashable
    area: str | None
    reason: str


@dataclass
class Summary:
    target: int
    measure: str
    band: tuple[float, float]  # (low, high) in the measure
    turfs: int
    doors: int
    units: int
    unplaced: int
    min_size: int
    max_size: int
    out_of_band: int
    walk_m: float
    seconds_cutting: float
    seconds_walking: float
    seconds_exchanging: float = 0.0
    seconds_total: float = 0.0


@dataclass
class CutResult:
    turfs: list[Turf]
    unplaced: list[Unplaced]
    summary: Summary
    notes: list[str] = field(default_factory=list)
