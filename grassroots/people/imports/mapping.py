"""Column mappings: which file column feeds which field, with what transform.

A mapping is JSON, saved as a named ``ImportTemplate``::

    {
      "columns": {"First": "person.given_name",
                  "DoB": {"target": "person.birth_date", "format": "%m/%d/%Y"},
                  "Voter ID": "external_id:us-ca-voter",
                  "G2024": "vote:us-2024-general"},
      "constants": {"person.source": "2026 state file", "address.region": "CA"},
      "options": {"default_region": "US", "age_as_of": "2026-01-01",
                  "area_code": "IN-WB-AC{ac}-P{part:03d}", "match": ["external_id", "name_birth"]}
    }

``parse_row`` turns one file row into a ``Record`` (normalised values) or raises
``RowError`` with a message naming the column and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from grassroots.core.phones import normalize_email, normalize_phone
from grassroots.people.validation import (
    clean_birth,
    clean_external_id,
    clean_name,
)

PERSON_TEXT = {
    "given_name": 100,
    "middle_name": 100,
    "family_name": 100,
    "native_name": 300,
    "relative_name": 200,
    "source": 100,
    "preferred_language": 10,
}
PERSON_TARGETS = {
    *PERSON_TEXT,
    "full_name",
    "full_name_last_first",
    "gender",
    "birth_date",
    "birth_year",
    "birth_month",
    "birth_day",
    "age",
    "age_as_of",
    "relation_type",
    "serial_number",
    "support_score",
    "status",
}
ADDRESS_TARGETS = {
    "house_number",
    "street",
    "line2",
    "locality",
    "city",
    "district",
    "region",
    "postal_code",
    "country",
    "latitude",
    "longitude",
}
ADDRESS_LIMITS = {
    "house_number": 50,
    "street": 200,
    "line2": 200,
    "locality": 200,
    "city": 100,
    "district": 100,
    "region": 100,
    "postal_code": 20,
    "country": 2,
}

GENDER = {
    "f": "female",
    "female": "female",
    "w": "female",
    "woman": "female",
    "mahila": "female",
    "महिला": "female",
    "স্ত্রী": "female",
    "মহিলা": "female",
    "m": "male",
    "male": "male",
    "man": "male",
    "purush": "male",
    "पुरुष": "male",
    "পুরুষ": "male",
    "o": "other",
    "other": "other",
    "tg": "other",
    "third gender": "other",
    "x": "other",
    "u": "",
    "": "",
}
RELATION = {
    "f": "father",
    "father": "father",
    "pita": "father",
    "h": "husband",
    "husband": "husband",
    "pati": "husband",
    "m": "mother",
    "mother": "mother",
    "mata": "mother",
    "w": "wife",
    "wife": "wife",
    "o": "other",
    "other": "other",
    "": "",
}
STATUS = {
    "active": "active",
    "a": "active",
    "moved": "moved",
    "deceased": "deceased",
    "dead": "deceased",
    "inactive": "moved",
    "": "active",
}
VOTED = {
    "y": ("in_person", True),
    "yes": ("in_person", True),
    "v": ("in_person", True),
    "1": ("", True),
    "x": ("", True),
    "true": ("", True),
    "p": ("in_person", True),
    "e": ("early", True),
    "a": ("absentee", True),
    "m": ("mail", True),
    "b": ("mail", True),
    "n": ("", False),
    "no": ("", False),
    "0": ("", False),
    "false": ("", False),
}
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d", "%m/%d/%y"]


class RowError(Exception):
    pass


@dataclass
class Record:
    line: int
    person: dict[str, Any] = field(default_factory=dict)
    address: dict[str, Any] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    external_ids: list[tuple[str, str]] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    votes: dict[str, tuple[bool, str]] = field(default_factory=dict)
    area_code: str = ""
    household_key: str = ""
    address_key: str = ""  # address_match_key(address), computed once


def target_of(spec: Any) -> tuple[str, dict]:
    if isinstance(spec, str):
        return spec, {}
    if isinstance(spec, dict) and isinstance(spec.get("target"), str):
        return spec["target"], spec
    raise ValidationError(f"Mapping entry {spec!r} has no target.")


def validate_mapping(mapping: dict, headers: list[str] | None = None) -> None:
    """Raise ValidationError listing every problem (unknown targets, missing columns, nothing mapped)."""
    errors = []
    columns = mapping.get("columns") or {}
    if not isinstance(columns, dict):
        raise ValidationError("“columns” must map column names to targets.")
    mapped = 0
    taken: dict[str, str] = {}  # target -> the first column mapped to it
    for header, spec in columns.items():
        try:
            target, _opts = target_of(spec)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if target == "ignore":
            continue
        if not is_known_target(target):
            errors.append(f"Column “{header}”: unknown field “{target}”.")
        same = SAME_TARGET.get(target, target)
        if same in taken and same not in REPEATABLE_TARGETS:
            errors.append(
                f"Columns “{taken[same]}” and “{header}” both go to “{target}”; "
                "only one column can fill it."
            )
        taken.setdefault(same, header)
        if headers is not None and header not in headers:
            errors.append(
                f"Column “{header}” is not in the file (its columns: {', '.join(headers[:20])})."
            )
        mapped += 1
    for target in mapping.get("constants") or {}:
        if not is_known_target(target):
            errors.append(f"Constant for unknown field “{target}”.")
    if not mapped:
        errors.append("The mapping maps no column: choose at least a name or an identifier column.")
    if errors:
        raise ValidationError(errors)


# Targets several columns may feed (each adds a contact point); any other takes one column.
REPEATABLE_TARGETS = {"phone", "mobile", "whatsapp", "email"}
# Two spellings of one field: a full name is read first-last or last-first, not both.
SAME_TARGET = {"person.full_name_last_first": "person.full_name"}


def is_known_target(target: str) -> bool:
    kind, _, name = target.partition(".")
    if target in {
        "phone",
        "mobile",
        "whatsapp",
        "email",
        "area.code",
        "area.ac",
        "area.part",
        "household.key",
        "ignore",
    }:
        return True
    if kind == "person":
        return name in PERSON_TARGETS
    if kind == "address":
        return name in ADDRESS_TARGETS
    prefix, _, rest = target.partition(":")
    return prefix in {"external_id", "custom", "vote"} and bool(rest)


# The usual all-digit formats, read without strptime (a quarter of a row's parsing); anything
# else, and every invalid date (for its message), goes through strptime as before.
_DIGIT_DATES = {
    "%m/%d/%Y": (re.compile(r"(\d\d)/(\d\d)/(\d\d\d\d)"), (3, 1, 2)),
    "%d/%m/%Y": (re.compile(r"(\d\d)/(\d\d)/(\d\d\d\d)"), (3, 2, 1)),
    "%Y-%m-%d": (re.compile(r"(\d\d\d\d)-(\d\d)-(\d\d)"), (1, 2, 3)),
}


def parse_date(text: str, fmt: str | None = None) -> dt.date:
    fast = _DIGIT_DATES.get(fmt) if fmt else None
    if fast is not None and (m := fast[0].fullmatch(text)):
        y, mo, d = fast[1]
        try:
            return dt.date(int(m[y]), int(m[mo]), int(m[d]))
        except ValueError:
            pass  # strptime gives the message
    formats = [fmt] if fmt else DATE_FORMATS
    for f in formats:
        try:
            return dt.datetime.strptime(text, f).date()
        except ValueError:
            continue
    raise RowError(f"“{text}” is not a date{' in the format ' + fmt if fmt else ''}.")


def split_full_name(text: str, last_first: bool) -> tuple[str, str, str]:
    text = re.sub(r"\s+", " ", text.strip())
    if last_first or "," in text:
        family, _, rest = text.partition(",")
        parts = rest.split()
        return (parts[0] if parts else ""), " ".join(parts[1:]), family.strip()
    parts = text.split(" ")
    if len(parts) == 1:
        return parts[0], "", ""
    return parts[0], " ".join(parts[1:-1]), parts[-1]


class RowParser:
    """Compiled mapping: parse rows quickly (targets resolved once, not per row)."""

    def __init__(self, mapping: dict):
        validate_mapping(mapping)
        self.columns = [(h, *target_of(spec)) for h, spec in (mapping.get("columns") or {}).items()]
        self.constants = dict(mapping.get("constants") or {})
        self.options = dict(mapping.get("options") or {})
        self.region = self.options.get("default_region") or None
        as_of = self.options.get("age_as_of")
        self.age_as_of = dt.date.fromisoformat(as_of) if as_of else None
        self.area_template = self.options.get("area_code") or ""
        # Explicit date formats per target ("%m/%d/%Y" for US files): 02/08/1987 is ambiguous.
        self.formats = {t: o["format"] for _h, t, o in self.columns if o.get("format")}
        # Voter files repeat values (first names, streets, cities, phones shared by a
        # household): the pure normalisations are remembered, in bounded memory. Failures are
        # not remembered, so every bad row gets its own message.
        self._phones = _Memo(lambda text, region: normalize_phone(text, region)[0])
        self._emails = _Memo(normalize_email)
        self._names = _Memo(clean_name)
        self._dates = _Memo(parse_date)
        self._key_parts = _Memo(_key_part)
        self._births = _DailyMemo(clean_birth)  # its answer depends on today's date
        # The mapped columns, each with the function that takes its value (resolved once).
        self._active = [
            (header, target, self._taker(target, opts))
            for header, target, opts in self.columns
            if target != "ignore"
        ]
        self._constant_targets = frozenset(self.constants)
        self._constant_takers = [
            (target, str(value), self._taker(target, {}))
            for target, value in self.constants.items()
            if value not in (None, "")
        ]

    def _taker(self, target: str, opts: dict):
        """The function that does what ``_take`` does for one column's target."""
        if target.startswith("person.") or target in ("area.ac", "area.part"):

            def take(rec, raw, value):
                raw[target] = value

            return take
        if target.startswith("address.") and target[8:] in ADDRESS_LIMITS:
            name, limit = target[8:], ADDRESS_LIMITS[target[8:]]
            upper = name == "country"

            def take(rec, raw, value):
                if len(value) > limit:
                    raise RowError(f"longer than {limit} characters.")
                rec.address[name] = value.upper() if upper else value

            return take
        if target in ("phone", "mobile", "whatsapp"):
            region = opts.get("region") or self.region
            phones = self._phones

            def take(rec, raw, value):
                for piece in _PHONE_SPLIT(value):
                    if piece.strip():
                        rec.phones.append(phones[piece, region])

            return take
        if target.startswith("vote:"):
            code = target.split(":", 1)[1]

            def take(rec, raw, value):
                mark = VOTED.get(value.strip().casefold())
                if mark is None:
                    raise RowError(
                        f"“{value}” is not a vote-history mark (Y/N, or P/E/A/M for the method)."
                    )
                rec.votes[code] = (mark[1], mark[0])

            return take

        def take(rec, raw, value):
            self._take(rec, raw, "", target, opts, value)

        return take

    def parse(self, line: int, values: dict[str, str]) -> Record:
        rec = Record(line=line)
        raw: dict[str, Any] = {}
        problems: list[str] = []
        provided: set[str] = set()
        constant_targets = self._constant_targets
        for header, target, take in self._active:
            value = values.get(header)
            if not value:
                continue
            value = value.strip()
            if not value:
                continue
            if target in constant_targets:
                provided.add(target)
            try:
                take(rec, raw, value)
            except (RowError, ValidationError) as exc:
                problems.append(f"{header}: {_message(exc)}")
        for target, value, take in self._constant_takers:
            if target in provided:
                continue  # a column's own value wins over the constant
            try:
                take(rec, raw, value)
            except (RowError, ValidationError) as exc:
                problems.append(f"{target}: {_message(exc)}")
        if not problems:
            try:
                self._finish(rec, raw)
            except (RowError, ValidationError) as exc:
                problems.append(_message(exc))
        if problems:
            raise RowError(" | ".join(problems))
        return rec

    def _take(self, rec: Record, raw: dict, header: str, target: str, opts: dict, value: str):
        if target.startswith("person."):
            raw[target] = value
        elif target.startswith("address."):
            name = target.split(".", 1)[1]
            if name in ("latitude", "longitude"):
                try:
                    number = float(value)
                except ValueError:
                    raise RowError(f"“{value}” is not a number.")
                limit = 90 if name == "latitude" else 180
                if not -limit <= number <= limit:
                    raise RowError(f"{value} is out of range for a {name}.")
                rec.address[name] = number
            else:
                limit = ADDRESS_LIMITS[name]
                if len(value) > limit:
                    raise RowError(f"longer than {limit} characters.")
                rec.address[name] = value.upper() if name == "country" else value
        elif target in ("phone", "mobile", "whatsapp"):
            for piece in _PHONE_SPLIT(value):
                if piece.strip():
                    rec.phones.append(self._phones[piece, opts.get("region") or self.region])
        elif target == "email":
            for piece in _EMAIL_SPLIT(value):
                if piece:
                    rec.emails.append(self._emails[piece])
        elif target.startswith("external_id:"):
            rec.external_ids.append(clean_external_id(target.split(":", 1)[1], value))
        elif target.startswith("custom:"):
            rec.custom[target.split(":", 1)[1]] = value
        elif target.startswith("vote:"):
            code = target.split(":", 1)[1]
            key = value.strip().casefold()
            if key not in VOTED:
                raise RowError(
                    f"“{value}” is not a vote-history mark (Y/N, or P/E/A/M for the method)."
                )
            method, voted = VOTED[key]
            rec.votes[code] = (voted, method)
        elif target == "area.code":
            rec.area_code = value
        elif target in ("area.ac", "area.part"):
            raw[target] = value
        elif target == "household.key":
            rec.household_key = value[:100]

    def _finish(self, rec: Record, raw: dict) -> None:
        p: dict[str, Any] = {}
        if raw.get("person.full_name") or raw.get("person.full_name_last_first"):
            text = raw.get("person.full_name") or raw.get("person.full_name_last_first")
            g, m, f = split_full_name(text, "person.full_name_last_first" in raw)
            p.update(given_name=g, middle_name=m, family_name=f)
        for name in PERSON_TEXT:
            if f"person.{name}" in raw:
                p[name] = raw[f"person.{name}"]
        for name in ("given_name", "middle_name", "family_name", "native_name", "relative_name"):
            if name in p:
                p[name] = self._names[
                    p[name], name.replace("_", " ").capitalize(), PERSON_TEXT[name]
                ]
        if not p.get("given_name") and not rec.external_ids:
            raise RowError("no name and no identifier.")
        if not p.get("given_name") and p.get("family_name"):
            p["given_name"], p["family_name"] = p["family_name"], ""
        if "person.gender" in raw:
            key = raw["person.gender"].strip().casefold()
            if key not in GENDER:
                raise RowError(
                    f"gender “{raw['person.gender']}” is not one of M/F/O (or male/female/other)."
                )
            p["gender"] = GENDER[key]
        if "person.relation_type" in raw:
            key = raw["person.relation_type"].strip().casefold()
            if key not in RELATION:
                raise RowError(f"relation “{raw['person.relation_type']}” is not one of F/H/M/W/O.")
            p["relation_type"] = RELATION[key]
        if "person.status" in raw:
            key = raw["person.status"].strip().casefold()
            if key not in STATUS:
                raise RowError(f"status “{raw['person.status']}” is not active/moved/deceased.")
            p["status"] = STATUS[key]
        for name in ("serial_number", "support_score", "age"):
            if f"person.{name}" in raw:
                try:
                    p[name] = int(float(raw[f"person.{name}"]))
                except ValueError:
                    raise RowError(
                        f"{name.replace('_', ' ')} “{raw[f'person.{name}']}” is not a number."
                    )
        if p.get("support_score") is not None and not 1 <= p["support_score"] <= 5:
            raise RowError("support score must be 1 to 5.")
        birth = None
        if "person.birth_date" in raw:
            birth = self._dates[raw["person.birth_date"], self.formats.get("person.birth_date")]
        elif "person.birth_year" in raw:
            try:
                y = int(raw["person.birth_year"])
                m = int(raw.get("person.birth_month") or 1)
                d = int(raw.get("person.birth_day") or 1)
                birth = dt.date(y, m, d)
            except ValueError:
                raise RowError(
                    f"birth date {raw.get('person.birth_year')}-{raw.get('person.birth_month', '')}"
                    f"-{raw.get('person.birth_day', '')} is not a real date."
                )
        as_of = None
        if p.get("age") is not None:
            as_of = (
                parse_date(raw["person.age_as_of"], self.formats.get("person.age_as_of"))
                if "person.age_as_of" in raw
                else self.age_as_of
            )
        p["birth_date"] = birth
        if birth is None and p.get("age") is not None:
            p["age_as_of"] = as_of
        else:
            p.pop("age", None)
        p["born_estimate"] = self._births[birth, p.get("age"), p.get("age_as_of")]
        p["full_name"] = " ".join(
            x for x in (p.get("given_name"), p.get("middle_name"), p.get("family_name")) if x
        )
        rec.person = p
        if not rec.area_code and self.area_template and ("area.ac" in raw or "area.part" in raw):
            try:
                rec.area_code = self.area_template.format(
                    ac=_int_or(raw.get("area.ac")), part=_int_or(raw.get("area.part"))
                )
            except (ValueError, KeyError) as exc:
                raise RowError(f"cannot build the area code: {exc}")
        if "country" not in rec.address and rec.address and self.options.get("country"):
            rec.address["country"] = self.options["country"]
        rec.address_key = self._address_key(rec.address) if rec.address else ""
        rec.phones = list(dict.fromkeys(rec.phones))
        rec.emails = list(dict.fromkeys(rec.emails))

    def _address_key(self, address: dict[str, Any]) -> str:
        """``address_match_key`` with each part's normalisation remembered."""
        parts = [self._key_parts[address.get(k)] for k in MATCH_KEY_PARTS]
        return "|".join(parts)[:400] if any(parts) else ""


