"""The seeded skills, onboarding steps and badges in Hindi, Bengali and Italian (``names``).

A row is filled only while its name is still the seeded English one, and only for languages it
has no name in yet: a campaign that renamed a skill or typed its own translation keeps them.
``reference_data_ensure`` runs ``fill`` again after re-seeding a flushed database."""

from django.db import migrations

NAMES = {
    "Skill": {
        "canvassing": ("Canvassing", {"hi": "घर-घर संपर्क", "bn": "বাড়ি বাড়ি প্রচার",
                                      "it": "Porta a porta"}),
        "phone-banking": ("Phone banking", {"hi": "फ़ोन से संपर्क", "bn": "ফোনে প্রচার",
                                            "it": "Chiamate ai sostenitori"}),
        "texting": ("Texting", {"hi": "टेक्स्टिंग", "bn": "টেক্সটিং", "it": "Invio SMS"}),
        "data-entry": ("Data entry", {"hi": "डेटा एंट्री", "bn": "ডেটা এন্ট্রি",
                                      "it": "Inserimento dati"}),
        "driving": ("Driving", {"hi": "गाड़ी चलाना", "bn": "গাড়ি চালানো", "it": "Guida"}),
        "social-media": ("Social media", {"hi": "सोशल मीडिया", "bn": "সোশ্যাল মিডিয়া",
                                          "it": "Social media"}),
        "design": ("Design", {"hi": "डिज़ाइन", "bn": "ডিজাইন", "it": "Grafica"}),
        "photography": ("Photography", {"hi": "फ़ोटोग्राफ़ी", "bn": "ফটোগ্রাফি",
                                        "it": "Fotografia"}),
        "event-hosting": ("Event hosting", {"hi": "कार्यक्रम आयोजन", "bn": "অনুষ্ঠান আয়োজন",
                                            "it": "Organizzazione di eventi"}),
        "booth-agent": ("Polling booth agent", {"hi": "मतदान केंद्र एजेंट", "bn": "বুথ এজেন্ট",
                                                "it": "Rappresentante di seggio"}),
        "lang-en": ("English", {"hi": "अंग्रेज़ी", "bn": "ইংরেজি", "it": "Inglese"}),
        "lang-hi": ("Hindi", {"hi": "हिन्दी", "bn": "হিন্দি", "it": "Hindi"}),
        "lang-bn": ("Bengali", {"hi": "बांग्ला", "bn": "বাংলা", "it": "Bengalese"}),
        "lang-es": ("Spanish", {"hi": "स्पेनिश", "bn": "স্প্যানিশ", "it": "Spagnolo"}),
    },
    "OnboardingStep": {
        "code-of-conduct": ("Code of conduct signed", {
            "hi": "आचार संहिता पर हस्ताक्षर किए", "bn": "আচরণবিধিতে স্বাক্ষর করা হয়েছে",
            "it": "Codice di condotta firmato"}),
        "data-protection": ("Data protection briefing", {
            "hi": "डेटा सुरक्षा की जानकारी दी गई", "bn": "তথ্য সুরক্ষা বিষয়ে ব্রিফিং",
            "it": "Formazione sulla protezione dei dati"}),
        "trained-canvassing": ("Trained for canvassing", {
            "hi": "घर-घर संपर्क का प्रशिक्षण", "bn": "বাড়ি বাড়ি প্রচারের প্রশিক্ষণ",
            "it": "Formazione per il porta a porta"}),
        "trained-phone-bank": ("Trained for phone banking", {
            "hi": "फ़ोन से संपर्क का प्रशिक्षण", "bn": "ফোনে প্রচারের প্রশিক্ষণ",
            "it": "Formazione per le chiamate"}),
    },
    "Badge": {
        "first-steps": ("First steps", {"hi": "पहले क़दम", "bn": "প্রথম পদক্ষেপ",
                                        "it": "Primi passi"}),
        "regular": ("Regular", {"hi": "नियमित", "bn": "নিয়মিত", "it": "Assiduo"}),
        "mainstay": ("Mainstay", {"hi": "मज़बूत स्तंभ", "bn": "মূল স্তম্ভ",
                                  "it": "Colonna portante"}),
        "champion": ("Champion", {"hi": "चैंपियन", "bn": "চ্যাম্পিয়ন", "it": "Campione"}),
    },
}  # fmt: skip


def fill(apps, schema_editor=None) -> int:
    """Add the missing languages to the seeded rows still named as seeded; returns rows changed."""
    changed = 0
    for model_name, rows in NAMES.items():
        model = apps.get_model("volunteers", model_name)
        for obj in model.objects.filter(code__in=list(rows)):
            english, names = rows[obj.code]
            if obj.name != english:
                continue  # the campaign renamed it: its words, not ours
            current = dict(obj.names or {})
            merged = {**names, **{k: v for k, v in current.items() if str(v).strip()}}
            if merged != current:
                obj.names = merged
                obj.save(update_fields=["names"])
                changed += 1
    return changed


def unfill(apps, schema_editor):
    """Back to no translations, for the rows whose translations are still exactly ours."""
    for model_name, rows in NAMES.items():
        model = apps.get_model("volunteers", model_name)
        for obj in model.objects.filter(code__in=list(rows)):
            if obj.names == rows[obj.code][1]:
                obj.names = {}
                obj.save(update_fields=["names"])


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0003_add_reference_names")]

    operations = [migrations.RunPython(fill, unfill)]
