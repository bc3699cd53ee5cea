"""The printed page: fonts, header and footer, tables of fixed rows, tick boxes.

fpdf2 with HarfBuzz text shaping (``uharfbuzz``) and the Noto fonts shipped in
``grassroots/lists/fonts/`` (OFL, see OFL.txt): Latin text in Noto Sans, and fpdf2's per-glyph
font fallback switches to Noto Sans Bengali / Devanagari for those scripts, so a name like
"অনন্যা দাস" or "राहुल शर्मा" is shaped (conjuncts, vowel signs) and embedded (subset) on any
machine, with no system font involved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from fpdf import FPDF

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
        self.set_margins(10, 10, 10)
        self.set_auto_page_break(False)  # the renderers break pages themselves, row by row
        self.set_title(title)
        self.set_creator("Grassroots")
        self.set_author(printed_by)
        self.doc_title = title
        self.facts = list(facts)
        self.subtitle = ""
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
        self.cell(self.usable_width - 50, 7, self.fit(self.doc_title, self.usable_width - 52))
        self.set_font("noto", "", 9)
        self.cell(50, 7, right, align="R", new_x="LMARGIN", new_y="NEXT")
        if self.subtitle:
            self.set_font("noto", "", 9)
            self.cell(
                0, 5, self.fit(self.subtitle, self.usable_width), new_x="LMARGIN", new_y="NEXT"
            )
        if self.facts:
            self.set_font("noto", "", 9)
            text = "   ·   ".join(f for f in self.facts if f)
            self.cell(0, 5, self.fit(text, self.usable_width), new_x="LMARGIN", new_y="NEXT")
        if self.legend:
            self.set_font("noto", "", 7)
            self.set_text_color(*MID)
            self.multi_cell(0, 3.4, self.legend, new_x="LMARGIN", new_y="NEXT")
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
        self.cell(self.usable_width - 30, 5, self.fit(note, self.usable_width - 32))
        self.cell(
            30,
            5,
            _("Page %(n)s of %(total)s") % {"n": self.page_no(), "total": "{nb}"},
            align="R",
        )
        self.set_text_color(*INK)

    # --- text ------------------------------------------------------------------------------------

    def fit(self, text: str, width: float) -> str:
        """``text`` cut with "…" to fit ``width`` mm in the current font."""
        text = text or ""
        room = width - 2 * self.c_margin
        # Cheap upper bound first: no glyph of these fonts is wider than 0.75 em.
        if len(text) * self.font_size * 0.75 <= room or self.get_string_width(text) <= room:
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
        x0, y0 = self.get_x(), self.get_y()
        for i, (col, w, value) in enumerate(
            zip(columns, self.widths(columns), values, strict=True)
        ):
            self.set_font("noto", "B" if bold_first and i == 0 else "", size)
            if col.boxes:
                self.cell(w, height, "", border="LR")
                self.tick_box(self.get_x() - w / 2, y0 + height / 2)
            elif isinstance(value, tuple) and value[1]:  # a name and its native-script form
                x = self.get_x()
                self.cell(w, height, "", border="LR")
                self.set_xy(x, y0 + 0.3)
                self.cell(w, height / 2, self.fit(value[0], w), align=col.align)
                self.set_font("noto", "", size - 0.5)
                self.set_xy(x, y0 + height / 2 - 0.3)
                self.cell(w, height / 2, self.fit(value[1], w), align=col.align)
                self.set_xy(x + w, y0)
            else:
                text = value[0] if isinstance(value, tuple) else value
                self.cell(w, height, self.fit(text, w), border="LR", align=col.align)
        self.set_draw_color(*MID)
        self.line(x0, y0 + height, self.get_x(), y0 + height)
        if top_rule:
            self.set_line_width(0.5)
            self.line(x0, y0, self.get_x(), y0)
            self.set_line_width(0.2)
        self.ln(height)

    def tick_box(self, cx: float, cy: float, size: float = 3.2) -> None:
        self.rect(cx - size / 2, cy - size / 2, size, size)

    def band(self, text: str, height: float = 6, size: float = 9) -> None:
        """A full-width shaded row: a street, a part."""
        self.set_font("noto", "B", size)
        self.set_fill_color(*GREY)
        self.cell(0, height, self.fit(text, self.usable_width), border=1, fill=True)
        self.ln(height)
