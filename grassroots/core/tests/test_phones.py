"""``core.phones``: numbers to E.164 with their kind, emails lower-cased, messages one can act on."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from grassroots.core import phones


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+91 98300 12345", None, ("+919830012345", "mobile")),
        ("098300 12345", None, ("+919830012345", "mobile")),  # the default region (IN)
        ("  9830012345 ", "IN", ("+919830012345", "mobile")),
        ("020 7946 0018", "GB", ("+442079460018", "landline")),
    ],
)
def test_normalize_phone(raw, region, expected):
    assert phones.normalize_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter a phone number."),
        ("   ", "Enter a phone number."),
        ("9" * 41, "too long"),
        ("call me", "is not a phone number"),
        ("+91 12345", "not a valid phone number for India (+91)"),
        ("+44 1234", "not a valid phone number for the United Kingdom (+44)"),
        ("+1 555 0000", "not a valid phone number for the country code +1."),
        ("+998 12", "not a valid phone number for the country code +998."),
    ],
)
def test_normalize_phone_refuses_with_a_message(raw, message):
    with pytest.raises(ValidationError) as exc:
        phones.normalize_phone(raw)
    assert message in exc.value.messages[0]


def test_an_invalid_number_is_worded_without_loading_the_geocoder_data():
    """The geocoder's data (every prefix's place name) took 12–15 s to load in a busy process,
    only to name the country in this message. A fresh interpreter refuses an invalid number
    and has not imported it."""
    code = (
        "import sys, django\n"
        "django.setup()\n"
        "from django.core.exceptions import ValidationError\n"
        "from grassroots.core import phones\n"
        "for raw in ['+91 12345', '+44 1234', '+1 555 0000']:\n"
        "    try:\n"
        "        phones.normalize_phone(raw)\n"
        "    except ValidationError as exc:\n"
        "        print(exc.messages[0])\n"
        "print(sorted(m for m in sys.modules if m.startswith('phonenumbers.geo')))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "grassroots.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.splitlines()
    assert out[0] == "“+91 12345” is not a valid phone number for India (+91)."
    assert out[-1] == "[]"


def test_the_invalid_number_message_is_in_the_readers_language():
    with translation.override("hi"), pytest.raises(ValidationError) as exc:
        phones.normalize_phone("+91 12345")
    assert "भारत" in exc.value.messages[0]
    with translation.override("it"), pytest.raises(ValidationError) as exc:
        phones.normalize_phone("+44 1234")
    assert "Regno Unito" in exc.value.messages[0]


def test_try_normalize_phone_returns_none_instead_of_raising():
    assert phones.try_normalize_phone("+91 98300 12345") == "+919830012345"
    assert phones.try_normalize_phone("nonsense") is None
    assert phones.try_normalize_phone("") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ananya.Das@Example.ORG ", "ananya.das@example.org"),
        ("first+tag@sub.example.co.in", "first+tag@sub.example.co.in"),
        ("Ünïcode@Exämple.org", "ünïcode@exämple.org"),  # the full validator's path
    ],
)
def test_normalize_email(raw, expected):
    assert phones.normalize_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not-an-email", "is not a valid email address"),
        ("a@b", "is not a valid email address"),
        ("x" * 250 + "@example.org", "too long"),
        ("", "is not a valid email address"),
    ],
)
def test_normalize_email_refuses_with_a_message(raw, message):
    with pytest.raises(ValidationError) as exc:
        phones.normalize_email(raw)
    assert message in exc.value.messages[0]


def test_simple_and_full_validator_agree_on_plain_addresses():
    for raw in ["a.b@example.org", "A_B-c@mail.example.com", "x@y.in"]:
        assert (
            phones.normalize_email(raw)
            == phones.validate_email(raw, check_deliverability=False).normalized.lower()
        )


def test_format_phone():
    assert phones.format_phone("+919830012345") == "+91 98300 12345"
    assert phones.format_phone("garbage") == "garbage"
