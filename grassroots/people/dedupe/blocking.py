"""Dedupe blocking: which pairs of people are worth comparing at all."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import jellyfish
import numpy as np
import pandas as pd
import recordlinkage
from recordlinkage.base import BaseIndexAlgorithm

from grassroots.people.dedupe.normalisation import first_token, map_unique, name_skeleton

# recordlinkage logs every indexing and comparing step at INFO; our progress goes to the Job.
logging.getLogger("recordlinkage").setLevel(logging.WARNING)

# --- blocking ----------------------------------------------------------------------------------

# Blocks bigger than this are dropped from a pass (or, for the name neighbourhood, split): a
# crowd of identical keys — "Ananya Das", born 1980 — can only be told apart by the evidence the
# other passes block on (the same phone, email or door), and comparing all of it would be
# quadratic.
BLOCK_CAP = 40


def _soundex(name: str) -> str:
    return jellyfish.soundex(name) if name else ""


def _nan_if_empty(values) -> pd.Series:
    s = pd.Series(np.asarray(values, dtype=object))
    return s.where(s != "", np.nan)


def _capped(keys: pd.DataFrame, columns: list[str], cap: int = BLOCK_CAP) -> pd.Series:
    """A group id for rows whose ``columns`` group has at most ``cap`` rows, else NaN."""
    group = keys.groupby(columns, sort=False, dropna=True).ngroup()
    group = group.where(group >= 0)
    size = group.map(group.value_counts())
    return group.where(size <= cap)


def _blocking_keys(df: pd.DataFrame) -> pd.DataFrame:
    """Positional (0…n-1) frame of the keys the indexers block on; missing keys are NaN."""
    given_sk = map_unique(df["given"].to_numpy(dtype=object), name_skeleton)
    family_sk = map_unique(df["family"].to_numpy(dtype=object), name_skeleton)
    fam_code = map_unique(family_sk, _soundex)
    giv_code = map_unique(given_sk, lambda g: _soundex(first_token(g)))
    exact = df["born_exact"].to_numpy(dtype=bool)
    swap = fam_code < giv_code
    keys = pd.DataFrame(
        {
            "phone": _nan_if_empty(df["phone"].to_numpy(dtype=object)),
            "email": _nan_if_empty(df["email"].to_numpy(dtype=object)),
            "ext_id": _nan_if_empty(df["ext_id"].to_numpy(dtype=object)),
            "address": _nan_if_empty(df["address_key"].to_numpy(dtype=object)),
            "postal": _nan_if_empty(df["postal"].to_numpy(dtype=object)),
            "fam_code": _nan_if_empty(fam_code),
            "giv_code": _nan_if_empty(giv_code),
            # the two name codes in sorted order: the same for swapped given and family names
            "code_a": _nan_if_empty(np.where(swap, fam_code, giv_code)),
            "code_b": _nan_if_empty(np.where(swap, giv_code, fam_code)),
            "year": df["birth_year"].to_numpy(dtype=float),
            "day": np.where(exact, df["born"].to_numpy(dtype=float), np.nan),
            "name": _nan_if_empty(
                map_unique(
                    [f"{g} {f}" for g, f in zip(given_sk, family_sk, strict=True)],
                    lambda s: " ".join(sorted(s.split())),
                )
            ),
        }
    )
    for column in ("phone", "email", "ext_id"):  # a number typed in for everyone is no evidence
        keys[f"{column}_block"] = _capped(keys, [column])
    keys["address_giv"] = _capped(keys, ["address", "giv_code"])
    keys["address_block"] = _capped(keys, ["address"], 2 * BLOCK_CAP)
    keys["fam_year"] = _capped(keys, ["fam_code", "year"], 15)  # rare family names only
    codes = keys.groupby(["code_a", "code_b"], sort=False, dropna=True).ngroup()
    small = _capped(keys, ["code_a", "code_b", "year"]).notna()
    keys["codes"] = codes.where((codes >= 0) & small)
    keys["day_giv"] = _capped(keys, ["day", "giv_code"])
    keys["day_postal"] = _capped(keys, ["day", "postal"])
    keys["postal_codes"] = _capped(keys, ["postal", "code_a", "code_b"])
    # the name neighbourhood: crowds of one name in one year are split into runs of BLOCK_CAP
    run = keys.groupby(["name", "year"], sort=False).cumcount() // BLOCK_CAP
    keys["name_run"] = keys["name"].where(run == 0, keys["name"] + "#" + run.astype(str))
    return keys


def blocking_algorithms() -> list[BaseIndexAlgorithm]:
    """The passes whose union makes the candidate pairs (see the module docstring)."""
    index = recordlinkage.index
    return [
        index.Block("phone_block"),
        index.Block("email_block"),
        index.Block("ext_id_block"),
        index.SortedNeighbourhood("ext_id", window=3),  # a mistyped identifier
        index.Block("address_giv"),
        index.SortedNeighbourhood("year", window=3, block_on=["address_block"]),
        index.Block("fam_year"),
        index.SortedNeighbourhood("year", window=3, block_on=["codes"]),
        index.SortedNeighbourhood("name_run", window=5, block_on=["year"]),
        index.Block("day_giv"),
        index.Block("day_postal"),
        index.Block("postal_codes"),
    ]


def block_pairs(df: pd.DataFrame, focus: Iterable | None = None) -> np.ndarray:
    """Candidate pairs as an (m, 2) array of *positions* in ``df``, each pair once (i < j).

    With ``focus`` (index labels), only pairs with at least one focused record are made
    (recordlinkage's linking mode: focused records against everyone), for incremental runs.
    """
    keys = _blocking_keys(df)
    n = len(keys)
    focus_pos = None
    if focus is not None:
        focus_pos = np.unique(df.index.get_indexer(pd.Index(list(focus))))
        focus_pos = focus_pos[focus_pos >= 0]
        if not len(focus_pos):
            return np.empty((0, 2), dtype=np.int64)
    codes = []
    for algorithm in blocking_algorithms():
        if focus_pos is None:
            pairs = algorithm.index(keys)
        else:
            pairs = algorithm.index(keys.iloc[focus_pos], keys)
        a = pairs.get_level_values(0).to_numpy(dtype=np.int64)
        b = pairs.get_level_values(1).to_numpy(dtype=np.int64)
        keep = a != b
        codes.append(np.minimum(a[keep], b[keep]) * n + np.maximum(a[keep], b[keep]))
    unique = np.unique(np.concatenate(codes)) if codes else np.empty(0, dtype=np.int64)
    return np.column_stack([unique // n, unique % n])
