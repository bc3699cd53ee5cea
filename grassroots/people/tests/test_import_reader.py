"""The voter-file reader: formats, encodings, containers, bad input, streaming. No database."""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import io
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from grassroots.people.imports import reader
from grassroots.people.imports.reader import ImportFileError, Row, Sheet, open_sheet, preview

OSDI = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "osdi_fake_people.csv"
OSDI_HEADERS = [
    "Household ID",
    "Last",
    "First",
    "Middle",
    "YoB",
    "MoB",
    "DoB",
    "Address",
    "City",
    "State",
    "Zip",
    "Email",
]


def write(tmp_path: Path, data: bytes | str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def read(path: Path, **kw) -> tuple[Sheet, list[Row]]:
    sheet = open_sheet(path, **kw)
    return sheet, list(sheet.rows())


def values(rows: list[Row]) -> list[dict[str, str]]:
    return [r.values for r in rows]


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data)


def zipped(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return buf.getvalue()


def workbook_bytes(rows: list[list[object]], title: str = "People", extra_sheets=()) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for name, more in extra_sheets:
        other = wb.create_sheet(name)
        for row in more:
            other.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


SIMPLE = "name,city\nAnanya,Kolkata\nSourav,Howrah\n"


# --- plain CSV ------------------------------------------------------------------------------


def test_simple_csv(tmp_path):
    sheet, rows = read(write(tmp_path, SIMPLE))
    assert (sheet.headers, sheet.encoding, sheet.delimiter, sheet.format) == (
        ["name", "city"],
        "utf-8",
        ",",
        "csv",
    )
    assert rows == [
        Row(line=2, values={"name": "Ananya", "city": "Kolkata"}, raw="Ananya,Kolkata", error=None),
        Row(line=3, values={"name": "Sourav", "city": "Howrah"}, raw="Sourav,Howrah", error=None),
    ]


def test_last_line_without_newline_and_crlf(tmp_path):
    _, rows = read(write(tmp_path, "a,b\r\n1,2\r\n3,4"))
    assert [(r.line, r.raw, r.values) for r in rows] == [
        (2, "1,2", {"a": "1", "b": "2"}),
        (3, "3,4", {"a": "3", "b": "4"}),
    ]


def test_old_mac_line_endings(tmp_path):
    _, rows = read(write(tmp_path, "a,b\r1,2\r\r3,4\r"))
    assert [(r.line, r.values["b"]) for r in rows] == [(2, "2"), (4, "4")]


def test_quoted_fields_with_delimiters_quotes_and_newlines(tmp_path):
    text = (
        "name,address,note\r\n"
        '"Das, Ananya","12 Lake Rd\r\nFlat 3\r\nKolkata","said ""hi"""\r\n'
        'Sourav,"1 Main St",plain\r\n'
        '"Roy","a\nb",x\r\n'
        "Mitra,c,d\r\n"
    )
    _, rows = read(write(tmp_path, text))
    assert [r.line for r in rows] == [2, 5, 6, 8]
    first = rows[0]
    assert first.values == {
        "name": "Das, Ananya",
        "address": "12 Lake Rd\r\nFlat 3\r\nKolkata",
        "note": 'said "hi"',
    }
    assert first.raw == '"Das, Ananya","12 Lake Rd\r\nFlat 3\r\nKolkata","said ""hi"""'
    assert rows[2].raw == '"Roy","a\nb",x'
    assert all(r.error is None for r in rows)
    assert rows[3].values == {"name": "Mitra", "address": "c", "note": "d"}


@pytest.mark.parametrize(
    "delimiter, name", [(";", "semicolon"), ("\t", "tab"), ("|", "pipe"), (",", "comma")]
)
def test_delimiter_is_sniffed(tmp_path, delimiter, name):
    lines = [["Household ID", "Last", "First", "City"], ["001", "Müller", "José", "Köln"]]
    lines += [[f"{i:03}", "Das", "Ananya, Jr.", "Kolkata"] for i in range(2, 50)]
    text = "\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in r) for r in lines)
    sheet, rows = read(write(tmp_path, text + "\n", f"{name}.txt"))
    assert sheet.delimiter == delimiter
    assert sheet.headers == ["Household ID", "Last", "First", "City"]
    assert rows[0].values == {
        "Household ID": "001",
        "Last": "Müller",
        "First": "José",
        "City": "Köln",
    }
    assert rows[1].values["First"] == "Ananya, Jr."
    assert len(rows) == 49 and not any(r.error for r in rows)


def test_semicolon_file_with_decimal_commas(tmp_path):
    text = "name;amount;note\nA;1,50;x\nB;2,75;y, z\nC;3;w\n"
    sheet, rows = read(write(tmp_path, text))
    assert sheet.delimiter == ";"
    assert rows[0].values == {"name": "A", "amount": "1,50", "note": "x"}


def test_tsv_with_quoted_tab(tmp_path):
    sheet, rows = read(write(tmp_path, 'a\tb\n"x\ty"\t2\n', "people.tsv"))
    assert sheet.delimiter == "\t"
    assert rows[0].values == {"a": "x\ty", "b": "2"}


def test_single_column_falls_back_to_comma(tmp_path):
    sheet, rows = read(write(tmp_path, "email\na@example.org\nb@example.org\n"))
    assert (sheet.delimiter, sheet.headers, len(rows)) == (",", ["email"], 2)


def test_declared_delimiter_wins(tmp_path):
    sheet, rows = read(write(tmp_path, "a,b;c\n1,2;3\n"), delimiter=";")
    assert sheet.headers == ["a,b", "c"]
    assert rows[0].values == {"a,b": "1,2", "c": "3"}
    sheet, _ = read(write(tmp_path, "a\tb\n1\t2\n"), delimiter="tab")
    assert sheet.delimiter == "\t"


@pytest.mark.parametrize("bad", ["", ";;", '"', "\n"])
def test_unusable_delimiter(tmp_path, bad):
    with pytest.raises(ImportFileError, match="delimiter"):
        open_sheet(write(tmp_path, SIMPLE), delimiter=bad)


# --- encodings ------------------------------------------------------------------------------

NAMES = "name,city\nMüller,Köln\nJosé,Málaga\nO’Brien,Dublin\nPrice €5,Paris\n"
NAMES_VALUES = [
    {"name": "Müller", "city": "Köln"},
    {"name": "José", "city": "Málaga"},
    {"name": "O’Brien", "city": "Dublin"},
    {"name": "Price €5", "city": "Paris"},
]


def test_utf8(tmp_path):
    sheet, rows = read(write(tmp_path, NAMES.encode("utf-8")))
    assert sheet.encoding == "utf-8"
    assert values(rows) == NAMES_VALUES


def test_utf8_with_bom(tmp_path):
    path = write(tmp_path, NAMES.encode("utf-8-sig"))
    sheet, rows = read(path)
    assert (sheet.encoding, sheet.headers) == ("utf-8-sig", ["name", "city"])
    assert values(rows) == NAMES_VALUES
    # declared plain UTF-8: the BOM is still kept out of the first header
    sheet, rows = read(path, encoding="UTF8")
    assert (sheet.encoding, sheet.headers) == ("utf-8", ["name", "city"])


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path, codec):
    bom = "\ufeff".encode(codec)
    text = NAMES + "অনন্যা,কলকাতা\n"
    sheet, rows = read(write(tmp_path, bom + text.replace("\n", "\r\n").encode(codec)))
    assert sheet.encoding == "utf-16"
    assert sheet.headers == ["name", "city"]
    assert values(rows) == [*NAMES_VALUES, {"name": "অনন্যা", "city": "কলকাতা"}]
    assert [r.line for r in rows] == [2, 3, 4, 5, 6]
    assert rows[0].raw == "Müller,Köln"


