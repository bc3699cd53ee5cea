"""The import engine: stream a file, parse each row with the mapping, match, write in batches.

Each batch of rows is one transaction, so a stopped import keeps what it finished; running the
same file again matches those people (by identifier, else by name + birth date + address) and
changes nothing for them. A dry run does all the work, each batch of rows in a transaction that is rolled back.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from grassroots.core import bulk
from grassroots.core.bulk import insert_rows, max_params
from grassroots.geography.models import Area, Election
from grassroots.people.dedupe.names import person_name_keys
from grassroots.people.imports.limits import import_limits
from grassroots.people.imports.mapping import (
    ADDRESS_FIELDS,
    ROW_TARGETS,
    Record,
    RowError,
    RowParser,
    newest_by,
    read_date,
)
from grassroots.people.imports.options import MissingReferences
from grassroots.people.imports.reader import open_sheet
from grassroots.people.models import (
    Address,
    ContactPoint,
    CustomField,
    CustomFieldValue,
    ExternalId,
    Household,
    ImportBatch,
    ImportChange,
    ImportNotice,
    ImportRejection,
    Person,
    VoteHistory,
)
from grassroots.people.services import custom_value_clean
from grassroots.people.validation import address_match_key, address_part_key
from grassroots.people.votes import summary_of, vote_slots, vote_summary_refresh

CHUNK = 10000  # rows per transaction
SQLITE_PARAMS = 900  # bound parameters per statement on SQLite (any build allows 999)
EXAMPLES = 5
COMPARED = (
    "given_name",
    "middle_name",
    "family_name",
    "full_name",
    "name_keys",
    "native_name",
    "gender",
    "birth_date",
    "age",
    "age_as_of",
    "born_estimate",
    "relation_type",
    "relative_name",
    "preferred_language",
    "support_score",
    "status",
    "source",
    "serial_number",
    "name_suffix",
    "party",
    "registration_date",
    "voter_status",
)


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rows: int = 0
    values_rejected: int = 0  # values left out of rows that were imported
    repeated: int = 0  # earlier rows of a person replaced by a later row of the same file
    headers_skipped: int = 0  # rows equal to the header (files glued together)
    moved: int = 0  # existing people moved to another address
    split: set = field(default_factory=set)  # households some of whose members moved away
    examples: dict[str, list] = field(default_factory=lambda: defaultdict(list))

    def example(self, kind: str, item: Any) -> None:
        if len(self.examples[kind]) < EXAMPLES:
            self.examples[kind].append(item)

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rows": self.rows,
            **{
                k: v
                for k, v in (
                    ("values_rejected", self.values_rejected),
                    ("repeated", self.repeated),
                    ("headers_skipped", self.headers_skipped),
                    ("moved", self.moved),
                    ("households_split", len(self.split)),
                )
                if v
            },
        }


class Importer:
    def __init__(self, batch: ImportBatch, reporter=None, chunk: int | None = None):
        self.batch = batch
        self.reporter = reporter
        self.chunk = chunk or CHUNK
        self.parser = RowParser(batch.mapping)
        self.options = batch.mapping.get("options") or {}
        self.match_rules = self.options.get("match") or ["external_id", "name_birth"]
        self.out = Outcome()
        self.area_ids: dict[str, int | None] = {}
        self.area_codes: dict[int, str] = {}  # id -> code, for areas found by coordinates
        self.locator = None  # geography.locate.AreaLocator, built when first needed
        self.election_ids: dict[str, int | None] = {}
        # Codes the database lacks: rejected, left empty or created (the mapping's options).
        self.missing = MissingReferences(batch.mapping, batch.dry_run)
        self.custom_fields = {f.key: f for f in CustomField.objects.all()}
        self.households: dict[tuple, int] = {}  # (area_id, address key or household key) -> id
        self.seen_ids: TempMap | None = None  # identifier -> first line in this file
        self.household_keys: TempMap | None = None  # (area id, household key) -> household
        self.chunks = 0
        self.now = timezone.now()
        # line -> earlier line, for rows repeating a person written by an earlier batch of rows
        self.repeats: dict[int, int] = {}
        # options.keep_repeated = newest: which rows lose to a row with a newer date (a first pass)
        self.newest: NewestRows | None = None

    # --- driver -------------------------------------------------------------------------
    def run(self) -> Outcome:
        sheet = open_sheet(self.batch.stored_path, limits=import_limits())
        self.seen_ids = TempMap("seen")
        self.household_keys = TempMap("hh")
        try:
            if newest_by(self.batch.mapping) is not None:
                self.newest = NewestRows(self.batch.mapping)
                self.newest.first_pass(self.batch.stored_path)
            self._stream(sheet)
        finally:
            self.seen_ids.drop()
            self.household_keys.drop()
            if self.newest is not None:
                self.newest.drop()
        self.out.headers_skipped = sheet.repeated_headers
        if self.chunks > 1:
            _analyze()
        if self.missing.new_areas:
            self.out.examples["new_areas"] = sorted(self.missing.new_areas)[:20]
        if self.missing.new_elections:
            self.out.examples["new_elections"] = sorted(self.missing.new_elections)[:20]
        return self.out

    def _stream(self, sheet) -> None:
        pending: list = []
        for row in sheet.rows():
            pending.append(row)
            if len(pending) >= self.chunk:
                self._chunk(pending)
                pending = []
        if pending:
            self._chunk(pending)

    def _chunk(self, rows: list) -> None:
        records: list[Record] = []
        rejects: list[tuple[int, str, str]] = []
        raw_by_line = {}
        parsed: list[tuple[Any, Record | None, str]] = []
        parse = self.parser.parse
        keys = set()
        notices: list[tuple[int, str, str, str, str]] = []  # line, kind, column, value, reason
        # options.keep_repeated = newest: the rows that lose to a row with a newer date
        losers = self.newest.chunk(rows, notices, self.out) if self.newest is not None else ()
        for row in rows:
            self.out.rows += 1
            raw_by_line[row.line] = row.raw
            if row.error:
                parsed.append((row, None, row.error))
                continue
            if row.line in losers:
                continue  # reported by NewestRows.chunk
            try:
                rec = parse(row.line, row.values)
            except RowError as exc:
                parsed.append((row, None, str(exc)))
                continue
            parsed.append((row, rec, ""))
            keys.update(rec.external_ids)
        # Identifiers met earlier in the file (kept in the database, not in memory); with
        # keep_repeated = newest no two rows left share one, so there is nothing to remember.
        seen = self.seen_ids.get(keys) if keys and self.newest is None else {}
        first_seen = []
        here: dict[int, tuple] = {}  # line -> (row, record) kept so far in this batch of rows
        for row, rec, error in parsed:
            if rec is None:
                rejects.append((row.line, error, row.raw))
                continue
            dup = next((seen[k] for k in rec.external_ids if k in seen), None)
            if dup is not None:
                # The same person again (a voter who moved): the later row is kept.
                earlier = here.pop(dup, None)
                if earlier is not None:
                    notices.append(
                        (
                            row.line,
                            "repeated",
                            str(dup),  # the line it repeats
                            _differences(earlier[0].values, row.values),
                            f"repeats line {dup}; the later row was kept",
                        )
                    )
                    self.out.repeated += 1
                    if dup in self.repeats:
                        self.repeats[row.line] = self.repeats.pop(dup)
                else:  # written by an earlier batch of rows: this row updates that person
                    self.repeats[row.line] = dup
            for k in rec.external_ids:
                if k not in seen:
                    first_seen.append((*k, row.line))
                seen[k] = row.line
            here[row.line] = (row, rec)
        for _row, rec in here.values():
            records.append(rec)
            for column, value, reason in rec.dropped:
                notices.append((rec.line, "value", column, value, reason))
        del parsed, seen, here
        if self.newest is None:
            self.seen_ids.put(first_seen)
        self.notices = notices
        rejections = [
            ImportRejection(batch=self.batch, line=ln, reason=reason[:2000], raw=raw[:5000])
            for ln, reason, raw in rejects
        ]
        with transaction.atomic():
            records = self._resolve_refs(records, rejects, raw_by_line)
            self._apply(records, rejects, raw_by_line)
            rejections += [
                ImportRejection(batch=self.batch, line=ln, reason=reason[:2000], raw=raw[:5000])
                for ln, reason, raw in rejects[len(rejections) :]
            ]
            kept = {r.line for r in records}  # a rejected row's values are not reported
            notices = [
                ImportNotice(
                    batch=self.batch,
                    line=ln,
                    kind=kind,
                    column=column[:255],
                    value=value[:2000],
                    reason=reason[:2000],
                )
                for ln, kind, column, value, reason in self.notices
                if kind != "value" or ln in kept
            ]
            self.out.values_rejected += sum(n.kind == "value" for n in notices)
            if self.batch.dry_run:
                # A check writes nothing: each batch of rows is rolled back on its own, so the
                # database is never locked for longer than one batch (SQLite has one writer).
                transaction.set_rollback(True)
            else:
                if rejections:
                    ImportRejection.objects.bulk_create(rejections)
                if notices:
                    ImportNotice.objects.bulk_create(notices, batch_size=1000)
        if self.batch.dry_run:
            self.households.clear()  # those households were rolled back
            if rejections:  # the rejected rows are shown before the real import
                ImportRejection.objects.bulk_create(rejections)
            if notices:
                ImportNotice.objects.bulk_create(notices, batch_size=1000)
        else:  # doors are found again in the database, household keys in their temporary table
            self.households.clear()
        ImportBatch.objects.filter(pk=self.batch.pk).update(heartbeat_at=timezone.now())
        self.chunks += 1
        if not self.batch.dry_run and self.chunks & (self.chunks - 1) == 0:
            _analyze()  # chunks 1, 2, 4, 8…: the planner sees the tables grow
        self.out.rejected += len(rejects)
        for ln, reason, _raw in rejects[:EXAMPLES]:
            self.out.example("rejected", {"line": ln, "reason": reason})
        if self.reporter is not None:
            self.reporter.advance(self.out.rows)

    # --- references: areas and elections ------------------------------------------------
    def _locate(self, records: list[Record]) -> None:
        """People without an area code but with coordinates land in the deepest area whose
        boundary covers their address (point in polygon); the locator is built once."""
        todo = [
            r
            for r in records
            if not r.area_code
            and r.address.get("latitude") is not None
            and r.address.get("longitude") is not None
        ]
        if not todo:
            return
        if self.locator is None:
            from grassroots.geography.locate import AreaLocator

            self.locator = AreaLocator()
        if not len(self.locator):
            return
        found = self.locator.locate([(r.address["latitude"], r.address["longitude"]) for r in todo])
        unknown = {a for a in found if a is not None} - set(self.area_codes)
        if unknown:
            self.area_codes.update(Area.objects.filter(pk__in=unknown).values_list("id", "code"))
        for r, area_id in zip(todo, found, strict=True):
            if area_id is not None:
                r.area_code = self.area_codes[area_id]
                self.area_ids[r.area_code] = area_id

    def _resolve_refs(self, records, rejects, raw_by_line) -> list[Record]:
        self._locate(records)
        codes = {r.area_code for r in records if r.area_code} - set(self.area_ids)
        if codes:
            found = dict(Area.objects.filter(code__in=codes).values_list("code", "id"))
            found.update(self.missing.areas([c for c in codes if c not in found]))
            for c in codes:
                self.area_ids[c] = found.get(c)
        ecodes = {c for r in records for c in r.votes} - set(self.election_ids)
        if ecodes:
            found = dict(Election.objects.filter(code__in=ecodes).values_list("code", "id"))
            found.update(self.missing.elections([c for c in ecodes if c not in found]))
            for c in ecodes:
                self.election_ids[c] = found.get(c)
        kept = []
        for r in records:
            if (
                r.area_code
                and self.area_ids.get(r.area_code) is None
                and self.missing.unknown_area != "reject"
            ):
                if self.missing.unknown_area == "leave_empty":
                    self.out.example("area_left_empty", {"line": r.line, "code": r.area_code})
                r.area_code = ""  # no area (an existing person keeps theirs); a check's new one
            if self.missing.unknown_election == "create" and r.votes:
                # a check creates no election, so it has no vote-history rows to write
                r.votes = {c: v for c, v in r.votes.items() if self.election_ids.get(c)}
            if r.area_code and self.area_ids.get(r.area_code) is None:
                rejects.append((r.line, f"unknown area code “{r.area_code}”", raw_by_line[r.line]))
            elif any(self.election_ids.get(c) is None for c in r.votes):
                bad = next(c for c in r.votes if self.election_ids.get(c) is None)
                rejects.append(
                    (r.line, f"unknown election “{bad}” in vote history", raw_by_line[r.line])
                )
            elif unknown := [k for k in r.custom if k not in self.custom_fields]:
                rejects.append(
                    (r.line, f"unknown custom field “{unknown[0]}”", raw_by_line[r.line])
                )
            else:
                cleaned = {}
                for k, v in r.custom.items():
                    try:
                        cleaned[k] = custom_value_clean(self.custom_fields[k], v)
                    except Exception as exc:  # ValidationError: this value is left out
                        column = self.parser.header_of.get(f"custom:{k}", f"custom:{k}")
                        reason = "; ".join(getattr(exc, "messages", [str(exc)]))
                        self.notices.append((r.line, "value", column, str(v), reason))
                r.custom = cleaned
                kept.append(r)
        return kept

    # --- matching -----------------------------------------------------------------------
    def _match(self, records: list[Record], rejects, raw_by_line) -> dict[int, int]:
        """line -> person id for records that are already in the database."""
        matched: dict[int, int] = {}
        if "external_id" in self.match_rules:
            keys = {k for r in records for k in r.external_ids}
            owners: dict[tuple[str, str], int] = {}
            if keys:
                for ns, v, pid in _keyed_rows(
                    "e.namespace, e.value, e.person_id",
                    "people_externalid e",
                    "",
                    ["e.namespace", "e.value"],
                    ["text", "text"],
                    sorted(keys),
                ):
                    owners[(ns, v)] = pid
            for r in records:
                pids = {owners[k] for k in r.external_ids if k in owners}
                if len(pids) > 1:
                    rejects.append(
                        (r.line, "its identifiers belong to different people", raw_by_line[r.line])
                    )
                    r.line = -r.line  # mark as rejected
                elif pids:
                    matched[r.line] = pids.pop()
        if "name_birth" in self.match_rules:
            todo = [
                r
                for r in records
                if r.line > 0 and r.line not in matched and r.person.get("born_estimate")
            ]
            if todo:
                candidates = defaultdict(list)
                pairs = {(r.person["full_name"], r.person["born_estimate"]) for r in todo}
                for pid, name, born, key in _namesakes(pairs):
                    candidates[(name, born)].append((pid, key or ""))
                for r in todo:
                    found = candidates.get((r.person["full_name"], r.person["born_estimate"]), [])
                    key = r.address_key
                    if key:  # the same door, or a person we hold no address for
                        found = [c for c in found if c[1] in (key, "")]
                    if len(found) == 1:
                        matched[r.line] = found[0][0]
        return matched

    # --- writes -------------------------------------------------------------------------
    def _apply(self, records: list[Record], rejects, raw_by_line) -> None:
        matched = self._match(records, rejects, raw_by_line)
        records = [r for r in records if r.line > 0]
        existing = [r for r in records if r.line in matched]
        new = [r for r in records if r.line not in matched]
        if existing:
            self._update(existing, matched)
        if new:
            self._create(new)

    def _prefetch_households(self, items: list[tuple[Record, int | None]]) -> None:
        """Find or create, in a few statements, the households some records need: each
        ``(record, area id)`` gets the household of its door (or of its household key)."""
        wanted: dict[tuple, Record] = {}
        for r, area_id in items:
            key = r.address_key
            if not key and not r.household_key:
                continue
            ck = (area_id, "hh:" + r.household_key) if r.household_key else (area_id, key)
            if ck not in self.households and ck not in wanted:
                wanted[ck] = r
        if not wanted:
            return
        hk_wanted = [(str(ck[0]), ck[1][3:]) for ck in wanted if ck[1][:3] == "hh:"]
        if hk_wanted:  # household keys met in earlier batches of rows
            for (area, hk), hid in self.household_keys.get(hk_wanted).items():
                ck = (None if area == "None" else int(area), "hh:" + hk)
                self.households[ck] = hid
                del wanted[ck]
            if not wanted:
                return
        keys = {r.address_key for r in wanted.values() if r.address}
        keys.discard("")
        if keys:
            for hid, area_id, key in _existing_households(keys):
                self.households.setdefault((area_id, key), hid)
        todo = []
        for ck, r in wanted.items():
            key = r.address_key
            if key and (ck[0], key) in self.households:
                self.households[ck] = self.households[(ck[0], key)]
            elif ck not in self.households:
                todo.append((ck, r, key))
        self._prefetch_create(todo)
        self.household_keys.put(
            [(str(ck[0]), ck[1][3:], self.households[ck]) for ck in wanted if ck[1][:3] == "hh:"]
        )

    def _prefetch_create(self, todo: list[tuple[tuple, Record, str]]) -> None:
        if not todo:
            return
        address_ids = iter(
            insert_rows(
                Address,
                [
                    {"area_id": ck[0], "match_key": key, "created_at": self.now, **r.address}
                    for ck, r, key in todo
                    if r.address
                ],
            )
        )
        household_ids = insert_rows(
            Household,
            [
                {
                    "address_id": next(address_ids) if r.address else None,
                    "area_id": ck[0],
                    "created_at": self.now,
                }
                for ck, r, _key in todo
            ],
        )
        for (ck, _r, key), hid in zip(todo, household_ids, strict=True):
            self.households[ck] = hid
            if key:
                self.households.setdefault((ck[0], key), hid)

    def _household_for(self, rec: Record, area_id: int | None) -> int | None:
        key = rec.address_key
        if not key and not rec.household_key:
            return None
        cache_key = (area_id, "hh:" + rec.household_key) if rec.household_key else (area_id, key)
        if cache_key not in self.households:
            self._prefetch_households([(rec, area_id)])
        return self.households[cache_key]

    def _create(self, records: list[Record]) -> None:
        areas = [self.area_ids.get(r.area_code) if r.area_code else None for r in records]
        self._prefetch_households(list(zip(records, areas, strict=True)))
        # New people's vote summary goes in with them (a second write of each voter cost
        # ~1.5 s per 5,000 people on PostgreSQL, their name indexes updated again).
        slots = vote_slots({self.election_ids[c] for r in records for c in r.votes})
        rows = []
        for r, area_id in zip(records, areas, strict=True):
            row = {k: v for k, v in r.person.items() if k in COMPARED_SET}
            row["name_keys"] = person_name_keys(row)
            row["area_id"] = area_id
            row["household_id"] = self._household_for(r, area_id)
            row["created_at"] = self.now
            if r.votes:
                row["votes_cast"] = summary_of(
                    slots[self.election_ids[c]] for c, (voted, _m, _p) in r.votes.items() if voted
                )
            rows.append(row)
        ids = insert_rows(Person, rows)
        ext, cps, cfv, votes, changes = [], [], [], [], []
        batch_id = self.batch.pk
        for r, pid in zip(records, ids, strict=True):
            if r.external_ids:
                ext += [{"person_id": pid, "namespace": ns, "value": v} for ns, v in r.external_ids]
            if r.phones or r.emails:
                cps += self._contact_rows(pid, r, has_phone=False, has_email=False)
            if r.custom:
                cfv += [
                    {"person_id": pid, "field_id": self.custom_fields[k].pk, "value": v}
                    for k, v in r.custom.items()
                    if v is not None
                ]
            if r.votes:
                votes += [
                    {
                        "person_id": pid,
                        "election_id": self.election_ids[c],
                        "voted": voted,
                        "method": m,
                        "ballot_party": party,
                    }
                    for c, (voted, m, party) in r.votes.items()
                ]
            changes.append(
                {"batch_id": batch_id, "person_id": pid, "action": "created", "fields": []}
            )
            self.out.example("created", {"line": r.line, "name": r.person.get("full_name", "")})
        for model, batch_rows in (
            (ExternalId, ext),
            (ContactPoint, cps),
            (CustomFieldValue, cfv),
            (VoteHistory, votes),
            (ImportChange, changes),
        ):
            insert_rows(model, batch_rows)
        for r in records:
            if r.line in self.repeats:  # a check rolled back the earlier row's creation
                self._repeated(r.line, [])
                self.out.created -= 1
        self.out.created += len(records)

    def _contact_rows(
        self, pid: int, r: Record, *, has_phone: bool, has_email: bool, known=()
    ) -> list[dict[str, Any]]:
        rows = []
        for channel, values, has in (
            ("phone", r.phones, has_phone),
            ("email", r.emails, has_email),
        ):
            for i, value in enumerate(values):
                if (channel, value) not in known:
                    rows.append(
                        {
                            "person_id": pid,
                            "channel": channel,
                            "value": value,
                            "source": "import",
                            "is_primary": i == 0 and not has,
                            "created_at": self.now,
                        }
                    )
        return rows

    def _update(self, records: list[Record], matched: dict[int, int]) -> None:
        ids = list({matched[r.line] for r in records})
        people: dict[int, SimpleNamespace] = {}
        # The ids come from the database (integers), so they are written into the statement:
        # Django's per-value handling of an ``__in`` list of thousands cost more than the query.
        for part in _parts(ids):
            for values in (
                Person.objects.extra(where=[_id_in("people_person.id", part)])  # noqa: S610
                .order_by()
                .values_list(*PERSON_COLUMNS)
            ):
                people[values[0]] = SimpleNamespace(**dict(zip(PERSON_ATTRS, values, strict=True)))
        contacts = defaultdict(set)
        ext_have, cf_have, votes_have = set(), {}, {}
        for part in _parts(ids):
            for model, columns in (
                (ContactPoint, ("person_id", "channel", "value")),
                (ExternalId, ("person_id", "namespace", "value")),
                (CustomFieldValue, ("person_id", "field_id", "value")),
                (VoteHistory, ("person_id", "election_id", "voted", "method", "ballot_party")),
            ):
                if model is CustomFieldValue and not self.custom_fields:
                    continue
                where = _id_in(f"{model._meta.db_table}.person_id", part)
                found = model.objects.extra(where=[where]).order_by().values_list(*columns)  # noqa: S610
                if model is ContactPoint:
                    for pid, ch, v in found:
                        contacts[pid].add((ch, v))
                elif model is ExternalId:
                    ext_have.update(found)
                elif model is CustomFieldValue:
                    for pid, fid, val in found:
                        cf_have[(pid, fid)] = val
                else:
                    for pid, eid, v, m, party in found:
                        votes_have[(pid, eid)] = (v, m, party)
        # Where each person lives after their row (ADR 0011): the parts of the address the file
        # has are compared with the person's door; only a real difference moves them, and the
        # parts the file lacks are kept. The households they move to are found or created in a
        # few statements.
        doors: dict[int, dict[str, Any]] = {}  # address id -> its parts (shared by housemates)
        plans: dict[int, tuple[str, dict]] = {}  # line -> ("move", {}) | ("fill", parts)
        movers, seen_pids = [], set()
        for r in records:
            pid = matched[r.line]
            p = people.get(pid)
            if p is None or pid in seen_pids:
                continue
            seen_pids.add(pid)
            if not r.address:
                continue
            area_id = self.area_ids.get(r.area_code) if r.area_code else p.area_id
            if not (p.household_id and p.address_id):
                if r.address_key:  # no door yet: the file's address is it
                    plans[r.line] = ("move", {})
                    movers.append((r, area_id))
                continue
            door = doors.get(p.address_id)
            if door is None:
                door = doors[p.address_id] = {f: getattr(p, "addr_" + f) for f in ADDRESS_FIELDS}
                door["match_key"] = p.match_key
            if _door_differs(door, r.address):
                kept = {f: v for f, v in door.items() if f in ADDRESS_FIELDS and v not in _EMPTY}
                r.address = {**kept, **{f: v for f, v in r.address.items() if v not in _EMPTY}}
                r.address_key = address_match_key(r.address)
                plans[r.line] = ("move", {})
                movers.append((r, area_id))
            else:
                fill = {
                    f: v
                    for f, v in r.address.items()
                    if v not in _EMPTY and address_part_key(v) != address_part_key(door.get(f))
                }
                if fill:
                    plans[r.line] = ("fill", fill)
        self._prefetch_households(movers)
        address_updates: dict[int, dict[str, Any]] = {}
        left: set[int] = set()  # households people moved out of
        to_save, changes, new_cps, new_ext, new_votes = [], [], [], [], []
        seen_pids = set()
        for r in records:
            pid = matched[r.line]
            p = people.get(pid)
            if p is None or pid in seen_pids:
                self.out.unchanged += 1
                continue
            seen_pids.add(pid)
            before: dict[str, Any] = {}
            fields: list[str] = []
            for k, v in r.person.items():
                if (
                    k in COMPARED_SET
                    and getattr(p, k) != v
                    and not (v in (None, "") and k not in ("birth_date",))
                    # an empty birth date clears one only when the row gives an age instead
                    and not (k == "birth_date" and v is None and r.person.get("age") is None)
                ):
                    before[k] = _jsonable(getattr(p, k))
                    setattr(p, k, v)
                    if k not in DERIVED:
                        fields.append(k)
            if NAME_FIELDS & before.keys():
                p.name_keys = person_name_keys(vars(p))
            area_id = self.area_ids.get(r.area_code) if r.area_code else p.area_id
            if area_id != p.area_id:
                before["area_id"] = p.area_id
                p.area_id = area_id
                fields.append("area")
            plan = plans.get(r.line)
            if plan is not None and plan[0] == "move":
                hh = self._household_for(r, area_id)
                if hh != p.household_id:
                    before["household_id"] = p.household_id
                    if r.line not in self.repeats:  # (a repeat moves whom this file made)
                        self.out.moved += 1
                        if p.household_id:
                            left.add(p.household_id)
                    p.household_id = hh
                    fields.append("address")
            elif plan is not None:  # the same door: fill in or correct its parts, in place
                door = doors[p.address_id]
                changed = {
                    f: v
                    for f, v in plan[1].items()
                    if address_part_key(v) != address_part_key(door.get(f))
                }  # (a housemate's row earlier in this batch may have done it already)
                if changed:
                    before["address"] = {
                        "id": p.address_id,
                        "match_key": door["match_key"],
                        **{f: _jsonable(door.get(f)) for f in changed},
                    }
                    door.update(changed)
                    door["match_key"] = address_match_key(door)
                    address_updates[p.address_id] = door
                    fields.append("address")
            known = contacts.get(pid, ())
            cps = (
                self._contact_rows(
                    pid,
                    r,
                    has_phone=any(c == "phone" for c, _ in known),
                    has_email=any(c == "email" for c, _ in known),
                    known=known,
                )
                if r.phones or r.emails
                else []
            )
            ext = [
                {"person_id": pid, "namespace": ns, "value": v}
                for ns, v in r.external_ids
                if (pid, ns, v) not in ext_have
            ]
            cf_changed = False
            for k, v in r.custom.items():
                fld = self.custom_fields[k]
                if v is not None and cf_have.get((pid, fld.pk)) != v:
                    before.setdefault("custom", {})[k] = cf_have.get((pid, fld.pk))
                    CustomFieldValue.objects.update_or_create(
                        person_id=pid, field=fld, defaults={"value": v}
                    )
                    cf_changed = True
                    fields.append("custom:" + k)
            vts = []
            for code, (voted, method, party) in r.votes.items():
                eid = self.election_ids[code]
                if votes_have.get((pid, eid)) != (voted, method, party):
                    vts.append(
                        VoteHistory(
                            person_id=pid,
                            election_id=eid,
                            voted=voted,
                            method=method,
                            ballot_party=party,
                        )
                    )
            if before or cps or ext or cf_changed or vts:
                if set(before) - {"custom", "address"}:
                    to_save.append(p)
                fields += sorted({c["channel"] for c in cps})
                fields += ["identifier"] if ext else []
                fields += ["vote_history"] if vts else []
                new_cps += cps
                new_ext += ext
                new_votes += vts
                changes.append(
                    {
                        "batch_id": self.batch.pk,
                        "person_id": pid,
                        "action": "updated",
                        "before": before,
                        "fields": fields,
                    }
                )
                if r.line in self.repeats:
                    self._repeated(r.line, fields)
                else:
                    self.out.updated += 1
                self.out.example("updated", {"line": r.line, "name": p.full_name, "fields": fields})
            elif r.line in self.repeats:
                self._repeated(r.line, [])
            else:
                self.out.unchanged += 1
        if to_save:
            self._save_people(to_save)
        for address_id, door in address_updates.items():
            Address.objects.filter(pk=address_id).update(
                **{f: door.get(f) for f in ADDRESS_FIELDS}, match_key=door["match_key"]
            )
        if left:  # a household is split when some of its members stay behind
            staying = Person.objects.filter(household_id__in=left).values_list(
                "household_id", flat=True
            )
            self.out.split.update(set(staying))
        if new_votes:
            VoteHistory.objects.bulk_create(
                new_votes,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["person", "election"],
                update_fields=["voted", "method", "ballot_party"],
            )
            vote_summary_refresh({v.person_id for v in new_votes})
        for model, rows in (
            (ContactPoint, new_cps),
            (ExternalId, new_ext),
            (ImportChange, changes),
        ):
            insert_rows(model, rows)

    def _repeated(self, line: int, fields: list[str]) -> None:
        """A row repeating a person an earlier batch of rows wrote: it was applied as an update,
        and is reported as a repeat with what it changed."""
        self.out.repeated += 1
        self.notices.append(
            (
                line,
                "repeated",
                str(self.repeats[line]),  # the line it repeats
                ", ".join(fields),
                f"repeats line {self.repeats[line]}; the later row was kept",
            )
        )

    def _save_people(self, people: list[SimpleNamespace]) -> None:
        """What ``bulk_update`` of the compared fields, area, household and ``updated_at`` did,
        as one prepared ``UPDATE`` run for every person (no CASE per field and row)."""
        qn = connection.ops.quote_name
        columns = [*COMPARED, "area_id", "household_id"]
        adapt = {
            f.attname: (
                connection.ops.adapt_datefield_value
                if f.get_internal_type() == "DateField"
                else None
            )
            for f in (Person._meta.get_field(c.removesuffix("_id")) for c in columns)
        }
        sets = ", ".join(
            f"{qn(Person._meta.get_field(c.removesuffix('_id')).column)} = %s" for c in columns
        )
        sql = f"UPDATE {qn(Person._meta.db_table)} SET {sets}, {qn('updated_at')} = %s WHERE {qn('id')} = %s"  # noqa: S608
        now = connection.ops.adapt_datetimefield_value(self.now)
        params = []
        for p in people:
            values = []
            for c in columns:
                v = getattr(p, c)
                f = adapt[c]
                values.append(f(v) if f is not None and v is not None else v)
            params.append([*values, now, p.id])
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def _temp_rows_insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows into one of the engine's temporary tables: COPY on PostgreSQL, one executemany
    elsewhere. One transaction (SQLite would otherwise commit each row), or a savepoint in the
    caller's (a dry run's household keys go when its batch of rows is rolled back)."""
    names = ", ".join(columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


class NewestRows:
    """``options.keep_repeated = newest``: of the rows of one voter (the same identifier) the
    one with the newest date in the column ``newest_by`` is kept; a row without a date there
    (empty or not a date) loses to one with a date; equal dates keep the later row.

    The rows of one voter may be far apart in the file (in different batches of rows), so a
    first pass reads only the identifier columns (and what can reject a row: names, area,
    household key — so the pass agrees with the import on which rows are people) and the date
    column, and keeps identifier → (date, line) in a temporary table, not in memory. One query
    then finds every row that loses, with the row it loses to; the import asks for them one
    batch of rows at a time (by line). To report the cells that differ, a row whose partner
    comes in a later batch is kept in a second temporary table until that batch.
    """

    STEP = 20000  # first-pass rows written per statement

    def __init__(self, mapping: dict) -> None:
        self.header, self.target, self.opts = newest_by(mapping)
        columns = {
            h: spec
            for h, spec in (mapping.get("columns") or {}).items()
            if _first_pass_target(spec)
        }
        constants = {
            t: v for t, v in (mapping.get("constants") or {}).items() if _first_pass_target(t)
        }
        options = {
            k: v
            for k, v in (mapping.get("options") or {}).items()
            if k not in ("keep_repeated", "newest_by")
        }
        self.has_ids = any(
            str(t).startswith("external_id:")
            for t in (*constants, *(_target(spec) for spec in columns.values()))
        )
        self.parser = (
            RowParser({"columns": columns, "constants": constants, "options": options})
            if self.has_ids and columns
            else None
        )
        suffix = uuid.uuid4().hex[:16]
        qn = connection.ops.quote_name
        self.keys = qn(f"import_newest_{suffix}")
        self.losers = qn(f"import_losers_{suffix}")
        self.held = qn(f"import_held_{suffix}")
        self.tables = (self.keys, self.losers, self.held)
        self.suffix = suffix

    def first_pass(self, path: str) -> None:
        """Identifier, date and line of every row that is a person; then the rows that lose."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.keys} (k1 varchar(100) NOT NULL, "
                "k2 varchar(120) NOT NULL, d integer NOT NULL, line bigint NOT NULL)"
            )
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.held} (line bigint PRIMARY KEY, cells text NOT NULL)"
            )
        pending: list[tuple[str, str, int, int]] = []
        if self.parser is not None:
            parse, header, target, opts = self.parser.parse, self.header, self.target, self.opts
            for row in open_sheet(path, limits=import_limits()).rows():
                if row.error:
                    continue
                try:
                    rec = parse(row.line, row.values)
                except RowError:
                    continue  # rejected by the import too: not a row of anyone
                if not rec.external_ids:
                    continue
                day = read_date(row.values.get(header, ""), target, opts)
                n = day.toordinal() if day is not None else 0  # no date: older than any
                for ns, value in set(rec.external_ids):
                    pending.append((ns, value, n, row.line))
                if len(pending) >= self.STEP:
                    self._put(pending)
                    pending = []
        self._put(pending)
        # A row loses when, for one of its identifiers, another row has a newer date, or the
        # same date further down the file; it loses to that identifier's best row.
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.losers} AS "  # noqa: S608
                "SELECT line, d, winner, wd FROM (SELECT a.line AS line, a.d AS d, "
                "b.line AS winner, b.d AS wd, "
                "ROW_NUMBER() OVER (PARTITION BY a.line ORDER BY b.line) AS one "
                f"FROM {self.keys} a JOIN (SELECT k1, k2, line, d FROM (SELECT k1, k2, line, d, "
                "ROW_NUMBER() OVER (PARTITION BY k1, k2 ORDER BY d DESC, line DESC) AS rn "
                f"FROM {self.keys}) r WHERE rn = 1) b ON a.k1 = b.k1 AND a.k2 = b.k2 "
                "WHERE a.line <> b.line) x WHERE one = 1"  # (a row losing on two identifiers)
            )
            qn = connection.ops.quote_name
            cursor.execute(
                f"CREATE INDEX {qn('import_losers_l_' + self.suffix)} ON {self.losers} (line)"
            )
            cursor.execute(
                f"CREATE INDEX {qn('import_losers_w_' + self.suffix)} ON {self.losers} (winner)"
            )
            cursor.execute(f"DROP TABLE {self.keys}")

    def _put(self, rows: list[tuple[str, str, int, int]]) -> None:
        if not rows:
            return
        _temp_rows_insert(self.keys, ("k1", "k2", "d", "line"), rows)

    def chunk(self, rows: list, notices: list, out: Outcome) -> set[int]:
        """The lines of this batch of rows that lose (the import leaves them out); each
        repeat whose two rows are both known by now is reported, with the cells that differ."""
        if not rows:
            return set()
        lo, hi = rows[0].line, rows[-1].line
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT line, d, winner, wd FROM {self.losers} "  # noqa: S608
                "WHERE line BETWEEN %s AND %s ORDER BY line, winner",
                [lo, hi],
            )
            lose: dict[int, tuple[int, int, int]] = {}
            for line, d, winner, wd in cursor.fetchall():
                lose[line] = (d, winner, wd)
            cursor.execute(
                f"SELECT line, d, winner, wd FROM {self.losers} "  # noqa: S608
                "WHERE winner BETWEEN %s AND %s AND (line < %s OR line > %s)",
                [lo, hi, lo, hi],
            )
            wins = cursor.fetchall()
        if not lose and not wins:
            return set()
        here = {row.line: row.values for row in rows}
        pairs: list[tuple[int, int, int, int]] = []  # (loser, d, winner, wd) to report now
        hold: dict[int, dict] = {}
        for line, (d, winner, wd) in lose.items():
            if line not in here:
                continue
            if winner > hi:
                hold[line] = here[line]  # reported when the winner's batch comes
            else:
                pairs.append((line, d, winner, wd))
        for line, d, winner, wd in wins:
            if line > hi:
                hold[winner] = here[winner]  # reported when the loser's batch comes
            else:
                pairs.append((line, d, winner, wd))
        earlier = self._held([ln for p in pairs for ln in (p[0], p[2]) if not lo <= ln <= hi])
        for line, d, winner, wd in pairs:
            old = here.get(line) if lo <= line <= hi else earlier.get(line)
            new = here.get(winner) if lo <= winner <= hi else earlier.get(winner)
            out.repeated += 1
            notices.append(
                (
                    winner,
                    "repeated",
                    f"{line} {_day(wd)} {_day(d)}",  # the row left out, the two dates
                    _differences(old or {}, new or {}),
                    newest_reason(line, winner, _day(wd), _day(d), self.header),
                )
            )
        if hold:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {self.held} (line, cells) VALUES (%s, %s)",  # noqa: S608
                    [(ln, json.dumps(v)) for ln, v in hold.items()],
                )
        return set(lose)

    def _held(self, lines: list[int]) -> dict[int, dict]:
        if not lines:
            return {}
        out = {}
        with connection.cursor() as cursor:
            for part in _parts(sorted(set(lines))):
                cursor.execute(
                    f"SELECT line, cells FROM {self.held} WHERE {_id_in('line', part)}"  # noqa: S608
                )
                out.update((ln, json.loads(cells)) for ln, cells in cursor.fetchall())
        return out

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _target(spec: Any) -> str:
    return spec if isinstance(spec, str) else str((spec or {}).get("target", ""))


def _first_pass_target(spec: Any) -> bool:
    """The columns the first pass of ``keep_repeated = newest`` reads: identifiers and what
    can reject a row (person fields, area, household key); not contacts, addresses, votes."""
    t = _target(spec)
    return t.startswith(("external_id:", "person.")) or t in ROW_TARGETS


def _day(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat() if ordinal else "-"


def newest_reason(line: int, winner: int, kept: str, left: str, column: str) -> str:
    """Why the row on ``winner`` was kept and the one on ``line`` left out (in English, for the
    records; the screen words it in the reader's language from the notice's column)."""
    if kept == "-":
        return (
            f"same person as line {line}; neither has a date in “{column}”: the later row was kept"
        )
    if kept == left:
        return f"same person as line {line}; the same “{column}”: the later row was kept"
    return f"same person as line {line}; the row of {kept} was kept (newer “{column}”)"


class TempMap:
    """A map (text, text) -> integer kept in a temporary table for the length of one import,
    so that what must be remembered across the whole file (the line each identifier was first
    on, the household each household key made) does not grow the process with the file."""

    def __init__(self, name: str) -> None:
        self.table = connection.ops.quote_name(f"import_{name}_{uuid.uuid4().hex[:16]}")
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} (k1 varchar(100) NOT NULL, "
                "k2 varchar(120) NOT NULL, v bigint NOT NULL, PRIMARY KEY (k1, k2))"
            )

    def get(self, keys) -> dict[tuple[str, str], int]:
        rows = _keyed_rows(
            "t.k1, t.k2, t.v", f"{self.table} t", "", ["t.k1", "t.k2"], ["text", "text"],
            sorted(keys),
        )  # fmt: skip
        return {(k1, k2): v for k1, k2, v in rows}

    def put(self, rows: list[tuple[str, str, int]]) -> None:
        if not rows:
            return
        _temp_rows_insert(self.table, ("k1", "k2", "v"), rows)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


ANALYZED = (
    "people_person",
    "people_household",
    "people_address",
    "people_externalid",
    "people_contactpoint",
    "people_votehistory",
    "people_importchange",
)


def _analyze() -> None:
    """Fresh planner statistics for the tables a big import has filled (without them
    PostgreSQL may plan the next batch's joins as if the tables were still empty)."""
    bulk.analyze(*ANALYZED)


# The parts that tell one door from another (Address.match_key is made of them).
DOOR_PARTS = ("house_number", "street", "line2", "locality", "city", "postal_code")
DERIVED = frozenset({"full_name", "born_estimate", "age_as_of"})  # follow from other fields
_EMPTY = (None, "")
PERSON_ATTRS = (
    "id",
    *COMPARED,
    "area_id",
    "household_id",
    "address_id",
    "match_key",
    *("addr_" + f for f in ADDRESS_FIELDS),
)
PERSON_COLUMNS = (
    "id",
    *COMPARED,
    "area_id",
    "household_id",
    "household__address_id",
    "household__address__match_key",
    *("household__address__" + f for f in ADDRESS_FIELDS),
)
COMPARED_SET = frozenset(COMPARED)
NAME_FIELDS = frozenset({"given_name", "middle_name", "family_name", "native_name"})
PART = 5000  # ids per ``IN (…)`` list


def _id_in(column: str, ids: list[int]) -> str:
    """``column IN (1, 2, …)`` for database ids (each forced to an integer)."""
    return f"{column} IN ({', '.join(str(int(i)) for i in ids)})"


def _parts(ids: list) -> list[list]:
    return [ids[i : i + PART] for i in range(0, len(ids), PART)]


def _keyed_rows(
    columns: str, table: str, joins: str, on: list[str], types: list[str], keys: list[tuple]
) -> list[tuple]:
    """``SELECT columns FROM table joins`` for the rows whose ``on`` columns equal one of
    ``keys``: a join with ``unnest`` of one array per column on PostgreSQL (one statement,
    whatever the number of keys), ``(a, b) IN (VALUES …)`` in batches on SQLite."""
    if not keys:
        return []
    width = len(on)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(f"k{i}" for i in range(width))
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            cond = " AND ".join(f"{c} = k.k{i}" for i, c in enumerate(on))
            cursor.execute(
                f"SELECT {columns} FROM unnest({arrays}) AS k({names}) "  # noqa: S608
                f"JOIN {table} ON {cond} {joins}",
                [list(column) for column in zip(*keys, strict=True)],
            )
            return cursor.fetchall()
        rows: list[tuple] = []
        per = max(1, max_params() // width - 1)
        one = "(" + ", ".join(["%s"] * width) + ")"
        lhs = "(" + ", ".join(on) + ")"
        for start in range(0, len(keys), per):
            part = keys[start : start + per]
            cursor.execute(
                f"SELECT {columns} FROM {table} {joins} "  # noqa: S608
                f"WHERE {lhs} IN (VALUES {', '.join([one] * len(part))})",
                [x for key in part for x in key],
            )
            rows += cursor.fetchall()
        return rows


def _existing_households(keys: set[str]) -> list[tuple]:
    """(id, area id, address key) of the households at these doors, oldest first."""
    return sorted(
        _keyed_rows(
            "h.id, h.area_id, a.match_key",
            "people_address a",
            "JOIN people_household h ON h.address_id = a.id",
            ["a.match_key"],
            ["text"],
            [(k,) for k in sorted(keys)],
        )
    )


def _namesakes(pairs: set[tuple[str, dt.date]]):
    """(id, full name, born estimate, address key) of the people with one of these names and
    birth dates (the index on full name + born estimate answers it)."""
    sqlite = connection.vendor != "postgresql"
    rows = _keyed_rows(
        "p.id, p.full_name, p.born_estimate, a.match_key",
        "people_person p",
        "LEFT JOIN people_household h ON h.id = p.household_id "
        "LEFT JOIN people_address a ON a.id = h.address_id",
        ["p.full_name", "p.born_estimate"],
        ["text", "date"],
        [(n, b.isoformat() if sqlite else b) for n, b in sorted(pairs)],
    )
    for pid, name, born, key in rows:
        yield pid, name, dt.date.fromisoformat(born) if isinstance(born, str) else born, key


def _door_differs(door: dict[str, Any], address: dict[str, Any]) -> bool:
    """A file's address is another door when a part of the door's key that both the file and
    the door have differs (case, spacing and punctuation aside); a part only one side has is
    filled in, not a move (ADR 0011)."""
    for f in DOOR_PARTS:
        new, old = address.get(f), door.get(f)
        if (
            new not in _EMPTY
            and old not in _EMPTY
            and address_part_key(new) != address_part_key(old)
        ):
            return True
    return False


def _differences(earlier: dict[str, str], later: dict[str, str]) -> str:
    """``column: old → new`` for each cell that differs between two rows of the file."""
    out = []
    for column, new in later.items():
        old = earlier.get(column, "")
        if (old or "").strip() != (new or "").strip():
            out.append(f"{column}: {old.strip() or '—'} → {new.strip() or '—'}")
    return "; ".join(out)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