# What validation.address_match_key normalises, part by part (a test holds them equal).
MATCH_KEY_PARTS = ("house_number", "street", "line2", "locality", "city", "postal_code")
_KEY_PUNCT = re.compile(r"[\s.,#/-]+")
_PHONE_SPLIT = re.compile(r"[;/]").split
_EMAIL_SPLIT = re.compile(r"[;\s]+").split


def _key_part(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).casefold()
    return _KEY_PUNCT.sub(" ", text).strip()


class _Memo(dict):
    """``memo[args]`` is ``fn(*args)`` (or ``fn(arg)``), computed once; at most ``size``
    answers are kept (all are dropped when it is full), so memory stays flat on any file."""

    def __init__(self, fn, size: int = 50_000):
        super().__init__()
        self.fn, self.size = fn, size

    def __missing__(self, key):
        value = self.fn(*key) if isinstance(key, tuple) else self.fn(key)
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value


class _DailyMemo(_Memo):
    """A memo for a function whose answer depends on today's date (``clean_birth``): forgotten
    at local midnight, so it answers exactly as calling the function would."""

    def __init__(self, fn, size: int = 50_000):
        super().__init__(fn, size)
        self.until = 0.0

    def __getitem__(self, key):
        if time.monotonic() >= self.until:
            self.clear()
            now = timezone.localtime()
            midnight = (now + dt.timedelta(days=1)).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            # a second early: the clocks need not agree to the microsecond
            self.until = time.monotonic() + (midnight - now).total_seconds() - 1
        return super().__getitem__(key)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def _int_or(value: Any) -> Any:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return value