def test_utf16_without_bom(tmp_path):
    sheet, rows = read(write(tmp_path, NAMES.encode("utf-16-le")))
    assert sheet.encoding == "utf-16-le"
    assert values(rows) == NAMES_VALUES


def test_windows_1252(tmp_path):
    sheet, rows = read(write(tmp_path, NAMES.encode("cp1252")))
    assert sheet.encoding == "cp1252"
    assert values(rows) == NAMES_VALUES


def test_latin1_bytes_undefined_in_cp1252(tmp_path):
    data = "name\nMüller\n".encode("latin-1") + b"x\x81y\n"
    sheet, rows = read(write(tmp_path, data))
    assert sheet.encoding == "iso8859-1"
    assert [r.values["name"] for r in rows] == ["Müller", "x\x81y"]


def test_windows_1252_only_near_the_end_of_a_big_file(tmp_path):
    body = "".join(f"Person {i},Kolkata\n" for i in range(20_000))  # ASCII, > 2 x 64 KB
    data = ("name,city\n" + body).encode() + "José,Málaga\n".encode("cp1252")
    sheet, rows = read(write(tmp_path, data))
    assert sheet.encoding == "cp1252"
    assert rows[-1].values == {"name": "José", "city": "Málaga"}


def test_utf8_only_near_the_end_of_a_big_file(tmp_path):
    body = "".join(f"Person {i},Kolkata\n" for i in range(20_000))
    sheet, rows = read(write(tmp_path, "name,city\n" + body + "অনন্যা,কলকাতা\n"))
    assert sheet.encoding == "utf-8"
    assert rows[-1].values == {"name": "অনন্যা", "city": "কলকাতা"}


