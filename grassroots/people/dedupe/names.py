"""Names for matching and searching: romanised (Bengali and Devanagari), case-folded, variant
spellings and nicknames mapped to one form, reduced to a phonetic skeleton.

Light on purpose (no numpy/pandas): the people services compute every person's stored search
keys (``name_keys``) with it on each write; the dedupe frame (``normalisation``) uses it too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

# --- names ------------------------------------------------------------------------------------

# Bengali (U+0980…) and Devanagari (U+0900…) share one layout: the same letter sits at the same
# offset in both blocks, so one table serves both scripts.
_CONSONANTS = {
    0x15: "k", 0x16: "kh", 0x17: "g", 0x18: "gh", 0x19: "ng",
    0x1A: "ch", 0x1B: "chh", 0x1C: "j", 0x1D: "jh", 0x1E: "n",
    0x1F: "t", 0x20: "th", 0x21: "d", 0x22: "dh", 0x23: "n",
    0x24: "t", 0x25: "th", 0x26: "d", 0x27: "dh", 0x28: "n", 0x29: "n",
    0x2A: "p", 0x2B: "ph", 0x2C: "b", 0x2D: "bh", 0x2E: "m",
    0x2F: "y", 0x30: "r", 0x31: "r", 0x32: "l", 0x33: "l", 0x34: "l", 0x35: "v",
    0x36: "sh", 0x37: "sh", 0x38: "s", 0x39: "h",
    # precomposed nukta letters (Devanagari 0x958–0x95F; Bengali ড় ঢ় য় at the same offsets)
    0x58: "q", 0x59: "kh", 0x5A: "g", 0x5B: "z", 0x5C: "r", 0x5D: "rh", 0x5E: "f", 0x5F: "y",
}  # fmt: skip
_NUKTA_FORMS = {
    0x15: "q",
    0x16: "kh",
    0x17: "g",
    0x1C: "z",
    0x21: "r",
    0x22: "rh",
    0x2B: "f",
    0x2F: "y",
}
_VOWELS = {
    0x05: "a", 0x06: "a", 0x07: "i", 0x08: "i", 0x09: "u", 0x0A: "u", 0x0B: "ri", 0x0C: "li",
    0x0D: "e", 0x0E: "e", 0x0F: "e", 0x10: "ai", 0x11: "o", 0x12: "o", 0x13: "o", 0x14: "au",
    0x60: "ri", 0x61: "li", 0x50: "om",
}  # fmt: skip
_VOWEL_SIGNS = {
    0x3E: "a", 0x3F: "i", 0x40: "i", 0x41: "u", 0x42: "u", 0x43: "ri", 0x44: "ri",
    0x45: "e", 0x46: "e", 0x47: "e", 0x48: "ai", 0x49: "o", 0x4A: "o", 0x4B: "o", 0x4C: "au",
    0x62: "li", 0x63: "li", 0x57: "au",
}  # fmt: skip
# Bengali romanises ঔ/ৌ as "ou" (Moumita, Sourav, Chowdhury), Hindi औ/ौ as "au" (Gaurav).
_BENGALI_VOWELS = {0x14: "ou", 0x4C: "ou", 0x57: "ou"}
_VIRAMA, _NUKTA, _ANUSVARA, _CANDRABINDU, _VISARGA = 0x4D, 0x3C, 0x02, 0x01, 0x03
_KHANDA_TA = 0x4E  # Bengali ৎ: a "t" without inherent vowel
_LABIALS = ("p", "b", "m", "f")


def _has_indic(text: str) -> bool:
    return any(0x0900 <= ord(c) <= 0x09FF for c in text)


def transliterate_indic(text: str) -> str:
    """Approximate Latin romanisation of Bengali or Devanagari text (other text is kept).

    Good enough to compare a name in native script with its usual Latin spelling:
    ``অনন্যা দাস`` → ``ananya das``, ``राहुल शर्मा`` → ``rahul sharma``. Consonants carry the
    inherent ``a`` unless a vowel sign or virama follows; the final inherent vowel of a word is
    dropped (schwa deletion) except after a conjunct (``mitra``, ``chandra``).
    """
    text = unicodedata.normalize("NFC", text or "")
    if not _has_indic(text):
        return text
    out: list[str] = []
    # units: [kind, text, vowel, offset]; kind C = consonant, N = nasal sign, V = anything else;
    # vowel None = inherent (decided at the end of the word), "" = none (virama).
    word: list[list[Any]] = []

    def flush() -> None:
        n = len(word)
        for k, (kind, t, vowel, _off) in enumerate(word):
            if kind == "C":
                if vowel is None:
                    conjunct = k > 0 and word[k - 1][0] == "C" and word[k - 1][2] == ""
                    vowel = "" if (k == n - 1 and n > 1 and not conjunct) else "a"
                out.append(t + vowel)
            elif kind == "N":
                nxt = word[k + 1] if k + 1 < n else None
                if nxt is not None and nxt[0] == "C" and nxt[1].startswith(_LABIALS):
                    out.append("m")
                elif nxt is not None and nxt[0] == "C" and nxt[1] == "h":
                    out.append("ng")
                else:
                    out.append("n")
            else:
                out.append(t)
        word.clear()

    for ch in text:
        cp = ord(ch)
        base = cp & ~0x7F
        if base not in (0x0900, 0x0980):
            if ch in "\u200c\u200d":  # zero-width (non-)joiners
                continue
            flush()
            out.append(ch)
            continue
        off, bengali = cp - base, base == 0x0980
        last = word[-1] if word else None
        if off in _CONSONANTS or (bengali and off == _KHANDA_TA):
            t = "t" if off == _KHANDA_TA else _CONSONANTS[off]
            after_virama = last is not None and last[0] == "C" and last[2] == ""
            if bengali and off == 0x2C and after_virama:
                t = "w"  # ব-ফলা: স্বপন swapan, বিশ্বাস bishwas
            word.append(["C", t, "" if off == _KHANDA_TA else None, off])
        elif off == _NUKTA:
            if last is not None and last[0] == "C" and last[3] in _NUKTA_FORMS:
                last[1] = _NUKTA_FORMS[last[3]]
        elif off in _VOWEL_SIGNS:
            sign = (_BENGALI_VOWELS if bengali else {}).get(off, _VOWEL_SIGNS[off])
            if last is not None and last[0] == "C" and last[2] is None:
                last[2] = sign
            else:
                word.append(["V", sign, None, off])
        elif off == _VIRAMA:
            if last is not None and last[0] == "C":
                last[2] = ""
        elif off in (_ANUSVARA, _CANDRABINDU):
            word.append(["N", "n", None, off])
        elif off == _VISARGA:
            word.append(["V", "h", None, off])
        elif off in _VOWELS:
            word.append(
                ["V", (_BENGALI_VOWELS if bengali else {}).get(off, _VOWELS[off]), None, off]
            )
        elif 0x66 <= off <= 0x6F:
            flush()
            out.append(str(off - 0x66))
        else:  # danda, abbreviation signs, currency …
            flush()
            out.append(" ")
    flush()
    return "".join(out)


def transliterate_bengali(text: str) -> str:
    """Bengali script → Latin (``transliterate_indic`` handles Devanagari too)."""
    return transliterate_indic(text)


def _variants(table: dict[str, Iterable[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, variants in table.items():
        out[canonical] = canonical
        for v in variants:
            out[v] = canonical
    return out


# Spellings of one name (key: the canonical form). South-Asian family names have an anglicised
# and a Sanskritised form (Chatterjee / Chattopadhyay); Muslim given names many romanisations.
SOUTH_ASIAN = {
    "muhammad": ["mohammad", "mohammed", "mohamed", "mohamad", "muhammed", "mohd", "md", "mohd",
                 "mahammad", "mohammod", "muhammod", "mohmmad", "mahamad", "mohmad", "mohummad",
                 "muhamad", "mahmmad", "mahammed", "mohamud"],
    "chattopadhyay": ["chatterjee", "chatterji", "chattopadhyaya", "chatterjea", "chattapadhyay",
                      "chottopadhyay", "chatarjee",
                      # as romanised from Bengali চ্যাটার্জি/চ্যাটার্জী and Hindi चटर्जी
                      "chyatarji", "chyatarjee", "chatarji", "chattarji"],
    "bandyopadhyay": ["banerjee", "banerji", "bandopadhyay", "bandyopadhyaya", "bandopadhyaya",
                      "banerjea", "bondopadhyay", "bandhopadhyay", "bannerjee",
                      # ব্যানার্জি/ব্যানার্জী, बनर्जी, and the spoken বাঁড়ুজ্যে
                      "byanarji", "byanarjee", "banarji", "banarjee", "banrujye", "banrujje"],
    "mukhopadhyay": ["mukherjee", "mukerjee", "mukherji", "mukhopadhyaya", "mukerji",
                     "mookerjee", "mukharjee",
                     "mukharji", "mukhurji"],  # মুখার্জি/মুখার্জী, मुखर्जी
    "gangopadhyay": ["ganguly", "ganguli", "gangopadhyaya", "gangooly",
                     "gangguli", "gangguly", "ganggopadhyay"],  # গাঙ্গুলি, গঙ্গোপাধ্যায়
    "bhattacharya": ["bhattacharjee", "bhattacharyya", "bhattacharjya", "bhattachariya",
                     "bhattacharji", "bhattachary", "bhattacherjee", "bhattacharje",
                     "bhattacharyi"],
    "chaudhuri": ["chowdhury", "choudhury", "chaudhary", "chaudhry", "chowdhuri", "choudhuri",
                  "choudhary", "chaudhri", "chowdhary", "chaudhury", "chowdury", "choudhari",
                  "chaudhari"],  # चौधरी
    "shaikh": ["sk", "sheikh", "shekh", "seikh", "shek", "skh", "shaik", "sheik"],
    "roy": ["ray"],
    "mandal": ["mondal", "mondol", "mandol"],
    "basu": ["bose", "boshu", "bosu", "bos"],  # বোস
    "datta": ["dutta", "dutt", "datt"],
    "ghosh": ["ghose", "ghos"],
    "mitra": ["mitter"],
    "dey": ["de"],
    "chakraborty": ["chakravarty", "chakrabarti", "chakraborti", "chakrabarty", "chakravarti",
                    "chakroborty", "chakrabortty", "chakrabarthy"],
    "sarkar": ["sircar", "sarker", "sorkar", "sarakar"],  # সরকার
    "majumdar": ["mazumdar", "majumder", "mazumder", "majoomdar", "majumadar"],  # মজুমদার
    "biswas": ["bishwas", "biswash", "bishbas"],
    "haldar": ["halder"],
    "sharma": ["sarma", "sharmah"],
    "verma": ["varma"],
    "agarwal": ["agrawal", "aggarwal", "agarwala", "agrawala", "agraval", "aggrawal"],
    "srivastava": ["shrivastava", "srivastav", "shrivastav", "srivastwa"],
    "yadav": ["yadava"],
    "singh": ["sing"],
    "hussain": ["hossain", "hussein", "hosain", "hossein", "hosen", "hossen", "husain"],
    "rahman": ["rehman", "rahaman", "rohman"],
    "ahmed": ["ahmad", "ahamed", "ahammed"],
    "khatun": ["khatoon", "khaton"],
    "ghulam": ["golam"],
    "abdul": ["abdool"],
    "sourav": ["saurav", "saurabh", "sourabh"],
    "debashis": ["debasish", "debashish", "debasis", "debashish"],
}  # fmt: skip
# Common English nicknames (a modest table: the long tail is left to the string similarity).
NICKNAMES = {
    "william": ["bill", "billy", "will", "willy", "liam"],
    "robert": ["bob", "bobby", "rob", "robbie", "bert"],
    "elizabeth": ["liz", "lizzie", "beth", "betty", "eliza", "lisa", "libby"],
    "james": ["jim", "jimmy", "jamie"],
    "michael": ["mike", "mikey", "mick", "micky"],
    "katherine": ["kate", "katie", "kathy", "cathy", "kat", "catherine", "kathryn", "katharine"],
    "thomas": ["tom", "tommy"],
    "richard": ["dick", "rick", "ricky", "rich", "richie"],
    "joseph": ["joe", "joey"],
    "david": ["dave", "davey"],
    "daniel": ["dan", "danny"],
    "christopher": ["chris", "kit"],
    "matthew": ["matt"],
    "nicholas": ["nick", "nicky"],
    "anthony": ["tony"],
    "stephen": ["steve", "steven", "stevie"],
    "samuel": ["sam", "sammy"],
    "benjamin": ["ben", "benny"],
    "edward": ["ed", "eddie", "ted", "teddy", "ned"],
    "jennifer": ["jen", "jenny"],
    "margaret": ["meg", "maggie", "peggy", "marge"],
    "susan": ["sue", "susie", "suzy"],
    "patricia": ["pat", "patty", "trish"],
    "alexander": ["alex", "sasha"],
    "andrew": ["andy", "drew"],
    "gregory": ["greg"],
    "john": ["jack", "johnny", "jon"],
    "charles": ["charlie", "chuck"],
    "henry": ["harry", "hank"],
    "lawrence": ["larry"],
    "rebecca": ["becky"],
    "deborah": ["debbie", "debra"],
    "abigail": ["abby"],
    "amanda": ["mandy"],
    "victoria": ["vicky", "tori"],
    "frederick": ["fred", "freddie"],
    "jacob": ["jake"],
    "timothy": ["tim", "timmy"],
    "kenneth": ["ken", "kenny"],
    "donald": ["don", "donny"],
    "ronald": ["ron", "ronnie"],
}  # fmt: skip
_CANONICAL = {**_variants(NICKNAMES), **_variants(SOUTH_ASIAN)}
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "shri", "sri", "smt", "kumari", "late"}
_PUNCT = re.compile(r"[\W_\d]+", re.UNICODE)


def normalise_name(text: str) -> str:
    """One spelling for one name: ``"Md. Rafiq"`` → ``"muhammad rafiq"``, ``"Bill"`` → ``"william"``.

    Native script is transliterated first (``transliterate_indic``), so ``"অনন্যা দাস"`` and
    ``"Ananya Das"`` both become ``"ananya das"``.
    """
    if not text:
        return ""
    text = transliterate_indic(text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("'", "").replace("\u2019", "")
    tokens = [_CANONICAL.get(t, t) for t in _PUNCT.sub(" ", text).split()]
    if len(tokens) > 1:
        tokens = [t for t in tokens if t not in _TITLES] or tokens
    return " ".join(tokens)


_SKELETON_RULES = [
    (re.compile(r"ph"), "f"),
    (re.compile(r"([bcdgjkpt])h+"), r"\1"),
    (re.compile(r"sh"), "s"),
    (re.compile(r"[vw]"), "b"),
    (re.compile(r"z"), "j"),
    (re.compile(r"ck|q"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"ee|ii|ie$"), "i"),
    (re.compile(r"oo|uu"), "u"),
    (re.compile(r"ou|au"), "o"),
    (re.compile(r"([a-z])\1+"), r"\1"),
    (re.compile(r"(?<=[a-z])y\b"), "i"),  # Adhikary = Adhikari, Chakraborty = Chakraborti
]


def name_skeleton(name: str) -> str:
    """The romanisation-insensitive form of a normalised name (``sourabh`` = ``sourav``)."""
    for pattern, repl in _SKELETON_RULES:
        name = pattern.sub(repl, name)
    return name


def name_key(text: str) -> str:
    """The key two spellings of one name share, in any script: normalised, then its skeleton
    (``"ব্যানার্জি"``, ``"Banerjee"`` and ``"Bandyopadhyay"`` → ``"bandyopadyai"``)."""
    return name_skeleton(normalise_name(text))


# ``Person.name_keys`` holds at most this many characters (a name has a few words).
NAME_KEYS_LENGTH = 400


def name_keys(*names: str) -> str:
    """The stored search form of a person's names (``Person.name_keys``): the distinct word keys
    of all of them (Latin and native script alike), sorted, each with a space before and after
    (``" amit bandyopadyai "``), so "a word starting with …" is ``LIKE '% key%'``."""
    words = sorted({w for n in names if n for w in name_key(n).split()})
    text = " ".join(words)
    if len(text) > NAME_KEYS_LENGTH - 2:  # cut at a word
        text = text[: NAME_KEYS_LENGTH - 1].rsplit(" ", 1)[0]
    return f" {text} " if text else ""


def first_token(name: str) -> str:
    """The given name that identifies: ``muhammad rafiq`` → ``rafiq`` (Muhammad is a prefix)."""
    tokens = name.split()
    rest = [t for t in tokens if t not in ("muhammad", "shaikh", "abdul")]
    return (rest or tokens or [""])[0]


def person_name_keys(fields) -> str:
    """``name_keys`` of a person's given, middle, family and native names (a ``Person`` or a
    mapping of its fields), as stored in ``Person.name_keys``."""
    get = fields.get if isinstance(fields, dict) else lambda k, d="": getattr(fields, k, d)
    return name_keys(
        *(get(k, "") or "" for k in ("given_name", "middle_name", "family_name", "native_name"))
    )
