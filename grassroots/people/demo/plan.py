"""The demo electorate's rows, weighted tables and the builder's shared helpers.

Everything is drawn from ``random.Random(seed)`` with dates fixed relative to
``REFERENCE_DATE``, so the same seed always gives the same plan (tests fingerprint it).
Nothing here touches the database or reads outside this package.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import random
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers

from grassroots.geography.demo import ELECTIONS, AreaRow, StationRow

DATA_DIR = Path(__file__).resolve().parent / "data"

REFERENCE_DATE = dt.date(2026, 11, 1)  # "today" of the demo; activity lies in the months before
ROLL_DATE = dt.date(2026, 1, 1)  # qualifying date of the 2026 roll: ages are "as of" this day
ELECTORS_PER_PART = 1000
VOTERS_PER_PRECINCT = 333
IST = dt.timezone(dt.timedelta(hours=5, minutes=30), "IST")
PACIFIC = dt.timezone(dt.timedelta(hours=-7), "PDT")  # all demo activity is before 1 Nov
IN_SOURCE = "Electoral roll 2026, AC 158 (demo)"
US_SOURCE = "Alameda County voter file (demo)"

US_ELECTIONS = [e for e in ELECTIONS if e[0].startswith("us-")]
US_TURNOUT = {"us-2022-general": 0.95, "us-2024-primary": 0.6, "us-2024-general": 1.3}

ISSUES_IN = [
    "Water supply",
    "Drainage",
    "Roads",
    "Prices",
    "Jobs",
    "Healthcare",
    "Education",
    "Safety",
]
ISSUES_US = ["Housing", "Safety", "Jobs", "Healthcare", "Education", "Prices"]

BN_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


@dataclass(slots=True)
class HouseholdRow:
    name: str
    area: str
    address: dict[str, Any]  # Address fields; "area" is an area code


@dataclass(slots=True)
class PersonRow:
    household: int  # index into Plan.households
    area: str
    given_name: str
    middle_name: str
    family_name: str
    native_name: str
    gender: str
    age: int | None = None
    age_as_of: dt.date | None = None
    birth_date: dt.date | None = None
    relation_type: str = ""
    relative_name: str = ""
    preferred_language: str = ""
    support_score: int | None = None
    status: str = "active"
    do_not_contact: bool = False
    source: str = ""
    serial_number: int | None = None
    external_id: tuple[str, str] | None = None
    phones: list[tuple[str, str, bool]] = field(default_factory=list)  # (E.164, kind, whatsapp)
    emails: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    votes: list[tuple[str, bool, str]] = field(
        default_factory=list
    )  # (election code, voted, method)
    last_contacted_at: dt.datetime | None = None

    @property
    def full_name(self) -> str:
        return " ".join(x for x in [self.given_name, self.middle_name, self.family_name] if x)

    @property
    def born_estimate(self) -> dt.date | None:
        """As ``people.validation.clean_birth`` computes it."""
        if self.birth_date is not None:
            return self.birth_date
        if self.age is not None:
            as_of = self.age_as_of
            try:
                return as_of.replace(year=as_of.year - self.age) - dt.timedelta(days=182)
            except ValueError:  # 29 February
                return as_of.replace(year=as_of.year - self.age, day=28) - dt.timedelta(days=182)
        return None


@dataclass(slots=True)
class InteractionRow:
    person: int
    channel: str
    outcome: str
    occurred_at: dt.datetime
    actor: str
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    source: str = ""


@dataclass(slots=True)
class NoteRow:
    person: int
    body: str
    created_at: dt.datetime
    author: str


@dataclass(slots=True)
class ConsentRow:
    person: int
    channel: str
    status: str
    recorded_at: dt.datetime
    recorded_by: str
    wording: str
    source: str = "doorstep"


@dataclass
class Plan:
    seed: int
    scale: float
    areas: list[AreaRow] = field(default_factory=list)
    stations: list[StationRow] = field(default_factory=list)
    households: list[HouseholdRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    interactions: list[InteractionRow] = field(default_factory=list)
    notes: list[NoteRow] = field(default_factory=list)
    consents: list[ConsentRow] = field(default_factory=list)

    def sample(self, n: int = 50) -> list[tuple[str, str]]:
        """The first ``n`` (full name, external id) pairs in sorted order."""
        pairs = sorted(
            (p.full_name, p.external_id[1] if p.external_id else "") for p in self.people
        )
        return pairs[:n]

    def counts(self) -> dict[str, int]:
        return {
            "areas": len(self.areas),
            "polling_stations": len(self.stations),
            "households": len(self.households),
            "people": len(self.people),
            "external_ids": sum(1 for p in self.people if p.external_id),
            "contact_points": sum(len(p.phones) + len(p.emails) for p in self.people),
            "taggings": sum(len(p.tags) for p in self.people),
            "custom_values": sum(len(p.custom) for p in self.people),
            "vote_history": sum(len(p.votes) for p in self.people),
            "interactions": len(self.interactions),
            "notes": len(self.notes),
            "consents": len(self.consents),
        }

    def fingerprint(self) -> str:
        """A hash of every generated row: equal plans have equal fingerprints."""
        h = hashlib.sha256()
        for rows in (
            self.areas,
            self.stations,
            self.households,
            self.people,
            self.interactions,
            self.notes,
            self.consents,
        ):
            for row in rows:
                h.update(repr(row).encode())
            h.update(b"|")
        return h.hexdigest()


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    return value


@cache
def load_data(name: str) -> dict[str, Any]:
    # NFC as clean_name() stores it (য় ড় ঢ় are decomposed by NFC).
    return _nfc(json.loads((DATA_DIR / name).read_text(encoding="utf-8")))


class Table:
    """Weighted choice from ``(value, weight)`` pairs: one ``rng.random()`` per draw."""

    __slots__ = ("values", "cum", "total")

    def __init__(self, pairs: list[tuple[Any, float]]):
        self.values: list[Any] = []
        self.cum: list[float] = []
        self.total = 0.0
        for value, weight in pairs:
            self.total += weight
            self.values.append(value)
            self.cum.append(self.total)

    def pick(self, rng: random.Random) -> Any:
        i = bisect.bisect_right(self.cum, rng.random() * self.total)
        return self.values[min(i, len(self.values) - 1)]


def luhn_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits`` (``stdnum.luhn.calc_check_digit``)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


MOBILE_FIRST_DIGIT = Table([(9, 45), (8, 25), (7, 20), (6, 10)])
SUPPORT = Table([(1, 24), (2, 26), (3, 22), (4, 16), (5, 12)])
IN_HOUSEHOLD_SIZE = Table([(1, 10), (2, 22), (3, 22), (4, 20), (5, 13), (6, 8), (7, 5)])
US_HOUSEHOLD_SIZE = Table([(1, 30), (2, 35), (3, 15), (4, 12), (5, 8)])
US_VOTE_METHOD = Table([("mail", 72), ("in_person", 16), ("early", 12)])
DOOR_OUTCOME = Table([("contact_made", 55), ("not_home", 35), ("refused", 10)])
PHONE_OUTCOME = {
    country: Table(
        [("contact_made", 45), ("no_answer", 30), ("busy", 8), (fourth, 10), ("wrong_number", 7)]
    )
    for country, fourth in (("IN", "switched_off"), ("US", "voicemail"))
}


def clamp(v: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, v))


class BuilderBase:
    """The random streams, the plan being built and the helpers every part of it uses."""

    def __init__(self, seed: int, scale: float):
        self.rng = random.Random(seed)
        # Phone numbers retry until phonenumbers accepts them; a separate stream keeps the rest
        # of the plan identical if a newer phonenumbers release judges a number differently.
        self.phone_rng = random.Random(f"grassroots-demo-phones-{seed}")
        self.scale = scale
        self.plan = Plan(seed=seed, scale=scale)
        self._epics: set[str] = set()
        self._voter_ids: set[str] = set()
        self._phones: set[str] = set()
        self._emails: set[str] = set()
        self._given_cache: dict[tuple[str, str, str], list[list[str]]] = {}

    # -- shared helpers -------------------------------------------------------------------
    def area(self, code, name, kind, parent, native_name="", latitude=None, longitude=None):
        self.plan.areas.append(AreaRow(code, name, native_name, kind, parent, latitude, longitude))

    def jitter(self, value: float, spread: float) -> float:
        return round(value + self.rng.uniform(-spread, spread), 6)

    def datetime_before(
        self, days_min: int, days_max: int, tz: dt.timezone, hours: tuple[int, int] = (10, 19)
    ) -> dt.datetime:
        day = REFERENCE_DATE - dt.timedelta(days=self.rng.randint(days_min, days_max))
        local = dt.datetime(
            day.year,
            day.month,
            day.day,
            self.rng.randint(*hours),
            self.rng.randrange(60),
            tzinfo=tz,
        )
        return local.astimezone(dt.UTC)

    def email(self, given: str, family: str, born: int) -> str:
        g = "".join(c for c in given.lower() if c.isalnum())
        f = "".join(c for c in family.lower() if c.isalnum())
        style = self.rng.randrange(4)
        domain = self.rng.choice(["example.com", "example.org", "example.net"])
        if style == 0:
            local = f"{g}.{f}"
        elif style == 1:
            local = f"{g}{f}{self.rng.randint(1, 99)}"
        elif style == 2:
            local = f"{g[:1]}{f}"
        else:
            local = f"{g}.{f}{born}"
        candidate = f"{local}@{domain}"
        n = 2
        while candidate in self._emails:
            candidate = f"{local}{n}@{domain}"
            n += 1
        self._emails.add(candidate)
        return candidate

    def india_mobile(self) -> str:
        rng = self.phone_rng
        while True:
            first = MOBILE_FIRST_DIGIT.pick(rng)
            national = first * 10**9 + rng.randrange(10**9)
            number = phonenumbers.PhoneNumber(country_code=91, national_number=national)
            # MOBILE (not FIXED_LINE_OR_MOBILE) implies is_valid_number().
            if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
                e164 = f"+91{national}"
                if e164 not in self._phones:
                    self._phones.add(e164)
                    return e164

    def us_phone(self, area_codes: list[str]) -> str:
        rng = self.phone_rng
        while True:
            exchange = rng.randint(200, 999)
            if exchange % 100 == 11 or exchange == 555:
                continue
            national = int(f"{rng.choice(area_codes)}{exchange}{rng.randrange(10000):04d}")
            number = phonenumbers.PhoneNumber(country_code=1, national_number=national)
            if phonenumbers.is_valid_number(number):
                e164 = f"+1{national}"
                if e164 not in self._phones:
                    self._phones.add(e164)
                    return e164

    def epic(self, prefixes: Table) -> str:
        while True:
            prefix = prefixes.pick(self.rng)
            digits = f"{self.rng.randrange(10**6):06d}"
            value = f"{prefix}{digits}{luhn_digit(digits)}"
            if value not in self._epics:
                self._epics.add(value)
                return value

    def voter_id(self) -> str:
        while True:
            value = str(self.rng.randrange(10**8, 10**9))
            if value not in self._voter_ids:
                self._voter_ids.add(value)
                return value

    def support(self) -> int | None:
        if self.rng.random() >= 0.30:
            return None
        return SUPPORT.pick(self.rng)
