"""The support score's scale, in words: 1 strong support … 5 strong oppose (the field's ID scale).

One place names the five points, so a badge, a filter and a legend say the same thing.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SCALE = {
    1: _("Strong support"),
    2: _("Leaning support"),
    3: _("Undecided"),
    4: _("Leaning oppose"),
    5: _("Strong oppose"),
}


def label(score: int | None) -> str:
    """The words for a score (``""`` for none or a value off the scale)."""
    try:
        return str(SCALE.get(int(score), "")) if score is not None else ""
    except (TypeError, ValueError):
        return ""