def test_cyrillic_code_page(tmp_path):
    text = "имя,город\n" + "Иван Петров,Москва\nПётр Сидоров,Санкт-Петербург\n" * 20
    sheet, rows = read(write(tmp_path, text.encode("cp1251")))
    assert sheet.encoding == "cp1251"
    assert sheet.headers == ["имя", "город"]
    assert rows[0].values == {"имя": "Иван Петров", "город": "Москва"}


def test_declared_encoding_is_used(tmp_path):
    sheet, rows = read(write(tmp_path, NAMES.encode("cp1252")), encoding="windows-1252")
    assert sheet.encoding == "cp1252"
    assert values(rows) == NAMES_VALUES


def test_unknown_encoding(tmp_path):
    with pytest.raises(ImportFileError, match="Unknown text encoding 'klingon'"):
        open_sheet(write(tmp_path, SIMPLE), encoding="klingon")
    with pytest.raises(ImportFileError, match="Unknown text encoding"):
        open_sheet(write(tmp_path, SIMPLE), encoding="base64")


def test_undecodable_bytes_under_declared_encoding_in_the_sample(tmp_path):
    data = b"name,city\nAnanya,Kolkata\nM\xfcller,K\xf6ln\n"
    with pytest.raises(ImportFileError) as exc:
        open_sheet(write(tmp_path, data), encoding="utf-8")
    message = exc.value.args[0]
    offset = data.index(b"\xfc")
    assert "could not be read as UTF-8" in message
    assert f"byte offset {offset} (line 3)" in message
    assert "FC" in message
    assert "Windows-1252" in message  # suggests another encoding


def test_undecodable_bytes_after_the_sample_are_reported_while_streaming(tmp_path):
    head = b"name,city\n" + b"".join(b"Person %d,Kolkata\r\n" % i for i in range(10_000))
    assert len(head) > reader.SAMPLE_BYTES
    data = head + b"Bad \xff\xfe,X\r\nAfter,Y\r\n"
    path = write(tmp_path, data)
    sheet = open_sheet(path, encoding="utf-8")
    rows = sheet.rows()
    with pytest.raises(ImportFileError) as exc:
        for _ in rows:
            pass
    message = exc.value.args[0]
    assert f"at byte offset {len(head) + 4} (line 10002)" in message
    assert "could not be read as UTF-8" in message
    assert "Choose another encoding" in message


def test_undecodable_bytes_after_the_sample_of_a_detected_encoding(tmp_path):
    head = "name,city\nAnanya,কলকাতা\n".encode() + b"x,y\n" * 40_000
    data = head + "José,Málaga\n".encode("cp1252") + b"x,y\n" * 40_000
    with pytest.raises(ImportFileError) as exc:
        read(write(tmp_path, data))
    message = exc.value.args[0]
    assert f"byte offset {len(head) + 3} (line 40003)" in message
    assert "guessed" in message and "Windows-1252" in message


