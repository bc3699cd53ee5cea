"""Cancelling a check or import (issue 14 §2, ADR 0010's cancel): a queued one ends at once,
a running one stops between two batches of rows and keeps what they wrote — rolled back or run
again as usual; from the import screen and its service, by its creator or an administrator."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from grassroots.core import jobs
from grassroots.core.exceptions import Conflict
from grassroots.core.models import AuditEvent, Job
from grassroots.people.imports import engine, services
from grassroots.people.models import ImportBatch, Person
from grassroots.people.tests.test_import import ROLL_HEADER, write_csv
from grassroots.people.tests.test_import_fast import roll_row
from grassroots.testing.users import make_user


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def seven(tmp_path):
    return write_csv(tmp_path / "roll.csv", ROLL_HEADER, [roll_row(i) for i in range(1, 8)])


def started(actor, path, *, dry_run=False):
    """A batch with its job queued (the worker has not taken it yet)."""
    batch = services.import_create(actor=actor, path=path, template="india-roll", dry_run=dry_run)
    job = services.import_start(actor=actor, batch=batch)  # enqueued after a commit never made
    batch.refresh_from_db()
    return batch, job


def worker_took(job):
    """The state a worker leaves a job in when it has claimed it and begun."""
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, lease_until=None)


def test_a_running_import_stops_between_batches_keeps_them_and_rolls_back(
    users, geo, seven, monkeypatch
):
    monkeypatch.setattr(engine, "CHUNK", 3)
    manager = users["manager"]
    batch, job = started(manager, seven)
    worker_took(job)
    services.import_cancel(actor=manager, batch=batch)  # pressed while it runs
    assert Job.objects.get(pk=job.pk).cancel_requested_at is not None
    assert jobs.job_execute(job.pk) == {"cancelled": True}

    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert batch.status == ImportBatch.Status.FAILED and batch.finished_at is not None
    assert batch.counts["rows"] == 3 and batch.counts["created"] == 3  # one batch of rows
    assert Person.objects.count() == 3  # what it finished is kept
    assert AuditEvent.objects.filter(action="core.job_cancelled").count() == 1

    # rolled back as usual ...
    counts = services.import_rollback(actor=manager, batch=batch)
    assert counts["removed"] == 3 and Person.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK


def test_a_cancelled_import_can_be_run_again_to_the_end(users, geo, seven, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 3)
    manager = users["manager"]
    batch, job = started(manager, seven)
    worker_took(job)
    services.import_cancel(actor=manager, batch=batch)
    jobs.job_execute(job.pk)
    batch.refresh_from_db()
    again = services.import_again(actor=manager, batch=batch)
    counts = services.import_run(batch=again)
    assert counts["created"] == 4 and counts["unchanged"] == 3
    assert Person.objects.count() == 7


def test_a_queued_check_is_cancelled_at_once_and_never_runs(users, geo, seven):
    manager = users["manager"]
    batch, job = started(manager, seven, dry_run=True)
    services.import_cancel(actor=manager, batch=batch)
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert batch.status == ImportBatch.Status.FAILED  # not left "draft" for ever
    assert jobs.job_execute(job.pk) == {}  # a worker that takes it later does nothing
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and batch.counts == {}


def test_only_a_running_import_can_be_cancelled(users, geo, seven):
    manager = users["manager"]
    batch, job = started(manager, seven, dry_run=True)
    services.import_cancel(actor=manager, batch=batch)
    with pytest.raises(Conflict, match="not running"):
        services.import_cancel(actor=manager, batch=batch)


def test_its_creator_or_an_administrator_may_cancel(users, geo, seven):
    batch, job = started(users["manager"], seven)
    other = make_user("other-manager", "campaign_manager", scope_all=True)
    with pytest.raises(PermissionDenied):
        services.import_cancel(actor=other, batch=batch)
    assert Job.objects.get(pk=job.pk).cancel_requested_at is None
    services.import_cancel(actor=users["admin"], batch=batch)
    assert Job.objects.get(pk=job.pk).status == Job.Status.CANCELLED


# --- the screen --------------------------------------------------------------------------------


def test_the_import_screen_has_a_cancel_button_that_cancels(
    client_for, users, geo, seven, monkeypatch
):
    monkeypatch.setattr(engine, "CHUNK", 3)
    manager = users["manager"]
    batch, job = started(manager, seven)
    worker_took(job)
    client = client_for(manager)
    url = reverse("people:import_detail", args=[batch.pk])
    page = client.get(url).content.decode()
    assert 'name="action" value="cancel"' in page
    assert f"/jobs/{job.pk}/cancel/" not in page  # the import's own button, not the job card's

    response = client.post(url, {"action": "cancel"})
    assert response.status_code == 302
    jobs.job_execute(job.pk)
    page = client.get(url).content.decode()
    assert "The import was cancelled after 3 rows." in page
    assert "So far: 3 created, 0 updated, 0 rejected." in page
    assert 'name="action" value="cancel"' not in page  # nothing left to cancel
    assert 'value="rollback"' in page and 'value="run"' in page


def test_the_cancel_button_is_not_shown_to_others_and_their_post_changes_nothing(
    client_for, users, geo, seven
):
    batch, job = started(users["manager"], seven)
    other = make_user("other-manager", "campaign_manager", scope_all=True)
    client = client_for(other)
    url = reverse("people:import_detail", args=[batch.pk])
    assert 'value="cancel"' not in client.get(url).content.decode()
    assert client.post(url, {"action": "cancel"}).status_code == 403
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
    volunteer = client_for(users["volunteer"])
    assert volunteer.post(url, {"action": "cancel"}).status_code == 403
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
