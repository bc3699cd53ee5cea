"""Download endpoints: who may, what they get (only their scope), errors, audit."""

from __future__ import annotations

import csv
import io

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader

from grassroots.core.models import AuditEvent
from grassroots.lists import services
from grassroots.testing.users import make_user

EVERYONE = {"steps": []}


def url(kind, key, output, fmt, query=""):
    name = {"segment": "lists:segment_output", "list": "lists:list_output"}.get(
        kind, "lists:area_output"
    )
    return reverse(name, args=[key, output, fmt]) + (f"?{query}" if query else "")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_names(response, column: str) -> set[str]:
    text = body(response).decode("utf-8-sig")
    return {row[column] for row in csv.DictReader(io.StringIO(text))}


@pytest.fixture
def shared(people, users):
    manager = users["manager"]
    return {
        "segment": services.segment_create(
            actor=manager, name="Everyone", definition=EVERYONE, visibility="shared"
        ),
        "private": services.segment_create(actor=manager, name="Mine", definition=EVERYONE),
        "list": services.list_create(
            actor=manager,
            name="Picked",
            person_ids=[people["ananya"].pk, people["rahul"].pk],
            visibility="shared",
        ),
        "private_list": services.list_create(
            actor=manager, name="Private", person_ids=[people["ananya"].pk]
        ),
    }


ALL = [
    ("walk-list", "pdf"),
    ("walk-list", "csv"),
    ("call-list", "pdf"),
    ("call-list", "csv"),
    ("mail-list", "csv"),
    ("mail-labels", "pdf"),
    ("page-list", "pdf"),
    ("page-list", "csv"),
    ("booth-slips", "pdf"),
]


@pytest.mark.parametrize("output, fmt", ALL)
def test_every_output_downloads_for_a_segment(shared, users, client_for, output, fmt):
    response = client_for(users["manager"]).get(url("segment", shared["segment"].pk, output, fmt))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    data = body(response)
    if fmt == "pdf":
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("inline; filename=")
        assert len(PdfReader(io.BytesIO(data)).pages) >= 1
    else:
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert data.startswith(b"\xef\xbb\xbf")
    event = AuditEvent.objects.get(action="list.output_downloaded")
    assert event.actor == users["manager"] and event.object_id == str(shared["segment"].pk)
    assert event.object_type == "lists.segment"
    assert event.detail["output"] == output and event.detail["format"] == fmt
    assert event.detail["source"] == "segment"


def test_anonymous_is_sent_to_log_in(shared, client):
    response = client.get(url("segment", shared["segment"].pk, "walk-list", "pdf"))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not AuditEvent.objects.filter(action="list.output_downloaded").exists()


@pytest.mark.parametrize("username", ["volunteer", "finance", "nobody"])
def test_without_lists_manage_is_forbidden(shared, users, client_for, username):
    for kind, key in (("segment", shared["segment"].pk), ("list", shared["list"].pk)):
        response = client_for(users[username]).get(url(kind, key, "call-list", "csv"))
        assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="list.output_downloaded").exists()
    # An area's prints need only ``lists.print``, which a booth volunteer has (for their booth).
    response = client_for(users[username]).get(url("area", "IN-WB-AC1-P001", "page-list", "pdf"))
    assert response.status_code == (200 if username == "volunteer" else 403)


def test_a_segment_or_list_you_cannot_see_is_missing(shared, users, client_for):
    organiser = client_for(users["organiser"])
    assert (
        organiser.get(url("segment", shared["private"].pk, "walk-list", "pdf")).status_code == 404
    )
    assert organiser.get(
        url("list", shared["private_list"].pk, "walk-list", "csv")
    ).status_code == (404)
    assert organiser.get(url("segment", 10**6, "walk-list", "pdf")).status_code == 404
    assert organiser.get(url("area", "NOPE", "page-list", "pdf")).status_code == 404
    # The output exists but not in this format: missing too.
    assert organiser.get(url("segment", shared["segment"].pk, "mail-list", "pdf")).status_code == (
        404
    )
    assert not AuditEvent.objects.filter(action="list.output_downloaded").exists()


def test_people_outside_your_scope_never_appear(shared, users, client_for, geo):
    booth_worker = make_user("p1organiser", "field_organiser", areas=[geo["p1"]])
    c = client_for(booth_worker)
    for kind, key in (("segment", shared["segment"].pk), ("list", shared["list"].pk)):
        walk = csv_names(c.get(url(kind, key, "walk-list", "csv")), "Name")
        assert "Rahul Sharma" not in walk and "Ananya Das" in walk
        calls = c.get(url(kind, key, "call-list", "csv"))
        assert csv_names(calls, "Name") == {"Ananya Das"}
        pdf = c.get(url(kind, key, "walk-list", "pdf"))
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "Ananya Das" in text and "Rahul" not in text and "राहुल" not in text
        page = c.get(url(kind, key, "page-list", "csv"))
        assert csv_names(page, "Name") == {"Ananya Das"} | (
            {"Sourav Das"} if kind == "segment" else set()
        )
    # A part outside the scope is missing; the organiser of the whole AC sees it.
    assert c.get(url("area", "IN-WB-AC1-P002", "page-list", "pdf")).status_code == 404
    assert c.get(url("area", "IN-WB-AC1", "page-list", "pdf")).status_code == 404
    response = client_for(users["organiser"]).get(url("area", "IN-WB-AC1-P002", "page-list", "csv"))
    assert csv_names(response, "Name") == {"Rahul Sharma"}
    events = AuditEvent.objects.filter(action="list.output_downloaded").order_by("id")
    counts = [e.detail["people"] for e in events]
    assert counts[:2] == [2, 1]  # walk list of the segment: Ananya and Sourav only


