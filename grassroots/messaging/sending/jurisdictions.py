"""The local rules as data: ``data/jurisdictions.json`` read into ``Profile`` objects (sending
hours, consent, frequency caps, election silence periods, opt-out footers per jurisdiction).

Pure Python: no models, no database, no network (the vocabulary is ``people.contact``)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from grassroots.people import contact

# The message channels (messaging.models.Channel) and purposes (people.contact.Purpose), as
# plain strings: this module reads no models.
CHANNELS: tuple[str, ...] = (
    contact.Channel.SMS.value,
    contact.Channel.WHATSAPP.value,
    contact.Channel.EMAIL.value,
    contact.VOICE,
)
PURPOSES: tuple[str, ...] = tuple(contact.Purpose.values)
PHONE_CHANNELS = frozenset(
    c for c in CHANNELS if contact.contact_point_channel(c) == contact.Channel.PHONE
)
CONSENT_STATUSES = frozenset({"granted", "withdrawn"})

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "jurisdictions.json"
_DAY = 24 * 60


# --- profiles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A daily range of local time, in minutes after midnight: ``[start, end)``; when
    ``start > end`` it wraps past midnight (``22:00–06:00``)."""

    start: int
    end: int

    def contains(self, minute: int) -> bool:
        """Whether the local minute of the day (0–1439) is inside the range."""
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    @property
    def start_text(self) -> str:
        return _hhmm(self.start)

    @property
    def end_text(self) -> str:
        return _hhmm(self.end)


@dataclass(frozen=True)
class FrequencyCap:
    """At most ``count`` messages on a channel in any ``days`` days."""

    count: int
    days: int


@dataclass(frozen=True)
class Blackout:
    """Messages of ``purposes`` on ``channels`` are forbidden inside ``window`` (local time)."""

    window: Window
    purposes: frozenset[str]
    channels: frozenset[str]


@dataclass(frozen=True)
class Profile:
    """One jurisdiction's rules, as read from ``jurisdictions.json``.

    The per-channel mappings hold an entry for every channel in ``CHANNELS`` (the JSON's
    ``default`` entries already applied). ``allowed_hours[channel]`` is ``None`` when the
    channel has no time-of-day limit; ``frequency_cap[channel]`` is ``None`` when uncapped.
    """

    code: str
    name: str
    countries: frozenset[str]
    allowed_hours: Mapping[str, Window | None] = field(hash=False)
    campaign_blackout: Blackout | None
    silence_hours_before_poll_close: int
    silence_purposes: frozenset[str]
    silence_channels: frozenset[str]
    require_consent: Mapping[str, bool] = field(hash=False)
    frequency_cap: Mapping[str, FrequencyCap | None] = field(hash=False)
    sender_id_required: Mapping[str, bool] = field(hash=False)
    first_message_footer: Mapping[str, str] = field(hash=False)


