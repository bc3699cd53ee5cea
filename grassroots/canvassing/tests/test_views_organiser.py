"""The organiser's screens: efforts, the cut, the turf map and table, check-outs, prints."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from grassroots.canvassing import services
from grassroots.canvassing.models import Assignment, Door, Effort, Turf
from grassroots.canvassing.tests.factories import effort_for, street_of_people
from grassroots.core.access import SYSTEM
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client, snapshot
from grassroots.testing.queries import assert_constant_queries
from grassroots.testing.users import make_user


@pytest.fixture
def cut_effort(geo, users):
    """30 households on Lake Road in part 1, an effort over them by the organiser, cut into
    turfs of about 10."""
    people = street_of_people(geo["p1"], 30)
    effort = effort_for(people, actor=users["organiser"])
    services.turfs_cut(actor=users["organiser"], effort=effort)
    effort.refresh_from_db()
    return effort


def turfs_of(effort):
    return list(Turf.objects.filter(effort=effort).order_by("number"))


def test_flow_list_detail_cut_map_panel(cut_effort, users, django_capture_on_commit_callbacks):
    c = html_client(users["organiser"])
    r = c.get(reverse("canvassing:effort_list"))
    assert r.status_code == 200 and "Lake Road ID" in r.content.decode()
    r = c.get(reverse("canvassing:effort_detail", args=[cut_effort.pk]))
    assert r.status_code == 200 and "cut-summary" in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("canvassing:effort_detail", args=[cut_effort.pk]), {"action": "cut"})
    assert r.status_code == 302
    r = c.get(reverse("canvassing:effort_detail", args=[cut_effort.pk]) + "?part=cut")
    assert r.status_code == 200 and "cut-summary" in r.content.decode()
    r = c.get(reverse("canvassing:turf_map", args=[cut_effort.pk]))
    assert r.status_code == 200
    assert "tile.openstreetmap.org" in r["Content-Security-Policy"]
    data = c.get(reverse("canvassing:turf_map_data", args=[cut_effort.pk])).json()
    kinds = [f["properties"]["kind"] for f in data["features"]]
    assert kinds.count("turf") == len(turfs_of(cut_effort)) and kinds.count("door") == 30
    turf = turfs_of(cut_effort)[0]
    r = c.get(reverse("canvassing:turf_detail", args=[cut_effort.pk, turf.pk]) + "?panel=1")
    body = r.content.decode()
    assert r.status_code == 200 and "<html" not in body and "Lake Road" in body
