"""``/api/v1/imports/``: upload and check, import for real, list, rejected rows as CSV; who may;
malformed input answers the one error shape and changes nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from grassroots.accounts import services as account_services
from grassroots.api.tests.test_api import api, api_with_token, assert_error
from grassroots.people.models import ImportBatch, Person
from grassroots.people.tests.test_import import ROLL_HEADER, ROLL_ROWS
from grassroots.testing.users import make_user

IMPORTS = "/api/v1/imports/"
# Part 9 does not exist: the row is rejected (a bad value alone, such as an age of 300, would
# only be left out).
BAD_ROW = ["1", "9", "Nowhere", "4", "WKH0000042", "No Part", "", "F", "X", "7", "40", "F", ""]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def roll(rows=ROLL_ROWS, header=ROLL_HEADER) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def form(content=None, name="roll.csv", **fields) -> dict:
    data = {"file": SimpleUploadedFile(name, roll() if content is None else content, "text/csv")}
    data.update(fields)
    return data


@pytest.fixture
def manager_api(users):
    return api_with_token(users["manager"])


def state():
    return ImportBatch.objects.count(), Person.objects.count()


# --- the happy path ----------------------------------------------------------------------


def test_upload_check_then_run_then_rejects(
    manager_api, users, geo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = manager_api.post(
            IMPORTS, form(roll(ROLL_ROWS + [BAD_ROW]), template="india-roll"), format="multipart"
        )
    assert r.status_code == 201, r.content
    body = r.json()
    check = ImportBatch.objects.get()
    assert body["id"] == str(check.pk)
    assert r["Location"] == f"http://testserver{IMPORTS}{check.pk}/"
    assert body["dry_run"] is True and body["template"] == "india-roll"
    assert body["filename"] == "roll.csv" and body["created_by"] == "manager"
    # created with the response: queued; the immediate test backend has run it on commit
    assert body["status"] in ("draft", "running", "succeeded")
    assert body["job"]["url"] == f"http://testserver/jobs/{check.job_id}/"
    assert set(body["links"]) == {"self", "run", "cancel", "rejected", "screen"}
    assert Person.objects.count() == 0

    r = manager_api.get(body["links"]["self"])
    assert r.status_code == 200
    done = r.json()
    assert done["status"] == "succeeded" and done["job"]["status"] == "succeeded"
    assert done["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 1, "rows": 4}

    with django_capture_on_commit_callbacks(execute=True):
        r = manager_api.post(done["links"]["run"])
    assert r.status_code == 202, r.content
    real = ImportBatch.objects.get(dry_run=False)
    assert r.json()["id"] == str(real.pk) and r.json()["dry_run"] is False
    real.refresh_from_db()
    assert real.status == "succeeded" and real.counts["created"] == 3
    assert Person.objects.count() == 3

    # the rejected rows, as the screen gives them
    r = manager_api.get(f"{IMPORTS}{real.pk}/rejected/", HTTP_ACCEPT="text/csv")
    assert r.status_code == 200 and r["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="rejected-{real.pk}.csv"' in r["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode().lstrip("\ufeff"))))
    assert rows[0] == [*ROLL_HEADER, "Grassroots: why rejected"]  # the file, to fix and re-import
    assert rows[1][:-1] == BAD_ROW and "IN-WB-AC1-P009" in rows[1][-1]
    assert manager_api.get(f"{IMPORTS}{real.pk}/rejected/").status_code == 200  # any Accept

    # a finished real import cannot be run again
    error = assert_error(manager_api.post(f"{IMPORTS}{real.pk}/run/"), 409, "conflict")
    assert "Wait for the check to finish first." in error["message"]

    # the list, newest first, filterable
    r = manager_api.get(IMPORTS)
    assert [b["id"] for b in r.json()["results"]] == [str(real.pk), str(check.pk)]
    r = manager_api.get(IMPORTS, {"dry_run": "true"})
    assert [b["id"] for b in r.json()["results"]] == [str(check.pk)]


def test_upload_with_a_mapping_and_import_straight_away(
    manager_api, geo, django_capture_on_commit_callbacks
):
    content = roll([["Asha", "Rao", "28/02/1987", "V-1"]], ["Given", "Surname", "Born", "Voter"])
    mapping = {
        "columns": {
            "Given": "person.given_name",
            "Surname": "person.family_name",
            "Born": {"target": "person.birth_date", "format": "%d/%m/%Y"},
            "Voter": "external_id:voter",
        },
        "constants": {"person.source": "API test"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        r = manager_api.post(
            IMPORTS,
            form(content, name="people.csv", mapping=json.dumps(mapping), dry_run="false"),
            format="multipart",
        )
    assert r.status_code == 201, r.content
    batch = ImportBatch.objects.get()
    assert not batch.dry_run and batch.template == "" and batch.mapping == mapping
    assert batch.status == "succeeded" and batch.counts["created"] == 1
    asha = Person.objects.get()
    assert str(asha.birth_date) == "1987-02-28" and asha.source == "API test"


def test_large_upload_goes_through_a_temporary_file(
    manager_api, geo, settings, django_capture_on_commit_callbacks
):
    """Above FILE_UPLOAD_MAX_MEMORY_SIZE Django streams the upload to disk; it imports the same."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64
    content = roll(ROLL_ROWS)
    assert len(content) > 64
    with django_capture_on_commit_callbacks(execute=True):
        r = manager_api.post(IMPORTS, form(content, template="india-roll"), format="multipart")
    assert r.status_code == 201, r.content
    assert ImportBatch.objects.get().counts["created"] == 3


