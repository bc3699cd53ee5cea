"""Import screens: who may use them, the upload → check → run → rejects → roll back flow,
bad uploads, the HTMX status partial, and a bounded query count on the list."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.core.models import AuditEvent, Job
from grassroots.people.imports import services
from grassroots.people.models import ImportBatch, Person
from grassroots.people.tests.test_import import ROLL_HEADER, ROLL_ROWS
from grassroots.testing.users import make_user

# A row the india-roll template rejects (part 9 does not exist) and one it imports without its
# age of 300.
BAD_ROWS = [
    ["1", "9", "Nowhere", "1", "WKH0000034", "No Part", "", "F", "X", "1", "41", "F", ""],
    ["1", "1", "Elgin Road", "4", "WKH0000042", "Too Old", "", "F", "X", "7", "300", "F", ""],
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Stored import files go to a throwaway directory, not the developer's data dir."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def roll_bytes(rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(ROLL_HEADER)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def upload(name="roll.csv", content=None, template="india-roll"):
    content = roll_bytes(ROLL_ROWS) if content is None else content
    return {
        "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        "template": template,
    }


def body(response) -> str:
    return response.content.decode()


def finished_batch(tmp_path, *, dry_run: bool, rows=ROLL_ROWS) -> ImportBatch:
    """A batch that has already run (straight through the services, no view)."""
    path = tmp_path / "roll.csv"
    path.write_bytes(roll_bytes(rows))
    batch = services.import_create(actor=SYSTEM, path=path, template="india-roll", dry_run=dry_run)
    services.import_run(batch=batch)
    batch.refresh_from_db()
    return batch


def state():
    return (
        ImportBatch.objects.count(),
        Person.objects.count(),
        AuditEvent.objects.count(),
        sorted(ImportBatch.objects.values_list("status", flat=True)),
    )


# --- authorisation -----------------------------------------------------------------------


@pytest.fixture
def batches(geo, tmp_path):
    """A finished check (dry run) and a finished real import, to aim the actions at."""
    return {
        "check": finished_batch(tmp_path, dry_run=True, rows=ROLL_ROWS + BAD_ROWS),
        "real": finished_batch(tmp_path, dry_run=False, rows=ROLL_ROWS + BAD_ROWS),
    }


def requests_for(batches):
    """Every import endpoint: (method, url, data factory)."""
    check, real = batches["check"], batches["real"]
    return [
        ("get", reverse("people:import_list"), None),
        ("post", reverse("people:import_list"), upload),
        ("get", reverse("people:import_detail", args=[check.pk]), None),
        ("post", reverse("people:import_detail", args=[check.pk]), lambda: {"action": "run"}),
        ("post", reverse("people:import_detail", args=[real.pk]), lambda: {"action": "rollback"}),
        ("get", reverse("people:import_rejects", args=[real.pk]), None),
    ]


def test_anonymous_is_sent_to_login_everywhere(client, users, batches):
    before = state()
    login = reverse("accounts:login")
    for method, url, data in requests_for(batches):
        r = getattr(client, method)(url, data() if data else None)
        assert r.status_code == 302, (method, url)
        assert r["Location"].startswith(login), (method, url, r["Location"])
    assert state() == before


@pytest.mark.parametrize("who", ["volunteer", "finance", "organiser", "auditor", "nobody"])
def test_roles_without_people_import_get_403_and_change_nothing(
    client_for, users, batches, who, media, django_capture_on_commit_callbacks
):
    c = client_for(users[who])
    before = state()
    stored = sorted(media.glob("imports/*"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for method, url, data in requests_for(batches):
            r = getattr(c, method)(url, data() if data else None)
            assert r.status_code == 403, (who, method, url, r.status_code)
    assert callbacks == []  # no job was queued
    assert state() == before
    assert sorted(media.glob("imports/*")) == stored  # no upload was kept
    assert not Person.objects.filter(full_name="No Part").exists()


@pytest.mark.parametrize("who", ["manager", "admin", "data_manager"])
def test_roles_with_people_import_are_allowed(
    client_for, users, batches, who, django_capture_on_commit_callbacks
):
    user = users.get(who) or make_user("data", "data_manager", scope_all=True)
    c = client_for(user)
    check, real = batches["check"], batches["real"]

    assert c.get(reverse("people:import_list")).status_code == 200
    assert c.get(reverse("people:import_detail", args=[check.pk])).status_code == 200
    r = c.get(reverse("people:import_rejects", args=[real.pk]))
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")

    n = ImportBatch.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("people:import_list"), upload())
    assert r.status_code == 302 and ImportBatch.objects.count() == n + 1

    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("people:import_detail", args=[check.pk]), {"action": "run"})
    assert r.status_code == 302 and ImportBatch.objects.count() == n + 2

    # The import just run from the check found everyone unchanged, so it does not block this.
    r = c.post(reverse("people:import_detail", args=[real.pk]), {"action": "rollback"})
    assert r.status_code == 302
    assert r["Location"] == reverse("people:import_detail", args=[real.pk])
    real.refresh_from_db()
    assert real.status == "rolled_back"


def test_unknown_action_unknown_batch_and_misplaced_run(client_for, users, batches):
    c = client_for(users["manager"])
    check = batches["check"]
    url = reverse("people:import_detail", args=[check.pk])
    assert c.post(url, {"action": "explode"}).status_code == 404
    assert c.post(url).status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert c.get(reverse("people:import_detail", args=[missing])).status_code == 404
    assert c.get(reverse("people:import_rejects", args=[missing])).status_code == 404
    # "run" on a real import that succeeded is refused (only a check, or a failed import, runs)
    real_url = reverse("people:import_detail", args=[batches["real"].pk])
    n = ImportBatch.objects.count()
    r = c.post(real_url, {"action": "run"}, follow=True)
    assert r.redirect_chain == [(real_url, 302)]
    assert "Wait for the check to finish first." in body(r)
    assert ImportBatch.objects.count() == n


# --- the whole flow ----------------------------------------------------------------------


def test_upload_check_run_rejects_and_rollback(
    client_for, users, geo, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    content = roll_bytes(ROLL_ROWS + BAD_ROWS)  # 3 good rows (lines 2-4), 2 bad (lines 5-6)
    original = content.decode("utf-8").splitlines()

    # 1. Upload: a dry run is queued and (immediate backend) runs on commit.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        r = c.post(reverse("people:import_list"), upload("roll.csv", content))
    assert len(callbacks) >= 1
    check = ImportBatch.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("people:import_detail", args=[check.pk])
    assert check.dry_run and check.status == "succeeded"
    assert check.filename == "roll.csv" and check.template == "india-roll"
    assert check.created_by == users["manager"]
    assert check.counts == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "rows": 5,
        "values_rejected": 1,
    }
    assert Person.objects.count() == 0  # a check writes nothing

    page = body(c.get(r["Location"]))
    assert "Check (dry run): nothing is written." in page
    assert re.search(r"Would create</div><div class=\"value\">4<", page)
    assert re.search(r"Rejected</div><div class=\"value\">1<", page)
    assert re.search(r"Rejected values</div><div class=\"value\">1<", page)
    assert "Mitali Ghosh" in page  # an example
    assert "Import for real" in page and "Roll back this import" not in page

    # 2. Import for real: a new, non-dry-run batch.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        r = c.post(reverse("people:import_detail", args=[check.pk]), {"action": "run"})
    assert len(callbacks) >= 1  # the import job (and, after it, outbox delivery)
    real = ImportBatch.objects.exclude(pk=check.pk).get()
    assert r.status_code == 302
    assert r["Location"] == reverse("people:import_detail", args=[real.pk])
    assert not real.dry_run and real.status == "succeeded"
    assert real.counts["created"] == 4 and real.counts["rejected"] == 1
    assert real.job is not None and real.job.status == "succeeded"
    assert Person.objects.count() == 4
    assert set(Person.objects.values_list("full_name", flat=True)) == {
        "Mitali Ghosh",
        "Amit Ghosh",
        "Rina Pal",
        "Too Old",
    }

    page = body(c.get(r["Location"]))
    assert re.search(r"Created</div><div class=\"value\">4<", page)
    assert "Would create" not in page and "Import for real" not in page
    assert "Roll back this import" in page
    assert reverse("people:import_rejects", args=[real.pk]) in page

    # 3. The rejected rows as the original file: BOM, its header, the bad line, a reason column.
    r = c.get(reverse("people:import_rejects", args=[real.pk]))
    assert r.status_code == 200 and r.streaming
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="rejected-{real.pk}.csv"' in r["Content-Disposition"]
    text = b"".join(r.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == [*ROLL_HEADER, "Grassroots: why rejected"]
    assert len(rows) == 2 and rows[1][:-1] == BAD_ROWS[0]
    assert "IN-WB-AC1-P009" in rows[1][-1]
    assert text.removeprefix("\ufeff").splitlines()[1].startswith(original[4])
    # the value left out, as CSV: line, column, value, reason
    r = c.get(reverse("people:import_rejected_values", args=[real.pk]))
    values = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode().lstrip("\ufeff"))))
    assert values[0] == ["line", "column", "value", "reason"]
    assert values[1][:3] == ["6", "Age", "300"] and "Age" in values[1][3]

    # 4. Roll back: people gone, status rolled_back, audited.
    r = c.post(reverse("people:import_detail", args=[real.pk]), {"action": "rollback"}, follow=True)
    assert r.status_code == 200
    assert "Rolled back: 4 people removed, 0 restored." in body(r)
    real.refresh_from_db()
    assert real.status == "rolled_back" and real.rolled_back_at is not None
    assert Person.objects.count() == 0
    event = AuditEvent.objects.get(action="people.import_rolled_back")
    assert event.actor == users["manager"] and event.object_id == str(real.pk)
    assert event.detail == {"removed": 4, "restored": 0}
    assert "Roll back this import" not in body(r)
    assert "Succeeded" not in body(r) and "Rolled back" in body(r)  # not the job's status

    # 5. A second rollback is refused with a message and changes nothing.
    before = state()
    r = c.post(reverse("people:import_detail", args=[real.pk]), {"action": "rollback"}, follow=True)
    assert r.status_code == 200
    assert "Only a finished import can be rolled back." in body(r)
    assert state() == before
    assert AuditEvent.objects.filter(action="people.import_rolled_back").count() == 1


def test_run_before_the_check_finished_is_refused(client_for, users, geo, tmp_path):
    path = tmp_path / "roll.csv"
    path.write_bytes(roll_bytes(ROLL_ROWS))
    check = services.import_create(actor=SYSTEM, path=path, template="india-roll", dry_run=True)
    c = client_for(users["manager"])
    r = c.post(reverse("people:import_detail", args=[check.pk]), {"action": "run"}, follow=True)
    assert "Wait for the check to finish first." in body(r)
    assert ImportBatch.objects.count() == 1 and Person.objects.count() == 0


# --- bad uploads -------------------------------------------------------------------------


def test_empty_file_is_a_form_error(client_for, users, geo):
    c = client_for(users["manager"])
    r = c.post(reverse("people:import_list"), upload("empty.csv", b""))
    assert r.status_code == 400
    assert "The file is empty." in body(r)
    assert ImportBatch.objects.count() == 0


def test_header_only_file_is_checked_and_finds_nothing(
    client_for, users, geo, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("people:import_list"), upload("header.csv", roll_bytes([])))
    assert r.status_code == 302
    assert ImportBatch.objects.get().counts["rows"] == 0


def test_png_renamed_csv_is_refused_with_a_clear_message(client_for, users, geo, media):
    c = client_for(users["manager"])
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    r = c.post(reverse("people:import_list"), upload("photo.csv", png))
    assert r.status_code == 400
    page = body(r)
    assert "does not look like a CSV or Excel file" in page and "PNG image" in page
    assert ImportBatch.objects.count() == 0
    assert not list(media.glob("imports/*"))  # the stored copy was removed


def test_file_whose_columns_do_not_fit_the_template(client_for, users, geo):
    c = client_for(users["manager"])
    r = c.post(reverse("people:import_list"), upload("other.csv", b"a,b\n1,2\n"))
    assert r.status_code == 400
    assert "are not in the file" in body(r)
    assert ImportBatch.objects.count() == 0


def test_unknown_template_is_a_form_error(client_for, users, geo):
    c = client_for(users["manager"])
    r = c.post(reverse("people:import_list"), upload(template="no-such-template"))
    assert r.status_code == 400
    assert "Select a valid choice" in body(r)
    assert ImportBatch.objects.count() == 0


def test_missing_file_is_a_form_error(client_for, users, geo):
    c = client_for(users["manager"])
    r = c.post(reverse("people:import_list"), {"template": "india-roll"})
    assert r.status_code == 400
    assert ImportBatch.objects.count() == 0


# --- HTMX status partial -----------------------------------------------------------------


def test_htmx_detail_returns_only_the_status_partial(
    client_for, users, geo, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("people:import_list"), upload())
    url = r["Location"]
    batch = ImportBatch.objects.get()

    # finished: the partial, and no polling
    r = c.get(url, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    page = body(r)
    assert "<html" not in page and "<h1" not in page
    assert page.lstrip().startswith('<div id="import-status"')
    assert "Would create" in page
    assert "hx-trigger" not in page

    # the full page wraps the same partial
    full = body(c.get(url))
    assert "<html" in full and 'id="import-status"' in full

    # running: the partial polls itself every second
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    page = body(c.get(url, HTTP_HX_REQUEST="true"))
    assert "<html" not in page
    opening = page.lstrip().split(">", 1)[0]
    assert opening.startswith('<div id="import-status"')
    assert 'hx-trigger="every 1s"' in opening
    assert f'hx-get="{url}"' in opening
    assert page.count("hx-trigger") == 1  # one poll: the job card inside does not poll too

    # the batch is marked done a moment before its job: keep polling until the job is too
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.SUCCEEDED)
    Job.objects.filter(pk=batch.job_id).update(status="running")
    page = body(c.get(url, HTTP_HX_REQUEST="true"))
    assert 'hx-trigger="every 1s"' in page.lstrip().split(">", 1)[0]
    Job.objects.filter(pk=batch.job_id).update(status="succeeded")
    assert "hx-trigger" not in body(c.get(url, HTTP_HX_REQUEST="true"))


def test_job_card_says_check_or_import_and_counts_rows(
    client_for, users, geo, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("people:import_list"), upload("roll.csv", roll_bytes(ROLL_ROWS)))
    page = body(c.get(r["Location"], HTTP_HX_REQUEST="true"))
    assert '<strong id="import-job-title">Check</strong>' in page and "3 rows read" in page
    assert " / 0" not in page  # no "progress / total" with an unknown total
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(r["Location"], {"action": "run"})
    page = body(c.get(r["Location"], HTTP_HX_REQUEST="true"))
    assert '<strong id="import-job-title">Import</strong>' in page and "3 rows read" in page


def test_a_long_check_is_not_called_stopped(client_for, users, geo, tmp_path):
    """A check writes no heartbeat (its writes are rolled back), so it cannot look stale."""
    path = tmp_path / "roll.csv"
    path.write_bytes(roll_bytes(ROLL_ROWS))
    long_ago = timezone.now() - dt.timedelta(hours=1)
    c = client_for(users["manager"])
    for dry_run, stale_shown in ((True, False), (False, True)):
        batch = services.import_create(
            actor=SYSTEM, path=path, template="india-roll", dry_run=dry_run
        )
        ImportBatch.objects.filter(pk=batch.pk).update(status="running", created_at=long_ago)
        page = body(c.get(reverse("people:import_detail", args=[batch.pk])))
        assert ("stopped making progress" in page) is stale_shown, dry_run


def test_htmx_partial_for_a_running_batch_without_a_job(client_for, users, geo, tmp_path):
    path = tmp_path / "roll.csv"
    path.write_bytes(roll_bytes(ROLL_ROWS))
    batch = services.import_create(actor=SYSTEM, path=path, template="india-roll")
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    c = client_for(users["manager"])
    page = body(c.get(reverse("people:import_detail", args=[batch.pk]), HTTP_HX_REQUEST="true"))
    assert 'hx-trigger="every 1s"' in page.lstrip().split(">", 1)[0]
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
    page = body(c.get(reverse("people:import_detail", args=[batch.pk]), HTTP_HX_REQUEST="true"))
    assert "hx-trigger" not in page and "The import failed." in page


# --- query count -------------------------------------------------------------------------


def make_batches(n: int, users) -> None:
    people = list(users.values())
    for i in range(n):
        ImportBatch.objects.create(
            filename=f"file-{i}.csv",
            stored_path=f"/nowhere/{i}.csv",
            sha256=f"{i:064x}",
            size=1000 + i,
            template="india-roll",
            dry_run=bool(i % 2),
            status=["succeeded", "failed", "rolled_back", "running"][i % 4],
            counts={"created": i, "updated": 1, "unchanged": 2, "rejected": i % 3, "rows": i + 3},
            created_by=people[i % len(people)],
        )


def test_import_list_query_count_does_not_grow_with_batches(
    client_for, users, django_assert_max_num_queries
):
    c = client_for(users["manager"])
    url = reverse("people:import_list")
    make_batches(3, users)
    c.get(url)  # warm any per-process caches
    with CaptureQueriesContext(connection) as few:
        r = c.get(url)
    assert r.status_code == 200 and body(r).count("file-") == 3
    make_batches(22, users)  # 25 in all: one full page
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = c.get(url)
    assert body(r).count("file-") == 25
