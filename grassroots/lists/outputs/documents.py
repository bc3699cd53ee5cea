"""The printable documents, each from the plain rows of ``outputs.rows``; each returns PDF bytes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grassroots.lists.outputs import rows
from grassroots.lists.outputs.labels import Sheet
from grassroots.lists.outputs.pdf import MID, Column, Document

SUPPORT_CODES = ["1", "2", "3", "4", "5"]


def _support_legend() -> str:
    return _("1 strong support · 2 lean support · 3 undecided · 4 lean oppose · 5 strong oppose")


def _walk_codes() -> list[tuple[str, str]]:
    return [("NH", _("not home")), ("MV", _("moved")), ("RF", _("refused"))]


def _call_codes() -> list[tuple[str, str]]:
    return [
        ("NA", _("no answer")),
        ("BZ", _("busy")),
        ("VM", _("voicemail")),
        ("WN", _("wrong number")),
        ("RF", _("refused")),
        ("CB", _("call back")),
    ]


def _legend(codes: list[tuple[str, str]], extra: str = "") -> str:
    text = " · ".join(f"{c} {label}" for c, label in codes) + " · " + _support_legend()
    return f"{text} · {extra}" if extra else text


@dataclass
class Meta:
    """What every document's header says besides its rows."""

    title: str
    printed_by: str = ""
    printed_on: str = ""
    paper: str = "a4"


def _score(value) -> str:
    return "" if value is None else str(value)


def _people(n: int) -> str:
    return ngettext("%(n)s person", "%(n)s people", n) % {"n": f"{n:,}"}


def _doors(n: int) -> str:
    return ngettext("%(n)s door", "%(n)s doors", n) % {"n": f"{n:,}"}


# --- walk list ------------------------------------------------------------------------------------

WALK_ROW = 6.2
KEEP_TOGETHER = 8  # a door of up to this many people is not split across pages


def walk_pdf(walk: rows.WalkList, meta: Meta) -> bytes:
    codes = _walk_codes()
    columns = [
        Column(_("House"), 16),
        Column(_("Name"), 42),
        Column(_("Name (script)"), 34),
        Column(_("Age"), 8, "C"),
        Column(_("Sex"), 7, "C"),
        Column(_("Sup."), 8, "C"),
        Column(_("Ph."), 7, "C"),
        *[Column(code, 5.6, boxes=True) for code, _label in codes],
        *[Column(code, 5.6, boxes=True) for code in SUPPORT_CODES],
        Column(_("Notes"), 0),
    ]
    doc = Document(
        title=_("Walk list: %(name)s") % {"name": meta.title},
        facts=[_doors(walk.doors), _people(walk.people), meta.printed_on],
        legend=_legend(
            codes,
            _("Sup. support score on file · Ph. phone on file: M mobile, L landline, P other"),
        ),
        paper=meta.paper,
        printed_by=meta.printed_by,
        printed_on="",
    )
    current: dict = {"side": None}

    def on_new_page():
        doc.table_heading(columns)
        if current["side"] is not None:
            doc.band(current["side"].label + " " + _("(continued)"), height=5.5, size=8.5)

    doc.on_new_page = on_new_page
    doc.add_page()
    if not walk.doors:
        doc.set_font("noto", "", 10)
        doc.cell(0, 10, _("Nobody to visit: the segment or list has no one here."))
    for side in walk.sides:
        current["side"] = None
        if doc.get_y() + 6 + 2 * WALK_ROW > doc.bottom:
            doc.add_page()
        doc.band(f"{side.label}   ·   {_doors(len(side.doors))}")
        current["side"] = side
        for door in side.doors:
            need = WALK_ROW * len(door.people)
            if doc.get_y() + need > doc.bottom and len(door.people) <= KEEP_TOGETHER:
                doc.add_page()
            for i, p in enumerate(door.people):
                if doc.get_y() + WALK_ROW > doc.bottom:
                    doc.add_page()
                doc.table_row(
                    columns,
                    [
                        door.house_number if i == 0 else "",
                        p["name"],
                        p["native_name"],
                        _score(p["age"]),
                        rows.gender_short(p["gender"]),
                        _score(p["support"]),
                        rows.phone_short(p["phone"]),
                        *[""] * (len(codes) + len(SUPPORT_CODES)),
                        "",
                    ],
                    height=WALK_ROW,
                    bold_first=True,
                    top_rule=i == 0,
                )
    return bytes(doc.output())


# --- call list ------------------------------------------------------------------------------------

CALL_ROW = 7


