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


def _best_cut(coord: np.ndarray, cum: np.ndarray, parts: int, mean: float, slack: float):
    """(gap, cut) for one axis: among cuts keeping both sides' mean part size within ``slack`` of
    ``mean``, the one at the widest gap between neighbouring doors (ties: nearest the
    proportional point); without such a cut, the proportional cut with gap 0."""
    left_parts = parts // 2
    total = cum[-1]
    goal = total * left_parts / parts
    near = int(np.searchsorted(cum, goal))
    if near > 0 and abs(cum[near - 1] - goal) <= abs(cum[min(near, len(cum) - 1)] - goal):
        near -= 1
    near = min(max(near, 0), len(cum) - 2) + 1  # left = [:near]; both sides keep a door
    if slack <= 0:
        return 0.0, near
    left = cum[:-1]  # cut c (1..n-1) puts weight cum[c-1] on the left
    ok = (np.abs(left / left_parts - mean) <= slack * mean) & (
        np.abs((total - left) / (parts - left_parts) - mean) <= slack * mean
    )
    candidates = np.nonzero(ok)[0] + 1
    if not len(candidates):
        return 0.0, near
    gaps = coord[candidates] - coord[candidates - 1]
    best = np.lexsort((np.abs(candidates - near), -gaps))[0]
    return float(gaps[best]), int(candidates[best])


def bisect(
    xy: np.ndarray, weight: np.ndarray, k: int, slack: float = 0.0, min_gap_m: float = 25.0
) -> np.ndarray:
    """Recursive coordinate bisection into ``k`` parts of near-equal weight; labels 0..k-1.

    Each split cuts across the longer side of the part's bounding box, splitting the parts
    proportionally (k_left = k // 2). The cut goes where the running weight is nearest
    ``total × k_left / k`` — or, with ``slack`` > 0, at the widest gap between neighbouring
    doors among the cuts that keep both sides' mean part size within ``slack`` of the overall
    mean (total / k), so turfs end at the gaps between blocks and neighbourhoods rather than
    across them; the shorter side is cut instead when its widest gap is over twice as wide and
    over ``min_gap_m``. A door is never split. Ties in a coordinate are broken by the other
    coordinate, then by input order, so the result depends only on the input."""
    labels = np.zeros(len(xy), dtype=np.int64)
    if k <= 1 or len(xy) == 0:
        return labels
    mean = float(weight.sum()) / k
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
        longer = 0 if span[0] >= span[1] else 1
        choice = []
        for axis in (longer, 1 - longer):
            order = np.lexsort((idx, pts[:, 1 - axis], pts[:, axis]))
            cum = np.cumsum(weight[idx[order]])
            gap, cut = _best_cut(pts[order, axis], cum, parts, mean, slack)
            choice.append((gap, cut, idx[order]))
            if slack <= 0:
                break
        gap, cut, ordered = choice[0]
        if len(choice) == 2 and choice[1][0] > max(2 * gap, min_gap_m):
            gap, cut, ordered = choice[1]
        left_parts = min(parts // 2, cut)
        right_parts = min(parts - left_parts, len(ordered) - cut)
        stack.append((ordered[cut:], right_parts))
        stack.append((ordered[:cut], left_parts))
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
        moved = _pass(xy, weight, labels, low, high, k, neighbours, rebalance=True)
        moved += _pass(xy, weight, labels, low, high, k, neighbours, rebalance=False)
        if not moved:
            break
    return labels


def _pass(xy, weight, labels, low, high, k, neighbours, rebalance):
    """One pass of ``refine`` (in place); returns the number of doors moved.

    ``rebalance``: move doors out of turfs outside their band into neighbours (or into turfs
    below it), cheapest increase of distance-to-centre first, only when the pair's total
    distance outside the band falls and neither turf's grows. Otherwise: the gain moves."""
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
    own = np.hypot(*(xy - centres[labels]).T)
    if rebalance:
        outside = np.maximum(0, np.maximum(low - size, size - high))
        if not outside.any():
            return 0
        rows, cols = np.nonzero((outside[labels][:, None] > 0) | (outside[cand] > 0))
        cost = dist_cand[rows, cols] - own[rows]
        moves = [
            (int(rows[j]), int(cand[rows[j], cols[j]])) for j in np.argsort(cost, kind="stable")
        ]
    else:
        gain = own - dist_cand[np.arange(len(xy)), best]
        movers = np.nonzero(gain > 1e-9)[0]
        movers = movers[np.argsort(-gain[movers], kind="stable")]
        moves = [(int(i), int(to[i])) for i in movers]
    moved = 0
    for i, b in moves:
        a, w = labels[i], weight[i]
        if a == b:
            continue
        before = _outside(size[a], low[a], high[a]) + _outside(size[b], low[b], high[b])
        after = _outside(size[a] - w, low[a], high[a]) + _outside(size[b] + w, low[b], high[b])
        if rebalance and after >= before:
            continue
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
    return moved


def project_with(lat: np.ndarray, lon: np.ndarray, point: tuple[float, float]) -> np.ndarray:
    """Project one (lat, lon) ``point`` with the projection ``project(lat, lon)`` used."""
    lat0 = math.radians(float(np.mean(lat)))
    x = math.radians(point[1] - float(np.mean(lon))) * math.cos(lat0) * EARTH_RADIUS_M
    y = math.radians(point[0] - float(np.mean(lat))) * EARTH_RADIUS_M
    return np.array([x, y])


def balance_kmeans(
    xy: np.ndarray,
    weight: np.ndarray,
    labels: np.ndarray,
    iterations: int,
    neighbours: int = 8,
) -> np.ndarray:
    """Lloyd iterations with a price per turf: each door goes to the turf minimising distance to
    its centre + the turf's price, and a turf's price rises while it is above the mean size
    and falls while below (a Lagrangian relaxation of the size constraint), so turfs become
    k-means-compact while staying near the mean. Candidates for a door: its turf and that
    turf's ``neighbours`` nearest turfs. Deterministic. ``refine`` then brings sizes into band."""
    labels = labels.copy()
    k = int(labels.max()) + 1 if len(labels) else 0
    if k < 2 or iterations <= 0:
        return labels
    mean = float(weight.sum()) / k
    price = np.zeros(k)
    step = None
    for _ in range(iterations):
        counts = np.bincount(labels, minlength=k)
        if (counts == 0).any():
            break
        centres = np.column_stack(
            [np.bincount(labels, weights=xy[:, a], minlength=k) / counts for a in (0, 1)]
        )
        size = np.bincount(labels, weights=weight, minlength=k)
        if step is None:
            step = float(np.median(np.hypot(*(xy - centres[labels]).T))) or 1.0
        price += step * (size - mean) / mean
        d2 = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        near = np.argsort(d2, axis=1, kind="stable")[:, : min(neighbours, k - 1) + 1]  # self first
        cand = near[labels]
        cost = np.hypot(xy[:, None, 0] - centres[cand, 0], xy[:, None, 1] - centres[cand, 1])
        cost += price[cand]
        new = cand[np.arange(len(xy)), np.argmin(cost, axis=1)]
        if (np.bincount(new, minlength=k) == 0).any():
            break
        labels = new
    return labels
