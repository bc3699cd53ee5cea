"""Classify an inbound reply: opt-out / opt-in / help keyword, free-text opt-out, wrong number.

Exact keywords (the carrier-standard STOP/START/HELP families) match the whole reply after
Unicode NFKC normalisation (full-width letters), trimming and dropping surrounding punctuation,
symbols and emoji, ignoring case: "Stop.", " stop ", "STOP!!" and "ＳＴＯＰ" are opt-outs,
"stop by tomorrow?" is not.

Free text is matched against ``PHRASES``, a table of regular expressions per language (English,
Hindi in Devanagari and romanised, Bengali in Bengali script and romanised). A match is a
``possible_opt_out`` (or ``wrong_number``) with confidence ``phrase``. US rules (FCC 2024) say
an opt-out by "any reasonable means" must be honoured, so callers should treat
``possible_opt_out`` as an opt-out and ``wrong_number`` as "stop messaging this number" too.
Add a language by appending rows to ``PHRASES``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["HELP", "OPT_IN", "OPT_OUT", "PHRASES", "Classification", "Phrase", "classify"]

OPT_OUT = frozenset({"STOP", "STOPALL", "END", "CANCEL", "UNSUBSCRIBE", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN = frozenset({"START", "UNSTOP", "YES"})
HELP = frozenset({"HELP", "INFO"})

_EXACT = (("opt_out", OPT_OUT), ("opt_in", OPT_IN), ("help", HELP))


@dataclass(frozen=True)
class Classification:
    """``kind``: "opt_out" | "opt_in" | "help" | "wrong_number" | "possible_opt_out" | "".
    ``keyword``: the keyword (upper case) or the matched phrase. ``confidence``: "exact" for a
    keyword reply, "phrase" for free text, "" when nothing matched."""

    kind: str
    keyword: str = ""
    confidence: str = "exact"


@dataclass(frozen=True)
class Phrase:
    """One row of the phrase table. ``negatable``: skip a match preceded by a negation
    ("don't stop texting me" is not an opt-out)."""

    kind: str  # "possible_opt_out" | "wrong_number"
    lang: str
    pattern: str
    negatable: bool = False


# Indic scripts have no reliable \b (vowel signs are not \w): start at a word boundary instead.
_W = r"(?<!\S)"
_MSG_HI = r"(?:मैसेज|मेसेज|मैसेज़|मेसेज़|संदेश|सन्देश|एसएमएस|sms|msg|कॉल|काल|फोन|फ़ोन|व्हाट्सएप|व्हाट्सऐप)"
_MSG_BN = r"(?:মেসেজ|ম্যাসেজ|মেসেজে|এসএমএস|বার্তা|ফোন|কল|sms|msg)"
_MSG_LATIN = r"(?:msgs?|messages?|massages?|mesej|sms|texts?|calls?|phone|fone|whatsapp)"

PHRASES: tuple[Phrase, ...] = (
    # --- wrong number (checked first) ---
    Phrase("wrong_number", "en", r"\bwrong\s+(?:number|no\b\.?|num|#|person|guy|girl|phone)"),
    Phrase("wrong_number", "en", r"\b(?:you\s+have|you'?ve\s+got|you\s+got)\s+the\s+wrong\b"),
    Phrase("wrong_number", "en", r"\bnot\s+(?:\w+'s|his|her|their)\s+(?:number|phone)\b"),
    Phrase("wrong_number", "en", r"\bno\s*one\s+(?:here\s+)?(?:by\s+that\s+name|named)\b"),
    Phrase("wrong_number", "hi", _W + r"(?:गलत|ग़लत)\s+(?:नंबर|नम्बर|व्यक्ति)"),
    Phrase("wrong_number", "hi", r"\b(?:galat|glat|glt)\s+(?:number|numbr|nambar|no)\b"),
    Phrase("wrong_number", "bn", _W + r"ভুল\s+(?:নম্বর|নাম্বার|নম্বরে|নাম্বারে|লোক)"),
    Phrase("wrong_number", "bn", r"\b(?:bhul|vul|rong)\s+(?:number|nambar|no)\b"),
    # --- English free-text opt-outs ---
    Phrase(
        "possible_opt_out",
        "en",
        r"\bstop\s+(?:texting|txting|messaging|msging|sending|contacting|calling|emailing"
        r"|e-mailing|spamming|bothering|harass(?:ing)?|pestering"
        r"|(?:the|these|your|all|all\s+the)\s+(?:texts|messages|msgs|calls|emails|spam)"
        r"|(?:texts|messages|msgs|sms|calls|emails))\b",
        negatable=True,
    ),
    Phrase(
        "possible_opt_out",
        "en",
        r"^(?:please\s+|pls\s+|plz\s+|just\s+|ok(?:ay)?\s+|now\s+)?stop\s+"
        r"(?:it|this|that|now|please|pls|plz|immediately|already|asap)\b",
    ),
    Phrase(
        "possible_opt_out",
        "en",
        r"\b(?:please|pls|plz|kindly|just)\s+stop(?:\s+(?:it|this|that|now|already))?[\s.!]*$",
        negatable=True,
    ),
    Phrase(
        "possible_opt_out",
        "en",
        r"(?<!bus )(?<!full )(?<!pit )(?<!next )(?<!last )(?<!one )(?<!first )\bstop[\s.!]*$",
        negatable=True,
    ),
    Phrase("possible_opt_out", "en", r"\bunsubscribe\b", negatable=True),
    Phrase("possible_opt_out", "en", r"\bopt\s*-?\s*(?:me\s+)?out\b", negatable=True),
    Phrase(
        "possible_opt_out",
        "en",
        r"\b(?:remove|delete|erase|drop)\s+(?:me|my\s+(?:number|no|phone|name|details|data"
        r"|email|contact|info))\b",
        negatable=True,
    ),
    Phrase(
        "possible_opt_out",
        "en",
        r"\btake\s+(?:me|my\s+(?:number|name|email|details))\s+off\b",
        negatable=True,
    ),
    Phrase(
        "possible_opt_out",
        "en",
        r"\b(?:don'?t|do\s+not|never)\s+(?:ever\s+)?(?:text|txt|message|msg|sms|call|ring"
        r"|contact|email|e-mail|whatsapp|bother|spam)\s+(?:me|us|this\s+number)\b",
    ),
    Phrase(
        "possible_opt_out",
        "en",
        r"\bno\s+more\s+(?:texts|txts|messages|msgs|sms|calls|emails|spam)\b",
    ),
    Phrase(
        "possible_opt_out",
        "en",
        r"\b(?:i|we)\s+(?:don'?t|do\s+not)\s+want\s+(?:any\s+(?:more\s+)?|these\s+|your\s+)?"
        r"(?:texts|messages|msgs|calls|emails)\b",
    ),
    Phrase("possible_opt_out", "en", r"\bleave\s+me\s+alone\b", negatable=True),
    Phrase("possible_opt_out", "en", r"\blose\s+(?:this|my)\s+number\b", negatable=True),
    # --- Hindi (Devanagari) ---
    Phrase("possible_opt_out", "hi", _W + r"मत\s+भेज"),
    Phrase("possible_opt_out", "hi", _W + _MSG_HI + r"\s+(?:\S+\s+){0,2}?मत\s+(?:कर|की)"),
    Phrase("possible_opt_out", "hi", _W + r"(?:बंद|बन्द)\s+(?:कर|की)"),
    Phrase(
        "possible_opt_out",
        "hi",
        _W + _MSG_HI + r"\s+(?:\S+\s+)?(?:नहीं|नही)\s+(?:चाहिए|चाहिये|चाहता|चाहती)",
    ),
    Phrase("possible_opt_out", "hi", _W + r"परेशान\s+(?:मत|न)\s+(?:कर|की)"),
    Phrase("possible_opt_out", "hi", _W + r"अनसब्सक्राइब"),
    # --- Hindi (romanised) ---
    Phrase(
        "possible_opt_out", "hi-latn", r"\b(?:mat|mt)\s+(?:bhejo|bhejna|bhejiye|bhejen|bhejein)\b"
    ),
    Phrase(
        "possible_opt_out",
        "hi-latn",
        r"\b" + _MSG_LATIN + r"\s+(?:\w+\s+){0,2}?(?:mat|mt)\s+(?:karo|kro|karna|kariye|karein"
        r"|karen|kijiye)\b",
    ),
    Phrase(
        "possible_opt_out",
        "hi-latn",
        r"\b(?:band|bandh|bnd)\s+(?:karo|kro|karein|karen|kariye|kijiye|kar\s+do|kr\s+do"
        r"|kar\s+dijiye|kar\s+dein)\b",
    ),
    Phrase(
        "possible_opt_out",
        "hi-latn",
        r"\b" + _MSG_LATIN + r"\s+(?:\w+\s+)?(?:nahi|nahin|nhi)\s+(?:chahiye|chaiye|chahie)\b",
    ),
    Phrase(
        "possible_opt_out", "hi-latn", r"\bpareshan\s+(?:mat|na)\s+(?:karo|kro|karein|kijiye)\b"
    ),
    # --- Bengali (Bengali script) ---
    Phrase("possible_opt_out", "bn", _W + r"(?:পাঠাবেন|পাঠাবে|পাঠাবি|পাঠিও|পাঠিয়ো|পাঠাস)\s+না"),
    Phrase(
        "possible_opt_out",
        "bn",
        _W + _MSG_BN + r"\s+(?:\S+\s+){0,2}?(?:করবেন|করবে|করবি|করিস|দেবেন|দিবেন|দেবে|দিও)\s+না",
    ),
    Phrase("possible_opt_out", "bn", _W + r"বন্ধ\s+(?:কর|করে\s+দ)"),
    Phrase("possible_opt_out", "bn", _W + r"বিরক্ত\s+(?:করবেন|করবে|করো|কোরো|করিস)\s+না"),
    Phrase("possible_opt_out", "bn", _W + _MSG_BN + r"\s+(?:\S+\s+)?চাই\s*না"),
    Phrase("possible_opt_out", "bn", _W + r"আনসাবস্ক্রাইব"),
    # --- Bengali (romanised) ---
    Phrase("possible_opt_out", "bn-latn", r"\b(?:pathaben|pathabe|pathio|pathaio)\s+na\b"),
    Phrase(
        "possible_opt_out",
        "bn-latn",
        r"\b(?:bondho|bondo|bandho|bondh)\s+(?:korun|koro|kor|koren|kore\s+din|kore\s+dao)\b",
    ),
    Phrase(
        "possible_opt_out",
        "bn-latn",
        r"\b" + _MSG_LATIN + r"\s+(?:\w+\s+)?(?:korben|korbe|korbi|diben|deben)\s+na\b",
    ),
)

_NEGATION = re.compile(
    r"\b(?:don'?t|do\s+not|never|not|can'?t|cannot|won'?t|couldn'?t|wouldn'?t|didn'?t)"
    r"\s+(?:\w+\s+)?$"
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_EDGE_MARKS = frozenset("\ufe0e\ufe0f\u20e3\u200d")  # variation selectors, keycap, ZWJ
_MAX_TEXT = 2000


@dataclass(frozen=True)
class _Compiled:
    phrase: Phrase
    regex: re.Pattern[str]


def _compile(phrases: tuple[Phrase, ...]) -> tuple[_Compiled, ...]:
    return tuple(
        _Compiled(p, re.compile(unicodedata.normalize("NFKC", p.pattern), re.IGNORECASE))
        for p in phrases
    )


_COMPILED = _compile(PHRASES)


def _is_edge_junk(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PSZC" or ch in _EDGE_MARKS


def _strip_edges(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_edge_junk(text[start]):
        start += 1
    while end > start and _is_edge_junk(text[end - 1]):
        end -= 1
    return text[start:end]


def _exact(core: str) -> Classification | None:
    upper = core.upper()
    tokens = upper.split()
    candidates = [upper]
    if 1 < len(tokens) <= 2 or re.search(r"[-_.]", upper):
        candidates.append(re.sub(r"[\s\-_.]+", "", upper))  # "stop all", "opt-out", "S.T.O.P"
    if tokens and all(t == tokens[0] for t in tokens):
        candidates.append(_strip_edges(tokens[0]))  # "stop stop stop"
    for candidate in candidates:
        for kind, words in _EXACT:
            if candidate in words:
                return Classification(kind, candidate, "exact")
    return None


def classify(text: str) -> Classification:
    """Classify an inbound message body. See the module docstring for the rules."""
    normal = unicodedata.normalize("NFKC", text or "")[:_MAX_TEXT]
    core = _strip_edges(normal)
    if not core:
        return Classification("", "", "")
    exact = _exact(core)
    if exact is not None:
        return exact
    folded = " ".join(core.translate(_APOSTROPHES).lower().split())
    for compiled in _COMPILED:
        for match in compiled.regex.finditer(folded):
            if compiled.phrase.negatable and _NEGATION.search(folded[: match.start()]):
                continue
            return Classification(compiled.phrase.kind, match.group(0).strip(), "phrase")
    return Classification("", "", "")
