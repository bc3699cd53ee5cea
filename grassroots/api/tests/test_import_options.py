"""The API takes the import options and template fitting of issue 13 §5 and §11: a template on
a file with other header spellings, and the first-load options checked up front (400/403)."""

from __future__ import annotations

import json

import pytest

from grassroots.api.tests.test_api import api_with_token, assert_error
from grassroots.api.tests.test_imports import IMPORTS, form, roll
from grassroots.people.models import ImportBatch
from grassroots.people.tests.test_import import ROLL_HEADER, ROLL_ROWS
from grassroots.testing.users import make_user


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_template_takes_the_files_own_header_spellings(users, geo):
    header = [h.upper().replace(" ", "_") for h in ROLL_HEADER]
    r = api_with_token(users["manager"]).post(
        IMPORTS, form(roll(ROLL_ROWS, header), template="india-roll"), format="multipart"
    )
    assert r.status_code == 201, r.content
    assert "EPIC" in ImportBatch.objects.get().mapping["columns"]


def test_first_load_options_are_checked_when_the_file_is_uploaded(users, geo):
    mapping = {
        "columns": {"Name": "person.full_name", "EPIC": "external_id:epic", "Part": "area.code"},
        "options": {"unknown_area": "create", "new_areas_under": "IN-XX"},
    }
    c = api_with_token(users["manager"])
    r = c.post(IMPORTS, form(mapping=json.dumps(mapping)), format="multipart")
    error = assert_error(r, 400, "invalid")
    assert "no area with code “IN-XX”" in " ".join(error["fields"]["mapping"])
    # a user who may import but not edit areas may not create them
    importer = make_user("importer", "data_manager", scope_all=True)
    from grassroots.accounts.models import Role

    role = Role.objects.get(slug="data_manager")
    role.capabilities = [c for c in role.capabilities if c != "geography.edit"]
    role.save()
    mapping["options"]["new_areas_under"] = "IN-WB"
    r = api_with_token(importer).post(
        IMPORTS, form(mapping=json.dumps(mapping)), format="multipart"
    )
    assert r.status_code == 403, r.content
    assert ImportBatch.objects.count() == 0
    # the same import without creating areas is theirs to make
    del mapping["options"]
    r = api_with_token(importer).post(
        IMPORTS, form(mapping=json.dumps(mapping)), format="multipart"
    )
    assert r.status_code == 201, r.content


def test_keep_newest_is_taken_and_checked(users, geo):
    header = ["EPIC", "Name", "Registered"]
    rows = [
        ["WKH1234566", "Mitali Ghosh", "2026-03-02"],
        ["WKH1234566", "Mitali Ghosh", "2019-05-01"],
    ]
    mapping = {
        "columns": {
            "EPIC": "external_id:epic",
            "Name": "person.full_name",
            "Registered": "person.registration_date",
        }
    }
    c = api_with_token(users["manager"])
    r = c.post(
        IMPORTS,
        form(roll(rows, header), mapping=json.dumps(mapping), keep="newest:Name"),
        format="multipart",
    )
    error = assert_error(r, 400, "invalid")
    assert "the column “Name” is not mapped to a date" in " ".join(error["fields"]["keep"])
    r = c.post(
        IMPORTS, form(roll(rows, header), mapping=json.dumps(mapping), keep="oldest"),
        format="multipart",
    )  # fmt: skip
    assert "write later, or newest:COLUMN" in " ".join(assert_error(r, 400)["fields"]["keep"])
    r = c.post(
        IMPORTS,
        form(roll(rows, header), mapping=json.dumps(mapping), keep="newest:Registered"),
        format="multipart",
    )
    assert r.status_code == 201, r.content
    assert r.json()["mapping"]["options"] == {"keep_repeated": "newest", "newest_by": "Registered"}
