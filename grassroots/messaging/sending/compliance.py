"""The messaging compliance layer: may this message go to this person now, and if not, when?

Pure Python: no models, no database, no network. The local rules (sending hours, consent,
frequency caps, election silence periods, opt-out footers) live as data in
``data/jurisdictions.json``; this module reads them into ``Profile`` objects and applies them.

The send service builds a ``Recipient`` from what it knows about a person (latest consent for
the channel × purpose, STOP replies, suppression, how many messages went out recently, poll
closing times in the person's constituency) and calls ``decide``:

* ``send``  — go ahead now;
* ``hold``  — not now; ``until`` is the earliest UTC instant all time rules allow (exact to the
  minute, never early). Call ``decide`` again at that time: counts and consent may have changed;
* ``block`` — do not send this message (opted out, no consent, cap reached, window passed, …).

Times are judged in the recipient's local time. When the zone is uncertain (a phone number or
country that spans several zones) every candidate zone must allow the time: the conservative
choice, so nobody is woken up by a guess.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import json
import math
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from django.utils.translation import gettext as _
from phonenumbers import timezone as phone_timezone

__all__ = [
    "CHANNELS",
    "PURPOSES",
    "Blackout",
    "Decision",
    "FrequencyCap",
    "Profile",
    "Recipient",
    "Window",
    "cap_window_days",
    "channel_for_consent",
    "country_for_phone",
    "decide",
    "footer_for",
    "parse_profiles",
    "profile_for",
    "profile_for_recipient",
    "profiles",
    "recipient_country",
    "zones_for",
]

CHANNELS: tuple[str, ...] = ("sms", "whatsapp", "email", "voice")
PURPOSES: tuple[str, ...] = ("campaign", "fundraising", "volunteering", "research")
PHONE_CHANNELS = frozenset({"sms", "whatsapp", "voice"})
CONSENT_STATUSES = frozenset({"granted", "withdrawn"})

DATA_FILE = Path(__file__).resolve().parent / "data" / "jurisdictions.json"
UTC = dt.UTC
_DAY = 24 * 60
_HORIZON = dt.timedelta(days=8)  # beyond the silence periods: hours rules repeat daily

# Zones for countries the send path meets most. Countries not listed fall back to the tz
# database's zone.tab (all the country's zones), then to UTC.
_COUNTRY_ZONES: dict[str, tuple[str, ...]] = {
    "IN": ("Asia/Kolkata",),
    # The mainland + Alaska + Hawaii; the territories have their own ISO codes below.
    "US": (
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
    ),
    "PR": ("America/Puerto_Rico",),
    "GU": ("Pacific/Guam",),
    "VI": ("America/St_Thomas",),
    "AS": ("Pacific/Pago_Pago",),
    "MP": ("Pacific/Saipan",),
    "GB": ("Europe/London",),
    "AT": ("Europe/Vienna",),
    "BE": ("Europe/Brussels",),
    "BG": ("Europe/Sofia",),
    "HR": ("Europe/Zagreb",),
    "CY": ("Asia/Nicosia",),
    "CZ": ("Europe/Prague",),
    "DK": ("Europe/Copenhagen",),
    "EE": ("Europe/Tallinn",),
    "FI": ("Europe/Helsinki",),
    "FR": ("Europe/Paris",),
    "DE": ("Europe/Berlin",),
    "GR": ("Europe/Athens",),
    "HU": ("Europe/Budapest",),
    "IE": ("Europe/Dublin",),
    "IT": ("Europe/Rome",),
    "LV": ("Europe/Riga",),
    "LT": ("Europe/Vilnius",),
    "LU": ("Europe/Luxembourg",),
    "MT": ("Europe/Malta",),
    "NL": ("Europe/Amsterdam",),
    "PL": ("Europe/Warsaw",),
    "PT": ("Europe/Lisbon", "Atlantic/Madeira", "Atlantic/Azores"),
    "RO": ("Europe/Bucharest",),
    "SK": ("Europe/Bratislava",),
    "SI": ("Europe/Ljubljana",),
    "ES": ("Europe/Madrid", "Africa/Ceuta", "Atlantic/Canary"),
    "SE": ("Europe/Stockholm",),
    "BD": ("Asia/Dhaka",),
    "NP": ("Asia/Kathmandu",),
    "LK": ("Asia/Colombo",),
    "PK": ("Asia/Karachi",),
}

# Old names phonenumbers still returns; same rules, nicer in messages.
_ZONE_ALIASES = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Dacca": "Asia/Dhaka",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Godthab": "America/Nuuk",
}


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


# --- where is the recipient ----------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _parse_phone(e164: str | None) -> phonenumbers.PhoneNumber | None:
    """Parsed once per number for a batch (the country, the zones and the profile all need
    it); ``PhoneNumber`` objects are not changed by their readers."""
    if not e164:
        return None
    text = e164.strip()
    for prefix in ("whatsapp:", "tel:", "sms:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    try:
        return phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None


def country_for_phone(e164: str) -> str | None:
    """The ISO alpha-2 region of an E.164 number (``+1 787…`` → ``PR``), or ``None`` when the
    number does not parse or belongs to no single region."""
    number = _parse_phone(e164)
    if number is None:
        return None
    region = phonenumbers.region_code_for_number(number)
    if not region or region in ("001", "ZZ"):
        return None
    return region


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(_ZONE_ALIASES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


@functools.cache
def _zone_tab() -> dict[str, tuple[str, ...]]:
    """Country → zones from the tz database's ``zone.tab`` (tzdata package or system)."""
    text = None
    try:
        text = importlib.resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        for base in zoneinfo.TZPATH:
            try:
                text = (Path(base) / "zone.tab").read_text()
                break
            except OSError:
                continue
    table: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            table.setdefault(parts[0].upper(), []).append(parts[2])
    return {k: tuple(v) for k, v in table.items()}


