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
from django.utils.translation import gettext

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
    "name_suffix": 20,
    "party": 50,
    "voter_status": 30,
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
    "registration_date",
}
# The parts of an address a file can carry, in the order the engine writes them.
ADDRESS_FIELDS = (
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
)
ADDRESS_TARGETS = frozenset(ADDRESS_FIELDS)
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
VOTE_METHODS = ("in_person", "early", "mail", "absentee", "")
VOTE_MARKS_HELP = "Y/V/X/1/true or N/0/false, or P/E/A/M/B for the method"


def value_map(opts: dict) -> dict[str, Any]:
    """A column's ``values`` map with its keys as cells are compared (trimmed, any case)."""
    return {str(k).strip().casefold(): v for k, v in (opts.get("values") or {}).items()}


def read_vote(value: str, marks: dict[str, Any] | None = None) -> tuple[bool, str, str] | None:
    """A vote-history cell → (voted, method, ballot party), through the column's value map
    first (``{"D": {"voted": true, "party": "DEM"}}`` or ``{"Q": "A"}``); ``None`` when the
    map blanks it."""
    key = value.strip().casefold()
    if marks and key in marks:
        mapped = marks[key]
        if isinstance(mapped, dict):
            return (
                bool(mapped.get("voted", True)),
                str(mapped.get("method") or ""),
                str(mapped.get("party") or "").strip()[:30],
            )
        if mapped is None or str(mapped).strip() == "":
            return None
        key = str(mapped).strip().casefold()
    mark = VOTED.get(key)
    if mark is None:
        raise RowError(
            f"“{value}” is not a vote-history mark ({VOTE_MARKS_HELP}); other marks, such as "
            "a primary ballot's party letter, are translated by the column's “values” map."
        )
    return mark[1], mark[0], ""


DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d", "%m/%d/%y"]


class RowError(Exception):
    """A value or row the mapping cannot take. ``target`` names the mapped target at fault
    (e.g. ``person.gender``) when one value is; the row is then imported without that value."""

    def __init__(self, message: str = "", target: str = ""):
        super().__init__(message)
        self.target = target


# A bad value of these targets rejects the row: without it there is no person to import.
ROW_TARGETS = frozenset(
    {
        "person.given_name",
        "person.middle_name",
        "person.family_name",
        "person.full_name",
        "person.full_name_last_first",
        "area.code",
        "area.ac",
        "area.part",
        "household.key",
    }
)


@dataclass
class Record:
    line: int
    person: dict[str, Any] = field(default_factory=dict)
    address: dict[str, Any] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    external_ids: list[tuple[str, str]] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    votes: dict[str, tuple[bool, str, str]] = field(default_factory=dict)  # (voted, method, party)
    area_code: str = ""
    household_key: str = ""
    address_key: str = ""  # address_match_key(address), computed once
    # Values left out of the row: (column, value, reason); the row is imported without them.
    dropped: list[tuple[str, str, str]] = field(default_factory=list)


def target_of(spec: Any) -> tuple[str, dict]:
    if isinstance(spec, str):
        return spec, {}
    if isinstance(spec, dict) and isinstance(spec.get("target"), str):
        return spec["target"], spec
    raise ValidationError(f"Mapping entry {spec!r} has no target.")


