"""Personalised message text: a template's variant, rendered for one person.

Templates use Django's template language (``{{ first_name|default:"friend" }}``), in a
separate engine with no template loaders and only the built-in tags and filters a message
needs, so a template can neither include files nor load code. SMS/WhatsApp text is not
HTML-escaped.

Rendering is bounded (issue 14 §3): the text a message may become has a ceiling per channel and
part (``limit_for``); padding filters may not pad past ``MAX_WIDTH``; every piece of output a
render produces — inside loops too — is counted against a budget of a few times that ceiling,
and loops against ``MAX_ITERATIONS``, so a hostile template stops with a clear message before
it has built more than a few megabytes, never 200 MB.
"""

from __future__ import annotations

import functools
import re
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Library, TemplateSyntaxError
from django.template.defaulttags import ForNode
from django.utils.translation import gettext as _

# The longest text a message may be rendered to, per channel (characters); generous next to
# what each carries. SMS: providers refuse a body over 1,600 (Twilio's limit; 10 GSM-7 parts).
# WhatsApp: a text message's body is at most 4,096. Email, each of text and HTML: 1 MB (Gmail
# clips a message past 102 KB). The subject: its stored length.
MAX_CHARS = {"sms": 1600, "whatsapp": 4096, "email": 1024 * 1024}
DEFAULT_MAX_CHARS = 64 * 1024  # any other channel
MAX_SUBJECT = 200
MAX_WIDTH = 1000  # ljust, rjust, center, stringformat
MAX_ITERATIONS = 10_000  # {% for %} steps in one render, nested loops included
WORK_FACTOR = 4  # output produced along the way (discarded branches, filters) per character
# The tags a message may use: no include/extends (files), load, url, csrf_token, debug (it prints
# the context and every loaded module), lorem (any amount of text) or querystring.
ALLOWED_TAGS = frozenset(
    {"autoescape", "comment", "cycle", "filter", "firstof", "for", "if", "ifchanged", "now",
     "regroup", "resetcycle", "spaceless", "templatetag", "verbatim", "widthratio", "with"}
)  # fmt: skip
# floatformat turns "1e99999999" into a hundred million digits.
REFUSED_FILTERS = {"floatformat"}


def limit_for(channel: str, part: str = "body") -> int:
    """The longest a ``part`` ("subject", "body", "html") of a ``channel`` message may be."""
    if part == "subject":
        return MAX_SUBJECT
    return MAX_CHARS.get(channel, DEFAULT_MAX_CHARS)


class RenderLimit(Exception):
    """A render went past a limit; ``.args[0]`` says which, for a person."""


class _Budget:
    def __init__(self, limit: int):
        self.limit = limit
        self.chars = WORK_FACTOR * limit
        self.steps = MAX_ITERATIONS

    def spend(self, chars: int) -> None:
        self.chars -= chars
        if self.chars < 0:
            raise RenderLimit(_too_long(self.limit))

    def step(self, n: int) -> None:
        self.steps -= n
        if self.steps < 0:
            raise RenderLimit(
                _("The template repeats too much: more than %(limit)s loop steps.")
                % {"limit": f"{MAX_ITERATIONS:,}"}
            )


_BUDGET: ContextVar[_Budget | None] = ContextVar("message_render_budget", default=None)


def _too_long(limit: int) -> str:
    return _("The message would be longer than %(limit)s characters, the most it may be.") % {
        "limit": f"{limit:,}"
    }


def _current() -> _Budget:
    return _BUDGET.get() or _Budget(DEFAULT_MAX_CHARS)


def _bounded(func):
    """A filter whose result may not be longer than the render's budget."""

    @functools.wraps(func)
    def bounded(value, *args, **kwargs):  # kwargs: autoescape, for the filters that take it
        out = func(value, *args, **kwargs)
        if isinstance(out, str) and len(out) > _current().chars:
            raise RenderLimit(_too_long(_current().limit))
        return out

    return bounded


