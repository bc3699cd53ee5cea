"""Imports never damage what they do not understand: a partial address updates only its parts
and moves a person only to a really different door (ADR 0011), with the move on the person's
timeline and undone by a rollback; one bad value costs that value, not the row; a voter twice in
one file keeps the later row; a repeated header row is skipped; the rejected rows come back as
the original file, to fix and import again."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.people.imports import selectors, services
from grassroots.people.imports.engine import Importer
from grassroots.people.models import (
    Address,
    ExternalId,
    Household,
    ImportBatch,
    ImportNotice,
    ImportRejection,
    Person,
)
from grassroots.people.selectors import person_timeline
from grassroots.people.tests.test_import import ROLL_HEADER, ROLL_ROWS, write_csv


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


FULL = {
    "columns": {
        "EPIC": "external_id:epic",
        "Name": "person.full_name",
        "Age": "person.age",
        "House": "address.house_number",
        "Street": "address.street",
        "Locality": "address.locality",
        "City": "address.city",
        "State": "address.region",
        "PIN": "address.postal_code",
    },
    "constants": {"address.country": "IN"},
    "options": {"default_region": "IN", "age_as_of": "2026-01-01"},
}
FAMILY = [  # four people at one door
    [
        "WKH1234566",
        "Mitali Ghosh",
        "41",
        "7",
        "Elgin Road",
        "Bhowanipore",
        "Kolkata",
        "WB",
        "700020",
    ],
    ["WKH7654320", "Amit Ghosh", "45", "7", "Elgin Road", "Bhowanipore", "Kolkata", "WB", "700020"],
    ["WKH0000026", "Rina Ghosh", "19", "7", "Elgin Road", "Bhowanipore", "Kolkata", "WB", "700020"],
    [
        "WKH0000034",
        "Haren Ghosh",
        "70",
        "7",
        "Elgin Road",
        "Bhowanipore",
        "Kolkata",
        "WB",
        "700020",
    ],
]
PARTIAL = {  # only the house number and the street, as the file had
    "columns": {
        "EPIC": "external_id:epic",
        "House": "address.house_number",
        "Street": "address.street",
    },
    "options": {"default_region": "IN"},
}


def run(path, mapping, *, dry_run=False, actor=SYSTEM):
    batch = services.import_create(actor=actor, path=path, mapping=mapping, dry_run=dry_run)
    services.import_run(batch=batch)
    batch.refresh_from_db()
    return batch


def door_of(person: Person) -> dict:
    a = person.household.address
    return {
        f: getattr(a, f)
        for f in ("house_number", "street", "locality", "city", "region", "postal_code")
    }


@pytest.fixture
def family(geo, tmp_path):
    path = write_csv(tmp_path / "family.csv", list(FULL["columns"]), FAMILY)
    run(path, FULL)
    mitali = Person.objects.get(external_ids__value="WKH1234566")
    assert mitali.household.members.count() == 4
    return mitali


def test_a_partial_address_of_the_same_door_changes_nothing(family, tmp_path):
    """The issue's file: EPIC, house number and street only, for a voter of a 4-person household."""
    before = door_of(family), family.household_id, Household.objects.count()
    path = write_csv(
        tmp_path / "partial.csv", ["EPIC", "House", "Street"], [["WKH1234566", "7", "elgin road."]]
    )
    batch = run(path, PARTIAL)
    assert batch.counts == {"created": 0, "updated": 0, "unchanged": 1, "rejected": 0, "rows": 1}
    family.refresh_from_db()
    assert (door_of(family), family.household_id, Household.objects.count()) == before
    assert family.age == 41  # a file without ages leaves the age alone


def test_a_partial_address_fills_in_the_parts_the_door_lacks(geo, tmp_path):
    mapping = {**FULL, "columns": {k: v for k, v in FULL["columns"].items() if k != "PIN"}}
    rows = [r[:8] for r in FAMILY[:2]]
    run(write_csv(tmp_path / "a.csv", list(mapping["columns"]), rows), mapping)
    mitali = Person.objects.get(external_ids__value="WKH1234566")
    with_pin = {**PARTIAL, "columns": {**PARTIAL["columns"], "PIN": "address.postal_code"}}
    path = write_csv(
        tmp_path / "b.csv",
        ["EPIC", "House", "Street", "PIN"],
        [["WKH1234566", "7", "Elgin Road", "700020"]],
    )
    batch = run(path, with_pin)
    assert batch.counts["updated"] == 1 and "moved" not in batch.counts
    mitali.refresh_from_db()
    assert door_of(mitali)["postal_code"] == "700020" and door_of(mitali)["city"] == "Kolkata"
    assert mitali.household.members.count() == 2  # the same door, for both of them
    services.import_rollback(actor=SYSTEM, batch=batch)
    mitali.refresh_from_db()
    assert door_of(mitali)["postal_code"] == ""


