"""Import limits (issue 14 §1–2): a header of a million columns, a zip bomb, a compressed file
that lies about its size and a file of too many rows are refused — at upload where that can be
known, in the screens, the CLI and the area import alike — quickly and in bounded memory."""

from __future__ import annotations

import gzip
import io
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from grassroots.cli import main
from grassroots.core.access import SYSTEM
from grassroots.core.exceptions import Invalid
from grassroots.core.models import Job
from grassroots.geography import area_import
from grassroots.people.imports import reader, services, uploads
from grassroots.people.imports.reader import ImportLimitError, Limits, count_fields, open_sheet
from grassroots.people.models import ImportBatch, Person
from grassroots.people.tests.test_import import ROLL_HEADER, ROLL_ROWS, write_csv

MILLION = 1_000_000


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def wide_header(columns: int = MILLION) -> bytes:
    """The probe's file: a header of ``columns`` names (7.9 MB for a million) and one row."""
    return (",".join(f"c{i}" for i in range(columns)) + "\n1,2\n").encode()


def zip_bomb(megabytes: int = 128) -> bytes:
    """A small zip (~130 KB) of one CSV that expands to ``megabytes`` MB (~1000:1)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("voters.csv", "w") as m:
        m.write(b"a,b\n")
        block = b"0,0\n" * (1 << 18)  # 1 MB
        for _ in range(megabytes):
            m.write(block)
    return buf.getvalue()


def gzip_that_lies(megabytes: int) -> bytes:
    """A gzip whose trailer claims 1,000 bytes whatever it really holds."""
    data = bytearray(gzip.compress(b"a,b\n" + b"0,0\n" * (megabytes << 18)))
    struct.pack_into("<I", data, len(data) - 4, 1000)
    return bytes(data)


def state():
    return ImportBatch.objects.count(), Person.objects.count()


# --- the reader ----------------------------------------------------------------------------


@pytest.mark.parametrize("before", [b"", b"\n\n", b",,,\n"])
def test_a_million_columns_are_refused_reading_no_more_than_the_limit(tmp_path, before):
    path = tmp_path / "wide.csv"
    path.write_bytes(before + wide_header())
    assert path.stat().st_size > 7_800_000
    tracemalloc.start()
    try:
        with pytest.raises(ImportLimitError) as caught:
            open_sheet(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "more than 500 columns; the limit is 500" in str(caught.value)
    # Parsed whole, the header is a million strings (~70 MB); read to 501 fields and a 256 KB
    # cap, it is a fraction of the file's own size.
    assert peak < 8 * 1024 * 1024, peak


def test_the_column_limit_is_exact_and_configurable(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(wide_header(500))
    assert len(open_sheet(path).headers) == 500
    path.write_bytes(wide_header(501))
    with pytest.raises(ImportLimitError, match="the limit is 500"):
        open_sheet(path)
    assert len(open_sheet(path, limits=Limits(max_columns=501)).headers) == 501
    narrow = write_csv(tmp_path / "g.csv", ["a", "b", "c"], [["1", "2", "3"]])
    with pytest.raises(ImportLimitError, match="more than 2 columns; the limit is 2"):
        open_sheet(narrow, limits=Limits(max_columns=2))


def test_a_header_of_long_names_is_read_no_further_than_its_cap(tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes(b"a," + b"x" * (300 * 1024) + b"\n1,2\n")
    with pytest.raises(ImportLimitError, match="header row is longer than 256,000 characters"):
        open_sheet(path)


def test_count_fields_stops_at_the_limit_and_honours_quotes():
    assert count_fields('a,"b,c",d\n', ",", 10) == 3
    assert count_fields('"x""y",z', ",", 10) == 2
    assert count_fields('a,"open\nstill,open', ",", 10) == 2
    assert count_fields("a,b\nc,d,e,f", ",", 10) == 2  # one record only
    assert count_fields("a," * MILLION, ",", 501) == 501


def test_zip_bomb_is_refused_by_its_declared_size_before_anything_is_expanded(tmp_path):
    path = tmp_path / "voters.zip"
    path.write_bytes(zip_bomb())
    assert path.stat().st_size < 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(ImportLimitError) as caught:
            open_sheet(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert "expands 1,029 times" in message and "the limit is 200 times" in message, message
    assert "zip bomb" in message
    assert peak < 4 * 1024 * 1024, peak


def test_gzip_bomb_with_an_honest_trailer_is_refused_at_open(tmp_path):
    path = tmp_path / "voters.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n" + b"0,0\n" * (100 << 18)))
    with pytest.raises(ImportLimitError, match="the limit is 200 times"):
        open_sheet(path)


def test_a_compressed_file_that_lies_about_its_size_is_stopped_while_read(tmp_path):
    path = tmp_path / "voters.csv.gz"
    path.write_bytes(gzip_that_lies(3))
    limits = Limits(max_decompressed=1024 * 1024)
    sheet = open_sheet(path, limits=limits)  # the trailer says 1,000 bytes
    rows = 0
    with pytest.raises(
        ImportLimitError, match=r"expands to more than 1\.0 MB; the limit is 1\.0 MB"
    ):
        for _row in sheet.rows():
            rows += 1
    assert rows < (1 << 18)  # stopped at the first megabyte, not after three
    # within the limit, the same kind of file reads to the end
    small = tmp_path / "small.csv.gz"
    small.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 1000))
    assert sum(1 for _ in open_sheet(small, limits=limits).rows()) == 1000


def test_decompressed_size_limit_by_declared_size(tmp_path):
    path = tmp_path / "voters.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("voters.csv", b"a,b\n" + b"1,2\n" * (1 << 19))  # 2 MB
    path.write_bytes(buf.getvalue())
    with pytest.raises(ImportLimitError, match=r"expands to 2\.0 MB; the limit is 1\.0 MB"):
        open_sheet(path, limits=Limits(max_decompressed=1024 * 1024))


def test_row_limit(tmp_path):
    path = write_csv(tmp_path / "r.csv", ["a", "b"], [[str(i), "x"] for i in range(5)])
    sheet = open_sheet(path, limits=Limits(max_rows=3))
    seen = []
    with pytest.raises(ImportLimitError, match="more than 3 rows"):
        for row in sheet.rows():
            seen.append(row.line)
    assert seen == [2, 3, 4]
    assert len(list(open_sheet(path, limits=Limits(max_rows=5)).rows())) == 5


def test_defaults_are_generous_for_real_state_files():
    limits = reader.DEFAULT_LIMITS
    assert limits.max_columns == 500 and limits.max_rows == 50_000_000
    assert limits.budget(1024**3) == 20 * 1024**3  # a 1 GB zip may hold 20 GB
    assert limits.budget(10 * 1024) == reader.RATIO_FLOOR  # a small file: the ratio waits


# --- every entrance --------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "name", "message"), [
    (wide_header(), "wide.csv", "the limit is 500"),
    (zip_bomb(), "voters.zip", "the limit is 200 times"),
])  # fmt: skip
@pytest.mark.parametrize("step", ["map", "check"])
def test_the_import_screen_refuses_at_upload(
    client_for, users, geo, media, content, name, message, step
):
    page = client_for(users["manager"]).post(
        "/people/imports/",
        {
            "file": SimpleUploadedFile(name, content, "text/csv"),
            "template": "india-roll",
            "next": step,
        },
    )
    assert page.status_code == 400
    assert message in page.content.decode()
    assert len(page.content) < 200_000  # the upload form again, not a mapping of the columns
    assert state() == (0, 0)
    assert not [p for p in media.rglob("*") if p.is_file()]  # nothing kept


def test_the_cli_refuses_in_one_line(tmp_path, capsys, geo):
    wide = tmp_path / "wide.csv"
    wide.write_bytes(wide_header())
    bomb = tmp_path / "voters.zip"
    bomb.write_bytes(zip_bomb())
    for path, message in ((wide, "the limit is 500"), (bomb, "the limit is 200 times")):
        for extra in ([], ["--show-mapping"]):
            code = main(["import", str(path), "--template", "india-roll", *extra])
            err = capsys.readouterr().err
            assert code == 2, err
            assert message in err and "Traceback" not in err
            assert len(err.strip().splitlines()) == 1
    assert state() == (0, 0)


def test_the_cli_stops_a_file_past_the_row_limit_with_one_line(tmp_path, capsys, geo, settings):
    settings.IMPORT_MAX_ROWS = 2
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, ROLL_ROWS)
    code = main(["import", str(path), "--template", "india-roll"])
    err = capsys.readouterr().err
    assert code == 1
    assert "more than 2 rows" in err and "Traceback" not in err
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED


def test_the_import_job_fails_with_the_reason_alone(
    tmp_path, geo, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_MAX_ROWS = 2
    path = write_csv(tmp_path / "roll.csv", ROLL_HEADER, ROLL_ROWS)
    batch = services.import_create(actor=SYSTEM, path=path, template="india-roll", dry_run=True)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.import_start(actor=SYSTEM, batch=batch)
    job.refresh_from_db()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert job.status == Job.Status.FAILED
    assert job.log.startswith("The file has more than 2 rows") and "Traceback" not in job.log


def test_the_mapping_screen_is_capped_even_when_the_limit_is_raised(
    client_for, users, geo, settings
):
    settings.IMPORT_MAX_COLUMNS = 5000
    client = client_for(users["manager"])
    page = client.post(
        "/people/imports/",
        {"file": SimpleUploadedFile("wide.csv", wide_header(1500), "text/csv"), "next": "map"},
    )
    assert page.status_code == 400
    assert "this screen maps at most 1000" in page.content.decode()


def test_the_mapping_preview_cuts_long_values(client_for, users, geo, tmp_path):
    long = "x" * 100_000
    content = ("Name,Notes\nAsha," + long + "\n").encode()
    client = client_for(users["manager"])
    page = client.post(
        "/people/imports/",
        {"file": SimpleUploadedFile("notes.csv", content, "text/csv"), "next": "map"},
    )
    assert page.status_code == 302
    mapping = client.get(page["Location"])
    assert mapping.status_code == 200
    assert "x" * uploads.PREVIEW_CHARS in mapping.content.decode()
    assert "x" * (uploads.PREVIEW_CHARS + 1) not in mapping.content.decode()


def test_the_area_import_refuses_a_million_columns_at_upload(tmp_path, users, geo):
    path = tmp_path / "areas.csv"
    path.write_bytes(wide_header())
    with pytest.raises(Invalid, match="more columns than the limit of 500"):
        area_import.area_import_start(actor=users["admin"], path=path)
    assert not list(Path(area_import.upload_dir()).glob("*"))  # nothing kept
    # the job's reader (and the CLI's) refuses it too
    with pytest.raises(Invalid, match="more columns than the limit of 500"):
        area_import.area_import_plan(actor=users["admin"], path=path, fmt="csv")