def _padding(name: str, func):
    """ljust/rjust/center/stringformat: the width asked for is checked before it is built."""

    @functools.wraps(func)
    def padded(value, arg):
        widths = [int(n) for n in re.findall(r"\d+", str(arg))]
        if widths and max(widths) > MAX_WIDTH:
            raise RenderLimit(
                _("“%(filter)s” may pad to at most %(limit)s characters.")
                % {"filter": name, "limit": f"{MAX_WIDTH:,}"}
            )
        return func(value, arg)

    return padded


def _joined(func):
    @functools.wraps(func)
    def join(value, arg, autoescape=True):
        if hasattr(value, "__len__") and len(value) * len(str(arg)) > _current().chars:
            raise RenderLimit(_too_long(_current().limit))
        return func(value, arg, autoescape=autoescape)

    return join


def _library() -> Library:
    """The tags and filters a message template may use (a subset of the built-ins)."""
    builtins = Engine(loaders=[], libraries={}).template_builtins
    library = Library()
    for lib in builtins:
        for name, tag in lib.tags.items():
            if name in ALLOWED_TAGS:
                library.tags[name] = tag
        for name, func in lib.filters.items():
            if name in REFUSED_FILTERS:
                continue
            if name in ("ljust", "rjust", "center", "stringformat"):
                func = _padding(name, func)
            elif name == "join":
                func = _joined(func)
            library.filters[name] = _bounded(func)
    return library


def _engine(*, autoescape: bool) -> Engine:
    engine = Engine(debug=False, loaders=[], libraries={}, autoescape=autoescape)
    engine.template_builtins = [_library()]
    return engine


_ENGINE = _engine(autoescape=False)
_HTML_ENGINE = _engine(autoescape=True)


class _Counted:
    """A ``{% for %}`` loop's sequence whose length is charged to the render's loop budget."""

    def __init__(self, sequence):
        self.sequence = sequence

    def resolve(self, context, ignore_failures=False):
        values = self.sequence.resolve(context, ignore_failures=ignore_failures)
        if values is not None:
            if not hasattr(values, "__len__"):
                values = list(values)
            _current().step(len(values))
        return values


def _charged(render):
    def render_annotated(context):
        out = render(context)
        _current().spend(len(out))
        return out

    return render_annotated


def _instrument(nodelist) -> None:
    """Count every piece of output where it is made (the leaves of the template), and every
    loop step, against the render's budget."""
    for node in nodelist:
        if isinstance(node, ForNode):
            node.sequence = _Counted(node.sequence)
        children = [getattr(node, name, None) for name in node.child_nodelists]
        children = [c for c in children if c]
        if children:
            for child in children:
                _instrument(child)
        else:
            node.render_annotated = _charged(node.render_annotated)


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
        compiled = (_HTML_ENGINE if html else _ENGINE).from_string(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(_("The template has an error: %(error)s") % {"error": exc})
    _instrument(compiled.nodelist)
    return compiled


def check(source: str, *, html: bool = False, limit: int = DEFAULT_MAX_CHARS) -> None:
    """Raise ``ValidationError`` if ``source`` does not compile, or does not render with sample
    data within ``limit`` characters (``limit_for(channel, part)``)."""
    render(compile_text(source, html=html), SAMPLE, limit=limit)


def render(compiled, context: dict[str, Any], *, limit: int = DEFAULT_MAX_CHARS) -> str:
    """The text for one person: ``ValidationError`` (code ``too_long`` past a limit) when it
    cannot be made, never an unbounded string."""
    token = _BUDGET.set(_Budget(limit))
    try:
        out = compiled.render(Context(context, autoescape=compiled.engine.autoescape)).strip()
    except RenderLimit as exc:
        raise ValidationError(str(exc), code="too_long")
    except Exception as exc:  # a filter given a bad argument, …
        raise ValidationError(_("The template cannot be rendered: %(error)s") % {"error": exc})
    finally:
        _BUDGET.reset(token)
    if len(out) > limit:
        raise ValidationError(_too_long(limit), code="too_long")
    return out


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
