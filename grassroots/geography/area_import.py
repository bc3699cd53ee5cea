"""The area-tree import: a CSV (code, name, kind, parent code) or GeoJSON boundaries (one
feature per area, its properties naming code, name, kind and parent) read into the area tree.

Options: ``code_column``, ``name_column``, ``kind_column``, ``parent_code_column``,
``native_name_column`` name the column/property when it is not one of the usual names
(``ALIASES``); ``kind`` and ``parent`` give every row a kind or parent code the file lacks.

``area_import_plan`` reads the file and works out, without writing, what would be created,
updated and moved — with every problem (a duplicate code, an unknown parent, a cycle, a
missing value) reported by line or feature number. ``area_import_apply`` writes a plan that has
no problems, parents first, in one transaction (all or nothing). ``area_import_start`` runs
both as a visible job (``geography.area_import`` in ``geography/runners.py``); the CLI
(``grassroots areas import FILE``) calls the same two functions in its own process.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from grassroots.core import access, events, jobs
from grassroots.core.exceptions import Invalid
from grassroots.geography import services
from grassroots.geography.models import Area, AreaKind

JOB_KIND = "geography.area_import"
CAPABILITY = services.EDIT
MAX_BYTES = 200 * 1024 * 1024
MAX_PROBLEMS = 500  # reported in full up to this many
MAX_CHANGES = 500  # change lines kept in the result

# Column / property names recognised (compared without case, spaces, dashes or underscores).
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "areacode", "id", "geoid", "geoid20", "precinct", "precinctcode"),
    "name": ("name", "areaname", "label", "namelsad", "precinctname"),
    "kind": ("kind", "type", "level", "areakind"),
    "parent_code": ("parentcode", "parent", "parentid", "parentareacode", "within"),
    "native_name": ("nativename", "namenative", "localname", "nameinnativescript"),
    "latitude": ("latitude", "lat", "intptlat20", "intptlat"),
    "longitude": ("longitude", "lon", "lng", "long", "intptlon20", "intptlon"),
}
POLLING_UNIT_KINDS = {"part", "booth", "precinct", "pollingunit", "pollingstation"}


def _norm(text: Any) -> str:
    return re.sub(r"[\s_\-./]+", "", str(text or "")).casefold()


@dataclass
class AreaRow:
    line: int  # the CSV line, or the GeoJSON feature's number (1 = first)
    code: str
    name: str
    kind: str
    parent_code: str = ""
    native_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    boundary: dict | None = None


@dataclass
class Plan:
    """What an import would do. ``problems`` are ``(line, message)``; ``changes`` are sentences."""

    fmt: str = "csv"
    unit: str = "line"  # "line" (CSV) or "feature" (GeoJSON)
    rows: list[AreaRow] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    create: list[AreaRow] = field(default_factory=list)
    update: list[tuple[AreaRow, list[str]]] = field(default_factory=list)
    move: list[tuple[AreaRow, str, str]] = field(default_factory=list)  # row, from, to
    unchanged: int = 0
    new_kinds: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    def problem(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    def summary(self) -> dict[str, Any]:
        return {
            "format": self.fmt,
            "rows": len(self.rows),
            "created": len(self.create),
            "updated": len(self.update),
            "moved": len(self.move),
            "unchanged": self.unchanged,
            "new_kinds": self.new_kinds,
            "problems": [
                {"line": line, "unit": self.unit, "message": message}
                for line, message in sorted(self.problems)[:MAX_PROBLEMS]
            ],
            "problem_count": len(self.problems),
            "changes": self.changes[:MAX_CHANGES],
        }


# --- reading ----------------------------------------------------------------------------------


def _pick(keys: list[str], target: str, explicit: str = "") -> str | None:
    """The key of ``keys`` naming ``target`` (``explicit`` first, then the aliases)."""
    by_norm = {_norm(k): k for k in keys}
    if explicit:
        return by_norm.get(_norm(explicit))
    for alias in ALIASES[target]:
        if alias in by_norm:
            return by_norm[alias]
    return None


def _float(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _row(plan: Plan, line: int, values: dict[str, Any], options: dict[str, str]) -> None:
    code = str(values.get("code") or "").strip()
    name = str(values.get("name") or "").strip()
    kind = str(values.get("kind") or options.get("kind") or "").strip()
    parent = str(values.get("parent_code") or options.get("parent") or "").strip()
    missing = [
        label
        for label, value in ((_("code"), code), (_("name"), name), (_("kind"), kind))
        if not value
    ]
    if missing:
        plan.problem(line, _("missing %(fields)s") % {"fields": ", ".join(missing)})
        return
    if len(code) > 64:
        plan.problem(
            line, _("the code “%(code)s…” is longer than 64 characters") % {"code": code[:20]}
        )
        return
    if parent == code:
        plan.problem(line, _("%(code)s is its own parent") % {"code": code})
        return
    lat, lon = _float(values.get("latitude")), _float(values.get("longitude"))
    plan.rows.append(
        AreaRow(
            line=line,
            code=code,
            name=name[:200],
            kind=kind,
            parent_code=parent,
            native_name=str(values.get("native_name") or "").strip()[:200],
            latitude=lat if lat is not None and -90 <= lat <= 90 else None,
            longitude=lon if lon is not None and -180 <= lon <= 180 else None,
            boundary=values.get("boundary"),
        )
    )


def max_columns() -> int:
    """The people import's column limit (``IMPORT_MAX_COLUMNS``) applies here too."""
    return int(getattr(settings, "IMPORT_MAX_COLUMNS", 500))


