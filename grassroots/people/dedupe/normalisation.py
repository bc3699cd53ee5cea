"""Normalising people for dedupe: the pandas frame every later step works on (names are
normalised by ``names``, re-exported here)."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd

from grassroots.people.dedupe.names import (  # noqa: F401 — re-exported for the dedupe steps
    NAME_KEYS_LENGTH,
    NICKNAMES,
    SOUTH_ASIAN,
    first_token,
    name_key,
    name_keys,
    name_skeleton,
    normalise_name,
    transliterate_bengali,
    transliterate_indic,
)

# --- the frame ---------------------------------------------------------------------------------

FRAME_COLUMNS = [
    "given",
    "family",
    "native_latin",
    "born",
    "born_exact",
    "birth_year",
    "phone",
    "email",
    "address_key",
    "postal",
    "ext_id",
]


def map_unique(values: pd.Series | np.ndarray, fn) -> np.ndarray:
    """``fn`` applied once per distinct value (names repeat: a million rows, a few thousand names)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    mapped = np.array([fn(u) for u in uniques], dtype=object)
    return mapped[codes] if len(codes) else np.array([], dtype=object)


def _text(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str)


def prepare_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Normalise raw person data into the frame ``score_pairs`` compares.

    ``raw`` (indexed by person id) has: ``given_name``, ``family_name``, ``native_name``,
    ``born`` (a date, a ``datetime64`` or an ordinal day; missing = NaN/None), ``born_exact``
    (a real birth date, not one estimated from an age), ``phone``, ``email``, ``address_key``,
    ``postal`` and ``ext_id`` (a personal identifier such as ``epic:WKH0000018``). Missing
    columns are treated as empty.
    """
    n = len(raw)

    def col(name: str) -> pd.Series:
        return _text(raw[name]) if name in raw else pd.Series([""] * n, index=raw.index)

    given = map_unique(col("given_name"), normalise_name)
    family = map_unique(col("family_name"), normalise_name)
    # A whole name typed into the given-name field: the last word is the family name.
    no_family = (family == "") & np.fromiter((" " in g for g in given), bool, n)
    if no_family.any():
        split = [g.rsplit(" ", 1) for g in given[no_family]]
        given[no_family] = [s[0] for s in split]
        family[no_family] = [s[1] for s in split]
    born = _ordinal(raw["born"]) if "born" in raw else np.full(n, np.nan)
    birth_year = map_unique(
        born, lambda o: float(dt.date.fromordinal(int(o)).year) if o == o else math.nan
    ).astype(float)
    frame = pd.DataFrame(
        {
            "given": given,
            "family": family,
            "native_latin": map_unique(col("native_name"), normalise_name),
            "born": born,
            "born_exact": (
                raw["born_exact"].fillna(False).astype(bool).to_numpy()
                if "born_exact" in raw
                else np.zeros(n, bool)
            ),
            "birth_year": birth_year,
            "phone": col("phone").str.strip().to_numpy(dtype=object),
            "email": map_unique(col("email"), lambda e: e.strip().casefold()),
            "address_key": col("address_key").to_numpy(dtype=object),
            "postal": map_unique(col("postal"), lambda p: re.sub(r"\s+", "", p).upper()),
            "ext_id": map_unique(col("ext_id"), lambda v: re.sub(r"\s+", "", v).upper()),
        },
        index=raw.index,
    )
    frame.loc[frame["born"].isna(), "born_exact"] = False
    return frame[FRAME_COLUMNS]


def _ordinal(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float).to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values):
        days = values.to_numpy(dtype="datetime64[D]").astype("int64").astype(float)
        days[values.isna().to_numpy()] = np.nan
        return days + dt.date(1970, 1, 1).toordinal()
    return map_unique(
        values,
        lambda d: float(d.toordinal()) if isinstance(d, dt.date) and not pd.isna(d) else math.nan,
    ).astype(float)


def frame_from_people(queryset=None, chunk_size: int = 20000) -> pd.DataFrame:
    """The dedupe frame for these people (all by default), indexed by person id.

    Two queries, each streamed in chunks: the people with their household's address, then their
    contact points and external ids in one UNION (the primary phone and email first; wrong
    numbers and bounced emails left out; an EPIC number preferred among identifiers).
    """
    from django.db.models import BooleanField, CharField, Value
    from django.db.models.functions import Concat

    from grassroots.people.models import ContactPoint, ExternalId, Person

    if queryset is None:
        queryset = Person.objects.all()
    rows = queryset.order_by().values_list(
        "id",
        "given_name",
        "family_name",
        "native_name",
        "birth_date",
        "born_estimate",
        "household__address__match_key",
        "household__address__postal_code",
    )
    ids, given, family, native, born, exact, address, postal = ([] for _ in range(8))
    for pk, g, f, nat, bdate, estimate, key, code in rows.iterator(chunk_size=chunk_size):
        ids.append(pk)
        given.append(g)
        family.append(f)
        native.append(nat)
        day = bdate or estimate
        born.append(float(day.toordinal()) if day else math.nan)
        exact.append(bdate is not None)
        address.append(key or "")
        postal.append(code or "")
    people = queryset.order_by().values("id")
    contacts = (
        ContactPoint.objects.filter(person__in=people)
        .exclude(status__in=[ContactPoint.Status.WRONG, ContactPoint.Status.BOUNCED])
        .order_by()
        .values_list("person_id", "channel", "value", "is_primary")
    )
    identifiers = (
        ExternalId.objects.filter(person__in=people)
        .order_by()
        .values_list(
            "person_id",
            Value("id", output_field=CharField()),
            Concat("namespace", Value(":"), "value", output_field=CharField()),
            Value(False, output_field=BooleanField()),
        )
    )
    best: dict[tuple[int, str], tuple[tuple, str]] = {}
    for person_id, channel, value, primary in contacts.union(identifiers, all=True).iterator(
        chunk_size=chunk_size
    ):
        rank = (not primary, not value.startswith("epic:"), value)  # lowest wins
        key = (person_id, channel)
        if key not in best or rank < best[key][0]:
            best[key] = (rank, value)
    picked = {key: value for key, (_rank, value) in best.items()}
    raw = pd.DataFrame(
        {
            "given_name": given,
            "family_name": family,
            "native_name": native,
            "born": np.asarray(born, dtype=float),
            "born_exact": exact,
            "phone": [picked.get((i, ContactPoint.Channel.PHONE), "") for i in ids],
            "email": [picked.get((i, ContactPoint.Channel.EMAIL), "") for i in ids],
            "address_key": address,
            "postal": postal,
            "ext_id": [picked.get((i, "id"), "") for i in ids],
        },
        index=pd.Index(ids, name="id", dtype="int64"),
    )
    return prepare_frame(raw)
