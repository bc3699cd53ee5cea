"""The printed page: fonts, header and footer, tables of fixed rows, tick boxes.

fpdf2 with HarfBuzz text shaping (``uharfbuzz``) and the Noto fonts shipped in
``grassroots/lists/fonts/`` (OFL, see OFL.txt): Latin text in Noto Sans, and fpdf2's per-glyph
font fallback switches to Noto Sans Bengali / Devanagari for those scripts, so a name like
"অনন্যা দাস" or "राहुल शर्मा" is shaped (conjuncts, vowel signs) and embedded (subset) on any
machine, with no system font involved.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from fpdf import FPDF

# fontTools logs every table of every font it subsets at INFO (hundreds of lines a PDF) and
# the project's root logger is at INFO: keep its warnings only.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FAMILIES = {
    "noto": "NotoSans",
    "bengali": "NotoSansBengali",
    "devanagari": "NotoSansDevanagari",
}
FALLBACKS = ["bengali", "devanagari"]
PAPERS = {"a4": "A4", "letter": "Letter"}
GREY = (235, 235, 235)
MID = (120, 120, 120)
INK = (20, 20, 20)


def visible_length(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(1 for c in text if unicodedata.category(c) != "Mn")


def needs_shaping(text: str) -> bool:
    """Anything beyond Latin, Greek and Cyrillic (Indic scripts, Arabic…) is shaped."""
    return any(ord(c) >= 0x0590 for c in text) if not text.isascii() else False


@dataclass
class Column:
    label: str
    width: float  # mm; the last column of a table takes what is left when 0
    align: str = "L"
    boxes: bool = False  # a tick box in each row


class Document(FPDF):
    """A4 or Letter page with a title block, a running table heading and a footer with
    "Page n of N" and a personal-data warning."""

    def __init__(
        self,
        *,
        title: str,
        facts: Sequence[str] = (),
        paper: str = "a4",
        orientation: str = "P",
        legend: str = "",
        printed_by: str = "",
        printed_on: str = "",
    ):
        super().__init__(orientation=orientation, unit="mm", format=PAPERS.get(paper, "A4"))
        for family, stem in FAMILIES.items():
            self.add_font(family, "", FONT_DIR / f"{stem}-Regular.ttf")
            self.add_font(family, "B", FONT_DIR / f"{stem}-Bold.ttf")
        self.set_fallback_fonts(FALLBACKS)
        self.set_text_shaping(True)
        self._shaping = self.text_shaping
        self._fallbacks = self._fallback_font_ids
        self.set_margins(10, 10, 10)
        self.set_auto_page_break(False)  # the renderers break pages themselves, row by row
        self.set_title(title)
        self.set_creator("Grassroots")
        self.set_author(printed_by)
        self.doc_title = title
        self.facts = list(facts)
        self.subtitle = ""
        self._legend_lines: list[str] | None = None
        self.legend = legend
        self.printed_by = printed_by
        self.printed_on = printed_on
        self.on_new_page: Callable[[], None] | None = None
        self.show_header = True
        self.show_footer = True
        self.set_font("noto", size=9)
        self.set_text_color(*INK)
        self.set_draw_color(*MID)
        self.set_line_width(0.2)

    # --- page furniture ------------------------------------------------------------------------

    @property
    def bottom(self) -> float:
        """The lowest y a row may reach (above the footer)."""
        return self.h - 16

    @property
    def usable_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def header(self):
        if not self.show_header:
            return
        self.set_xy(self.l_margin, 8)
        self.set_font("noto", "B", 13)
        right = self.printed_on
        self.text_cell(self.usable_width - 50, 7, self.doc_title)
        self.set_font("noto", "", 9)
        self.cell(50, 7, right, align="R", new_x="LMARGIN", new_y="NEXT")
        if self.subtitle:
            self.set_font("noto", "", 9)
            self.text_cell(self.usable_width, 5, self.subtitle)
            self.ln(5)
        if self.facts:
            self.set_font("noto", "", 9)
            text = "   ·   ".join(f for f in self.facts if f)
            self.text_cell(self.usable_width, 5, text)
            self.ln(5)
        if self.legend:
            self.set_font("noto", "", 7)
            self.set_text_color(*MID)
            if self._legend_lines is None:
                self._legend_lines = self.multi_cell(
                    self.usable_width, 3.4, self.legend, dry_run=True, output="LINES"
                )
            for line in self._legend_lines:
                self.text_cell(self.usable_width, 3.4, line)
                self.ln(3.4)
            self.set_text_color(*INK)
        self.ln(1.5)
        if self.on_new_page is not None:
            self.on_new_page()

    def footer(self):
        if not self.show_footer:
            return
        self.set_y(-12)
        self.set_font("noto", "", 7)
        self.set_text_color(*MID)
        note = _("Contains personal data: keep it safe, hand it back or shred it after use.")
        if self.printed_by:
            note = _("Printed by %(user)s. ") % {"user": self.printed_by} + note
        self.text_cell(self.usable_width - 30, 5, note)
        self.text_shaping = None
        self.cell(
            30,
            5,
            _("Page %(n)s of %(total)s") % {"n": self.page_no(), "total": "{nb}"},
            align="R",
        )
        self.text_shaping = self._shaping
        self.set_text_color(*INK)

    # --- text ------------------------------------------------------------------------------------

    def fit(self, text: str, width: float) -> str:
        """``text`` cut with "…" to fit ``width`` mm in the current font."""
        text = text or ""
        room = width - 2 * self.c_margin
        # A cheap upper bound first (measuring shaped text costs as much as drawing it): no
        # glyph of these fonts is wider than 0.75 em, and non-spacing marks (Bengali and
        # Devanagari vowel signs, viramas) add no width.
        if visible_length(text) * self.font_size * 0.75 <= room:
            return text
        if self.get_string_width(text) <= room:
            return text
        lo, hi = 0, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.get_string_width(text[:mid].rstrip() + "…") <= room:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo].rstrip() + "…"

    # --- tables ----------------------------------------------------------------------------------

    def widths(self, columns: Sequence[Column]) -> list[float]:
        fixed = sum(c.width for c in columns)
        return [c.width or max(self.usable_width - fixed, 10) for c in columns]

    def table_heading(self, columns: Sequence[Column], height: float = 6) -> None:
        self.set_font("noto", "B", 7.5)
        self.set_fill_color(*GREY)
        margin = self.c_margin
        for col, w in zip(columns, self.widths(columns), strict=True):
            if col.boxes:  # short codes ("NH", "1") in narrow columns: no side padding
                self.c_margin = 0
                self.set_font("noto", "B", 6.5)
                self.cell(w, height, col.label, border=1, align="C", fill=True)
                self.c_margin = margin
                self.set_font("noto", "B", 7.5)
            else:
                self.cell(w, height, self.fit(col.label, w), border=1, align=col.align, fill=True)
        self.ln(height)

    def table_row(
        self,
        columns: Sequence[Column],
        values: Sequence[str | tuple[str, str]],
        *,
        height: float = 6,
        bold_first: bool = False,
        top_rule: bool = False,
        size: float = 8,
    ) -> None:
        """One row: text where there is some, a tick box in box columns, then the rules (drawn
        as lines, not as cell borders: an empty cell costs nothing)."""
        x0, y0 = self.get_x(), self.get_y()
        x = x0
        widths = self.widths(columns)
        for i, (col, w, value) in enumerate(zip(columns, widths, values, strict=True)):
            if col.boxes:
                self.tick_box(x + w / 2, y0 + height / 2)
            elif isinstance(value, tuple) and value[1]:  # a name and its native-script form
                self.set_font("noto", "", size)
                self.set_xy(x, y0 + 0.3)
                self.text_cell(w, height / 2, value[0], col.align)
                self.set_font("noto", "", size - 0.5)
                self.set_xy(x, y0 + height / 2 - 0.3)
                self.text_cell(w, height / 2, value[1], col.align)
            else:
                text = value[0] if isinstance(value, tuple) else value
                if text:
                    self.set_font("noto", "B" if bold_first and i == 0 else "", size)
                    self.set_xy(x, y0)
                    self.text_cell(w, height, text, col.align)
            x += w
        self.set_draw_color(*MID)
        edge = x0
        self.line(edge, y0, edge, y0 + height)
        for w in widths:
            edge += w
            self.line(edge, y0, edge, y0 + height)
        self.line(x0, y0 + height, edge, y0 + height)
        if top_rule:
            self.set_line_width(0.5)
            self.line(x0, y0, edge, y0)
            self.set_line_width(0.2)
        self.set_xy(x0, y0 + height)

    def text_cell(self, w: float, h: float, text: str, align: str = "L") -> None:
        """A cell of text, fitted to ``w``; HarfBuzz shaping only where a script needs it
        (shaping every Latin name too triples the time of a long list)."""
        if text.isascii():  # no shaping, and no glyph-by-glyph look for a fallback font
            self.text_shaping, self._fallback_font_ids = None, ()
        elif not needs_shaping(text):
            self.text_shaping = None
        self.cell(w, h, self.fit(text, w), align=align)
        self.text_shaping, self._fallback_font_ids = self._shaping, self._fallbacks

    def tick_box(self, cx: float, cy: float, size: float = 3.2) -> None:
        self.rect(cx - size / 2, cy - size / 2, size, size)

    def band(self, text: str, height: float = 6, size: float = 9) -> None:
        """A full-width shaded row: a street, a part."""
        self.set_font("noto", "B", size)
        self.set_fill_color(*GREY)
        self.rect(self.l_margin, self.get_y(), self.usable_width, height, style="DF")
        self.text_cell(self.usable_width, height, text)
        self.ln(height)