def validate_mapping(mapping: dict, headers: list[str] | None = None) -> None:
    """Raise ValidationError listing every problem (unknown targets, missing columns, nothing
    mapped, a bad value map or option); unknown fields are followed by the list of valid
    ones, missing columns are named once."""
    errors = []
    if not isinstance(mapping, dict):
        raise ValidationError(
            gettext(
                'The mapping must be a JSON object, e.g. {"columns": {"Name": "person.full_name"}}.'
            )
        )
    columns = mapping.get("columns") or {}
    if not isinstance(columns, dict):
        raise ValidationError(gettext("“columns” must map column names to targets."))
    mapped = 0
    unknown = False
    missing: list[str] = []
    taken: dict[str, str] = {}  # target -> the first column mapped to it
    for header, spec in columns.items():
        try:
            target, opts = target_of(spec)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if target == "ignore":
            continue
        if not is_known_target(target):
            errors.append(f"Column “{header}”: unknown field “{target}”.")
            unknown = True
        same = SAME_TARGET.get(target, target)
        if same in taken and same not in REPEATABLE_TARGETS:
            errors.append(
                f"Columns “{taken[same]}” and “{header}” both go to “{target}”; "
                "only one column can fill it."
            )
        taken.setdefault(same, header)
        if headers is not None and header not in headers:
            missing.append(header)
        errors.extend(_spec_problems(header, target, opts))
        mapped += 1
    constants = mapping.get("constants") or {}
    if not isinstance(constants, dict):
        errors.append("“constants” must map fields to values.")
        constants = {}
    for target in constants:
        if not is_known_target(target):
            errors.append(f"Constant for unknown field “{target}”.")
            unknown = True
    errors.extend(options_problems(mapping.get("options") or {}))
    errors.extend(_newest_by_problems(mapping, columns))
    if unknown:
        errors.append("Valid fields: " + ", ".join(known_targets()) + ".")
    if missing:
        errors.append(
            ("Columns " if len(missing) > 1 else "Column ")
            + ", ".join(f"“{h}”" for h in missing)
            + (" are" if len(missing) > 1 else " is")
            + " not in the file; its columns are "
            + ", ".join(f"“{h}”" for h in headers or [])
            + "."
        )
    if not mapped:
        errors.append("The mapping maps no column: choose at least a name or an identifier column.")
    if errors:
        raise ValidationError(errors)


def known_targets() -> list[str]:
    """Every field a column can go to, as the mapping names it (for messages and the docs)."""
    return [
        *(f"person.{n}" for n in sorted(PERSON_TARGETS)),
        *(f"address.{n}" for n in sorted(ADDRESS_TARGETS)),
        "phone",
        "mobile",
        "whatsapp",
        "email",
        "external_id:<kind>",
        "custom:<key>",
        "vote:<election code>",
        "area.code",
        "area.ac",
        "area.part",
        "household.key",
        "ignore",
    ]


DATE_FIELDS = {"person.birth_date", "person.age_as_of", "person.registration_date"}
SPEC_KEYS = {"target", "format", "region", "values", "election_date", "election_name"}
UNKNOWN_AREA = ("reject", "leave_empty", "create")
UNKNOWN_ELECTION = ("reject", "create")
KEEP_REPEATED = ("later", "newest")  # a voter twice in one file: which row is kept


def _spec_problems(header: str, target: str, opts: dict) -> list[str]:
    """What is wrong with one column's transforms (format, value map, election details)."""
    if not opts:
        return []
    out = []
    extra = sorted(set(opts) - SPEC_KEYS)
    if extra:
        out.append(
            f"Column “{header}”: unknown setting {', '.join(f'“{k}”' for k in extra)} "
            f"(settings: {', '.join(sorted(SPEC_KEYS))})."
        )
    values = opts.get("values")
    if values is not None:
        if not isinstance(values, dict):
            out.append(f"Column “{header}”: “values” must map values in the file to values.")
        elif target.startswith("vote:"):
            for key, mapped in values.items():
                if isinstance(mapped, dict):
                    bad = set(mapped) - {"voted", "method", "party"}
                    if (
                        bad
                        or mapped.get("method", "") not in VOTE_METHODS
                        or not isinstance(mapped.get("voted", True), bool)
                    ):
                        out.append(
                            f"Column “{header}”: the mark “{key}” must translate to "
                            '{"voted": true/false, "method": one of '
                            f'{", ".join(m for m in VOTE_METHODS if m)}, "party": text}}.'
                        )
                elif mapped not in (None, "") and str(mapped).strip().casefold() not in VOTED:
                    out.append(
                        f"Column “{header}”: the mark “{key}” translates to “{mapped}”, which "
                        f"is not a vote-history mark ({VOTE_MARKS_HELP})."
                    )
        elif any(isinstance(v, (dict, list)) for v in values.values()):
            out.append(f"Column “{header}”: each value in “values” must be text.")
    if opts.get("format") and target not in DATE_FIELDS:
        out.append(f"Column “{header}”: a date format is only for date fields.")
    if opts.get("election_date") is not None:
        if not target.startswith("vote:"):
            out.append(f"Column “{header}”: “election_date” is only for vote-history columns.")
        else:
            try:
                dt.date.fromisoformat(str(opts["election_date"]))
            except ValueError:
                out.append(
                    f"Column “{header}”: election date “{opts['election_date']}” is not a "
                    "date (YYYY-MM-DD)."
                )
    return out


