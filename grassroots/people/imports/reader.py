"""Read an uploaded voter file (CSV/TSV/…, XLSX, or either inside gzip/zip) as rows of text.

Pure Python, no Django: ``open_sheet(path)`` detects the container, format, text encoding and
delimiter from the content, reads the header, and returns a :class:`Sheet` whose ``rows()``
streams :class:`Row` objects with bounded memory, whatever the size of the file.

Nothing is dropped silently. A file that cannot be read at all raises :class:`ImportFileError`
with a message for a person; a record that is malformed (ragged, broken quoting, overlong) is
still yielded, with ``Row.error`` saying what is wrong. Blank records are skipped, but line
numbers stay physical, so "line 12" is line 12 in the person's editor. A record equal to the
header (files glued together, each with its own header) is skipped too, and counted in
``Sheet.repeated_headers``. Damage found only while streaming (undecodable bytes past the
sniffed sample, a truncated archive) makes ``rows()`` raise :class:`ImportFileError` at that
point.

Limits (``Limits``; the defaults are generous for real voter files, the people app passes the
deployment's settings): at most ``max_columns`` columns, read from a header that is never read
past ``max_header_chars`` nor parsed past ``max_columns + 1`` fields; a compressed file may not
declare or deliver more than ``max_decompressed`` bytes, nor more than ``max_ratio`` times its
own size once past ``RATIO_FLOOR``; at most ``max_rows`` data rows.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import shutil
import struct
import tempfile
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from pathlib import Path
from typing import IO

SAMPLE_BYTES = 64 * 1024  # what encoding and delimiter detection look at
MAX_RECORD_CHARS = 10 * 1024 * 1024  # one CSV record (and so one field) may not be longer
DELIMITERS = (",", ";", "\t", "|")  # candidates, in order of preference on a tie
MAX_NESTING = 3  # e.g. zip > gzip > csv
MAX_COLUMNS = 500  # voter files have tens of columns, a few hundred with vote history
MAX_DECOMPRESSED = 20 * 1024**3  # what a compressed upload may expand to
MAX_RATIO = 200  # real CSV compresses 3-15x (50x when mostly empty); a zip bomb ~1000x
RATIO_FLOOR = 64 * 1024**2  # the ratio is only enforced past this many decompressed bytes
MAX_ROWS = 50_000_000  # twice the largest US statewide file (California, ~22 M)

Record = tuple[int, list[str], str, "str | None"]  # line, cells, raw, error


class ImportFileError(Exception):
    """A file we cannot read at all; .args[0] is a message for a person (what is wrong, what to do)."""


class ImportLimitError(ImportFileError):
    """A file past one of the ``Limits`` (too many columns or rows, expands too much)."""


@dataclass(frozen=True)
class Limits:
    """What the reader accepts. ``max_header_chars`` (the header record is not read further)
    follows from ``max_columns``: 512 characters a column, at least 64 KB."""

    max_columns: int = MAX_COLUMNS
    max_decompressed: int = MAX_DECOMPRESSED
    max_ratio: float = MAX_RATIO
    max_rows: int = MAX_ROWS

    @property
    def max_header_chars(self) -> int:
        return max(64 * 1024, self.max_columns * 512)

    def budget(self, compressed_size: int) -> int:
        """How many bytes a compressed file of ``compressed_size`` bytes may expand to."""
        by_ratio = max(int(self.max_ratio * compressed_size), RATIO_FLOOR)
        return min(self.max_decompressed, by_ratio)

    def too_much(
        self, compressed_size: int, expanded: int, *, at_least: bool = False
    ) -> ImportLimitError:
        """The message for a compressed file (or member) of ``compressed_size`` bytes that
        expands to ``expanded`` (``at_least``: it was stopped there)."""
        more = "more than " if at_least else ""
        if expanded > self.max_decompressed:
            return ImportLimitError(
                f"The compressed file expands to {more}{_size(expanded)}; the limit is "
                f"{_size(self.max_decompressed)} uncompressed. Split it into smaller files."
            )
        ratio = expanded / max(compressed_size, 1)
        return ImportLimitError(
            f"The compressed file expands {more}{ratio:,.0f} times ({_size(compressed_size)} to "
            f"{more}{_size(expanded)}); the limit is {self.max_ratio:,.0f} times, so it looks "
            "like a zip bomb rather than a voter file. Upload the uncompressed file, or "
            "compress it again."
        )


DEFAULT_LIMITS = Limits()


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TB"  # pragma: no cover


def too_many_columns(limit: int, count: int | None = None) -> str:
    """The message for a header with more columns than ``limit`` (``count`` when known)."""
    has = f"{count:,}" if count is not None else f"more than {limit:,}"
    return (
        f"The file has {has} columns; the limit is {limit:,} (no voter file has more). Check "
        "that it is a table with one header row and the right delimiter, or remove the "
        "columns you do not need."
    )


@dataclass
class Row:
    line: int  # 1-based physical line (CSV: where the record starts) or worksheet row
    values: dict[str, str]  # header -> cell text ('' for missing cells)
    raw: str  # CSV: the exact source text, without the final line break; XLSX: cells tab-joined
    error: str | None = None  # why this record is malformed, e.g. "has 7 fields, the header has 5"


@dataclass
class Sheet:
    headers: list[str]
    encoding: str | None  # None for xlsx
    delimiter: str | None  # None for xlsx
    format: str  # "csv" | "xlsx"
    header_raw: str = ""  # the header record as it is in the file (CSV: its exact text)
    repeated_headers: int = 0  # records equal to the header, skipped (counted while streaming)
    header_raw_cells: list[str] = field(default_factory=list, repr=False, compare=False)
    max_rows: int = field(default=MAX_ROWS, repr=False, compare=False)
    _records: Iterator[Record] | None = field(default=None, repr=False, compare=False)
    _close: Callable[[], object] | None = field(default=None, repr=False, compare=False)

    def rows(self) -> Iterator[Row]:
        """Stream the data rows (everything after the header). May be called once."""
        if self._records is None:
            raise RuntimeError("Sheet.rows() may be called only once.")
        records, self._records = self._records, None
        return self._rows(records)

    def _rows(self, records: Iterator[Record]) -> Iterator[Row]:
        headers, width, csv_like = self.headers, len(self.headers), self.format == "csv"
        header_key = _header_key(self.header_raw_cells)
        first = header_key[0] if header_key else None
        count, max_rows = 0, self.max_rows
        try:
            for line, cells, raw, error in records:
                if (
                    error is None
                    and cells
                    and cells[0].strip().casefold() == first
                    and _header_key(cells) == header_key
                ):
                    self.repeated_headers += 1  # the header again: files glued together
                    continue
                count += 1
                if count > max_rows:
                    raise ImportLimitError(
                        f"The file has more than {max_rows:,} rows (the limit; line {line} is "
                        "past it). Split it into smaller files and import them one by one."
                    )
                # An xlsx row simply ends at its last non-empty cell; a short CSV row is ragged.
                if error is None and (len(cells) > width or (len(cells) < width and csv_like)):
                    error = f"has {len(cells)} fields, the header has {width}"
                values = dict(zip(headers, cells, strict=False))
                if len(cells) < width:
                    values.update(dict.fromkeys(headers[len(cells) :], ""))
                yield Row(line=line, values=values, raw=raw, error=error)
        finally:
            self.close()

    def close(self) -> None:
        """Release the file; done automatically when ``rows()`` is exhausted or closed."""
        close, self._close = self._close, None
        if close is not None:
            close()

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_sheet(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet_name: str | None = None,
    limits: Limits | None = None,
) -> Sheet:
    """Open ``path`` and read its header. ``encoding``/``delimiter`` override detection (text
    files only); ``sheet_name`` picks a worksheet (xlsx only; default the first); ``limits``
    what the file may be (``DEFAULT_LIMITS``), refused with ``ImportLimitError``."""
    path = Path(path)
    opts = _Options(_check_encoding(encoding), _check_delimiter(delimiter), sheet_name)
    opts.limits = limits or DEFAULT_LIMITS
    stack = ExitStack()
    try:
        try:
            fh = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - owned by the stack
        except FileNotFoundError:
            raise ImportFileError(f"The file {path.name} does not exist.")
        except OSError as e:
            raise ImportFileError(f"The file {path.name} could not be opened ({e.strerror}).")
        opts.compressed_size = path.stat().st_size
        sheet = _dispatch(fh, stack, opts, depth=0, plain=path)
        sheet.max_rows = opts.limits.max_rows
    except BaseException:
        stack.close()
        raise
    sheet._close = stack.close
    return sheet


def preview(path: str | Path, n: int = 20, **kw) -> tuple[Sheet, list[Row]]:
    """The header and the first ``n`` data rows, reading only as much of the file as needed.
    The returned sheet is closed; its ``rows()`` cannot be called again."""
    sheet = open_sheet(path, **kw)
    with sheet:
        rows = sheet.rows()
        try:
            return sheet, list(islice(rows, n))
        finally:
            rows.close()  # type: ignore[attr-defined]


# --- containers -------------------------------------------------------------------------------


@dataclass
class _Options:
    encoding: str | None
    delimiter: str | None
    sheet_name: str | None
    limits: Limits = DEFAULT_LIMITS
    compressed_size: int = 0  # the file's own size: what a compressed one expands from


_NOT_DATA = "This file does not look like a CSV or Excel file"
_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-format (.xls) or password-protected Excel file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "a Zstandard-compressed file"),
    (b"BZh", "a bzip2-compressed file"),  # checked with the block magic below
]
_BZIP2_BLOCK = b"1AY&SY"


def _dispatch(stream: IO[bytes], stack: ExitStack, opts: _Options, depth: int, plain: Path | None):
    if depth > MAX_NESTING:
        raise ImportFileError(
            "The file is packed inside too many archives. Extract it and upload the CSV or "
            "Excel file itself."
        )
    # what was decompressed may not expand past the limits, whatever the archive declared
    src = _Source(stream, opts=opts if depth else None)
    magic = src.peek(16)
    if not magic:
        raise ImportFileError("The file is empty." if depth == 0 else "The archived file is empty.")
    if magic.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if plain is not None:
            stream.seek(0)
            fileobj: IO[bytes] = stream
        else:  # zipfile needs random access: copy the inner archive to a temporary file
            fileobj = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
            shutil.copyfileobj(src, fileobj, 1024 * 1024)
            fileobj.seek(0)
        return _open_zip(fileobj, stack, opts, depth)
    if magic.startswith(b"\x1f\x8b"):
        if plain is not None:
            _check_gzip_size(stream, opts)
            stream.seek(0)
        gz = stack.enter_context(gzip.GzipFile(fileobj=stream if plain else src, mode="rb"))
        return _dispatch(gz, stack, opts, depth + 1, None)
    for signature, what in _SIGNATURES:
        if magic.startswith(signature) and (signature != b"BZh" or magic[4:10] == _BZIP2_BLOCK):
            hint = (
                "Open it in Excel and save it as .xlsx or CSV, then upload that."
                if "Excel" in what
                else "Upload the data as a CSV or Excel (.xlsx) file."
            )
            raise ImportFileError(f"{_NOT_DATA}: it appears to be {what}. {hint}")
    return _open_text(src, stack, opts, tail=_read_tail(plain) if plain else None)


_JUNK = re.compile(r"(^|/)(__MACOSX/|\.(?![./])|Thumbs\.db$|desktop\.ini$)", re.IGNORECASE)


def _open_zip(fileobj: IO[bytes], stack: ExitStack, opts: _Options, depth: int) -> Sheet:
    try:
        zf = stack.enter_context(zipfile.ZipFile(fileobj))
    except (zipfile.BadZipFile, EOFError) as e:
        raise ImportFileError(
            f"The file looks like a zip archive or an Excel workbook, but it is damaged ({e}). "
            "Save or compress it again and upload the new copy."
        )
    names = zf.namelist()
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if "[Content_Types].xml" in names:  # an Office Open XML package
        if any(n.startswith("xl/") for n in names):
            # openpyxl reads the parts itself: their declared sizes are what it will expand
            # (zipfile stops a member at its declared size)
            _check_declared(
                opts, sum(i.file_size for i in infos), sum(i.compress_size for i in infos)
            )
            zf.close()
            fileobj.seek(0)
            return _open_xlsx(fileobj, stack, opts)
        what = (
            "a Word document"
            if any(n.startswith("word/") for n in names)
            else (
                "a PowerPoint presentation"
                if any(n.startswith("ppt/") for n in names)
                else "an Office document that is not a workbook"
            )
        )
        raise ImportFileError(f"{_NOT_DATA}: it is {what}. Upload a CSV or Excel (.xlsx) file.")
    if "mimetype" in names and zf.read("mimetype").startswith(b"application/vnd.oasis"):
        raise ImportFileError(
            f"{_NOT_DATA}: it is an OpenDocument (LibreOffice) file. Save it as .xlsx or CSV "
            "and upload that."
        )
    members = [i for i in zf.infolist() if not i.is_dir() and not _JUNK.search(i.filename)]
    if len(members) != 1:
        listed = ", ".join(i.filename for i in members[:10])
        if len(members) > 10:
            listed += f" and {len(members) - 10} more"
        raise ImportFileError(
            "The zip archive contains no data file; it must contain exactly one CSV or Excel file."
            if not members
            else f"The zip archive contains {len(members)} files ({listed}); it must contain "
            "exactly one CSV or Excel file. Upload them one at a time."
        )
    _check_declared(opts, members[0].file_size, members[0].compress_size)
    try:
        member = stack.enter_context(zf.open(members[0]))
    except RuntimeError:  # encrypted
        raise ImportFileError(
            "The zip archive is password-protected. Extract the file and upload it directly."
        )
    except (NotImplementedError, zipfile.BadZipFile) as e:
        raise ImportFileError(f"{members[0].filename} cannot be extracted from the zip ({e}).")
    return _dispatch(member, stack, opts, depth + 1, None)


def _check_declared(opts: _Options, expanded: int, compressed: int) -> None:
    """Refuse an archive member (or a workbook's parts) whose declared size is past the limits."""
    limits = opts.limits
    if expanded > limits.max_decompressed or (
        expanded > RATIO_FLOOR and expanded > limits.max_ratio * max(compressed, 1)
    ):
        raise limits.too_much(compressed, expanded)


def _check_gzip_size(stream: IO[bytes], opts: _Options) -> None:
    """A gzip file ends with its uncompressed size (modulo 4 GB). A size past the limits is
    refused before the file is read for its rows, once decompressing (without keeping) proves
    it — a damaged file's last bytes are garbage, and a lying one is caught while streaming."""
    size = stream.seek(0, io.SEEK_END)
    if size < 18:
        return
    stream.seek(size - 4)
    (declared,) = struct.unpack("<I", stream.read(4))
    try:
        _check_declared(opts, declared, size)
    except ImportLimitError:
        stream.seek(0)
        budget, expanded = opts.limits.budget(size), 0
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip, no CRC work: counting only
        try:
            while not inflate.eof:
                data = inflate.unconsumed_tail or stream.read(256 * 1024)
                if not data:
                    return  # it ended short of the budget: the trailer lied (or it is damaged)
                expanded += len(inflate.decompress(data, 1024 * 1024))
                if expanded > budget:
                    raise opts.limits.too_much(size, max(declared, expanded)) from None
        except zlib.error:
            return  # damaged: said when it is read


class _Source(io.BufferedIOBase):
    """A read-only view of a byte stream that can look ahead without consuming, counts the bytes
    (and line breaks) it has delivered, and reports damaged compressed data as ImportFileError.
    It does not own the stream. With ``opts`` (a decompressed stream) it refuses to deliver
    more than the limits let the file expand to."""

    def __init__(self, stream: IO[bytes], opts: _Options | None = None):
        super().__init__()
        self._stream = stream
        self._ahead = b""
        self.pos = self.lf = self.cr = 0
        self._opts = opts
        self._budget = opts.limits.budget(opts.compressed_size) if opts is not None else None
        self._pulled = 0

    def readable(self) -> bool:
        return True

    def peek(self, n: int) -> bytes:  # type: ignore[override]
        while len(self._ahead) < n:
            chunk = self._pull(n - len(self._ahead))
            if not chunk:
                break
            self._ahead += chunk
        return self._ahead[:n]

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            data = self._ahead + self._pull(-1)
            self._ahead = b""
        elif self._ahead:
            data, self._ahead = self._ahead[:size], self._ahead[size:]
        else:
            data = self._pull(size)
        self.pos += len(data)
        self.lf += data.count(b"\n")
        self.cr += data.count(b"\r")
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _pull(self, n: int) -> bytes:
        if self._budget is not None and (n is None or n < 0):  # all of it, within the budget
            parts = []
            while part := self._pull(1024 * 1024):
                parts.append(part)
            return b"".join(parts)
        try:
            data = self._stream.read(n)
        except (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile) as e:
            raise ImportFileError(
                f"The compressed file is damaged or incomplete ({e}). Compress it again, or "
                "upload the uncompressed file."
            )
        if self._budget is not None:
            self._pulled += len(data)
            if self._pulled > self._budget:
                limits = self._opts.limits
                raise limits.too_much(self._opts.compressed_size, self._pulled, at_least=True)
        return data


def _read_tail(path: Path) -> bytes | None:
    """The last SAMPLE_BYTES of a big plain file, so encoding detection sees both ends."""
    with open(path, "rb") as f:
        size = f.seek(0, io.SEEK_END)
        if size <= 2 * SAMPLE_BYTES:
            return None
        f.seek(size - SAMPLE_BYTES)
        tail = f.read(SAMPLE_BYTES)
    skip = 0
    while skip < 3 and skip < len(tail) and 0x80 <= tail[skip] <= 0xBF:
        skip += 1  # start on a UTF-8 character boundary
    return tail[skip:]


# --- text: encoding and delimiter -------------------------------------------------------------

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# charset-normalizer's guesses between Latin-script code pages (cp1250, cp775, cp850, mac_*…) are
# unreliable on short samples of mostly-ASCII text, so they are only trusted for other scripts,
# and only when the text they give is mostly in such a script; any other non-UTF-8 text is read
# as Windows-1252, which is what Excel on Windows writes.
_TRUSTED_GUESSES = {
    codecs.lookup(name).name
    for name in (  # noqa: SIM905
        "cp1251 koi8_r koi8_u iso8859_5 mac_cyrillic cp866 cp1253 iso8859_7 cp1255 iso8859_8 "
        "cp1256 iso8859_6 cp874 tis_620 cp932 shift_jis euc_jp iso2022_jp gb2312 gbk gb18030 "
        "big5 big5hkscs cp950 cp949 euc_kr"
    ).split()
}
_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "cp1252": "Windows-1252 (cp1252)",
    "iso8859-1": "Latin-1 (ISO-8859-1)",
}