def call_pdf(calls: list[rows.Call], meta: Meta) -> bytes:
    codes = _call_codes()
    columns = [
        Column(_("Name"), 52),
        Column(_("Name (script)"), 40),
        Column(_("Phone"), 36),
        Column(_("Type"), 9, "C"),
        Column(_("Age"), 8, "C"),
        Column(_("Sex"), 7, "C"),
        Column(_("Sup."), 8, "C"),
        *[Column(code, 6, boxes=True) for code, _label in codes],
        *[Column(code, 6, boxes=True) for code in SUPPORT_CODES],
        Column(_("Notes"), 0),
    ]
    doc = Document(
        title=_("Call list: %(name)s") % {"name": meta.title},
        facts=[_people(len(calls)), meta.printed_on],
        legend=_legend(codes, _("Type: M mobile, L landline, P other")),
        paper=meta.paper,
        orientation="L",
        printed_by=meta.printed_by,
    )
    doc.on_new_page = lambda: doc.table_heading(columns)
    doc.add_page()
    if not calls:
        doc.set_font("noto", "", 10)
        doc.cell(0, 10, _("Nobody to call: no one here has a usable phone and may be called."))
    for call in calls:
        if doc.get_y() + CALL_ROW > doc.bottom:
            doc.add_page()
        p = call.person
        doc.table_row(
            columns,
            [
                p["name"],
                p["native_name"],
                rows.format_phone(call.phone.value),
                rows.phone_short(call.phone.phone_kind),
                _score(p["age"]),
                rows.gender_short(p["gender"]),
                _score(p["support_score"]),
                *[""] * (len(codes) + len(SUPPORT_CODES)),
                "",
            ],
            height=CALL_ROW,
            size=8.5,
        )
    return bytes(doc.output())


# --- mailing labels -------------------------------------------------------------------------------

LABEL_PAD_X = 4.0


