"""Geography's part of the demo campaign: area kinds, the area tree, polling stations, elections.

The area rows come from the demo plan (``people.demo``, which draws the electorate and the
areas it lives in from one random stream); this module defines their shape and writes them.
Registered in ``core.registry.demo_seeders`` (``GeographyConfig.ready``); idempotent: existing
areas (by code), stations and elections (by code) are kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grassroots.core.access import SYSTEM
from grassroots.geography.models import Area, Election, PollingStation
from grassroots.geography.services import (
    area_kind_ensure,
    areas_bulk_create,
    election_create,
    race_create,
)

if TYPE_CHECKING:
    from grassroots.core.registry import DemoRun

AREA_KINDS: list[dict[str, Any]] = [
    {
        "code": "country",
        "names": {"hi": "देश", "bn": "দেশ", "it": "Paese"},
        "name": "Country",
        "plural": "Countries",
        "sort_order": 10,
    },
    {
        "code": "state",
        "names": {"hi": "राज्य", "bn": "রাজ্য", "it": "Stato"},
        "name": "State",
        "plural": "States",
        "sort_order": 20,
    },
    {
        "code": "district",
        "names": {"hi": "ज़िला", "bn": "জেলা", "it": "Distretto"},
        "name": "District",
        "plural": "Districts",
        "sort_order": 30,
    },
    {
        "code": "county",
        "names": {"hi": "काउंटी", "bn": "কাউন্টি", "it": "Contea"},
        "name": "County",
        "plural": "Counties",
        "sort_order": 30,
    },
    {
        "code": "ac",
        "names": {"hi": "विधानसभा क्षेत्र", "bn": "বিধানসভা কেন্দ্র", "it": "Collegio dell'Assemblea"},
        "name": "Assembly constituency",
        "plural": "Assembly constituencies",
        "sort_order": 40,
    },
    {
        "code": "cd",
        "names": {
            "hi": "कांग्रेस निर्वाचन क्षेत्र",
            "bn": "কংগ্রেস নির্বাচনী এলাকা",
            "it": "Distretto congressuale",
        },
        "name": "Congressional district",
        "plural": "Congressional districts",
        "sort_order": 40,
    },
    {
        "code": "part",
        "names": {"hi": "भाग (बूथ)", "bn": "ভাগ (বুথ)", "it": "Sezione (seggio)"},
        "name": "Part (booth)",
        "plural": "Parts (booths)",
        "is_polling_unit": True,
        "sort_order": 50,
    },
    {
        "code": "precinct",
        "names": {
            "hi": "प्रीसिंक्ट (मतदान क्षेत्र)",
            "bn": "প্রিসিংক্ট (ভোটকেন্দ্র এলাকা)",
            "it": "Precinct (seggio)",
        },
        "name": "Precinct",
        "plural": "Precincts",
        "is_polling_unit": True,
        "sort_order": 50,
    },
    {
        "code": "section",
        "names": {"hi": "अनुभाग", "bn": "অংশ", "it": "Settore"},
        "name": "Section",
        "plural": "Sections",
        "sort_order": 60,
    },
]

# (code, name, kind, date, area code, [(office, area code, seats)])
ELECTIONS: list[tuple[str, str, str, dt.date, str, list[tuple[str, str, int]]]] = [
    (
        "in-wb-2026-assembly",
        "West Bengal Assembly 2026",
        "general",
        dt.date(2026, 4, 29),
        "IN-WB",
        [("Member of Legislative Assembly, 158 - Bhabanipur", "IN-WB-AC158", 1)],
    ),
    (
        "us-2022-general",
        "2022 General",
        "general",
        dt.date(2022, 11, 8),
        "US-CA",
        [("U.S. Representative, District 12", "US-CA-CD12", 1), ("Governor", "US-CA", 1)],
    ),
    (
        "us-2024-primary",
        "2024 Primary",
        "primary",
        dt.date(2024, 3, 5),
        "US-CA",
        [("U.S. Representative, District 12", "US-CA-CD12", 1), ("U.S. Senator", "US-CA", 1)],
    ),
    (
        "us-2024-general",
        "2024 General",
        "general",
        dt.date(2024, 11, 5),
        "US-CA",
        [("U.S. Representative, District 12", "US-CA-CD12", 1), ("President", "US", 1)],
    ),
]


@dataclass(slots=True)
class AreaRow:
    code: str
    name: str
    native_name: str
    kind: str
    parent: str | None
    latitude: float | None
    longitude: float | None


@dataclass(slots=True)
class StationRow:
    area: str
    part_number: int | None
    name: str
    address: str
    latitude: float
    longitude: float
    electors_male: int = 0
    electors_female: int = 0
    electors_third_gender: int = 0


def _write_areas(area_rows: list[AreaRow]) -> dict[str, Area]:
    kinds = {spec["code"]: area_kind_ensure(**spec) for spec in AREA_KINDS}
    areas = {a.code: a for a in Area.objects.filter(code__in=[r.code for r in area_rows])}
    depth: dict[str, int] = {}
    groups: dict[tuple[int, str | None], list[AreaRow]] = {}
    for row in area_rows:
        depth[row.code] = depth[row.parent] + 1 if row.parent else 0
        groups.setdefault((depth[row.code], row.parent), []).append(row)
    for (_depth, parent_code), rows in sorted(groups.items(), key=lambda kv: kv[0][0]):
        missing = [r for r in rows if r.code not in areas]
        if not missing:
            continue
        created = areas_bulk_create(
            [
                {
                    "kind": kinds[r.kind],
                    "code": r.code,
                    "name": r.name,
                    "native_name": r.native_name,
                    "latitude": r.latitude,
                    "longitude": r.longitude,
                }
                for r in missing
            ],
            areas[parent_code] if parent_code else None,
        )
        areas.update({a.code: a for a in created})
    return areas


def _write_elections(areas: dict[str, Area]) -> dict[str, Election]:
    elections = {e.code: e for e in Election.objects.filter(code__in=[e[0] for e in ELECTIONS])}
    for code, name, kind, date, area_code, races in ELECTIONS:
        if code in elections:
            continue
        election = election_create(
            actor=SYSTEM, name=name, kind=kind, date=date, area=areas[area_code], code=code
        )
        elections[code] = election
        for office, race_area, seats in races:
            race_create(
                actor=SYSTEM, election=election, area=areas[race_area], office=office, seats=seats
            )
    return elections


def seed(run: DemoRun) -> dict[str, int]:
    """The areas and polling stations of ``run.plan``, then the elections and their races."""
    plan = run.plan
    areas = _write_areas(plan.areas)
    have_station = set(
        PollingStation.objects.filter(area__in=[areas[s.area] for s in plan.stations]).values_list(
            "area__code", flat=True
        )
    )
    PollingStation.objects.bulk_create(
        [
            PollingStation(
                area=areas[s.area],
                part_number=s.part_number,
                name=s.name,
                address=s.address,
                latitude=s.latitude,
                longitude=s.longitude,
                electors_male=s.electors_male,
                electors_female=s.electors_female,
                electors_third_gender=s.electors_third_gender,
            )
            for s in plan.stations
            if s.area not in have_station
        ]
    )

    run.progress.log(f"Created {len(plan.areas)} areas and {len(plan.stations)} polling stations.")
    run.areas = areas
    run.elections = _write_elections(areas)
    return {"elections": len(ELECTIONS), "races": sum(len(e[5]) for e in ELECTIONS)}
