"""Timing and reporting helpers shared by the benchmarks."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable


def scale(default: int) -> int:
    return int(float(os.environ.get("BENCH_SCALE", default)))


def median_ms(fn: Callable[[], object], repeat: int = 7, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def row(
    benchmark: str, metric: str, value: float, unit: str, baseline: float, scale_n: int
) -> dict:
    return {
        "benchmark": benchmark,
        "metric": metric,
        "value": round(value, 2),
        "unit": unit,
        "baseline": round(baseline, 2),
        "ratio": round(value / baseline, 2) if baseline else None,
        "scale": scale_n,
    }


def print_table(rows: list[dict]) -> None:
    print(
        f"\n{'benchmark':<10} {'metric':<44} {'value':>10} {'baseline':>10} {'ratio':>7}  unit  scale"
    )
    for r in rows:
        print(
            f"{r['benchmark']:<10} {r['metric']:<44} {r['value']:>10.1f} {r['baseline']:>10.1f} "
            f"{r['ratio'] if r['ratio'] is not None else '—':>7}  {r['unit']:<4}  {r['scale']:,}"
        )