def _label(encoding: str) -> str:
    return _LABELS.get(encoding, encoding)


def _check_encoding(encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise ImportFileError(
            f"Unknown text encoding {encoding!r}. Use a name such as UTF-8, Windows-1252 or UTF-16."
        )
    return info.name


def _check_delimiter(delimiter: str | None) -> str | None:
    if delimiter in ("\\t", "tab", "TAB"):
        return "\t"
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n\x00'):
        raise ImportFileError(
            f"The delimiter {delimiter!r} cannot be used; choose one character such as , ; | or tab."
        )
    return delimiter


def _decodes(data: bytes, encoding: str, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(data, final)
    except UnicodeDecodeError:
        return False
    return True


def _detect_encoding(head: bytes, tail: bytes | None, whole: bool) -> str:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if utf16 := _utf16_without_bom(head):
        return utf16
    if _decodes(head, "utf-8", final=whole) and (not head.isascii() or tail is None):
        return "utf-8"  # non-ASCII UTF-8 at the start: later errors are reported, not guessed at
    if head.isascii() and tail is not None and _decodes(tail, "utf-8", final=True):
        return "utf-8"
    sample = head if tail is None else head + b"\n" + tail
    from charset_normalizer import from_bytes  # imported late: it is slow to import

    best = from_bytes(sample).best()
    if best is not None:
        guess = codecs.lookup(best.encoding).name
        if (
            guess in _TRUSTED_GUESSES
            and _decodes(head, guess, final=whole)
            and _mostly_non_latin(codecs.decode(sample, guess, "replace"))
        ):
            return guess
    if _decodes(sample, "cp1252", final=True):
        return "cp1252"
    return "iso8859-1"  # decodes anything (cp1252 leaves five bytes undefined)


def _mostly_non_latin(text: str) -> bool:
    letters = [c for c in text if not c.isascii() and c.isalpha()]
    latin = sum(unicodedata.name(c, "").startswith("LATIN") for c in letters)
    return len(letters) >= 4 and latin <= 0.2 * len(letters)


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    sample = sample[: len(sample) // 2 * 2]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2].count(0) / (len(sample) / 2), sample[1::2].count(0) / (len(sample) / 2)
    for zeros, other, name in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros > 0.3 and other <= 0.01 and _decodes(sample, name, final=False):
            return name
    return None


def _ascii_compatible(encoding: str) -> bool:
    return not encoding.startswith(("utf-16", "utf-32"))


def _decode_error(e: UnicodeDecodeError, offset: int, line: int | None, enc: str, declared: bool):
    bad = e.object[e.start : e.end].hex(" ").upper()
    where = f"byte offset {offset}" + (f" (line {line})" if line else "")
    other = (
        "Windows-1252 (cp1252)"
        if enc.startswith("utf-8")
        else "Latin-1 (ISO-8859-1) or UTF-8"
        if enc == "cp1252"
        else "UTF-8 or Windows-1252 (cp1252)"
    )
    how = (
        f"Choose another encoding, for example {other}, and try again."
        if declared
        else f"The encoding was guessed from samples of the file; choose the file's encoding "
        f"explicitly (for example {other}) and try again."
    )
    return ImportFileError(
        f"The file could not be read as {_label(enc)}: the bytes {bad} at {where} are not valid "
        f"in that encoding. {how}"
    )


_CONTROL = re.compile(r"[\x01-\x08\x0e-\x19\x1b-\x1f]")


def _sniff_delimiter(text: str) -> str:
    """Pick the candidate that splits the header into most columns consistently with the rows."""
    best, best_key = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            records = [
                r
                for r in islice(csv.reader(io.StringIO(text), delimiter=delimiter), 200)
                if any(c.strip() for c in r)
            ]
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width, body = len(records[0]), records[1:]
        consistency = sum(len(r) == width for r in body) / len(body) if body else 1.0
        key = (round(consistency, 2), width)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def _open_text(src: _Source, stack: ExitStack, opts: _Options, tail: bytes | None) -> Sheet:
    head = src.peek(SAMPLE_BYTES + 1)
    whole, head = len(head) <= SAMPLE_BYTES, head[:SAMPLE_BYTES]
    declared = opts.encoding is not None
    encoding = opts.encoding or _detect_encoding(head, tail, whole)
    try:
        text = codecs.getincrementaldecoder(encoding)("strict").decode(head, whole)
    except UnicodeDecodeError as e:
        offset = len(head) - len(e.object) + e.start
        line = head[:offset].count(b"\n") + 1 if _ascii_compatible(encoding) else None
        raise _decode_error(e, offset, line, encoding, declared)
    if "\x00" in text:
        at = f" (first at byte offset {head.find(0)})" if _ascii_compatible(encoding) else ""
        raise ImportFileError(
            f"{_NOT_DATA}: it contains NUL bytes{at}, so it is a binary file, not text. "
            "Export the data as CSV or Excel (.xlsx) and upload that."
            + ("" if declared else " If it is UTF-16 text, choose that encoding.")
        )
    if len(_CONTROL.findall(text)) > 0.05 * len(text):
        raise ImportFileError(f"{_NOT_DATA}: it contains binary data, not text.")
    if not whole:  # do not let a line cut in half mislead the delimiter sniffer
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[: cut + 1] if cut > 0 else text
    delimiter = opts.delimiter or _sniff_delimiter(text.lstrip("\ufeff"))

    if csv.field_size_limit() < MAX_RECORD_CHARS:  # process-wide; our own limit still applies
        csv.field_size_limit(MAX_RECORD_CHARS)
    stream = stack.enter_context(io.TextIOWrapper(src, encoding=encoding, newline=""))
    feed = _LineFeed(stream, src, encoding, declared)
    feed.header_check(delimiter, opts.limits)
    reader = csv.reader(feed, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    records = _csv_records(reader, feed, delimiter)
    return _with_header(
        records,
        max_columns=opts.limits.max_columns,
        encoding=encoding,
        delimiter=delimiter,
        format="csv",
    )


# --- text: records ----------------------------------------------------------------------------


class _RecordTooLong(Exception):
    pass


class _LineFeed:
    """Gives csv.reader one physical line at a time, keeping the lines of the current record
    (for Row.raw and line numbers) and refusing records longer than MAX_RECORD_CHARS."""

    def __init__(self, stream: io.TextIOWrapper, src: _Source, encoding: str, declared: bool):
        self._stream, self._src = stream, src
        self._encoding, self._declared = encoding, declared
        self.lines_read = 0
        self.record: list[str] = []
        self._size = 0
        self._header: tuple[str, Limits] | None = None

    def header_check(self, delimiter: str, limits: Limits) -> None:
        """Read the first record (the header) no further than ``limits.max_header_chars`` and
        refuse it once it has more than ``limits.max_columns`` fields, before csv parses it."""
        self._header = (delimiter, limits)

    def start_record(self) -> None:
        self.record, self._size = [], 0

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        header = self._header
        cap = MAX_RECORD_CHARS if header is None else header[1].max_header_chars
        room = cap - self._size
        line = self._readline(room + 1)
        if not line:
            raise StopIteration
        self.lines_read += 1
        self.record.append(line)
        self._size += len(line)
        if header is not None:
            self._check_header(len(line) > room, *header)
        if len(line) > room:
            while line and line[-1] not in "\r\n":  # skip the rest of this physical line
                line = self._readline(1024 * 1024)
            raise _RecordTooLong
        return line

    def _check_header(self, cut: bool, delimiter: str, limits: Limits) -> None:
        text = "".join(self.record)
        if count_fields(text, delimiter, limits.max_columns + 1) > limits.max_columns:
            raise ImportLimitError(too_many_columns(limits.max_columns))
        if cut:
            raise ImportLimitError(
                f"The header row is longer than {limits.max_header_chars:,} characters; no "
                "voter file's column names are that long. Check that the file is a table with "
                "one header row."
            )
        if not text.replace(delimiter, "").strip():
            return  # a blank line (skipped as a record): the header is still to come
        if text.endswith(("\n", "\r")) and _unclosed_quote(self.record, delimiter, 1) is None:
            self._header = None  # the header is read: data records are read as usual

    def _readline(self, limit: int) -> str:
        try:
            return self._stream.readline(limit)
        except UnicodeDecodeError as e:
            src = self._src
            # The decoder's input ends at what the source has delivered so far.
            offset = src.pos - len(e.object) + e.start
            line = None
            if _ascii_compatible(self._encoding):
                breaks, byte = (src.lf, b"\n") if src.lf else (src.cr, b"\r")
                line = breaks - e.object[e.start :].count(byte) + 1
            raise _decode_error(e, offset, line, self._encoding, self._declared)


def _csv_records(reader, feed: _LineFeed, delimiter: str) -> Iterator[Record]:
    while True:
        feed.start_record()
        start = feed.lines_read + 1
        try:
            cells = next(reader)
            error = None
        except StopIteration:
            return
        except _RecordTooLong:
            yield start, [], _clip("".join(feed.record)), _too_long(feed.record, delimiter, start)
            continue
        except csv.Error as e:
            cells = _lenient_parse(feed.record, delimiter)
            error = _csv_error(str(e), feed.record, delimiter, start)
        raw = "".join(feed.record)
        raw = raw[:-2] if raw.endswith("\r\n") else raw[:-1] if raw.endswith(("\n", "\r")) else raw
        if error is None:
            if not "".join(cells).strip():
                continue  # blank line, or only delimiters
            if "\x00" in raw:
                error = "the record contains NUL bytes; the file may be damaged or partly binary"
        yield start, cells, raw, error


def count_fields(text: str, delimiter: str, stop: int) -> int:
    """How many fields the CSV record at the start of ``text`` has, counting no further than
    ``stop`` (so a header of a million columns costs ``stop`` steps, not a million cells)."""
    count, i = 1, 0
    while count < stop:
        if text.startswith('"', i):  # a quoted field: to its closing quote ("" is a quote)
            j = i + 1
            while True:
                j = text.find('"', j)
                if j < 0:
                    return count  # still open at the end of what was read
                if text.startswith('"', j + 1):
                    j += 2
                    continue
                break
            i = j + 1
        k = text.find(delimiter, i)
        if k < 0 or text.find("\n", i, k) >= 0 or text.find("\r", i, k) >= 0:
            return count  # no more delimiters in this record
        count, i = count + 1, k + 1
    return count


def _lenient_parse(lines: list[str], delimiter: str) -> list[str]:
    try:
        records = list(csv.reader(lines, delimiter=delimiter, quotechar='"', strict=False))
    except csv.Error:
        return []
    return next((r for r in records if r), [])


def _unclosed_quote(lines: list[str], delimiter: str, first_line: int) -> int | None:
    """The line on which a quoted field that is still open at the end of ``lines`` began."""
    in_quotes = after_close = False
    field_start, opened = True, None
    for i, line in enumerate(lines):
        for ch in line:
            if in_quotes:
                if ch == '"':
                    in_quotes, after_close = False, True
                continue
            if ch == '"' and (field_start or after_close):  # after_close: a doubled quote
                if field_start:
                    opened = first_line + i
                in_quotes, field_start, after_close = True, False, False
                continue
            after_close = False
            field_start = ch == delimiter or ch in "\r\n"
    return opened if in_quotes else None


def _csv_error(message: str, lines: list[str], delimiter: str, start: int) -> str:
    end = start + len(lines) - 1
    if message == "unexpected end of data":
        opened = _unclosed_quote(lines, delimiter, start) or start
        return (
            f"the quote opened on line {opened} was never closed, so everything from there to "
            f"the end of the file (line {end}) was read as one field; close or remove that quote"
        )
    if "expected after" in message:
        return (
            f"malformed quotes on line {end}: a closing quote must be followed by the delimiter "
            'or the end of the line (write a quote inside a quoted field as "")'
        )
    if "field larger than field limit" in message:
        return f"a field is longer than the limit of {csv.field_size_limit()} characters"
    return f"the record cannot be parsed on line {end} ({message})"


def _too_long(lines: list[str], delimiter: str, start: int) -> str:
    mb, chars = divmod(MAX_RECORD_CHARS, 1024 * 1024)
    limit = f"{mb} MB" if not chars else f"{MAX_RECORD_CHARS} characters"
    opened = _unclosed_quote(lines, delimiter, start)
    if opened is not None:
        return (
            f"the record is longer than {limit} (lines {start}-{start + len(lines) - 1}), probably "
            f"because the quote opened on line {opened} was never closed; reading resumed after it"
        )
    return f"the line is longer than {limit}; it was skipped"


def _clip(raw: str, keep: int = 64 * 1024) -> str:
    return raw if len(raw) <= keep else raw[:keep] + f"… [{len(raw) - keep} more characters]"


# --- header -----------------------------------------------------------------------------------


def _clean_headers(cells: list[str]) -> list[str]:
    names = [c.replace("\ufeff", "").strip() for c in cells]
    reserved, used, out = {n for n in names if n}, set(), []
    for i, name in enumerate(names, start=1):
        if name and name not in used:
            unique = name
        else:
            base, k = (name, 2) if name else (f"column_{i}", 1)
            unique = f"{base}_{k}" if k > 1 else base
            while unique in used or (unique in reserved and unique != name):
                k += 1
                unique = f"{base}_{k}"
        used.add(unique)
        out.append(unique)
    return out


def _with_header(
    records: Iterator[Record],
    empty: str = "The file is empty.",
    *,
    max_columns: int = MAX_COLUMNS,
    **sheet_kw,
) -> Sheet:
    first = next(records, None)
    if first is None:
        raise ImportFileError(empty)
    line, cells, raw, error = first
    if error is not None:
        raise ImportFileError(f"The header row (line {line}) cannot be read: {error}.")
    if len(cells) > max_columns:
        raise ImportLimitError(too_many_columns(max_columns, len(cells)))
    return Sheet(
        headers=_clean_headers(cells),
        header_raw=raw.replace("\ufeff", ""),
        header_raw_cells=cells,
        _records=records,
        **sheet_kw,
    )


def _header_key(cells: list[str]) -> list[str]:
    """A header row as compared with the records (a BOM, case and outer spaces aside; trailing
    empty cells dropped)."""
    key = [c.replace("\ufeff", "").strip().casefold() for c in cells]
    while key and not key[-1]:
        key.pop()
    return key


# --- xlsx -------------------------------------------------------------------------------------


def _open_xlsx(fileobj: IO[bytes], stack: ExitStack, opts: _Options) -> Sheet:
    import openpyxl  # imported late: only workbooks need it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style", unsupported extensions …
            workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds on a damaged package
        raise ImportFileError(
            f"The Excel file cannot be opened; it may be damaged ({type(e).__name__}: {e}). "
            "Open it in Excel and save it again, or export it as CSV."
        )
    stack.callback(workbook.close)
    if opts.sheet_name is None:
        if not workbook.worksheets:
            raise ImportFileError("The workbook has no worksheets.")
        sheet = workbook.worksheets[0]
    elif opts.sheet_name in workbook.sheetnames:
        sheet = workbook[opts.sheet_name]
    else:
        names = ", ".join(repr(n) for n in workbook.sheetnames)
        raise ImportFileError(
            f"The workbook has no sheet named {opts.sheet_name!r}; it has {names}."
        )
    if not hasattr(sheet, "iter_rows"):
        raise ImportFileError(f"The sheet {sheet.title!r} is a chart, not a table of data.")
    sheet.reset_dimensions()  # do not trust the stored dimensions; read what is there
    others = [n for n in workbook.sheetnames if n != sheet.title]
    empty = f"The file is empty: the sheet {sheet.title!r} has no data." + (
        f" The workbook's other sheets are {', '.join(map(repr, others))}." if others else ""
    )
    records = _xlsx_records(sheet)
    return _with_header(
        records,
        empty,
        max_columns=opts.limits.max_columns,
        encoding=None,
        delimiter=None,
        format="xlsx",
    )


def _xlsx_records(sheet) -> Iterator[Record]:
    rows = sheet.iter_rows(values_only=True)
    number = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as e:  # damaged XML inside the package
            raise ImportFileError(
                f"The Excel file is damaged after row {number} ({type(e).__name__}: {e}). Open it "
                "in Excel and save it again, or export it as CSV."
            )
        number += 1
        cells = [_cell_text(v) for v in values]
        while cells and not cells[-1]:
            cells.pop()
        if any(c.strip() for c in cells):
            yield number, cells, "\t".join(cells), None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)