def test_utf16_decode_error_offset(tmp_path):
    data = codecs.BOM_UTF16_LE + "a,b\n1,2\n".encode("utf-16-le") + b"\x00\xdc"
    data += ",3\n".encode("utf-16-le")
    with pytest.raises(ImportFileError, match=r"UTF-16: the bytes 00 DC at byte offset 18 are"):
        open_sheet(write(tmp_path, data))


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\n\n\r\n", b"  \n\t\n", b",,,\n"])
def test_empty_file(tmp_path, data):
    with pytest.raises(ImportFileError, match=r"^The file is empty\.$"):
        open_sheet(write(tmp_path, data))


def test_empty_gzip(tmp_path):
    with pytest.raises(ImportFileError, match="empty"):
        open_sheet(write(tmp_path, gzipped(b""), "people.csv.gz"))


@pytest.mark.parametrize("data", ["name,city\n", "name,city", "name,city\n\n\n", "\ufeffa,b\r\n"])
def test_header_only(tmp_path, data):
    sheet, rows = read(write(tmp_path, data.encode("utf-8")))
    assert len(sheet.headers) == 2
    assert rows == []


def test_blank_lines_are_skipped_but_lines_stay_physical(tmp_path):
    text = "\n\nname,city\n\nAnanya,Kolkata\n   \n,\n\r\nSourav,Howrah\n\n"
    sheet, rows = read(write(tmp_path, text))
    assert sheet.headers == ["name", "city"]
    assert [(r.line, r.values["name"]) for r in rows] == [(5, "Ananya"), (9, "Sourav")]


def test_ragged_rows_are_yielded_with_an_error(tmp_path):
    text = "a,b,c,d,e\n1,2,3,4,5\n1,2,3\n1,2,3,4,5,6,7\n1,2,3,4,5\n"
    _, rows = read(write(tmp_path, text))
    assert [r.line for r in rows] == [2, 3, 4, 5]
    assert rows[0].error is None and rows[3].error is None
    assert rows[1].error == "has 3 fields, the header has 5"
    assert rows[1].values == {"a": "1", "b": "2", "c": "3", "d": "", "e": ""}
    assert rows[2].error == "has 7 fields, the header has 5"
    assert rows[2].values == {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}
    assert rows[2].raw == "1,2,3,4,5,6,7"  # nothing lost


def test_unterminated_quote_at_end_of_file(tmp_path):
    text = 'name,note\nA,ok\nB,"never closed\nC,more\nD,still\n'
    _, rows = read(write(tmp_path, text))
    assert [r.line for r in rows] == [2, 3]
    assert rows[0].error is None
    broken = rows[1]
    assert "the quote opened on line 3 was never closed" in broken.error
    assert "line 5" in broken.error
    assert broken.values == {"name": "B", "note": "never closed\nC,more\nD,still\n"}
    assert broken.raw == 'B,"never closed\nC,more\nD,still'


def test_unterminated_quote_opened_inside_a_multiline_record(tmp_path):
    text = 'a,b,c\n1,"two\nlines",x\n2,"fine\nagain","open\n3,y,z\n'
    _, rows = read(write(tmp_path, text))
    assert [r.line for r in rows] == [2, 4]
    assert "the quote opened on line 5 was never closed" in rows[1].error


def test_text_after_a_closing_quote(tmp_path):
    text = 'a,b\n"x"y,1\n"ok",2\n'
    _, rows = read(write(tmp_path, text))
    assert [r.line for r in rows] == [2, 3]
    assert "malformed quotes on line 2" in rows[0].error
    assert rows[0].values == {"a": "xy", "b": "1"}
    assert rows[0].raw == '"x"y,1'
    assert rows[1].error is None and rows[1].values == {"a": "ok", "b": "2"}


def test_quotes_inside_unquoted_fields_are_fine(tmp_path):
    _, rows = read(write(tmp_path, 'a,b\nJohn "Jack" Smith,1\n'))
    assert rows[0].error is None and rows[0].values["a"] == 'John "Jack" Smith'


