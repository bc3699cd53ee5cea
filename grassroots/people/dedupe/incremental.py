"""The search after an import, in proportion to the people it touched.

Blocking everyone in linking mode (``blocking.block_pairs(df, focus=…)``) costs what a full
search costs: every pass groups, caps and sorts the whole frame, to keep the few pairs that
touch the focused people. ``focus_subset`` first cuts the frame down to the people who can
share a block with a focused person — the same phone, email, identifier or door, the same
name codes, the same birth day, or a neighbour in a sorted pass — computed with vectorised
look-ups, then the passes run on that small frame. The pairs and their features are exactly
those of the full run (``test_incremental_run_finds_what_the_full_run_finds_for_those_people``):

* a block (or capped block) holding a focused person is included whole, so its size — and
  so whether the cap drops it — is the same;
* a sorted neighbourhood keeps its neighbours: the subset holds the nearest distinct values
  around each focused value, and a subset of the sorted values keeps the nearest of those;
* how many people share a name (``name_count``) is counted over everyone (``name_counts``).

The key definitions mirror ``blocking._blocking_keys``; the equivalence test fails if they
drift apart. This module does not shape the model, so it is not part of its version.
"""

from __future__ import annotations

from collections.abc import Iterable

import jellyfish
import numpy as np
import pandas as pd

from grassroots.people.dedupe.features import NAME_COUNT_CAP
from grassroots.people.dedupe.normalisation import first_token, map_unique, name_skeleton

# A window of 3 is one value each side, of 5 two.
SORTED_NEIGHBOURS = {"ext_id": 1, "name": 2}


def _soundex(name: str) -> str:
    return jellyfish.soundex(name) if name else ""


def _neighbours(values: np.ndarray, wanted: Iterable[str], k: int) -> set[str]:
    """The ``k`` nearest distinct values on each side of each wanted one (sorted order)."""
    distinct = np.unique(np.asarray([v for v in values if v], dtype=object))
    out: set[str] = set()
    for value in wanted:
        if not value or not len(distinct):
            continue
        i = int(np.searchsorted(distinct, value))
        out.update(distinct[max(0, i - k) : i + k + 1].tolist())
    return out


def _isin(values: np.ndarray, wanted) -> np.ndarray:
    """``np.isin`` by hashing (numpy's compares strings pairwise: minutes at 100,000 rows)."""
    return pd.Series(values).isin(set(wanted)).to_numpy(dtype=bool)


def _pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.char.add(np.char.add(a.astype(str), "\x1f"), b.astype(str))


def _small_groups_of(keys: np.ndarray, at: np.ndarray, valid: np.ndarray, cap: int) -> np.ndarray:
    """Rows sharing a key with a focused row, where that key's group has at most ``cap`` rows
    (a bigger group is dropped from its pass, so it brings no pairs)."""
    wanted = set(keys[at][valid[at]].tolist())
    if not wanted:
        return np.zeros(len(keys), dtype=bool)
    hit = _isin(keys, list(wanted)) & valid
    sizes = pd.Series(keys[hit]).value_counts()
    small = sizes[sizes <= cap].index.to_numpy(dtype=object)
    return hit & _isin(keys, small)