def test_a_really_different_door_moves_one_person_keeping_the_rest_of_the_address(
    family, users, tmp_path
):
    households, old_household = Household.objects.count(), family.household_id
    path = write_csv(
        tmp_path / "moved.csv", ["EPIC", "House", "Street"], [["WKH1234566", "12", "Elgin Road"]]
    )
    check = run(path, PARTIAL, dry_run=True)
    assert check.counts["moved"] == 1 and check.counts["households_split"] == 1
    assert Household.objects.count() == households  # a check writes nothing
    page = reverse("people:import_detail", args=[check.pk])
    from django.test import Client

    client = Client()
    client.force_login(users["admin"])
    html = client.get(page).content.decode()
    assert "Would move 1 person to a new address; 1 household split." in html
    assert "born_estimate" not in html and "household_id" not in html

    batch = run(path, PARTIAL, actor=users["admin"])
    family.refresh_from_db()
    assert family.household_id != old_household
    # the parts the file did not have are kept: locality, city, state, PIN
    assert door_of(family) == {
        "house_number": "12",
        "street": "Elgin Road",
        "locality": "Bhowanipore",
        "city": "Kolkata",
        "region": "WB",
        "postal_code": "700020",
    }
    assert Household.objects.get(pk=old_household).members.count() == 3
    assert Household.objects.count() == households + 1
    # one timeline entry for this import, naming the change in words
    entries = [e for e in person_timeline(family) if e.kind == "import"]
    changed = [e for e in entries if e.title == "Changed by an import"]
    assert len(changed) == 1 and changed[0].body == "moved.csv: address"

    services.import_rollback(actor=users["admin"], batch=batch)
    family.refresh_from_db()
    assert family.household_id == old_household
    assert Household.objects.get(pk=old_household).members.count() == 4
    assert Household.objects.count() == households  # the household it made is gone
    assert not Address.objects.filter(house_number="12").exists()
    [entry] = [e for e in person_timeline(family) if e.title == "Changed by an import"]
    assert entry.badge == "rolled back"


def test_an_invalid_epic_costs_the_identifier_not_the_person(geo, tmp_path):
    header = ["EPIC", "Name", "Mobile", "Email"]
    mapping = {
        "columns": {
            "EPIC": "external_id:epic",
            "Name": "person.full_name",
            "Mobile": "phone",
            "Email": "email",
        },
        "options": {"default_region": "IN"},
    }
    rows = [["WKH1234567", "Bad Epic", "9830011111", "bad.epic@example.org"]]  # check digit
    batch = run(write_csv(tmp_path / "epic.csv", header, rows), mapping)
    assert batch.counts["created"] == 1 and batch.counts["rejected"] == 0
    assert batch.counts["values_rejected"] == 1
    person = Person.objects.get(full_name="Bad Epic")
    assert set(person.contact_points.values_list("value", flat=True)) == {
        "+919830011111",
        "bad.epic@example.org",
    }
    assert not ExternalId.objects.filter(person=person).exists()
    notice = ImportNotice.objects.get(batch=batch)
    assert (notice.line, notice.column, notice.value) == (2, "EPIC", "WKH1234567")
    assert "EPIC" in notice.reason or "check" in notice.reason
    rows = list(csv.reader(io.StringIO("".join(selectors.rejected_values_csv(batch))[1:])))
    assert rows[0] == ["line", "column", "value", "reason"]
    assert rows[1][:3] == ["2", "EPIC", "WKH1234567"]


def test_five_bad_mobiles_in_ten_rows_lose_no_person(geo, users, tmp_path):
    rows = []
    for i in range(10):
        row = ROLL_ROWS[0][:]
        row[3], row[5] = str(i + 1), f"Voter {chr(65 + i)}"
        row[4] = ""
        row[12] = "12" if i % 2 else f"98300{i:05d}"
        rows.append(row)
    batch = run(write_csv(tmp_path / "mobiles.csv", ROLL_HEADER, rows), {**_india_roll()})
    assert batch.counts["created"] == 10 and batch.counts["rejected"] == 0
    assert batch.counts["values_rejected"] == 5
    assert set(ImportNotice.objects.filter(batch=batch).values_list("line", "column", "value")) == {
        (line, "Mobile", "12") for line in (3, 5, 7, 9, 11)
    }
    from django.test import Client

    client = Client()
    client.force_login(users["admin"])
    html = client.get(reverse("people:import_detail", args=[batch.pk])).content.decode()
    assert reverse("people:import_rejected_values", args=[batch.pk]) in html
    assert "Rejected values" in html
    r = client.get(reverse("people:import_rejected_values", args=[batch.pk]))
    assert r.status_code == 200 and b"Mobile" in b"".join(r.streaming_content)


def _india_roll():
    return services.template_mapping("india-roll")


