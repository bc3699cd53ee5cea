"""The standard result codes of a contact attempt (admins may rename them or add more), with
their names in Hindi, Bengali and Italian, and the surveys capabilities for the existing
installations' default roles."""

from django.db import migrations

from grassroots.accounts import migration_helpers

# code, English name, {hi, bn, it}, counts as contact, person status, hostile, retry
RESULT_CODES = [
    ("not-home", "Not home",
     {"hi": "घर पर नहीं", "bn": "বাড়িতে নেই", "it": "Non in casa"}, False, "", False, True),
    ("refused", "Refused",
     {"hi": "मना किया", "bn": "প্রত্যাখ্যান করেছেন", "it": "Ha rifiutato"}, True, "", False, False),
    ("moved", "Moved",
     {"hi": "कहीं और चले गए", "bn": "অন্যত্র চলে গেছেন", "it": "Trasferito"},
     False, "moved", False, False),
    ("deceased", "Deceased",
     {"hi": "देहांत हो गया", "bn": "প্রয়াত", "it": "Deceduto"}, False, "deceased", False, False),
    ("wrong-address", "Wrong address",
     {"hi": "गलत पता", "bn": "ভুল ঠিকানা", "it": "Indirizzo errato"}, False, "", False, False),
    ("inaccessible", "Inaccessible",
     {"hi": "पहुँच से बाहर", "bn": "পৌঁছানো যায়নি", "it": "Inaccessibile"},
     False, "", False, True),
    ("come-back-later", "Come back later",
     {"hi": "बाद में आएँ", "bn": "পরে আসুন", "it": "Ripassare più tardi"}, True, "", False, True),
    ("language-barrier", "Language barrier",
     {"hi": "भाषा की बाधा", "bn": "ভাষার বাধা", "it": "Barriera linguistica"},
     False, "", False, True),
    ("hostile", "Hostile / unsafe",
     {"hi": "शत्रुतापूर्ण / असुरक्षित", "bn": "বিরূপ / অনিরাপদ", "it": "Ostile / non sicuro"},
     True, "", True, False),
]  # fmt: skip


def seed(apps, schema_editor):
    ResultCode = apps.get_model("surveys", "ResultCode")
    for i, (code, name, tr, contact, status, hostile, retry) in enumerate(RESULT_CODES):
        ResultCode.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "translations": tr,
                "counts_as_contact": contact,
                "person_status": status,
                "hostile": hostile,
                "retry": retry,
                "position": (i + 1) * 10,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("surveys", "ResultCode").objects.filter(
        code__in=[r[0] for r in RESULT_CODES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("accounts", "0004_default_roles_require_2fa"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
        migration_helpers.grant(
            {
                "campaign_manager": ["surveys.view", "surveys.manage", "surveys.record"],
                "field_organiser": ["surveys.view", "surveys.manage", "surveys.record"],
                "communications": ["surveys.view", "surveys.manage", "surveys.record"],
                "data_manager": ["surveys.view", "surveys.record"],
                "volunteer": ["surveys.view", "surveys.record"],
                "auditor": ["surveys.view"],
            }
        ),
    ]
