"""``/api/v1/area-imports/``: an area tree checked, then imported, as a job."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from grassroots.accounts import services as account_services
from grassroots.accounts.tests.factories import UserFactory
from grassroots.geography.models import Area

CSV = b"code,name,kind,parent code\nIN-WB-AC9,Rashbehari,ac,IN-WB\nIN-WB-AC9-P001,Part 1,part,IN-WB-AC9\n"


def _client(user):
    _token, plaintext = account_services.api_token_create(actor=user, name="t")
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return c


@pytest.mark.django_db(transaction=True)
def test_check_then_import_an_area_tree(geo, users, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    c = _client(users["manager"])
    r = c.post(
        "/api/v1/area-imports/",
        {"file": SimpleUploadedFile("areas.csv", CSV, "text/csv")},
        format="multipart",
    )
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["dry_run"] is True and body["status"] == "succeeded"  # immediate backend
    assert body["result"]["created"] == 2 and body["result"]["written"] is False
    assert not Area.objects.filter(code="IN-WB-AC9").exists()
    again = c.get(r["Location"])
    assert again.status_code == 200 and again.json()["id"] == body["id"]

    r = c.post(
        "/api/v1/area-imports/",
        {"file": SimpleUploadedFile("areas.csv", CSV, "text/csv"), "dry_run": "false"},
        format="multipart",
    )
    assert r.status_code == 202 and r.json()["result"]["written"] is True
    assert Area.objects.get(code="IN-WB-AC9-P001").parent.code == "IN-WB-AC9"

    bad = c.post(
        "/api/v1/area-imports/",
        {"file": SimpleUploadedFile("areas.xlsx", b"x", "application/octet-stream")},
        format="multipart",
    )
    assert bad.status_code == 400 and "csv" in bad.content.decode()
    # no capability: 403; someone else's job: 404
    assert _client(users["volunteer"]).get(r["Location"]).status_code == 403
    assert (
        _client(users["volunteer"])
        .post("/api/v1/area-imports/", {"file": SimpleUploadedFile("a.csv", CSV)})
        .status_code
        == 403
    )
    other = UserFactory(username="dm-other", role="data_manager", scope_all=True)
    assert _client(other).get(r["Location"]).status_code == 404
