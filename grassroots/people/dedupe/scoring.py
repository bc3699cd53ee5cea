"""Dedupe scoring: the classifier's match probability, the reasons shown to a reviewer, and
the runs over the database (``find_duplicates``, ``dedupe_run``)."""

from __future__ import annotations

import functools
import logging
import os
import pickle
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grassroots.people.dedupe import incremental
from grassroots.people.dedupe.blocking import block_pairs
from grassroots.people.dedupe.features import (
    BORN_HALF,
    BORN_SAME,
    BORN_SAME_EST,
    BORN_TYPO,
    BORN_YEAR,
    FEATURES,
    compare_pairs,
)
from grassroots.people.dedupe.normalisation import frame_from_people

logger = logging.getLogger(__name__)

# --- classifying -------------------------------------------------------------------------------


@functools.cache
def model():
    """The fitted classifier (``training.fit_model``): once per process, from the on-disk copy.

    Fitting takes 15 s on an idle machine and minutes on a busy one, and a worker process (an RQ
    work-horse is forked per job) used to pay it inside the first duplicate search it ran —
    usually the small search after an import. The fitted model is saved under
    ``DATA_DIR/cache`` with its version (``training.model_version``: the code, the training
    data and the library versions that shape it); every later process of that version only
    loads it, and a process of a new version fits it again, stores it and removes the copies of
    older versions.
    """
    from grassroots.people.dedupe import training

    path = model_cache_path()
    version = path.stem.removeprefix("dedupe-model-") if path is not None else ""
    if path is not None and path.exists():
        try:
            with path.open("rb") as f:
                stored = pickle.load(f)  # noqa: S301 — written by ``model`` itself, in DATA_DIR
            if isinstance(stored, dict) and stored.get("version") == version:
                return stored["model"]
            logger.warning("The dedupe model in %s is of another version; fitting it", path)
        except Exception:  # truncated or from an incompatible library: fit again
            logger.warning(
                "Could not load the dedupe model from %s; fitting it", path, exc_info=True
            )
    fitted = training.fit_model()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as f:
                pickle.dump(
                    {"version": version, "model": fitted}, f, protocol=pickle.HIGHEST_PROTOCOL
                )
            os.replace(tmp, path)  # atomic: a concurrent reader sees the whole file or none
            for old in path.parent.glob("dedupe-model-*.pickle"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError:
            logger.warning("Could not save the dedupe model to %s", path, exc_info=True)
    return fitted


def model_cache_path() -> Path | None:
    """Where the fitted model is kept: ``DATA_DIR/cache/dedupe-model-<version>.pickle``, or
    None without configured Django settings (the benchmark fits in-process)."""
    try:
        from django.conf import settings

        base = Path(settings.DATA_DIR)
    except Exception:
        return None
    from grassroots.people.dedupe import training

    return base / "cache" / f"dedupe-model-{training.model_version()}.pickle"


def match_probability(features: pd.DataFrame, fitted=None) -> np.ndarray:
    if not len(features):
        return np.empty(0)
    fitted = model() if fitted is None else fitted
    x = features[FEATURES].to_numpy(dtype=np.float32)
    return np.concatenate(
        [fitted.predict_proba(x[s : s + 1_000_000])[:, 1] for s in range(0, len(x), 1_000_000)]
    )


_BORN_REASONS = {
    BORN_SAME: "same birth date",
    BORN_SAME_EST: "same age",
    BORN_TYPO: "birth dates differ by one digit",
    BORN_HALF: "birth dates within six months",
    BORN_YEAR: "ages a year apart",
}


def _reasons(row) -> list[str]:
    """Why a pair looks alike, in words for the reviewer."""
    reasons = []
    if row.ext_id == 1:
        reasons.append("same identifier")
    elif row.ext_id == 0.5:
        reasons.append("identifiers one character apart")
    if row.phone == 1:
        reasons.append("same phone")
    elif row.phone == 0.5:
        reasons.append("phone numbers one digit apart")
    if row.email == 1:
        reasons.append("same email")
    if row.born in _BORN_REASONS:
        reasons.append(_BORN_REASONS[row.born])
    given, family, alt = row.given, row.family, row.alt_name
    if given >= 0.995 and family >= 0.995:
        reasons.append("same name")
    elif given == given and family == family and min(given, family) >= 0.8:
        reasons.append(f"names similar ({(given + family) / 2:.2f})")
    elif alt == alt and alt >= 0.88:
        reasons.append(f"names similar in another order or script ({alt:.2f})")
    elif given >= 0.88:
        reasons.append("same given name")
    if row.address >= 0.999:
        reasons.append("same address")
    elif row.address >= 0.8:
        reasons.append(f"similar address ({row.address:.2f})")
    elif row.postal == 1:
        reasons.append("same postal code")
    return reasons


def score_pairs(
    df: pd.DataFrame,
    candidate_pairs: pd.MultiIndex | np.ndarray | None = None,
    *,
    focus: Iterable | None = None,
    min_score: float = 0.5,
) -> pd.DataFrame:
    """Score candidate pairs of ``df`` (a ``prepare_frame`` frame).

    ``candidate_pairs``: a MultiIndex of index labels (or an (m, 2) array of positions); by
    default the blocking passes make them (only pairs touching ``focus`` when it is given).
    Returns the pairs scoring at least ``min_score`` as columns ``id1 < id2``, ``score`` (the match
    probability) and ``reasons``, best first; ``.attrs["candidates"]`` is how many were compared.
    """
    everyone = df
    if candidate_pairs is None and focus is not None:
        # only the people who can share a block with the focused ones (``incremental``)
        df = incremental.focus_subset(everyone, focus)
        pairs = block_pairs(df, focus=focus)
    elif candidate_pairs is None:
        pairs = block_pairs(df)
    elif isinstance(candidate_pairs, pd.MultiIndex):
        a = df.index.get_indexer(candidate_pairs.get_level_values(0))
        b = df.index.get_indexer(candidate_pairs.get_level_values(1))
        keep = (a >= 0) & (b >= 0) & (a != b)
        pairs = np.column_stack([a[keep], b[keep]]).astype(np.int64)
    else:
        pairs = np.asarray(candidate_pairs, dtype=np.int64).reshape(-1, 2)
    features = compare_pairs(df, pairs)
    if df is not everyone:  # how many share a name is counted over everyone
        features["name_count"] = incremental.name_counts(everyone, df, pairs)
    score = match_probability(features)
    keep = np.flatnonzero(score >= min_score)
    ids = df.index.to_numpy()
    a, b = ids[pairs[keep, 0]], ids[pairs[keep, 1]]
    swap = np.array([x > y for x, y in zip(a, b, strict=True)], dtype=bool)
    result = pd.DataFrame(
        {
            "id1": np.where(swap, b, a),
            "id2": np.where(swap, a, b),
            "score": score[keep],
            "reasons": [_reasons(r) for r in features.iloc[keep].itertuples(index=False)],
        }
    )
    result = result.sort_values(["score", "id1", "id2"], ascending=[False, True, True])
    result = result.reset_index(drop=True)
    result.attrs["candidates"] = len(pairs)
    return result


# --- the database --------------------------------------------------------------------------------
# (Django is imported inside these functions: the module itself works on frames without a
# database, which is how the benchmark and the FEBRL test use it.)

# Pairs scoring at least this go to review. On the benchmark (1,000,000 people, 5 % planted
# duplicates) 0.8 gives precision 99.6 % and recall 95.5 %; 0.9 gives 99.8 % and 93.8 %.
DEFAULT_THRESHOLD = 0.8


def _log(reporter, message: str) -> None:
    if reporter is not None:
        reporter.log(message)


def _find(
    *, person_ids: Iterable[int] | None, threshold: float, reporter=None
) -> tuple[list[tuple[int, int, float, list[str]]], int]:
    started = time.perf_counter()
    if reporter is not None:
        reporter.job.total = 3  # read, score, record
    frame = frame_from_people()
    _log(reporter, f"Read {len(frame):,} people in {time.perf_counter() - started:.1f}s.")
    if reporter is not None:
        reporter.advance(1, force=True)
    focus = None if person_ids is None else list(person_ids)
    result = score_pairs(frame, focus=focus, min_score=threshold)
    _log(
        reporter,
        f"Compared {result.attrs['candidates']:,} candidate pairs; {len(result):,} scored "
        f"{threshold:.2f} or more ({time.perf_counter() - started:.1f}s in all).",
    )
    if reporter is not None:
        reporter.advance(2, force=True)
    pairs = [
        (int(a), int(b), round(float(score), 4), list(reasons))
        for a, b, score, reasons in result.itertuples(index=False, name=None)
    ]
    return pairs, int(result.attrs["candidates"])


def find_duplicates(
    *, person_ids: Iterable[int] | None = None, threshold: float = DEFAULT_THRESHOLD, reporter=None
) -> list[tuple[int, int, float, list[str]]]:
    """Probable duplicates in the database as ``(low id, high id, score, reasons)``, best first.

    The whole table, or with ``person_ids`` (the people an import just wrote) only the pairs
    involving one of them, against everyone who shares a block with them.
    """
    return _find(person_ids=person_ids, threshold=threshold, reporter=reporter)[0]


def dedupe_run(
    *,
    actor: Any = None,
    person_ids: Iterable[int] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    reporter=None,
) -> dict[str, int]:
    """Find duplicates and record them as ``DuplicatePair`` rows to review.

    New pairs are created; a pending pair gets the new score and reasons; a pair already decided
    (not a duplicate, or merged) is never proposed again. Returns the counts: ``candidates``
    compared, ``pairs`` found, ``new`` pairs, ``updated`` pending pairs, ``decided`` pairs left
    alone.
    """
    from django.db import transaction

    from grassroots.core import audit
    from grassroots.people.models import DuplicatePair

    found, candidates = _find(person_ids=person_ids, threshold=threshold, reporter=reporter)
    by_pair = {(low, high): (score, reasons) for low, high, score, reasons in found}
    existing: dict[tuple[int, int], DuplicatePair] = {}
    lows = sorted({low for low, _high in by_pair})
    for start in range(0, len(lows), 5000):
        for pair in DuplicatePair.objects.filter(low_id__in=lows[start : start + 5000]).only(
            "id", "low_id", "high_id", "status", "score", "reasons"
        ):
            if (pair.low_id, pair.high_id) in by_pair:
                existing[(pair.low_id, pair.high_id)] = pair
    new, updated, decided = [], [], 0
    for key, (score, reasons) in by_pair.items():
        pair = existing.get(key)
        if pair is None:
            new.append(DuplicatePair(low_id=key[0], high_id=key[1], score=score, reasons=reasons))
        elif pair.status != DuplicatePair.Status.PENDING:
            decided += 1
        elif pair.score != score or pair.reasons != reasons:
            pair.score, pair.reasons = score, reasons
            updated.append(pair)
    with transaction.atomic():
        DuplicatePair.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        DuplicatePair.objects.bulk_update(updated, ["score", "reasons"], batch_size=2000)
        counts = {
            "candidates": candidates,
            "pairs": len(found),
            "new": len(new),
            "updated": len(updated),
            "decided": decided,
        }
        audit.record(
            actor=actor,
            action="people.dedupe_run",
            detail={**counts, "threshold": threshold, "incremental": person_ids is not None},
        )
    _log(
        reporter,
        f"{len(new):,} new pairs to review, {len(updated):,} updated, {decided:,} already decided.",
    )
    if reporter is not None:
        reporter.advance(3, force=True)
    return counts
