"""A voter twice in one file, with ``keep_repeated = newest``: the row with the newest date in
the chosen column is kept (ADR 0011): a row without a date there loses to one with a date;
equal dates keep the later row; the rows may be in different batches of rows (the engine's
first pass over the file finds them); the collapse is reported with why and what differs."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from grassroots.cli import main
from grassroots.core.access import SYSTEM
from grassroots.people.imports import services
from grassroots.people.imports.engine import Importer
from grassroots.people.imports.mapping import fit_mapping, validate_mapping
from grassroots.people.models import CustomField, ImportBatch, ImportNotice, Person
from grassroots.people.tests.test_import import write_csv


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


HEADER = ["EPIC", "Name", "Street", "Registered"]
MAPPING = {
    "columns": {
        "EPIC": "external_id:epic",
        "Name": "person.full_name",
        "Street": "address.street",
        "Registered": {"target": "person.registration_date", "format": "%Y-%m-%d"},
    },
    "options": {"keep_repeated": "newest", "newest_by": "Registered"},
}
MITALI, AMIT = "WKH1234566", "WKH7654320"


def run(tmp_path, rows, mapping=MAPPING, *, chunk=None, dry_run=False):
    path = write_csv(tmp_path / "roll.csv", HEADER, rows)
    batch = services.import_create(actor=SYSTEM, path=path, mapping=mapping, dry_run=dry_run)
    if chunk is None:
        services.import_run(batch=batch)
    else:
        ImportBatch.objects.filter(pk=batch.pk).update(status="running")
        out = Importer(batch, chunk=chunk).run()
        ImportBatch.objects.filter(pk=batch.pk).update(counts=out.counts())
    batch.refresh_from_db()
    return batch


def street_of(epic: str) -> str:
    return Person.objects.get(external_ids__value=epic).household.address.street


def repeats(batch) -> list[ImportNotice]:
    return list(ImportNotice.objects.filter(batch=batch, kind="repeated").order_by("line"))


@pytest.mark.parametrize("chunk", [None, 1, 2])
def test_the_row_with_the_newest_date_is_kept_wherever_it_is_in_the_file(geo, tmp_path, chunk):
    rows = [
        [MITALI, "Mitali Ghosh", "Lansdowne Road", "2026-03-02"],  # line 2: the newest
        [AMIT, "Amit Ghosh", "Elgin Road", "2020-01-01"],
        [MITALI, "Mitali Ghosh", "Elgin Road", "2019-05-01"],  # line 4: older, later in the file
    ]
    batch = run(tmp_path, rows, chunk=chunk)
    assert batch.counts["created"] == 2 and batch.counts["repeated"] == 1
    assert batch.counts.get("updated", 0) == 0 and batch.counts["rejected"] == 0
    assert street_of(MITALI) == "Lansdowne Road"  # the later, older row never applied
    [notice] = repeats(batch)
    assert notice.line == 2
    assert notice.reason == (
        "same person as line 4; the row of 2026-03-02 was kept (newer “Registered”)"
    )
    assert notice.value == (
        "Street: Elgin Road → Lansdowne Road; Registered: 2019-05-01 → 2026-03-02"
    )


@pytest.mark.parametrize("chunk", [None, 1])
def test_a_row_without_a_date_or_with_a_bad_one_loses_to_a_row_with_a_date(geo, tmp_path, chunk):
    rows = [
        [MITALI, "Mitali Ghosh", "Lansdowne Road", "2021-07-07"],  # line 2: the only date
        [MITALI, "Mitali Ghosh", "Elgin Road", ""],  # no date
        [MITALI, "Mitali Ghosh", "Park Street", "not a date"],  # line 4: unreadable
        [AMIT, "Amit Ghosh", "Elgin Road", "31/02/2020"],  # a bad date costs only that value
    ]
    batch = run(tmp_path, rows, chunk=chunk)
    assert batch.counts["created"] == 2 and batch.counts["repeated"] == 2
    assert street_of(MITALI) == "Lansdowne Road"
    notices = repeats(batch)
    assert [(n.line, n.column.split()[0]) for n in notices] == [(2, "3"), (2, "4")]
    assert all("the row of 2021-07-07 was kept" in n.reason for n in notices)
    # a bad date is a rejected value, not a rejected row
    bad = ImportNotice.objects.get(batch=batch, kind="value", line=5)
    assert (bad.column, bad.value) == ("Registered", "31/02/2020")


@pytest.mark.parametrize("chunk", [None, 1])
def test_equal_dates_keep_the_later_row(geo, tmp_path, chunk):
    rows = [
        [MITALI, "Mitali Ghosh", "Elgin Road", "2024-01-01"],
        [MITALI, "Mitali Ghosh", "Lansdowne Road", "2024-01-01"],  # line 3: same date, later
        [AMIT, "Amit Ghosh", "Elgin Road", ""],
        [AMIT, "Amit Ghosh", "Park Street", ""],  # line 5: neither has a date
    ]
    batch = run(tmp_path, rows, chunk=chunk)
    assert batch.counts["created"] == 2 and batch.counts["repeated"] == 2
    assert street_of(MITALI) == "Lansdowne Road" and street_of(AMIT) == "Park Street"
    mitali, amit = repeats(batch)
    assert (mitali.line, amit.line) == (3, 5)
    assert mitali.reason == ("same person as line 2; the same “Registered”: the later row was kept")
    assert amit.reason == (
        "same person as line 4; neither has a date in “Registered”: the later row was kept"
    )


def test_the_default_keeps_the_later_row_whatever_the_dates(geo, tmp_path):
    rows = [
        [MITALI, "Mitali Ghosh", "Lansdowne Road", "2026-03-02"],
        [MITALI, "Mitali Ghosh", "Elgin Road", "2019-05-01"],
    ]
    later = {**MAPPING, "options": {}}
    batch = run(tmp_path, rows, later)
    assert batch.counts["repeated"] == 1 and street_of(MITALI) == "Elgin Road"


def test_a_check_reports_the_collapse_as_the_import_does(geo, tmp_path):
    rows = [
        [MITALI, "Mitali Ghosh", "Lansdowne Road", "2026-03-02"],
        [MITALI, "Mitali Ghosh", "Elgin Road", "2019-05-01"],
    ]
    batch = run(tmp_path, rows, chunk=1, dry_run=True)
    assert batch.counts["created"] == 1 and batch.counts["repeated"] == 1
    assert not Person.objects.exists()
    [notice] = repeats(batch)
    assert notice.line == 2 and "Street: Elgin Road → Lansdowne Road" in notice.value


def test_a_custom_date_field_can_decide(geo, tmp_path):
    CustomField.objects.create(key="updated_on", label="Updated on", type="date")
    mapping = {
        "columns": {**MAPPING["columns"], "Registered": "custom:updated_on"},
        "options": {"keep_repeated": "newest", "newest_by": "Registered"},
    }
    rows = [
        [MITALI, "Mitali Ghosh", "Elgin Road", "2025-01-01"],
        [MITALI, "Mitali Ghosh", "Lansdowne Road", "2026-01-01"],  # newest and later
        [MITALI, "Mitali Ghosh", "Park Street", "2024-12-31"],
    ]
    batch = run(tmp_path, rows, mapping, chunk=1)
    assert batch.counts["repeated"] == 2 and street_of(MITALI) == "Lansdowne Road"
    assert {n.line for n in repeats(batch)} == {3}


def test_the_deciding_column_must_be_mapped_to_a_date(geo, tmp_path):
    bad = {**MAPPING, "options": {"keep_repeated": "newest", "newest_by": "Street"}}
    with pytest.raises(ValidationError, match="“Street” is not mapped to a date.*“Registered”"):
        validate_mapping(bad, HEADER)
    with pytest.raises(ValidationError, match="needs “newest_by”"):
        validate_mapping({**MAPPING, "options": {"keep_repeated": "newest"}}, HEADER)
    with pytest.raises(ValidationError, match="“keep_repeated” is one of later, newest"):
        validate_mapping({**MAPPING, "options": {"keep_repeated": "first"}}, HEADER)
    CustomField.objects.create(key="ward", label="Ward", type="text")
    text = {
        "columns": {**MAPPING["columns"], "Registered": "custom:ward"},
        "options": MAPPING["options"],
    }
    path = write_csv(tmp_path / "roll.csv", HEADER, [[MITALI, "Mitali Ghosh", "x", "y"]])
    with pytest.raises(ValidationError, match="custom field “ward”, which is not a date"):
        services.import_create(actor=SYSTEM, path=path, mapping=text)


def test_a_template_column_renamed_to_the_file_s_spelling_still_decides():
    fitted = fit_mapping(MAPPING, ["epic", "NAME", "street", "REGISTERED"])
    assert fitted["options"]["newest_by"] == "REGISTERED"
    assert "REGISTERED" in fitted["columns"]


def test_the_command_line_keeps_the_newest_row(geo, capsys, tmp_path):
    rows = [
        [MITALI, "Mitali Ghosh", "Lansdowne Road", "2026-03-02"],
        [MITALI, "Mitali Ghosh", "Elgin Road", "2019-05-01"],
    ]
    path = write_csv(tmp_path / "roll.csv", HEADER, rows)
    later = tmp_path / "later.json"
    later.write_text(json.dumps({**MAPPING, "options": {}}), encoding="utf-8")
    code = main(["import", str(path), "--mapping", str(later), "--keep", "newest:Registered"])
    assert code == 0, capsys.readouterr().err
    batch = ImportBatch.objects.get()
    assert batch.mapping["options"] == {"keep_repeated": "newest", "newest_by": "Registered"}
    assert batch.counts["repeated"] == 1 and street_of(MITALI) == "Lansdowne Road"


@pytest.mark.parametrize(
    ("keep", "message"),
    [
        ("newest", "write later, or newest:COLUMN"),
        ("first", "write later, or newest:COLUMN"),
        ("newest:Street", "the column “Street” is not mapped to a date"),
        ("newest:Nope", "the column “Nope” is not mapped"),
    ],
)
def test_a_wrong_keep_on_the_command_line_is_one_line(geo, capsys, tmp_path, keep, message):
    path = write_csv(tmp_path / "roll.csv", HEADER, [[MITALI, "Mitali Ghosh", "x", ""]])
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    code = main(["import", str(path), "--mapping", str(mapping), "--keep", keep])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not ImportBatch.objects.exists()
