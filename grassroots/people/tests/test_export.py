import csv
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.core.models import AuditEvent, Job
from grassroots.people import services
from grassroots.people.exports import jobs as export_jobs
from grassroots.people.exports import services as exports
from grassroots.people.models import Person, Tag, Tagging
from grassroots.testing.users import make_user


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def start(client, capture, data):
    """POST the export form and run the after-commit task (the immediate backend)."""
    with capture(execute=True):
        r = client.post(reverse("people:export_start"), data)
    return r


def latest_job():
    return Job.objects.filter(kind="people.export").latest("created_at")


def download(client, job):
    r = client.get(reverse("people:export_download", args=[job.pk]))
    assert r.status_code == 200, r.status_code
    return b"".join(r.streaming_content)


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(content: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.active
    return ws, [[c.value for c in row] for row in ws.iter_rows()]


def export_csv(client, capture, columns, **filters):
    r = start(client, capture, {"columns": columns, "format": "csv", **filters})
    assert r.status_code == 302, r.content.decode()[:500]
    job = latest_job()
    assert job.status == Job.Status.SUCCEEDED, job.log
    return csv_rows(download(client, job))


# --- contents --------------------------------------------------------------------------------


def test_csv_contents(client_for, people, users, django_capture_on_commit_callbacks):
    c = client_for(users["manager"])
    cols = ["id", "full_name", "native_name", "gender", "age", "area_code", "area_name"]
    cols += ["household_id", "address", "phone", "email", "external_ids", "support_score"]
    cols += ["relation_type", "do_not_contact", "status"]
    r = start(c, django_capture_on_commit_callbacks, {"columns": cols, "format": "csv"})
    job = latest_job()
    assert r.status_code == 302 and r["Location"] == reverse("people:export_status", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED
    assert (job.total, job.progress, job.result["rows"]) == (3, 3, 3)
    assert job.title == "Export 3 people (CSV)"
    assert job.result["path"] == f"exports/{job.pk}.csv"
    assert job.result["download_url"] == reverse("people:export_download", args=[job.pk])

    rows = csv_rows(download(c, job))
    assert rows[0] == [str(exports.EXPORT_COLUMNS[k][0]) for k in cols]
    assert rows[0][:3] == ["ID", "Full name", "Name in native script"]
    data = {r[1]: dict(zip(cols, r, strict=True)) for r in rows[1:]}
    assert [r[1] for r in rows[1:]] == ["Ananya Das", "Sourav Das", "Rahul Sharma"]  # list order
    a, s, rh = people["ananya"], people["sourav"], people["rahul"]
    assert data["Ananya Das"] == {
        "id": str(a.pk),
        "full_name": "Ananya Das",
        "native_name": "অনন্যা দাস",
        "gender": "female",
        "age": "34",
        "area_code": "IN-WB-AC1-P001",
        "area_name": "Part 1",
        "household_id": str(people["household"].pk),
        "address": "12/1 Harish Mukherjee Road, Kolkata, 700025",
        "phone": "+919830012345",  # E.164 stays as is: no quote prefix
        "email": "ananya@example.org",
        "external_ids": "epic:WKH0000018",
        "support_score": "2",
        "relation_type": "",
        "do_not_contact": "no",
        "status": "active",
    }
    assert data["Sourav Das"]["phone"] == "" and data["Sourav Das"]["relation_type"] == "father"
    assert data["Sourav Das"]["id"] == str(s.pk)
    assert data["Rahul Sharma"]["native_name"] == "राहुल शर्मा"
    assert data["Rahul Sharma"]["address"] == "" and data["Rahul Sharma"]["id"] == str(rh.pk)


def test_xlsx_contents(client_for, people, users, django_capture_on_commit_callbacks):
    c = client_for(users["manager"])
    m = users["manager"]
    tag = services.tag_get_or_create(actor=m, name="Yard sign")
    services.tag_apply(actor=m, tag=tag, people=[people["rahul"]])
    services.contact_point_add(
        actor=m, person=people["rahul"], channel="phone", value="+91 98300 77777", whatsapp=True
    )
    cols = ["id", "full_name", "native_name", "phone", "whatsapp", "tags", "age", "created_at"]
    r = start(c, django_capture_on_commit_callbacks, {"columns": cols, "format": "xlsx"})
    assert r.status_code == 302
    job = latest_job()
    assert job.status == Job.Status.SUCCEEDED and job.title == "Export 3 people (XLSX)"
    resp = c.get(reverse("people:export_download", args=[job.pk]))
    assert resp["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'attachment; filename="people-' in resp["Content-Disposition"]
    assert "no-cache" in resp["Cache-Control"] or "no-store" in resp["Cache-Control"]
    ws, rows = xlsx_rows(b"".join(resp.streaming_content))
    assert rows[0] == ["ID", "Full name", "Name in native script", "Phone", "WhatsApp", "Tags"] + [
        "Age",
        "Added",
    ]
    assert ws.freeze_panes == "A2"
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == {"Ananya Das", "Sourav Das", "Rahul Sharma"}
    rahul = by_name["Rahul Sharma"]
    assert rahul[0] == people["rahul"].pk  # ids and ages are numbers in XLSX
    assert rahul[2] == "राहुल शर्मा"
    assert rahul[3] == "+919433055555"  # the primary phone
    assert rahul[4] == "+919830077777"  # the WhatsApp-capable one
    assert rahul[5] == "Yard sign"
    assert rahul[6] == 25
    assert by_name["Sourav Das"][3] is None  # empty cells
    # every text cell is stored as a string, never a formula
    assert all(
        cell.data_type in ("s", "n")
        for row in ws.iter_rows(min_row=1)
        for cell in row
        if cell.value
    )


# --- scope and permissions -------------------------------------------------------------------


def test_scope_matches_the_screen(
    client_for, people, users, geo, django_capture_on_commit_callbacks
):
    cols = ["full_name"]
    rows = export_csv(client_for(users["manager"]), django_capture_on_commit_callbacks, cols)
    assert sorted(r[0] for r in rows[1:]) == ["Ananya Das", "Rahul Sharma", "Sourav Das"]

    scoped = make_user("scoped-data", "data_manager", areas=[geo["p1"]])
    c = client_for(scoped)
    rows = export_csv(c, django_capture_on_commit_callbacks, cols)
    assert sorted(r[0] for r in rows[1:]) == ["Ananya Das", "Sourav Das"]  # no Rahul
    # asking for the out-of-scope area explicitly gives nothing, not Rahul
    rows = export_csv(c, django_capture_on_commit_callbacks, cols, area_code="IN-WB-AC1-P002")
    assert rows == [["Full name"]]
    assert latest_job().title == "Export 0 people (CSV)"


def test_volunteer_cannot_export(client_for, people, users, django_capture_on_commit_callbacks):
    c = client_for(users["volunteer"])  # people.view but no people.export
    assert c.get(reverse("people:export_start")).status_code == 403
    r = start(c, django_capture_on_commit_callbacks, {"columns": ["full_name"], "format": "csv"})
    assert r.status_code == 403
    assert not Job.objects.exists()
    assert not AuditEvent.objects.filter(action="people.exported").exists()
    with pytest.raises(PermissionDenied):
        export_jobs.people_export_start(
            actor=users["volunteer"], filters={}, columns=["full_name"], fmt="csv"
        )


def test_anonymous_is_sent_to_login(client, people, users, django_capture_on_commit_callbacks):
    job = export_jobs.people_export_start(
        actor=users["manager"], filters={}, columns=["id"], fmt="csv"
    )
    login = reverse("accounts:login")
    for url in [
        reverse("people:export_start"),
        reverse("people:export_status", args=[job.pk]),
        reverse("people:export_download", args=[job.pk]),
    ]:
        r = client.get(url)
        assert r.status_code == 302 and login in r["Location"], url
    r = start(client, django_capture_on_commit_callbacks, {"columns": ["id"], "format": "csv"})
    assert r.status_code == 302 and login in r["Location"]
    assert Job.objects.count() == 1


@pytest.mark.parametrize(
    "who, expected",
    [("nobody", 403), ("volunteer", 403), ("finance", 403), ("organiser", 403), ("auditor", 403)],
)
def test_authorisation_matrix_wrong_roles(client_for, people, users, who, expected):
    owner_job = export_jobs.people_export_start(
        actor=users["manager"], filters={}, columns=["id"], fmt="csv"
    )
    c = client_for(users[who])
    assert c.get(reverse("people:export_start")).status_code == expected
    r = c.post(reverse("people:export_start"), {"columns": ["id"], "format": "csv"})
    assert r.status_code == expected
    assert c.get(reverse("people:export_status", args=[owner_job.pk])).status_code == expected
    r = c.get(reverse("people:export_download", args=[owner_job.pk]))
    assert r.status_code == expected
    assert Job.objects.count() == 1


def test_authorisation_matrix_allowed_roles(client_for, people, users, geo):
    scoped = make_user("scoped-data", "data_manager", areas=[geo["p1"]])
    for user, count in [(users["manager"], 3), (users["admin"], 3), (scoped, 2)]:
        r = client_for(user).get(reverse("people:export_start"))
        assert r.status_code == 200
        assert f"{count} people match" in r.content.decode()


# --- filters and columns ---------------------------------------------------------------------


def test_filters_are_honoured(client_for, people, users, django_capture_on_commit_callbacks):
    c = client_for(users["manager"])
    rows = export_csv(c, django_capture_on_commit_callbacks, ["full_name"], q="das")
    assert [r[0] for r in rows[1:]] == ["Ananya Das", "Sourav Das"]
    rows = export_csv(
        c, django_capture_on_commit_callbacks, ["full_name"], gender="male", age_min="50"
    )
    assert [r[0] for r in rows[1:]] == ["Sourav Das"]
    rows = export_csv(
        c, django_capture_on_commit_callbacks, ["full_name"], has_phone="true", sort="-name"
    )
    assert [r[0] for r in rows[1:]] == ["Rahul Sharma", "Ananya Das"]  # sort honoured too
    # noise in the POST body never reaches the job or the audit record
    ev = AuditEvent.objects.filter(action="people.exported").first()
    assert ev.detail["filters"] == {"sort": ["-name"], "has_phone": ["true"]}


def test_invalid_filter_is_a_400_not_an_empty_file(client_for, people, users):
    c = client_for(users["manager"])
    r = c.post(
        reverse("people:export_start"), {"columns": ["id"], "format": "csv", "age_min": "abc"}
    )
    assert r.status_code == 400
    assert not Job.objects.exists()


def test_chosen_columns_only_in_order(
    client_for, people, users, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    rows = export_csv(
        c, django_capture_on_commit_callbacks, ["email", "given_name", "id"], q="ananya"
    )
    assert rows == [
        ["Email", "Given name", "ID"],
        ["ananya@example.org", "Ananya", str(people["ananya"].pk)],
    ]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"columns": ["id", "bogus"], "format": "csv"}, "Unknown column: bogus"),
        ({"format": "csv"}, "Choose at least one column"),
        ({"columns": ["id"], "format": "pdf"}, "Unknown format"),
    ],
)
def test_bad_choices_are_a_400_with_a_message(client_for, people, users, data, message):
    r = client_for(users["manager"]).post(reverse("people:export_start"), data)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert not Job.objects.exists()
    assert not AuditEvent.objects.filter(action="people.exported").exists()


