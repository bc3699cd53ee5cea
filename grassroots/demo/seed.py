"""The demo campaign: an Indian assembly constituency and a US congressional district.

``seed_demo()`` fills an empty installation with a campaign a campaign manager recognises:
West Bengal → Kolkata → 158 - Bhabanipur → 40 parts (booths) with sections and ~40,000
electors from a plausible electoral roll, and California → Alameda County → CA-12 → 12
precincts with ~4,000 voters and their vote history; tags, custom fields, a few hundred
contacts, notes and consent records, and one login per default role.

It runs in two steps. ``build_plan()`` is pure Python: everything is drawn from
``random.Random(seed)`` with dates fixed relative to ``REFERENCE_DATE``, so the same seed
always gives the same plan (tests fingerprint it). ``seed_demo()`` then writes the plan with
``bulk_create`` inside one transaction. Nothing here reads outside this package.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import random
import time
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from grassroots.accounts.models import Role, User
from grassroots.accounts.services import roles_ensure_defaults, user_create
from grassroots.core import audit, registry
from grassroots.core.access import SYSTEM
from grassroots.core.bulk import insert_rows
from grassroots.geography.models import Area, Election, PollingStation
from grassroots.geography.services import (
    area_kind_ensure,
    areas_bulk_create,
    election_create,
    race_create,
)
from grassroots.people.models import (
    Address,
    Consent,
    ContactPoint,
    CustomField,
    CustomFieldValue,
    ExternalId,
    Household,
    Interaction,
    Note,
    Person,
    Tag,
    Tagging,
    VoteHistory,
)
from grassroots.people.validation import address_match_key

if TYPE_CHECKING:
    from grassroots.core.jobs import JobReporter

DATA_DIR = Path(__file__).resolve().parent / "data"

REFERENCE_DATE = dt.date(2026, 11, 1)  # "today" of the demo; activity lies in the months before
ROLL_DATE = dt.date(2026, 1, 1)  # qualifying date of the 2026 roll: ages are "as of" this day
DEMO_PASSWORD = "demo-password-2026"
MARKER_AREA_CODE = "IN-WB"  # if this area exists the demo (or a real West Bengal tree) is there
CHUNK = 2000
ELECTORS_PER_PART = 1000
VOTERS_PER_PRECINCT = 333
IST = dt.timezone(dt.timedelta(hours=5, minutes=30), "IST")
PACIFIC = dt.timezone(dt.timedelta(hours=-7), "PDT")  # all demo activity is before 1 Nov
IN_SOURCE = "Electoral roll 2026, AC 158 (demo)"
US_SOURCE = "Alameda County voter file (demo)"

AREA_KINDS: list[dict[str, Any]] = [
    {"code": "country", "name": "Country", "plural": "Countries", "sort_order": 10},
    {"code": "state", "name": "State", "plural": "States", "sort_order": 20},
    {"code": "district", "name": "District", "plural": "Districts", "sort_order": 30},
    {"code": "county", "name": "County", "plural": "Counties", "sort_order": 30},
    {
        "code": "ac",
        "name": "Assembly constituency",
        "plural": "Assembly constituencies",
        "sort_order": 40,
    },
    {
        "code": "cd",
        "name": "Congressional district",
        "plural": "Congressional districts",
        "sort_order": 40,
    },
    {
        "code": "part",
        "name": "Part (booth)",
        "plural": "Parts (booths)",
        "is_polling_unit": True,
        "sort_order": 50,
    },
    {
        "code": "precinct",
        "name": "Precinct",
        "plural": "Precincts",
        "is_polling_unit": True,
        "sort_order": 50,
    },
    {"code": "section", "name": "Section", "plural": "Sections", "sort_order": 60},
]

# (code, name, kind, date, area code, [(office, area code, seats)])
ELECTIONS: list[tuple[str, str, str, dt.date, str, list[tuple[str, str, int]]]] = [
    (
        "in-wb-2026-assembly",
        "West Bengal Assembly 2026",
        "general",
        dt.date(2026, 4, 29),
        "IN-WB",
        [("Member of Legislative Assembly, 158 - Bhabanipur", "IN-WB-AC158", 1)],
    ),
    (
        "us-2022-general",
        "2022 General",
        "general",
        dt.date(2022, 11, 8),
        "US-CA",
        [("U.S. Representative, District 12", "US-CA-CD12", 1), ("Governor", "US-CA", 1)],
    ),
    (
        "us-2024-primary",
        "2024 Primary",
        "primary",
        dt.date(2024, 3, 5),
        "US-CA",
        [("U.S. Representative, District 12", "US-CA-CD12", 1), ("U.S. Senator", "US-CA", 1)],
    ),
    (
        "us-2024-general",
        "2024 General",
        "general",
        dt.date(2024, 11, 5),
        "US-CA",
        [("U.S. Representative, District 12", "US-CA-CD12", 1), ("President", "US", 1)],
    ),
]
US_ELECTIONS = [e for e in ELECTIONS if e[0].startswith("us-")]
US_TURNOUT = {"us-2022-general": 0.95, "us-2024-primary": 0.6, "us-2024-general": 1.3}

# name, colour, description
TAGS: list[tuple[str, str, str]] = [
    ("Volunteer", "#16a34a", "Has volunteered or signed up to."),
    ("Booth committee", "#2563eb", "Member of the booth committee of their part."),
    ("Page in-charge", "#7c3aed", "Responsible for one page of the roll (panna pramukh)."),
    ("Needs transport", "#ea580c", "Needs a ride or help to reach the polling station."),
    ("Senior citizen", "#64748b", "80 or older: may vote from home."),
    ("Beneficiary", "#0d9488", "Receives a welfare scheme benefit."),
    ("Donor", "#ca8a04", "Has given money to the campaign."),
    ("Yard sign", "#db2777", "Has or wants a yard sign."),
]

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
CUSTOM_FIELDS: list[dict[str, Any]] = [
    {
        "key": "occupation",
        "label": "Occupation",
        "type": "text",
        "choices": [],
        "help_text": "As the person describes it.",
        "sort_order": 10,
    },
    {
        "key": "ration_card",
        "label": "Ration card",
        "type": "boolean",
        "choices": [],
        "help_text": "Holds a ration card (public distribution system).",
        "sort_order": 20,
    },
    {
        "key": "issues",
        "label": "Issues",
        "type": "multi_choice",
        "choices": ISSUES_IN + [i for i in ISSUES_US if i not in ISSUES_IN],
        "help_text": "What they raised when we spoke.",
        "sort_order": 30,
    },
]

# username, first name, last name, role slug, scope (None = whole campaign), superuser
DEMO_USERS: list[tuple[str, str, str, str, str | None, bool]] = [
    ("admin", "Aditi", "Rao", "admin", None, True),
    ("manager", "Rajat", "Sen", "campaign_manager", None, False),
    ("data", "Nusrat", "Jahan", "data_manager", None, False),
    ("organiser", "Arpita", "Ghosh", "field_organiser", "IN-WB-AC158", False),
    ("finance", "Prakash", "Agarwal", "finance", None, False),
    ("comms", "Sayantani", "Dutta", "communications", None, False),
    ("volunteer", "Rahul", "Das", "volunteer", "IN-WB-AC158-P001", False),
    ("auditor", "Meera", "Iyer", "auditor", None, False),
    ("us-organiser", "Maria", "Lopez", "field_organiser", "US-CA-CD12", False),
]

BN_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")

NOTES_IN = [
    "Wants help correcting the spelling of the father's name on the roll.",
    "Elderly; will need a wheelchair at the booth on polling day.",
    "Complained about waterlogging on {street} after every heavy rain.",
    "Son works in Bengaluru and will come home to vote.",
    "Interested in helping at the booth on polling day.",
    "Prefers calls after 7 pm; works at the shop all day.",
    "Water supply comes only for an hour in the morning; asked us to raise it with the ward office.",
    "Ration card renewal pending — follow up with the food supply office.",
    "Said the whole family will come to the booth together.",
    "Wants the streetlight on {street} repaired.",
    "Asked about the old-age pension application.",
    "Has moved to the first floor of the same house; same family.",
]
NOTES_US = [
    "Interested in canvassing on weekends.",
    "Asked where to drop off a mail ballot.",
    "Concerned about rent increases on {street}.",
    "Prefers texts over calls.",
    "Asked for a yard sign.",
    "Works nights; knock after 2 pm.",
    "Wants to host a house party in the fall.",
    "Asked about the candidate's position on public safety.",
]
DETAILS_IN = [
    "Talked about water supply.",
    "Talked about prices.",
    "Asked about jobs for the son.",
    "Happy with the new road.",
    "Wants the drain cleaned.",
    "Gave the booth slip.",
    "",
]
DETAILS_US = [
    "Talked about housing.",
    "Talked about public safety.",
    "Asked about the mail ballot.",
    "Signed up for updates.",
    "",
]


# --- plan ---------------------------------------------------------------------------------


@dataclass(slots=True)
class AreaRow:
    code: str
    name: str
    native_name: str
    kind: str
    parent: str | None
    latitude: float | None
    longitude: float | None


@dataclass(slots=True)
class StationRow:
    area: str
    part_number: int | None
    name: str
    address: str
    latitude: float
    longitude: float
    electors_male: int = 0
    electors_female: int = 0
    electors_third_gender: int = 0


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
def _data(name: str) -> dict[str, Any]:
    # NFC as clean_name() stores it (য় ড় ঢ় are decomposed by NFC).
    return _nfc(json.loads((DATA_DIR / name).read_text(encoding="utf-8")))


class _Table:
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


def _luhn_digit(digits: str) -> str:
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


MOBILE_FIRST_DIGIT = _Table([(9, 45), (8, 25), (7, 20), (6, 10)])
SUPPORT = _Table([(1, 24), (2, 26), (3, 22), (4, 16), (5, 12)])
IN_HOUSEHOLD_SIZE = _Table([(1, 10), (2, 22), (3, 22), (4, 20), (5, 13), (6, 8), (7, 5)])
US_HOUSEHOLD_SIZE = _Table([(1, 30), (2, 35), (3, 15), (4, 12), (5, 8)])
US_VOTE_METHOD = _Table([("mail", 72), ("in_person", 16), ("early", 12)])
DOOR_OUTCOME = _Table([("contact_made", 55), ("not_home", 35), ("refused", 10)])
PHONE_OUTCOME = {
    country: _Table(
        [("contact_made", 45), ("no_answer", 30), ("busy", 8), (fourth, 10), ("wrong_number", 7)]
    )
    for country, fourth in (("IN", "switched_off"), ("US", "voicemail"))
}


def _clamp(v: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, v))


class _Builder:
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

    def epic(self, prefixes: _Table) -> str:
        while True:
            prefix = prefixes.pick(self.rng)
            digits = f"{self.rng.randrange(10**6):06d}"
            value = f"{prefix}{digits}{_luhn_digit(digits)}"
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

    # -- India ----------------------------------------------------------------------------
    def given(self, community: dict, gender: str, age: int) -> list[str]:
        bucket = "old" if age >= 55 else "young" if age <= 35 else ""
        key = (id(community), gender, bucket)
        names = self._given_cache.get(key)
        if names is None:
            pool = community["male" if gender == "male" else "female"]
            excluded = {"old": "young", "young": "old"}.get(bucket)
            names = [n for n in pool if len(n) < 3 or n[2] != excluded]
            self._given_cache[key] = names
        return self.rng.choice(names)

    def india_person(
        self,
        community: dict,
        family: list,
        gender: str,
        age: int,
        relation: str,
        relative: str,
        hh: int,
        part: str,
    ) -> PersonRow:
        rng = self.rng
        given = self.given(community, gender, age)
        middle = ["", ""]
        if gender == "male" and community["middle_male"] and rng.random() < 0.12:
            middle = community["middle_male"][0]
        native = " ".join(x for x in [given[1], middle[1], family[1]] if x)
        status = "active"
        death_risk = 0.04 if age >= 80 else 0.012 if age >= 65 else 0.002
        r = rng.random()
        if r < death_risk:
            status = "deceased"
        elif r < death_risk + 0.012:
            status = "moved"
        language = community["language"] if rng.random() > 0.08 else ""
        return PersonRow(
            household=hh,
            area=part,
            given_name=given[0],
            middle_name=middle[0],
            family_name=family[0],
            native_name=native,
            gender=gender,
            age=age,
            age_as_of=ROLL_DATE,
            relation_type=relation,
            relative_name=relative,
            preferred_language=language,
            support_score=self.support(),
            status=status,
            do_not_contact=rng.random() < 0.008,
            source=IN_SOURCE,
        )

    def india_household(self, communities: _Table, hh: int, part: str) -> list[PersonRow]:
        rng = self.rng
        community = communities.pick(rng)
        family = community["family_table"].pick(rng)
        size = IN_HOUSEHOLD_SIZE.pick(rng)
        # Ages and genders tuned so the roll looks like urban Kolkata: slightly more men than
        # women (daughters marry out, sons bring wives in), a fifth under 30, few over 80.
        if size == 1:  # a young migrant worker or student, or an old widow(er)
            young = rng.random() < 0.5
            age = rng.randint(19, 40) if young else rng.randint(55, 90)
            head_female = rng.random() < (0.2 if young else 0.55)
        elif size == 2:
            age = round(rng.triangular(24, 88, 40))
            head_female = rng.random() < 0.1
        else:
            age = round(rng.triangular(max(42, 32 + 2 * size), 82, 50))
            head_female = rng.random() < 0.12

        def full(given: list[str], fam=family) -> str:
            return f"{given[0]} {fam[0]}"

        father = full(self.given(community, "male", min(95, age + 28)))
        if size == 1 and rng.random() < 0.012:  # third-gender elector
            person = self.india_person(
                community,
                family,
                "other",
                age,
                "other",
                full(self.given(community, "female", 60)),
                hh,
                part,
            )
            return [person]
        members: list[PersonRow] = []
        if not head_female:
            head = self.india_person(community, family, "male", age, "father", father, hh, part)
            members.append(head)
            if size >= 2:
                wife_age = _clamp(age - rng.randint(2, 9), 18, 95)
                members.append(
                    self.india_person(
                        community, family, "female", wife_age, "husband", head.full_name, hh, part
                    )
                )
            if len(members) < size and age <= 60 and rng.random() < 0.2:
                mother_age = min(95, age + rng.randint(20, 32))
                members.append(
                    self.india_person(
                        community, family, "female", mother_age, "husband", father, hh, part
                    )
                )
            parent_relation, parent_name = "father", head.full_name
        else:
            late_husband = full(self.given(community, "male", min(95, age + 4)))
            widow = age >= 45
            if widow:
                head = self.india_person(
                    community, family, "female", age, "husband", late_husband, hh, part
                )
            else:
                head = self.india_person(
                    community, family, "female", age, "father", father, hh, part
                )
            members.append(head)
            if not widow or rng.random() < 0.3:
                parent_relation, parent_name = "mother", head.full_name
            else:
                parent_relation, parent_name = "father", late_husband
        while len(members) < size:
            child_age = age - rng.randint(20, 34)
            if child_age < 18:
                break
            gender = "male" if rng.random() < 0.62 else "female"
            child = self.india_person(
                community, family, gender, child_age, parent_relation, parent_name, hh, part
            )
            members.append(child)
            if gender == "male" and child_age >= 25 and len(members) < size and rng.random() < 0.35:
                members.append(
                    self.india_person(
                        community,
                        family,
                        "female",
                        max(18, child_age - rng.randint(1, 6)),
                        "husband",
                        child.full_name,
                        hh,
                        part,
                    )
                )
        return members

    def india_extras(self, p: PersonRow, names: dict) -> None:
        rng = self.rng
        age = p.age or 0
        if rng.random() < (0.5 if age < 60 else 0.22):
            p.phones.append((self.india_mobile(), "mobile", rng.random() < 0.60))
        if rng.random() < (0.18 if age < 45 else 0.04):
            p.emails.append(self.email(p.given_name, p.family_name, ROLL_DATE.year - age - 1))
        tags = p.tags
        if p.status == "active":
            if 18 <= age <= 60 and rng.random() < 0.015:
                tags.append("Volunteer")
            if 25 <= age <= 70 and rng.random() < 0.012:
                tags.append("Booth committee")
            if 25 <= age <= 65 and rng.random() < 0.02:
                tags.append("Page in-charge")
            if (age >= 75 and rng.random() < 0.25) or rng.random() < 0.003:
                tags.append("Needs transport")
            if age >= 80 and rng.random() < 0.6:
                tags.append("Senior citizen")
            if rng.random() < 0.05:
                tags.append("Beneficiary")
            if age >= 30 and rng.random() < 0.005:
                tags.append("Donor")
        if rng.random() < 0.15:
            if age < 24 and rng.random() < 0.7:
                occupation = "Student"
            elif age >= 62 and rng.random() < 0.7:
                occupation = "Retired"
            elif p.gender == "female" and rng.random() < 0.4:
                occupation = "Homemaker"
            else:
                occupation = rng.choice(names["occupations"])
            p.custom["occupation"] = occupation
        if rng.random() < 0.12:
            p.custom["ration_card"] = rng.random() < 0.85
        if rng.random() < 0.08:
            p.custom["issues"] = sorted(
                rng.sample(ISSUES_IN, rng.randint(1, 3)), key=ISSUES_IN.index
            )

    def india(self) -> None:
        rng = self.rng
        places = _data("places_in.json")
        names = _data("names_in.json")
        communities = _Table(
            [
                (
                    {**c, "family_table": _Table([((f[0], f[1]), f[2]) for f in c["family"]])},
                    c["weight"],
                )
                for c in names["communities"].values()
            ]
        )
        epic_prefixes = _Table([(p, w) for p, w in places["epic_prefixes"]])
        for key, kind, parent in (
            ("country", "country", None),
            ("state", "state", "IN"),
            ("district", "district", "IN-WB"),
        ):
            spec = places[key]
            self.area(
                spec["code"],
                spec["name"],
                kind,
                parent,
                spec["native_name"],
                spec["latitude"],
                spec["longitude"],
            )
        ac = places["ac"]
        ac_code = ac["code"]
        self.area(
            ac_code,
            f"{ac['number']} - {ac['name']}",
            "ac",
            places["district"]["code"],
            f"{str(ac['number']).translate(BN_DIGITS)} - {ac['native_name']}",
            ac["latitude"],
            ac["longitude"],
        )
        origin = places["origin"]
        localities = places["localities"]
        per_locality = 5
        n_parts = per_locality * len(localities)
        sections: list[tuple[str, list[AreaRow]]] = []
        part_people: list[tuple[str, int, StationRow, list[AreaRow], dict]] = []
        for i in range(n_parts):
            number = i + 1
            loc = localities[i // per_locality]
            row, col = divmod(i, origin["columns"])
            if row % 2:  # serpentine, so consecutive parts are neighbours
                col = origin["columns"] - 1 - col
            lat = self.jitter(origin["latitude"] - row * origin["lat_step"], 0.0006)
            lon = self.jitter(origin["longitude"] + col * origin["lon_step"], 0.0006)
            code = f"{ac_code}-P{number:03d}"
            self.area(
                code,
                f"Part {number} - {loc['name']}",
                "part",
                ac_code,
                f"অংশ {str(number).translate(BN_DIGITS)} - {loc['native']}",
                lat,
                lon,
            )
            streets = rng.sample(loc["streets"], rng.randint(2, 4))
            rows = []
            for k, (street, street_native) in enumerate(streets, start=1):
                rows.append(
                    AreaRow(
                        f"{code}-S{k}",
                        f"{k} - {street}",
                        f"{str(k).translate(BN_DIGITS)} - {street_native}",
                        "section",
                        code,
                        self.jitter(lat, 0.0008),
                        self.jitter(lon, 0.0008),
                    )
                )
            sections.append((code, rows))
            station = StationRow(
                area=code,
                part_number=number,
                name=loc["stations"][i % per_locality],
                address=f"{rng.randint(1, 120)}, {streets[0][0]}, Kolkata {loc['pin']}",
                latitude=lat,
                longitude=lon,
            )
            self.plan.stations.append(station)
            part_people.append((code, number, station, rows, loc))
        for _code, rows in sections:
            self.plan.areas.extend(rows)

        for code, _number, station, section_rows, loc in part_people:
            target = max(3, round(ELECTORS_PER_PART * self.scale * rng.uniform(0.85, 1.15)))
            per_section = target / len(section_rows)
            house_numbers = [rng.randint(1, 25) for _ in section_rows]
            serial = 0
            while serial < target:
                section_index = min(int(serial / per_section), len(section_rows) - 1)
                section = section_rows[section_index]
                street = section.name.split(" - ", 1)[1]
                house_numbers[section_index] += rng.choice([1, 1, 1, 2, 2, 3, 4])
                house = str(house_numbers[section_index])
                r = rng.random()
                if r < 0.12:
                    house += f"/{rng.randint(1, 3)}"
                elif r < 0.18:
                    house += rng.choice(["A", "B", "/1A", "/1B"])
                hh_index = len(self.plan.households)
                members = self.india_household(communities, hh_index, code)[: target - serial]
                address = {
                    "house_number": house,
                    "street": street,
                    "locality": loc["name"],
                    "city": "Kolkata",
                    "district": "Kolkata",
                    "region": "West Bengal",
                    "postal_code": loc["pin"],
                    "country": "IN",
                    "latitude": self.jitter(station.latitude, 0.0012),
                    "longitude": self.jitter(station.longitude, 0.0012),
                    "area": section.code,
                }
                self.plan.households.append(
                    HouseholdRow(
                        name=f"{members[0].family_name} family", area=code, address=address
                    )
                )
                for person in members:
                    serial += 1
                    person.serial_number = serial
                    person.external_id = ("epic", self.epic(epic_prefixes))
                    self.india_extras(person, names)
                    if person.gender == "male":
                        station.electors_male += 1
                    elif person.gender == "female":
                        station.electors_female += 1
                    else:
                        station.electors_third_gender += 1
                    self.plan.people.append(person)

    # -- United States --------------------------------------------------------------------
    def us_person(
        self,
        names: dict,
        family: tuple[str, str],
        age: int,
        gender: str | None,
        hh: int,
        precinct: str,
    ) -> PersonRow:
        rng = self.rng
        gender = gender or ("female" if rng.random() < 0.52 else "male")
        given = rng.choice(names["female" if gender == "female" else "male"])
        r = rng.random()
        if r < 0.55:
            middle = rng.choice("ABCDEFGHJKLMNPRSTW")
        elif r < 0.70:
            middle = rng.choice(names["male" if gender == "male" else "female"])
        else:
            middle = ""
        birth = dt.date(REFERENCE_DATE.year - age - 1, REFERENCE_DATE.month, 1) + dt.timedelta(
            days=rng.randrange(365)
        )
        language = "en"
        if family[1] and rng.random() < 0.35:
            language = family[1]
        status = "active"
        r = rng.random()
        if r < (0.03 if age >= 80 else 0.003):
            status = "deceased"
        elif r < 0.03:
            status = "moved"  # California voter files carry many stale addresses
        return PersonRow(
            household=hh,
            area=precinct,
            given_name=given,
            middle_name=middle,
            family_name=family[0],
            native_name="",
            gender=gender,
            birth_date=birth,
            preferred_language=language,
            support_score=self.support(),
            status=status,
            do_not_contact=rng.random() < 0.01,
            source=US_SOURCE,
        )

    def us_extras(self, p: PersonRow, names: dict, area_codes: list[str]) -> None:
        rng = self.rng
        age = REFERENCE_DATE.year - p.birth_date.year
        if rng.random() < 0.55:
            kind = "landline" if age >= 65 and rng.random() < 0.35 else "mobile"
            p.phones.append(
                (self.us_phone(area_codes), kind, kind == "mobile" and rng.random() < 0.1)
            )
        if rng.random() < 0.35:
            p.emails.append(self.email(p.given_name, p.family_name, p.birth_date.year))
        if p.status == "active":
            if 18 <= age <= 75 and rng.random() < 0.02:
                p.tags.append("Volunteer")
            if age >= 25 and rng.random() < 0.025:
                p.tags.append("Donor")
            if rng.random() < 0.015:
                p.tags.append("Yard sign")
            if age >= 80 and rng.random() < 0.2:
                p.tags.append("Needs transport")
        if rng.random() < 0.15:
            p.custom["occupation"] = (
                "Student"
                if age < 23 and rng.random() < 0.7
                else "Retired"
                if age >= 67 and rng.random() < 0.75
                else rng.choice(names["occupations"])
            )
        if rng.random() < 0.08:
            p.custom["issues"] = sorted(
                rng.sample(ISSUES_US, rng.randint(1, 3)), key=ISSUES_US.index
            )
        propensity = rng.betavariate(2, 1.6) * (0.8 if age < 30 else 1.1 if age >= 60 else 1.0)
        bd = p.birth_date
        adult_on = (
            dt.date(bd.year + 18, 3, 1)
            if (bd.month, bd.day) == (2, 29)
            else bd.replace(year=bd.year + 18)
        )
        for code, _name, _kind, date, _area, _races in US_ELECTIONS:
            if adult_on > date:
                continue  # not yet 18 on polling day
            voted = rng.random() < min(0.97, propensity * US_TURNOUT[code])
            method = ""
            if voted:
                method = US_VOTE_METHOD.pick(rng)
            p.votes.append((code, voted, method))

    def us(self) -> None:
        rng = self.rng
        places = _data("places_us.json")
        names = _data("names_us.json")
        families = _Table([((f[0], f[2]), f[1]) for f in names["family"]])
        area_codes = places["area_codes"]
        for key, kind, parent in (
            ("country", "country", None),
            ("state", "state", "US"),
            ("county", "county", "US-CA"),
            ("district", "cd", "US-CA-06001"),
        ):
            spec = places[key]
            self.area(
                spec["code"],
                spec["name"],
                kind,
                parent,
                spec["native_name"],
                spec["latitude"],
                spec["longitude"],
            )
        cd = places["district"]["code"]
        for i, pr in enumerate(places["precincts"], start=1):
            code = f"{cd}-P{i:04d}"
            self.area(
                code,
                f"Precinct {pr['number']} - {pr['name']}",
                "precinct",
                cd,
                "",
                pr["lat"],
                pr["lon"],
            )
            station = StationRow(
                area=code,
                part_number=None,
                name=pr["place"],
                address=pr["place_address"],
                latitude=pr["lat"],
                longitude=pr["lon"],
            )
            self.plan.stations.append(station)
            target = max(3, round(VOTERS_PER_PRECINCT * self.scale * rng.uniform(0.85, 1.15)))
            apartments = pr["name"] in {"Uptown", "Adams Point", "Chinatown", "Grand Lake"}
            count = 0
            while count < target:
                size = US_HOUSEHOLD_SIZE.pick(rng)
                size = min(size, target - count)
                family = families.pick(rng)
                hh = len(self.plan.households)
                head_age = rng.randint(22, 90) if size <= 2 else rng.randint(40, 80)
                head = self.us_person(names, family, head_age, None, hh, code)
                members = [head]
                if size >= 2:
                    partner_family = family if rng.random() < 0.8 else families.pick(rng)
                    partner_gender = (
                        ("female" if head.gender == "male" else "male")
                        if rng.random() < 0.9
                        else head.gender
                    )
                    members.append(
                        self.us_person(
                            names,
                            partner_family,
                            _clamp(head_age + rng.randint(-8, 6), 18, 95),
                            partner_gender,
                            hh,
                            code,
                        )
                    )
                while len(members) < size:
                    child_age = head_age - rng.randint(22, 36)
                    if child_age >= 18:
                        members.append(self.us_person(names, family, child_age, None, hh, code))
                    else:  # a roommate
                        members.append(
                            self.us_person(
                                names, families.pick(rng), rng.randint(22, 40), None, hh, code
                            )
                        )
                line2 = ""
                if rng.random() < (0.6 if apartments else 0.2):
                    line2 = f"Apt {rng.randint(1, 24)}{rng.choice(['', '', 'A', 'B'])}"
                street = rng.choice(pr["streets"])
                address = {
                    "house_number": str(rng.randint(1, 69) * 100 + rng.randint(0, 99)),
                    "street": street,
                    "line2": line2,
                    "locality": pr["name"],
                    "city": "Oakland",
                    "district": "Alameda County",
                    "region": "CA",
                    "postal_code": pr["zip"],
                    "country": "US",
                    "latitude": self.jitter(pr["lat"], 0.004),
                    "longitude": self.jitter(pr["lon"], 0.005),
                    "area": code,
                }
                families_in = {m.family_name for m in members}
                hh_name = f"{head.family_name} household" if len(families_in) == 1 else ""
                self.plan.households.append(HouseholdRow(name=hh_name, area=code, address=address))
                for person in members:
                    count += 1
                    person.external_id = ("us-ca-voter", self.voter_id())
                    self.us_extras(person, names, area_codes)
                    if person.gender == "male":
                        station.electors_male += 1
                    elif person.gender == "female":
                        station.electors_female += 1
                    else:
                        station.electors_third_gender += 1
                    self.plan.people.append(person)

    # -- activity -------------------------------------------------------------------------
    def activity(self) -> None:
        rng = self.rng
        people = self.plan.people
        households = self.plan.households
        india = [i for i, p in enumerate(people) if p.external_id and p.external_id[0] == "epic"]
        us = [i for i, p in enumerate(people) if p.external_id and p.external_id[0] != "epic"]
        p001 = [i for i in india if people[i].area.endswith("-P001")]

        def street_of(i: int) -> str:
            return households[people[i].household].address["street"]

        def contact(i: int, tz: dt.timezone, actor: str, country: str) -> None:
            p = people[i]
            phone = bool(p.phones) and rng.random() < 0.35
            when = self.datetime_before(1, 150, tz, (10, 19) if not phone else (10, 20))
            if p.status == "deceased":
                channel, outcome = "door", "deceased"
            elif p.status == "moved":
                channel, outcome = "door", "moved"
            elif phone:
                channel = "phone"
                outcome = PHONE_OUTCOME[country].pick(rng)
            else:
                channel = "door"
                outcome = DOOR_OUTCOME.pick(rng)
            data: dict[str, Any] = {}
            detail = ""
            if outcome == "contact_made":
                if p.support_score is not None:
                    data["support_score"] = p.support_score
                detail = rng.choice(DETAILS_IN if country == "IN" else DETAILS_US)
            self.plan.interactions.append(
                InteractionRow(
                    person=i,
                    channel=channel,
                    outcome=outcome,
                    occurred_at=when,
                    actor=actor,
                    detail=detail,
                    data=data,
                    source="canvass" if channel == "door" else "phone_bank",
                )
            )
            if p.last_contacted_at is None or when > p.last_contacted_at:
                p.last_contacted_at = when

        n_in = min(len(india), max(5, round(450 * self.scale)))
        n_us = min(len(us), max(2, round(150 * self.scale)))
        for i in rng.sample(india, n_in):
            actor = (
                "volunteer"
                if people[i].area.endswith("-P001") and rng.random() < 0.8
                else "organiser"
            )
            contact(i, IST, actor, "IN")
        for i in rng.sample(p001, min(len(p001), max(3, round(40 * self.scale)))):
            contact(i, IST, "volunteer", "IN")  # the volunteer's own booth is well worked
        for i in rng.sample(us, n_us):
            contact(i, PACIFIC, "us-organiser", "US")

        for pool, n, bodies, tz, author in (
            (india, max(3, round(200 * self.scale)), NOTES_IN, IST, "organiser"),
            (us, max(1, round(60 * self.scale)), NOTES_US, PACIFIC, "us-organiser"),
        ):
            for i in rng.sample(pool, min(len(pool), n)):
                body = rng.choice(bodies).format(street=street_of(i))
                who = (
                    "volunteer"
                    if people[i].area.endswith("-P001") and rng.random() < 0.5
                    else author
                )
                self.plan.notes.append(
                    NoteRow(
                        person=i, body=body, author=who, created_at=self.datetime_before(1, 150, tz)
                    )
                )

        wording = {
            "whatsapp": "Agreed at the door to receive campaign updates on WhatsApp.",
            "sms": "Agreed at the door to receive campaign updates by SMS.",
        }
        in_wa = [
            i
            for i in india
            if people[i].phones and people[i].phones[0][2] and people[i].status == "active"
        ]
        us_cell = [
            i
            for i in us
            if people[i].phones
            and people[i].phones[0][1] == "mobile"
            and people[i].status == "active"
        ]
        for pool, n, tz, actor in (
            (in_wa, max(3, round(400 * self.scale)), IST, "organiser"),
            (us_cell, max(1, round(100 * self.scale)), PACIFIC, "us-organiser"),
        ):
            for i in rng.sample(pool, min(len(pool), n)):
                channel = "whatsapp" if pool is in_wa and rng.random() < 0.7 else "sms"
                who = "volunteer" if people[i].area.endswith("-P001") else actor
                when = self.datetime_before(20, 150, tz)
                self.plan.consents.append(
                    ConsentRow(
                        person=i,
                        channel=channel,
                        status="granted",
                        recorded_at=when,
                        recorded_by=who,
                        wording=wording[channel],
                    )
                )
                if rng.random() < 0.06:  # later opted out
                    self.plan.consents.append(
                        ConsentRow(
                            person=i,
                            channel=channel,
                            status="withdrawn",
                            recorded_at=when + dt.timedelta(days=rng.randint(3, 18), hours=2),
                            recorded_by=who,
                            wording="Replied STOP.",
                            source="reply",
                        )
                    )


def build_plan(*, seed: int = 42, scale: float = 1.0) -> Plan:
    """Everything the demo will write, generated without touching the database."""
    if not scale > 0:
        raise ValueError("scale must be positive")
    builder = _Builder(seed, scale)
    builder.india()
    builder.us()
    builder.activity()
    return builder.plan


# --- writing ------------------------------------------------------------------------------


class _Progress:
    def __init__(self, reporter: JobReporter | None):
        self.reporter = reporter
        self.done = 0

    def start(self, total: int) -> None:
        if self.reporter is not None:
            self.reporter.start(total=total)

    def log(self, text: str) -> None:
        if self.reporter is not None:
            self.reporter.log(text)

    def add(self, n: int, force: bool = False) -> None:
        self.done += n
        if self.reporter is not None:
            self.reporter.advance(self.done, force=force)


def _insert(
    model: type[models.Model], rows: list[dict[str, Any]], progress: _Progress
) -> list[int]:
    return insert_rows(model, rows, batch_rows=CHUNK, on_batch=progress.add)


def _write_areas(plan: Plan) -> dict[str, Area]:
    kinds = {spec["code"]: area_kind_ensure(**spec) for spec in AREA_KINDS}
    areas = {a.code: a for a in Area.objects.filter(code__in=[r.code for r in plan.areas])}
    depth: dict[str, int] = {}
    groups: dict[tuple[int, str | None], list[AreaRow]] = {}
    for row in plan.areas:
        depth[row.code] = depth[row.parent] + 1 if row.parent else 0
        groups.setdefault((depth[row.code], row.parent), []).append(row)
    for (_depth, parent_code), rows in sorted(groups.items(), key=lambda kv: kv[0][0]):
        missing = [r for r in rows if r.code not in areas]
        if not missing:
            continue
        created = areas_bulk_create(
            [
                {
                    "kind": kinds[r.kind],
                    "code": r.code,
                    "name": r.name,
                    "native_name": r.native_name,
                    "latitude": r.latitude,
                    "longitude": r.longitude,
                }
                for r in missing
            ],
            areas[parent_code] if parent_code else None,
        )
        areas.update({a.code: a for a in created})
    return areas


def _write_users(
    areas: dict[str, Area],
) -> tuple[dict[str, User], list[tuple[str, str, str]], list[str]]:
    roles_ensure_defaults()
    roles = {r.slug: r for r in Role.objects.all()}
    users: dict[str, User] = {}
    logins: list[tuple[str, str, str]] = []
    existing: list[str] = []
    # One Argon2 hash shared by every demo account (same password): hashing it per user
    # costs most of a second each.
    password_hash = make_password(DEMO_PASSWORD)
    for username, first, last, role, scope, superuser in DEMO_USERS:
        found = User.objects.filter(username__iexact=username).first()
        if found is not None:  # never touch an account someone already has
            users[username] = found
            existing.append(username)
            continue
        user = user_create(
            actor=SYSTEM,
            username=username,
            password=None,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.example.org",
            roles=[roles[role]],
            scope_all=scope is None,
            scope_areas=[areas[scope]] if scope else [],
            is_superuser=superuser,
        )
        user.password = password_hash
        user.save(update_fields=["password"])
        users[username] = user
        label = "whole campaign" if scope is None else f"{areas[scope].name} ({scope})"
        logins.append((username, role, label))
    return users, logins, existing


def _write_elections(areas: dict[str, Area]) -> dict[str, Election]:
    elections = {e.code: e for e in Election.objects.filter(code__in=[e[0] for e in ELECTIONS])}
    for code, name, kind, date, area_code, races in ELECTIONS:
        if code in elections:
            continue
        election = election_create(
            actor=SYSTEM, name=name, kind=kind, date=date, area=areas[area_code], code=code
        )
        elections[code] = election
        for office, race_area, seats in races:
            race_create(
                actor=SYSTEM, election=election, area=areas[race_area], office=office, seats=seats
            )
    return elections


def _write_tags() -> dict[str, Tag]:
    tags = {}
    for name, color, description in TAGS:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag = Tag.objects.create(
                name=name, slug=name.lower().replace(" ", "-"), color=color, description=description
            )
        tags[name] = tag
    return tags


def _write_custom_fields() -> dict[str, CustomField]:
    fields = {}
    for spec in CUSTOM_FIELDS:
        defaults = {k: v for k, v in spec.items() if k != "key"}
        fields[spec["key"]], _created = CustomField.objects.get_or_create(
            key=spec["key"], defaults=defaults
        )
    return fields


def _free_ids(people: list[PersonRow]) -> set[int]:
    """Indexes of people whose external id is already taken in this database (kept out)."""
    taken: set[int] = set()
    by_ns: dict[str, dict[str, int]] = {}
    for i, p in enumerate(people):
        if p.external_id:
            by_ns.setdefault(p.external_id[0], {})[p.external_id[1]] = i
    for ns, values in by_ns.items():
        if not ExternalId.objects.filter(namespace=ns).exists():
            continue
        keys = list(values)
        for start in range(0, len(keys), 900):
            for value in ExternalId.objects.filter(
                namespace=ns, value__in=keys[start : start + 900]
            ).values_list("value", flat=True):
                taken.add(values[value])
    return taken


def seed_demo(*, seed: int = 42, reporter: JobReporter | None = None, scale: float = 1.0) -> dict:
    """Create the demo campaign; return counts and the demo logins, or ``{"skipped": True}``."""
    progress = _Progress(reporter)
    if Area.objects.filter(code=MARKER_AREA_CODE).exists():
        progress.log(f"Demo data already present (area {MARKER_AREA_CODE} exists); nothing to do.")
        return {"skipped": True}
    started = time.perf_counter()
    plan = build_plan(seed=seed, scale=scale)
    counts = plan.counts()
    # Rows written in bulk: one address per household, then everything else.
    progress.start(
        total=counts["households"]
        + sum(v for k, v in counts.items() if k not in {"areas", "polling_stations"})
    )
    progress.log(
        f"Planned {counts['people']:,} people in {counts['households']:,} households "
        f"(seed {seed}, scale {scale:g})."
    )
    with transaction.atomic():
        areas = _write_areas(plan)
        have_station = set(
            PollingStation.objects.filter(
                area__in=[areas[s.area] for s in plan.stations]
            ).values_list("area__code", flat=True)
        )
        PollingStation.objects.bulk_create(
            [
                PollingStation(
                    area=areas[s.area],
                    part_number=s.part_number,
                    name=s.name,
                    address=s.address,
                    latitude=s.latitude,
                    longitude=s.longitude,
                    electors_male=s.electors_male,
                    electors_female=s.electors_female,
                    electors_third_gender=s.electors_third_gender,
                )
                for s in plan.stations
                if s.area not in have_station
            ]
        )
        progress.log(f"Created {len(plan.areas)} areas and {len(plan.stations)} polling stations.")
        elections = _write_elections(areas)
        users, logins, existing_users = _write_users(areas)
        tags = _write_tags()
        fields = _write_custom_fields()

        address_ids = _insert(
            Address,
            [
                {
                    **{k: v for k, v in h.address.items() if k != "area"},
                    "area_id": areas[h.address["area"]].pk,
                    "match_key": address_match_key(h.address),
                }
                for h in plan.households
            ],
            progress,
        )
        household_ids = _insert(
            Household,
            [
                {"name": h.name, "address_id": address_ids[n], "area_id": areas[h.area].pk}
                for n, h in enumerate(plan.households)
            ],
            progress,
        )
        person_ids = _insert(
            Person,
            [
                {
                    "given_name": p.given_name,
                    "middle_name": p.middle_name,
                    "family_name": p.family_name,
                    "full_name": p.full_name,
                    "native_name": p.native_name,
                    "gender": p.gender,
                    "birth_date": p.birth_date,
                    "age": p.age,
                    "age_as_of": p.age_as_of,
                    "born_estimate": p.born_estimate,
                    "relation_type": p.relation_type,
                    "relative_name": p.relative_name,
                    "preferred_language": p.preferred_language,
                    "support_score": p.support_score,
                    "status": p.status,
                    "do_not_contact": p.do_not_contact,
                    "source": p.source,
                    "household_id": household_ids[p.household],
                    "area_id": areas[p.area].pk,
                    "serial_number": p.serial_number,
                    "last_contacted_at": p.last_contacted_at,
                }
                for p in plan.people
            ],
            progress,
        )
        progress.log(f"Created {len(person_ids):,} people in {len(household_ids):,} households.")

        taken = _free_ids(plan.people)
        _insert(
            ExternalId,
            [
                {
                    "person_id": person_ids[i],
                    "namespace": p.external_id[0],
                    "value": p.external_id[1],
                }
                for i, p in enumerate(plan.people)
                if p.external_id and i not in taken
            ],
            progress,
        )
        points = []
        for i, p in enumerate(plan.people):
            for n, (value, kind, whatsapp) in enumerate(p.phones):
                points.append(
                    {
                        "person_id": person_ids[i],
                        "channel": "phone",
                        "value": value,
                        "phone_kind": kind,
                        "whatsapp": whatsapp,
                        "is_primary": n == 0,
                        "status": "active",
                        "source": p.source[:100],
                    }
                )
            for n, value in enumerate(p.emails):
                points.append(
                    {
                        "person_id": person_ids[i],
                        "channel": "email",
                        "value": value,
                        "is_primary": n == 0,
                        "status": "active",
                        "source": p.source[:100],
                    }
                )
        _insert(ContactPoint, points, progress)
        tagged_at = dt.datetime(2026, 6, 1, 6, 30, tzinfo=dt.UTC)
        _insert(
            Tagging,
            [
                {"person_id": person_ids[i], "tag_id": tags[t].pk, "created_at": tagged_at}
                for i, p in enumerate(plan.people)
                for t in p.tags
            ],
            progress,
        )
        _insert(
            CustomFieldValue,
            [
                {"person_id": person_ids[i], "field_id": fields[k].pk, "value": v}
                for i, p in enumerate(plan.people)
                for k, v in p.custom.items()
            ],
            progress,
        )
        _insert(
            VoteHistory,
            [
                {
                    "person_id": person_ids[i],
                    "election_id": elections[code].pk,
                    "voted": voted,
                    "method": method,
                }
                for i, p in enumerate(plan.people)
                for code, voted, method in p.votes
            ],
            progress,
        )
        _insert(
            Interaction,
            [
                {
                    "person_id": person_ids[r.person],
                    "channel": r.channel,
                    "direction": "outbound",
                    "outcome": r.outcome,
                    "actor_id": users[r.actor].pk,
                    "occurred_at": r.occurred_at,
                    "detail": r.detail,
                    "data": r.data,
                    "source": r.source,
                }
                for r in plan.interactions
            ],
            progress,
        )
        _insert(
            Note,
            [
                {
                    "person_id": person_ids[r.person],
                    "author_id": users[r.author].pk,
                    "body": r.body,
                    "created_at": r.created_at,
                }
                for r in plan.notes
            ],
            progress,
        )
        _insert(
            Consent,
            [
                {
                    "person_id": person_ids[r.person],
                    "channel": r.channel,
                    "purpose": "campaign",
                    "lawful_basis": "consent",
                    "status": r.status,
                    "source": r.source,
                    "wording": r.wording,
                    "recorded_at": r.recorded_at,
                    "recorded_by_id": users[r.recorded_by].pk,
                }
                for r in plan.consents
            ],
            progress,
        )
        counts["external_ids"] -= len(taken)
        for seeder in registry.demo_seeders:  # each app's part of the demo (messaging, …)
            counts.update(seeder(users=users))
        counts.update(
            elections=len(ELECTIONS),
            races=sum(len(e[5]) for e in ELECTIONS),
            tags=len(tags),
            custom_fields=len(fields),
        )
        audit.record(
            actor=SYSTEM, action="demo.seeded", detail={"seed": seed, "scale": scale, **counts}
        )
    progress.add(0, force=True)
    seconds = round(time.perf_counter() - started, 2)
    progress.log(f"Demo campaign ready in {seconds} s.")
    return {
        "skipped": False,
        "seed": seed,
        "scale": scale,
        **counts,
        "seconds": seconds,
        "password": DEMO_PASSWORD,
        "logins": logins,
        "existing_users": existing_users,
    }


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, scope) of the demo users that exist, for the CLI to print."""
    from grassroots.accounts.models import User

    existing = set(
        User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).values_list(
            "username", flat=True
        )
    )
    return [
        (username, role, scope or "whole campaign")
        for username, _first, _last, role, scope, _su in DEMO_USERS
        if username in existing
    ]