def _check_header(head: str) -> None:
    """Refuse a CSV whose header row (the start of ``head``) has more columns than the limit,
    or is longer than any real header, without parsing more of it than that."""
    limit = max_columns()
    cap = max(64 * 1024, limit * 512)
    line = head[: cap + 1]
    end = min((i for i in (line.find("\n"), line.find("\r")) if i >= 0), default=-1)
    cut = end < 0 and len(line) > cap
    line = line[:cap] if end < 0 else line[:end]
    delimiter = max(",;\t|", key=line.count)
    if len(next(csv.reader([line], delimiter=delimiter), [])) > limit:
        raise Invalid(
            _("The file has more columns than the limit of %(limit)s.") % {"limit": f"{limit:,}"}
        )
    if cut:
        raise Invalid(
            _("The header row is longer than %(limit)s characters.") % {"limit": f"{cap:,}"}
        )


def _read_csv(plan: Plan, text: str, options: dict[str, str]) -> None:
    _check_header(text.lstrip("\ufeff"))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise Invalid(_("The file is empty."))
    header = [h.strip() for h in header]
    columns = {t: _pick(header, t, options.get(f"{t}_column", "")) for t in ALIASES}
    needed = ["code", "name"] + ([] if options.get("kind") else ["kind"])
    missing = [t for t in needed if columns[t] is None]
    if missing:
        raise Invalid(
            _("The file has no %(missing)s column (it has: %(columns)s).")
            % {"missing": ", ".join(missing), "columns": ", ".join(header)}
        )
    index = {t: header.index(c) for t, c in columns.items() if c is not None}
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if [c.strip() for c in cells] == header:  # a repeated header (files glued together)
            continue
        values = {t: (cells[i] if i < len(cells) else "") for t, i in index.items()}
        _row(plan, line, values, options)


def _centroid(geometry: dict) -> tuple[float | None, float | None]:
    try:
        from shapely.geometry import shape

        point = shape(geometry).representative_point()
        return point.y, point.x
    except Exception:  # an unreadable geometry keeps the area without a point
        return None, None


def _read_geojson(plan: Plan, text: str, options: dict[str, str]) -> None:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise Invalid(_("The file is not valid GeoJSON: %(error)s.") % {"error": exc}) from exc
    if isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    elif isinstance(data, dict) and isinstance(data.get("features"), list):
        features = data["features"]
    else:
        raise Invalid(_("The file is not a GeoJSON FeatureCollection."))
    keys: list[str] = []
    for feature in features[:50]:
        props = (feature or {}).get("properties") or {}
        keys.extend(k for k in props if k not in keys)
    columns = {t: _pick(keys, t, options.get(f"{t}_column", "")) for t in ALIASES}
    needed = ["code", "name"] + ([] if options.get("kind") else ["kind"])
    missing = [t for t in needed if columns[t] is None]
    if missing:
        raise Invalid(
            _(
                "The features have no %(missing)s property (they have: %(columns)s); name it "
                "with an option."
            )
            % {"missing": ", ".join(missing), "columns": ", ".join(keys) or "—"}
        )
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            plan.problem(number, _("not a GeoJSON feature"))
            continue
        props = feature.get("properties") or {}
        values = {t: props.get(c) for t, c in columns.items() if c is not None}
        geometry = feature.get("geometry")
        if geometry:
            values["boundary"] = geometry
            if values.get("latitude") in (None, "") or values.get("longitude") in (None, ""):
                values["latitude"], values["longitude"] = _centroid(geometry)
        _row(plan, number, values, options)


