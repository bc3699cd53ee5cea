"""Retention: export files and import leftovers are deleted by housekeeping, and nothing else."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grassroots import cli
from grassroots.core.access import SYSTEM
from grassroots.core.housekeeping import housekeeping_run
from grassroots.core.models import AuditEvent, Job
from grassroots.people.imports import services
from grassroots.people.models import (
    ImportBatch,
    ImportChange,
    ImportNotice,
    ImportRejection,
    Person,
)
from grassroots.people.tests.test_import import ROLL_HEADER, ROLL_ROWS, write_csv


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_RETENTION = dt.timedelta(hours=24)
    settings.IMPORT_RETENTION = dt.timedelta(days=30)
    return settings.MEDIA_ROOT


def _export(client, capture) -> Job:
    with capture(execute=True):
        r = client.post(reverse("people:export_start"), {"columns": ["id"], "format": "csv"})
    assert r.status_code == 302
    return Job.objects.filter(kind="people.export").latest("created_at")


def _age(job: Job, hours: float) -> None:
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(hours=hours))


def test_old_export_files_are_deleted_and_the_job_says_so(
    client_for, people, users, media, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    old, fresh = (_export(c, django_capture_on_commit_callbacks) for _ in range(2))
    old_file = media / old.result["path"]
    fresh_file = media / fresh.result["path"]
    assert old_file.is_file() and fresh_file.is_file()
    _age(old, 25)
    _age(fresh, 23)

    counts = housekeeping_run()

    assert counts["export_files_deleted"] == 1 and counts["exports_expired"] == 1
    assert not old_file.exists() and fresh_file.is_file()
    old.refresh_from_db()
    assert old.result["expired"] is True and "download_url" not in old.result
    assert old.result["rows"] == 3  # the record of what was exported stays
    assert c.get(reverse("people:export_download", args=[old.pk])).status_code == 404
    assert c.get(reverse("people:export_download", args=[fresh.pk])).status_code == 200
    status = c.get(reverse("people:export_status", args=[old.pk])).content.decode()
    assert "retention period ended" in status
    assert AuditEvent.objects.filter(action="core.housekeeping").count() == 1
    # Running again finds nothing more to do and audits nothing.
    assert housekeeping_run()["export_files_deleted"] == 0
    assert AuditEvent.objects.filter(action="core.housekeeping").count() == 1


def test_stray_files_in_the_exports_folder_expire_too(db, media):
    folder = media / "exports"
    folder.mkdir(parents=True)
    stray, recent = folder / "partial.csv", folder / "recent.csv"
    stray.write_text("id\n")
    recent.write_text("id\n")
    past = (timezone.now() - dt.timedelta(hours=30)).timestamp()
    os.utime(stray, (past, past))
    assert housekeeping_run()["export_files_deleted"] == 1
    assert not stray.exists() and recent.exists()


def _import(path, **kw) -> ImportBatch:
    batch = services.import_create(actor=SYSTEM, path=path, template="india-roll", **kw)
    services.import_run(batch=batch)
    batch.refresh_from_db()
    return batch


def _age_batch(batch: ImportBatch, days: float) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days)
    )
    batch.refresh_from_db()


def test_old_imports_lose_file_rejects_and_rollback_data_but_keep_the_record(geo, tmp_path):
    rows = [
        *ROLL_ROWS,
        ["1", "9", "x", "9", "BAD", "No Epic", "", "F", "", "1", "40", "F", ""],
        ["1", "1", "x", "10", "", "Bad Mobile", "", "F", "", "1", "40", "F", "12"],  # a value
    ]
    batch = _import(write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows))
    assert batch.counts["created"] == 4 and batch.counts["rejected"] == 1
    assert batch.counts["values_rejected"] == 1
    stored = Path(batch.stored_path)
    assert stored.is_file()
    _age_batch(batch, 31)
    assert batch.is_expired

    counts = housekeeping_run()

    assert counts["import_files_deleted"] == 1
    assert counts["import_changes_deleted"] == 4 and counts["import_rejects_deleted"] == 1
    assert counts["import_notices_deleted"] == 1  # the rejected value held a person's data
    assert not stored.exists()
    batch.refresh_from_db()
    assert batch.stored_path == "" and batch.counts["created"] == 4 and batch.sha256
    assert not ImportChange.objects.filter(batch=batch).exists()
    assert not ImportRejection.objects.filter(batch=batch).exists()
    assert not ImportNotice.objects.filter(batch=batch).exists()
    assert Person.objects.count() == 4  # the people themselves are not touched
    with pytest.raises(ValidationError, match="retention"):
        services.import_rollback(actor=SYSTEM, batch=batch)


def test_a_file_still_used_by_a_recent_import_is_kept(geo, tmp_path):
    check = _import(write_csv(tmp_path / "roll.csv", ROLL_HEADER, ROLL_ROWS), dry_run=True)
    real = services.import_again(actor=SYSTEM, batch=check)
    services.import_run(batch=real)
    assert real.stored_path == check.stored_path
    _age_batch(check, 40)  # the check is old, the real import is not

    assert housekeeping_run()["import_files_deleted"] == 0
    assert Path(real.stored_path).is_file()
    check.refresh_from_db()
    assert check.stored_path == real.stored_path
    real.refresh_from_db()
    assert not real.is_expired and ImportChange.objects.filter(batch=real).count() == 3


def test_an_expired_check_cannot_be_run_again(geo, tmp_path):
    check = _import(write_csv(tmp_path / "roll.csv", ROLL_HEADER, ROLL_ROWS), dry_run=True)
    _age_batch(check, 31)
    housekeeping_run()
    check.refresh_from_db()
    with pytest.raises(ValidationError, match="upload it again"):
        services.import_again(actor=SYSTEM, batch=check)


def test_housekeeping_command_prints_counts(db, capsys):
    assert cli.main(["housekeeping"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["export_files_deleted"] == 0 and "import_files_deleted" in counts


def test_housekeeping_task_runs_through_the_queue(db):
    from grassroots.core.tasks import housekeeping_task

    result = housekeeping_task.enqueue()
    assert result.return_value["exports_expired"] == 0
