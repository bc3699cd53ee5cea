"""Row ids from outside — a query string, a form, a JSON body — checked once, here.

Every primary key is a signed 64-bit integer (``BigAutoField``), and a row id is never below 1.
A number outside that range names no row; worse, SQLite cannot even bind it (``OverflowError``)
and PostgreSQL refuses it in some lookups, so an unchecked ``?household=99999999999999999999``
was a server error. Every input that takes an id goes through one of these:

- ``parse_id`` / ``parse_ids`` for raw values (a service's own checks, a view's query string);
- ``IdField`` (a form field) and ``IdFilter`` (a django-filter filter) for the screens and the
  FilterSets the API shares;
- ``grassroots.api.fields.IdField`` / ``IdListField`` for the API's bodies (DRF).

An id out of range is "not a valid id": a form error on a screen, 400 in the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters as df
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

MIN_ID = 1
MAX_ID = 2**63 - 1  # the largest signed 64-bit integer: the top of a BigAutoField
# How an id is described in the API's schema (OpenAPI).
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": MIN_ID, "maximum": MAX_ID}


def parse_id(value: Any) -> int | None:
    """``value`` as a row id, or ``None`` when it cannot be one: not a whole number (a bool, a
    float with a fraction, text that is not digits), or outside ``MIN_ID``–``MAX_ID``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not text.isdigit() or not text.isascii() or len(text) > len(str(MAX_ID)):
            return None
        number = int(text)
    else:
        return None
    return number if MIN_ID <= number <= MAX_ID else None


def parse_ids(values: Iterable[Any]) -> tuple[list[int], list[str]]:
    """The ids among ``values`` (sorted, without repeats) and the values that are not ids
    (shortened, for a message)."""
    ids, bad = set(), []
    for value in values or ():
        number = parse_id(value)
        if number is None:
            bad.append(str(value)[:20])
        else:
            ids.add(number)
    return sorted(ids), bad


class IdField(forms.IntegerField):
    """A form field for a row id: a whole number from 1 to ``MAX_ID``."""

    default_error_messages = {"invalid": _("Not a valid id.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", MIN_ID)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("localize", False)
        super().__init__(**kwargs)
        # One message for every way a value is not an id, out of range included.
        for name in ("min_value", "max_value"):
            self.error_messages[name] = self.error_messages["invalid"]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = parse_id(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


@extend_schema_field(ID_SCHEMA)
class IdFilter(df.NumberFilter):
    """``?household=7``: a filter on a row id, bounded like ``IdField`` (an invalid one is a
    form error on a screen and 400 in the API, never a database error)."""

    field_class = IdField
