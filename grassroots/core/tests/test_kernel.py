import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.core import events
from grassroots.core.jobs import job_create, run_job
from grassroots.core.models import Job, OutboxEvent


@pytest.fixture
def received():
    got = []

    def on_event(event):
        got.append((event.name, event.payload))

    events.declare("test.happened", "Something happened in a test")
    events.subscriber("test.happened", key="test.received")(on_event)
    yield got
    events.unsubscribe("test.received")
    events.undeclare("test.happened")


def test_events_are_delivered_only_after_commit(db, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.publish("test.happened", {"n": 1})
        assert received == []  # not before commit
    assert received == [("test.happened", {"n": 1})]
    assert OutboxEvent.objects.get(name="test.happened").delivered_at is not None


def test_rolled_back_event_is_never_delivered(transactional_db, received):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("test.happened", {"n": 2})
        raise RuntimeError("boom")
    events.deliver_pending()
    assert received == []
    assert not OutboxEvent.objects.exists()


def test_failing_subscriber_is_retried_alone_and_others_receive_once(db, received):
    from grassroots.core.models import OutboxDelivery

    calls = []

    def flaky(event):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("temporary")

    events.subscriber("test.happened", key="test.flaky")(flaky)
    try:
        event = OutboxEvent.objects.create(name="test.happened", payload={})
        assert events.deliver_pending() == 1  # the healthy subscriber; flaky kept for retry
        assert received == [("test.happened", {})]
        failed = OutboxDelivery.objects.get(subscriber="test.flaky")
        assert failed.status == "pending" and "temporary" in failed.last_error
        OutboxDelivery.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
        assert events.deliver_pending() == 1
        assert len(calls) == 2
        assert received == [("test.happened", {})]  # not re-run because its sibling failed
        event.refresh_from_db()
        assert event.delivered_at is not None
    finally:
        events.unsubscribe("test.flaky")


def test_run_job_records_progress_and_failure(db):
    job = job_create(kind="t", title="Counting", total=3)

    def work(rep):
        for i in range(3):
            rep.advance(i + 1, force=True)
        return {"counted": 3}

    job = run_job(job, work)
    assert (
        job.status == Job.Status.SUCCEEDED and job.percent == 100 and job.result == {"counted": 3}
    )
    bad = job_create(kind="t", title="Broken")
    with pytest.raises(ZeroDivisionError):
        run_job(bad, lambda rep: 1 / 0)
    bad.refresh_from_db()
    assert bad.status == Job.Status.FAILED and "ZeroDivisionError" in bad.log


def test_job_status_partial_is_private(client_for, users):
    job = job_create(kind="t", title="Mine", total=10, actor=users["manager"])
    url = reverse("core:job_status", args=[job.pk])
    r = client_for(users["manager"]).get(url)
    assert r.status_code == 200 and 'hx-trigger="every 1s"' in r.content.decode()
    assert client_for(users["volunteer"]).get(url).status_code == 404


def test_healthz_reports_database_and_worker(client, db, settings):
    r = client.get("/healthz")
    assert r.status_code == 200
    data = r.json()
    assert data["database"]["ok"] is True and data["worker"]["ok"] is True


def test_healthz_flags_a_stalled_database_queue(client, db, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="grassroots.core.tasks.deliver_outbox_task",
        queue_name="default",
        backend_name="default",
        run_after=timezone.now() - dt.timedelta(minutes=10),
        status="READY",
    )
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(minutes=10))
    data = client.get("/healthz").json()
    assert data["status"] == "degraded"
    assert data["worker"]["ok"] is False and data["worker"]["queued"] == 1


def test_dashboard_counts_are_scoped(client_for, people, users):
    r = client_for(users["volunteer"]).get(reverse("core:dashboard"))
    tiles = {str(t.label): t.value for t in r.context["tiles"]}
    assert tiles["People"] == "2"
    r = client_for(users["manager"]).get(reverse("core:dashboard"))
    tiles = {str(t.label): t.value for t in r.context["tiles"]}
    assert tiles["People"] == "3" and tiles["Households"] == "1"
    assert tiles["Reachable by phone"] == "67%"


def test_dashboard_requires_login(client, db):
    assert client.get("/").status_code == 302


def test_a_transaction_with_several_events_queues_one_delivery(
    db, received, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        events.publish("test.happened", {"n": 1})
        events.publish("test.happened", {"n": 2})
        try:
            with transaction.atomic():  # a savepoint rolled back: its event is gone
                events.publish("test.happened", {"n": 3})
                raise RuntimeError
        except RuntimeError:
            pass
        events.publish("test.happened", {"n": 4})
    assert len(callbacks) == 1
    assert received == [("test.happened", {"n": 1}), ("test.happened", {"n": 2}),
                        ("test.happened", {"n": 4})]  # fmt: skip
    # the next transaction queues its own
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        events.publish("test.happened", {"n": 5})
    assert len(callbacks) == 1 and received[-1] == ("test.happened", {"n": 5})


def test_an_event_after_a_rolled_back_savepoint_still_queues_delivery(
    db, received, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        try:
            with transaction.atomic():  # the only registration so far, rolled back
                events.publish("test.happened", {"n": 1})
                raise RuntimeError
        except RuntimeError:
            pass
        events.publish("test.happened", {"n": 2})
    assert len(callbacks) == 1
    assert received == [("test.happened", {"n": 2})]


def test_the_favicon_is_served_and_every_page_names_it(client, db):
    r = client.get("/favicon.ico")
    assert r.status_code == 301 and r["Location"].endswith("grassroots/favicon.svg")
    page = client.get("/accounts/login/")
    assert 'rel="icon"' in page.content.decode()
