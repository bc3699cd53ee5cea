"""The fast import paths: chunk boundaries, in-file duplicates across chunks, changed rows on
re-import, rollback and dry run of a multi-chunk import, the remembered normalisations, and the
COPY/VALUES bulk insert. Runs on SQLite and on PostgreSQL (where COPY is used)."""

from __future__ import annotations

import datetime as dt

import pytest

from grassroots.core.access import SYSTEM
from grassroots.core.bulk import insert_rows
from grassroots.people.imports import services
from grassroots.people.imports.engine import Importer
from grassroots.people.imports.mapping import RowError, RowParser
from grassroots.people.imports.templates import BUILTIN
from grassroots.people.models import (
    Address,
    ContactPoint,
    ExternalId,
    Household,
    ImportBatch,
    ImportChange,
    ImportNotice,
    ImportRejection,
    Person,
)
from grassroots.people.tests.test_import import ROLL_HEADER, _luhn, write_csv
from grassroots.people.validation import address_match_key, clean_birth


def epic(i: int) -> str:
    return f"WKH{i:06d}{_luhn(f'{i:06d}')}"


def roll_row(i: int, *, name=None, house=None, part="1", mobile="", age="40", ident=None):
    return [
        "1",
        part,
        "Elgin Road",
        str(i),
        ident or epic(i),
        name or f"Voter {i}",
        "",
        "F",
        "Father",
        str(house if house is not None else i % 4),
        age,
        "F",
        mobile,
    ]


def import_with_chunk(path, chunk, *, dry_run=False):
    batch = services.import_create(actor=SYSTEM, path=path, template="india-roll", dry_run=dry_run)
    ImportBatch.objects.filter(pk=batch.pk).update(status="running")
    out = Importer(batch, chunk=chunk).run()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="succeeded", counts=out.counts(), examples=dict(out.examples)
    )
    batch.refresh_from_db()
    return batch, out.counts()


def test_duplicate_identifiers_across_chunks_keep_the_later_row(geo, tmp_path):
    rows = [roll_row(i) for i in range(1, 8)]
    rows.append(roll_row(20, ident=epic(2)))  # line 9 repeats line 3's EPIC, two chunks later
    rows.append(roll_row(21, ident=epic(7)))  # line 10 repeats line 8's, one chunk later
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)
    batch, counts = import_with_chunk(path, 3)
    assert counts == {
        "created": 7,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "rows": 9,
        "repeated": 2,
    }
    reasons = dict(
        ImportNotice.objects.filter(batch=batch, kind="repeated").values_list("line", "reason")
    )
    assert reasons == {
        9: "repeats line 3; the later row was kept",
        10: "repeats line 8; the later row was kept",
    }
    assert ExternalId.objects.count() == 7
    assert Person.objects.get(external_ids__value=epic(2)).full_name == "Voter 20"
    assert Person.objects.get(external_ids__value=epic(7)).full_name == "Voter 21"


def test_chunk_size_does_not_change_the_outcome(geo, tmp_path):
    rows = [roll_row(i, mobile="9830011111" if i % 3 == 0 else "") for i in range(1, 12)]
    rows.append(roll_row(30, ident=epic(4)))
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)
    _batch, small = import_with_chunk(path, 2)
    people = sorted(
        Person.objects.values_list("full_name", "household__address__match_key", "area__code")
    )
    households = Household.objects.count()
    # Everything again, in one chunk, into an empty database.
    Person.objects.all().delete()
    Household.objects.all().delete()
    Address.objects.all().delete()
    _batch, big = import_with_chunk(path, 1000)
    assert (
        small
        == big
        == {
            "created": 11,
            "updated": 0,
            "unchanged": 0,
            "rejected": 0,
            "rows": 12,
            "repeated": 1,
        }
    )
    assert Person.objects.get(external_ids__value=epic(4)).full_name == "Voter 30"
    assert Household.objects.count() == households == 4  # house numbers 0-3: four doors
    assert (
        sorted(
            Person.objects.values_list("full_name", "household__address__match_key", "area__code")
        )
        == people
    )


def test_reimport_across_chunks_changes_nothing(geo, tmp_path):
    rows = [roll_row(i, mobile="9830011111" if i == 2 else "") for i in range(1, 8)]
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)
    import_with_chunk(path, 3)
    state = (
        Person.objects.count(),
        Household.objects.count(),
        Address.objects.count(),
        ContactPoint.objects.count(),
        ExternalId.objects.count(),
    )
    batch, counts = import_with_chunk(path, 2)
    assert counts == {"created": 0, "updated": 0, "unchanged": 7, "rejected": 0, "rows": 7}
    assert not ImportChange.objects.filter(batch=batch).exists()
    assert (
        Person.objects.count(),
        Household.objects.count(),
        Address.objects.count(),
        ContactPoint.objects.count(),
        ExternalId.objects.count(),
    ) == state