HEADER_SUGGESTIONS: dict[str, str] = {
    "first": "person.given_name",
    "first name": "person.given_name",
    "firstname": "person.given_name",
    "given name": "person.given_name",
    "middle": "person.middle_name",
    "middle name": "person.middle_name",
    "last": "person.family_name",
    "last name": "person.family_name",
    "lastname": "person.family_name",
    "surname": "person.family_name",
    "family name": "person.family_name",
    "name": "person.full_name",
    "full name": "person.full_name",
    "elector name": "person.full_name",
    "gender": "person.gender",
    "sex": "person.gender",
    "dob": "person.birth_date",
    "birth date": "person.birth_date",
    "date of birth": "person.birth_date",
    "yob": "person.birth_year",
    "mob": "person.birth_month",
    "age": "person.age",
    "relation": "person.relation_type",
    "relation type": "person.relation_type",
    "relative name": "person.relative_name",
    "father/husband name": "person.relative_name",
    "serial": "person.serial_number",
    "serial no": "person.serial_number",
    "sl no": "person.serial_number",
    "epic": "external_id:epic",
    "epic no": "external_id:epic",
    "voter id": "external_id:voter",
    "house no": "address.house_number",
    "house number": "address.house_number",
    "address": "address.street",
    "street": "address.street",
    "city": "address.city",
    "state": "address.region",
    "zip": "address.postal_code",
    "zip code": "address.postal_code",
    "pin": "address.postal_code",
    "postcode": "address.postal_code",
    "section": "address.locality",
    "locality": "address.locality",
    "phone": "phone",
    "mobile": "phone",
    "cell": "phone",
    "email": "email",
    "e-mail": "email",
    "household id": "household.key",
    "ac": "area.ac",
    "ac no": "area.ac",
    "part": "area.part",
    "part no": "area.part",
    "precinct": "area.code",
    "area": "area.code",
    "latitude": "address.latitude",
    "lat": "address.latitude",
    "longitude": "address.longitude",
    "lon": "address.longitude",
}


def suggest(headers: list[str]) -> dict[str, str]:
    """A first guess at the mapping from the header names (the user confirms it)."""
    out = {}
    for h in headers:
        key = re.sub(r"[_\s]+", " ", h.strip().casefold())
        if key in HEADER_SUGGESTIONS:
            out[h] = HEADER_SUGGESTIONS[key]
    return out
