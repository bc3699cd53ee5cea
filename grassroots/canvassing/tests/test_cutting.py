"""Turf cutting and walk routing (canvassing.cutting): plain pytest, no database."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from grassroots.canvassing.cutting import (
    AREA_NOT_DIVISIBLE,
    AREA_TOO_SMALL,
    INDIVISIBLE_DOOR,
    INVALID_COORDINATES,
    NO_COORDINATES,
    Door,
    Options,
    cut_turfs,
    improve,
)
from grassroots.canvassing.cutting.partition import turf_count

LAT0, LON0 = 22.57, 88.36
M = 111_195.0


def _at(x: float, y: float) -> tuple[float, float]:
    return LAT0 + y / M, LON0 + x / (M * math.cos(math.radians(LAT0)))


def town(n: int, seed: int = 1, areas: int = 2, multi_every: int = 0) -> list[Door]:
    """n doors, 30 a street (odd/even sides 16 m apart, 12 m between houses), streets 80 m
    apart in three columns 400 m apart; the area is the column (mod ``areas``)."""
    rng = random.Random(seed)
    doors = []
    for i in range(n):
        street, pos = divmod(i, 30)
        side = pos % 2
        x = (pos // 2) * 12 + rng.uniform(-1, 1)
        y = street * 80 + (8 if side else -8)
        lat, lon = _at(x + (street % 3) * 400, y)
        doors.append(
            Door(
                id=f"d{i}",
                lat=lat,
                lon=lon,
                units=(6 if multi_every and i % multi_every == 0 else 1),
                street=f"Street {street}",
                house_number=str(pos + 1),
                area=f"A{(street % 3) % areas}",
            )
        )
    return doors


def test_sizes_in_band_on_generated_data():
    doors = town(900, areas=1)
    result = cut_turfs(doors, 60, Options(measure="doors"))
    assert result.summary.turfs == 15
    assert all(54 <= t.size <= 66 for t in result.turfs), [t.size for t in result.turfs]
    assert result.summary.out_of_band == 0
    assert sorted(i for t in result.turfs for i in t.door_ids) == sorted(d.id for d in doors)


def test_units_measure_counts_units_and_keeps_buildings_whole():
    doors = town(600, multi_every=10, areas=1)  # 60 buildings of 6 units
    result = cut_turfs(doors, 50, Options(measure="units"))
    total_units = sum(d.units for d in doors)
    assert sum(t.units for t in result.turfs) == total_units == 900
    assert result.summary.turfs == 18
    assert all(45 <= t.size <= 55 for t in result.turfs), [t.size for t in result.turfs]
    seen = [i for t in result.turfs for i in t.door_ids]
    assert len(seen) == len(set(seen)) == len(doors)  # each building is one door in one turf


def test_areas_never_mixed_when_asked_and_mixed_when_allowed():
    doors = town(600, areas=2)
    area_of = {d.id: d.area for d in doors}
    result = cut_turfs(doors, 50, Options(measure="doors"))
    for turf in result.turfs:
        assert {area_of[i] for i in turf.door_ids} == {turf.area}
        assert turf.areas == (turf.area,)
    mixed = cut_turfs(doors, 50, Options(measure="doors", respect_areas=False))
    assert any(len(t.areas) == 2 and t.area is None for t in mixed.turfs)


def test_deterministic():
    doors = town(400, areas=2, multi_every=7)
    # Time caps far above what greedy descent needs here, so a loaded machine cannot cut it short.
    options = Options(time_limit_ms_per_door=100, min_time_limit_ms=2000)
    first = cut_turfs(doors, 40, options)
    second = cut_turfs(list(doors), 40, options)
    assert [t.door_ids for t in first.turfs] == [t.door_ids for t in second.turfs]
    assert [t.walk_m for t in first.turfs] == [t.walk_m for t in second.turfs]


def test_doors_without_coordinates_returned_with_the_reason():
    doors = town(100, areas=1)
    doors += [
        Door("nolat", None, 88.0, area="A0"),
        Door("nan", float("nan"), float("nan"), area="A0"),
        Door("bad", 123.0, 88.0, area="A9"),
    ]
    result = cut_turfs(doors, 50)
    reasons = {u.door_id: (u.reason, u.area) for u in result.unplaced}
    assert reasons == {
        "nolat": (NO_COORDINATES, "A0"),
        "nan": (NO_COORDINATES, "A0"),
        "bad": (INVALID_COORDINATES, "A9"),
    }
    placed = [i for t in result.turfs for i in t.door_ids]
    assert len(placed) == 100 and not set(placed) & set(reasons)
    assert result.summary.unplaced == 3


def test_walk_visits_every_door_once_and_is_an_open_path():
    doors = town(120, areas=1)
    result = cut_turfs(doors, 60, Options(measure="doors"))
    for turf in result.turfs:
        assert len(turf.door_ids) == len(set(turf.door_ids)) == turf.doors
        assert turf.walk_m > 0 and turf.approach_m == 0
    assert sorted(i for t in result.turfs for i in t.door_ids) == sorted(d.id for d in doors)


def test_odd_even_sides_kept_together_on_a_two_sided_street():
    # One street, odd numbers on the north side and even on the south, 10 m apart across and
    # 12 m apart along: zig-zagging across would be shorter in straight line than this rule.
    doors = []
    for h in range(20):
        number = h + 1
        lat, lon = _at((h // 2) * 12, 5 if number % 2 else -5)
        doors.append(Door(f"h{number}", lat, lon, street="Long Road", house_number=str(number)))
    result = cut_turfs(doors, 20, Options(measure="doors"))
    (turf,) = result.turfs
    parities = [int(i[1:]) % 2 for i in turf.door_ids]
    changes = sum(1 for a, b in zip(parities, parities[1:], strict=False) if a != b)
    assert changes == 1 and turf.side_crossings == 1
    # Without the penalty the solver is free to cross more often (the rule is what holds it).
    free = cut_turfs(doors, 20, Options(measure="doors", side_crossing_penalty_m=0))
    assert free.turfs[0].walk_m <= turf.walk_m


def test_start_point_and_pluggable_distance():
    doors = town(30, areas=1)  # one street from x = 0 to x = 168 m
    west = _at(-100, 0)
    calls = []

    def manhattan(ds):
        calls.append(len(ds))
        pts = [((d.lon - LON0) * M * math.cos(math.radians(LAT0)), (d.lat - LAT0) * M) for d in ds]
        return [[abs(a[0] - b[0]) + abs(a[1] - b[1]) for b in pts] for a in pts]

    result = cut_turfs(
        doors, 30, Options(measure="doors", start=lambda area, c: west, distance=manhattan)
    )
    (turf,) = result.turfs
    assert calls == [31]  # the start point and the 30 doors, one matrix
    assert 100 <= turf.approach_m <= 112  # the walk begins at the west end, nearest the start
    assert turf.side_crossings == 1


def test_area_whose_total_cannot_be_cut_in_band():
    doors = town(90, areas=1)  # 1.5 × 60: two turfs of 45 (one of 90 is further from 60)
    result = cut_turfs(doors, 60, Options(measure="doors"))
    assert sorted(t.size for t in result.turfs) == [45, 45]
    assert all(t.out_of_band == AREA_NOT_DIVISIBLE for t in result.turfs)


@pytest.mark.parametrize(
    ("total", "expected"),
    [(0, 0), (10, 1), (59, 1), (80, 1), (81, 2), (120, 2), (149, 3), (3010, 50)],
)
def test_band_rule_turf_count(total, expected):
    assert turf_count(total, 60, 0.10) == expected


def test_engine_is_pure_python():
    code = (
        "import sys, grassroots.canvassing.cutting as c; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django'); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[3])


def test_empty_input_and_a_single_door():
    empty = cut_turfs([], 60)
    assert empty.turfs == [] and empty.unplaced == [] and empty.summary.turfs == 0
    lat, lon = _at(0, 0)
    one = cut_turfs([Door(7, lat, lon, units=3, area="A")], 60)
    (turf,) = one.turfs
    assert turf.door_ids == [7] and turf.units == 3 and turf.walk_m == 0
    assert turf.hull == {"type": "Point", "coordinates": [lon, lat]}
    assert turf.out_of_band == AREA_TOO_SMALL


def test_target_larger_than_the_area():
    doors = town(300, areas=2)
    result = cut_turfs(doors, 500, Options(measure="doors"))
    assert result.summary.turfs == 2  # one per area, never mixed
    assert all(t.out_of_band == AREA_TOO_SMALL for t in result.turfs)
    assert result.summary.out_of_band == 2


def test_turf_geometry_for_the_map():
    doors = town(120, areas=1)
    (turf, *_) = cut_turfs(doors, 60, Options(measure="doors")).turfs
    assert turf.hull["type"] == "Polygon"
    ring = turf.hull["coordinates"][0]
    assert ring[0] == ring[-1]
    min_lon, min_lat, max_lon, max_lat = turf.bbox
    assert all(min_lon <= x <= max_lon and min_lat <= y <= max_lat for x, y in ring)
    assert min_lat <= turf.centroid[0] <= max_lat
    assert turf.feature()["properties"]["doors"] == turf.doors


def test_bad_target():
    with pytest.raises(ValueError):
        cut_turfs([], 0)


def test_a_building_larger_than_the_band_is_one_turf_flagged():
    doors = town(60, areas=1)
    lat, lon = _at(30, 20)
    doors.append(Door("tower", lat, lon, units=120, street="Street 0", house_number="200"))
    result = cut_turfs(doors, 60)  # 180 units: 3 turfs, mean 60
    tower = next(t for t in result.turfs if "tower" in t.door_ids)
    assert tower.size >= 120 and tower.out_of_band == INDIVISIBLE_DOOR
    assert sum(t.units for t in result.turfs) == 180


def _exchange_instance(seed: int):
    """Doors on four streets (two blocks 300 m apart: x 0–288 m and 600–888 m), cut into four walks badly on purpose:
    every walk takes a few doors of the block it is not in."""
    rng = np.random.default_rng(seed)
    xy, street, side = [], [], []
    for s in range(4):
        for h in range(50):
            block = 0 if s < 2 else 600
            xy.append((block + (h // 2) * 12 + rng.uniform(-1, 1), s * 60 + (8 if h % 2 else -8)))
            street.append(s)
            side.append(h % 2)
    xy, street, side = np.array(xy), np.array(street), np.array(side)
    on = [np.arange(s * 50, s * 50 + 50) for s in range(4)]  # each street's doors
    paths = [np.concatenate([on[s][5:], on[(s + 2) % 4][:5]]) for s in range(4)]
    return xy, street, side, paths


def _total(paths, xy, street, side, penalty=25.0):
    costs = improve.Costs(xy, street, side, penalty)
    return sum(costs.path_cost(p) for p in paths)


def test_exchange_between_turfs_shortens_walks_and_keeps_sizes_in_band():
    xy, street, side, paths = _exchange_instance(3)
    weight = np.ones(len(xy))
    low, high = np.full(4, 45.0), np.full(4, 55.0)
    before = _total(paths, xy, street, side)
    out = improve.improve(paths, [None] * 4, xy, weight, street, side, low, high, 25.0, passes=8)
    after = _total(out, xy, street, side)
    assert after < before - 2 * 250  # the two trips to the other block and back are gone
    assert sorted(np.concatenate(out).tolist()) == list(range(len(xy)))  # each door once
    assert all(45 <= len(p) <= 55 for p in out), [len(p) for p in out]
    for p in out:  # every walk stays in one block now
        assert len({bool(x > 450) for x in xy[p, 0]}) == 1
    again = improve.improve(paths, [None] * 4, xy, weight, street, side, low, high, 25.0, passes=8)
    assert [p.tolist() for p in again] == [p.tolist() for p in out]  # deterministic


def test_exchange_never_moves_a_turf_further_out_of_its_band_nor_across_groups():
    xy, street, side, paths = _exchange_instance(5)
    weight = np.ones(len(xy))
    # Turf 0 starts above its band (50 > 48): it may shrink toward it but never grow.
    low, high = np.array([40.0, 45.0, 45.0, 45.0]), np.array([48.0, 55.0, 55.0, 55.0])
    groups = ["A", "A", "B", "B"]  # turfs 0-1 and 2-3 may not exchange doors with each other
    out = improve.improve(paths, groups, xy, weight, street, side, low, high, 25.0, passes=8)
    assert len(out[0]) <= 50
    assert all(45 <= len(p) <= 55 for p in out[1:])
    assert set(np.concatenate(out[:2]).tolist()) == set(np.concatenate(paths[:2]).tolist())
    assert _total(out, xy, street, side) <= _total(paths, xy, street, side)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exchange_step_never_lengthens_the_cut_and_keeps_the_band(seed):
    doors = town(720, seed=seed, areas=2, multi_every=9)
    options = Options(time_limit_ms_per_door=100, min_time_limit_ms=2000)
    plain = cut_turfs(doors, 40, replace(options, exchange_passes=0))
    exchanged = cut_turfs(doors, 40, options)
    penalty = options.side_crossing_penalty_m

    def cost(result):  # what the solver and the exchange minimise: metres + side penalties
        return sum(t.walk_m + penalty * t.side_crossings for t in result.turfs)

    assert cost(exchanged) <= cost(plain)
    assert exchanged.summary.out_of_band == plain.summary.out_of_band == 0
    assert all(36 <= t.size <= 44 for t in exchanged.turfs)
    assert sorted(i for t in exchanged.turfs for i in t.door_ids) == sorted(d.id for d in doors)
    area_of = {d.id: d.area for d in doors}
    assert all({area_of[i] for i in t.door_ids} == {t.area} for t in exchanged.turfs)


def test_exchange_is_the_same_over_worker_processes():
    doors = town(600, areas=2)
    options = Options(measure="doors", time_limit_ms_per_door=100, min_time_limit_ms=2000)
    one = cut_turfs(doors, 50, options)
    two = cut_turfs(doors, 50, replace(options, workers=2))
    assert [t.door_ids for t in one.turfs] == [t.door_ids for t in two.turfs]
