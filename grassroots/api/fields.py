"""The API's field types for row ids (see ``grassroots.core.ids``): every id in a body is an
``IdField`` (1 to 2⁶³−1), every list of ids an ``IdListField``; out of range is 400."""

from __future__ import annotations

from rest_framework import serializers

from grassroots.core.ids import MAX_ID, MIN_ID


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
