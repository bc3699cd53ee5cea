"""Balanced, compact partition: recursive coordinate bisection, then boundary-door moves.

All coordinates here are projected metres (``project``). Sizes are weights (units or 1 per door).
"""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_M = 6_371_008.8


def project(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Equirectangular projection around the points' centroid, in metres (n × 2: x east, y north).

    Good to well under 1 % over a city (tens of kilometres)."""
    if len(lat) == 0:
        return np.zeros((0, 2))
    lat0 = math.radians(float(np.mean(lat)))
    lon0 = float(np.mean(lon))
    x = np.radians(lon - lon0) * math.cos(lat0) * EARTH_RADIUS_M
    y = np.radians(lat - float(np.mean(lat))) * EARTH_RADIUS_M
    return np.column_stack([x, y])


def turf_count(total: int, target: int, band: float) -> int:
    """How many turfs an area of ``total`` gets (ADR 0021, "the band rule").

    k is floor or ceil of total / target, whichever puts the mean turf size total / k nearest
    the target (a tie goes to fewer turfs); at least 1. If any k puts the mean inside the band,
    this one does, since total / k falls as k grows."""
    if total <= 0:
        return 0
    low = max(1, math.floor(total / target))
    high = max(1, math.ceil(total / target))
    return min((low, high), key=lambda k: (abs(total / k - target), k))


def bisect(xy: np.ndarray, weight: np.ndarray, k: int) -> np.ndarray:
    """Recursive coordinate bisection into ``k`` parts of near-equal weight; labels 0..k-1.

    Each split cuts across the longer side of the part's bounding box at the point where the
    running weight is nearest ``total × k_left / k``, so every leaf lands near total / k; a door
    is never split. Ties in a coordinate are broken by the other coordinate, then by input order,
    so the result depends only on the input."""
    labels = np.zeros(len(xy), dtype=np.int64)
    if k <= 1 or len(xy) == 0:
        return labels
    next_label = 0
    stack = [(np.arange(len(xy)), k)]
    while stack:
        idx, parts = stack.pop()
        if parts == 1 or len(idx) == 1:
            labels[idx] = next_label
            next_label += 1
            continue
        pts = xy[idx]
        span = pts.max(axis=0) - pts.min(axis=0)
        axis = 0 if span[0] >= span[1] else 1
        order = np.lexsort((idx, pts[:, 1 - axis], pts[:, axis]))
        idx = idx[order]
        cum = np.cumsum(weight[idx])
        left_parts = parts // 2
        goal = cum[-1] * left_parts / parts
        cut = int(np.searchsorted(cum, goal))  # first position with cum >= goal
        if cut > 0 and abs(cum[cut - 1] - goal) <= abs(cum[min(cut, len(cum) - 1)] - goal):
            cut -= 1
        cut = min(max(cut, 0), len(idx) - 2) + 1  # both sides keep at least one door
        left_parts = min(left_parts, cut)
        right_parts = min(parts - left_parts, len(idx) - cut)
        stack.append((idx[cut:], right_parts))
        stack.append((idx[:cut], left_parts))
    return labels


def _outside(size: float, low: float, high: float) -> float:
    return max(0.0, low - size, size - high)


def refine(
    xy: np.ndarray,
    weight: np.ndarray,
    labels: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    passes: int,
    neighbours: int = 6,
) -> np.ndarray:
    """Move boundary doors to a neighbouring turf whose centre is nearer, inside the size band.

    ``low``/``high`` are per-turf size limits. A pass computes every turf's centroid, then for
    each door the nearest centroid among its turf's ``neighbours`` nearest turfs; doors are moved
    best gain first when neither turf ends further outside its [low, high] than it was (a turf
    in its band stays in it; one outside never moves away from it). A pass with no move ends it. Every move lowers the door's distance to its turf's centre, so the sum of
    spreads falls; deterministic (stable sorts)."""
    labels = labels.copy()
    k = int(labels.max()) + 1 if len(labels) else 0
    if k < 2:
        return labels
    for _ in range(passes):
        counts = np.bincount(labels, minlength=k)
        cx = np.bincount(labels, weights=xy[:, 0], minlength=k) / np.maximum(counts, 1)
        cy = np.bincount(labels, weights=xy[:, 1], minlength=k) / np.maximum(counts, 1)
        centres = np.column_stack([cx, cy])
        size = np.bincount(labels, weights=weight, minlength=k)
        m = min(neighbours, k - 1)
        d2 = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        np.fill_diagonal(d2, np.inf)
        near = np.argsort(d2, axis=1, kind="stable")[:, :m]  # k × m
        cand = near[labels]  # n × m
        dist_cand = np.hypot(xy[:, None, 0] - centres[cand, 0], xy[:, None, 1] - centres[cand, 1])
        best = np.argmin(dist_cand, axis=1)
        to = cand[np.arange(len(xy)), best]
        gain = np.hypot(*(xy - centres[labels]).T) - dist_cand[np.arange(len(xy)), best]
        movers = np.nonzero(gain > 1e-9)[0]
        movers = movers[np.argsort(-gain[movers], kind="stable")]
        moved = 0
        for i in movers.tolist():
            a, b, w = labels[i], to[i], weight[i]
            if counts[a] <= 1:
                continue
            if _outside(size[a] - w, low[a], high[a]) > _outside(size[a], low[a], high[a]):
                continue
            if _outside(size[b] + w, low[b], high[b]) > _outside(size[b], low[b], high[b]):
                continue
            labels[i] = b
            size[a] -= w
            size[b] += w
            counts[a] -= 1
            counts[b] += 1
            moved += 1
        if not moved:
            break
    return labels


def project_with(lat: np.ndarray, lon: np.ndarray, point: tuple[float, float]) -> np.ndarray:
    """Project one (lat, lon) ``point`` with the projection ``project(lat, lon)`` used."""
    lat0 = math.radians(float(np.mean(lat)))
    x = math.radians(point[1] - float(np.mean(lon))) * math.cos(lat0) * EARTH_RADIUS_M
    y = math.radians(point[0] - float(np.mean(lat))) * EARTH_RADIUS_M
    return np.array([x, y])
