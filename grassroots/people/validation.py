"""Field rules shared by forms, the API and imports (messages are the user-facing ones)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.in_ import epic

_FORBIDDEN = re.compile(r"[<>{}\[\]\\\"`;=]|https?://", re.IGNORECASE)


def clean_name(value: str, label: str, max_length: int = 100, required: bool = False) -> str:
    text = unicodedata.normalize("NFC", (value or "")).strip()
    text = re.sub(r"\s+", " ", text)
    if required and not text:
        raise ValidationError(_("%(label)s is required.") % {"label": label})
    if len(text) > max_length:
        raise ValidationError(
            _("%(label)s is too long (%(n)d characters; at most %(max)d).")
            % {"label": label, "n": len(text), "max": max_length}
        )
    if _FORBIDDEN.search(text) or any(unicodedata.category(c) == "Cc" for c in text):
        raise ValidationError(
            _(
                '%(label)s contains characters a name cannot have (< > { } [ ] \\ " ` ; = or a link).'
            )
            % {"label": label}
        )
    return text


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def clean_birth(birth_date: dt.date | None, age: int | None, age_as_of: dt.date | None):
    """Validate birth date / age; return ``born_estimate`` (the date used for age filters)."""
    today = timezone.localdate()
    if birth_date is not None:
        if birth_date > today:
            raise ValidationError({"birth_date": _("The birth date is in the future.")})
        if birth_date < years_before(today, 125):
            raise ValidationError({"birth_date": _("The birth date is more than 125 years ago.")})
        return birth_date
    if age is not None:
        if not 0 <= age <= 125:
            raise ValidationError({"age": _("Age must be between 0 and 125.")})
        as_of = age_as_of or today
        if as_of > today:
            raise ValidationError({"age_as_of": _("The as-of date is in the future.")})
        # Mid-point estimate: born between as_of-(age+1)y and as_of-age y.
        return years_before(as_of, age) - dt.timedelta(days=182)
    return None


_NAMESPACE = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")


def clean_external_id(namespace: str, value: str) -> tuple[str, str]:
    ns = (namespace or "").strip().lower()
    val = (value or "").strip()
    if not _NAMESPACE.match(ns):
        raise ValidationError(
            _("“%(ns)s” is not a valid identifier namespace (lower-case letters, digits, - and _).")
            % {"ns": ns[:40]}
        )
    if not val or len(val) > 100 or any(c.isspace() for c in val):
        raise ValidationError(_("The identifier must be 1–100 characters without spaces."))
    if ns == "epic":
        try:
            val = epic.validate(val)
        except StdnumError:
            raise ValidationError(
                _(
                    "“%(value)s” is not a valid EPIC number (3 letters and 7 digits with a check digit)."
                )
                % {"value": val}
            )
    return ns, val


def parse_external_id(text: str) -> tuple[str, str]:
    """``epic:ABC1234567`` → (namespace, value)."""
    if ":" not in (text or ""):
        raise ValidationError(_("Write identifiers as namespace:value, e.g. epic:ABC1234560."))
    ns, _sep, val = text.partition(":")
    return clean_external_id(ns, val)


def address_part_key(value: Any) -> str:
    """One part of an address as doors are compared: case, spacing and punctuation aside."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).casefold()
    return re.sub(r"[\s.,#/-]+", " ", text).strip()


def address_match_key(address: dict[str, Any]) -> str:
    """How one door is recognised again: case, spacing and punctuation do not matter."""
    parts = [
        address_part_key(address.get(k))
        for k in ("house_number", "street", "line2", "locality", "city", "postal_code")
    ]
    return "|".join(parts)[:400] if any(parts) else ""
