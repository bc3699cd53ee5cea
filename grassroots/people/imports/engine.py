"""The import engine: stream a file, parse each row with the mapping, match, write in batches.

Each batch of rows is one transaction, so a stopped import keeps what it finished; running the
same file again matches those people (by identifier, else by name + birth date + address) and
changes nothing for them. A dry run does all the work, each batch of rows in a transaction that is rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from grassroots.core.bulk import insert_rows
from grassroots.geography.models import Area, Election
from grassroots.people.imports.mapping import Record, RowError, RowParser
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
    ImportRejection,
    Person,
    VoteHistory,
)
from grassroots.people.services import custom_value_clean

CHUNK = 2000
EXAMPLES = 5
COMPARED = (
    "given_name",
    "middle_name",
    "family_name",
    "full_name",
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
)


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rows: int = 0
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
        }


class Importer:
    def __init__(self, batch: ImportBatch, reporter=None, chunk: int = CHUNK):
        self.batch = batch
        self.reporter = reporter
        self.chunk = chunk
        self.parser = RowParser(batch.mapping)
        self.options = batch.mapping.get("options") or {}
        self.match_rules = self.options.get("match") or ["external_id", "name_birth"]
        self.out = Outcome()
        self.area_ids: dict[str, int | None] = {}
        self.election_ids: dict[str, int | None] = {}
        self.custom_fields = {f.key: f for f in CustomField.objects.all()}
        self.households: dict[tuple, int] = {}  # (area_id, address key or household key) -> id
        self.seen_ids: dict[tuple[str, str], int] = {}  # identifier -> first line in this file
        self.now = timezone.now()

    # --- driver -------------------------------------------------------------------------
    def run(self) -> Outcome:
        sheet = open_sheet(self.batch.stored_path)
        self._stream(sheet)
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
        for row in rows:
            self.out.rows += 1
            raw_by_line[row.line] = row.raw
            if row.error:
                rejects.append((row.line, row.error, row.raw))
                continue
            try:
                rec = self.parser.parse(row.line, row.values)
            except RowError as exc:
                rejects.append((row.line, str(exc), row.raw))
                continue
            dup = next((self.seen_ids[k] for k in rec.external_ids if k in self.seen_ids), None)
            if dup is not None:
                rejects.append(
                    (row.line, f"the same identifier is on line {dup} of this file", row.raw)
                )
                continue
            for k in rec.external_ids:
                self.seen_ids[k] = row.line
            records.append(rec)
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
            if self.batch.dry_run:
                # A check writes nothing: each batch of rows is rolled back on its own, so the
                # database is never locked for longer than one batch (SQLite has one writer).
                transaction.set_rollback(True)
            elif rejections:
                ImportRejection.objects.bulk_create(rejections)
        if self.batch.dry_run:
            self.households.clear()  # those households were rolled back
            if rejections:  # the rejected rows are shown before the real import
                ImportRejection.objects.bulk_create(rejections)
        ImportBatch.objects.filter(pk=self.batch.pk).update(heartbeat_at=timezone.now())
        self.out.rejected += len(rejects)
        for ln, reason, _raw in rejects[:EXAMPLES]:
            self.out.example("rejected", {"line": ln, "reason": reason})
        if self.reporter is not None:
            self.reporter.advance(self.out.rows)

    # --- references: areas and elections ------------------------------------------------
    def _resolve_refs(self, records, rejects, raw_by_line) -> list[Record]:
        codes = {r.area_code for r in records if r.area_code} - set(self.area_ids)
        if codes:
            found = dict(Area.objects.filter(code__in=codes).values_list("code", "id"))
            for c in codes:
                self.area_ids[c] = found.get(c)
        ecodes = {c for r in records for c in r.votes} - set(self.election_ids)
        if ecodes:
            found = dict(Election.objects.filter(code__in=ecodes).values_list("code", "id"))
            for c in ecodes:
                self.election_ids[c] = found.get(c)
        kept = []
        for r in records:
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
                try:
                    r.custom = {
                        k: custom_value_clean(self.custom_fields[k], v) for k, v in r.custom.items()
                    }
                except Exception as exc:  # ValidationError with a message
                    rejects.append(
                        (
                            r.line,
                            "; ".join(getattr(exc, "messages", [str(exc)])),
                            raw_by_line[r.line],
                        )
                    )
                    continue
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
                values = {v for _ns, v in keys}
                for ns, v, pid in ExternalId.objects.filter(value__in=values).values_list(
                    "namespace", "value", "person_id"
                ):
                    if (ns, v) in keys:
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
                names = {r.person["full_name"] for r in todo}
                candidates = defaultdict(list)
                for pid, name, born, key in Person.objects.filter(full_name__in=names).values_list(
                    "id", "full_name", "born_estimate", "household__address__match_key"
                ):
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

    def _prefetch_households(self, records: list[Record]) -> None:
        """Find or create, in a few statements, the households a chunk of records needs."""
        wanted: dict[tuple, Record] = {}
        for r in records:
            area_id = self.area_ids.get(r.area_code) if r.area_code else None
            key = r.address_key
            ck = (area_id, "hh:" + r.household_key) if r.household_key else (area_id, key)
            if (key or r.household_key) and ck not in self.households and ck not in wanted:
                wanted[ck] = r
        if not wanted:
            return
        keys = {r.address_key for r in wanted.values() if r.address}
        keys.discard("")
        if keys:
            for hid, area_id, key in Household.objects.filter(
                address__match_key__in=keys
            ).values_list("id", "area_id", "address__match_key"):
                self.households.setdefault((area_id, key), hid)
        todo = []
        for ck, r in wanted.items():
            key = r.address_key
            if key and (ck[0], key) in self.households:
                self.households[ck] = self.households[(ck[0], key)]
            elif ck not in self.households:
                todo.append((ck, r, key))
        if not todo:
            return
        addresses = [
            Address(area_id=ck[0], match_key=key, created_at=self.now, **r.address)
            if r.address
            else None
            for ck, r, key in todo
        ]
        Address.objects.bulk_create([a for a in addresses if a is not None], batch_size=500)
        households = [
            Household(address=a, area_id=ck[0], created_at=self.now)
            for (ck, _r, _key), a in zip(todo, addresses, strict=True)
        ]
        Household.objects.bulk_create(households, batch_size=500)
        for (ck, _r, key), h in zip(todo, households, strict=True):
            self.households[ck] = h.pk
            if key:
                self.households.setdefault((ck[0], key), h.pk)

    def _household_for(self, rec: Record, area_id: int | None) -> int | None:
        key = rec.address_key
        cache_key = (area_id, "hh:" + rec.household_key) if rec.household_key else (area_id, key)
        if not key and not rec.household_key:
            return None
        if cache_key in self.households:
            return self.households[cache_key]
        hh_id = None
        if key:
            hh_id = (
                Household.objects.filter(address__match_key=key, area_id=area_id)
                .values_list("id", flat=True)
                .first()
            )
        if hh_id is None:
            addr = (
                Address.objects.create(area_id=area_id, match_key=key, **rec.address)
                if rec.address
                else None
            )
            hh_id = Household.objects.create(address=addr, area_id=area_id).id
        self.households[cache_key] = hh_id
        if key:
            self.households[(area_id, key)] = hh_id
        return hh_id

    def _create(self, records: list[Record]) -> None:
        self._prefetch_households(records)
        rows = []
        for r in records:
            area_id = self.area_ids.get(r.area_code) if r.area_code else None
            fields = {k: v for k, v in r.person.items() if k in COMPARED}
            rows.append(
                {
                    "area_id": area_id,
                    "household_id": self._household_for(r, area_id),
                    "created_at": self.now,
                    **fields,
                }
            )
        ids = insert_rows(Person, rows)
        ext, cps, cfv, votes, changes = [], [], [], [], []
        for r, pid in zip(records, ids, strict=True):
            ext += [{"person_id": pid, "namespace": ns, "value": v} for ns, v in r.external_ids]
            cps += [
                _as_row(c) for c in self._contact_rows(pid, r, has_phone=False, has_email=False)
            ]
            cfv += [
                {"person_id": pid, "field_id": self.custom_fields[k].pk, "value": v}
                for k, v in r.custom.items()
                if v is not None
            ]
            votes += [
                {"person_id": pid, "election_id": self.election_ids[c], "voted": voted, "method": m}
                for c, (voted, m) in r.votes.items()
            ]
            changes.append({"batch_id": self.batch.pk, "person_id": pid, "action": "created"})
            self.out.example("created", {"line": r.line, "name": r.person.get("full_name", "")})
        for model, batch_rows in (
            (ExternalId, ext),
            (ContactPoint, cps),
            (CustomFieldValue, cfv),
            (VoteHistory, votes),
            (ImportChange, changes),
        ):
            insert_rows(model, batch_rows)
        self.out.created += len(records)

    def _contact_rows(
        self, pid: int, r: Record, *, has_phone: bool, has_email: bool, known=()
    ) -> list:
        rows = []
        for i, phone in enumerate(r.phones):
            if ("phone", phone) not in known:
                rows.append(
                    ContactPoint(
                        person_id=pid,
                        channel="phone",
                        value=phone,
                        source="import",
                        is_primary=(i == 0 and not has_phone),
                        created_at=self.now,
                    )
                )
        for i, email in enumerate(r.emails):
            if ("email", email) not in known:
                rows.append(
                    ContactPoint(
                        person_id=pid,
                        channel="email",
                        value=email,
                        source="import",
                        is_primary=(i == 0 and not has_email),
                        created_at=self.now,
                    )
                )
        return rows

    def _update(self, records: list[Record], matched: dict[int, int]) -> None:
        ids = [matched[r.line] for r in records]
        people = {
            p.pk: p for p in Person.objects.filter(pk__in=ids).select_related("household__address")
        }
        contacts = defaultdict(set)
        for pid, ch, v in ContactPoint.objects.filter(person_id__in=ids).values_list(
            "person_id", "channel", "value"
        ):
            contacts[pid].add((ch, v))
        ext_have = set(
            ExternalId.objects.filter(person_id__in=ids).values_list(
                "person_id", "namespace", "value"
            )
        )
        cf_have = {
            (pid, fid): val
            for pid, fid, val in CustomFieldValue.objects.filter(person_id__in=ids).values_list(
                "person_id", "field_id", "value"
            )
        }
        votes_have = {
            (pid, eid): (v, m)
            for pid, eid, v, m in VoteHistory.objects.filter(person_id__in=ids).values_list(
                "person_id", "election_id", "voted", "method"
            )
        }
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
            for k, v in r.person.items():
                if (
                    k in COMPARED
                    and getattr(p, k) != v
                    and not (v in (None, "") and k not in ("birth_date",))
                ):
                    before[k] = _jsonable(getattr(p, k))
                    setattr(p, k, v)
            area_id = self.area_ids.get(r.area_code) if r.area_code else p.area_id
            if area_id != p.area_id:
                before["area_id"] = p.area_id
                p.area_id = area_id
            if r.address:
                key = r.address_key
                current = (
                    p.household.address.match_key
                    if p.household_id and p.household.address_id
                    else ""
                )
                if key != current:
                    hh = self._household_for(r, area_id)
                    if hh != p.household_id:
                        before["household_id"] = p.household_id
                        p.household_id = hh
            cps = self._contact_rows(
                pid,
                r,
                has_phone=any(c == "phone" for c, _ in contacts[pid]),
                has_email=any(c == "email" for c, _ in contacts[pid]),
                known=contacts[pid],
            )
            ext = [
                ExternalId(person_id=pid, namespace=ns, value=v)
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
            vts = []
            for code, (voted, method) in r.votes.items():
                eid = self.election_ids[code]
                if votes_have.get((pid, eid)) != (voted, method):
                    vts.append(
                        VoteHistory(person_id=pid, election_id=eid, voted=voted, method=method)
                    )
            if before or cps or ext or cf_changed or vts:
                if set(before) - {"custom"}:
                    p.updated_at = self.now
                    to_save.append(p)
                new_cps += cps
                new_ext += ext
                new_votes += vts
                changes.append(
                    ImportChange(batch=self.batch, person_id=pid, action="updated", before=before)
                )
                self.out.updated += 1
                self.out.example(
                    "updated",
                    {
                        "line": r.line,
                        "name": p.full_name,
                        "fields": sorted(before) + (["contact"] if cps else []),
                    },
                )
            else:
                self.out.unchanged += 1
        if to_save:
            Person.objects.bulk_update(
                to_save, [*COMPARED, "area_id", "household_id", "updated_at"], batch_size=500
            )
        if new_votes:
            VoteHistory.objects.bulk_create(
                new_votes,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["person", "election"],
                update_fields=["voted", "method"],
            )
        for model, rows in (
            (ContactPoint, new_cps),
            (ExternalId, new_ext),
            (ImportChange, changes),
        ):
            if rows:
                model.objects.bulk_create(rows, batch_size=500)


def _as_row(obj) -> dict[str, Any]:
    return {
        f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
