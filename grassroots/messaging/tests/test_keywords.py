"""Classifying inbound replies: keywords and free-text opt-outs in English, Hindi and Bengali."""

import pytest

from grassroots.messaging.replies.keywords import HELP, OPT_IN, OPT_OUT, PHRASES, classify

OUT, IN, HLP, MAYBE, WRONG = "opt_out", "opt_in", "help", "possible_opt_out", "wrong_number"

CASES = [
    # --- exact keywords ---
    ("STOP", OUT, "exact"),
    ("Stop.", OUT, "exact"),
    (" stop ", OUT, "exact"),
    ("STOP!!", OUT, "exact"),
    ("ＳＴＯＰ", OUT, "exact"),  # full-width
    ("🛑 STOP 🛑", OUT, "exact"),
    ("stop 👍🏽", OUT, "exact"),
    ("\tStop\n", OUT, "exact"),
    ("stop stop", OUT, "exact"),
    ("Stop all", OUT, "exact"),
    ("STOPALL", OUT, "exact"),
    ("end", OUT, "exact"),
    ("Cancel", OUT, "exact"),
    ("unsubscribe", OUT, "exact"),
    ("Quit!", OUT, "exact"),
    ("revoke", OUT, "exact"),
    ("opt-out", OUT, "exact"),
    ("Opt out", OUT, "exact"),
    ("START", IN, "exact"),
    ("unstop", IN, "exact"),
    ("Yes!", IN, "exact"),
    ("help", HLP, "exact"),
    ("INFO?", HLP, "exact"),
    # --- English free text ---
    ("please stop texting me", MAYBE, "phrase"),
    ("Stop messaging me", MAYBE, "phrase"),
    ("stop sending me these", MAYBE, "phrase"),
    ("unsubscribe me", MAYBE, "phrase"),
    ("Please unsubscribe me from this list", MAYBE, "phrase"),
    ("remove me from your list", MAYBE, "phrase"),
    ("Delete my number", MAYBE, "phrase"),
    ("don't text me again", MAYBE, "phrase"),
    ("Don’t text me again", MAYBE, "phrase"),  # typographic apostrophe
    ("dont message me", MAYBE, "phrase"),
    ("do not contact me", MAYBE, "phrase"),
    ("take me off", MAYBE, "phrase"),
    ("Take me off your list!!", MAYBE, "phrase"),
    ("no more texts please", MAYBE, "phrase"),
    ("I don't want these messages", MAYBE, "phrase"),
    ("leave me alone", MAYBE, "phrase"),
    ("Please stop", MAYBE, "phrase"),
    ("stop it", MAYBE, "phrase"),
    ("This is harassment. STOP", MAYBE, "phrase"),
    ("how do I opt out?", MAYBE, "phrase"),
    # --- wrong number ---
    ("wrong number", WRONG, "phrase"),
    ("Wrong number!! this is Raj", WRONG, "phrase"),
    ("You have the wrong person", WRONG, "phrase"),
    ("this is not Maria's number", WRONG, "phrase"),
    ("गलत नंबर", WRONG, "phrase"),
    ("ग़लत नंबर है", WRONG, "phrase"),
    ("galat number", WRONG, "phrase"),
    ("ভুল নম্বর", WRONG, "phrase"),
    ("rong number", WRONG, "phrase"),
    # --- Hindi (Devanagari) ---
    ("मैसेज मत भेजो", MAYBE, "phrase"),
    ("मुझे मैसेज मत करो", MAYBE, "phrase"),
    ("बंद करो", MAYBE, "phrase"),
    ("ये मैसेज बंद करो।", MAYBE, "phrase"),
    ("कृपया एसएमएस बंद कीजिए", MAYBE, "phrase"),
    ("मुझे मैसेज नहीं चाहिए", MAYBE, "phrase"),
    ("फोन मत करो", MAYBE, "phrase"),
    ("परेशान मत करो", MAYBE, "phrase"),
    # --- Hindi (romanised) ---
    ("message mat bhejo", MAYBE, "phrase"),
    ("Band karo", MAYBE, "phrase"),
    ("msg mat karo", MAYBE, "phrase"),
    ("mujhe message nahi chahiye", MAYBE, "phrase"),
    ("bandh kar do", MAYBE, "phrase"),
    # --- Bengali ---
    ("মেসেজ পাঠাবেন না", MAYBE, "phrase"),
    ("আর মেসেজ করবেন না", MAYBE, "phrase"),
    ("বন্ধ করুন", MAYBE, "phrase"),
    ("দয়া করে ফোন করবেন না", MAYBE, "phrase"),
    ("বিরক্ত করবেন না", MAYBE, "phrase"),
    ("আমি মেসেজ চাই না", MAYBE, "phrase"),
    ("bondho korun", MAYBE, "phrase"),
    ("message pathaben na", MAYBE, "phrase"),
    # --- negatives: ordinary replies ---
    ("stop by tomorrow?", "", ""),
    ("Can you stop by the office tomorrow?", "", ""),
    ("I can't stop smiling", "", ""),
    ("I can't stop", "", ""),
    ("Don't stop texting me, love these updates", "", ""),
    ("yes I will vote", "", ""),
    ("Yes, see you there", "", ""),
    ("what time does it start?", "", ""),
    ("When does the rally start", "", ""),
    ("Meet me at the bus stop.", "", ""),
    ("We must stop corruption", "", ""),
    ("Help me register to vote", "", ""),
    ("The end", "", ""),
    ("Thanks! 🙏", "", ""),
    ("👍", "", ""),
    ("", "", ""),
    ("   ", "", ""),
    ("not interested", "", ""),
    ("मैं वोट दूंगा", "", ""),
    ("धन्यवाद", "", ""),
    ("चिंता मत करो, हम जीतेंगे", "", ""),
    ("main vote dunga", "", ""),
    ("আমি ভোট দেব", "", ""),
    ("চিন্তা করবেন না", "", ""),
    ("আমি মেসেজ চাই", "", ""),
    ("ধন্যবাদ", "", ""),
]


@pytest.mark.parametrize(("text", "kind", "confidence"), CASES)
def test_classify(text, kind, confidence):
    result = classify(text)
    assert (result.kind, result.confidence) == (kind, confidence), result
    assert bool(result.keyword) == bool(kind)


def test_enough_cases():
    assert len(CASES) >= 40
    assert sum(1 for _t, kind, _c in CASES if not kind) >= 15


def test_exact_keyword_is_upper_case():
    assert classify("stop").keyword == "STOP"
    assert classify("Opt-Out").keyword == "OPTOUT"
    assert classify("please stop texting me").keyword == "stop texting"


def test_keyword_sets():
    assert {
        "STOP",
        "STOPALL",
        "END",
        "CANCEL",
        "UNSUBSCRIBE",
        "QUIT",
        "REVOKE",
        "OPTOUT",
    } == OPT_OUT
    assert {"START", "UNSTOP", "YES"} == OPT_IN
    assert {"HELP", "INFO"} == HELP


def test_phrase_table_covers_the_languages():
    langs = {p.lang for p in PHRASES}
    assert {"en", "hi", "hi-latn", "bn", "bn-latn"} <= langs
    assert {p.kind for p in PHRASES} == {"possible_opt_out", "wrong_number"}


def test_long_text_is_fine():
    assert classify("hello " * 5000).kind == ""
    assert classify("please stop texting me " + "x" * 100).kind == "possible_opt_out"