def file_format(path: str | Path, filename: str = "") -> str:
    name = (filename or str(path)).lower()
    if name.endswith((".geojson", ".json")):
        return "geojson"
    if name.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    raise Invalid(_("Choose a .csv or .geojson file."))


def _read(path: Path, fmt: str, options: dict[str, str]) -> Plan:
    plan = Plan(fmt=fmt, unit="feature" if fmt == "geojson" else "line")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if fmt == "geojson":
        _read_geojson(plan, text, options)
    else:
        _read_csv(plan, text, options)
    return plan


# --- planning ---------------------------------------------------------------------------------


def _kind_lookup() -> dict[str, AreaKind]:
    kinds: dict[str, AreaKind] = {}
    for kind in AreaKind.objects.all():
        for key in (kind.code, kind.name, kind.plural):
            if key:
                kinds.setdefault(_norm(key), kind)
    return kinds


def area_import_plan(
    *, actor: Any, path: str | Path, fmt: str, options: dict[str, str] | None = None
) -> Plan:
    """Read the file and say what importing it would do; writes nothing."""
    options = {k: str(v) for k, v in (options or {}).items() if v}
    plan = _read(Path(path), fmt, options)
    by_code: dict[str, AreaRow] = {}
    for row in plan.rows:
        first = by_code.get(row.code)
        if first is not None:
            plan.problem(
                row.line,
                _("the code %(code)s is already on %(unit)s %(line)s")
                % {"code": row.code, "unit": _unit(plan), "line": first.line},
            )
            continue
        by_code[row.code] = row
    rows = [r for r in plan.rows if by_code.get(r.code) is r]
    codes = set(by_code) | {r.parent_code for r in rows if r.parent_code}
    existing = {
        a.code: a
        for a in Area.objects.filter(code__in=list(codes)).select_related("parent", "kind")
    }
    # parents: in the file, or already in the tree
    for row in rows:
        if row.parent_code and row.parent_code not in by_code and row.parent_code not in existing:
            plan.problem(
                row.line,
                _("unknown parent code %(parent)s (not in the file, not in the area tree)")
                % {"parent": row.parent_code},
            )

    # cycles, through the file's parents (an area in the tree keeps its parent unless the file
    # gives it another)
    def parent_of(code: str) -> str:
        if code in by_code:
            return by_code[code].parent_code
        area = existing.get(code)
        if area is None:
            area = Area.objects.filter(code=code).select_related("parent").first()
            if area is not None:
                existing[code] = area
        return area.parent.code if area is not None and area.parent else ""

    for row in rows:
        seen = [row.code]
        code = row.parent_code
        while code:
            if code == row.code:
                plan.problem(
                    row.line,
                    _("the parents go round in a circle: %(chain)s")
                    % {"chain": " → ".join([*seen, row.code])},
                )
                break
            if code in seen or len(seen) > 64:
                break
            seen.append(code)
            code = parent_of(code)
    # the actor's scope: every area changed, and every parent named, inside it
    campaign_wide = access.is_system(actor) or getattr(actor, "sees_everything", False)
    if not campaign_wide:
        names = {r.code for r in rows} | {r.parent_code for r in rows if r.parent_code}
        known = [existing[c].pk for c in names if c in existing]
        inside = set(
            Area.objects.visible_to(actor, access.CHANGE)
            .filter(pk__in=known)
            .values_list("code", flat=True)
        )
        for row in rows:
            if row.code in existing and row.code not in inside:
                plan.problem(row.line, _("%(code)s is outside your areas") % {"code": row.code})
            elif not row.parent_code:
                plan.problem(
                    row.line,
                    _("%(code)s has no parent: only a campaign-wide user adds top-level areas")
                    % {"code": row.code},
                )
            elif row.parent_code in existing and row.parent_code not in inside:
                plan.problem(
                    row.line, _("%(code)s is outside your areas") % {"code": row.parent_code}
                )
    # kinds
    kinds = _kind_lookup()
    new_kinds: dict[str, str] = {}
    for row in rows:
        key = _norm(row.kind)
        if key not in kinds and key not in new_kinds:
            new_kinds[key] = row.kind
    plan.new_kinds = sorted(new_kinds.values())
    for label in plan.new_kinds:
        plan.changes.append(_("new area kind “%(kind)s”") % {"kind": label})
    # what happens to each row
    for row in _parents_first(rows, by_code):
        area = existing.get(row.code)
        if area is None:
            plan.create.append(row)
            plan.changes.append(
                _("%(unit)s %(line)s: create %(code)s “%(name)s” under %(parent)s")
                % {
                    "unit": _unit(plan),
                    "line": row.line,
                    "code": row.code,
                    "name": row.name,
                    "parent": row.parent_code or _("the top of the tree"),
                }
            )
            continue
        changed = []
        if area.name != row.name:
            changed.append(_("name"))
        if row.native_name and area.native_name != row.native_name:
            changed.append(_("name in native script"))
        kind = kinds.get(_norm(row.kind))
        if kind is None or kind.pk != area.kind_id:
            changed.append(_("kind"))
        if row.boundary is not None and area.boundary != row.boundary:
            changed.append(_("boundary"))
        if row.latitude is not None and (area.latitude, area.longitude) != (
            row.latitude,
            row.longitude,
        ):
            changed.append(_("location"))
        old_parent = area.parent.code if area.parent else ""
        moved = old_parent != row.parent_code
        if moved:
            plan.move.append((row, old_parent, row.parent_code))
            plan.changes.append(
                _(
                    "%(unit)s %(line)s: move %(code)s from %(old)s to %(new)s (with everything below it)"
                )
                % {
                    "unit": _unit(plan),
                    "line": row.line,
                    "code": row.code,
                    "old": old_parent or _("the top of the tree"),
                    "new": row.parent_code or _("the top of the tree"),
                }
            )
        if changed:
            plan.update.append((row, changed))
            plan.changes.append(
                _("%(unit)s %(line)s: update %(code)s (%(fields)s)")
                % {
                    "unit": _unit(plan),
                    "line": row.line,
                    "code": row.code,
                    "fields": ", ".join(changed),
                }
            )
        if not moved and not changed:
            plan.unchanged += 1
    return plan