def options_problems(options: Any) -> list[str]:
    """What is wrong with a mapping's ``options`` (the database checks are in ``options.py``)."""
    if not isinstance(options, dict):
        return ["“options” must be an object."]
    out = []
    if options.get("unknown_area", "reject") not in UNKNOWN_AREA:
        out.append(f"Option “unknown_area” is one of {', '.join(UNKNOWN_AREA)}.")
    if options.get("unknown_election", "reject") not in UNKNOWN_ELECTION:
        out.append(f"Option “unknown_election” is one of {', '.join(UNKNOWN_ELECTION)}.")
    if options.get("unknown_area") == "create" and not options.get("new_areas_under"):
        out.append(
            "Option “unknown_area”: “create” needs “new_areas_under”, the code of the area "
            "the new areas go under."
        )
    match = options.get("match")
    if match is not None and (
        not isinstance(match, list) or not set(match) <= {"external_id", "name_birth"}
    ):
        out.append("Option “match” is a list of “external_id” and “name_birth”.")
    keep = options.get("keep_repeated", "later")
    if keep not in KEEP_REPEATED:
        out.append(
            f"Option “keep_repeated” is one of {', '.join(KEEP_REPEATED)} (the later row in the "
            "file, or the row with the newest date in the column “newest_by”)."
        )
    elif keep == "newest" and not options.get("newest_by"):
        out.append(
            "Option “keep_repeated”: “newest” needs “newest_by”, the file's column whose date "
            "decides (a column mapped to a date field)."
        )
    if options.get("age_as_of"):
        try:
            dt.date.fromisoformat(str(options["age_as_of"]))
        except ValueError:
            out.append(f"Option “age_as_of” “{options['age_as_of']}” is not a date (YYYY-MM-DD).")
    return out


def _is_date_target(spec: Any) -> bool:
    target = spec if isinstance(spec, str) else (spec or {}).get("target", "")
    return isinstance(target, str) and (target in DATE_FIELDS or target.startswith("custom:"))


def _newest_by_problems(mapping: dict, columns: Any) -> list[str]:
    """``newest_by`` must name a mapped column of a date field (whether a custom field is a
    date is checked with the database, in ``options.options_check``)."""
    options = mapping.get("options") if isinstance(mapping.get("options"), dict) else {}
    if options.get("keep_repeated") != "newest" or not options.get("newest_by"):
        return []
    columns = columns if isinstance(columns, dict) else {}
    header = options["newest_by"]
    spec = columns.get(header)
    if isinstance(spec, (str, dict)) and _is_date_target(spec):
        return []
    dates = [h for h, sp in columns.items() if isinstance(sp, (str, dict)) and _is_date_target(sp)]
    mapped = spec not in (None, "ignore") and not (
        isinstance(spec, dict) and spec.get("target") == "ignore"
    )
    return [
        f"Option “newest_by”: the column “{header}” "
        + ("is not mapped to a date" if mapped else "is not mapped")
        + "; the newest row is found by a column mapped to a date field"
        + (f" ({', '.join(f'“{h}”' for h in dates)})." if dates else " (none is mapped).")
    ]


