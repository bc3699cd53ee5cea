"""The CSVs: header plus rows, produced line by line for a streaming response.

Same conventions as the people export (``people.exports.services``): UTF-8 with a BOM (Excel then
opens Bengali/Devanagari correctly) and every cell through ``exports.safe_cell``, the one
defence against spreadsheet formula injection. (``exports._write_csv`` writes to a file, so it
cannot feed a streaming response; the line encoding below is the same ``csv.writer``.)
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from grassroots.lists.outputs import rows
from grassroots.people.exports.services import safe_cell

BOM = "\ufeff"


class _Line:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], data: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield BOM + writer.writerow([safe_cell(h) for h in header])
    for row in data:
        yield writer.writerow([safe_cell(v) for v in row])


def _s(value) -> str:
    return "" if value is None else str(value)


def walk_csv(walk: rows.WalkList) -> Iterator[str]:
    header = [
        _("Walk order"),
        _("Street"),
        _("Side"),
        _("House number"),
        _("Address"),
        _("Household ID"),
        _("Person ID"),
        _("Name"),
        _("Name in native script"),
        _("Age"),
        _("Gender"),
        _("Support score"),
        _("Phone on file"),
    ]

    def data():
        n = 0
        for side in walk.sides:
            for door in side.doors:
                n += 1
                for p in door.people:
                    yield [
                        n,
                        side.street,
                        side.side,
                        door.house_number,
                        door.address,
                        _s(door.household_id),
                        p["id"],
                        p["name"],
                        p["native_name"],
                        _s(p["age"]),
                        p["gender"],
                        _s(p["support"]),
                        "" if p["phone"] is None else (p["phone"] or "unknown"),
                    ]

    return csv_lines(header, data())


def call_csv(calls: list[rows.Call]) -> Iterator[str]:
    header = [
        _("Person ID"),
        _("Name"),
        _("Name in native script"),
        _("Phone"),
        _("Phone type"),
        _("WhatsApp"),
        _("Other phones"),
        _("Age"),
        _("Gender"),
        _("Support score"),
        _("Address"),
    ]
    return csv_lines(
        header,
        (
            [
                c.person["id"],
                c.person["name"],
                c.person["native_name"],
                c.phone.value,
                c.phone.phone_kind,
                "yes" if c.phone.whatsapp else "no",
                " ".join(o.value for o in c.others),
                _s(c.person["age"]),
                c.person["gender"],
                _s(c.person["support_score"]),
                ", ".join(rows.address_lines(c.person)),
            ]
            for c in calls
        ),
    )


def mail_csv(mailings: list[rows.Mailing]) -> Iterator[str]:
    header = [
        _("Household ID"),
        _("Addressee"),
        _("Address line 1"),
        _("Address line 2"),
        _("Address line 3"),
        _("Address line 4"),
        _("City"),
        _("Region"),
        _("Postal code"),
        _("Country"),
        _("People"),
    ]
    return csv_lines(
        header,
        (
            [
                _s(m.household_id),
                m.addressee,
                *(m.lines + ["", "", "", ""])[:4],
                m.row["city"],
                m.row["region"],
                m.row["postal_code"],
                m.row["country"],
                m.people,
            ]
            for m in mailings
        ),
    )


def booth_csv(parts: list[rows.Part]) -> Iterator[str]:
    header = [
        _("Part code"),
        _("Part number"),
        _("Serial number"),
        _("EPIC"),
        _("Name"),
        _("Name in native script"),
        _("Relation"),
        _("Relative's name"),
        _("House number"),
        _("Age"),
        _("Gender"),
        _("Support score"),
        _("Person ID"),
    ]
    return csv_lines(
        header,
        (
            [
                part.area.code if part.area else "",
                part.number,
                _s(p["serial_number"]),
                p["epic"] or "",
                p["name"],
                p["native_name"],
                p["relation_type"],
                p["relative_name"],
                p["house_number"] or "",
                _s(p["age"]),
                p["gender"],
                _s(p["support_score"]),
                p["id"],
            ]
            for part in parts
            for p in part.voters
        ),
    )
