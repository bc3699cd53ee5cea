"""Names that campaigns type themselves (kinds of area, custom-field labels) in several languages.

A row keeps its name as entered plus a ``{language code: name}`` map; screens show the name in
the language of the request, else the name as entered. (Strings the code itself shows go
through gettext and the catalogues in ``grassroots/locale``.)
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import get_language


def localized(
    default: str, translations: Mapping[str, str] | None, language: str | None = None
) -> str:
    """``translations`` for the active language ("bn", or "bn" for "bn-in"), else ``default``."""
    if not translations:
        return default
    code = (language or get_language() or "").lower()
    for key in (code, code.split("-")[0]):
        text = translations.get(key)
        if isinstance(text, str) and text.strip():
            return text
    return default