# --- malformed input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"mapping": "{not json"}, "mapping", "The mapping is not valid JSON"),
        ({"mapping": "[1, 2]"}, "mapping", "The mapping must be a JSON object"),
        (
            {"mapping": json.dumps({"columns": {"Name": "person.shoe_size"}})},
            "mapping",
            "unknown field",
        ),
        (
            {"mapping": json.dumps({"columns": {"Nope": "person.full_name"}})},
            "mapping",
            "is not in the file",
        ),
        ({"mapping": json.dumps({"columns": {}})}, "mapping", "The mapping maps no column"),
        (
            {
                "mapping": json.dumps(
                    {"columns": {"Name": "person.full_name", "Relative": "person.full_name"}}
                )
            },
            "mapping",
            "both go to",
        ),
        ({"template": "no-such-template"}, "template", "No import template “no-such-template”"),
        ({}, "template", "Give either a template name or a mapping"),
        (
            {
                "template": "india-roll",
                "mapping": json.dumps({"columns": {"Name": "person.full_name"}}),
            },
            "template",
            "Give either a template name or a mapping",
        ),
        ({"template": "us-voter-file"}, "template", "are not in the file"),
        ({"template": "india-roll", "dry_run": "maybe"}, "dry_run", "Must be a valid boolean"),
    ],
)
def test_malformed_uploads_answer_a_field_error(manager_api, geo, media, fields, field, message):
    before = state()
    r = manager_api.post(IMPORTS, form(**fields), format="multipart")
    error = assert_error(r, 400, "invalid")
    assert message in " ".join(error["fields"][field]), error
    assert state() == before
    assert not list(media.glob("imports/*"))  # no copy of the file was kept


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "photo.csv", "does not look like a CSV"),
    ],
)
def test_bad_files_answer_a_file_error(manager_api, geo, content, name, message):
    r = manager_api.post(
        IMPORTS, form(content, name=name, template="india-roll"), format="multipart"
    )
    error = assert_error(r, 400, "invalid")
    assert message in " ".join(error["fields"]["file"])
    assert state() == (0, 0)


def test_no_file_and_wrong_content_type(manager_api, geo):
    error = assert_error(manager_api.post(IMPORTS, {"template": "india-roll"}, format="json"), 400)
    assert "file" in error["fields"]
    r = manager_api.generic("POST", IMPORTS, "<xml/>", content_type="application/xml")
    assert_error(r, 415, "unsupported_media_type")
    assert state() == (0, 0)


def test_the_size_limit_is_the_screens(manager_api, client_for, users, geo, settings):
    settings.IMPORT_MAX_UPLOAD_SIZE = 100
    error = assert_error(
        manager_api.post(IMPORTS, form(template="india-roll"), format="multipart"), 400
    )
    message = "The file is larger than 100\xa0bytes; split it or use the command line."
    assert error["fields"]["file"] == [message]
    page = client_for(users["manager"]).post(
        "/people/imports/", form(template="india-roll", next="map")
    )
    assert page.status_code == 400 and message in page.content.decode()
    assert state() == (0, 0)