def _unit(plan: Plan) -> str:
    return _("feature") if plan.unit == "feature" else _("line")


def _parents_first(rows: list[AreaRow], by_code: dict[str, AreaRow]) -> list[AreaRow]:
    """The rows ordered so a parent in the file comes before its children (cycles excluded)."""
    depth: dict[str, int] = {}

    def level(code: str, guard: int = 0) -> int:
        if code in depth:
            return depth[code]
        row = by_code.get(code)
        if row is None or not row.parent_code or guard > 64:
            value = 0
        else:
            value = level(row.parent_code, guard + 1) + 1
        depth[code] = value
        return value

    return sorted(rows, key=lambda r: (level(r.code), r.line))


# --- writing ----------------------------------------------------------------------------------


@transaction.atomic
def area_import_apply(*, actor: Any, plan: Plan, reporter: Any = None) -> dict[str, Any]:
    """Write a plan with no problems, parents first, all or nothing."""
    access.require(actor, CAPABILITY)
    if plan.problems:
        raise Invalid(_("The file has problems; nothing was imported."))
    kinds = _kind_lookup()
    for label in plan.new_kinds:
        code = slugify(label)[:50] or f"kind-{uuid.uuid4().hex[:8]}"
        kind = services.area_kind_ensure(
            code=code,
            name=label[:100],
            is_polling_unit=_norm(label) in POLLING_UNIT_KINDS,
        )
        kinds[_norm(label)] = kind
    done = 0
    areas: dict[str, Area] = {}

    def area_for(code: str) -> Area | None:
        if not code:
            return None
        if code not in areas:
            areas[code] = Area.objects.get(code=code)
        return areas[code]

    # creations, level by level, siblings in bulk
    pending = list(plan.create)
    while pending:
        ready = [r for r in pending if not r.parent_code or r.parent_code not in _codes(pending)]
        groups: dict[str, list[AreaRow]] = {}
        for row in ready:
            groups.setdefault(row.parent_code, []).append(row)
        for parent_code, group in groups.items():
            parent = area_for(parent_code)
            created = services.areas_bulk_create(
                [
                    {
                        "kind": kinds[_norm(r.kind)],
                        "code": r.code,
                        "name": r.name,
                        "native_name": r.native_name,
                        "latitude": r.latitude,
                        "longitude": r.longitude,
                        "boundary": r.boundary,
                    }
                    for r in group
                ],
                parent,
            )
            for area in created:
                areas[area.code] = area
                events.publish("area.created", {"area_id": area.pk})
            done += len(group)
            if reporter:
                reporter.advance(done)
        ready_ids = {id(r) for r in ready}
        pending = [r for r in pending if id(r) not in ready_ids]
    for row, _changed in plan.update:
        services.area_update(
            actor=actor,
            area=area_for(row.code),
            name=row.name,
            native_name=row.native_name or None,
            kind=kinds[_norm(row.kind)],
            latitude=row.latitude,
            longitude=row.longitude,
            boundary=row.boundary,
        )
        done += 1
        if reporter:
            reporter.advance(done)
    for row, _old, new in plan.move:
        services.area_move(actor=actor, area=area_for(row.code), parent=area_for(new))
        areas.pop(row.code, None)
        done += 1
        if reporter:
            reporter.advance(done)
    return plan.summary()