def test_area_outputs_print_a_part(shared, users, client_for):
    response = client_for(users["organiser"]).get(
        url("area", "IN-WB-AC1-P001", "booth-slips", "pdf", "paper=letter")
    )
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert round(float(reader.pages[0].mediabox.width)) == 612  # US Letter
    text = reader.pages[0].extract_text()
    assert "Ananya Das" in text and "Sourav Das" in text and "Mitra Institution" in text
    event = AuditEvent.objects.get(action="list.output_downloaded")
    assert (event.object_type, event.detail["source"], event.detail["paper"]) == (
        "geography.area",
        "area",
        "letter",
    )


def test_labels_sheet_parameter(shared, users, client_for):
    c = client_for(users["manager"])
    key = shared["segment"].pk
    a4 = c.get(url("segment", key, "mail-labels", "pdf", "sheet=L7160"))
    letter = c.get(url("segment", key, "mail-labels", "pdf", "sheet=5160"))
    widths = [
        round(float(PdfReader(io.BytesIO(r.content)).pages[0].mediabox.width)) for r in (a4, letter)
    ]
    assert widths == [595, 612]
    outlined = c.get(url("segment", key, "mail-labels", "pdf", "sheet=L7160&outlines=1"))
    assert outlined.status_code == 200 and len(outlined.content) > len(a4.content)
    details = [e.detail for e in AuditEvent.objects.order_by("id") if e.detail.get("sheet")]
    assert [(d["sheet"], d["outlines"]) for d in details] == [
        ("L7160", False),
        ("5160", False),
        ("L7160", True),
    ]
    bad = c.get(url("segment", key, "mail-labels", "pdf", "sheet=L9999"))
    assert bad.status_code == 400 and "Unknown label sheet" in bad.content.decode()
    assert c.get(url("segment", key, "walk-list", "pdf", "paper=a3")).status_code == 400


def test_too_large_for_a_pdf_says_to_split(shared, users, client_for, settings):
    settings.LISTS_PDF_LIMIT = 1
    c = client_for(users["manager"])
    response = c.get(url("segment", shared["segment"].pk, "walk-list", "pdf"))
    assert response.status_code == 400
    assert "Split the turf" in response.content.decode()
    response = c.get(url("segment", shared["segment"].pk, "call-list", "pdf"))
    assert response.status_code == 400 and "Split the list" in response.content.decode()
    # A CSV is streamed whatever its size.
    assert c.get(url("segment", shared["segment"].pk, "walk-list", "csv")).status_code == 200
    assert AuditEvent.objects.filter(action="list.output_downloaded").count() == 1


def test_too_large_a_pdf_can_be_made_in_the_background(
    shared, users, client_for, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.LISTS_PDF_LIMIT = 1
    settings.MEDIA_ROOT = tmp_path
    c = client_for(users["manager"])
    address = url("segment", shared["segment"].pk, "walk-list", "pdf", "paper=letter")
    offer = c.get(address)
    assert offer.status_code == 400 and "Make it in the background" in offer.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        started = c.post(address)
    assert started.status_code == 302
    job_page = c.get(started["Location"])
    assert job_page.status_code == 200
    job = job_page.context["job"]
    assert job.status == "succeeded" and job.title == "Walk list: Everyone"
    download = c.get(job.result["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    assert round(float(reader.pages[0].mediabox.width)) == 612
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Rahul Sharma" in text and "অনন্যা দাস" in text
    # Only for the person who asked.
    other = client_for(users["admin"])
    assert other.get(started["Location"]).status_code == 404
    assert other.get(job.result["download_url"]).status_code == 404
    actions = list(
        AuditEvent.objects.filter(action__startswith="list.output")
        .order_by("id")
        .values_list("action", "detail")
    )
    assert [a for a, _d in actions] == ["list.output_queued", "list.output_downloaded"]
    assert actions[1][1]["households"] == 2 and actions[1][1]["paper"] == "letter"
    # A CSV is never queued.
    csv_address = url("segment", shared["segment"].pk, "walk-list", "csv")
    assert c.post(csv_address).status_code == 403


def test_a_segment_that_no_longer_compiles_says_why(shared, users, client_for):
    seg = shared["segment"]
    seg.definition = {"steps": [{"action": "add", "group": {"items": [{"list": 10**6}]}}]}
    seg.save()
    response = client_for(users["manager"]).get(url("segment", seg.pk, "walk-list", "pdf"))
    assert response.status_code == 400 and "does not exist" in response.content.decode()


def test_outputs_menu_include(shared):
    html = render_to_string("lists/_outputs_menu.html", {"segment": shared["segment"]})
    pk = shared["segment"].pk
    for output, fmt in ALL:
        assert url("segment", pk, output, fmt) in html
    assert f"{url('segment', pk, 'mail-labels', 'pdf')}?sheet=5160" in html
    html = render_to_string("lists/_outputs_menu.html", {"person_list": shared["list"]})
    assert url("list", shared["list"].pk, "call-list", "csv") in html
    assert render_to_string("lists/_outputs_menu.html", {}).strip() == ""


def test_file_names_keep_a_bengali_name(people, users, client_for):
    seg = services.segment_create(actor=users["manager"], name="উত্তর ৭", definition=EVERYONE)
    response = client_for(users["manager"]).get(url("segment", seg.pk, "walk-list", "csv"))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "walk-list" in disposition and disposition.endswith(".csv")
    assert "Ananya Das" in csv_names(response, "Name")
