"""Label sheets: where each label sits on the page (millimetres, from the sheet makers' specs)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

INCH = 25.4


@dataclass(frozen=True)
class Sheet:
    code: str
    label: object
    paper: str  # pdf.PAPERS key
    columns: int
    rows: int
    width: float  # one label
    height: float
    left: float  # page edge to the first label
    top: float
    pitch_x: float  # left edge to the next label's left edge
    pitch_y: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def position(self, index: int) -> tuple[float, float]:
        """Top-left corner of the ``index``-th label of a page (row by row)."""
        row, col = divmod(index % self.per_page, self.columns)
        return self.left + col * self.pitch_x, self.top + row * self.pitch_y


SHEETS = {
    # Avery L7160 (and compatibles, e.g. J8160): A4, 21 labels of 63.5 × 38.1 mm.
    "L7160": Sheet(
        "L7160",
        _("Avery L7160 — A4, 3 × 7"),
        "a4",
        columns=3,
        rows=7,
        width=63.5,
        height=38.1,
        left=7.25,
        top=15.15,
        pitch_x=66.04,
        pitch_y=38.1,
    ),
    # Avery 5160 (and 8160, 5260…): US Letter, 30 labels of 2⅝ × 1 in.
    "5160": Sheet(
        "5160",
        _("Avery 5160 — US Letter, 3 × 10"),
        "letter",
        columns=3,
        rows=10,
        width=2.625 * INCH,
        height=1.0 * INCH,
        left=0.1875 * INCH,
        top=0.5 * INCH,
        pitch_x=2.75 * INCH,
        pitch_y=1.0 * INCH,
    ),
}
DEFAULT_SHEET = "L7160"