def test_export_people_rejects_unknown_columns(people, users):
    with pytest.raises(exports.ValidationError):
        exports.export_people(actor=users["manager"], filters={}, columns=["nope"], fmt="csv")


# --- formula injection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1+1", "'  =1+1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("+", "'+"),
        ("+91 98300 12345", "'+91 98300 12345"),
        ("+919830012345", "+919830012345"),  # E.164 phone: untouched
        ("Das", "Das"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_safe_cell(value, expected):
    assert exports.safe_cell(value) == expected


def test_formula_injection_is_defused(
    client_for, people, users, django_capture_on_commit_callbacks
):
    evil = '=HYPERLINK("http://x")'
    # legacy data imported without validation: straight through the ORM
    Person.objects.filter(pk=people["rahul"].pk).update(family_name=evil, full_name="-1+1")
    tag = Tag.objects.create(name="@SUM(1+1)", slug="sum")
    Tagging.objects.create(person=people["rahul"], tag=tag)
    c = client_for(users["manager"])
    cols = ["id", "family_name", "full_name", "tags", "phone"]
    rows = export_csv(c, django_capture_on_commit_callbacks, cols, area_code="IN-WB-AC1-P002")
    assert rows[1][1:] == ["'" + evil, "'-1+1", "'@SUM(1+1)", "+919433055555"]

    r = start(
        c,
        django_capture_on_commit_callbacks,
        {"columns": cols, "format": "xlsx", "area_code": "IN-WB-AC1-P002"},
    )
    assert r.status_code == 302
    ws, rows = xlsx_rows(download(c, latest_job()))
    row = list(ws.iter_rows(min_row=2, max_row=2))[0]
    assert [cell.value for cell in row][1:] == ["'" + evil, "'-1+1", "'@SUM(1+1)", "+919433055555"]
    assert all(cell.data_type == "s" for cell in row[1:])  # text, never a formula


# --- audit, jobs and downloads ---------------------------------------------------------------


def test_export_is_audited_with_the_count(
    client_for, people, users, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    export_csv(c, django_capture_on_commit_callbacks, ["id", "full_name"], q="das", tag="")
    job = latest_job()
    ev = AuditEvent.objects.get(action="people.exported")
    assert ev.actor == users["manager"] and ev.actor_label == "manager"
    assert ev.object_type == "core.job" and ev.object_id == str(job.pk)
    assert ev.detail == {
        "filters": {"q": ["das"]},
        "columns": ["id", "full_name"],
        "format": "csv",
        "rows": 2,
    }
    assert ev.ip_address == "127.0.0.1"
    # the download itself is audited too
    dl = AuditEvent.objects.get(action="people.export_downloaded")
    assert dl.actor == users["manager"] and dl.object_id == str(job.pk)
    assert dl.detail == {"rows": 2, "format": "csv"}


def test_download_only_by_creator(client_for, people, users, django_capture_on_commit_callbacks):
    owner = client_for(users["manager"])
    export_csv(owner, django_capture_on_commit_callbacks, ["id"])
    job = latest_job()
    other = make_user("manager2", "campaign_manager", scope_all=True)
    for user in [other, users["admin"]]:  # not even an admin downloads someone else's file
        c = client_for(user)
        assert c.get(reverse("people:export_download", args=[job.pk])).status_code == 404
        assert c.get(reverse("people:export_status", args=[job.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="people.export_downloaded").count() == 1
    assert owner.get(reverse("people:export_download", args=[job.pk])).status_code == 200


def test_download_only_when_succeeded(
    client_for, people, users, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    # POST without running the after-commit task: the job stays queued
    r = c.post(reverse("people:export_start"), {"columns": ["id"], "format": "csv"})
    job = latest_job()
    assert r.status_code == 302 and job.status == Job.Status.QUEUED
    assert c.get(reverse("people:export_download", args=[job.pk])).status_code == 404
    status = c.get(reverse("people:export_status", args=[job.pk]))
    body = status.content.decode()
    assert status.status_code == 200
    assert reverse("core:job_status", args=[job.pk]) in body and "Download" not in body
    # a failed job has nothing to download either
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, result={"path": "exports/x"})
    assert c.get(reverse("people:export_download", args=[job.pk])).status_code == 404
    # a job of another kind is not an export
    other = Job.objects.create(kind="demo.seed", title="x", created_by=users["manager"])
    assert c.get(reverse("people:export_download", args=[other.pk])).status_code == 404
    assert c.get(reverse("people:export_status", args=[other.pk])).status_code == 404


def test_result_path_cannot_escape_the_exports_folder(client_for, people, users, media):
    c = client_for(users["manager"])
    secret = media / "secret.txt"
    secret.parent.mkdir(parents=True)
    secret.write_text("x")
    job = Job.objects.create(
        kind="people.export",
        title="x",
        created_by=users["manager"],
        status=Job.Status.SUCCEEDED,
        result={"path": "exports/../secret.txt"},
    )
    assert c.get(reverse("people:export_download", args=[job.pk])).status_code == 404


def test_status_page_shows_download_when_done(
    client_for, people, users, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    r = start(c, django_capture_on_commit_callbacks, {"columns": ["id"], "format": "xlsx"})
    r = c.get(r["Location"])
    body = r.content.decode()
    job = latest_job()
    assert r.status_code == 200
    assert f'href="{reverse("people:export_download", args=[job.pk])}"' in body
    assert "hx-get" not in body.split('id="job-')[1]  # finished: no more polling
    partial = c.get(reverse("core:job_status", args=[job.pk])).content.decode()
    assert reverse("people:export_download", args=[job.pk]) in partial


def test_task_rechecks_permission_at_run_time(
    client_for, people, users, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    with django_capture_on_commit_callbacks() as callbacks:
        c.post(reverse("people:export_start"), {"columns": ["id"], "format": "csv"})
    users["manager"].is_active = False
    users["manager"].save()
    for callback in callbacks:
        callback()
    job = latest_job()
    assert job.status == Job.Status.FAILED
    assert "PermissionDenied" in job.log
    assert not list(exports.export_dir().glob("*"))


def test_form_prefills_defaults_and_carries_filters(client_for, people, users):
    r = client_for(users["manager"]).get(reverse("people:export_start") + "?q=das&gender=female")
    body = r.content.decode()
    assert r.status_code == 200
    assert "1 person matches" in body
    assert '<input type="hidden" name="q" value="das">' in body
    assert '<input type="hidden" name="gender" value="female">' in body
    assert "<dt>Search</dt><dd>das</dd>" in body and "<dd>Female</dd>" in body
    for key in exports.DEFAULT_COLUMNS:
        assert f'name="columns" value="{key}" checked' in body
    assert 'name="columns" value="middle_name" >' in body  # not pre-ticked


def test_people_list_export_button(client_for, people, users):
    url = reverse("people:person_list") + "?q=das"
    body = client_for(users["manager"]).get(url).content.decode()
    assert f'href="{reverse("people:export_start")}?q=das"' in body
    body = client_for(users["volunteer"]).get(url).content.decode()
    assert reverse("people:export_start") not in body
    # an HTMX filter change refreshes the button's filters out of band
    r = client_for(users["manager"]).get(
        reverse("people:person_list") + "?q=sharma", HTTP_HX_REQUEST="true"
    )
    body = r.content.decode()
    assert 'id="export-link"' in body and 'hx-swap-oob="true"' in body and "?q=sharma" in body


@pytest.mark.parametrize("n", [3, 30])
def test_export_query_count_is_constant(people, users, geo, n):
    m = users["manager"]
    for i in range(n):
        p = services.person_create(
            actor=SYSTEM,
            data={"given_name": f"P{i}", "family_name": "Extra", "area": geo["p2"]},
            phones=[f"+91 94330 {10000 + i}"],
        )
        tag = services.tag_get_or_create(actor=m, name=f"T{i % 3}")
        services.tag_apply(actor=m, tag=tag, people=[p])
    cols = list(exports.EXPORT_COLUMNS)
    with CaptureQueriesContext(connection) as ctx:
        path = exports.export_people(actor=m, filters={}, columns=cols, fmt="csv")
    rows = csv_rows(path.read_bytes())
    assert len(rows) == n + 4
    assert len(ctx.captured_queries) == 4, [q["sql"][:120] for q in ctx.captured_queries]


def test_headers_follow_the_language_of_the_request(
    people, users, django_capture_on_commit_callbacks
):
    from django.utils import translation

    with django_capture_on_commit_callbacks() as callbacks, translation.override("bn"):
        job = export_jobs.people_export_start(
            actor=users["manager"], filters={}, columns=["gender", "email"], fmt="csv"
        )
    assert translation.get_language() != "bn"
    for callback in callbacks:  # the task runs later, elsewhere, in another language
        callback()
    job.refresh_from_db()
    path = exports.export_dir().parent / job.result["path"]
    assert csv_rows(path.read_bytes())[0] == ["লিঙ্গ", "ইমেল"]  # not the worker's default
