"""House numbers in walking order.

Real house numbers are not numbers: "12/1" (plot 12, first subdivision — common in Indian
rolls), "12A", "14-16", "Flat 3, 14" (flat 3 of building 14), "No. 7", "১২" (Bengali digits),
or nothing at all. A string sort puts "10" before "9"; a numeric sort fails on "12A". The key
here compares the *building* number first (the number a canvasser sees on the street), then
whatever follows it, then the flat/unit, each part compared "naturally" (digit runs as
numbers, the rest case-insensitively), so:

    1 < 2 < 9 < 10 < 12 < 12/1 < 12/2 < 12/10 < 12A < 12B < 14 < Flat 3, 14 < Flat 10, 14

Sides of the street: odd and even building numbers are walked separately (one side up, the
other back), so ``side()`` tells which; a house without a number has no side and goes last.
"""

from __future__ import annotations

import re

# A run of digits (any script: int("১২") == 12), or a run of letters; punctuation separates.
_TOKEN = re.compile(r"\d+|[^\W\d_]+")
_BUILDING_PREFIX = re.compile(
    r"^\s*(?:no\.?|nr\.?|#|house|h\.?\s*no\.?|plot|bldg\.?|building)\s*", re.IGNORECASE
)

ODD, EVEN, NONE = "odd", "even", ""
_SIDE_RANK = {ODD: 0, EVEN: 1, NONE: 2}

NaturalKey = tuple[tuple[int, int, str], ...]


def natural_key(text: str | None) -> NaturalKey:
    """Digit runs compare as numbers, letter runs case-insensitively, numbers before letters."""
    out = []
    for token in _TOKEN.findall(text or ""):
        if token.isdigit():
            out.append((0, int(token), ""))
        else:
            out.append((1, 0, token.casefold()))
    return tuple(out)


def split(house_number: str | None) -> tuple[int | None, str, str]:
    """``(building number, what follows it, unit)``.

    "12/1" → (12, "/1", ""); "12A" → (12, "A", ""); "Flat 3, 14" → (14, "", "Flat 3");
    "No. 7" → (7, "", ""); "Gandhi Bhavan" → (None, "Gandhi Bhavan", "").
    With commas, the building is the last part that starts with a number ("Flat 3, 14",
    "Room 2, 5/1"); otherwise the first part that has one ("14, Rose Villa").
    """
    text = (house_number or "").strip()
    parts = [p.strip() for p in text.split(",") if p.strip()] or [""]
    building_at = None
    for i in range(len(parts) - 1, -1, -1):
        if re.match(r"\d", _BUILDING_PREFIX.sub("", parts[i])):
            building_at = i
            break
    if building_at is None:
        building_at = next((i for i, p in enumerate(parts) if re.search(r"\d", p)), 0)
    building = _BUILDING_PREFIX.sub("", parts[building_at])
    unit = ", ".join(p for i, p in enumerate(parts) if i != building_at)
    match = re.search(r"\d+", building)
    if match is None:
        return None, building, unit
    return int(match.group()), building[match.end() :].strip(), unit


def side(house_number: str | None) -> str:
    number = split(house_number)[0]
    if number is None:
        return NONE
    return ODD if number % 2 else EVEN


def sort_key(house_number: str | None) -> tuple:
    """The walking order within one street: odd side, then even side, then no number; on each
    side by building number, then its suffix ("/1", "A"), then the flat, then the raw text."""
    number, rest, unit = split(house_number)
    s = NONE if number is None else (ODD if number % 2 else EVEN)
    return (
        _SIDE_RANK[s],
        not (house_number or "").strip(),  # a blank house number last of all
        number if number is not None else 0,
        natural_key(rest),
        natural_key(unit),
        (house_number or "").casefold(),
    )