def _unique(zones: Iterable[ZoneInfo | None]) -> tuple[ZoneInfo, ...]:
    out: list[ZoneInfo] = []
    for z in zones:
        if z is not None and z not in out:
            out.append(z)
    return tuple(out)


def _country_zones(country: str) -> tuple[ZoneInfo, ...]:
    names = _COUNTRY_ZONES.get(country) or _zone_tab().get(country) or ()
    return _unique(_zone(n) for n in names)


def _calling_code_wide(number: phonenumbers.PhoneNumber, zones: tuple[str, ...]) -> bool:
    try:
        from phonenumbers.tzdata import TIMEZONE_DATA
    except ImportError:  # pragma: no cover - data layout of another phonenumbers version
        return False
    wide = TIMEZONE_DATA.get(str(number.country_code))
    return bool(wide) and len(wide) > 1 and tuple(zones) == tuple(wide)


def zones_for(
    *, phone: str | None = None, country: str | None = None, zone: str | None = None
) -> tuple[ZoneInfo, ...]:
    """The candidate time zones of a recipient, most specific source first.

    An explicit IANA ``zone`` wins (an unknown name is ignored). Otherwise the zones
    phonenumbers gives for ``phone`` (all candidates, ``Etc/Unknown`` dropped) — unless
    ``country`` is known and the number belongs to another country, in which case the address
    country is trusted over a (portable) phone number. Otherwise the country's zones: all of
    them for a multi-zone country (US: the mainland, Alaska and Hawaii). A non-geographic
    number (``+1 800…``) gets its own country's zones, not the whole calling code's. Finally
    UTC.
    """
    if zone:
        explicit = _zone(zone.strip())
        if explicit is not None:
            return (explicit,)
    country = (country or "").strip().upper() or None
    phone_zones: tuple[ZoneInfo, ...] = ()
    number = _parse_phone(phone)
    if number is not None:
        region = phonenumbers.region_code_for_number(number)
        raw = phone_timezone.time_zones_for_number(number)
        names = [n for n in raw if n != "Etc/Unknown"]
        phone_zones = _unique(_zone(n) for n in names)
        if region and _calling_code_wide(number, raw):
            # Non-geographic (toll-free, many mobiles): phonenumbers answers with every zone of
            # the calling code (+1 = all of NANP); the number's own country is narrower.
            phone_zones = _country_zones(region) or phone_zones
        if phone_zones and (country is None or region == country):
            return phone_zones
    if country:
        zones = _country_zones(country)
        if zones:
            return zones
    return phone_zones or (ZoneInfo("UTC"),)


