"""``/api/v1/imports/`` (issue 14 §1–2): a file of a million columns and a zip bomb answer 400
in the one error shape and keep nothing; ``POST …/{id}/cancel/`` cancels a check or import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from grassroots.api.tests.test_api import api_with_token, assert_error
from grassroots.core import jobs
from grassroots.core.models import Job
from grassroots.people.imports import engine
from grassroots.people.models import ImportBatch, Person
from grassroots.people.tests.test_import_limits import wide_header, zip_bomb
from grassroots.testing.users import make_user

IMPORTS = "/api/v1/imports/"


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def manager_api(users):
    return api_with_token(users["manager"])


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (wide_header, "wide.csv", "more than 500 columns; the limit is 500"),
        (zip_bomb, "voters.zip", "the limit is 200 times"),
    ],
)
def test_refused_at_upload_in_the_error_shape(manager_api, geo, media, make, name, message):
    upload = SimpleUploadedFile(name, make(), "text/csv")
    r = manager_api.post(
        IMPORTS, {"file": upload, "template": "india-roll", "dry_run": "true"}, format="multipart"
    )
    error = assert_error(r, 400, "invalid")
    assert message in " ".join(error["fields"]["file"])
    assert ImportBatch.objects.count() == 0 and Person.objects.count() == 0
    assert not [p for p in media.rglob("*") if p.is_file()]


def _upload(client, rows: int = 7) -> dict:
    from grassroots.people.tests.test_import import ROLL_HEADER
    from grassroots.people.tests.test_import_fast import roll_row

    lines = [",".join(ROLL_HEADER)] + [",".join(roll_row(i)) for i in range(1, rows + 1)]
    upload = SimpleUploadedFile("roll.csv", ("\n".join(lines) + "\n").encode(), "text/csv")
    r = client.post(
        IMPORTS, {"file": upload, "template": "india-roll", "dry_run": "false"}, format="multipart"
    )
    assert r.status_code == 201, r.content
    return r.json()


def test_cancel_a_running_import(manager_api, geo, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 3)
    body = _upload(manager_api)
    assert body["cancelled"] is False and body["links"]["cancel"].endswith("/cancel/")
    Job.objects.filter(pk=body["job"]["id"]).update(status=Job.Status.RUNNING, lease_until=None)
    r = manager_api.post(body["links"]["cancel"])
    assert r.status_code == 202, r.content
    assert r.json()["cancelled"] is True and r.json()["job"]["status"] == "running"
    jobs.job_execute(body["job"]["id"])  # the worker stops after the batch of rows it is on
    after = manager_api.get(body["links"]["self"]).json()
    assert after["status"] == "failed" and after["job"]["status"] == "cancelled"
    assert after["cancelled"] is True and after["counts"]["rows"] == 3
    assert Person.objects.count() == 3
    error = assert_error(manager_api.post(body["links"]["cancel"]), 409, "conflict")
    assert "not running" in error["message"]


def test_cancel_who_may(manager_api, users, geo):
    body = _upload(manager_api)
    other = api_with_token(make_user("other-manager", "campaign_manager", scope_all=True))
    assert_error(other.post(body["links"]["cancel"]), 403)
    volunteer = api_with_token(users["volunteer"])
    assert volunteer.post(body["links"]["cancel"]).status_code in (403, 404)
    assert Job.objects.get(pk=body["job"]["id"]).status == Job.Status.QUEUED
    assert_error(manager_api.post(f"{IMPORTS}00000000-0000-0000-0000-000000000000/cancel/"), 404)
    r = api_with_token(users["admin"]).post(body["links"]["cancel"])
    assert r.status_code == 202
    assert Job.objects.get(pk=body["job"]["id"]).status == Job.Status.CANCELLED
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED
