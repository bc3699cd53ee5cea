"""Segment definitions: their shape, their validation, and their compilation to one ``Q``.

A definition is JSON, the same from the builder, the API and storage::

    {"steps": [
        {"action": "add", "group": {"match": "all", "items": [
            {"filter": "area", "params": {"areas": ["IN-WB-AC158-P003"]}},
            {"filter": "age", "params": {"min": 18, "max": 35}},
            {"filter": "contacted", "params": {"days": 30}, "negate": true},
            {"match": "any", "items": [{"list": 7}, {"segment": 3}]}
        ]}},
        {"action": "remove", "group": {"match": "all", "items": [{"filter": "do_not_contact"}]}},
        {"action": "narrow", "group": {"match": "all", "items": [
            {"filter": "reachable", "params": {"channel": "sms"}}]}}
    ]}

Steps work like VAN's "Create a List": *add* people matching the group, *remove* people
matching it, *narrow* to people matching it; they apply in order, starting from nobody (a first
*remove* or *narrow* starts from everyone). No steps at all means everyone. A group matches
``all`` (AND) or ``any`` (OR) of its items; any item or group may be ``negate``\\ d (NOT).
Items may be a registered filter, a static list (``{"list": id}``) or another segment
(``{"segment": id}``): union, intersection and difference of lists and segments are groups.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from grassroots.core.ids import parse_id
from grassroots.lists.registry import Context, filters

ACTIONS = ("add", "remove", "narrow")
MAX_DEPTH = 6
MAX_ITEMS = 200
NOBODY = Q(pk__in=[])


class DefinitionError(ValidationError):
    """A definition that cannot be compiled; ``messages`` say where and why."""


def empty_definition() -> dict[str, Any]:
    return {"steps": [{"action": "add", "group": {"match": "all", "items": []}}]}


class Compiler:
    def __init__(self, ctx: Context, *, resolve_list=None, resolve_segment=None):
        self.ctx = ctx
        self.resolve_list = resolve_list  # id -> Q or None (missing / not visible)
        self.resolve_segment = resolve_segment  # id -> definition dict or None
        self.errors: list[str] = []
        self.count = 0
        self._stack: list[int] = []

    def compile(self, definition: Any, *, segment_id: int | None = None) -> Q:
        """``segment_id``: the segment this definition is (to be) saved as, so a reference back
        to it, directly or through other segments, is refused as a cycle."""
        if segment_id is not None:
            self._stack.append(segment_id)
        if not isinstance(definition, dict) or not isinstance(definition.get("steps", []), list):
            raise DefinitionError(_("A segment definition needs a list of steps."))
        steps = definition.get("steps") or []
        result: Q | None = None
        for i, step in enumerate(steps, start=1):
            where = _("Step %(n)s") % {"n": i}
            if not isinstance(step, dict) or step.get("action") not in ACTIONS:
                self.errors.append(f"{where}: " + _("the action must be add, remove or narrow."))
                continue
            group = self._group(step.get("group") or {}, where, 1)
            action = step["action"]
            if action == "add":
                result = group if result is None else (result | group)
            elif action == "remove":
                result = (Q() if result is None else result) & ~group
            else:
                result = group if result is None else (result & group)
        if self.errors:
            raise DefinitionError(self.errors)
        return Q() if result is None else result

    def _group(self, group: Any, where: str, depth: int) -> Q:
        if not isinstance(group, dict):
            self.errors.append(f"{where}: " + _("a group must be an object."))
            return NOBODY
        if depth > MAX_DEPTH:
            self.errors.append(f"{where}: " + _("groups are nested too deeply."))
            return NOBODY
        match = group.get("match", "all")
        if match not in ("all", "any"):
            self.errors.append(f"{where}: " + _("a group matches all or any of its items."))
            return NOBODY
        items = group.get("items") or []
        if not isinstance(items, list):
            self.errors.append(f"{where}: " + _("a group's items must be a list."))
            return NOBODY
        parts = []
        for j, item in enumerate(items, start=1):
            self.count += 1
            if self.count > MAX_ITEMS:
                self.errors.append(
                    _("A segment may have at most %(n)s conditions.") % {"n": MAX_ITEMS}
                )
                return NOBODY
            label = f"{where}.{j}"
            if isinstance(item, dict) and "items" in item:
                parts.append(self._group(item, label, depth + 1))
            else:
                parts.append(self._item(item, label))
        if not parts:
            q = Q()  # an empty group matches everyone
        elif match == "all":
            q = parts[0]
            for part in parts[1:]:
                q &= part
        else:
            q = parts[0]
            for part in parts[1:]:
                q |= part
        return ~q if group.get("negate") and parts else q

    def _item(self, item: Any, where: str) -> Q:
        if not isinstance(item, dict):
            self.errors.append(f"{where}: " + _("a condition must be an object."))
            return NOBODY
        negate = bool(item.get("negate"))
        if "filter" in item:
            f = filters.get(str(item["filter"]))
            if f is None:
                self.errors.append(
                    f"{where}: " + _("unknown filter “%(f)s”.") % {"f": item["filter"]}
                )
                return NOBODY
            try:
                params = f.clean(item.get("params"), self.ctx.actor)
                q = f.build(params, self.ctx)
            except ValidationError as exc:
                detail = "; ".join(
                    m
                    for msgs in getattr(exc, "message_dict", {"": exc.messages}).values()
                    for m in msgs
                )
                self.errors.append(f"{where} ({f.label}): {detail}")
                return NOBODY
        elif "list" in item:
            q = self._ref(item["list"], where, "list")
        elif "segment" in item:
            q = self._ref(item["segment"], where, "segment")
        else:
            self.errors.append(f"{where}: " + _("a condition needs a filter, a list or a segment."))
            return NOBODY
        return ~q if negate else q

    def _ref(self, raw: Any, where: str, kind: str) -> Q:
        pk = parse_id(raw)
        if pk is None:
            self.errors.append(f"{where}: " + _("not a valid id."))
            return NOBODY
        if kind == "list":
            q = self.resolve_list(pk) if self.resolve_list else None
            if q is None:
                self.errors.append(f"{where}: " + _("list %(id)s does not exist.") % {"id": pk})
                return NOBODY
            return q
        if pk in self._stack:
            self.errors.append(f"{where}: " + _("segment %(id)s refers to itself.") % {"id": pk})
            return NOBODY
        definition = self.resolve_segment(pk) if self.resolve_segment else None
        if definition is None:
            self.errors.append(f"{where}: " + _("segment %(id)s does not exist.") % {"id": pk})
            return NOBODY
        self._stack.append(pk)
        try:
            inner = Compiler(
                self.ctx, resolve_list=self.resolve_list, resolve_segment=self.resolve_segment
            )
            inner._stack = self._stack
            return inner.compile(definition)
        except DefinitionError as exc:
            self.errors.append(
                f"{where}: " + _("segment %(id)s: %(e)s") % {"id": pk, "e": " ".join(exc.messages)}
            )
            return NOBODY
        finally:
            self._stack.pop()
