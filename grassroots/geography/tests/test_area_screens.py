"""The screens that set up the map: add, edit and move areas; elections; the area import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grassroots.core.models import Job
from grassroots.geography.models import Area, AreaKind, Election
from grassroots.testing.users import make_user


@pytest.mark.django_db
def test_add_edit_and_move_an_area(client_for, geo, users):
    c = client_for(users["manager"])
    part = AreaKind.objects.get(code="part")
    page = c.get(reverse("geography:area_detail", args=[geo["ac"].pk])).content.decode()
    assert "Add an area inside" in page and "Import areas" in page
    r = c.get(reverse("geography:area_create") + f"?parent={geo['ac'].pk}")
    assert 'value="IN-WB-AC1"' in r.content.decode()
    r = c.post(
        reverse("geography:area_create"),
        {"name": "Part 3", "code": "IN-WB-AC1-P003", "kind": part.pk, "parent": "IN-WB-AC1"},
    )
    assert r.status_code == 302
    p3 = Area.objects.get(code="IN-WB-AC1-P003")
    assert p3.parent == geo["ac"] and p3.path.startswith(geo["ac"].path)
    # a duplicate code is said next to the code, what was typed kept
    r = c.post(
        reverse("geography:area_create"),
        {"name": "Again", "code": "IN-WB-AC1-P003", "kind": part.pk, "parent": "IN-WB-AC1"},
    )
    assert r.status_code == 400 and "already exists" in " ".join(r.context["form"].errors["code"])
    assert 'value="Again"' in r.content.decode()
    # move part 3 under part 1 (picked by name), rename it
    r = c.post(
        reverse("geography:area_edit", args=[p3.pk]),
        {
            "name": "Section 3",
            "code": "IN-WB-AC1-P003",
            "kind": part.pk,
            "parent": "",
            "parent__text": "Part 1",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    p3.refresh_from_db()
    assert p3.name == "Section 3" and p3.parent == geo["p1"] and p3.depth == 4
    assert p3.path.startswith(geo["p1"].path)
    # under itself: refused, said in words
    r = c.post(
        reverse("geography:area_edit", args=[geo["ac"].pk]),
        {"name": "Bhabanipur", "code": "IN-WB-AC1", "kind": geo["ac"].kind_id,
         "parent": "IN-WB-AC1-P001"},
    )  # fmt: skip
    assert r.status_code == 400 and "under itself" in r.content.decode()


@pytest.mark.django_db
def test_area_screens_authorisation(client, client_for, geo, users):
    urls = [
        reverse("geography:area_create"),
        reverse("geography:area_edit", args=[geo["p1"].pk]),
        reverse("geography:election_create"),
        reverse("geography:area_import"),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # sign in first
        assert client_for(users["volunteer"]).get(url).status_code == 403
        assert client_for(users["organiser"]).get(url).status_code == 403
        assert client_for(users["manager"]).get(url).status_code == 200
    editor = make_user("p2-editor", "data_manager", areas=[geo["p2"]])
    c = client_for(editor)
    assert c.get(reverse("geography:area_edit", args=[geo["p2"].pk])).status_code == 200
    assert c.get(reverse("geography:area_edit", args=[geo["p1"].pk])).status_code == 404
    r = c.post(
        reverse("geography:area_edit", args=[geo["p1"].pk]),
        {"name": "Mine", "code": "IN-WB-AC1-P001", "kind": geo["p1"].kind_id, "parent": ""},
    )
    assert r.status_code == 404
    geo["p1"].refresh_from_db()
    assert geo["p1"].name == "Part 1"


@pytest.mark.django_db
def test_add_and_edit_an_election(client_for, geo, users):
    c = client_for(users["manager"])
    r = c.post(
        reverse("geography:election_create"),
        {
            "name": "West Bengal Assembly 2026",
            "kind": "general",
            "date": "2026-04-20",
            "polls_close": "18:00",
            "area": "",
            "area__text": "West Bengal",
            "code": "wb-ae-2026",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    e = Election.objects.get(code="wb-ae-2026")
    assert e.area == geo["state"]
    page = c.get(reverse("geography:area_detail", args=[geo["p1"].pk])).content.decode()
    assert "West Bengal Assembly 2026" in page
    r = c.post(
        reverse("geography:election_edit", args=[e.pk]),
        {"name": "WB 2026", "kind": "general", "date": "2026-04-21", "polls_close": "17:00",
         "area": "IN-WB", "code": "wb-ae-2026"},
    )  # fmt: skip
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.name == "WB 2026" and str(e.date) == "2026-04-21"


@pytest.mark.django_db(transaction=True)
def test_the_import_screen_checks_then_imports(client_for, geo, users, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    c = client_for(users["manager"])
    text = "code,name,kind,parent code\nIN-WB-AC2,Kolkata Port,ac,IN-WB\nIN-WB-AC2-P001,Part 1,part,IN-WB-AC2\n"

    def upload(dry_run):
        data = {"file": SimpleUploadedFile("areas.csv", text.encode(), "text/csv")}
        if dry_run:
            data["dry_run"] = "on"
        return c.post(reverse("geography:area_import"), data)

    r = upload(True)
    assert r.status_code == 302
    job = Job.objects.get(kind="geography.area_import")
    page = c.get(r.url).content.decode()
    assert "Checked: nothing written yet" in page and "create IN-WB-AC2-P001" in page
    assert not Area.objects.filter(code="IN-WB-AC2").exists()
    r = upload(False)
    page = c.get(r.url).content.decode()
    assert "Imported" in page
    assert Area.objects.get(code="IN-WB-AC2-P001").parent.code == "IN-WB-AC2"
    # problems, with line numbers, on the page
    text = "code,name,kind,parent\nX1,X,part,NOWHERE\n"
    r = upload(False)
    page = c.get(r.url).content.decode()
    assert "Line 2" in page and "NOWHERE" in page and "nothing was written" in page
    # someone else's import job is missing to them
    other = client_for(make_user("dm2", "data_manager", scope_all=True))
    assert other.get(reverse("geography:area_import_job", args=[job.pk])).status_code == 404
