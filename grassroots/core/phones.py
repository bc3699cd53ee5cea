"""Phone and email normalisation shared by every app."""

from __future__ import annotations

import os
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = os.environ.get("GRASSROOTS_DEFAULT_REGION", "IN")

# Country names for the error message, in the reader's language. ``phonenumbers.geocoder`` would
# name every country, but only in English and by loading its whole geographic data set (12–15 s
# of a busy process, on the first invalid number): the message must not cost that. A country
# not listed is named by its calling code alone.
COUNTRY_NAMES = {
    "IN": pgettext_lazy("phone number for", "India"),
    "BD": pgettext_lazy("phone number for", "Bangladesh"),
    "NP": pgettext_lazy("phone number for", "Nepal"),
    "LK": pgettext_lazy("phone number for", "Sri Lanka"),
    "PK": pgettext_lazy("phone number for", "Pakistan"),
    "US": pgettext_lazy("phone number for", "the United States"),
    "CA": pgettext_lazy("phone number for", "Canada"),
    "GB": pgettext_lazy("phone number for", "the United Kingdom"),
    "IE": pgettext_lazy("phone number for", "Ireland"),
    "IT": pgettext_lazy("phone number for", "Italy"),
    "FR": pgettext_lazy("phone number for", "France"),
    "DE": pgettext_lazy("phone number for", "Germany"),
    "ES": pgettext_lazy("phone number for", "Spain"),
    "AU": pgettext_lazy("phone number for", "Australia"),
    "NZ": pgettext_lazy("phone number for", "New Zealand"),
    "AE": pgettext_lazy("phone number for", "the United Arab Emirates"),
    "SG": pgettext_lazy("phone number for", "Singapore"),
}


def invalid_number_message(text: str, number: phonenumbers.PhoneNumber) -> str:
    """Why ``number`` (parsed from ``text``) is refused, naming its country from the calling
    code's metadata (already loaded to parse it), never from the geocoder's data."""
    name = None
    if number.country_code != 1:  # +1 is shared by the US, Canada and the Caribbean
        name = COUNTRY_NAMES.get(phonenumbers.region_code_for_country_code(number.country_code))
    if name is None:
        return _("“%(value)s” is not a valid phone number for the country code +%(code)s.") % {
            "value": text,
            "code": number.country_code,
        }
    return _("“%(value)s” is not a valid phone number for %(country)s (+%(code)s).") % {
        "value": text,
        "country": name,
        "code": number.country_code,
    }


def normalize_phone(raw: str, region: str | None = None) -> tuple[str, str]:
    """Return ``(E.164, kind)`` where kind is ``mobile``, ``landline`` or ``""``.

    Raises ``ValidationError`` with a message a person can act on.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter a phone number."))
    if len(text) > 40:
        raise ValidationError(_("That phone number is too long."))
    try:
        number = phonenumbers.parse(text, region or DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("“%(value)s” is not a phone number. Use digits, with +country code if not local.")
            % {"value": text}
        )
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(invalid_number_message(text, number))
    kind_map = {
        phonenumbers.PhoneNumberType.MOBILE: "mobile",
        phonenumbers.PhoneNumberType.FIXED_LINE: "landline",
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "",
    }
    kind = kind_map.get(phonenumbers.number_type(number), "")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), kind


def try_normalize_phone(raw: str, region: str | None = None) -> str | None:
    try:
        return normalize_phone(raw, region)[0]
    except ValidationError:
        return None


# Plain ASCII addresses (nearly all) skip the full validator: same answer, 20× faster.
_SIMPLE_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?=.{4,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def normalize_email(raw: str) -> str:
    text = (raw or "").strip()
    if len(text) <= 254 and _SIMPLE_EMAIL.match(text) and len(text.split("@")[0]) <= 64:
        return text.lower()
    if len(text) > 254:
        raise ValidationError(_("That email address is too long."))
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(
            _("“%(value)s” is not a valid email address: %(reason)s")
            % {"value": text[:80], "reason": str(exc)}
        )
    return result.normalized.lower()


def format_phone(e164: str) -> str:
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164
