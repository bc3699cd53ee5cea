"""Walk-aware improvement between neighbouring turfs, after the walks are ordered (ADR 0021).

The partition steps (bisection, balanced k-means, refinement) only see distances to turf
centres; the walk is what a canvasser feels. Here each turf is its walk (an open path over
its doors, in order) and pairs of neighbouring turfs exchange doors when the sum of the two
walks' costs falls, with both sizes kept in their band:

- *piece exchange* (2-opt* for open paths): cut each walk once, giving a head and a tail per
  turf (either may be empty), and join the pieces crosswise (head + head and tail + tail, or
  head + tail and tail + head) at their nearest ends. It moves a head or a tail of any length
  from one turf to the other, or swaps them;
- *segment relocation* (inter-turf Or-opt): a run of up to ``max_segment`` consecutive doors
  inside a walk moves into the other turf's walk where it costs least (either direction).

Costs are the solver's (metres, plus the odd/even penalty for an arc to the other side of the
same street), straight-line: the step runs only with the built-in distance and a free start.
Every applied move lowers the total cost, the walks stay valid paths, so no walk is solved
again. Deterministic: no random numbers, fixed pair order, ties to the first candidate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_EPS = 1e-6


class Costs:
    """Arc costs between any two doors: straight-line metres + penalty across a street."""

    def __init__(self, xy: np.ndarray, street: np.ndarray, side: np.ndarray, penalty: float):
        self.xy, self.penalty = xy, penalty
        self.z = xy[:, 0] + 1j * xy[:, 1]  # |z_a - z_b| is the distance, in one numpy call
        # Two doors are on opposite sides of the same street when one's code equals the
        # other's partner: street * 2 + side against street * 2 + (1 - side). Doors without a
        # street or a side get codes that never match (negative, distinct, partner ≠ code).
        known = (street >= 0) & (side >= 0)
        unknown = -4 * (np.arange(len(street)) + 1)
        self.code = np.where(known, street * 2 + side, unknown)
        self.partner = np.where(known, street * 2 + (1 - side), unknown - 2)

    def matrix(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d = np.abs(self.z[a][:, None] - self.z[b][None, :])
        if self.penalty:
            d += self.penalty * (self.code[a][:, None] == self.partner[b][None, :])
        return d

    def steps(self, path: np.ndarray) -> np.ndarray:
        """Cost of each arc of ``path`` (len - 1)."""
        return self.pairwise(path[:-1], path[1:])

    def pairwise(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cost from each door of ``a`` to the door of ``b`` at the same position."""
        if not len(a):
            return np.zeros(0)
        d = np.abs(self.z[a] - self.z[b])
        if self.penalty:
            d += self.penalty * (self.code[a] == self.partner[b])
        return d

    def path_cost(self, path: np.ndarray) -> float:
        return float(self.steps(path).sum())


def _join(p: np.ndarray, q: np.ndarray, costs: Costs) -> np.ndarray:
    """``p`` and ``q`` as one path, joined at their nearest ends (first pair wins a tie)."""
    if not len(p):
        return q
    if not len(q):
        return p
    # p's end → q's start, p's end → q's end, p's start → q's start, p's start → q's end
    ends = costs.pairwise(np.array([p[-1], p[-1], p[0], p[0]]), np.array([q[0], q[-1]] * 2))
    best = int(np.argmin(ends))
    flip_p, flip_q = best >= 2, best % 2 == 1
    return np.concatenate([p[::-1] if flip_p else p, q[::-1] if flip_q else q])


@lru_cache(maxsize=256)
def _segments(n: int, longest: int) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) positions of every interior run of 1..``longest`` doors in an n-door path."""
    firsts, lasts = [], []
    for length in range(1, longest + 1):
        first = np.arange(1, n - length)
        firsts.append(first)
        lasts.append(first + length - 1)
    return np.concatenate(firsts), np.concatenate(lasts)


def _allowed(size: float, low: float, high: float) -> tuple[float, float]:
    """The sizes a turf may take: its band, widened to its size when it is outside it (a turf
    in its band stays in it; one outside never moves further away)."""
    return min(low, size), max(high, size)


class _Walk:
    """A turf's walk with what the moves need of it, computed once per change."""

    __slots__ = (
        "cum",
        "cut",
        "first",
        "last",
        "longest_step",
        "most_removed",
        "path",
        "removed",
        "steps",
    )

    def __init__(self, path: np.ndarray, costs: Costs, weight: np.ndarray, longest: int):
        self.path = path
        self.steps = costs.steps(path)
        # The arc a cut before position i takes out (none before the first or after the last).
        self.cut = np.concatenate([[0.0], self.steps, [0.0]]) if len(path) > 1 else np.zeros(2)
        self.cum = np.concatenate([[0.0], np.cumsum(weight[path])])
        n = len(path)
        if n >= 3:
            # Interior runs path[first..last] and the saving of taking each out of the walk.
            self.first, self.last = _segments(n, min(longest, n - 2))
            self.removed = (
                self.steps[self.first - 1]
                + self.steps[self.last]
                - costs.pairwise(path[self.first - 1], path[self.last + 1])
            )
            self.most_removed = float(self.removed.max())
        else:
            self.first = self.last = self.removed = None
            self.most_removed = 0.0
        self.longest_step = float(self.steps.max()) if n >= 2 else 0.0

    @property
    def cost(self) -> float:
        return float(self.steps.sum())


