"""Dedupe comparison features: how alike two records are, field by field."""

from __future__ import annotations

import datetime as dt
import logging

import jellyfish
import numpy as np
import pandas as pd
import recordlinkage
from recordlinkage.base import BaseCompareFeature

from grassroots.people.dedupe.normalisation import map_unique, name_skeleton

# recordlinkage logs every indexing and comparing step at INFO; our progress goes to the Job.
logging.getLogger("recordlinkage").setLevel(logging.WARNING)

# --- comparing ---------------------------------------------------------------------------------
# The comparison frame holds integer codes into vocabularies of distinct values, so each string
# similarity is computed once per distinct pair of values and nothing is copied per pair but
# integers.


def _encode(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Codes for several columns sharing one vocabulary; "" (missing) is -1."""
    lengths = [len(c) for c in columns]
    codes, uniques = pd.factorize(np.concatenate([np.asarray(c, dtype=object) for c in columns]))
    uniques = np.asarray(uniques, dtype=object)
    empty = np.flatnonzero(uniques == "")
    if len(empty):
        codes = np.where(codes == empty[0], -1, codes)
    codes = codes.astype(np.int64)
    return list(np.split(codes, np.cumsum(lengths)[:-1])), uniques


def _by_codes(c1: np.ndarray, c2: np.ndarray, values: np.ndarray, fn) -> np.ndarray:
    """``fn(values[c1], values[c2])`` per pair, once per distinct (unordered) pair of codes;
    1 when equal, NaN when either is missing (-1)."""
    c1, c2 = np.asarray(c1, dtype=np.int64), np.asarray(c2, dtype=np.int64)
    out = np.full(len(c1), np.nan)
    valid = (c1 >= 0) & (c2 >= 0)
    out[valid & (c1 == c2)] = 1.0
    todo = np.flatnonzero(valid & (c1 != c2))
    if len(todo):
        lo, hi = np.minimum(c1[todo], c2[todo]), np.maximum(c1[todo], c2[todo])
        pair_codes, distinct = pd.factorize(lo * len(values) + hi)
        first, second = distinct // len(values), distinct % len(values)
        similarities = np.fromiter(
            (fn(values[x], values[y]) for x, y in zip(first, second, strict=True)),
            dtype=float,
            count=len(distinct),
        )
        out[todo] = similarities[pair_codes]
    return out


def _jaro_winkler(a: str, b: str) -> float:
    return jellyfish.jaro_winkler_similarity(a, b)


def _levenshtein_ratio(a: str, b: str) -> float:
    return 1 - jellyfish.levenshtein_distance(a, b) / max(len(a), len(b), 1)


class NameSimilarity(BaseCompareFeature):
    """Jaro–Winkler similarity of name skeletons (codes into ``values``)."""

    def __init__(self, left, right, values: np.ndarray, label=None):
        super().__init__(left, right, label=label)
        self.values = values

    def _compute_vectorized(self, left, right):
        return _by_codes(left.to_numpy(), right.to_numpy(), self.values, _jaro_winkler)


class AltNameSimilarity(BaseCompareFeature):
    """Name evidence beyond given-vs-given and family-vs-family: the best of given and family
    swapped (the lower of the two cross similarities) and the native-script names (against each
    other or against the other's Latin "given family"). NaN when none applies."""

    def __init__(self, names: np.ndarray, full_names: np.ndarray, label=None):
        columns = ["given", "family", "full", "native"]
        super().__init__(columns, columns, label=label)
        self.names, self.full_names = names, full_names

    def _compute_vectorized(self, g1, f1, full1, n1, g2, f2, full2, n2):
        g1, f1, g2, f2 = (s.to_numpy() for s in (g1, f1, g2, f2))
        swap = np.fmin(
            _by_codes(g1, f2, self.names, _jaro_winkler),
            _by_codes(f1, g2, self.names, _jaro_winkler),
        )
        full1, n1, full2, n2 = (s.to_numpy() for s in (full1, n1, full2, n2))
        best = swap
        native = np.flatnonzero((n1 >= 0) | (n2 >= 0))
        if len(native):
            vocabulary = self.full_names
            sub = np.fmax(
                np.fmax(
                    _by_codes(n1[native], full2[native], vocabulary, _jaro_winkler),
                    _by_codes(full1[native], n2[native], vocabulary, _jaro_winkler),
                ),
                _by_codes(n1[native], n2[native], vocabulary, _jaro_winkler),
            )
            best = best.copy()
            best[native] = np.fmax(best[native], sub)
        return best


class IdentifierComparison(BaseCompareFeature):
    """Phone numbers and personal identifiers: 1 the same, 0.5 one character apart or two
    neighbours swapped (a typo), 0 different, NaN when either is missing."""

    def __init__(self, left, right, values: np.ndarray, label=None):
        super().__init__(left, right, label=label)
        width = max((len(v) for v in values), default=1) or 1
        self.chars = np.array([v.encode() for v in values], dtype=f"S{width}").view(np.uint8)
        self.chars = self.chars.reshape(len(values), width) if len(values) else self.chars
        self.lengths = np.array([len(v) for v in values], dtype=np.int64)

    def _compute_vectorized(self, left, right):
        c1, c2 = left.to_numpy().astype(np.int64), right.to_numpy().astype(np.int64)
        out = np.full(len(c1), np.nan)
        valid = (c1 >= 0) & (c2 >= 0)
        out[valid] = (c1[valid] == c2[valid]).astype(float)
        todo = np.flatnonzero(valid & (c1 != c2))
        todo = todo[self.lengths[c1[todo]] == self.lengths[c2[todo]]]
        for start in range(0, len(todo), 1_000_000):  # bounded memory
            part = todo[start : start + 1_000_000]
            a, b = self.chars[c1[part]], self.chars[c2[part]]
            differ = a != b
            count = differ.sum(axis=1)
            near = count == 1
            two = np.flatnonzero(count == 2)
            if len(two):
                first = differ[two].argmax(axis=1)
                second = np.minimum(first + 1, a.shape[1] - 1)
                swapped = (
                    differ[two, second]
                    & (a[two, first] == b[two, second])
                    & (a[two, second] == b[two, first])
                )
                near[two[swapped]] = True
            out[part[near]] = 0.5
        return out


class ExactComparison(BaseCompareFeature):
    """1 the same value, 0 different, NaN when either is missing (codes; -1 = missing)."""

    def _compute_vectorized(self, left, right):
        c1, c2 = left.to_numpy(), right.to_numpy()
        out = (c1 == c2).astype(float)
        out[(c1 < 0) | (c2 < 0)] = np.nan
        return out


class AddressComparison(BaseCompareFeature):
    """1 the same address key; the Levenshtein ratio of the keys when they have the same house
    number (or neither has one and the postal code is the same): a typo or another spelling of
    the street; 0 otherwise (another house is another door); NaN when either is missing."""

    def __init__(self, values: np.ndarray, label=None):
        columns = ["address", "house", "postal"]
        super().__init__(columns, columns, label=label)
        self.values = values

    def _compute_vectorized(self, a1, h1, p1, a2, h2, p2):
        a1, h1, p1, a2, h2, p2 = (s.to_numpy() for s in (a1, h1, p1, a2, h2, p2))
        out = np.full(len(a1), np.nan)
        valid = (a1 >= 0) & (a2 >= 0)
        out[valid] = (a1[valid] == a2[valid]).astype(float)
        same_door = (h1 == h2) & ((h1 >= 0) | ((p1 == p2) & (p1 >= 0)))
        todo = np.flatnonzero(valid & (a1 != a2) & same_door)
        if len(todo):
            out[todo] = _by_codes(a1[todo], a2[todo], self.values, _levenshtein_ratio)
        return out


class CountComparison(BaseCompareFeature):
    """The smaller of the two records' counts (how many people share the name)."""

    def _compute_vectorized(self, left, right):
        return np.minimum(left.to_numpy(dtype=float), right.to_numpy(dtype=float))


# Birth-date comparison levels.
BORN_FAR, BORN_YEAR, BORN_HALF, BORN_TYPO, BORN_SAME_EST, BORN_SAME = range(1, 7)
_EPOCH = dt.date(1970, 1, 1).toordinal()


def _ymd(ordinals: np.ndarray) -> np.ndarray:
    days = np.nan_to_num(ordinals - _EPOCH).astype("int64").astype("datetime64[D]")
    y = days.astype("datetime64[Y]").astype(int) + 1970
    m = days.astype("datetime64[M]").astype(int) % 12 + 1
    d = (days - days.astype("datetime64[M]")).astype(int) + 1
    return np.stack([y, m, d])


class BirthComparison(BaseCompareFeature):
    """Graded birth-date agreement (``BORN_*`` levels; NaN when either is missing) and whether
    both are real birth dates.

    A born date is exact (a birth date) or an estimate from an age (as-of date − age − 182
    days): two estimates of one person from rolls a year apart differ by a year, and an
    estimate is up to half a year from the real date.
    """

    def _compute_vectorized(self, born1, exact1, born2, exact2):
        b1, b2 = born1.to_numpy(dtype=float), born2.to_numpy(dtype=float)
        both = exact1.to_numpy(dtype=bool) & exact2.to_numpy(dtype=bool)
        diff = np.abs(b1 - b2)
        level = np.full(len(b1), BORN_FAR, dtype=np.int8)
        level[diff <= 560] = BORN_YEAR
        level[diff <= 190] = BORN_HALF
        (y1, m1, d1), (y2, m2, d2) = _ymd(b1), _ymd(b2)
        digits1, digits2 = y1 * 10000 + m1 * 100 + d1, y2 * 10000 + m2 * 100 + d2
        wrong = sum(
            ((digits1 // 10**k) % 10 != (digits2 // 10**k) % 10).astype(int) for k in range(8)
        )
        typo = both & (diff > 0) & ((wrong <= 1) | ((y1 == y2) & (m1 == d2) & (d1 == m2)))
        level[both & (diff > 0) & (diff <= 190)] = BORN_FAR  # two real dates months apart
        level[typo] = BORN_TYPO
        level[(diff == 0) & ~both] = BORN_SAME_EST
        level[(diff == 0) & both] = BORN_SAME
        level = level.astype(float)
        level[np.isnan(diff)] = np.nan  # missing: NaN for the classifier
        return level, both.astype(float)


# Beyond this many people with one name, "very common" is all the classifier needs to know (and
# the count then does not grow with the size of the database).
NAME_COUNT_CAP = 50

FEATURES = [
    "given",
    "family",
    "alt_name",
    "name_count",
    "phone",
    "ext_id",
    "email",
    "born",
    "born_both_exact",
    "address",
    "postal",
]


def _comparison_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The coded frame ``comparer`` works on, and the vocabularies the codes point into."""
    given = map_unique(df["given"].to_numpy(dtype=object), name_skeleton)
    family = map_unique(df["family"].to_numpy(dtype=object), name_skeleton)
    native = map_unique(df["native_latin"].to_numpy(dtype=object), name_skeleton)
    full = np.array([f"{g} {f}".strip() for g, f in zip(given, family, strict=True)], dtype=object)
    (given_c, family_c), names = _encode(given, family)
    (full_c, native_c), full_names = _encode(full, native)
    (phone_c,), phones = _encode(df["phone"].to_numpy(dtype=object))
    (ext_c,), ext_ids = _encode(df["ext_id"].to_numpy(dtype=object))
    (email_c,), _ = _encode(df["email"].to_numpy(dtype=object))
    address = df["address_key"].to_numpy(dtype=object)
    (address_c,), addresses = _encode(address)
    (house_c,), _ = _encode(map_unique(address, lambda a: a.partition("|")[0]))
    (postal_c,), _ = _encode(df["postal"].to_numpy(dtype=object))
    counts = pd.Series(full_c).map(pd.Series(full_c).value_counts()).to_numpy(dtype=float)
    counts = np.minimum(counts, NAME_COUNT_CAP)
    frame = pd.DataFrame(
        {
            "given": given_c,
            "family": family_c,
            "full": full_c,
            "native": native_c,
            "name_count": counts,
            "born": df["born"].to_numpy(dtype=float),
            "born_exact": df["born_exact"].to_numpy(dtype=bool),
            "phone": phone_c,
            "ext_id": ext_c,
            "email": email_c,
            "address": address_c,
            "house": house_c,
            "postal": postal_c,
        }
    )
    vocabularies = {
        "names": names,
        "full_names": full_names,
        "phones": phones,
        "ext_ids": ext_ids,
        "addresses": addresses,
    }
    return frame, vocabularies


def comparer(vocabularies: dict[str, np.ndarray]) -> recordlinkage.Compare:
    compare = recordlinkage.Compare(indexing_type="position")
    compare.add(NameSimilarity("given", "given", vocabularies["names"], label="given"))
    compare.add(NameSimilarity("family", "family", vocabularies["names"], label="family"))
    compare.add(
        AltNameSimilarity(vocabularies["names"], vocabularies["full_names"], label="alt_name")
    )
    compare.add(CountComparison("name_count", "name_count", label="name_count"))
    compare.add(IdentifierComparison("phone", "phone", vocabularies["phones"], label="phone"))
    compare.add(IdentifierComparison("ext_id", "ext_id", vocabularies["ext_ids"], label="ext_id"))
    compare.add(ExactComparison("email", "email", label="email"))
    compare.add(
        BirthComparison(
            ["born", "born_exact"],
            ["born", "born_exact"],
            label=["born", "born_both_exact"],
        )
    )
    compare.add(AddressComparison(vocabularies["addresses"], label="address"))
    compare.add(ExactComparison("postal", "postal", label="postal"))
    return compare


def compare_pairs(df: pd.DataFrame, pairs: np.ndarray, chunk: int = 2_000_000) -> pd.DataFrame:
    """Comparison vectors (``FEATURES``) for position pairs (``block_pairs``' output), in
    chunks so memory stays bounded."""
    frame, vocabularies = _comparison_frame(df)
    compare = comparer(vocabularies)
    parts = []
    for start in range(0, len(pairs), chunk):
        part = pairs[start : start + chunk]
        index = pd.MultiIndex.from_arrays([part[:, 0], part[:, 1]])
        parts.append(compare.compute(index, frame).reset_index(drop=True))
    if not parts:
        return pd.DataFrame({name: pd.Series(dtype=float) for name in FEATURES})
    return pd.concat(parts, ignore_index=True)[FEATURES]
