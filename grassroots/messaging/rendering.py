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


def segments(text: str) -> int:
    """How many SMS parts a text takes (GSM-7: 160/153; anything else UCS-2: 70/67)."""
    gsm = set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
    )
    if all(c in gsm for c in text):
        n = len(text) + sum(1 for c in text if c in "^{}\\[~]|€")
        return 1 if n <= 160 else -(-n // 153)
    n = len(text.encode("utf-16-le")) // 2
    return 1 if n <= 70 else -(-n // 67)
