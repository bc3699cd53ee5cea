"""Turf cutting and walk routing — pure Python (numpy + OR-Tools), no Django (ADR 0021).

``cut_turfs(doors, target, Options(...))`` partitions doors (addresses; a multi-unit building is
one door, never split) into balanced, compact turfs inside each area, orders each turf's walk,
and returns the turfs, the doors it could not place (with the reason) and a summary.
"""

from .engine import cut_turfs
from .model import (
    AREA_NOT_DIVISIBLE,
    AREA_TOO_SMALL,
    BALANCE_FAILED,
    INDIVISIBLE_DOOR,
    INVALID_COORDINATES,
    NO_COORDINATES,
    CutResult,
    DistanceFn,
    Door,
    Options,
    Summary,
    Turf,
    Unplaced,
)

__all__ = [
    "AREA_NOT_DIVISIBLE",
    "AREA_TOO_SMALL",
    "BALANCE_FAILED",
    "INDIVISIBLE_DOOR",
    "INVALID_COORDINATES",
    "NO_COORDINATES",
    "CutResult",
    "DistanceFn",
    "Door",
    "Options",
    "Summary",
    "Turf",
    "Unplaced",
    "cut_turfs",
]
