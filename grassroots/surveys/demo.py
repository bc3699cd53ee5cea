"""The surveys' part of the demo campaign (registered in ``core.registry.demo_seeders``).

In both demo areas (158 - Bhabanipur, ``IN-WB-AC158``, written in Bengali with Hindi and
English versions; California's 12th district, ``US-CA-CD12``, in English with a Hindi and a
Bengali version) an active "2026 ID" script: a greeting, support 1–5 (writes the support
score), the issue that matters most, and "would you volunteer?" whose "yes" records consent to
be texted about volunteering with the exact wording. A few hundred attempts (at scale 1) over
the last month at the door and on the phone — some not home, a few moved or come back later —
recorded through ``responses_record``, so the support scores, consents, timelines and the
"answered a survey question" segment filter all have data. Skips what exists."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.people.models import Person
from grassroots.surveys import services
from grassroots.surveys.models import Script

if TYPE_CHECKING:
    from grassroots.core.registry import DemoRun

NAME = "2026 ID"
INTRO = {
    "en": "Hello {{ first_name }}, I'm a volunteer with the campaign. May I ask you three "
    "quick questions?",
    "bn": "নমস্কার {{ first_name }}, আমি প্রচারের একজন স্বেচ্ছাসেবক। আপনাকে তিনটি ছোট প্রশ্ন করতে পারি?",
    "hi": "नमस्ते {{ first_name }}, मैं अभियान का स्वयंसेवक हूँ। क्या मैं आपसे तीन छोटे प्रश्न पूछ सकता हूँ?",
}
SUPPORT = {
    "en": "On a scale of 1 (certainly us) to 5 (certainly not), how likely are you to vote "
    "for our candidate?",
    "bn": "১ (নিশ্চিতভাবে আমাদের) থেকে ৫ (একেবারেই না) — আমাদের প্রার্থীকে ভোট দেওয়ার সম্ভাবনা কতটা?",
    "hi": "1 (निश्चित रूप से हमें) से 5 (बिल्कुल नहीं) तक — हमारे उम्मीदवार को वोट देने की कितनी संभावना है?",
}
ISSUE = {
    "en": "What matters most to you this election?",
    "bn": "এই নির্বাচনে আপনার কাছে সবচেয়ে গুরুত্বপূর্ণ কী?",
    "hi": "इस चुनाव में आपके लिए सबसे ज़रूरी क्या है?",
}
ISSUES = [  # value, en, bn, hi
    ("jobs", "Jobs", "চাকরি", "रोज़गार"),
    ("prices", "Prices", "জিনিসপত্রের দাম", "महँगाई"),
    ("health", "Health care", "স্বাস্থ্য পরিষেবা", "स्वास्थ्य सेवा"),
    ("education", "Schools", "স্কুল", "स्कूल"),
    ("water-roads", "Water and roads", "জল ও রাস্তা", "पानी और सड़क"),
]
VOLUNTEER = {
    "en": "Would you like to volunteer with us?",
    "bn": "আপনি কি আমাদের সঙ্গে স্বেচ্ছাসেবক হতে চান?",
    "hi": "क्या आप हमारे साथ स्वयंसेवा करना चाहेंगे?",
}
CONSENT = {
    "en": "May we text you about volunteering? You can reply STOP at any time.",
    "bn": "স্বেচ্ছাসেবা নিয়ে আমরা কি আপনাকে বার্তা পাঠাতে পারি? যেকোনো সময় STOP লিখে বন্ধ করতে পারেন।",
    "hi": "क्या हम आपको स्वयंसेवा के बारे में संदेश भेज सकते हैं? आप कभी भी STOP लिखकर रोक सकते हैं।",
}
AREAS = [("IN-WB-AC158", "bn", ["en", "hi"], 0.67), ("US-CA-CD12", "en", ["hi", "bn"], 0.33)]


def _tr(texts: dict, base: str) -> tuple[str, dict]:
    return texts[base], {k: v for k, v in texts.items() if k != base}


def make_script(area, base: str, languages: list[str]) -> Script:
    script = services.script_create(actor=SYSTEM, name=NAME, base_language=base,
                                    languages=languages, area=area,
                                    description="Voter ID for the 2026 election.")  # fmt: skip
    add = services.block_add
    text, tr = _tr(INTRO, base)
    add(actor=SYSTEM, script=script, kind="text", text=text, translations=tr)
    text, tr = _tr(SUPPORT, base)
    add(actor=SYSTEM, script=script, kind="scale", label="2026 ID", text=text, translations=tr,
        scale_min=1, scale_max=5, writes_support_score=True)  # fmt: skip
    text, tr = _tr(ISSUE, base)
    issue = add(actor=SYSTEM, script=script, kind="single", label="Issue", text=text,
                translations=tr)  # fmt: skip
    for value, en, bn, hi in ISSUES:
        label, tr = _tr({"en": en, "bn": bn, "hi": hi}, base)
        services.choice_add(actor=SYSTEM, block=issue, label=label, value=value, translations=tr)
    text, tr = _tr(VOLUNTEER, base)
    volunteer = add(actor=SYSTEM, script=script, kind="yes_no", label="Volunteer", text=text,
                    translations=tr)  # fmt: skip
    wording, tr = _tr(CONSENT, base)
    services.choice_update(
        actor=SYSTEM, choice=volunteer.choices.get(value="yes"), consent_channel="sms",
        consent_purpose="volunteering", consent_wording=wording, consent_wording_translations=tr,
    )  # fmt: skip
    return services.script_update(actor=SYSTEM, script=script, status=Script.Status.ACTIVE)


def seed(run: DemoRun) -> dict[str, int]:
    if Script.objects.filter(name=NAME, description__startswith="Voter ID").exists():
        return {}
    rng = random.Random(run.seed + 16)
    total = max(40, round(300 * min(run.scale, 1.0)))
    now = timezone.now()
    made = {"survey_scripts": 0, "survey_attempts": 0}
    for code, base, languages, share in AREAS:
        area = run.areas.get(code)
        if area is None:
            continue
        script = make_script(area, base, languages)
        made["survey_scripts"] += 1
        blocks = {b.label: b for b in script.blocks.all()}
        ids = list(
            Person.objects.filter(area__path__startswith=area.path, status="active")
            .order_by("id")
            .values_list("id", flat=True)[: round(total * share) * 10]
        )
        for i, pk in enumerate(rng.sample(ids, min(round(total * share), len(ids)))):
            when = now - dt.timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600))
            roll = rng.random()
            answers, result = {}, None
            if roll < 0.25:
                result = "not-home"
            elif roll < 0.28:
                result = rng.choice(["moved", "come-back-later", "refused", "language-barrier"])
            else:
                answers = {
                    blocks["2026 ID"].pk: rng.choices([1, 2, 3, 4, 5], [25, 25, 20, 15, 15])[0],
                    blocks["Issue"].pk: rng.choice(ISSUES)[0],
                    blocks["Volunteer"].pk: "yes" if rng.random() < 0.15 else "no",
                }
            services.responses_record(
                actor=SYSTEM, person=pk, script=script, answers=answers, result_code=result,
                channel=rng.choice(["door", "door", "phone"]), attempt_key=f"demo-{code}-{i}",
                recorded_at=when, source="demo",
            )  # fmt: skip
            made["survey_attempts"] += 1
        run.progress.log(f"surveys: {code} {made['survey_attempts']} attempts")
    return made