def _relocations(src: _Walk, dst: _Walk, d: np.ndarray):
    """Best move of an interior run of ``src`` into ``dst``: (delta, weight, first, last, where).

    ``d``: src × dst costs. ``where`` is the gap in ``dst`` (0 = before its first door, len =
    after its last) and the run goes in the orientation that costs least there."""
    m = len(dst.path)
    if src.first is None or m < 1:
        return None
    first, last, removed, steps_dst, cum_src = src.first, src.last, src.removed, dst.steps, src.cum
    ds, de = d[first], d[last]
    inserted = np.empty((len(first), m + 1))
    inserted[:, 0] = np.minimum(ds[:, 0], de[:, 0])
    inserted[:, m] = np.minimum(ds[:, -1], de[:, -1])
    if m >= 2:
        inserted[:, 1:m] = (
            np.minimum(ds[:, :-1] + de[:, 1:], de[:, :-1] + ds[:, 1:]) - steps_dst[None, :]
        )
    where = np.argmin(inserted, axis=1)
    delta = inserted[np.arange(len(first)), where] - removed
    seg_weight = cum_src[last + 1] - cum_src[first]
    return delta, seg_weight, first, last, where


def _place(run: np.ndarray, dst: np.ndarray, where: int, costs: Costs) -> np.ndarray:
    """``dst`` with ``run`` inserted in gap ``where``, in its cheaper orientation."""
    s, e = run[:1], run[-1:]
    m = len(dst)
    if where == 0:
        flip = costs.pairwise(s, dst[:1])[0] <= costs.pairwise(e, dst[:1])[0]
        return np.concatenate([run[::-1] if flip else run, dst])
    if where == m:
        flip = costs.pairwise(dst[-1:], e)[0] < costs.pairwise(dst[-1:], s)[0]
        return np.concatenate([dst, run[::-1] if flip else run])
    before, after = dst[where - 1 : where], dst[where : where + 1]
    keep = costs.pairwise(before, s)[0] + costs.pairwise(e, after)[0]
    flip = costs.pairwise(before, e)[0] + costs.pairwise(s, after)[0] < keep
    return np.concatenate([dst[:where], run[::-1] if flip else run, dst[where:]])