def with_keep(mapping: dict, keep: str) -> dict:
    """The mapping with its ``keep_repeated`` option set from the command line's and the API's
    short form: ``later``, or ``newest:COLUMN`` (the row with the newest date in COLUMN)."""
    options = {
        k: v
        for k, v in (mapping.get("options") or {}).items()
        if k not in ("keep_repeated", "newest_by")
    }
    how, _sep, column = (keep or "").strip().partition(":")
    if how == "later" and not column:
        options["keep_repeated"] = "later"
    elif how == "newest" and column.strip():
        options.update(keep_repeated="newest", newest_by=column.strip())
    else:
        raise ValidationError(
            f"“{keep}”: write later, or newest:COLUMN with the file's column whose date "
            "decides (e.g. newest:RegistrationDate)."
        )
    return {**mapping, "options": options}


def newest_by(mapping: dict) -> tuple[str, str, dict] | None:
    """(column, target, settings) of the column whose date decides which of a voter's rows is
    kept, when the mapping's options ask for the newest row; else None."""
    options = (mapping or {}).get("options") or {}
    if options.get("keep_repeated") != "newest" or not options.get("newest_by"):
        return None
    header = options["newest_by"]
    target, opts = target_of(((mapping or {}).get("columns") or {})[header])
    return header, target, opts


def read_date(value: str, target: str, opts: dict) -> dt.date | None:
    """The date in one cell of a date column as the import reads it (the column's value map,
    then its format; a custom date field takes YYYY-MM-DD), or None when there is none."""
    value = (value or "").strip()
    if value and opts.get("values"):
        value = str(value_map(opts).get(value.casefold(), value) or "").strip()
    if not value:
        return None
    try:
        if target.startswith("custom:"):
            return dt.date.fromisoformat(value)
        return parse_date(value, opts.get("format"))
    except (RowError, ValueError):
        return None


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
        # The column each target's value comes from, to name it when the value is left out.
        self.header_of: dict[str, str] = {}
        for h, t, _o in self.columns:
            self.header_of.setdefault(t, h)
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
            (
                header,
                target,
                self._mapped(self._taker(target, opts), value_map(opts))
                if opts.get("values") and not target.startswith("vote:")
                else self._taker(target, opts),
            )
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
            marks = value_map(opts)

            def take(rec, raw, value):
                vote = read_vote(value, marks)
                if vote is not None:
                    rec.votes[code] = vote

            return take

        def take(rec, raw, value):
            self._take(rec, raw, "", target, opts, value)

        return take

    @staticmethod
    def _mapped(take, values: dict[str, Any]):
        """``take`` after the column's value map: a listed value is replaced (an empty
        replacement leaves the cell blank); any other value is taken as it is."""

        def mapped(rec, raw, value):
            new = values.get(value.casefold(), value)
            if new is None or str(new).strip() == "":
                return
            take(rec, raw, str(new).strip())

        return mapped

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
            except (RowError, ValidationError) as exc:  # one bad cell costs that value only
                rec.dropped.append((header, value, _message(exc)))
        for target, value, take in self._constant_takers:
            if target in provided:
                continue  # a column's own value wins over the constant
            try:
                take(rec, raw, value)
            except (RowError, ValidationError) as exc:
                rec.dropped.append((target, value, _message(exc)))
        # A value that fails in _finish (gender, age, a date…) is left out and the row parsed
        # again without it; a name or area that fails, or no name and no identifier, rejects it.
        while True:
            try:
                self._finish(rec, raw)
                break
            except (RowError, ValidationError) as exc:
                target = _error_target(exc, raw)
                if not target or target in ROW_TARGETS:
                    problems = [_message(exc), *(f"{c}: {m}" for c, _v, m in rec.dropped)]
                    raise RowError(" | ".join(problems))
                rec.dropped.append(
                    (self.header_of.get(target, target), raw.pop(target), _message(exc))
                )
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
            vote = read_vote(value, value_map(opts))
            if vote is not None:
                rec.votes[target.split(":", 1)[1]] = vote
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
                try:
                    p[name] = self._names[
                        p[name], name.replace("_", " ").capitalize(), PERSON_TEXT[name]
                    ]
                except ValidationError as exc:  # a bad relative's name costs only that name
                    raise RowError(_message(exc), f"person.{name}")
        for name in ("name_suffix", "party", "voter_status"):
            if name in p and len(p[name]) > PERSON_TEXT[name]:
                raise RowError(
                    f"{name.replace('_', ' ')} is longer than {PERSON_TEXT[name]} characters."
                )
        if p.get("voter_status"):
            p["voter_status"] = p["voter_status"].casefold()
        if "person.registration_date" in raw:
            try:
                p["registration_date"] = self._dates[
                    raw["person.registration_date"], self.formats.get("person.registration_date")
                ]
            except RowError as exc:  # a bad date costs only that value (ADR 0011)
                raise RowError(str(exc), "person.registration_date")
        if not p.get("given_name") and not rec.external_ids:
            raise RowError("no name and no identifier.")
        if not p.get("given_name") and p.get("family_name"):
            p["given_name"], p["family_name"] = p["family_name"], ""
        if "person.gender" in raw:
            key = raw["person.gender"].strip().casefold()
            if key not in GENDER:
                raise RowError(
                    f"gender “{raw['person.gender']}” is not one of M/F/O (or male/female/other).",
                    "person.gender",
                )
            p["gender"] = GENDER[key]
        if "person.relation_type" in raw:
            key = raw["person.relation_type"].strip().casefold()
            if key not in RELATION:
                raise RowError(
                    f"relation “{raw['person.relation_type']}” is not one of F/H/M/W/O.",
                    "person.relation_type",
                )
            p["relation_type"] = RELATION[key]
        if "person.status" in raw:
            key = raw["person.status"].strip().casefold()
            if key not in STATUS:
                raise RowError(
                    f"status “{raw['person.status']}” is not active/moved/deceased.",
                    "person.status",
                )
            p["status"] = STATUS[key]
        for name in ("serial_number", "support_score", "age"):
            if f"person.{name}" in raw:
                try:
                    p[name] = int(float(raw[f"person.{name}"]))
                except ValueError:
                    raise RowError(
                        f"{name.replace('_', ' ')} “{raw[f'person.{name}']}” is not a number.",
                        f"person.{name}",
                    )
        if p.get("support_score") is not None and not 1 <= p["support_score"] <= 5:
            raise RowError("support score must be 1 to 5.", "person.support_score")
        birth = None
        if "person.birth_date" in raw:
            try:
                birth = self._dates[raw["person.birth_date"], self.formats.get("person.birth_date")]
            except RowError as exc:
                raise RowError(str(exc), "person.birth_date")
        elif "person.birth_year" in raw:
            try:
                y = int(raw["person.birth_year"])
                m = int(raw.get("person.birth_month") or 1)
                d = int(raw.get("person.birth_day") or 1)
                birth = dt.date(y, m, d)
            except ValueError:
                raise RowError(
                    f"birth date {raw.get('person.birth_year')}-{raw.get('person.birth_month', '')}"
                    f"-{raw.get('person.birth_day', '')} is not a real date.",
                    "person.birth_year",
                )
        as_of = None
        if p.get("age") is not None:
            try:
                as_of = (
                    parse_date(raw["person.age_as_of"], self.formats.get("person.age_as_of"))
                    if "person.age_as_of" in raw
                    else self.age_as_of
                )
            except RowError as exc:
                raise RowError(str(exc), "person.age_as_of")
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


