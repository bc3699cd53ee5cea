"""Finding duplicates as a background Job: the button, the live status, "not a duplicate"
remembered by later searches, auto-merge on and off, and the search after every real import."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.urls import reverse

from grassroots.accounts.models import Role
from grassroots.core.access import SYSTEM
from grassroots.core.models import AuditEvent, Job
from grassroots.people.dedupe import jobs as dedupe_jobs
from grassroots.people.dedupe import review as duplicates
from grassroots.people.dedupe import scoring
from grassroots.people.imports import services as import_services
from grassroots.people.models import (
    DuplicatePair,
    ImportChange,
    MergeRecord,
    Person,
)
from grassroots.people.tests import test_dedupe
from grassroots.people.tests.test_dedupe import DUPLICATES, _pair
from grassroots.people.tests.test_import import ROLL_HEADER, ROLL_ROWS, write_csv

planted = test_dedupe.planted  # the same people entered twice, and look-alikes

QUEUE = reverse("people:duplicate_list")
START = reverse("people:dedupe_start")


def body(response) -> str:
    return response.content.decode()


def start_search(client, callbacks):
    with callbacks(execute=True):
        r = client.post(START)
    assert r.status_code == 302 and r["Location"] == QUEUE
    return Job.objects.filter(kind=dedupe_jobs.JOB_KIND).latest("created_at")


def test_find_duplicates_runs_a_visible_job(
    client_for, planted, users, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    job = start_search(c, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED and job.created_by == users["manager"]
    assert job.result["new"] == len(DUPLICATES) and job.result["auto_merged"] == 0
    assert job.result["queue_url"] == QUEUE
    pending = DuplicatePair.objects.filter(status="pending")
    assert {(p.low_id, p.high_id) for p in pending} == {
        _pair(planted[x], planted[y]) for x, y in DUPLICATES
    }
    assert AuditEvent.objects.filter(action="people.dedupe_started", actor=users["manager"])
    assert AuditEvent.objects.filter(action="people.dedupe_run", actor=users["manager"])
    # the queue shows the finished job with a link to the pairs; the partial answers on its own
    html = body(c.get(QUEUE))
    assert 'id="dedupe-job"' in html and f"Review {len(DUPLICATES)} pairs" in html
    r = c.get(reverse("people:dedupe_job", args=[job.pk]))
    assert r.status_code == 200 and "likely duplicates" in body(r)
    assert "hx-trigger" not in body(r)  # finished: no more polling
    # polled by htmx when it finishes: reload the page once, so the queue below shows the pairs
    r = c.get(reverse("people:dedupe_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert r["HX-Refresh"] == "true"


def test_a_running_search_shows_progress_and_a_second_is_refused(
    client_for, users, people, django_capture_on_commit_callbacks
):
    from grassroots.core.jobs import job_create

    c = client_for(users["manager"])
    job = job_create(kind=dedupe_jobs.JOB_KIND, title="Find duplicates", actor=users["manager"])
    html = body(c.get(QUEUE))
    assert f'hx-get="{reverse("people:dedupe_job", args=[job.pk])}"' in html
    assert 'hx-trigger="every 1s"' in html
    r = c.get(reverse("people:dedupe_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "HX-Refresh" not in r  # still running: keep polling
    r = c.post(START, follow=True)
    assert "already running" in body(r)
    assert Job.objects.filter(kind=dedupe_jobs.JOB_KIND).count() == 1
    # a search "running" for hours died with its worker: it does not block a new one
    Job.objects.filter(pk=job.pk).update(created_at=job.created_at - dt.timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=False):
        c.post(START)
    assert Job.objects.filter(kind=dedupe_jobs.JOB_KIND).count() == 2


def test_the_job_rechecks_the_permission_when_it_runs(
    planted, users, django_capture_on_commit_callbacks
):
    manager = users["manager"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = dedupe_jobs.dedupe_start(actor=manager)
    manager.roles.set(Role.objects.filter(slug="volunteer"))
    manager.refresh_from_db()
    for callback in callbacks:
        with contextlib.suppress(Exception):  # the immediate backend may re-raise the error
            callback()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "may no longer merge" in job.log
    assert not DuplicatePair.objects.exists()


def test_not_a_duplicate_is_not_proposed_again_by_a_later_search(
    client_for, planted, users, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    start_search(c, django_capture_on_commit_callbacks)
    low, high = _pair(planted["rafiq"], planted["rafiq2"])
    r = c.post(reverse("people:duplicate_distinct", args=[low, high]))
    assert r.status_code == 302
    job = start_search(c, django_capture_on_commit_callbacks)
    assert job.result["new"] == 0 and job.result["decided"] == 1
    assert DuplicatePair.objects.get(low_id=low, high_id=high).status == "distinct"
    html = body(c.get(QUEUE))
    assert reverse("people:duplicate_compare", args=[low, high]) not in html
    assert f'To review<span class="n">{len(DUPLICATES) - 1}</span>' in html


def test_auto_merge_is_off_by_default(
    client_for, planted, users, django_capture_on_commit_callbacks
):
    assert duplicates.settings_get().auto_merge_threshold is None
    start_search(client_for(users["manager"]), django_capture_on_commit_callbacks)
    assert not MergeRecord.objects.exists()
    assert Person.objects.filter(
        pk__in=[planted[x].pk for pair in DUPLICATES for x in pair]
    ).count() == 2 * len(DUPLICATES)


def test_auto_merge_merges_pairs_at_or_above_the_threshold_and_is_undoable(
    client_for, planted, users, django_capture_on_commit_callbacks
):
    scores = {(lo, hi): s for lo, hi, s, _r in scoring.find_duplicates()}
    threshold = 0.9
    above = {pair for pair, s in scores.items() if s >= threshold}
    below = {pair for pair, s in scores.items() if s < threshold}
    assert above, scores  # the planted pairs include sure ones
    c = client_for(users["manager"])
    c.post(reverse("people:dedupe_settings"), {"auto_merge_threshold": str(threshold)})
    job = start_search(c, django_capture_on_commit_callbacks)
    assert job.result["auto_merged"] == len(above) and job.result["threshold"] == threshold
    records = list(MergeRecord.objects.all())
    assert {tuple(sorted([r.survivor_id, r.loser_id])) for r in records} == above
    for r in records:
        assert Person.objects.filter(pk=r.survivor_id).exists()
        assert not Person.objects.filter(pk=r.loser_id).exists()
        assert r.actor == users["manager"]
    events = AuditEvent.objects.filter(action="person.merged")
    assert events.count() == len(above)
    assert all(e.detail["auto"] is True and e.detail["threshold"] == threshold for e in events)
    assert all(e.detail["job_id"] == str(job.pk) for e in events)
    # the pairs below the threshold wait for review
    assert {(p.low_id, p.high_id) for p in DuplicatePair.objects.filter(status="pending")} == below
    # the older record survives, and takes the other's values only where it had none
    assert all(r.survivor_id < r.loser_id for r in records)
    for r in records:  # what it took replaced only blanks
        assert all(v in (None, "", False) for v in r.survivor_before.values()), r.survivor_before
    # an automatic merge is undone like a manual one
    record = records[0]
    r = c.post(reverse("people:merge_undo", args=[record.pk]))
    assert r.status_code == 302
    assert Person.objects.filter(pk=record.loser_id).exists()


def test_fill_blanks_takes_only_what_the_survivor_lacks(planted):
    sourav, sourav2 = planted["sourav"], planted["sourav2"]
    assert "birth_date" not in duplicates.fill_blanks(sourav, sourav2)  # sourav has a birth date
    taken = duplicates.fill_blanks(planted["rahul2"], planted["rahul"])
    assert {"native_name", "gender", "area"} <= set(taken)
    assert "given_name" not in taken and "family_name" not in taken


# --- after an import ---------------------------------------------------------------------------


def run_import(tmp_path, callbacks, *, actor, dry_run=False, rows=ROLL_ROWS):
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, rows)
    batch = import_services.import_create(
        actor=actor, path=path, template="india-roll", dry_run=dry_run
    )
    with callbacks(execute=True):
        import_services.import_start(actor=actor, batch=batch)
    batch.refresh_from_db()
    return batch


@pytest.fixture
def import_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_real_import_searches_its_own_people_for_duplicates(
    planted, users, geo, tmp_path, import_media, django_capture_on_commit_callbacks
):
    from grassroots.people import services

    # Mitali is already known (a sign-up: no EPIC, a year older on our form) with her mobile
    known = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Mitali", "family_name": "Ghosh", "age": 42, "area": geo["p1"]},
        phones=["9830011111"],
    )
    batch = run_import(tmp_path, django_capture_on_commit_callbacks, actor=users["manager"])
    assert batch.status == "succeeded" and batch.counts["created"] == 3
    imported = set(ImportChange.objects.filter(batch=batch).values_list("person_id", flat=True))
    job = Job.objects.get(kind=dedupe_jobs.JOB_KIND)
    assert job.status == Job.Status.SUCCEEDED and batch.filename in job.title
    assert job.result["incremental"] is True
    pairs = list(DuplicatePair.objects.values_list("low_id", "high_id"))
    assert pairs, "the imported Mitali was not paired with the known one"
    assert all(low in imported or high in imported for low, high in pairs)
    mitali = Person.objects.get(external_ids__value="WKH1234566")
    assert tuple(sorted([known.pk, mitali.pk])) in pairs
    # the planted duplicates among people the import did not touch are left for a full search
    for x, y in DUPLICATES:
        assert _pair(planted[x], planted[y]) not in pairs


def test_a_dry_run_import_does_not_search(
    users, geo, tmp_path, import_media, django_capture_on_commit_callbacks
):
    batch = run_import(
        tmp_path, django_capture_on_commit_callbacks, actor=users["manager"], dry_run=True
    )
    assert batch.status == "succeeded"
    assert not Job.objects.filter(kind=dedupe_jobs.JOB_KIND).exists()