@lru_cache(maxsize=1024)
def _non_empty(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Where both new walks keep a door: for head + head / tail + tail, and head + tail /
    tail + head ([i, j]: A cut before position i, B before j)."""
    i = np.arange(n + 1)[:, None]
    j = np.arange(m + 1)[None, :]
    return (i + j > 0) & (n - i + m - j > 0), (i + m - j > 0) & (n - i + j > 0)


def _best_exchange(wa: _Walk, wb: _Walk, d: np.ndarray, low_a: float, high_a: float):
    """The best piece exchange: (delta, ("exchange", variant, i, j)), or (inf, None)."""
    n, m = len(wa.path), len(wb.path)
    cum_a, cum_b = wa.cum, wb.cum
    # Cost of joining two pieces at their nearest ends; [i, j]: A cut before position i, B
    # before j; 0 when a piece is empty. Heads end at a[0] / a[i-1], tails at a[i] / a[n-1].
    # joins[0]: head A + head B, [1]: tail A + tail B, [2]: head A + tail B, [3]: tail A + head B.
    joins = np.zeros((4, n + 1, m + 1))
    for out, row, column in (
        (joins[0, 1:, 1:], np.minimum(d[0, :], d[0, 0]), d[:, 0]),
        (joins[1, :-1, :-1], np.minimum(d[n - 1, :], d[n - 1, m - 1]), d[:, m - 1]),
        (joins[2, 1:, :-1], np.minimum(d[0, :], d[0, m - 1]), d[:, m - 1]),
        (joins[3, :-1, 1:], np.minimum(d[n - 1, :], d[n - 1, 0]), d[:, 0]),
    ):
        np.minimum(d, row[None, :], out=out)
        np.minimum(out, column[:, None], out=out)
    cut = wa.cut[:, None] + wb.cut[None, :]
    some_0, some_1 = _non_empty(n, m)
    # Variant 0: head A + head B, tail A + tail B. Variant 1: head A + tail B, tail A + head B.
    size_0 = cum_a[:, None] + cum_b[None, :]
    size_1 = cum_a[:, None] + (cum_b[-1] - cum_b)[None, :]
    delta_0 = np.where(
        some_0 & (size_0 >= low_a) & (size_0 <= high_a), joins[0] + joins[1] - cut, np.inf
    )
    delta_1 = np.where(
        some_1 & (size_1 >= low_a) & (size_1 <= high_a), joins[2] + joins[3] - cut, np.inf
    )
    best = (np.inf, None)
    for variant, delta in enumerate((delta_0, delta_1)):
        flat = int(np.argmin(delta))
        if delta.flat[flat] < best[0]:
            best = (float(delta.flat[flat]), ("exchange", variant, *divmod(flat, m + 1)))
    return best


def _best_move(wa: _Walk, wb: _Walk, ia, ib, costs, size, low, high):
    """The best cost-lowering, size-keeping move between walks ``wa`` and ``wb``: the two new
    walks (door arrays), or None."""
    pa, pb = wa.path, wb.path
    d = costs.matrix(pa, pb)
    # Bounds: every move adds at least one arc between the turfs (≥ g) and takes out at most
    # two arcs of each walk (a relocation: the run's two arcs); a kind of move that cannot
    # gain is not searched (most pairs of turfs that are not next to each other).
    g = float(d.min())
    la, ha = _allowed(size[ia], low[ia], high[ia])
    lb, hb = _allowed(size[ib], low[ib], high[ib])
    total = wa.cum[-1] + wb.cum[-1]
    low_a, high_a = max(la, total - hb) - 1e-9, min(ha, total - lb) + 1e-9  # the new A's size
    best = (np.inf, None)
    if g - wa.longest_step - wb.longest_step < -_EPS:
        best = _best_exchange(wa, wb, d, low_a, high_a)
    for direction, (src, dst, dd, sign) in enumerate(((wa, wb, d, -1), (wb, wa, d.T, 1))):
        if min(g, 2 * g - dst.longest_step) - src.most_removed >= -_EPS:
            continue
        # Each door weighs at least 1: skip when A can neither lose (or gain) one.
        if (sign < 0 and size[ia] - 1 < low_a) or (sign > 0 and size[ia] + 1 > high_a):
            continue
        found = _relocations(src, dst, dd)
        if found is None:
            continue
        delta, seg_weight, first, last, where = found
        new_a = size[ia] + sign * seg_weight
        delta = np.where((new_a >= low_a) & (new_a <= high_a), delta, np.inf)
        pick = int(np.argmin(delta))
        if delta[pick] < best[0]:
            best = (
                float(delta[pick]),
                ("relocate", direction, int(first[pick]), int(last[pick]), int(where[pick])),
            )
    if best[1] is None or best[0] >= -_EPS:
        return None
    kind, variant, x, y, *rest = best[1]
    if kind == "exchange":
        head_a, tail_a, head_b, tail_b = pa[:x], pa[x:], pb[:y], pb[y:]
        if variant == 0:
            new_a, new_b = _join(head_a, head_b, costs), _join(tail_a, tail_b, costs)
        else:
            new_a, new_b = _join(head_a, tail_b, costs), _join(tail_a, head_b, costs)
    else:
        src, dst = (pa, pb) if variant == 0 else (pb, pa)
        run = src[x : y + 1]
        new_src = np.concatenate([src[:x], src[y + 1 :]])
        new_dst = _place(run, dst, rest[0], costs)
        new_a, new_b = (new_src, new_dst) if variant == 0 else (new_dst, new_src)
    # Guard: keep the move only if the two walks really cost less (it always should).
    before = wa.cost + wb.cost
    if costs.path_cost(new_a) + costs.path_cost(new_b) >= before - _EPS:
        return None
    return new_a, new_b


def improve(
    paths: Sequence[np.ndarray],
    groups: Sequence[object],
    xy: np.ndarray,
    weight: np.ndarray,
    street: np.ndarray,
    side: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    penalty: float,
    passes: int,
    workers: int = 1,
    neighbours: int = 6,
    max_segment: int = 2,
) -> list[np.ndarray]:
    """Improved walks (global door indices in walk order), one per turf, same turf order.

    ``groups``: turfs only exchange doors with turfs of the same group (the area when areas are
    respected); groups are independent, so they are spread over ``workers`` processes.
    ``low``/``high``: per-turf size limits (a turf in its band stays in it; one outside never
    moves away from it). At most ``passes`` rounds over the neighbouring pairs (each turf's
    ``neighbours`` nearest turfs by centre); a round without a move ends it."""
    paths = [np.asarray(p, dtype=np.int64) for p in paths]
    if len(paths) < 2 or passes <= 0:
        return paths
    by_group: dict[object, list[int]] = {}
    for t, g in enumerate(groups):
        by_group.setdefault(g, []).append(t)
    jobs, slots = [], []
    for turfs in by_group.values():
        if len(turfs) < 2:
            continue
        doors = np.concatenate([paths[t] for t in turfs])
        local = np.empty(int(doors.max()) + 1, dtype=np.int64)
        local[doors] = np.arange(len(doors))
        jobs.append(
            _Job(
                paths=[local[paths[t]] for t in turfs],
                xy=xy[doors],
                weight=weight[doors],
                street=street[doors],
                side=side[doors],
                low=low[turfs],
                high=high[turfs],
                penalty=penalty,
                passes=passes,
                neighbours=neighbours,
                max_segment=max_segment,
            )
        )
        slots.append((turfs, doors))
    if workers > 1 and len(jobs) > 1:
        import multiprocessing
        import os

        ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        # Largest groups first, one at a time, so the processes finish together.
        order = sorted(range(len(jobs)), key=lambda j: -len(slots[j][1]))
        with ctx.Pool(min(workers, len(jobs))) as pool:
            done = pool.map(_improve_group, [jobs[j] for j in order], chunksize=1)
        results: list = [None] * len(jobs)
        for j, result in zip(order, done, strict=True):
            results[j] = result
    else:
        results = [_improve_group(job) for job in jobs]
    for (turfs, doors), new_paths in zip(slots, results, strict=True):
        for t, path in zip(turfs, new_paths, strict=True):
            paths[t] = doors[path]
    return paths


@dataclass
class _Job:
    """One group's exchange (picklable, for the worker processes); indices local to the group."""

    paths: list[np.ndarray]
    xy: np.ndarray
    weight: np.ndarray
    street: np.ndarray
    side: np.ndarray
    low: np.ndarray
    high: np.ndarray
    penalty: float
    passes: int
    neighbours: int
    max_segment: int


def _improve_group(job: _Job) -> list[np.ndarray]:
    costs = Costs(job.xy, job.street, job.side, job.penalty)
    weight = job.weight
    walks = [_Walk(p, costs, weight, job.max_segment) for p in job.paths]
    k = len(walks)
    size = np.array([w.cum[-1] for w in walks])
    version = np.zeros(k, dtype=np.int64)
    seen: dict[tuple[int, int], tuple[int, int]] = {}  # pair → versions when last found stuck
    for _ in range(job.passes):
        centres = np.array([job.xy[w.path].mean(axis=0) for w in walks])
        moved = 0
        for a, b in _pairs(centres, job.neighbours):
            if seen.get((a, b)) == (version[a], version[b]):
                continue
            for _attempt in range(4):  # the same pair again while it keeps improving
                move = _best_move(walks[a], walks[b], a, b, costs, size, job.low, job.high)
                if move is None:
                    seen[(a, b)] = (int(version[a]), int(version[b]))  # stuck until one changes
                    break
                walks[a] = _Walk(move[0], costs, weight, job.max_segment)
                walks[b] = _Walk(move[1], costs, weight, job.max_segment)
                size[a], size[b] = walks[a].cum[-1], walks[b].cum[-1]
                version[a] += 1
                version[b] += 1
                moved += 1
        if not moved:
            break
    return [w.path for w in walks]


def _pairs(centres: np.ndarray, neighbours: int) -> list[tuple[int, int]]:
    """Neighbouring turf pairs (a < b: each turf with its nearest turfs by centre), sorted."""
    k = len(centres)
    d2 = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(d2, np.inf)
    near = np.argsort(d2, axis=1, kind="stable")[:, : min(neighbours, k - 1)]
    rows = np.repeat(np.arange(k), near.shape[1])
    cols = near.ravel()
    pairs = np.unique(np.column_stack([np.minimum(rows, cols), np.maximum(rows, cols)]), axis=0)
    return [(int(a), int(b)) for a, b in pairs]
