"""Job runners: the generic task, cancel, the job page's access, 'N jobs ahead', leases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.core import jobs
from grassroots.core.models import Job


class CountRunner(jobs.Runner):
    name = "test.count"
    title = "Counting"
    capability = "people.export"
    queue = jobs.BATCH
    seen: list = []

    def run(self, reporter, *, upto: int, cancel_at: int | None = None):
        reporter.job.total = upto
        for i in range(1, upto + 1):
            if cancel_at == i:
                Job.objects.filter(pk=self.job.pk).update(cancel_requested_at=timezone.now())
                reporter._checked = 0.0  # read the flag now, not after the interval
            reporter.advance(i, force=True)
            CountRunner.seen.append(i)
        return {"counted": upto}


@pytest.fixture(autouse=True)
def _reset():
    CountRunner.seen = []


def test_a_runner_runs_once_by_name_after_commit(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.runner("test.count").start(actor=users["manager"], upto=3)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result == {"counted": 3}
    assert job.params["upto"] == 3 and job.queue == "batch" and job.lease_until is None
    assert jobs.job_execute(job.pk) == {"counted": 3}  # delivered twice: nothing again
    assert CountRunner.seen == [1, 2, 3]


def test_a_job_running_under_a_live_lease_is_left_alone(users):
    job = CountRunner.create(actor=users["manager"], upto=2)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, lease_until=timezone.now() + dt.timedelta(seconds=30)
    )
    assert jobs.job_execute(job.pk) == {"skipped": "running"}
    assert CountRunner.seen == []


def test_the_capability_is_checked_again_when_it_runs(users):
    job = CountRunner.create(actor=users["volunteer"], upto=2)
    jobs.job_execute(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and CountRunner.seen == []
    system = CountRunner.create(actor=None, upto=1)  # the system may
    jobs.job_execute(system.pk)
    assert Job.objects.get(pk=system.pk).status == Job.Status.SUCCEEDED


def test_a_cancelled_job_stops_between_batches(users):
    job = CountRunner.create(actor=users["manager"], upto=10, cancel_at=4)
    assert jobs.job_execute(job.pk) == {"cancelled": True}
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.is_finished
    assert CountRunner.seen == [1, 2, 3]  # stopped at the fourth batch's boundary


def test_an_orphaned_job_is_failed_not_left_running(users):
    job = CountRunner.create(actor=users["manager"], upto=2)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert jobs.recover_orphans() == {"resumed": 0, "failed": 1}
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED


def test_cancel_from_the_job_page_creator_or_capability_only(client_for, users):
    job = CountRunner.create(actor=users["manager"], upto=2)
    url = reverse("core:job_cancel", args=[job.pk])
    assert client_for(users["volunteer"]).post(url).status_code == 404
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
    assert client_for(users["manager"]).get(url).status_code == 405  # POST only
    page = client_for(users["manager"]).get(reverse("core:job_status", args=[job.pk]))
    assert url in page.content.decode() and "csrfmiddlewaretoken" in page.content.decode()
    r = client_for(users["manager"]).post(url)
    assert r.status_code == 302
    assert Job.objects.get(pk=job.pk).status == Job.Status.CANCELLED


def test_ownerless_jobs_need_the_runners_capability(client_for, users):
    job = CountRunner.create(actor=None, upto=1)
    url = reverse("core:job_status", args=[job.pk])
    assert client_for(users["volunteer"]).get(url).status_code == 404
    assert client_for(users["nobody"]).get(url).status_code == 404
    assert client_for(users["manager"]).get(url).status_code == 200  # has people.export


def test_a_waiting_job_says_how_many_are_ahead(client_for, users):
    first = CountRunner.create(actor=users["manager"], upto=1)
    CountRunner.create(actor=users["manager"], upto=1)
    last = CountRunner.create(actor=users["manager"], upto=1)
    Job.objects.filter(pk=first.pk).update(status=Job.Status.RUNNING)
    html = client_for(users["manager"]).get(reverse("core:job_status", args=[last.pk]))
    assert "Waiting for a worker — 2 jobs ahead" in html.content.decode()
    assert jobs.jobs_ahead(Job.objects.get(pk=first.pk)) is None
