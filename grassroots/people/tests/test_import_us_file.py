"""A US statewide file as it really comes (issue 13 §5, §7, §11): value maps for any column,
primary ballots with party letters, the registration fields, templates that take the file's
own header spellings, and the options for area and election codes we do not have yet."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grassroots.core.access import SYSTEM
from grassroots.geography import services as geo_services
from grassroots.geography.models import Area, Election
from grassroots.people.imports import services
from grassroots.people.imports.mapping import fit_mapping, validate_mapping
from grassroots.people.imports.templates import BUILTIN
from grassroots.people.models import ImportBatch, Person, VoteHistory
from grassroots.people.tests.test_import import write_csv
from grassroots.testing.users import make_user

HEADER = [
    "SOS_VOTERID",
    "FIRST_NAME",
    "LAST_NAME",
    "SUFFIX",
    "DATE_OF_BIRTH",
    "REGISTRATION_DATE",
    "PARTY_AFFILIATION",
    "VOTER_STATUS",
    "PRECINCT_CODE",
    "PRIMARY-03/05/2024",
    "GENERAL-11/05/2024",
]
ROWS = [
    ["OH0001", "Ann", "Lee", "", "02/14/1961", "10/01/1990", "D", "A", "CA-P1", "D", "X"],
    ["OH0002", "Bob", "Lee", "Jr", "07/04/1988", "03/15/2010", "R", "I", "CA-P1", "R", ""],
    ["OH0003", "Cy", "Diaz", "", "01/09/1994", "09/30/2016", "", "A", "CA-P9", "", "X"],
]
MAPPING = {
    "columns": {
        "SOS_VOTERID": "external_id:us-oh-voter",
        "FIRST_NAME": "person.given_name",
        "LAST_NAME": "person.family_name",
        "SUFFIX": "person.name_suffix",
        "DATE_OF_BIRTH": {"target": "person.birth_date", "format": "%m/%d/%Y"},
        "REGISTRATION_DATE": {"target": "person.registration_date", "format": "%m/%d/%Y"},
        "PARTY_AFFILIATION": {
            "target": "person.party",
            "values": {"D": "Democratic", "R": "Republican"},
        },
        "VOTER_STATUS": {
            "target": "person.voter_status",
            "values": {"A": "active", "I": "inactive"},
        },
        "PRECINCT_CODE": "area.code",
        "PRIMARY-03/05/2024": {
            "target": "vote:us-2024-primary",
            "values": {
                "d": {"voted": True, "party": "DEM"},
                "R": {"voted": True, "party": "REP"},
                "X": {"voted": True},
            },
        },
        "GENERAL-11/05/2024": "vote:us-2024-general",
    },
    "options": {"default_region": "US", "match": ["external_id"]},
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def us(db):
    country = geo_services.area_kind_ensure(code="country", name="Country", sort_order=1)
    state = geo_services.area_kind_ensure(code="state", name="State", sort_order=2)
    precinct = geo_services.area_kind_ensure(
        code="precinct", name="Precinct", is_polling_unit=True, sort_order=6
    )
    usa = geo_services.area_create(actor=SYSTEM, kind=country, code="US", name="United States")
    ca = geo_services.area_create(actor=SYSTEM, kind=state, code="US-CA", name="CA", parent=usa)
    p1 = geo_services.area_create(
        actor=SYSTEM, kind=precinct, code="CA-P1", name="Precinct 1", parent=ca
    )
    return {"usa": usa, "ca": ca, "p1": p1, "precinct": precinct}


def elections(area):
    for code, kind, date in (
        ("us-2024-primary", "primary", dt.date(2024, 3, 5)),
        ("us-2024-general", "general", dt.date(2024, 11, 5)),
    ):
        geo_services.election_create(
            actor=SYSTEM, name=code, kind=kind, date=date, area=area, code=code
        )


def run(path, mapping, *, actor=SYSTEM, dry_run=False):
    batch = services.import_create(actor=actor, path=path, mapping=mapping, dry_run=dry_run)
    counts = services.import_run(batch=batch)
    batch.refresh_from_db()
    return batch, counts


def test_value_maps_party_ballots_and_registration_fields(us, tmp_path):
    elections(us["usa"])
    path = write_csv(tmp_path / "oh.csv", HEADER, ROWS[:2])
    _batch, counts = run(path, MAPPING)
    assert counts["created"] == 2 and counts["rejected"] == 0, _batch.examples
    ann = Person.objects.get(external_ids__value="OH0001")
    bob = Person.objects.get(external_ids__value="OH0002")
    assert (ann.party, ann.voter_status, ann.name_suffix) == ("Democratic", "active", "")
    assert ann.registration_date == dt.date(1990, 10, 1)
    assert (bob.party, bob.voter_status, bob.name_suffix) == ("Republican", "inactive", "Jr")
    votes = {
        (v.person.given_name, v.election.code): (v.voted, v.method, v.ballot_party)
        for v in VoteHistory.objects.select_related("person", "election")
    }
    assert votes == {
        ("Ann", "us-2024-primary"): (True, "", "DEM"),
        ("Ann", "us-2024-general"): (True, "", ""),
        ("Bob", "us-2024-primary"): (True, "", "REP"),
    }
    # the same file again changes nothing
    _batch, again = run(path, MAPPING)
    assert again["unchanged"] == 2 and again["updated"] == again["created"] == 0


def test_a_changed_ballot_party_updates_the_vote_history_row(us, tmp_path):
    elections(us["usa"])
    run(write_csv(tmp_path / "a.csv", HEADER, ROWS[:1]), MAPPING)
    row = ROWS[0][:9] + ["R", "X"]
    _batch, counts = run(write_csv(tmp_path / "b.csv", HEADER, [row]), MAPPING)
    assert counts["updated"] == 1
    assert VoteHistory.objects.get(election__code="us-2024-primary").ballot_party == "REP"


def test_value_maps_are_validated():
    bad = {
        "columns": {
            "A": "person.given_name",
            "B": {"target": "vote:x", "values": {"D": {"voted": True, "method": "pigeon"}}},
            "C": {"target": "vote:y", "values": {"Q": "maybe"}},
            "D": {"target": "person.party", "values": ["D", "R"]},
            "E": {"target": "person.gender", "colour": "red"},
        }
    }
    with pytest.raises(ValidationError) as exc:
        validate_mapping(bad)
    text = " ".join(exc.value.messages)
    assert "the mark “D” must translate to" in text
    assert "the mark “Q” translates to “maybe”, which is not a vote-history mark" in text
    assert "Column “D”: “values” must map values" in text
    assert "Column “E”: unknown setting “colour”" in text


def test_the_us_template_takes_real_header_spellings():
    headers = [
        "voter_id",
        "First Name",
        "MIDDLE_NAME",
        "last-name",
        "DOB",
        "Sex",
        "House Number",
        "STREET",
        "Apt",
        "CITY",
        "ZIP Code",
        "precinct",
        "Phone Number",
        "EMAIL",
        "g2022",
        "P2024",
        "G2024",
    ]
    fitted = fit_mapping(BUILTIN["us-voter-file"]["mapping"], headers)
    validate_mapping(fitted, headers)  # nothing missing
    columns = fitted["columns"]
    assert columns["voter_id"] == "external_id:us-ca-voter"
    assert columns["DOB"]["target"] == "person.birth_date" and columns["Sex"] == "person.gender"
    assert columns["ZIP Code"] == "address.postal_code" and columns["Apt"] == "address.line2"
    assert columns["g2022"] == "vote:us-2022-general"


def test_leave_the_area_empty_keeps_the_person(us, tmp_path):
    elections(us["usa"])
    path = write_csv(tmp_path / "oh.csv", HEADER, ROWS)
    _batch, counts = run(path, MAPPING)
    assert counts["created"] == 2 and counts["rejected"] == 1  # CA-P9 is unknown
    mapping = {**MAPPING, "options": {**MAPPING["options"], "unknown_area": "leave_empty"}}
    batch, counts = run(path, mapping)
    assert counts["created"] == 1 and counts["rejected"] == 0
    cy = Person.objects.get(external_ids__value="OH0003")
    assert cy.area is None
    assert batch.examples["area_left_empty"] == [{"line": 4, "code": "CA-P9"}]
    # someone already placed keeps their area when the file names an unknown one
    moved = [ROWS[0][:8] + ["CA-P77"] + ROWS[0][9:]]
    run(write_csv(tmp_path / "moved.csv", HEADER, moved), mapping)
    assert Person.objects.get(external_ids__value="OH0001").area == us["p1"]


def test_a_first_load_creates_the_missing_areas_and_elections(us, tmp_path):
    path = write_csv(tmp_path / "oh.csv", HEADER, ROWS)
    mapping = {
        **MAPPING,
        "columns": {
            **MAPPING["columns"],
            "PRIMARY-03/05/2024": {
                **MAPPING["columns"]["PRIMARY-03/05/2024"],
                "election_date": "2024-03-05",
                "election_name": "2024 primary",
            },
        },
        "options": {
            **MAPPING["options"],
            "unknown_area": "create",
            "new_areas_under": "US-CA",
            "new_area_kind": "precinct",
            "unknown_election": "create",
        },
    }
    # a check creates nothing, and says what it would create
    check, counts = run(path, mapping, dry_run=True)
    assert counts["created"] == 3 and counts["rejected"] == 0
    assert check.examples["new_areas"] == ["CA-P9"]
    assert check.examples["new_elections"] == ["us-2024-general", "us-2024-primary"]
    assert not Area.objects.filter(code="CA-P9").exists() and not Election.objects.exists()
    assert Person.objects.count() == 0
    # the import creates them: areas under the chosen parent, named by their code
    _batch, counts = run(path, mapping)
    assert counts["created"] == 3 and counts["rejected"] == 0
    p9 = Area.objects.get(code="CA-P9")
    assert (p9.name, p9.parent, p9.kind) == ("CA-P9", us["ca"], us["precinct"])
    assert p9.path.startswith(us["ca"].path) and p9.depth == us["ca"].depth + 1
    assert Person.objects.get(external_ids__value="OH0003").area == p9
    primary = Election.objects.get(code="us-2024-primary")
    assert (primary.name, primary.date, primary.kind) == (
        "2024 primary",
        dt.date(2024, 3, 5),
        "primary",
    )
    general = Election.objects.get(code="us-2024-general")
    # no date given: the year in its code (1 January); held where the new areas go
    assert (general.date, general.kind, general.area) == (dt.date(2024, 1, 1), "general", us["ca"])
    assert VoteHistory.objects.filter(election=primary, ballot_party="DEM").count() == 1
    # and again: nothing new
    _batch, again = run(path, mapping)
    assert again["unchanged"] == 3 and Area.objects.filter(code__startswith="CA-P").count() == 2


def test_creating_areas_needs_geography_edit_and_a_known_parent(us, tmp_path):
    path = write_csv(tmp_path / "oh.csv", HEADER, ROWS)
    options = {"unknown_area": "create", "new_areas_under": "US-XX"}
    mapping = {**MAPPING, "options": {**MAPPING["options"], **options}}
    with pytest.raises(ValidationError, match="no area with code “US-XX”"):
        services.import_create(actor=SYSTEM, path=path, mapping=mapping)
    mapping["options"]["new_areas_under"] = "US-CA"
    texter = make_user("texter", "volunteer", areas=[us["ca"]])
    with pytest.raises(PermissionDenied):
        services.import_create(actor=texter, path=path, mapping=mapping)
    with pytest.raises(ValidationError, match="needs “new_areas_under”"):
        validate_mapping({**MAPPING, "options": {"unknown_area": "create"}})
    with pytest.raises(ValidationError, match="give its “election_date”"):
        services.import_create(
            actor=SYSTEM,
            path=path,
            mapping={
                "columns": {"FIRST_NAME": "person.given_name", "GENERAL-11/05/2024": "vote:gen"},
                "options": {"unknown_election": "create", "new_elections_in": "US"},
            },
        )
    assert ImportBatch.objects.count() == 0


def test_new_areas_take_the_kind_of_their_siblings(us, tmp_path):
    # an Indian booth kind comes first in the list of polling-unit kinds, but US-CA holds precincts
    geo_services.area_kind_ensure(code="part", name="Part", is_polling_unit=True, sort_order=5)
    elections(us["usa"])
    path = write_csv(tmp_path / "oh.csv", HEADER, ROWS)
    options = {"unknown_area": "create", "new_areas_under": "US-CA"}
    _batch, counts = run(path, {**MAPPING, "options": {**MAPPING["options"], **options}})
    assert counts["created"] == 3
    assert Area.objects.get(code="CA-P9").kind == us["precinct"]


def test_an_election_to_create_needs_a_code_it_can_have(us, tmp_path):
    path = write_csv(tmp_path / "oh.csv", HEADER, ROWS)
    mapping = {
        "columns": {"FIRST_NAME": "person.given_name", "GENERAL-11/05/2024": "vote:Gen 2024!"},
        "options": {"unknown_election": "create", "new_elections_in": "US"},
    }
    with pytest.raises(ValidationError, match="lower-case letters, digits"):
        services.import_create(actor=SYSTEM, path=path, mapping=mapping)
