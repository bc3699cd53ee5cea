"""Turf cutting + walk order for 100,000 doors (issue 16, "Measured in make bench").

``BENCH=turfs``; ``BENCH_SCALE`` is the number of doors (default 100,000). A seeded city:
clusters (neighbourhoods) of rotated street grids, odd house numbers on one side of each street
and even on the other, 5 % multi-unit buildings (2–24 units), ~50 areas (booths: the nearest of
50 seeded points), 0.2 % doors without coordinates. Target 60 doors per turf (measure "doors",
so the turf count is doors / 60 as in the issue; the units measure is reported too).

Timed: ``cut_turfs`` — cutting (bisection, balanced k-means, refinement; ADR 0021) and the walk
order of every turf (OR-Tools, greedy descent capped at 0.3 ms per door —
``BENCH_TURFS_MS_PER_DOOR`` — over 2 worker processes, ``BENCH_TURFS_WORKERS``), then the
exchange of doors between neighbouring walks (ADR 0021 decision 7; no second solve). The cap is hit
on most turfs, so walk lengths move by 1–2 % with the machine's load. Baseline, in the
same run: a seeded k-means (numpy, k-means++ start, Lloyd iterations) with k = doors / target
over the whole city, then the same OR-Tools walk per cluster with no side-crossing penalty (a
plain open-path TSP); and, untimed, k-means inside each area. Printed: the sum of walk lengths of both, our walk without the odd/even
penalty (the cost of keeping sides together), turf sizes against the ±10 % band, and the same
cut in the units measure (more turfs: its walk sum is not comparable with the baseline's).
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

from bench.common import print_table, row, scale
from grassroots.canvassing.cutting import Door, Options, cut_turfs
from grassroots.canvassing.cutting import walk as walk_module
from grassroots.canvassing.cutting.engine import cross_matrix
from grassroots.canvassing.cutting.partition import turf_count

TARGET = 60
SEED = 2026
WORKERS = int(os.environ.get("BENCH_TURFS_WORKERS", "2"))
MS_PER_DOOR = float(os.environ.get("BENCH_TURFS_MS_PER_DOOR", "0.3"))
LAT0, LON0 = 22.5726, 88.3639  # a city centre
M_PER_DEG = 111_195.0


def generate_city(n: int, seed: int = SEED, areas: int = 50) -> list[Door]:
    rng = np.random.default_rng(seed)
    per_cluster = 400
    clusters = max(1, n // per_cluster)
    centres = rng.uniform(-7000, 7000, size=(clusters, 2))
    booths = rng.uniform(-7000, 7000, size=(areas, 2))
    xs, ys, streets, numbers = [], [], [], []
    for c in range(clusters):
        count = per_cluster if c < clusters - 1 else n - per_cluster * (clusters - 1)
        angle = rng.uniform(0, math.pi)
        rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
        per_side = 20  # houses per side of a street, 12 m apart
        n_streets = math.ceil(count / (2 * per_side))
        cols = max(1, round(math.sqrt(n_streets)))
        made = 0
        for s in range(n_streets):
            r, col = divmod(s, cols)
            ox, oy = col * (per_side * 12 + 30), r * 80
            for side in (1, 0):  # odd side (north) then even side (south)
                for h in range(per_side):
                    if made == count:
                        break
                    local = np.array([ox + h * 12, oy + (8 if side else -8)])
                    xy = rot @ local + centres[c] + rng.normal(0, 1.5, 2)
                    xs.append(xy[0])
                    ys.append(xy[1])
                    streets.append(f"C{c} Street {s}")
                    numbers.append(str(2 * h + 1 if side else 2 * h + 2))
                    made += 1
    xy = np.column_stack([xs, ys])
    booth = np.argmin(((xy[:, None, :] - booths[None, :, :]) ** 2).sum(axis=2), axis=1)
    multi = rng.random(n) < 0.05
    units = np.where(multi, rng.integers(2, 25, n), 1)
    missing = rng.random(n) < 0.002
    lat = LAT0 + xy[:, 1] / M_PER_DEG
    lon = LON0 + xy[:, 0] / (M_PER_DEG * math.cos(math.radians(LAT0)))
    return [
        Door(
            id=i,
            lat=None if missing[i] else float(lat[i]),
            lon=None if missing[i] else float(lon[i]),
            units=int(units[i]),
            street=streets[i],
            house_number=numbers[i],
            area=f"B{booth[i]:02d}",
        )
        for i in range(n)
    ]


def kmeans(xy: np.ndarray, k: int, seed: int = SEED, iterations: int = 25) -> np.ndarray:
    """Seeded k-means (k-means++ start, Lloyd iterations) in numpy; labels 0..k-1."""
    rng = np.random.default_rng(seed)
    centres = np.empty((k, 2))
    centres[0] = xy[rng.integers(len(xy))]
    d2 = ((xy - centres[0]) ** 2).sum(axis=1)
    for j in range(1, k):
        centres[j] = xy[rng.choice(len(xy), p=d2 / d2.sum())]
        d2 = np.minimum(d2, ((xy - centres[j]) ** 2).sum(axis=1))
    norms = (xy**2).sum(axis=1)[:, None]
    labels = np.zeros(len(xy), dtype=np.int64)
    for _ in range(iterations):
        new = np.empty(len(xy), dtype=np.int64)
        cn = (centres**2).sum(axis=1)[None, :]
        for lo in range(0, len(xy), 4096):  # in chunks: n × k at once would be gigabytes
            chunk = xy[lo : lo + 4096]
            new[lo : lo + 4096] = np.argmin(norms[lo : lo + 4096] - 2 * chunk @ centres.T + cn, 1)
        if np.array_equal(new, labels) and _:
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        for axis in (0, 1):
            sums = np.bincount(labels, weights=xy[:, axis], minlength=k)
            centres[:, axis] = np.where(counts, sums / np.maximum(counts, 1), centres[:, axis])
    return labels


def _walks(
    groups: list[np.ndarray], xy: np.ndarray, doors: list[Door], penalty: float, ms: float = 0
):
    """Sum of walk metres and side crossings; ``ms`` > 0: that cap per door, at least 200 ms."""
    tasks = []
    for part in groups:
        pts = xy[part]
        tasks.append(
            walk_module.WalkTask(
                distance=np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)),
                cross=cross_matrix([doors[i] for i in part]),
                start=None,
                penalty_m=penalty,
                time_limit_ms=max(200, int(ms * len(part)))
                if ms
                else max(5, int(MS_PER_DOOR * len(part))),
                guided=False,
            )
        )
    orders = walk_module.solve_all(tasks, WORKERS)
    total = 0.0
    crossings = 0
    for task, order in zip(tasks, orders, strict=True):
        for a, b in zip(order[:-1], order[1:], strict=True):
            total += task.distance[a, b]
            crossings += int(task.cross[a, b])
    return total, crossings


def run() -> list[dict]:
    n = scale(100_000)
    doors = generate_city(n)
    options = Options(
        measure="doors",
        time_limit_ms_per_door=MS_PER_DOOR,
        min_time_limit_ms=5,
        workers=WORKERS,
    )
    start = time.perf_counter()
    result = cut_turfs(doors, TARGET, options)
    ours_s = time.perf_counter() - start
    s = result.summary
    placed = [d for d in doors if d.lat is not None]
    by_id = {d.id: i for i, d in enumerate(placed)}
    from grassroots.canvassing.cutting.partition import project

    xy = project(np.array([d.lat for d in placed]), np.array([d.lon for d in placed]))
    ours_groups = [np.array([by_id[i] for i in t.door_ids]) for t in result.turfs]
    plain_m, _ = _walks(ours_groups, xy, placed, 0.0)

    start = time.perf_counter()
    k = max(1, round(len(placed) / TARGET))
    labels = kmeans(xy, k)
    base_groups = [np.nonzero(labels == j)[0] for j in range(k)]
    base_groups = [g for g in base_groups if len(g)]
    base_m, base_crossings = _walks(base_groups, xy, placed, 0.0)
    base_s = time.perf_counter() - start
    base_sizes = [len(g) for g in base_groups]
    low, high = s.band
    base_out = sum(1 for x in base_sizes if not low <= x <= high)

    # The same partitions walked with the converged (default, deterministic) search: the
    # partitions' own cost, free of the time cap's noise. Untimed.
    conv_ours, _ = _walks(ours_groups, xy, placed, options.side_crossing_penalty_m, ms=5.0)
    conv_plain, _ = _walks(ours_groups, xy, placed, 0.0, ms=5.0)
    conv_base, _ = _walks(base_groups, xy, placed, 0.0, ms=5.0)
    # A second reference: k-means inside each area (as many clusters as the band rule gives
    # turfs), to separate what respecting areas costs from what balancing costs.
    area_groups = []
    codes = np.array([d.area for d in placed])
    for code in sorted(set(codes.tolist())):
        members = np.nonzero(codes == code)[0]
        k_area = turf_count(len(members), TARGET, options.band)
        area_labels = kmeans(xy[members], k_area) if k_area > 1 else np.zeros(len(members), int)
        area_groups += [members[area_labels == j] for j in range(k_area)]
    area_groups = [g for g in area_groups if len(g)]
    conv_area, _ = _walks(area_groups, xy, placed, 0.0, ms=5.0)

    start = time.perf_counter()
    units_result = cut_turfs(
        doors,
        TARGET,
        Options(
            measure="units",
            time_limit_ms_per_door=MS_PER_DOOR,
            min_time_limit_ms=5,
            workers=WORKERS,
        ),
    )
    units_s = time.perf_counter() - start
    us = units_result.summary
    crossings = sum(t.side_crossings for t in result.turfs)

    rows = [
        row("turfs", "cut + walk order, s (goal ≤ 30; base: k-means)", ours_s, "s", base_s, n),
        row("turfs", "  of which cutting, s", s.seconds_cutting, "s", 0, n),
        row("turfs", "  of which exchanging between turfs, s", s.seconds_exchanging, "s", 0, n),
        row(
            "turfs",
            "walk length sum, km (goal ≤ 1.1× k-means)",
            s.walk_m / 1000,
            "km",
            base_m / 1000,
            n,
        ),
        row(
            "turfs", "walk sum without odd/even penalty, km", plain_m / 1000, "km", base_m / 1000, n
        ),
        row("turfs", "converged search: walk sum, km", conv_ours / 1000, "km", conv_base / 1000, n),
        row(
            "turfs",
            f"converged: k-means inside areas ({len(area_groups)}), km",
            conv_area / 1000,
            "km",
            conv_base / 1000,
            n,
        ),
        row(
            "turfs",
            "converged search: without penalty, km",
            conv_plain / 1000,
            "km",
            conv_base / 1000,
            n,
        ),
        row(
            "turfs", "side crossings (base: k-means, no penalty)", crossings, "n", base_crossings, n
        ),
        row("turfs", f"turfs (band {low:.0f}–{high:.0f} doors)", s.turfs, "n", len(base_groups), n),
        row("turfs", "smallest turf, doors", s.min_size, "door", min(base_sizes), n),
        row("turfs", "largest turf, doors", s.max_size, "door", max(base_sizes), n),
        row("turfs", "turfs out of band", s.out_of_band, "n", base_out, n),
        row("turfs", "doors without coordinates (returned)", s.unplaced, "n", 0, n),
        row("turfs", "units measure: cut + walk, s", units_s, "s", 0, n),
        row(
            "turfs",
            f"units measure: turfs ({us.min_size}–{us.max_size} units)",
            us.turfs,
            "n",
            0,
            n,
        ),
        row("turfs", "units measure: turfs out of band", us.out_of_band, "n", 0, n),
        row(
            "turfs", "units measure: walk length sum, km", us.walk_m / 1000, "km", base_m / 1000, n
        ),
    ]
    print_table(rows)
    for t in result.turfs + units_result.turfs:
        if t.out_of_band:
            print(f"  out of band: {t.id} area {t.area}: {t.size} ({t.out_of_band})")
    return rows