def _codes(rows: list[AreaRow]) -> set[str]:
    return {r.code for r in rows}


# --- the job ----------------------------------------------------------------------------------


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "area-imports"


def area_import_start_upload(
    *, actor: Any, upload: Any, dry_run: bool = True, options: dict[str, str] | None = None
) -> Any:
    """``area_import_start`` for an uploaded file (the screen and the API): spooled to a
    temporary file of the same extension, which ``area_import_start`` copies."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        return area_import_start(
            actor=actor, path=tmp.name, filename=upload.name, dry_run=dry_run, options=options
        )


def area_import_start(
    *,
    actor: Any,
    path: str | Path,
    filename: str = "",
    dry_run: bool = True,
    options: dict[str, str] | None = None,
) -> Any:
    """Keep a copy of the file and start the import (or its dry run) as a visible job."""
    access.require(actor, CAPABILITY)
    source = Path(path)
    fmt = file_format(source, filename)
    size = source.stat().st_size
    if size == 0:
        raise Invalid(_("The file is empty."))
    if size > MAX_BYTES:
        raise Invalid(_("The file is larger than 200 MB."))
    if fmt == "csv":  # refused at upload, not in the job
        with open(source, "rb") as f:
            _check_header(
                f.read(max(64 * 1024, max_columns() * 512) + 1)
                .decode("utf-8", "replace")
                .lstrip("\ufeff")
            )
    upload_dir().mkdir(parents=True, exist_ok=True)
    stored = upload_dir() / f"{uuid.uuid4()}.{'geojson' if fmt == 'geojson' else 'csv'}"
    shutil.copyfile(source, stored)
    name = filename or source.name
    title = (_("Check areas: %(file)s") if dry_run else _("Import areas: %(file)s")) % {
        "file": name
    }
    return jobs.runner(JOB_KIND).start(
        actor=actor,
        title=title,
        audit={"action": "area.import_started", "detail": {"file": name, "dry_run": dry_run}},
        path=str(stored),
        filename=name,
        fmt=fmt,
        dry_run=dry_run,
        options={k: str(v) for k, v in (options or {}).items() if v},
    )


def area_import_work(
    *, actor: Any, path: str, fmt: str, dry_run: bool, options: dict, reporter: Any
) -> dict[str, Any]:
    """What the job (and the CLI) runs: plan, then apply unless it is a dry run or has problems.
    A file that cannot be read at all is the result's ``error`` (nothing written)."""
    try:
        plan = area_import_plan(actor=actor, path=path, fmt=fmt, options=options)
    except Invalid as exc:
        return {"error": " ".join(exc.messages), "written": False, "problem_count": 1}
    total = len(plan.create) + len(plan.update) + len(plan.move)
    if reporter is not None and hasattr(reporter, "start"):
        reporter.start(total)
    if dry_run or plan.problems:
        result = plan.summary()
        result["written"] = False
        return result
    result = area_import_apply(actor=actor, plan=plan, reporter=reporter)
    result["written"] = True
    return result
