"""``cut_turfs``: doors → balanced, compact turfs, each with a walk order (ADR 0021)."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from . import improve, partition, walk
from .model import (
    AREA_NOT_DIVISIBLE,
    AREA_TOO_SMALL,
    BALANCE_FAILED,
    INDIVISIBLE_DOOR,
    INVALID_COORDINATES,
    NO_COORDINATES,
    CutResult,
    Door,
    Options,
    Summary,
    Turf,
    Unplaced,
)


def _coordinate_problem(door: Door) -> str | None:
    if door.lat is None or door.lon is None:
        return NO_COORDINATES
    try:
        lat, lon = float(door.lat), float(door.lon)
    except (TypeError, ValueError):
        return INVALID_COORDINATES
    if math.isnan(lat) or math.isnan(lon):
        return NO_COORDINATES
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return INVALID_COORDINATES
    return None


def _size(door: Door, measure: str) -> int:
    return 1 if measure == "doors" else max(1, int(door.units or 1))


def _hull(points: list[tuple[float, float]]) -> dict:
    """Convex hull (Andrew's monotone chain) of (lon, lat) points as a GeoJSON geometry."""
    pts = sorted(set(points))
    if len(pts) == 1:
        return {"type": "Point", "coordinates": list(pts[0])}

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    ring = lower[:-1] + upper[:-1]
    if len(ring) < 3:  # all on one line
        return {"type": "LineString", "coordinates": [list(pts[0]), list(pts[-1])]}
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def street_sides(doors: Sequence[Door]) -> tuple[np.ndarray, np.ndarray]:
    """Per door: a street code (-1 without a street) and its side (0 even, 1 odd, -1 unknown)."""
    keys = [d.street_key for d in doors]
    codes = {key: i for i, key in enumerate(sorted(set(keys)))}
    street = np.array([codes[k] if k else -1 for k in keys], dtype=np.int64)
    side = np.array([-1 if d.parity is None else d.parity for d in doors], dtype=np.int64)
    return street, side


def cross_matrix(doors: Sequence[Door]) -> np.ndarray:
    """n × n: True where two doors are on opposite sides (odd/even) of the same street."""
    street, side = street_sides(doors)
    same = (street[:, None] == street[None, :]) & (street[:, None] >= 0)
    known = (side[:, None] >= 0) & (side[None, :] >= 0)
    return same & known & (side[:, None] != side[None, :])


def _outside_count(labels: np.ndarray, weight: np.ndarray, low, high) -> int:
    sizes = np.bincount(labels, weights=weight, minlength=len(low))
    return int(((sizes < low - 1e-9) | (sizes > high + 1e-9)).sum())


def cut_turfs(doors: Sequence[Door], target: int, options: Options | None = None) -> CutResult:
    """Cut ``doors`` into turfs of about ``target`` (in ``options.measure``) and order each walk.

    Doors without usable coordinates are returned in ``unplaced`` with the reason, never dropped.
    """
    options = options or Options()
    if target < 1:
        raise ValueError("target must be at least 1")
    if options.measure not in ("units", "doors"):
        raise ValueError("measure must be 'units' or 'doors'")
    started = time.perf_counter()
    unplaced: list[Unplaced] = []
    placed: list[Door] = []
    for door in doors:
        problem = _coordinate_problem(door)
        if problem:
            unplaced.append(Unplaced(door.id, door.area, problem))
        else:
            placed.append(door)
    low_band = (1 - options.band) * target
    high_band = (1 + options.band) * target
    lat = np.array([float(d.lat) for d in placed])
    lon = np.array([float(d.lon) for d in placed])
    xy = partition.project(lat, lon)
    weight = np.array([_size(d, options.measure) for d in placed], dtype=np.float64)

    groups: dict[str | None, list[int]] = defaultdict(list)
    for i, door in enumerate(placed):
        groups[door.area if options.respect_areas else None].append(i)

    # (area, indices, reason, low, high): the turf's doors and its size limits
    members: list[tuple[str | None, np.ndarray, str | None, float, float]] = []
    for area in sorted(groups, key=lambda a: (a is not None, str(a))):
        idx = np.array(groups[area])
        total = float(weight[idx].sum())
        k = partition.turf_count(int(total), target, options.band)
        labels = partition.bisect(xy[idx], weight[idx], k, slack=options.cut_slack)
        sizes = np.bincount(labels, weights=weight[idx])
        mean = total / k
        if low_band <= mean <= high_band:
            big = options.measure == "units" and weight[idx].max() > (high_band - low_band) / 2
            reason = INDIVISIBLE_DOOR if big else BALANCE_FAILED
            low = np.full(len(sizes), low_band)
            high = np.full(len(sizes), high_band)
        else:
            reason = AREA_TOO_SMALL if total < low_band else AREA_NOT_DIVISIBLE
            low = np.full(len(sizes), sizes.min())
            high = np.full(len(sizes), sizes.max())
        plain = partition.refine(
            xy[idx], weight[idx], labels, low, high, passes=options.refine_passes
        )
        labels = plain
        if options.balance_iterations:
            balanced = partition.refine(
                xy[idx],
                weight[idx],
                partition.balance_kmeans(xy[idx], weight[idx], labels, options.balance_iterations),
                low,
                high,
                passes=options.refine_passes,
            )
            # The compact version unless it leaves more turfs outside [low, high].
            if _outside_count(balanced, weight[idx], low, high) <= _outside_count(
                plain, weight[idx], low, high
            ):
                labels = balanced
        for label in range(int(labels.max()) + 1):
            part = idx[labels == label]
            if len(part):
                members.append((area, part, reason, float(low[label]), float(high[label])))
    cut_done = time.perf_counter()

    tasks = []
    for area, part, *_ in members:
        turf_doors = [placed[i] for i in part]
        centroid = (float(lat[part].mean()), float(lon[part].mean()))
        point = options.start(area, centroid) if options.start else None
        if options.distance is not None:
            extra = [Door("__start__", point[0], point[1])] if point else []
            matrix = np.asarray(options.distance(extra + turf_doors), dtype=np.float64)
            start = matrix[0, 1:] if point else None
            distance = matrix[1:, 1:] if point else matrix
        else:
            pts = xy[part]
            distance = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
            start = None
            if point:
                sxy = partition.project_with(lat, lon, point)
                start = np.hypot(pts[:, 0] - sxy[0], pts[:, 1] - sxy[1])
        tasks.append(
            walk.WalkTask(
                distance=distance,
                cross=cross_matrix(turf_doors),
                start=start,
                penalty_m=options.side_crossing_penalty_m,
                time_limit_ms=max(
                    options.min_time_limit_ms, int(options.time_limit_ms_per_door * len(part))
                ),
                guided=options.guided_local_search,
            )
        )
    orders = walk.solve_all(tasks, options.workers)
    walks = [part[order] for (_area, part, *_), order in zip(members, orders, strict=True)]
    walked = time.perf_counter()
    exchanged = False
    if options.exchange_passes and options.distance is None and options.start is None:
        street, side = street_sides(placed)
        walks = improve.improve(
            walks,
            [area for area, *_ in members],
            xy,
            weight,
            street,
            side,
            np.array([m[3] for m in members]),
            np.array([m[4] for m in members]),
            options.side_crossing_penalty_m,
            passes=options.exchange_passes,
            workers=options.workers,
        )
        costs = improve.Costs(xy, street, side, 0.0)
        exchanged = True
    exchange_done = time.perf_counter()

    turfs: list[Turf] = []
    for number, ((_area, _part, reason, *_), task, order, ordered) in enumerate(
        zip(members, tasks, orders, walks, strict=True), start=1
    ):
        part = np.sort(ordered)
        if exchanged:
            walk_m = float(costs.steps(ordered).sum())
            crossings = int(
                (
                    (street[ordered[:-1]] == street[ordered[1:]])
                    & (street[ordered[1:]] >= 0)
                    & (side[ordered[:-1]] >= 0)
                    & (side[ordered[1:]] >= 0)
                    & (side[ordered[:-1]] != side[ordered[1:]])
                ).sum()
            )
        else:
            steps = list(zip(order[:-1], order[1:], strict=True))
            walk_m = float(sum(task.distance[a, b] for a, b in steps))
            crossings = int(sum(bool(task.cross[a, b]) for a, b in steps))
        size = int(weight[part].sum())
        areas = tuple(sorted({placed[i].area for i in part}, key=lambda a: (a is not None, str(a))))
        pts = xy[part]
        centre = pts.mean(axis=0)
        lons, lats = lon[part], lat[part]
        turfs.append(
            Turf(
                id=f"T{number:04d}",
                area=areas[0] if len(areas) == 1 else None,
                areas=areas,
                door_ids=[placed[i].id for i in ordered],
                units=sum(max(1, int(placed[i].units or 1)) for i in part),
                doors=len(part),
                size=size,
                walk_m=walk_m,
                approach_m=float(task.start[order[0]]) if task.start is not None else 0.0,
                side_crossings=crossings,
                centroid=(float(lats.mean()), float(lons.mean())),
                bbox=(float(lons.min()), float(lats.min()), float(lons.max()), float(lats.max())),
                hull=_hull(list(zip(lons.tolist(), lats.tolist(), strict=True))),
                spread_m=float(np.hypot(*(pts - centre).T).sum()),
                out_of_band=None if low_band <= size <= high_band else reason,
            )
        )
    done = time.perf_counter()
    sizes = [t.size for t in turfs]
    summary = Summary(
        target=target,
        measure=options.measure,
        band=(low_band, high_band),
        turfs=len(turfs),
        doors=len(placed),
        units=sum(t.units for t in turfs),
        unplaced=len(unplaced),
        min_size=min(sizes, default=0),
        max_size=max(sizes, default=0),
        out_of_band=sum(1 for t in turfs if t.out_of_band),
        walk_m=sum(t.walk_m for t in turfs),
        seconds_cutting=cut_done - started,
        seconds_walking=walked - cut_done,
        seconds_exchanging=exchange_done - walked,
        seconds_total=done - started,
    )
    return CutResult(turfs=turfs, unplaced=unplaced, summary=summary)
