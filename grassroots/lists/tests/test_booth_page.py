"""The booth (part) page as a booth worker's home: its prints, its coverage, its sections'
counts, and voter slips made in the background with the poll's date, hours and station."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from grassroots.core.access import SYSTEM
from grassroots.core.models import Job
from grassroots.geography import services as geo_services
from grassroots.people import services as people_services
from grassroots.people.coverage import area_coverage
from grassroots.people.models import Address


def test_coverage_figures(people, users, geo):
    people_services.interaction_record(
        actor=SYSTEM,
        person=people["sourav"],
        channel="door",
        occurred_at=timezone.now() - dt.timedelta(days=3),
    )
    people_services.interaction_record(
        actor=SYSTEM,
        person=people["ananya"],
        channel="door",
        occurred_at=timezone.now() - dt.timedelta(days=45),
    )
    c = area_coverage(actor=users["volunteer"], area=geo["p1"])
    assert (c["electors"], c["households"]) == (2, 1)
    assert (c["phone"], c["email"], c["contacted"]) == (1, 1, 1)  # Ananya's phone; Sourav lately
    assert c["phone_pct"] == 50 and c["contacted_pct"] == 50
    by_score = {s["score"]: s["n"] for s in c["support"]}
    assert by_score == {1: 0, 2: 1, 3: 0, 4: 0, 5: 0} and c["unknown"] == 1
    # Only what the user may see: the volunteer's booth is part 1.
    assert area_coverage(actor=users["volunteer"], area=geo["ac"])["electors"] == 2
    assert area_coverage(actor=users["manager"], area=geo["ac"])["electors"] == 3
    assert area_coverage(actor=users["nobody"], area=geo["ac"]) is None


def test_a_booth_volunteer_sees_prints_coverage_and_section_counts(people, users, geo, client_for):
    kind = geo_services.area_kind_ensure(code="section", name="Section")
    section = geo_services.area_create(
        actor=SYSTEM, kind=kind, code="IN-WB-AC1-P001-S1", name="1 - Harish Mukherjee Road",
        parent=geo["p1"],
    )  # fmt: skip
    Address.objects.filter(pk=people["household"].address_id).update(area=section)
    page = client_for(users["volunteer"]).get(reverse("geography:area_detail", args=[geo["p1"].pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Prints" in html and "Make the voter slips" in html and "Page list PDF" in html
    assert "Walk list PDF" in html and "Call list PDF" in html
    assert "Coverage" in html and "Electors on file" in html
    rows = dict(page.context["rows"])
    assert rows[section] == {"people": 2, "households": 1}  # it said 0
    # Someone without the right to print sees the coverage but no prints.
    nobody_prints = client_for(users["finance"]).get(
        reverse("geography:area_detail", args=[geo["p1"].pk])
    )
    assert "Make the voter slips" not in nobody_prints.content.decode()


def test_a_booth_volunteer_prints_the_booth_but_not_another(people, users, geo, client_for):
    c = client_for(users["volunteer"])
    mine = reverse("lists:area_output", args=["IN-WB-AC1-P001", "page-list", "pdf"])
    assert c.get(mine).status_code == 200
    other = reverse("lists:area_output", args=["IN-WB-AC1-P002", "page-list", "pdf"])
    assert c.get(other).status_code == 404


def test_voter_slips_are_a_background_job_with_the_poll_and_the_station(
    people, users, geo, client_for, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    geo_services.election_create(
        actor=SYSTEM,
        name="West Bengal Assembly 2026",
        kind="general",
        date=timezone.localdate() + dt.timedelta(days=20),
        area=geo["state"],
        code="wb-2026",
    )
    c = client_for(users["volunteer"])
    address = reverse("lists:area_output", args=["IN-WB-AC1-P001", "booth-slips", "pdf"])
    with django_capture_on_commit_callbacks(execute=True):
        started = c.post(address)
    assert started.status_code == 302
    job_page = c.get(started["Location"])
    job = job_page.context["job"]
    assert job.status == Job.Status.SUCCEEDED
    assert (job.progress, job.total) == (2, 2)  # the voters of part 1, page by page
    download = c.get(job.result["download_url"])
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages
    )
    poll = timezone.localdate() + dt.timedelta(days=20)
    assert "Poll:" in text and "07:00–18:00" in text and str(poll.year) in text
    assert "Polling station: Mitra Institution" in text
    assert "Ananya Das" in text and "Rahul" not in text


def test_every_print_menu_makes_voter_slips_in_the_background(people, users, client_for):
    """The segment and list menus offer the slips as the booth page does: a job, not a wait."""
    from grassroots.lists import services as list_services

    segment = list_services.segment_create(
        actor=users["manager"], name="Everyone", definition={"steps": []}
    )
    html = (
        client_for(users["manager"])
        .get(reverse("lists:segment_edit", args=[segment.pk]))
        .content.decode()
    )
    slips = reverse("lists:segment_output", args=[segment.pk, "booth-slips", "pdf"])
    assert f'<form method="post" action="{slips}">' in html
    assert f'href="{slips}"' not in html