def _hhmm(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    return f"{hours:02d}:{mins:02d}"


def _parse_time(value: Any, where: str) -> int:
    try:
        hours, minutes = str(value).split(":")
        total = int(hours) * 60 + int(minutes)
        ok = len(hours) == 2 and len(minutes) == 2 and 0 <= int(minutes) < 60
    except ValueError:
        ok, total = False, -1
    if not ok or not 0 <= total <= _DAY:
        raise ValueError(f"{where}: {value!r} is not a time HH:MM between 00:00 and 24:00")
    return total


def _parse_window(value: Any, where: str) -> Window:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected {{'start': 'HH:MM', 'end': 'HH:MM'}}")
    start = _parse_time(value.get("start"), f"{where}.start")
    end = _parse_time(value.get("end"), f"{where}.end")
    if start in (_DAY, end):
        raise ValueError(f"{where}: start must be before 24:00 and differ from end")
    return Window(start, end)


def _per_channel(raw: Any, where: str, parse, fallback) -> MappingProxyType:
    """Resolve a ``{channel | "default": value}`` map to a value for every channel."""
    raw = dict(raw or {})
    unknown = set(raw) - set(CHANNELS) - {"default"}
    if unknown:
        raise ValueError(f"{where}: unknown channels {sorted(unknown)}")
    default = parse(raw["default"], f"{where}.default") if "default" in raw else fallback
    return MappingProxyType(
        {c: (parse(raw[c], f"{where}.{c}") if c in raw else default) for c in CHANNELS}
    )


def _names(raw: Any, allowed: Iterable[str], where: str) -> frozenset[str]:
    values = frozenset(raw or ())
    unknown = values - set(allowed)
    if unknown:
        raise ValueError(f"{where}: unknown values {sorted(unknown)}")
    return values


def _parse_profile(code: str, raw: dict[str, Any]) -> Profile:
    def hours(value, where):
        return None if value is None else _parse_window(value, where)

    def cap(value, where):
        if value is None:
            return None
        count, days = int(value["count"]), int(value["days"])
        if count < 0 or days < 1:
            raise ValueError(f"{where}: count must be >= 0 and days >= 1")
        return FrequencyCap(count, days)

    def flag(value, where):
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false")
        return value

    def text(value, where):
        if not isinstance(value, str):
            raise ValueError(f"{where}: expected a string")
        return value

    countries = frozenset(str(c).upper() for c in raw.get("countries") or ())
    bad = [c for c in countries if len(c) != 2 or not c.isalpha()]
    if bad:
        raise ValueError(f"{code}.countries: not ISO alpha-2 codes: {sorted(bad)}")
    blackout = None
    if raw.get("campaign_blackout"):
        b = raw["campaign_blackout"]
        blackout = Blackout(
            window=_parse_window(b, f"{code}.campaign_blackout"),
            purposes=_names(b.get("purposes"), PURPOSES, f"{code}.campaign_blackout.purposes"),
            channels=_names(b.get("channels"), CHANNELS, f"{code}.campaign_blackout.channels"),
        )
    silence = int(raw.get("silence_hours_before_poll_close") or 0)
    if silence < 0:
        raise ValueError(f"{code}.silence_hours_before_poll_close: must be >= 0")
    return Profile(
        code=code,
        name=str(raw.get("name") or code),
        countries=countries,
        allowed_hours=_per_channel(raw.get("allowed_hours"), f"{code}.allowed_hours", hours, None),
        campaign_blackout=blackout,
        silence_hours_before_poll_close=silence,
        silence_purposes=_names(raw.get("silence_purposes"), PURPOSES, f"{code}.silence_purposes"),
        silence_channels=_names(raw.get("silence_channels"), CHANNELS, f"{code}.silence_channels"),
        require_consent=_per_channel(
            raw.get("require_consent"), f"{code}.require_consent", flag, True
        ),
        frequency_cap=_per_channel(raw.get("frequency_cap"), f"{code}.frequency_cap", cap, None),
        sender_id_required=_per_channel(
            raw.get("sender_id_required"), f"{code}.sender_id_required", flag, False
        ),
        first_message_footer=_per_channel(
            raw.get("first_message_footer"), f"{code}.first_message_footer", text, ""
        ),
    )


def parse_profiles(data: Mapping[str, Any]) -> dict[str, Profile]:
    """Build and validate profiles from the decoded JSON document (keys starting with ``_``
    are comments). Raises ``ValueError`` on a malformed profile, a country listed twice, or a
    missing ``DEFAULT``."""
    result: dict[str, Profile] = {}
    seen: dict[str, str] = {}
    for code, raw in data.items():
        if code.startswith("_"):
            continue
        profile = _parse_profile(code, {k: v for k, v in raw.items() if not k.startswith("_")})
        for country in profile.countries:
            if country in seen:
                raise ValueError(f"{country} is in both {seen[country]} and {code}")
            seen[country] = code
        result[code] = profile
    if "DEFAULT" not in result:
        raise ValueError("jurisdiction profiles need a DEFAULT profile")
    return result


@functools.cache
def profiles() -> dict[str, Profile]:
    """All jurisdiction profiles by code, read once from ``data/jurisdictions.json``."""
    with DATA_FILE.open(encoding="utf-8") as fh:
        return parse_profiles(json.load(fh))


@functools.cache
def _country_index() -> dict[str, Profile]:
    return {country: p for p in profiles().values() for country in p.countries}


def profile_for(country: str | None) -> Profile:
    """The profile for an ISO 3166 alpha-2 country code; ``DEFAULT`` for unknown or ``None``."""
    key = (country or "").strip().upper()
    return _country_index().get(key) or profiles()["DEFAULT"]