def test_changed_row_on_reimport_then_rollback_restores_it(geo, users, tmp_path):
    rows = [roll_row(i) for i in range(1, 6)]
    first, _ = import_with_chunk(write_csv(tmp_path / "a.csv", ROLL_HEADER, rows), 2)
    voter3 = Person.objects.get(external_ids__value=epic(3))
    old_household, old_area = voter3.household_id, voter3.area_id
    changed = [row[:] for row in rows]
    changed[2] = roll_row(3, house="99", part="2", mobile="9830022222", age="41")
    second, counts = import_with_chunk(write_csv(tmp_path / "b.csv", ROLL_HEADER, changed), 2)
    assert counts == {
        "created": 0,
        "updated": 1,
        "unchanged": 4,
        "rejected": 0,
        "rows": 5,
        "moved": 1,  # voter 3 lived alone at house 3: no household split
    }
    voter3.refresh_from_db()
    assert voter3.age == 41 and voter3.area.code == "IN-WB-AC1-P002"
    assert voter3.household_id != old_household
    assert voter3.household.address.house_number == "99"
    assert list(voter3.contact_points.values_list("value", "is_primary")) == [
        ("+919830022222", True)
    ]
    change = ImportChange.objects.get(batch=second)
    assert change.person_id == voter3.pk and change.action == "updated"
    assert change.before["age"] == 40
    assert change.before["area_id"] == old_area
    assert change.before["household_id"] == old_household
    assert change.before["born_estimate"] == born(40).isoformat()
    # what changed, by name (nothing derived, no internal columns)
    assert second.examples["updated"][0]["fields"] == ["age", "area", "address", "phone"]
    assert change.fields == ["age", "area", "address", "phone"]
    # The same changed file again: nothing more changes.
    _third, again = import_with_chunk(write_csv(tmp_path / "c.csv", ROLL_HEADER, changed), 3)
    assert again == {"created": 0, "updated": 0, "unchanged": 5, "rejected": 0, "rows": 5}
    assert services.import_rollback(actor=users["manager"], batch=second) == {
        "removed": 0,
        "restored": 1,
    }
    voter3.refresh_from_db()
    assert (voter3.age, voter3.area_id, voter3.household_id) == (40, old_area, old_household)
    assert voter3.born_estimate == born(40)
    assert not voter3.contact_points.exists()
    assert first.status == "succeeded"


def born(age: int) -> dt.date:
    """born_estimate for an age as of 2026-01-01 (the india-roll template's as-of date)."""
    return clean_birth(None, age, dt.date(2026, 1, 1))


def test_rollback_after_a_multi_chunk_import_removes_everything_it_made(geo, users, tmp_path):
    rows = [roll_row(i, mobile="9830011111" if i % 2 else "") for i in range(1, 10)]
    batch, counts = import_with_chunk(write_csv(tmp_path / "a.csv", ROLL_HEADER, rows), 4)
    assert counts["created"] == 9
    assert ImportChange.objects.filter(batch=batch, action="created").count() == 9
    result = services.import_rollback(actor=users["manager"], batch=batch)
    assert result == {"removed": 9, "restored": 0}
    assert (
        Person.objects.count(),
        Household.objects.count(),
        Address.objects.count(),
        ContactPoint.objects.count(),
        ExternalId.objects.count(),
    ) == (0, 0, 0, 0, 0)


def test_dry_run_over_several_chunks_counts_like_the_real_run(geo, tmp_path):
    rows = [roll_row(i) for i in range(1, 8)]
    rows.append(roll_row(9, part="9"))  # unknown part
    rows.append(roll_row(10, ident=epic(1)))  # repeats line 2: the later row is kept
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)
    dry, dry_counts = import_with_chunk(path, 3, dry_run=True)
    assert (Person.objects.count(), Household.objects.count(), Address.objects.count()) == (0, 0, 0)
    assert ImportRejection.objects.filter(batch=dry).count() == 1
    _real, real_counts = import_with_chunk(path, 3)
    assert dry_counts == real_counts
    assert real_counts == {
        "created": 7,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "rows": 9,
        "repeated": 1,
    }


def test_remembered_normalisations_give_the_same_answers_and_errors():
    parser = RowParser(BUILTIN["india-roll"]["mapping"])
    values = dict(zip(ROLL_HEADER, roll_row(1, mobile="98300 11111"), strict=True))
    first = parser.parse(2, values)
    second = parser.parse(3, values)
    assert first.phones == second.phones == ["+919830011111"]
    assert first.person == second.person and first.address_key == second.address_key
    bad = dict(values, Mobile="12")
    for line in (4, 5):  # a failure is not remembered: each bad row gets its message
        rec = parser.parse(line, bad)  # the row without its bad mobile
        assert rec.phones == [] and rec.person == first.person
        [(column, value, reason)] = rec.dropped
        assert (column, value) == ("Mobile", "12") and "phone number" in reason
    with pytest.raises(RowError, match="name"):  # a bad name still rejects the row
        parser.parse(6, dict(values, Name="<script>"))