# --- recipients and decisions --------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """What the compliance layer needs to know about one person on one channel."""

    channel: str  # "sms" | "whatsapp" | "email" | "voice"
    address: str  # E.164 or email address
    purpose: str = "campaign"
    country: str | None = None  # from the person's address; else derived from the phone
    zone: str | None = None  # an explicit IANA zone if known
    consent: str | None = None  # latest consent for channel × purpose: granted/withdrawn/None
    opted_out: bool = False  # replied STOP on this channel (email: unsubscribed)
    do_not_contact: bool = False
    suppressed: bool = False  # suppression list / hard bounce / wrong number
    recent_count: int = 0  # messages sent on this channel within the profile's cap window
    poll_closes: tuple[dt.datetime, ...] = ()  # aware poll-closing times in their constituency

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}")
        if self.purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {self.purpose!r}")
        if self.consent not in (None, "", *CONSENT_STATUSES):
            raise ValueError(f"unknown consent status {self.consent!r}")
        for close in self.poll_closes:
            if close.tzinfo is None or close.utcoffset() is None:
                raise ValueError("poll_closes must be aware datetimes")

    @property
    def phone(self) -> str | None:
        return self.address if self.channel in PHONE_CHANNELS else None


@dataclass(frozen=True)
class Decision:
    """The answer for one message: ``send``, ``hold`` (until ``until``, aware UTC) or
    ``block``. ``code`` is machine-readable ("" for send), ``reason`` a translated sentence."""

    action: str  # "send" | "hold" | "block"
    code: str
    reason: str
    until: dt.datetime | None = None
    profile: str = ""


def channel_for_consent(channel: str) -> str:
    """The ``people.Consent`` channel that covers a messaging channel: voice → phone."""
    return "phone" if channel == "voice" else channel


def recipient_country(recipient: Recipient) -> str | None:
    """The recipient's country: the address country, else the phone number's."""
    if recipient.country:
        return recipient.country.strip().upper()
    return country_for_phone(recipient.phone) if recipient.phone else None


def profile_for_recipient(recipient: Recipient) -> Profile:
    """The profile that governs messages to this recipient."""
    return profile_for(recipient_country(recipient))


def cap_window_days(recipient_or_profile: Recipient | Profile, channel: str) -> int:
    """How many days back ``Recipient.recent_count`` must count for ``channel`` (0 = uncapped)."""
    profile = (
        recipient_or_profile
        if isinstance(recipient_or_profile, Profile)
        else profile_for_recipient(recipient_or_profile)
    )
    cap = profile.frequency_cap.get(channel)
    return cap.days if cap else 0


def footer_for(recipient: Recipient) -> str:
    """The opt-out footer the first message to this recipient must carry ("" if none)."""
    return profile_for_recipient(recipient).first_message_footer.get(recipient.channel, "")


def _channel_label(channel: str) -> str:
    return {
        "sms": _("SMS"),
        "whatsapp": _("WhatsApp"),
        "email": _("email"),
        "voice": _("voice"),
    }.get(channel, channel)


def _purpose_label(purpose: str) -> str:
    return {
        "campaign": _("campaign"),
        "fundraising": _("fundraising"),
        "volunteering": _("volunteering"),
        "research": _("research"),
    }.get(purpose, purpose)


# --- time rules ----------------------------------------------------------------------------


def _utc(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)


def _local_minute(t: dt.datetime, zone: ZoneInfo) -> int:
    local = t.astimezone(zone)
    return local.hour * 60 + local.minute


def _offset_at(seconds: int, zone: ZoneInfo) -> dt.timedelta | None:
    return dt.datetime.fromtimestamp(seconds, UTC).astimezone(zone).utcoffset()