def focus_subset(df: pd.DataFrame, focus: Iterable) -> pd.DataFrame:
    """The rows of ``df`` (a ``prepare_frame`` frame) that can share a blocking pass with a
    focused row, in ``df``'s order (blocking is order-sensitive within a crowd)."""
    from grassroots.people.dedupe.blocking import BLOCK_CAP

    at = df.index.get_indexer(pd.Index(list(focus)))
    at = np.unique(at[at >= 0])
    if not len(at):
        return df.iloc[:0]
    given_sk = map_unique(df["given"].to_numpy(dtype=object), name_skeleton)
    family_sk = map_unique(df["family"].to_numpy(dtype=object), name_skeleton)
    fam_code = map_unique(family_sk, _soundex).astype(str)
    giv_code = map_unique(given_sk, lambda g: _soundex(first_token(g))).astype(str)
    swap = fam_code < giv_code
    codes = _pairs(np.where(swap, fam_code, giv_code), np.where(swap, giv_code, fam_code))
    with_codes = (fam_code != "") & (giv_code != "")
    year = df["birth_year"].to_numpy(dtype=float)
    year_text = np.where(np.isnan(year), "", year.astype(str))
    with_year = year_text != ""
    name = map_unique(
        np.array([f"{g} {f}" for g, f in zip(given_sk, family_sk, strict=True)], dtype=object),
        lambda s: " ".join(sorted(s.split())),
    ).astype(str)
    exact = df["born_exact"].to_numpy(dtype=bool)
    day = np.where(exact, df["born"].to_numpy(dtype=float), np.nan)
    day_text = np.where(np.isnan(day), "", day.astype(str))
    with_day = day_text != ""
    phone, email, ext, address, postal = (
        df[c].to_numpy(dtype=object).astype(str)
        for c in ("phone", "email", "ext_id", "address_key", "postal")
    )

    keep = np.zeros(len(df), dtype=bool)
    for values in (phone, email, ext):
        keep |= _small_groups_of(values, at, values != "", BLOCK_CAP)
    keep |= _isin(ext, list(_neighbours(ext, ext[at], SORTED_NEIGHBOURS["ext_id"])))
    keep |= _small_groups_of(address, at, address != "", 2 * BLOCK_CAP)
    keep |= _small_groups_of(
        _pairs(address, giv_code), at, (address != "") & (giv_code != ""), BLOCK_CAP
    )
    keep |= _small_groups_of(_pairs(fam_code, year_text), at, (fam_code != "") & with_year, 15)
    codes_year = _pairs(codes, year_text)
    # the rows the name-code pass uses: their (codes, year) group is small
    small_codes = _small_groups_of(
        codes_year, np.flatnonzero(with_codes & with_year), with_codes & with_year, BLOCK_CAP
    )
    keep |= small_codes & _isin(codes, list(set(codes[at][with_codes[at]])))
    # the rows the door pass uses: their address is shared by at most 2 × BLOCK_CAP people
    has_address = address != ""
    door_sizes = pd.Series(address[has_address]).value_counts()
    small_door = has_address & _isin(
        address, door_sizes[door_sizes <= 2 * BLOCK_CAP].index.to_numpy(dtype=object)
    )
    keep |= _small_groups_of(_pairs(day_text, giv_code), at, with_day & (giv_code != ""), BLOCK_CAP)
    keep |= _small_groups_of(_pairs(day_text, postal), at, with_day & (postal != ""), BLOCK_CAP)
    keep |= _small_groups_of(_pairs(postal, codes), at, (postal != "") & with_codes, BLOCK_CAP)
    keep[at] = True
    # Sorted neighbourhoods rank the *distinct values of the whole frame* (recordlinkage ranks
    # the sorting key globally, then pairs within ``block_on``): the subset keeps that rank
    # space around every focused value, so nobody becomes a neighbour who was not one.
    # Years: one row of each year present among the rows of each pass sorted by year.
    for valid in (small_door & with_year, small_codes):
        rows = pd.Series(np.flatnonzero(valid))
        keep[rows.groupby(year_text[valid]).first().to_numpy(dtype=np.int64)] = True
    # Names: the runs of BLOCK_CAP namesakes born in one year ("name", "name#1"…), the two
    # nearest run values each side of a focused one, each with its whole (name, year) group so
    # that its runs are numbered as in the full frame.
    named = pd.Series(np.where(name == "", None, name), dtype=object)
    run = (
        pd.DataFrame({"name": named, "year": year}).groupby(["name", "year"], sort=False).cumcount()
        // BLOCK_CAP
    )
    name_run = named.where(run == 0, named + "#" + run.astype(str)).fillna("").to_numpy(str)
    ranked = (name != "") & with_year  # the pass pairs within a year: others are not ranked
    near = _neighbours(name_run[ranked], name_run[at][ranked[at]], SORTED_NEIGHBOURS["name"])
    group = _pairs(name, year_text)
    wanted_groups = set(group[_isin(name_run, list(near)) & (name != "")].tolist())
    keep |= _isin(group, list(wanted_groups))
    return df.iloc[np.flatnonzero(keep)]


def _full_names(df: pd.DataFrame) -> np.ndarray:
    given = map_unique(df["given"].to_numpy(dtype=object), name_skeleton)
    family = map_unique(df["family"].to_numpy(dtype=object), name_skeleton)
    return np.array([f"{g} {f}".strip() for g, f in zip(given, family, strict=True)], dtype=object)


def name_counts(everyone: pd.DataFrame, subset: pd.DataFrame, pairs: np.ndarray) -> np.ndarray:
    """The ``name_count`` feature of ``pairs`` (positions in ``subset``) counted over
    ``everyone``, as the full run counts it."""
    full = pd.Series(_full_names(everyone))
    counts = full.map(full.value_counts()).to_numpy(dtype=float)
    by_label = pd.Series(np.minimum(counts, NAME_COUNT_CAP), index=everyone.index)
    mine = by_label.reindex(subset.index).to_numpy(dtype=float)
    return np.minimum(mine[pairs[:, 0]], mine[pairs[:, 1]])
