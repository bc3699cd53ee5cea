"""Mapping options that need the database: what an import does with an area code or an
election code Grassroots does not have yet.

``options.unknown_area`` is ``reject`` (the default: the row is rejected), ``leave_empty``
(the person is imported without an area; an existing person keeps theirs) or ``create`` (a
first load: the area is created under ``new_areas_under``, named by its code, of the kind
``new_area_kind``, else that of the parent's areas, else the polling-unit kind). ``options.unknown_election`` is ``reject``
or ``create`` (the election is created in ``new_elections_in`` — or ``new_areas_under``, or
the top of the tree — named by ``election_name`` or its code, on the vote column's
``election_date``, else on 1 January of the year in its code).

``options.keep_repeated`` is ``later`` (the default: of a voter's rows in one file the later
is kept) or ``newest`` (the row with the newest date in the column ``newest_by``, a column
mapped to a date field; the engine reads those dates in a first pass over the file).

``options_check`` runs when an import is registered (screens, API, command line): creating
needs ``geography.edit`` and the areas named must exist in the actor's scope.
``MissingReferences`` is what the engine calls for the codes it did not find.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError

from grassroots.core import access
from grassroots.geography import services as geo_services
from grassroots.geography.models import Area, AreaKind, Election
from grassroots.people.imports.mapping import newest_by
from grassroots.people.models import CustomField

GEO_EDIT = "geography.edit"
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")
YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
KIND_WORDS = (
    ("primary", Election.Kind.PRIMARY),
    ("runoff", Election.Kind.RUNOFF),
    ("by-election", Election.Kind.BY_ELECTION),
    ("bye", Election.Kind.BY_ELECTION),
    ("local", Election.Kind.LOCAL),
    ("municipal", Election.Kind.LOCAL),
    ("referendum", Election.Kind.REFERENDUM),
)


def vote_columns(mapping: dict) -> dict[str, dict]:
    """election code → the column's settings (``election_date``, ``election_name``…)."""
    out = {}
    for spec in ((mapping or {}).get("columns") or {}).values():
        target = spec if isinstance(spec, str) else (spec or {}).get("target", "")
        if isinstance(target, str) and target.startswith("vote:"):
            out[target[5:]] = spec if isinstance(spec, dict) else {}
    return out


def new_area_kind(options: dict, parent: Area | None = None) -> AreaKind | None:
    """The kind named by ``new_area_kind``; else the kind the parent's areas already have;
    else the booth/precinct kind (the first polling-unit kind)."""
    code = options.get("new_area_kind")
    if code:
        return AreaKind.objects.filter(code=code).first()
    if parent is not None:
        sibling = Area.objects.filter(parent=parent).order_by("pk").first()
        if sibling is not None:
            return sibling.kind
    return AreaKind.objects.filter(is_polling_unit=True).order_by("sort_order", "pk").first()


def election_area(options: dict) -> Area | None:
    code = options.get("new_elections_in") or options.get("new_areas_under")
    if code:
        return Area.objects.filter(code=code).first()
    tops = list(Area.objects.filter(parent__isnull=True)[:2])
    return tops[0] if len(tops) == 1 else None


def election_date(code: str, spec: dict) -> dt.date | None:
    if spec.get("election_date"):
        return dt.date.fromisoformat(str(spec["election_date"]))
    m = YEAR.search(code)
    return dt.date(int(m.group(1)), 1, 1) if m else None


def election_kind(code: str) -> str:
    text = code.casefold()
    return next((kind for word, kind in KIND_WORDS if word in text), Election.Kind.GENERAL)