def _next_local_minute(t: dt.datetime, zone: ZoneInfo, target: int) -> dt.datetime:
    """The first instant after ``t`` at which the local clock in ``zone`` reads ``target``
    (minutes after midnight), or — if the UTC offset changes first — the instant of that
    change, so the caller re-evaluates there. Never later than the true answer."""
    local = t.astimezone(zone)
    minute = local.hour * 60 + local.minute
    delta = (target - minute) % _DAY or _DAY
    start_of_minute = t - dt.timedelta(seconds=local.second, microseconds=local.microsecond)
    candidate = start_of_minute + dt.timedelta(minutes=delta)
    offset = local.utcoffset()
    if candidate.astimezone(zone).utcoffset() == offset:
        return candidate
    # A DST (or other) transition lies in (t, candidate]: find it to the second.
    lo, hi = math.floor(t.timestamp()), math.ceil(candidate.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_at(mid, zone) == offset:
            lo = mid
        else:
            hi = mid
    return dt.datetime.fromtimestamp(hi, UTC)


@dataclass(frozen=True)
class _Daily:
    """Allowed only while the local time in ``zone`` is inside ``window``."""

    kind: str  # "quiet_hours" | "blackout"
    zone: ZoneInfo
    window: Window  # the allowed range

    def allows(self, t: dt.datetime) -> bool:
        return self.window.contains(_local_minute(t, self.zone))

    def next_change(self, t: dt.datetime) -> dt.datetime:
        return _next_local_minute(t, self.zone, self.window.start)


@dataclass(frozen=True)
class _Silence:
    """Forbidden in ``[start, end)``: the silence period before a poll closes at ``end``."""

    start: dt.datetime
    end: dt.datetime

    def allows(self, t: dt.datetime) -> bool:
        return not self.start <= t < self.end

    def next_change(self, t: dt.datetime) -> dt.datetime:
        return self.end


def _time_rules(recipient: Recipient, profile: Profile) -> list[_Daily | _Silence]:
    channel, purpose = recipient.channel, recipient.purpose
    rules: list[_Daily | _Silence] = []
    hours = profile.allowed_hours.get(channel)
    blackout = profile.campaign_blackout
    blackout_applies = (
        blackout is not None and channel in blackout.channels and purpose in blackout.purposes
    )
    if hours is not None or blackout_applies:
        zones = zones_for(
            phone=recipient.phone, country=recipient_country(recipient), zone=recipient.zone
        )
        if hours is not None:
            rules += [_Daily("quiet_hours", z, hours) for z in zones]
        if blackout_applies:
            allowed = Window(blackout.window.end, blackout.window.start)
            rules += [_Daily("blackout", z, allowed) for z in zones]
    hours_before = profile.silence_hours_before_poll_close
    if hours_before and channel in profile.silence_channels and purpose in profile.silence_purposes:
        for close in recipient.poll_closes:
            end = close.astimezone(UTC)
            rules.append(_Silence(end - dt.timedelta(hours=hours_before), end))
    return rules


def _earliest_allowed(
    rules: list[_Daily | _Silence], now: dt.datetime, limit: dt.datetime
) -> dt.datetime | None:
    """The first instant >= ``now`` that every rule allows, or ``None`` if none before
    ``limit``. Each forbidding rule says the earliest instant it could stop forbidding; we jump
    to the latest of those (no allowed instant can lie before it) and check again."""
    t = now
    while t <= limit:
        blocking = [r for r in rules if not r.allows(t)]
        if not blocking:
            return t
        t = max(r.next_change(t) for r in blocking)
    return None


def _describe_instant(t: dt.datetime, zone: ZoneInfo, now: dt.datetime) -> str:
    local = t.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M %Z")
    return local.strftime("%Y-%m-%d %H:%M %Z")


def _zone_list(zones: list[ZoneInfo]) -> str:
    names = [z.key for z in zones]
    if len(names) <= 3:
        return ", ".join(names)
    return _("%(zones)s and %(count)d more") % {
        "zones": ", ".join(names[:3]),
        "count": len(names) - 3,
    }


def _block(code: str, reason: str, profile: Profile) -> Decision:
    return Decision("block", code, reason, None, profile.code)


def decide(
    recipient: Recipient,
    *,
    now: dt.datetime,
    expires_at: dt.datetime | None = None,
    channel_cap: bool = True,
) -> Decision:
    """Decide whether a message may go to ``recipient`` at ``now`` (aware).

    Checks in order: do-not-contact, opted out, suppressed, consent withdrawn, consent required
    but missing, frequency cap (skipped when ``channel_cap`` is false) — each a ``block`` —
    then the time rules: allowed hours in every candidate zone, the campaign blackout and the
    pre-poll silence period. If a time rule forbids ``now`` the answer is ``hold`` with
    ``until`` = the earliest instant (UTC, exact to the minute) at which all time rules allow
    sending; if that is after ``expires_at`` the answer is ``block``/``window_passed``.
    """
    now = _utc(now, "now")
    expires = _utc(expires_at, "expires_at") if expires_at is not None else None
    profile = profile_for_recipient(recipient)
    channel, purpose = recipient.channel, recipient.purpose

    class _Labels(dict):
        """The translated labels, made only when a reason is written (not for a "send")."""

        def __missing__(self, key: str) -> str:
            value = {
                "channel": _channel_label,
                "purpose": _purpose_label,
                "profile": lambda _v: profile.name,
            }[key](channel if key == "channel" else purpose)
            self[key] = value
            return value

    params = _Labels()

    if recipient.do_not_contact:
        return _block("do_not_contact", _("This person is marked do not contact."), profile)
    if recipient.opted_out:
        if channel == "email":
            reason = _("This person unsubscribed from email.")
        else:
            reason = _("This person opted out of %(channel)s messages.") % params
        return _block("opted_out", reason, profile)
    if recipient.suppressed:
        reason = _("This address is suppressed (suppression list, hard bounce or wrong number).")
        return _block("suppressed", reason, profile)
    if recipient.consent == "withdrawn":
        reason = _("This person withdrew consent to %(purpose)s messages by %(channel)s.")
        return _block("consent_withdrawn", reason % params, profile)
    if profile.require_consent.get(channel, True) and recipient.consent != "granted":
        reason = _(
            "%(profile)s rules require recorded consent for %(purpose)s messages by "
            "%(channel)s, and there is none."
        )
        return _block("no_consent", reason % params, profile)
    cap = profile.frequency_cap.get(channel)
    if channel_cap and cap is not None and recipient.recent_count >= cap.count:
        reason = _(
            "This person already had %(sent)d %(channel)s messages in the last %(days)d days "
            "(limit %(limit)d)."
        ) % {
            "channel": params["channel"],
            "sent": recipient.recent_count,
            "days": cap.days,
            "limit": cap.count,
        }
        return _block("frequency_cap", reason, profile)

    rules = _time_rules(recipient, profile)
    limit = now + _HORIZON
    limit += sum((r.end - r.start for r in rules if isinstance(r, _Silence)), dt.timedelta())
    until = _earliest_allowed(rules, now, limit)
    if until is None:
        zones = _unique(r.zone for r in rules if isinstance(r, _Daily))
        reason = _(
            "No time in the next %(days)d days is within the sending hours in all of %(zones)s."
        ) % {"days": (limit - now).days, "zones": _zone_list(list(zones))}
        return _block("window_passed", reason, profile)
    if expires is not None and until > expires:
        display = _unique(r.zone for r in rules if isinstance(r, _Daily)) or (ZoneInfo("UTC"),)
        reason = _(
            "The earliest allowed time (%(until)s) is after this message expires (%(expires)s)."
        ) % {
            "until": _describe_instant(until, display[0], now),
            "expires": _describe_instant(expires, display[0], now),
        }
        return _block("window_passed", reason, profile)
    if until == now:
        return Decision("send", "", "", None, profile.code)

    blocking = [r for r in rules if not r.allows(now)]
    silence = [r for r in blocking if isinstance(r, _Silence)]
    daily = [r for r in blocking if isinstance(r, _Daily)]
    all_zones = _unique(r.zone for r in rules if isinstance(r, _Daily))
    display_zone = daily[0].zone if daily else (all_zones[0] if all_zones else ZoneInfo("UTC"))
    when = _describe_instant(until, display_zone, now)
    if silence:
        close = max(r.end for r in silence)
        reason = _(
            "Election silence period: polls close at %(close)s and no %(purpose)s messages may "
            "go in the %(hours)d hours before; held until %(until)s."
        ) % {
            "purpose": params["purpose"],
            "close": _describe_instant(close, display_zone, now),
            "hours": profile.silence_hours_before_poll_close,
            "until": when,
        }
        return Decision("hold", "silence_period", reason, until, profile.code)
    quiet = [r for r in daily if r.kind == "quiet_hours"]
    if quiet:
        reason = _("Quiet hours in %(zones)s (allowed %(start)s–%(end)s); held until %(until)s.")
        window = quiet[0].window
        zones = list(_unique(r.zone for r in quiet))
    else:
        reason = _(
            "Campaign blackout in %(zones)s (no campaign messages %(start)s–%(end)s); "
            "held until %(until)s."
        )
        assert profile.campaign_blackout is not None
        window = profile.campaign_blackout.window
        zones = list(_unique(r.zone for r in daily))
    reason %= {
        "zones": _zone_list(zones),
        "start": window.start_text,
        "end": window.end_text,
        "until": when,
    }
    return Decision("hold", "quiet_hours", reason, until, profile.code)