def test_a_voter_twice_in_one_file_keeps_the_later_row(geo, tmp_path):
    header = ["EPIC", "Name", "House", "Street"]
    rows = [
        ["WKH1234566", "Mitali Ghosh", "7", "Elgin Road"],
        ["WKH7654320", "Amit Ghosh", "7", "Elgin Road"],
        ["WKH1234566", "Mitali Ghosh", "12", "Lansdowne Road"],  # moved: the state's later row
    ]
    mapping = {
        "columns": {
            "EPIC": "external_id:epic",
            "Name": "person.full_name",
            "House": "address.house_number",
            "Street": "address.street",
        }
    }
    batch = run(write_csv(tmp_path / "twice.csv", header, rows), mapping)
    assert batch.counts["created"] == 2 and batch.counts["rejected"] == 0
    assert batch.counts["repeated"] == 1
    mitali = Person.objects.get(full_name="Mitali Ghosh")
    assert door_of(mitali)["street"] == "Lansdowne Road"
    notice = ImportNotice.objects.get(batch=batch, kind="repeated")
    assert notice.line == 4 and "line 2" in notice.reason and "later" in notice.reason
    assert "House: 7 → 12" in notice.value and "Street: Elgin Road → Lansdowne Road" in notice.value


def test_a_voter_repeated_in_a_later_batch_of_rows_is_updated_by_the_later_row(geo, tmp_path):
    header = ["EPIC", "Name", "House", "Street"]
    rows = [
        ["WKH1234566", "Mitali Ghosh", "7", "Elgin Road"],
        ["WKH7654320", "Amit Ghosh", "7", "Elgin Road"],
        ["WKH1234566", "Mitali Ghosh", "12", "Lansdowne Road"],
    ]
    mapping = {
        "columns": {
            "EPIC": "external_id:epic",
            "Name": "person.full_name",
            "House": "address.house_number",
            "Street": "address.street",
        }
    }
    path = write_csv(tmp_path / "twice.csv", header, rows)
    batch = services.import_create(actor=SYSTEM, path=path, mapping=mapping)
    ImportBatch.objects.filter(pk=batch.pk).update(status="running")
    out = Importer(batch, chunk=1).run()  # one row per batch of rows
    assert (out.created, out.repeated, out.rejected) == (2, 1, 0)
    mitali = Person.objects.get(full_name="Mitali Ghosh")
    assert door_of(mitali)["street"] == "Lansdowne Road"
    notice = ImportNotice.objects.get(batch=batch, kind="repeated")
    assert notice.line == 4 and "line 2" in notice.reason and notice.value == "address"


def test_repeated_header_rows_are_skipped_and_counted(geo, tmp_path):
    path = tmp_path / "glued.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(ROLL_HEADER)
        w.writerows(ROLL_ROWS[:2])
        w.writerow(ROLL_HEADER)  # the second part's header
        w.writerows(ROLL_ROWS[2:])
    batch = run(path, _india_roll())
    assert batch.counts["created"] == 3 and batch.counts["rejected"] == 0
    assert batch.counts["headers_skipped"] == 1
    assert not Person.objects.filter(full_name="Name").exists()

    # also when nothing in the row is validated (it would become a person named "Name")
    names = {"columns": {"Name": "person.full_name"}}
    again = run(path, names)
    assert again.counts["headers_skipped"] == 1 and again.counts["rejected"] == 0
    assert not Person.objects.filter(given_name="Name").exists()


def test_the_rejected_rows_are_the_original_file_to_fix_and_import_again(geo, tmp_path):
    bad = ROLL_ROWS[0][:]
    bad[3], bad[4], bad[5] = "9", "WKH0000042", "<script>x</script>"  # not a name
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, [ROLL_ROWS[1], bad])
    mapping = _india_roll()
    batch = run(path, mapping)
    assert batch.counts["rejected"] == 1
    text = "".join(selectors.rejected_rows_csv(batch))
    assert text.startswith("\ufeff")
    lines = text[1:].splitlines()
    original = Path(path).read_text(encoding="utf-8").splitlines()
    assert lines[0] == original[0] + ",Grassroots: why rejected"
    assert lines[1].startswith(original[2] + ",") and "name" in lines[1]
    # fix the name in the downloaded file and import it with the same mapping
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(text.replace("<script>x</script>", "Sima Ghosh"), encoding="utf-8")
    again = run(fixed, mapping)
    assert again.counts["created"] == 1 and again.counts["rejected"] == 0
    assert Person.objects.filter(full_name="Sima Ghosh").exists()
    assert not ImportRejection.objects.filter(batch=again).exists()


def test_the_import_page_says_rolled_back_with_when_and_who(
    geo, users, tmp_path, django_capture_on_commit_callbacks
):
    from django.test import Client

    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, ROLL_ROWS)
    batch = services.import_create(actor=users["admin"], path=path, template="india-roll")
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(actor=users["admin"], batch=batch)
    batch.refresh_from_db()
    assert batch.status == "succeeded" and batch.job is not None
    services.import_rollback(actor=users["admin"], batch=batch)
    client = Client()
    client.force_login(users["admin"])
    html = client.get(reverse("people:import_detail", args=[batch.pk])).content.decode()
    assert "Succeeded" not in html
    assert "Rolled back" in html and f"by {users['admin'].get_username()}" in html
    # an import run without a job (the command line) says it too
    other = services.import_create(actor=users["admin"], path=path, template="india-roll")
    services.import_run(batch=other)
    services.import_rollback(actor=users["admin"], batch=other)
    html = client.get(reverse("people:import_detail", args=[other.pk])).content.decode()
    assert "Rolled back" in html and f"by {users['admin'].get_username()}" in html