def options_check(*, actor: Any, mapping: dict) -> None:
    """Refuse (``Forbidden``, or ``ValidationError`` naming the option) options to create
    areas or elections that this actor may not use or that name areas we do not have."""
    options = (mapping or {}).get("options") or {}
    _newest_by_check(mapping)
    areas = options.get("unknown_area") == "create"
    elections = options.get("unknown_election") == "create"
    if not (areas or elections):
        return
    access.require(actor, GEO_EDIT)
    errors = []
    if areas:
        code = options.get("new_areas_under") or ""
        parent = Area.objects.filter(code=code).first()
        if parent is None or not access.is_visible(parent, actor, access.CHANGE):
            errors.append(
                f"Option “new_areas_under”: no area with code “{code}” (the new areas go under it)."
            )
        if new_area_kind(options, parent) is None:
            kinds = ", ".join(AreaKind.objects.values_list("code", flat=True)) or "none yet"
            errors.append(
                f"Option “new_area_kind”: no kind of area “{options.get('new_area_kind', '')}” "
                f"(kinds: {kinds})."
                if options.get("new_area_kind")
                else f"Option “new_area_kind”: name the kind of the new areas (kinds: {kinds})."
            )
    if elections:
        where = election_area(options)
        if where is None or not access.is_visible(where, actor, access.CHANGE):
            errors.append(
                "Option “new_elections_in”: give the code of the area the new elections are "
                "held in."
            )
        for code, spec in vote_columns(mapping).items():
            if not SLUG.match(code):
                errors.append(
                    f"Election “{code}”: a code to create an election by is lower-case letters, "
                    "digits, - and _ (e.g. us-2024-general)."
                )
            elif election_date(code, spec) is None:
                errors.append(
                    f"Election “{code}”: give its “election_date” in the column's settings "
                    "(YYYY-MM-DD) so it can be created."
                )
    if errors:
        raise ValidationError(errors)


def _newest_by_check(mapping: dict) -> None:
    """A custom field that decides which repeated row is kept must be a date field."""
    found = newest_by(mapping)
    if found is None or not found[1].startswith("custom:"):
        return
    key = found[1].split(":", 1)[1]
    field = CustomField.objects.filter(key=key).first()
    if field is not None and field.type != CustomField.Type.DATE:
        raise ValidationError(
            f"Option “newest_by”: the column “{found[0]}” goes to the custom field “{key}”, "
            "which is not a date field."
        )


class MissingReferences:
    """The engine's answer to codes it did not find, as the mapping's options say. In a check
    (dry run) nothing is created: the codes are only counted."""

    def __init__(self, mapping: dict, dry_run: bool):
        self.options = (mapping or {}).get("options") or {}
        self.unknown_area = self.options.get("unknown_area", "reject")
        self.unknown_election = self.options.get("unknown_election", "reject")
        self.votes = vote_columns(mapping)
        self.dry_run = dry_run
        self.new_areas: set[str] = set()
        self.new_elections: set[str] = set()
        self._parent: Area | None = None
        self._kind: AreaKind | None = None
        self._election_area: Area | None = None

    def areas(self, codes: list[str]) -> dict[str, int | None]:
        """Codes → ids of the areas created for them (none in a check or when not creating)."""
        if self.unknown_area != "create" or not codes:
            return {}
        self.new_areas.update(codes)
        if self.dry_run:
            return {}
        if self._parent is None:
            self._parent = Area.objects.get(code=self.options["new_areas_under"])
            self._kind = new_area_kind(self.options, self._parent)
        made = geo_services.areas_bulk_create(
            [{"kind": self._kind, "code": c[:64], "name": c[:200]} for c in sorted(codes)],
            self._parent,
        )
        return {a.code: a.pk for a in made}

    def elections(self, codes: list[str]) -> dict[str, int | None]:
        """Codes → ids of the elections created for them (none in a check / when not creating)."""
        if self.unknown_election != "create" or not codes:
            return {}
        self.new_elections.update(codes)
        if self.dry_run:
            return {}
        if self._election_area is None:
            self._election_area = election_area(self.options)
        out = {}
        for code in sorted(codes):
            spec = self.votes.get(code, {})
            election = geo_services.election_create(
                actor=access.SYSTEM,  # the import's author was checked when it was registered
                name=str(spec.get("election_name") or code)[:200],
                kind=election_kind(code),
                date=election_date(code, spec),
                area=self._election_area,
                code=code,
            )
            out[code] = election.pk
        return out
