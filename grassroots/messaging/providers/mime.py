"""The bytes of a broadcast email, built directly for the common case.

Django's ``EmailMultiAlternatives.message().as_bytes()`` goes through the ``email`` package's
object model and generator: about half a millisecond per message, most of a broadcast's CPU
once the database work is batched. A broadcast email is nearly always the same shape — a text
body, maybe an HTML alternative, ASCII header values, plain recipient addresses, lines under
the SMTP limit — and for that shape ``render`` writes the same MIME (same headers in the same
order, same part headers, 7bit/8bit UTF-8 bodies, CRLF line ends) with string joins.

For anything else it returns ``None`` and the caller takes Django's path, so unusual input
(a newline in a header, a line over 998 bytes that needs quoted-printable, an address with a
display name or non-ASCII characters, attachments) behaves exactly as Django makes it behave.
"""

from __future__ import annotations

import random
import re
from email.header import Header

LINE_LIMIT = 998  # RFC 5322 §2.1.1, in bytes without CRLF
FOLD_AT = 78
# a dot-atom addr-spec of plain ASCII: what Django's sanitize_address leaves as it is
SIMPLE_ADDRESS = re.compile(
    r"[A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+\Z"
)
_HEADER_NAME = re.compile(r"[!-9;-~]+\Z")
# headers render sets itself (an extra header of these names takes Django's path)
_OWN = frozenset(
    {"content-type", "mime-version", "content-transfer-encoding", "subject", "from", "to", "cc",
     "bcc", "reply-to", "date"}
)  # fmt: skip
_random = random.SystemRandom()


def fold(name: str, value: str) -> str:
    """``name: value`` folded at spaces to lines of at most 78 characters where the words
    allow (unfolding gives the value back exactly)."""
    line = f"{name}: {value}"
    if len(line) <= FOLD_AT:
        return line
    words = value.split(" ")
    lines, current = [], f"{name}: {words[0]}"
    for word in words[1:]:
        if word and len(current) + 1 + len(word) > FOLD_AT and current.strip():
            lines.append(current)
            current = " " + word
        else:
            current += " " + word
    lines.append(current)
    return "\r\n".join(lines)


def header(name: str, value: str) -> str | None:
    """One header line (folded), RFC 2047-encoded if the value is not ASCII; ``None`` for a
    value with a line break (Django raises BadHeaderError for it)."""
    if "\n" in value or "\r" in value:
        return None
    if value.isascii():
        return fold(name, value)
    encoded = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    return f"{name}: {encoded}"


def _body(text: str) -> tuple[bytes, str] | None:
    """The body with CRLF line ends and its transfer encoding; ``None`` if a line is too long
    for 7bit/8bit (Django then uses quoted-printable)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    data = text.encode("utf-8", "surrogateescape")
    if len(data) > LINE_LIMIT and any(len(line) > LINE_LIMIT for line in data.split(b"\n")):
        return None
    return data.replace(b"\n", b"\r\n"), ("7bit" if data.isascii() else "8bit")


def _part_headers(subtype: str, cte: str) -> bytes:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
        f"Content-Transfer-Encoding: {cte}\r\n"
    ).encode()


def boundary(*texts: str) -> str:
    """A boundary as the ``email`` package makes them, found in none of ``texts``."""
    while True:
        b = "=" * 15 + f"{_random.randrange(10**19):019d}" + "=="
        if not any(b in t for t in texts):
            return b


def render(
    *,
    from_header: str,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    headers: dict[str, str],
    date: str,
) -> bytes | None:
    """The message as Django would send it (``as_bytes(linesep="\\r\\n")``), or ``None`` when
    it is not the common shape. ``from_header`` is the From value as Django writes it (see
    ``SmtpProvider``); ``headers`` are the extra headers, in order, after ``Date``."""
    if not SIMPLE_ADDRESS.match(to):
        return None
    lines = []
    for name, value in (("Subject", subject), ("From", from_header), ("To", to), ("Date", date)):
        line = header(name, value)
        if line is None:
            return None
        lines.append(line)
    for name, value in headers.items():
        if not _HEADER_NAME.match(name) or name.lower() in _OWN:
            return None
        line = header(name, value)
        if line is None:
            return None
        lines.append(line)
    top = "\r\n".join(lines).encode() + b"\r\n"
    body = _body(text)
    if body is None:
        return None
    if not html:
        return _part_headers("plain", body[1]) + top + b"\r\n" + body[0]
    alternative = _body(html)
    if alternative is None:
        return None
    b = boundary(text, html)
    sep = f"--{b}\r\n".encode()
    parts = [
        f'Content-Type: multipart/alternative;\r\n boundary="{b}"\r\n'
        "MIME-Version: 1.0\r\n".encode(),
        top,
        b"\r\n",
    ]
    if text:  # as Django: an empty text body is left out, not sent as an empty part
        parts += [sep, _part_headers("plain", body[1]), b"\r\n", body[0], b"\r\n"]
    parts += [sep, _part_headers("html", alternative[1]), b"\r\n", alternative[0]]
    parts.append(f"\r\n--{b}--\r\n".encode())
    return b"".join(parts)