def _error_target(exc: Exception, raw: dict) -> str:
    """The mapped target (present in ``raw``) whose value caused ``exc``, or ''."""
    if isinstance(exc, RowError):
        return exc.target if exc.target in raw else ""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for key in exc.error_dict:
            for target in (f"person.{key}", "person.birth_year" if key == "birth_date" else ""):
                if target in raw:
                    return target
    return ""


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def _int_or(value: Any) -> Any:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return value


# Header names (and their common variants) that say which field a column is. Looked up by
# ``header_key``: case, spaces, underscores and punctuation do not matter ("FIRST_NAME",
# "First Name" and "firstName" are one key).
_SUGGESTIONS: dict[str, str] = {
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
    "fname": "person.given_name",
    "name first": "person.given_name",
    "lname": "person.family_name",
    "name last": "person.family_name",
    "mname": "person.middle_name",
    "suffix": "person.name_suffix",
    "name suffix": "person.name_suffix",
    "birthdate": "person.birth_date",
    "birthday": "person.birth_date",
    "party": "person.party",
    "party code": "person.party",
    "party affiliation": "person.party",
    "political party": "person.party",
    "registration date": "person.registration_date",
    "reg date": "person.registration_date",
    "registered": "person.registration_date",
    "voter status": "person.voter_status",
    "status": "person.voter_status",
    "voter id number": "external_id:voter",
    "epic number": "external_id:epic",
    "epic id": "external_id:epic",
    "house num": "address.house_number",
    "street number": "address.house_number",
    "street name": "address.street",
    "address line 1": "address.street",
    "apt": "address.line2",
    "unit": "address.line2",
    "apartment": "address.line2",
    "address line 2": "address.line2",
    "zip5": "address.postal_code",
    "postal code": "address.postal_code",
    "pincode": "address.postal_code",
    "county": "address.district",
    "district": "address.district",
    "region": "address.region",
    "country": "address.country",
    "phone number": "phone",
    "telephone": "phone",
    "mobile number": "phone",
    "cell phone": "phone",
    "email address": "email",
    "precinct code": "area.code",
    "area code": "area.code",
    "household": "household.key",
    "relative": "person.relative_name",
    "native name": "person.native_name",
    "name native": "person.native_name",
}