@pytest.mark.parametrize(
    "address",
    [
        {"house_number": "12", "street": "Grand Ave.", "city": "Oakland", "postal_code": "94610"},
        {"house_number": "12/B", "street": "  Elgin   Road, ", "locality": "Bhowanipore"},
        {"street": "ＦＵＬＬＷＩＤＴＨ Straße #4", "line2": "Apt-5"},
        {"house_number": "", "street": "", "region": "CA"},
        {"street": "x" * 500, "city": "y" * 50},
        {"street": "মিতালী ঘোষ রোড", "postal_code": None},
    ],
)
def test_the_parsers_address_key_is_address_match_key(address):
    parser = RowParser({"columns": {"First": "person.given_name"}})
    assert parser._address_key(address) == address_match_key(address)


def test_insert_rows_returns_ids_in_order_and_stores_json(geo):
    batch = ImportBatch.objects.create(filename="x.csv", stored_path="/nonexistent")
    people = insert_rows(
        Person,
        [{"given_name": f"P{i}", "full_name": f"P{i}", "birth_date": None} for i in range(5)],
        batch_rows=2,
    )
    assert list(Person.objects.order_by("id").values_list("id", "given_name")) == [
        (pid, f"P{i}") for i, pid in enumerate(people)
    ]
    insert_rows(
        ImportChange,
        [
            {
                "batch_id": batch.pk,
                "person_id": people[0],
                "action": "updated",
                "before": {"age": 3, "custom": {"k": None}, "birth_date": "1980-01-02"},
            }
        ],
    )
    change = ImportChange.objects.get()
    assert change.before == {"age": 3, "custom": {"k": None}, "birth_date": "1980-01-02"}
    assert Person.objects.get(pk=people[0]).status == "active"  # model defaults filled in


@pytest.mark.parametrize("fmt", ["%m/%d/%Y", "%d/%m/%Y", "%Y-%m-%d"])
@pytest.mark.parametrize(
    "text",
    ["02/08/1987", "12/31/1999", "31/12/1999", "02/30/1990", "00/10/2000", "1987-02-08",
     "2020-02-29", "2019-02-29", "0000-01-01", "2/8/1987", "02/08/87", " 02/08/1987"],
)  # fmt: skip
def test_parse_date_without_strptime_agrees_with_strptime(fmt, text):
    from grassroots.people.imports.mapping import parse_date

    try:
        expected = dt.datetime.strptime(text, fmt).date()
    except ValueError:
        with pytest.raises(RowError, match="is not a date in the format"):
            parse_date(text, fmt)
    else:
        assert parse_date(text, fmt) == expected


def test_remembered_birth_estimates_are_forgotten_at_midnight():
    """clean_birth's answer depends on today's date: its memo lasts until local midnight."""
    parser = RowParser({"columns": {"First": "person.given_name"}})
    memo, calls = parser._births, []
    memo.fn = lambda *args: calls.append(args) or len(calls)
    key = (None, 40, dt.date(2026, 1, 1))
    assert memo[key] == 1 and memo[key] == 1
    assert memo.until > 0
    memo.until = 0  # midnight has passed
    assert memo[key] == 2 and len(calls) == 2


@pytest.mark.parametrize("dry_run", [False, True])
def test_household_keys_join_people_across_chunks(geo, tmp_path, dry_run):
    """A household key groups people whatever batch of rows they are in (the key -> household
    map lives in a temporary table for the import; a dry run's is rolled back with it)."""
    mapping = {
        "columns": {"HH": "household.key", "Name": "person.full_name", "ID": "external_id:voter"}
    }
    rows = [["A", "Ann One", "1"], ["B", "Bob Two", "2"], ["A", "Cat One", "3"],
            ["C", "Dan Three", "4"], ["B", "Eve Two", "5"], ["A", "Fay One", "6"]]  # fmt: skip
    path = write_csv(tmp_path / "hh.csv", ["HH", "Name", "ID"], rows)
    batch = services.import_create(actor=SYSTEM, path=path, mapping=mapping, dry_run=dry_run)
    out = Importer(batch, chunk=2).run()
    assert out.counts() == {"created": 6, "updated": 0, "unchanged": 0, "rejected": 0, "rows": 6}
    if dry_run:
        assert (Person.objects.count(), Household.objects.count()) == (0, 0)
        return
    by_name = dict(Person.objects.values_list("full_name", "household_id"))
    assert Household.objects.count() == 3
    assert by_name["Ann One"] == by_name["Cat One"] == by_name["Fay One"]
    assert by_name["Bob Two"] == by_name["Eve Two"] != by_name["Ann One"]
    assert by_name["Dan Three"] not in (by_name["Ann One"], by_name["Bob Two"])
