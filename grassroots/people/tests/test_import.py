"""Voter-file import: templates, matching, idempotent re-import, rejections, dry run, rollback."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from grassroots.core.access import SYSTEM
from grassroots.geography import services as geo_services
from grassroots.people.imports import services
from grassroots.people.models import (
    ContactPoint,
    ExternalId,
    Household,
    ImportBatch,
    ImportChange,
    ImportNotice,
    ImportRejection,
    Person,
    VoteHistory,
)

OSDI = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "osdi_fake_people.csv"

ROLL_HEADER = [
    "AC",
    "Part",
    "Section",
    "Serial",
    "EPIC",
    "Name",
    "Name (native)",
    "Relation",
    "Relative",
    "House No",
    "Age",
    "Gender",
    "Mobile",
]
ROLL_ROWS = [
    [
        "1",
        "1",
        "Elgin Road",
        "1",
        "WKH1234566",
        "Mitali Ghosh",
        "মিতালী ঘোষ",
        "H",
        "Amit Ghosh",
        "7",
        "41",
        "F",
        "9830011111",
    ],
    [
        "1",
        "1",
        "Elgin Road",
        "2",
        "WKH7654320",
        "Amit Ghosh",
        "অমিত ঘোষ",
        "F",
        "Haren Ghosh",
        "7",
        "45",
        "M",
        "",
    ],
    [
        "1",
        "2",
        "Lansdowne",
        "1",
        "WKH0000026",
        "Rina Pal",
        "",
        "F",
        "Gopal Pal",
        "12",
        "30",
        "F",
        "",
    ],
]


def write_csv(path: Path, header, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def run(path, *, template="india-roll", dry_run=False, actor=None):
    batch = services.import_create(actor=actor, path=path, template=template, dry_run=dry_run)
    counts = services.import_run(batch=batch)
    batch.refresh_from_db()
    return batch, counts


def test_india_roll_creates_people_households_and_areas(geo, tmp_path):
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, ROLL_ROWS)
    batch, counts = run(path)
    assert counts == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0, "rows": 3}
    mitali = Person.objects.get(external_ids__value="WKH1234566")
    assert mitali.full_name == "Mitali Ghosh" and mitali.native_name == "মিতালী ঘোষ"
    assert (
        mitali.area == geo["p1"] and mitali.relation_type == "husband" and mitali.gender == "female"
    )
    assert mitali.age == 41 and mitali.age_as_of == dt.date(2026, 1, 1)
    assert mitali.contact_points.get().value == "+919830011111"
    amit = Person.objects.get(external_ids__value="WKH7654320")
    assert amit.household_id == mitali.household_id  # same door: one household
    rina = Person.objects.get(full_name="Rina Pal")
    assert rina.area == geo["p2"] and rina.household_id != mitali.household_id
    assert batch.status == "succeeded" and ImportChange.objects.filter(batch=batch).count() == 3


def test_reimporting_the_same_file_changes_nothing(geo, tmp_path):
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, ROLL_ROWS)
    run(path)
    before = (Person.objects.count(), Household.objects.count(), ContactPoint.objects.count())
    _batch, counts = run(path)
    assert counts == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0, "rows": 3}
    assert (
        Person.objects.count(),
        Household.objects.count(),
        ContactPoint.objects.count(),
    ) == before


def test_changed_rows_update_and_rollback_restores(geo, users, tmp_path):
    first, _ = run(write_csv(tmp_path / "a.csv", ROLL_HEADER, ROLL_ROWS))
    changed = [row[:] for row in ROLL_ROWS]
    changed[0][10] = "42"  # Mitali's age
    changed[0][12] = "9830022222"  # a second phone
    changed.append(
        [
            "1",
            "2",
            "Lansdowne",
            "2",
            "WKH1111111",
            "Nobin Pal",
            "",
            "F",
            "Gopal Pal",
            "12",
            "33",
            "M",
            "",
        ]
    )
    second, counts = run(
        write_csv(tmp_path / "b.csv", ROLL_HEADER, changed), actor=users["manager"]
    )
    assert counts["created"] == 1 and counts["updated"] == 1 and counts["unchanged"] == 2
    mitali = Person.objects.get(external_ids__value="WKH1234566")
    assert mitali.age == 42
    assert set(mitali.contact_points.values_list("value", flat=True)) == {
        "+919830011111",
        "+919830022222",
    }
    # rollback of the second import: Nobin goes, Mitali's age and phones come back
    result = services.import_rollback(actor=users["manager"], batch=second)
    assert result == {"removed": 1, "restored": 1}
    mitali.refresh_from_db()
    assert mitali.age == 41
    assert list(mitali.contact_points.values_list("value", flat=True)) == ["+919830011111"]
    assert not Person.objects.filter(full_name="Nobin Pal").exists()
    with pytest.raises(ValidationError):
        services.import_rollback(actor=users["manager"], batch=second)  # only once
    assert first.status == "succeeded"


def test_bad_rows_are_rejected_and_bad_values_left_out(geo, tmp_path):
    rows = [
        ROLL_ROWS[0],
        [
            "1",
            "1",
            "Elgin Road",
            "3",
            "WKH1234567",
            "Bad Epic",
            "",
            "F",
            "X",
            "7",
            "41",
            "F",
            "",
        ],  # check digit
        [
            "1",
            "9",
            "Nowhere",
            "1",
            "WKH0000034",
            "No Part",
            "",
            "F",
            "X",
            "1",
            "41",
            "F",
            "",
        ],  # unknown part
        ["1", "1", "Elgin Road", "4", "WKH0000042", "Too Old", "", "F", "X", "7", "300", "F", ""],
        [
            "1",
            "1",
            "Elgin Road",
            "5",
            "WKH1234566",
            "Dup Epic",
            "",
            "F",
            "X",
            "7",
            "41",
            "F",
            "",
        ],  # dup in file
        [
            "1",
            "1",
            "Elgin Road",
            "6",
            "WKH0000059",
            "<script>x</script>",
            "",
            "F",
            "X",
            "7",
            "41",
            "F",
            "",
        ],
        [
            "1",
            "1",
            "Elgin Road",
            "7",
            "WKH0000067",
            "Bad Phone",
            "",
            "F",
            "X",
            "7",
            "41",
            "F",
            "12",
        ],
        ["1", "1", "Elgin Road", "8", "WKH0000075", "Bad Gender", "", "F", "X", "7", "41", "Q", ""],
    ]
    path = write_csv(tmp_path / "bad.csv", ROLL_HEADER, rows)
    with open(path, "a", encoding="utf-8") as f:
        f.write("1,1,ragged\n")
    batch, counts = run(path)
    # Rejected: the unknown part (4), the name with markup (7), the ragged row (10). Line 2 is
    # replaced by line 6 (the same EPIC, later); lines 3, 5, 8 and 9 lose one value each.
    assert counts["created"] == 5 and counts["rejected"] == 3
    assert counts["values_rejected"] == 4 and counts["repeated"] == 1
    reasons = {r.line: r.reason for r in ImportRejection.objects.filter(batch=batch)}
    assert set(reasons) == {4, 7, 10}
    assert "unknown area code “IN-WB-AC1-P009”" in reasons[4]
    assert "characters a name cannot have" in reasons[7]
    assert "fields" in reasons[10] or "header" in reasons[10]
    assert ImportRejection.objects.get(batch=batch, line=4).raw.startswith("1,9,Nowhere")
    values = {
        n.line: (n.column, n.value, n.reason)
        for n in ImportNotice.objects.filter(batch=batch, kind="value")
    }
    assert set(values) == {3, 5, 8, 9}
    assert values[3][:2] == ("EPIC", "WKH1234567")
    assert values[5][:2] == ("Age", "300") and "Age must be between 0 and 125" in values[5][2]
    assert values[8][:2] == ("Mobile", "12") and "phone number" in values[8][2]
    assert values[9][:2] == ("Gender", "Q") and "gender" in values[9][2]
    assert Person.objects.filter(full_name="Bad Epic", external_ids__isnull=True).exists()
    assert Person.objects.get(full_name="Too Old").age is None
    repeated = ImportNotice.objects.get(batch=batch, kind="repeated")
    assert repeated.line == 6 and "line 2" in repeated.reason
    assert "Name: Mitali Ghosh → Dup Epic" in repeated.value
    assert Person.objects.get(external_ids__value="WKH1234566").full_name == "Dup Epic"


def test_dry_run_counts_but_writes_nothing(geo, tmp_path):
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, ROLL_ROWS)
    batch, counts = run(path, dry_run=True)
    assert counts["created"] == 3
    assert Person.objects.count() == 0 and Household.objects.count() == 0
    assert batch.examples["created"][0]["name"] == "Mitali Ghosh"


def test_us_voter_file_with_vote_history(geo, tmp_path):
    us = geo_services.area_create(
        actor=SYSTEM,
        kind=geo["kinds"]["part"],
        code="US-CA-P1",
        name="Precinct 1",
        parent=geo["country"],
    )
    for code, date in (
        ("us-2022-general", "2022-11-08"),
        ("us-2024-primary", "2024-03-05"),
        ("us-2024-general", "2024-11-05"),
    ):
        geo_services.election_create(
            actor=SYSTEM,
            name=code,
            kind="general",
            date=dt.date.fromisoformat(date),
            area=geo["country"],
            code=code,
        )
    header = [
        "VoterID",
        "FirstName",
        "MiddleName",
        "LastName",
        "BirthDate",
        "Gender",
        "HouseNumber",
        "Street",
        "Unit",
        "City",
        "Zip",
        "Precinct",
        "Phone",
        "Email",
        "G2022",
        "P2024",
        "G2024",
    ]
    rows = [
        [
            "100001",
            "Maria",
            "",
            "Lopez",
            "03/14/1980",
            "F",
            "12",
            "Grand Ave",
            "",
            "Oakland",
            "94610",
            "US-CA-P1",
            "(510) 555-0123",
            "maria@example.org",
            "Y",
            "N",
            "M",
        ],
        [
            "100002",
            "James",
            "T",
            "Kim",
            "31/02/1990",
            "M",
            "12",
            "Grand Ave",
            "",
            "Oakland",
            "94610",
            "US-CA-P1",
            "",
            "",
            "Y",
            "",
            "",
        ],
    ]
    batch, counts = run(write_csv(tmp_path / "vf.csv", header, rows), template="us-voter-file")
    assert counts["created"] == 2 and counts["rejected"] == 0  # James, without his birth date
    notice = ImportNotice.objects.get(batch=batch)
    assert (notice.column, notice.value) == ("BirthDate", "31/02/1990")
    assert Person.objects.get(given_name="James").birth_date is None
    maria = Person.objects.get(external_ids__namespace="us-ca-voter", external_ids__value="100001")
    assert maria.birth_date == dt.date(1980, 3, 14) and maria.area == us
    votes = {
        v.election.code: (v.voted, v.method)
        for v in VoteHistory.objects.filter(person=maria).select_related("election")
    }
    assert votes == {
        "us-2022-general": (True, "in_person"),
        "us-2024-primary": (False, ""),
        "us-2024-general": (True, "mail"),
    }


def test_the_mappings_date_format_decides_ambiguous_dates(geo, tmp_path):
    """02/08/1987 is 8 February in a US file (MM/DD/YYYY), never 2 August."""
    from grassroots.people.imports.mapping import RowParser

    parser = RowParser(
        {
            "columns": {
                "First": "person.given_name",
                "DOB": {"target": "person.birth_date", "format": "%m/%d/%Y"},
            }
        }
    )
    assert parser.parse(2, {"First": "Ann", "DOB": "02/08/1987"}).person["birth_date"] == dt.date(
        1987, 2, 8
    )
    bad = parser.parse(3, {"First": "Ann", "DOB": "13/08/1987"})  # Ann, without a birth date
    assert bad.person["birth_date"] is None
    assert bad.dropped[0][:2] == ("DOB", "13/08/1987") and "13/08/1987" in bad.dropped[0][2]


def test_mapping_that_maps_nothing_or_missing_columns(geo, tmp_path):
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, ROLL_ROWS)
    with pytest.raises(ValidationError, match="maps no column"):
        services.import_create(actor=SYSTEM, path=path, mapping={"columns": {}})
    with pytest.raises(ValidationError, match="not in the file"):
        services.import_create(
            actor=SYSTEM, path=path, mapping={"columns": {"Nope": "person.given_name"}}
        )
    with pytest.raises(ValidationError, match="unknown field"):
        services.import_create(
            actor=SYSTEM, path=path, mapping={"columns": {"Name": "person.shoe_size"}}
        )
    with pytest.raises(ValidationError, match="No import template"):
        services.import_create(actor=SYSTEM, path=path, template="nope")
    assert ImportBatch.objects.count() == 0


def test_header_only_and_binary_files(geo, tmp_path):
    path = write_csv(tmp_path / "empty.csv", ROLL_HEADER, [])
    _batch, counts = run(path)
    assert counts["rows"] == 0 and counts["created"] == 0
    png = tmp_path / "x.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(ValidationError):
        services.import_create(actor=SYSTEM, path=png, template="india-roll")


@pytest.mark.skipif(
    not OSDI.exists(), reason="the OSDI fixture is only beside the repo in development/CI"
)
def test_osdi_sample_imports_and_reimports_cleanly(db, tmp_path, capsys):
    from grassroots.cli import main

    assert main(["import", str(OSDI), "--template", "osdi-sample", "--json"]) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first["created"] + first["rejected"] == 11540 and first["created"] > 11000
    assert Household.objects.count() < first["created"]  # households were formed
    assert main(["import", str(OSDI), "--template", "osdi-sample", "--json"]) == 0
    second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert second == {
        "created": 0,
        "updated": 0,
        "unchanged": first["created"],
        "rejected": first["rejected"],
    }
    assert ExternalId.objects.count() == 0


def test_an_import_killed_midway_can_be_run_again_without_duplicates(geo, tmp_path):
    """A worker dies after the first batch of rows: re-running creates only the rest."""
    from django.utils import timezone

    from grassroots.people.imports.engine import Importer

    rows = [
        [
            "1",
            "1",
            "Elgin Road",
            str(i),
            f"WKH{i:06d}{_luhn(f'{i:06d}')}",
            f"Voter {i}",
            "",
            "F",
            "X",
            str(i % 9),
            "40",
            "F",
            "",
        ]
        for i in range(1, 8)
    ]
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)
    batch = services.import_create(actor=SYSTEM, path=path, template="india-roll")
    ImportBatch.objects.filter(pk=batch.pk).update(status="running")

    class Killed(Exception):
        pass

    class DieAfterFirstChunk:
        def advance(self, n, **kw):
            raise Killed

    with pytest.raises(Killed):
        Importer(batch, reporter=DieAfterFirstChunk(), chunk=3).run()
    assert Person.objects.count() == 3  # the first batch of rows was committed
    batch.refresh_from_db()
    assert batch.status == "running" and not batch.is_stale
    with pytest.raises(ValidationError):  # still "running": not yet safe to start again
        services.import_again(actor=SYSTEM, batch=batch)
    ImportBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(minutes=10)
    )
    batch.refresh_from_db()
    assert batch.is_stale
    again = services.import_again(actor=SYSTEM, batch=batch)
    counts = services.import_run(batch=again)
    assert counts["created"] == 4 and counts["unchanged"] == 3 and counts["rejected"] == 0
    assert Person.objects.count() == 7
    batch.refresh_from_db()
    assert batch.status == "failed"


def _luhn(digits: str) -> str:
    from stdnum import luhn

    return luhn.calc_check_digit(digits)


def _square(lat, lon, half):
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon - half, lat - half],
                [lon + half, lat - half],
                [lon + half, lat + half],
                [lon - half, lat + half],
                [lon - half, lat - half],
            ]
        ],
    }


def test_people_without_an_area_code_land_in_the_area_covering_their_coordinates(geo, tmp_path):
    from grassroots.geography.models import Area

    Area.objects.filter(pk=geo["ac"].pk).update(boundary=_square(22.53, 88.35, 0.05))
    Area.objects.filter(pk=geo["p1"].pk).update(boundary=_square(22.52, 88.34, 0.01))
    Area.objects.filter(pk=geo["p2"].pk).update(boundary=_square(22.54, 88.36, 0.01))
    mapping = {
        "columns": {
            "Name": "person.full_name",
            "Lat": "address.latitude",
            "Lon": "address.longitude",
            "Street": "address.street",
            "Area": "area.code",
            "Id": "external_id:crm",
        }
    }
    rows = [
        ["Inside Part One", "22.521", "88.341", "A Road", "", "1"],
        ["Inside Part Two", "22.539", "88.359", "B Road", "", "2"],
        ["In the constituency only", "22.56", "88.33", "C Road", "", "3"],
        ["Nowhere we know", "23.5", "87.0", "D Road", "", "4"],
        ["Code wins over coordinates", "22.521", "88.341", "E Road", "IN-WB-AC1-P002", "5"],
    ]
    path = write_csv(tmp_path / "geo.csv", ["Name", "Lat", "Lon", "Street", "Area", "Id"], rows)
    batch = services.import_create(actor=SYSTEM, path=path, mapping=mapping)
    counts = services.import_run(batch=batch)
    assert counts["created"] == 5 and counts["rejected"] == 0
    where = dict(Person.objects.values_list("full_name", "area__code"))
    assert where == {
        "Inside Part One": "IN-WB-AC1-P001",
        "Inside Part Two": "IN-WB-AC1-P002",
        "In the constituency only": "IN-WB-AC1",
        "Nowhere we know": None,
        "Code wins over coordinates": "IN-WB-AC1-P002",
    }
    # Re-importing changes nothing: the located area is the one already stored.
    again = services.import_create(actor=SYSTEM, path=path, mapping=mapping)
    assert services.import_run(batch=again)["unchanged"] == 5


def test_imported_people_get_their_name_keys_and_keep_them_on_update(geo, tmp_path):
    """The import writes people in bulk (not through the person service): it keeps
    ``Person.name_keys`` too, so name search finds imported people in any spelling."""
    from grassroots.people.dedupe.names import person_name_keys

    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, ROLL_ROWS)
    run(path)
    amit = Person.objects.get(external_ids__value="WKH7654320")
    assert amit.name_keys == person_name_keys(amit) == " amit gos "
    rows = [list(r) for r in ROLL_ROWS]
    rows[1][5] = "Amit Chatterjee"
    run(write_csv(tmp_path / "again.csv", ROLL_HEADER, rows))
    amit.refresh_from_db()
    assert amit.full_name == "Amit Chatterjee"
    assert amit.name_keys == person_name_keys(amit) == " amit catopadyai gos "