def header_key(header: str) -> str:
    """A header as the templates and suggestions compare it: letters and digits only (of any
    script), case folded — "First Name", "FIRST_NAME" and "firstname" are one key."""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", str(header)).casefold())


_HEADER_NOISE = re.compile(r"[\W_]+")
HEADER_SUGGESTIONS: dict[str, str] = {header_key(k): v for k, v in _SUGGESTIONS.items()}


def suggest(headers: list[str]) -> dict[str, str]:
    """A first guess at the mapping from the header names (the user confirms it)."""
    out = {}
    for h in headers:
        target = HEADER_SUGGESTIONS.get(header_key(h))
        if target:
            out[h] = target
    return out


def fit_mapping(mapping: dict, headers: list[str]) -> dict:
    """The mapping with each column renamed to the file's own spelling of it, when the file
    has no column of exactly that name but one that differs only in case, spacing or
    punctuation ("VoterID" → "VOTER_ID"), or else one that is a common name of the same field
    ("Zip" → "ZIP Code", "BirthDate" → "DOB"). A column the file has under neither stays as
    it is (``validate_mapping`` then names it). Nothing else changes."""
    columns = mapping.get("columns") if isinstance(mapping, dict) else None
    if not isinstance(columns, dict) or not headers:
        return mapping
    exact = set(headers)
    used = {h for h in columns if h in exact}
    by_key: dict[str, list[str]] = {}
    for h in headers:
        by_key.setdefault(header_key(h), []).append(h)
    fitted: dict[str, Any] = {}
    renamed: dict[str, str] = {}
    for column, spec in columns.items():
        if column in exact:
            fitted[column] = spec
            continue
        found = [h for h in by_key.get(header_key(column), []) if h not in used]
        if len(found) != 1:
            try:
                target = target_of(spec)[0]
            except ValidationError:
                target = ""
            # only a column whose own name is a known name of a field ("Zip", "BirthDate")
            # is looked for under another known name of it ("ZIP Code", "DOB")
            known = HEADER_SUGGESTIONS.get(header_key(column))
            names = {target, known} - {"", None, "ignore"} if known else set()
            found = [
                h
                for h in headers
                if h not in used
                and h not in columns
                and HEADER_SUGGESTIONS.get(header_key(h)) in names
            ]
        if len(found) == 1:
            used.add(found[0])
            fitted[found[0]] = spec
            renamed[column] = found[0]
        else:
            fitted[column] = spec
    options = mapping.get("options")
    if isinstance(options, dict) and options.get("newest_by") in renamed:
        # the column whose date keeps the newest row is the same column, renamed
        return {
            **mapping,
            "columns": fitted,
            "options": {**options, "newest_by": renamed[options["newest_by"]]},
        }
    return {**mapping, "columns": fitted}
