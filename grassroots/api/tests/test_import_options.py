"""The API takes the import options and template fitting of issue 13 §5 and §11: a template on
a file with other header spellings, and the first-load options checked up front (400/403)."""

from __future__ import annotations

import json

import pytest

from conftest import make_user
from grassroots.api.tests.test_api import api_with_token, assert_error
from grassroots.api.tests.test_imports import IMPORTS, form, roll
from grassroots.people.models import ImportBatch
from grassroots.people.tests.test_import import ROLL_HEADER, ROLL_ROWS


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