def test_header_names_are_cleaned_and_unique(tmp_path):
    text = " Name ,Email,,Name, name ,Name_2,\n1,2,3,4,5,6,7\n"
    sheet, rows = read(write(tmp_path, text))
    assert sheet.headers == ["Name", "Email", "column_3", "Name_3", "name", "Name_2", "column_7"]
    assert rows[0].values["Name_3"] == "4" and rows[0].values["column_7"] == "7"


def test_broken_header(tmp_path):
    with pytest.raises(ImportFileError, match=r"header row \(line 1\).*never closed"):
        open_sheet(write(tmp_path, 'a,"b\n1,2\n'))


def test_nul_bytes_mean_a_binary_file(tmp_path):
    with pytest.raises(ImportFileError, match="binary file") as exc:
        open_sheet(write(tmp_path, b"name,city\nA,B\x00\x00\x00\n"))
    assert "byte offset 13" in exc.value.args[0]


def test_nul_bytes_after_the_sample_are_a_row_error(tmp_path):
    data = b"a,b\n" + b"x,y\n" * 20_000 + b"bad\x00,z\nok,w\n"
    _, rows = read(write(tmp_path, data))
    assert "NUL" in rows[-2].error
    assert rows[-2].raw == "bad\x00,z"
    assert rows[-1].error is None


@pytest.mark.parametrize(
    "data, what",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), ".xls"),
        (b"\x00\x01\x02\x03" + bytes(range(256)) * 4, "binary"),
        (bytes([1, 2, 3, 4, 5, 6, 7, 8, 65, 66]) * 100, "binary"),
    ],
)
def test_not_a_csv_or_excel_file(tmp_path, data, what):
    with pytest.raises(ImportFileError, match="does not look like a CSV or Excel file") as exc:
        open_sheet(write(tmp_path, data, "upload.csv"))
    assert what in exc.value.args[0]


def test_missing_file(tmp_path):
    with pytest.raises(ImportFileError, match="does not exist"):
        open_sheet(tmp_path / "nope.csv")


def test_overlong_records_are_reported_and_reading_resumes(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "MAX_RECORD_CHARS", 1000)
    lines = ["a,b", "1,ok", "2," + "x" * 3000, "3,fine", '4,"opened', *["5,y"] * 400, "6,end"]
    _, rows = read(write(tmp_path, "\n".join(lines) + "\n"))
    by_line = {r.line: r for r in rows}
    assert by_line[2].error is None
    assert "is longer than" in by_line[3].error and "skipped" in by_line[3].error
    assert by_line[3].raw.startswith("2,xxx")
    assert by_line[4].values == {"a": "3", "b": "fine"}
    assert "longer than 1000 characters (lines 5-" in by_line[5].error
    assert "the quote opened on line 5 was never closed" in by_line[5].error
    assert rows[-1].line == 406 and rows[-1].values == {"a": "6", "b": "end"}


# --- containers -----------------------------------------------------------------------------


def test_gzip(tmp_path):
    data = gzipped(NAMES.encode("cp1252"))
    for name in ("people.csv.gz", "people.csv"):  # detected by content, not by name
        sheet, rows = read(write(tmp_path, data, name))
        assert (sheet.format, sheet.encoding) == ("csv", "cp1252")
        assert values(rows) == NAMES_VALUES


