"""Setting up the map: the area-tree import (CSV, GeoJSON), moving a subtree, scoped edits."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grassroots.core.access import SYSTEM
from grassroots.core.exceptions import NotFound
from grassroots.core.models import Job
from grassroots.geography import area_import, services
from grassroots.geography.models import PATH_STEP, Area, AreaKind
from grassroots.testing.users import make_user

CSV_3_LEVELS = """code,name,kind,parent code
WB,West Bengal,State,
WB-AC158,Bhabanipur,Assembly constituency,WB
WB-AC158-P012,Part 12 - Mitra Institution,Part,WB-AC158
WB-AC158-P013,Part 13,Part,WB-AC158
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(tmp_path, text, *, name="areas.csv", dry_run=False, actor=SYSTEM, options=None):
    path = _write(tmp_path, name, text)
    return area_import.area_import_work(
        actor=actor,
        path=str(path),
        fmt=area_import.file_format(path),
        dry_run=dry_run,
        options=options or {},
        reporter=None,
    )


def _consistent(area: Area) -> None:
    """Path and depth follow the parent chain (ADR 0003)."""
    parent = area.parent
    expected = (parent.path if parent else "") + f"{area.pk:0{PATH_STEP}d}/"
    assert area.path == expected
    assert area.depth == (parent.depth + 1 if parent else 0)


@pytest.mark.django_db
def test_a_three_level_csv_builds_the_tree_on_an_empty_database(tmp_path):
    dry = _run(tmp_path, CSV_3_LEVELS, dry_run=True)
    assert dry["created"] == 4 and dry["problem_count"] == 0 and not dry["written"]
    assert sorted(dry["new_kinds"]) == ["Assembly constituency", "Part", "State"]
    assert any("create WB-AC158-P012" in line for line in dry["changes"])
    assert not Area.objects.exists()  # a dry run writes nothing

    result = _run(tmp_path, CSV_3_LEVELS)
    assert result["written"] and result["created"] == 4
    part = Area.objects.get(code="WB-AC158-P012")
    assert part.parent.code == "WB-AC158" and part.parent.parent.code == "WB"
    assert part.depth == 2 and part.kind.is_polling_unit
    for area in Area.objects.all():
        _consistent(area)
    # the same file again changes nothing
    again = _run(tmp_path, CSV_3_LEVELS)
    assert again["created"] == 0 and again["unchanged"] == 4 and again["moved"] == 0


@pytest.mark.django_db
def test_problems_are_reported_with_line_numbers_and_nothing_is_written(tmp_path):
    text = """code,name,kind,parent_code
A,Alpha,state,
B,Beta,district,C
C,Gamma,district,B
D,Delta,district,NOPE
A,Alpha again,state,
E,,district,A
"""
    result = _run(tmp_path, text)
    assert not result["written"]
    problems = {(p["line"], p["message"]) for p in result["problems"]}
    lines = {line for line, _ in problems}
    assert {3, 4, 5, 6, 7} <= lines and 2 not in lines
    assert any(line == 5 and "NOPE" in msg for line, msg in problems)  # unknown parent
    assert any(line == 6 and "already on line 2" in msg for line, msg in problems)  # duplicate
    assert any("circle" in msg and "B → C → B" in msg for _, msg in problems)  # cycle
    assert any(line == 7 and "name" in msg for line, msg in problems)  # missing name
    assert not Area.objects.exists()


@pytest.mark.django_db
def test_a_cycle_through_the_existing_tree_is_refused(geo, tmp_path):
    # the file puts the state under one of its own booths
    text = "code,name,kind,parent\nIN-WB,West Bengal,state,IN-WB-AC1-P001\n"
    result = _run(tmp_path, text)
    assert result["problem_count"] == 1 and "circle" in result["problems"][0]["message"]
    geo["state"].refresh_from_db()
    assert geo["state"].parent == geo["country"]


@pytest.mark.django_db
def test_geojson_boundaries_create_areas_with_shapes_and_points(geo, tmp_path):
    square = {
        "type": "Polygon",
        "coordinates": [
            [[88.34, 22.52], [88.35, 22.52], [88.35, 22.53], [88.34, 22.53], [88.34, 22.52]]
        ],
    }
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"PART_CODE": f"IN-WB-AC1-P01{i}", "PART_NAME": f"Part 1{i}"},
                "geometry": square,
            }
            for i in range(3)
        ],
    }
    result = _run(
        tmp_path,
        json.dumps(data),
        name="parts.geojson",
        options={
            "code_column": "PART_CODE",
            "name_column": "part name",
            "kind": "part",
            "parent": "IN-WB-AC1",
        },
    )
    assert result["written"] and result["created"] == 3, result
    area = Area.objects.get(code="IN-WB-AC1-P011")
    assert area.parent == geo["ac"] and area.kind.code == "part"
    assert area.boundary == square
    assert 22.52 < area.latitude < 22.53 and 88.34 < area.longitude < 88.35
    # the same shapes again: unchanged; a new name: updated
    data["features"][0]["properties"]["PART_NAME"] = "Part 10 - School"
    again = _run(
        tmp_path,
        json.dumps(data),
        name="parts.geojson",
        options={
            "code_column": "PART_CODE",
            "name_column": "part name",
            "kind": "part",
            "parent": "IN-WB-AC1",
        },
    )
    assert again["updated"] == 1 and again["unchanged"] == 2
    assert Area.objects.get(code="IN-WB-AC1-P010").name == "Part 10 - School"


