"""Where a recipient is: the country of a phone number, the candidate time zones of a
recipient (the conservative answer when a number or country spans several zones).

Pure Python: no models, no database, no network."""

from __future__ import annotations

import functools
import importlib.resources
import zoneinfo
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_timezone

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


def unique_zones(zones: Iterable[ZoneInfo | None]) -> tuple[ZoneInfo, ...]:
    out: list[ZoneInfo] = []
    for z in zones:
        if z is not None and z not in out:
            out.append(z)
    return tuple(out)


def _country_zones(country: str) -> tuple[ZoneInfo, ...]:
    names = _COUNTRY_ZONES.get(country) or _zone_tab().get(country) or ()
    return unique_zones(_zone(n) for n in names)


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
        phone_zones = unique_zones(_zone(n) for n in names)
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
