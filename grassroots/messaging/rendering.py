"""Personalised message text: a template's variant, rendered for one person.

Templates use Django's template language (``{{ first_name|default:"friend" }}``), in a
separate engine with no template loaders and no tag libraries beyond the built-ins, so a
template can neither include files nor load code. SMS/WhatsApp text is not HTML-escaped.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.utils.translation import gettext as _

_ENGINE = Engine(debug=False, loaders=[], libraries={}, autoescape=False)
_HTML_ENGINE = Engine(debug=False, loaders=[], libraries={}, autoescape=True)

# The names a template may use (shown as help in the composer).
VARIABLES = (
    "first_name",
    "family_name",
    "full_name",
    "native_name",
    "name",
    "city",
    "area",
    "language",
    "campaign",
    "unsubscribe_url",
)
SAMPLE = {
    "first_name": "Asha",
    "family_name": "Roy",
    "full_name": "Asha Roy",
    "native_name": "আশা রায়",
    "name": "Asha Roy",
    "city": "Kolkata",
    "area": "Part 12",
    "language": "bn",
    "campaign": "Grassroots",
    "unsubscribe_url": "https://example.org/u/…",
}


# The same sample person and area in the scripts of the languages we have versions in: what
# the SMS meter counts a variable as while a version is typed.
NATIVE_SAMPLES = {
    "bn": {"first_name": "আশা", "family_name": "রায়", "full_name": "আশা রায়", "area": "পার্ট ১২"},
    "hi": {"first_name": "आशा", "family_name": "राय", "full_name": "आशा राय", "area": "भाग १२"},
}


def sample_for(language: str) -> dict[str, str]:
    return {**SAMPLE, **NATIVE_SAMPLES.get(language, {})}


def compile_text(source: str, *, html: bool = False):
    try:
        return (_HTML_ENGINE if html else _ENGINE).from_string(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(_("The template has an error: %(error)s") % {"error": exc})


def check(source: str, *, html: bool = False) -> None:
    """Raise ``ValidationError`` if ``source`` does not compile or render with sample data."""
    render(compile_text(source, html=html), SAMPLE)


def render(compiled, context: dict[str, Any]) -> str:
    try:
        return compiled.render(Context(context, autoescape=compiled.engine.autoescape)).strip()
    except Exception as exc:  # a filter given a bad argument, …
        raise ValidationError(_("The template cannot be rendered: %(error)s") % {"error": exc})


def choose_variant(variants: list, language: str, default_language: str):
    """The variant in the person's language, else the template's default, else the first."""
    by_lang = {v.language: v for v in variants}
    lang = (language or "").lower()
    return (
        by_lang.get(lang)
        or by_lang.get(lang.split("-")[0])
        or by_lang.get(default_language)
        or (variants[0] if variants else None)
    )


# The GSM 03.38 basic alphabet, and the extension characters that take two places. The
# template editor's live meter (static/grassroots/sms_meter.js) uses the same two sets.
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


def sms_parts(text: str) -> dict[str, Any]:
    """How an SMS of ``text`` goes: ``encoding`` ("GSM-7", or "UCS-2" as soon as one character
    is outside GSM-7 — any Bengali or Devanagari letter), ``units`` (septets or UTF-16 units),
    ``segments`` (GSM-7: 160 in one, 153 each when split; UCS-2: 70, 67 each)."""
    if all(c in GSM7 or c in GSM7_EXTENDED for c in text):
        units = len(text) + sum(1 for c in text if c in GSM7_EXTENDED)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    count = 0 if units == 0 else 1 if units <= single else -(-units // multi)
    return {"encoding": encoding, "units": units, "segments": count, "per_segment": multi
            if count > 1 else single}  # fmt: skip


def segments(text: str) -> int:
    """How many SMS parts a text takes (GSM-7: 160/153; anything else UCS-2: 70/67)."""
    return max(sms_parts(text)["segments"], 1)


# --- names in the message's script ---------------------------------------------------------------

# The script each language is written in (ISO 15924), and that script's Unicode block.
LANGUAGE_SCRIPT = {
    "bn": "Beng", "as": "Beng", "hi": "Deva", "mr": "Deva", "ne": "Deva", "gu": "Gujr",
    "pa": "Guru", "or": "Orya", "ta": "Taml", "te": "Telu", "kn": "Knda", "ml": "Mlym",
    "ur": "Arab",
}  # fmt: skip
SCRIPT_BLOCK = {
    "Deva": (0x0900, 0x097F), "Beng": (0x0980, 0x09FF), "Guru": (0x0A00, 0x0A7F),
    "Gujr": (0x0A80, 0x0AFF), "Orya": (0x0B00, 0x0B7F), "Taml": (0x0B80, 0x0BFF),
    "Telu": (0x0C00, 0x0C7F), "Knda": (0x0C80, 0x0CFF), "Mlym": (0x0D00, 0x0D7F),
    "Arab": (0x0600, 0x06FF),
}  # fmt: skip


def written_in(text: str, language: str) -> bool:
    """Whether ``text`` is in the script of ``language`` (most of its letters in that block):
    a Bengali name for a Bengali message, not for a Hindi one."""
    script = LANGUAGE_SCRIPT.get((language or "").lower().split("-")[0])
    if not script or not text:
        return False
    lo, hi = SCRIPT_BLOCK[script]
    letters = [c for c in text if c.isalpha() or lo <= ord(c) <= hi]
    inside = sum(1 for c in letters if lo <= ord(c) <= hi)
    return bool(letters) and inside * 2 > len(letters)


def native_name_parts(native_name: str, given_name: str, family_name: str) -> tuple[str, str]:
    """The given and family name inside a name in native script (stored whole, as rolls print
    it: "তৃষা সেন"): as many leading words as the Latin given name has, and as many trailing
    words as the Latin family name has (a one-word native name is the given name)."""
    words = (native_name or "").split()
    if not words:
        return "", ""
    n_given = max(len((given_name or "").split()), 1)
    n_family = len((family_name or "").split())
    if len(words) <= n_given:
        return " ".join(words), ""
    given = " ".join(words[:n_given])
    family = " ".join(words[-n_family:] if n_family else words[n_given:])
    return given, family
