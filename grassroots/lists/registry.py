"""The segment filter registry: every app adds the filters it knows about in ``ready()``.

A filter turns cleaned parameters into a ``Q`` on ``people.Person``; the compiler combines them
with AND / OR / NOT, so a whole segment is one SQL query. Later apps register theirs (survey
answers, donations, event attendance) without touching this one::

    from grassroots.lists.registry import Filter, Param, filters

    filters.register(Filter(
        key="donated", label=_("Donated"), group=_("Money"),
        params=[Param("min_amount", "int", _("At least"), min_value=1)],
        build=lambda p, ctx: Q(Exists(Donation.objects.filter(person_id=OuterRef("pk"), ...))),
    ))

Parameter kinds: ``int``, ``float``, ``text``, ``bool``, ``date``, ``choice`` (one of
``choices``), ``multi`` (a list of ``choices``), ``areas`` (a list of area codes), ``tags``
(a list of tag slugs). ``choices`` may be a callable (read when the form or API asks); one that
takes an ``actor`` argument gets the user asking (``None`` for the system), so it can offer only
the rows in their scope (``canvassing``'s efforts). See docs/guide/segments.md, "Adding a filter".
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

KINDS = {"int", "float", "text", "bool", "date", "choice", "multi", "areas", "tags"}


@dataclass
class Context:
    """What a filter may need besides its parameters: who asks and "now"."""

    actor: Any = None
    today: dt.date | None = None
    now: dt.datetime | None = None


@dataclass
class Param:
    name: str
    kind: str
    label: Any
    required: bool = True
    default: Any = None
    choices: Sequence[tuple[str, Any]] | Callable[[], Sequence[tuple[str, Any]]] | None = None
    min_value: float | None = None
    max_value: float | None = None
    help: Any = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r}")

    def choice_list(self, actor: Any = None) -> list[tuple[str, Any]]:
        if callable(self.choices):
            scoped = "actor" in inspect.signature(self.choices).parameters
            c = self.choices(actor=actor) if scoped else self.choices()
        else:
            c = self.choices
        return [(str(k), v) for k, v in (c or [])]

    def clean(self, raw: Any, actor: Any = None) -> Any:
        """The value to give the filter, or a ``ValueError`` with a message for the user."""
        empty = raw is None or raw == "" or raw == []
        if empty:
            if self.required and self.default is None:
                raise ValueError(_("required"))
            return self.default
        kind = self.kind
        if kind in ("int", "float"):
            try:
                value = int(raw) if kind == "int" else float(raw)
            except (TypeError, ValueError):
                raise ValueError(_("a number is needed")) from None
            if self.min_value is not None and value < self.min_value:
                raise ValueError(_("at least %(n)s") % {"n": self.min_value})
            if self.max_value is not None and value > self.max_value:
                raise ValueError(_("at most %(n)s") % {"n": self.max_value})
            return value
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(_("yes or no"))
        if kind == "date":
            try:
                return dt.date.fromisoformat(str(raw)[:10])
            except ValueError:
                raise ValueError(_("a date like 2026-03-31 is needed")) from None
        if kind == "text":
            return str(raw).strip()[:200]
        values = raw if isinstance(raw, list | tuple) else [raw]
        values = [str(v).strip() for v in values if str(v).strip()]
        if len(values) > 500:
            raise ValueError(_("too many values"))
        if kind == "choice":
            allowed = {k for k, _l in self.choice_list(actor)}
            if values[0] not in allowed:
                raise ValueError(_("“%(v)s” is not one of the choices") % {"v": values[0]})
            return values[0]
        if kind == "multi":
            allowed = {k for k, _l in self.choice_list(actor)}
            bad = [v for v in values if v not in allowed]
            if bad:
                raise ValueError(_("“%(v)s” is not one of the choices") % {"v": bad[0]})
            return values
        return values  # areas, tags: checked by the filter against the database


@dataclass
class Filter:
    key: str
    label: Any
    build: Callable[[dict[str, Any], Context], Q]
    params: list[Param] = field(default_factory=list)
    group: Any = ""
    help: Any = ""
    order: int = 100

    def clean(self, params: dict[str, Any] | None, actor: Any = None) -> dict[str, Any]:
        params = params if isinstance(params, dict) else {}
        cleaned, errors = {}, {}
        for p in self.params:
            try:
                cleaned[p.name] = p.clean(params.get(p.name), actor)
            except ValueError as exc:
                errors[p.name] = f"{p.label}: {exc}"
        unknown = sorted(set(params) - {p.name for p in self.params})
        if unknown:
            errors["_"] = _("unknown parameter “%(p)s”") % {"p": unknown[0]}
        if errors:
            raise ValidationError(errors)
        return cleaned

    def describe(self, actor: Any = None) -> dict[str, Any]:
        """The filter and its parameters as the API and the builder list them (the choices
        ``actor`` may pick)."""
        return {
            "key": self.key,
            "label": str(self.label),
            "group": str(self.group),
            "help": str(self.help),
            "params": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "label": str(p.label),
                    "required": p.required and p.default is None,
                    "default": p.default.isoformat()
                    if isinstance(p.default, dt.date)
                    else p.default,
                    "choices": [[k, str(v)] for k, v in p.choice_list(actor)]
                    if p.choices
                    else None,
                    "min": p.min_value,
                    "max": p.max_value,
                    "help": str(p.help),
                }
                for p in self.params
            ],
        }


class FilterRegistry:
    def __init__(self):
        self._filters: dict[str, Filter] = {}

    def register(self, f: Filter) -> Filter:
        existing = self._filters.get(f.key)
        if existing is not None and existing is not f and existing.build is not f.build:
            raise ValueError(f"a segment filter {f.key!r} is already registered")
        self._filters[f.key] = f
        return f

    def get(self, key: str) -> Filter | None:
        return self._filters.get(key)

    def __iter__(self):
        return iter(sorted(self._filters.values(), key=lambda f: (f.order, f.key)))

    def __contains__(self, key: str) -> bool:
        return key in self._filters


filters = FilterRegistry()