def test_damaged_gzip(tmp_path):
    data = gzipped(("a,b\n" + "x,y\n" * 50_000).encode())
    sheet = open_sheet(write(tmp_path, data[: len(data) // 2], "people.csv.gz"))
    with pytest.raises(ImportFileError, match="damaged or incomplete"):
        list(sheet.rows())


def test_zip_with_one_csv(tmp_path):
    data = zipped(
        {
            "./export/people.csv": NAMES.encode(),
            "__MACOSX/export/._people.csv": b"junk",
            "export/.DS_Store": b"junk",
        }
    )
    sheet, rows = read(write(tmp_path, data, "upload.zip"))
    assert sheet.format == "csv"
    assert values(rows) == NAMES_VALUES


def test_zip_with_a_gzipped_csv(tmp_path):
    data = zipped({"people.csv.gz": gzipped(SIMPLE.encode())})
    _, rows = read(write(tmp_path, data, "upload.zip"))
    assert [r.values["name"] for r in rows] == ["Ananya", "Sourav"]


def test_zip_with_no_data_file(tmp_path):
    with pytest.raises(ImportFileError, match="contains no data file"):
        open_sheet(write(tmp_path, zipped({".DS_Store": b"x"}), "upload.zip"))
    with pytest.raises(ImportFileError, match="contains no data file"):
        open_sheet(write(tmp_path, zipped({}), "upload.zip"))


def test_zip_with_several_files(tmp_path):
    data = zipped({"a.csv": b"x\n1\n", "b.csv": b"y\n2\n"})
    with pytest.raises(ImportFileError, match=r"contains 2 files \(a\.csv, b\.csv\)"):
        open_sheet(write(tmp_path, data, "upload.zip"))


def test_office_document_that_is_not_a_workbook(tmp_path):
    data = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    with pytest.raises(ImportFileError, match="does not look like a CSV or Excel file.*Word"):
        open_sheet(write(tmp_path, data, "letter.docx"))


# --- xlsx -----------------------------------------------------------------------------------

XLSX_ROWS = [
    ["EPIC", "Name", "Born", "Age", "Score", "Active", "Seen at", "Phone"],
    ["WKH0000018", "Ananya", dt.date(1990, 5, 17), 34, 2.5, True, dt.datetime(2024, 1, 2, 13, 30)],
    [],
    ["WKH0000019", "Sourav", dt.datetime(1985, 1, 2), 39.0, None, False, None, 9433055555],
]


def test_xlsx(tmp_path):
    sheet, rows = read(write(tmp_path, workbook_bytes(XLSX_ROWS), "people.xlsx"))
    assert (sheet.format, sheet.encoding, sheet.delimiter) == ("xlsx", None, None)
    assert sheet.headers == XLSX_ROWS[0]
    assert [r.line for r in rows] == [2, 4]  # the blank row 3 is skipped
    assert rows[0].values == {
        "EPIC": "WKH0000018",
        "Name": "Ananya",
        "Born": "1990-05-17",
        "Age": "34",
        "Score": "2.5",
        "Active": "TRUE",
        "Seen at": "2024-01-02 13:30:00",
        "Phone": "",
    }
    assert rows[0].raw == "WKH0000018\tAnanya\t1990-05-17\t34\t2.5\tTRUE\t2024-01-02 13:30:00"
    assert rows[1].values["Born"] == "1985-01-02"
    assert rows[1].values["Age"] == "39"
    assert rows[1].values["Phone"] == "9433055555"
    assert rows[1].values["Score"] == ""
    assert all(r.error is None for r in rows)


def test_xlsx_cells_beyond_the_header(tmp_path):
    data = workbook_bytes([["a", "b"], [1, 2, None, 4], [1, 2, None, None]])
    _, rows = read(write(tmp_path, data, "people.xlsx"))
    assert rows[0].error == "has 4 fields, the header has 2"
    assert rows[1].error is None


def test_xlsx_detected_by_content_and_header_cleaned(tmp_path):
    data = workbook_bytes([[" Name ", None, "Name"], ["a", "b", "c"]])
    sheet, rows = read(write(tmp_path, data, "mislabelled.csv"))
    assert sheet.format == "xlsx"
    assert sheet.headers == ["Name", "column_2", "Name_2"]
    assert rows[0].values == {"Name": "a", "column_2": "b", "Name_2": "c"}


def test_xlsx_sheet_name(tmp_path):
    data = workbook_bytes([["a"], [1]], extra_sheets=[("Volunteers", [["v"], ["x"], ["y"]])])
    path = write(tmp_path, data, "people.xlsx")
    sheet, rows = read(path, sheet_name="Volunteers")
    assert sheet.headers == ["v"] and [r.values["v"] for r in rows] == ["x", "y"]
    with pytest.raises(
        ImportFileError, match="no sheet named 'Donors'; it has 'People', 'Volunteers'"
    ):
        open_sheet(path, sheet_name="Donors")


def test_xlsx_empty_sheet(tmp_path):
    data = workbook_bytes([], extra_sheets=[("Data", [["a"], [1]])])
    with pytest.raises(
        ImportFileError, match="The file is empty.*'People'.*other sheets are 'Data'"
    ):
        open_sheet(write(tmp_path, data, "people.xlsx"))


def test_xlsx_header_only(tmp_path):
    sheet, rows = read(write(tmp_path, workbook_bytes([["a", "b"]]), "people.xlsx"))
    assert sheet.headers == ["a", "b"] and rows == []


@pytest.mark.parametrize("container", ["zip", "gzip"])
def test_xlsx_inside_an_archive(tmp_path, container):
    book = workbook_bytes(XLSX_ROWS)
    data = zipped({"people.xlsx": book}) if container == "zip" else gzipped(book)
    sheet, rows = read(write(tmp_path, data, "upload.bin"))
    assert sheet.format == "xlsx"
    assert [r.values["Born"] for r in rows] == ["1990-05-17", "1985-01-02"]


def test_damaged_xlsx(tmp_path):
    data = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"not xml"})
    with pytest.raises(ImportFileError, match="Excel file cannot be opened"):
        open_sheet(write(tmp_path, data, "people.xlsx"))


# --- API ------------------------------------------------------------------------------------


def test_rows_may_be_called_once(tmp_path):
    sheet = open_sheet(write(tmp_path, SIMPLE))
    list(sheet.rows())
    with pytest.raises(RuntimeError):
        sheet.rows()


def test_preview_reads_only_what_it_needs(tmp_path):
    # A declared-UTF-8 file with a bad byte far beyond the first rows: preview never gets there.
    data = b"name,n\n" + b"".join(b"P%d,%d\n" % (i, i) for i in range(200_000)) + b"\xff,0\n"
    path = write(tmp_path, data)
    sheet, rows = preview(path, n=3, encoding="utf-8")
    assert sheet.headers == ["name", "n"]
    assert [(r.line, r.values["name"]) for r in rows] == [(2, "P0"), (3, "P1"), (4, "P2")]
    with pytest.raises(RuntimeError):
        sheet.rows()
    with pytest.raises(ImportFileError):
        read(path, encoding="utf-8")


def test_preview_of_a_short_file(tmp_path):
    _, rows = preview(write(tmp_path, SIMPLE))
    assert len(rows) == 2


def test_streaming_keeps_memory_bounded(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(OSDI_HEADERS) + "\r\n")
        for i in range(200_000):
            f.write(
                f"{i:010},Lastname{i},Firstname{i},Q,{1940 + i % 60},{1 + i % 12},{1 + i % 28},"
                f'"{i} Long Street Name, Apt {i % 100}",Washington,DC,{20000 + i % 999},'
                f"firstname.lastname.{i}@fake.osdi.info\r\n"
            )
    assert path.stat().st_size > 25_000_000  # more than the memory limit below
    tracemalloc.start()
    try:
        sheet = open_sheet(path)
        count = errors = 0
        for row in sheet.rows():
            count += 1
            errors += row.error is not None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"peak traced memory while reading {count} rows: {peak / 1e6:.2f} MB")
    assert (count, errors) == (200_000, 0)
    assert row.line == 200_001 and row.values["Address"] == "199999 Long Street Name, Apt 99"
    assert peak < 20_000_000


@pytest.mark.skipif(
    not OSDI.exists(), reason="../shared/fixtures is only on developer machines and CI"
)
def test_osdi_sample():
    sheet, rows = read(OSDI)
    assert sheet.headers == OSDI_HEADERS
    assert (sheet.encoding, sheet.delimiter, sheet.format) == ("utf-8", ",", "csv")
    assert len(rows) == 11_540
    assert not [r for r in rows if r.error]
    assert rows[0].line == 2 and rows[-1].line == 11_541
    assert rows[0].values["Household ID"] == "0000000001"
    assert rows[0].values["Last"] == "Woodard"
    assert all("@" in r.values["Email"] for r in rows)
