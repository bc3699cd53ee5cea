"""``grassroots import`` (issue 13 §11–13): one-line errors with exit code 2, the mapping for a
file printed as JSON to edit, and the duplicate search started like every other import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grassroots.cli import main
from grassroots.core.models import Job
from grassroots.people.dedupe import jobs as dedupe_jobs
from grassroots.people.models import ImportBatch, Person
from grassroots.people.tests.test_import import ROLL_HEADER, ROLL_ROWS, write_csv

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def roll(tmp_path) -> Path:
    return write_csv(tmp_path / "roll.csv", ROLL_HEADER, ROLL_ROWS)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main(["import", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda t, roll: ["/no/such/voters.csv", "--template", "india-roll"], "no such file"),
        (lambda t, roll: [roll], "give --template NAME or --mapping FILE"),
        (lambda t, roll: [roll, "--mapping", t / "none.json"], "does not exist"),
        (
            lambda t, roll: [roll, "--mapping", write(t / "bad.json", '{"columns": {"Name": ')],
            "is not valid JSON",
        ),
        (
            lambda t, roll: [roll, "--mapping", write(t / "list.json", '["Name", "EPIC"]')],
            "holds an array; it must hold a JSON object",
        ),
        (
            lambda t, roll: [
                roll,
                "--mapping",
                write(t / "unknown.json", json.dumps({"columns": {"Name": "person.shoe_size"}})),
            ],
            "unknown field “person.shoe_size”",
        ),
        (
            lambda t, roll: [
                roll,
                "--mapping",
                write(t / "missing.json", json.dumps({"columns": {"Nope": "person.full_name"}})),
            ],
            "Column “Nope” is not in the file",
        ),
        (lambda t, roll: [roll, "--template", "no-such-template"], "No import template"),
        (lambda t, roll: [roll, "--template", "india-roll", "--as", "nobody"], "no user named"),
    ],
)
def test_mistakes_are_one_line_with_exit_code_2(db, capsys, tmp_path, roll, make_args, message):
    code, out, err = run_cli(capsys, *make_args(tmp_path, roll))
    assert code == 2
    assert message in err, err
    assert err.startswith("grassroots import: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and out == ""
    assert ImportBatch.objects.count() == 0 and Person.objects.count() == 0


def test_unknown_field_lists_the_valid_ones_and_missing_columns_once(db, capsys, tmp_path, roll):
    mapping = {
        "columns": {
            "Name": "person.shoe_size",
            "Nope": "person.given_name",
            "Gone": "person.family_name",
        }
    }
    code, _out, err = run_cli(
        capsys, roll, "--mapping", write(tmp_path / "m.json", json.dumps(mapping))
    )
    assert code == 2
    assert "Valid fields: " in err and "person.given_name" in err and "address.postal_code" in err
    assert "vote:<election code>" in err and "external_id:<kind>" in err
    # the two missing columns are named in one sentence; the file's columns listed once, all
    assert "Columns “Nope”, “Gone” are not in the file" in err
    assert err.count("“EPIC”") == 1 and "“Mobile”" in err  # the 13th column: not cut at 20 chars


def test_a_real_process_prints_no_traceback(tmp_path):
    """The same, as an operator sees it: a separate process, stderr, the exit status."""
    env = {**os.environ, "GRASSROOTS_DATA_DIR": str(tmp_path)}
    array = write(tmp_path / "array.json", "[1, 2]")
    csv = write(tmp_path / "f.csv", "Name\nAsha\n")
    for args, message in (
        (["/no/such/file.csv", "--template", "india-roll"], "no such file"),
        ([str(csv), "--mapping", str(array)], "holds an array"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "grassroots.cli", "import", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert message in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_show_mapping_prints_the_mapping_to_edit_and_it_imports(
    geo, capsys, tmp_path, django_capture_on_commit_callbacks
):
    # the roll's headers as another export writes them: other case, underscores, a variant
    header = [h.upper().replace(" ", "_") for h in ROLL_HEADER]
    header[ROLL_HEADER.index("EPIC")] = "Epic No"
    path = write_csv(tmp_path / "roll-export.csv", header, ROLL_ROWS)
    code, out, err = run_cli(capsys, path, "--template", "india-roll", "--show-mapping")
    assert code == 0, err
    mapping = json.loads(out)
    assert list(mapping["columns"]) == header  # every column of the file, in its spelling
    assert mapping["columns"]["Epic No"] == "external_id:epic"
    assert mapping["columns"]["NAME_(NATIVE)"] == "person.native_name"
    assert mapping["options"]["area_code"] == "IN-WB-AC{ac}-P{part:03d}"
    assert ImportBatch.objects.count() == 0  # nothing imported
    # edited and passed back
    mapping["constants"]["person.source"] = "Electoral roll"
    edited = write(tmp_path / "mapping.json", json.dumps(mapping))
    code, out, err = run_cli(capsys, path, "--mapping", edited, "--json")
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["created"] == 3
    # and the template itself takes the file as it is
    code, out, err = run_cli(capsys, path, "--template", "india-roll", "--json")
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1]) == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "rejected": 0,
    }


def test_show_mapping_without_a_template_guesses_from_the_headers(db, capsys, tmp_path):
    path = write(tmp_path / "us.csv", "VOTER_ID,First Name,LAST_NAME,Suffix,Party,Reg Date\n")
    code, out, _err = run_cli(capsys, path, "--show-mapping")
    assert code == 0
    assert json.loads(out)["columns"] == {
        "VOTER_ID": "external_id:voter",
        "First Name": "person.given_name",
        "LAST_NAME": "person.family_name",
        "Suffix": "person.name_suffix",
        "Party": "person.party",
        "Reg Date": "person.registration_date",
    }


def test_a_command_line_import_starts_the_duplicate_search(geo, capsys, roll):
    """Like the import job of the screens and the API (runners.import_and_follow_up)."""
    code, out, err = run_cli(capsys, roll, "--template", "india-roll")
    assert code == 0, err
    batch = ImportBatch.objects.get()
    job = Job.objects.get(kind=dedupe_jobs.JOB_KIND)
    assert job.params["batch_id"] == str(batch.pk)
    assert f"job {job.pk}" in out
    # a check writes nothing, so it has nobody to search
    code, out, err = run_cli(capsys, roll, "--template", "india-roll", "--dry-run")
    assert code == 0 and Job.objects.filter(kind=dedupe_jobs.JOB_KIND).count() == 1