def test_unknown_or_malformed_ids_are_404(manager_api, geo):
    for url in (
        f"{IMPORTS}00000000-0000-0000-0000-000000000000/",
        f"{IMPORTS}not-a-uuid/",
        f"{IMPORTS}00000000-0000-0000-0000-000000000000/rejected/",
    ):
        assert_error(manager_api.get(url), 404, "not_found")
    assert_error(
        manager_api.post(f"{IMPORTS}00000000-0000-0000-0000-000000000000/run/"), 404, "not_found"
    )


def test_run_before_the_check_finished_is_a_conflict(manager_api, geo):
    r = manager_api.post(IMPORTS, form(template="india-roll"), format="multipart")
    assert r.status_code == 201  # the job waits for the commit that the test never makes
    error = assert_error(manager_api.post(r.json()["links"]["run"]), 409, "conflict")
    assert "Wait for the check to finish first." in error["message"]
    assert ImportBatch.objects.count() == 1


# --- who may -----------------------------------------------------------------------------


@pytest.fixture
def finished(manager_api, geo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = manager_api.post(IMPORTS, form(template="india-roll"), format="multipart")
    return r.json()


def calls(finished):
    return [
        ("get", IMPORTS, None),
        ("post", IMPORTS, lambda: form(template="india-roll")),
        ("get", finished["links"]["self"], None),
        ("post", finished["links"]["run"], None),
        ("get", finished["links"]["rejected"], None),
    ]


def test_anonymous_is_401(finished):
    before = state()
    for method, url, data in calls(finished):
        r = getattr(APIClient(), method)(url, data() if data else None, format="multipart")
        assert_error(r, 401, "not_authenticated")
    assert state() == before


@pytest.mark.parametrize("who", ["volunteer", "organiser", "finance", "auditor", "nobody"])
def test_roles_without_people_import_are_403(
    finished, users, who, django_capture_on_commit_callbacks
):
    before = state()
    # a token where the role may use the API; a session otherwise (tokens need api.use)
    c = api_with_token(users[who]) if users[who].has_capability("api.use") else api(users[who])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for method, url, data in calls(finished):
            r = getattr(c, method)(url, data() if data else None, format="multipart")
            assert_error(r, 403, "permission_denied")
    assert callbacks == []
    assert state() == before


def test_roles_with_people_import_and_api_use_are_allowed(
    finished, geo, django_capture_on_commit_callbacks
):
    data_manager = make_user("data", "data_manager", scope_all=True)
    c = api_with_token(data_manager)
    assert c.get(IMPORTS).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert c.post(IMPORTS, form(template="india-roll"), format="multipart").status_code == 201
        assert c.post(finished["links"]["run"]).status_code == 202
    assert Person.objects.count() == 3


def test_revoked_token_is_401(users, geo):
    token, plaintext = account_services.api_token_create(actor=users["manager"], name="t")
    account_services.api_token_revoke(actor=users["manager"], token=token)
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert_error(c.post(IMPORTS, form(template="india-roll"), format="multipart"), 401)
    assert state() == (0, 0)


# --- schema ------------------------------------------------------------------------------


def test_imports_are_in_the_openapi_schema(db):
    schema = json.loads(APIClient().get("/api/schema/", {"format": "json"}).content)
    paths = schema["paths"]
    for path in (
        "/api/v1/imports/",
        "/api/v1/imports/{id}/",
        "/api/v1/imports/{id}/run/",
        "/api/v1/imports/{id}/rejected/",
    ):
        assert path in paths, path
    upload = paths["/api/v1/imports/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    props = schema["components"]["schemas"]["ImportUploadRequest"]["properties"]
    assert {"file", "template", "mapping", "dry_run"} <= set(props)
    assert props["file"]["format"] == "binary"
    assert (
        "text/csv" in paths["/api/v1/imports/{id}/rejected/"]["get"]["responses"]["200"]["content"]
    )