def labels_pdf(
    mailings: list[rows.Mailing], sheet: Sheet, meta: Meta, *, outlines: bool = False
) -> bytes:
    """One label per household on the sheet's grid; nothing else on the page (no header, no
    footer) so the text lands inside the labels. ``outlines``: draw each label's edge in light
    grey, for a test print on plain paper held against a sheet."""
    doc = Document(title=meta.title, paper=sheet.paper, printed_by=meta.printed_by)
    doc.show_header = doc.show_footer = False
    doc.set_margins(0, 0, 0)
    doc.c_margin = 0
    width = sheet.width - 2 * LABEL_PAD_X
    for i, m in enumerate(mailings):
        if i % sheet.per_page == 0:
            doc.add_page()
        x, y = sheet.position(i)
        if outlines:
            doc.set_draw_color(190, 190, 190)
            doc.rect(x, y, sheet.width, sheet.height)
        lines = [(m.addressee, "B")] + [(line, "") for line in m.lines]
        size = 10.0 if sheet.height > 30 else 8.5
        line_h = size * 0.46
        lines = lines[: int((sheet.height - 3) // line_h)]
        top = y + (sheet.height - line_h * len(lines)) / 2
        for j, (text, style) in enumerate(lines):
            doc.set_font("noto", style, size)
            doc.set_xy(x + LABEL_PAD_X, top + j * line_h)
            doc.cell(width, line_h, doc.fit(text, width))
    if not mailings:
        doc.add_page()
    return bytes(doc.output())


# --- booth page list and slips ------------------------------------------------------------------

PAGE_ROWS = 30  # one printed page of the roll per page in-charge (panna pramukh)


def _relative(p: dict) -> str:
    if not p["relative_name"]:
        return ""
    relation = rows.relation_label(p["relation_type"])
    return f"{relation}: {p['relative_name']}" if relation else p["relative_name"]


def _station_lines(part: rows.Part) -> list[str]:
    if part.station is None:
        return []
    return [s for s in (part.station.name, part.station.address) if s]


def page_list_pdf(parts: list[rows.Part], meta: Meta) -> bytes:
    columns = [
        Column(_("Sl."), 10, "R"),
        Column(_("EPIC"), 24),
        Column(_("Name"), 48),
        Column(_("Relative"), 42),
        Column(_("House"), 15),
        Column(_("Age"), 8, "C"),
        Column(_("Sex"), 7, "C"),
        Column(_("Sup."), 8, "C"),
        Column(_("Voted"), 10, boxes=True),
        Column(_("Remarks"), 0),
    ]
    doc = Document(
        title=meta.title,
        paper=meta.paper,
        printed_by=meta.printed_by,
        legend=_support_legend(),
    )
    doc.on_new_page = lambda: doc.table_heading(columns)
    if not parts:
        doc.add_page()
        doc.set_font("noto", "", 10)
        doc.cell(0, 10, _("Nobody in this part, or no one you may see."))
    for part in parts:
        pages = max(1, -(-len(part.voters) // PAGE_ROWS))
        for page_no, voters in enumerate(rows.chunks(part.voters, PAGE_ROWS), start=1):
            doc.doc_title = f"{meta.title} — {part.label}"
            doc.subtitle = " — ".join(_station_lines(part))
            doc.facts = [
                _("Page %(n)s of %(total)s of this part") % {"n": page_no, "total": pages},
                _people(len(part.voters)),
                meta.printed_on,
            ]
            doc.add_page()
            height = min(8.0, (doc.bottom - doc.get_y()) / PAGE_ROWS)
            for p in voters:
                doc.table_row(
                    columns,
                    [
                        _score(p["serial_number"]),
                        p["epic"] or "",
                        (p["name"], p["native_name"]),
                        _relative(p),
                        p["house_number"] or "",
                        _score(p["age"]),
                        rows.gender_short(p["gender"]),
                        _score(p["support_score"]),
                        "",
                        "",
                    ],
                    height=height,
                    size=8,
                )
    return bytes(doc.output())


SLIP_COLS, SLIP_ROWS = 2, 5


def poll_line(part: rows.Part) -> str:
    """ "Poll: 29 Apr 2026, 07:00–18:00" for the part's election ("" when none is known)."""
    e = part.election
    if e is None:
        return ""
    return _("Poll: %(date)s, %(open)s–%(close)s") % {
        "date": formats.date_format(e.date, "DATE_FORMAT"),
        "open": f"{e.polls_open:%H:%M}",
        "close": f"{e.polls_close:%H:%M}",
    }


def slips_pdf(
    parts: list[rows.Part], meta: Meta, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """Voter slips, ten to an A4 page, with dashed cut lines: the voter's serial number and
    part, name in both scripts, EPIC, relative, the poll's date and hours, and where to vote.
    ``progress(done, total)`` is called every page (a background job shows it)."""
    doc = Document(title=meta.title, paper=meta.paper, printed_by=meta.printed_by)
    doc.show_header = False
    doc.c_margin = 0
    slip_w = doc.usable_width / SLIP_COLS
    slip_h = (doc.bottom - 10) / SLIP_ROWS
    pad = 4
    voters = [(part, p) for part in parts for p in part.voters]
    if not voters:
        doc.add_page()
    polls = {id(part): poll_line(part) for part in parts}
    for i, (part, p) in enumerate(voters):
        if i % (SLIP_COLS * SLIP_ROWS) == 0:
            if progress is not None:
                progress(i, len(voters))
            doc.add_page()
            doc.set_dash_pattern(dash=1.5, gap=1.5)
            doc.set_draw_color(*MID)
            for c in range(SLIP_COLS + 1):
                doc.line(10 + c * slip_w, 10, 10 + c * slip_w, 10 + SLIP_ROWS * slip_h)
            for r in range(SLIP_ROWS + 1):
                doc.line(10, 10 + r * slip_h, 10 + SLIP_COLS * slip_w, 10 + r * slip_h)
            doc.set_dash_pattern()
        row, col = divmod(i % (SLIP_COLS * SLIP_ROWS), SLIP_COLS)
        x, y = 10 + col * slip_w + pad, 10 + row * slip_h + pad
        w = slip_w - 2 * pad
        # Top line: what it is, and the numbers the polling officer looks for.
        doc.set_xy(x, y)
        doc.set_font("noto", "B", 7)
        doc.set_text_color(*MID)
        doc.cell(w / 2, 4, _("VOTER SLIP"))
        doc.set_text_color(20, 20, 20)
        doc.set_font("noto", "B", 10)
        numbers = _("Part %(part)s · Sl. %(sl)s") % {
            "part": part.number or "—",
            "sl": _score(p["serial_number"]) or "—",
        }
        doc.cell(w / 2, 4, numbers, align="R")
        doc.set_xy(x, y + 5)
        doc.set_font("noto", "B", 11)
        doc.cell(w, 5.5, doc.fit(p["name"], w))
        yy = y + 11
        if p["native_name"]:
            doc.set_xy(x, y + 10.5)
            doc.set_font("noto", "", 11)
            doc.cell(w, 5.5, doc.fit(p["native_name"], w))
            yy = y + 17
        doc.set_font("noto", "", 8.5)
        details = [
            _("EPIC: %(epic)s") % {"epic": p["epic"] or "—"},
            _relative(p),
            " · ".join(
                s
                for s in (
                    _("Age %(age)s") % {"age": p["age"]} if p["age"] is not None else "",
                    rows.gender_label(p["gender"]),
                    _("House %(h)s") % {"h": p["house_number"]} if p["house_number"] else "",
                )
                if s
            ),
        ]
        for line in details:
            if line:
                doc.set_xy(x, yy)
                doc.cell(w, 4, doc.fit(line, w))
                yy += 4
        if polls[id(part)]:
            doc.set_font("noto", "B", 8)
            doc.set_xy(x, y + slip_h - 2 * pad - 12)
            doc.cell(w, 4, doc.fit(polls[id(part)], w))
        station = _station_lines(part)
        if station:
            doc.set_font("noto", "B", 8)
            doc.set_xy(x, y + slip_h - 2 * pad - 8)
            doc.cell(w, 4, doc.fit(_("Polling station: %(s)s") % {"s": station[0]}, w))
            if len(station) > 1:
                doc.set_font("noto", "", 7.5)
                doc.set_xy(x, y + slip_h - 2 * pad - 4)
                doc.cell(w, 4, doc.fit(station[1], w))
    if progress is not None:
        progress(len(voters), len(voters))
    return bytes(doc.output())
