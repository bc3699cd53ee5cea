"""The API's field types for row ids (see ``grassroots.core.ids``): every id in a body is an
``IdField`` (1 to 2⁶³−1), every list of ids an ``IdListField``, every reference to a row an
``IdRelatedField`` (a serializer's ``serializer_related_field``); out of range is 400."""

from __future__ import annotations

import datetime as dt

import django_filters as df
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from grassroots.core.ids import ID_SCHEMA, MAX_ID, MIN_ID, parse_id


class IdField(serializers.IntegerField):
    """A row id: a whole number from 1 to 2⁶³−1 (the schema says so: ``int64`` with bounds)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", MIN_ID)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):  # JSON true is not the id 1
            self.fail("invalid")
        return super().to_internal_value(data)


class IdListField(serializers.ListField):
    """A list of row ids (``max_length`` bounds how many)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", IdField())
        super().__init__(**kwargs)


@extend_schema_field(ID_SCHEMA)
class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A row named by its id. Not an id (``true``, ``1.5``, text) is a wrong type; an id out of
    range is "does not exist", like a missing row or one outside the caller's areas."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if parse_id(data) is None:
            if isinstance(data, str) and not data.strip().isdigit():
                self.fail("incorrect_type", data_type="str")
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(parse_id(data))


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul(value):
    """A NUL character (``\\u0000``) anywhere in a JSON value is refused (400): PostgreSQL
    cannot store it in ``jsonb`` or text, and no real text has one."""
    if _has_nul(value):
        raise serializers.ValidationError("Null characters are not allowed.")
    return value


class JSONField(serializers.JSONField):
    """A JSON value (object, list, text…) without NUL characters (see ``refuse_nul``)."""

    def to_internal_value(self, data):
        return refuse_nul(super().to_internal_value(data))


class UtcDateTimeFilter(df.IsoDateTimeFilter):
    """An ISO date-time filter that compares in UTC. A time with any offset Python accepts
    (``+21:07``) is valid ISO, but PostgreSQL refuses offsets beyond ±15:59 — which was a 500 on
    PostgreSQL and a different answer on SQLite. Converted to UTC, it is the same instant; one
    that falls outside the years a date can hold is a 400."""

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            try:
                value = value.astimezone(dt.UTC)
            except OverflowError:
                raise ValidationError(
                    {self.field_name: ["A date and time within years 1 to 9999."]}
                )
        return super().filter(qs, value)


class SlugRefField(serializers.SlugRelatedField):
    """A related object named by a slug or code. A name with a NUL character is "does not
    exist" (400) before any lookup: PostgreSQL cannot even compare such a string (a 500 there,
    found by the fuzz run)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)