@pytest.mark.django_db
def test_a_file_that_is_not_geojson_is_a_clear_error(tmp_path):
    result = _run(tmp_path, "[1, 2", name="x.geojson")
    assert not result["written"] and "not valid GeoJSON" in result["error"]


@pytest.mark.django_db
def test_a_move_under_itself_or_outside_the_scope_is_refused(geo, users):
    with pytest.raises(ValidationError, match="under itself"):
        services.area_move(actor=users["manager"], area=geo["ac"], parent=geo["p1"])
    with pytest.raises(ValidationError):
        services.area_move(actor=users["manager"], area=geo["ac"], parent=geo["ac"])
    # the organiser (AC1) may move booths inside AC1 only
    with pytest.raises(PermissionDenied):  # no geography.edit
        services.area_move(actor=users["organiser"], area=geo["p2"], parent=geo["p1"])
    for area in Area.objects.all():
        _consistent(area)


@pytest.mark.django_db
def test_a_scoped_editor_edits_only_inside_their_scope(geo, users, tmp_path):
    editor = make_user("ac-editor", "data_manager", areas=[geo["ac"]])
    part = AreaKind.objects.get(code="part")
    new = services.area_create(
        actor=editor, kind=part, code="IN-WB-AC1-P003", name="Part 3", parent=geo["ac"]
    )
    services.area_move(actor=editor, area=new, parent=geo["p1"])
    services.area_update(actor=editor, area=geo["p2"], name="Part 2 - School")
    with pytest.raises(ValidationError):  # a new top area is campaign-wide work
        services.area_create(actor=editor, kind=part, code="X", name="X", parent=None)
    with pytest.raises(ValidationError):  # the parent outside the scope is unknown
        services.area_create(actor=editor, kind=part, code="X", name="X", parent=geo["state"])
    with pytest.raises(NotFound):
        services.area_update(actor=editor, area=geo["state"], name="Bengal")
    with pytest.raises(ValidationError):  # out to the top of the tree
        services.area_move(actor=editor, area=geo["p2"], parent=None)
    with pytest.raises(NotFound):  # out of the scope
        services.area_move(actor=editor, area=geo["state"], parent=geo["ac"])
    with pytest.raises(PermissionDenied):
        services.area_update(actor=users["volunteer"], area=geo["p1"], name="Mine")
    # the import checks the same scope, row by row
    text = "code,name,kind,parent\nIN-WB-AC1-P004,Part 4,part,IN-WB-AC1\nIN-WB-X,X,ac,IN-WB\n"
    result = _run(tmp_path, text, actor=editor)
    assert not result["written"]
    assert [p["line"] for p in result["problems"]] == [3]
    assert not Area.objects.filter(code="IN-WB-AC1-P004").exists()


@pytest.mark.django_db(transaction=True)
def test_the_import_job_runs_with_progress(geo, users, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    path = _write(tmp_path, "areas.csv", CSV_3_LEVELS)
    job = area_import.area_import_start(
        actor=users["manager"], path=path, filename="areas.csv", dry_run=False
    )
    job = Job.objects.get(pk=job.pk)
    assert job.status == Job.Status.SUCCEEDED, job.log
    assert job.result["created"] == 4 and job.progress == job.total == 4
    assert Area.objects.filter(code="WB-AC158-P013").exists()
    with pytest.raises(PermissionDenied):
        area_import.area_import_start(actor=users["volunteer"], path=path, dry_run=True)


@pytest.mark.django_db
def test_the_cli_checks_then_imports_a_file(tmp_path, capsys):
    from grassroots import cli

    path = _write(tmp_path, "areas.csv", CSV_3_LEVELS)
    assert cli.main(["areas", "import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run (nothing written): 4 areas — created 4" in out
    assert "create WB-AC158-P012" in out and not Area.objects.exists()
    assert cli.main(["areas", "import", str(path)]) == 0
    assert "Imported: 4 areas — created 4" in capsys.readouterr().out
    assert Area.objects.count() == 4

    bad = _write(tmp_path, "bad.csv", "code,name,kind,parent\nX,Ex,part,NOPE\n")
    assert cli.main(["areas", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "line 2: unknown parent code NOPE" in err and "Traceback" not in err
    assert cli.main(["areas", "import", str(tmp_path / "missing.csv")]) == 2
    assert "No such file" in capsys.readouterr().err
    assert cli.main(["areas", "import", str(_write(tmp_path, "x.txt.gz", "x"))]) == 2
    assert "Choose a .csv or .geojson file" in capsys.readouterr().err
