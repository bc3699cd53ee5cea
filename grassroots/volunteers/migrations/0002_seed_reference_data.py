"""Reference data the volunteers app starts with (admins edit or add more): skills and
languages, the onboarding checklist, what each point source is worth, and badges; and the new
capabilities for the existing installations' default roles."""

from django.db import migrations

from grassroots.accounts import migration_helpers

SKILLS = [
    ("canvassing", "Canvassing", "skill"),
    ("phone-banking", "Phone banking", "skill"),
    ("texting", "Texting", "skill"),
    ("data-entry", "Data entry", "skill"),
    ("driving", "Driving", "skill"),
    ("social-media", "Social media", "skill"),
    ("design", "Design", "skill"),
    ("photography", "Photography", "skill"),
    ("event-hosting", "Event hosting", "skill"),
    ("booth-agent", "Polling booth agent", "skill"),
    ("lang-en", "English", "language"),
    ("lang-hi", "Hindi", "language"),
    ("lang-bn", "Bengali", "language"),
    ("lang-es", "Spanish", "language"),
]
STEPS = [
    ("code-of-conduct", "Code of conduct signed", 10),
    ("data-protection", "Data protection briefing", 20),
    ("trained-canvassing", "Trained for canvassing", 30),
    ("trained-phone-bank", "Trained for phone banking", 40),
]
RULES = [("shift_attended", 10), ("hours", 5), ("task_done", 3)]
BADGES = [
    ("first-steps", "First steps", 10),
    ("regular", "Regular", 50),
    ("mainstay", "Mainstay", 150),
    ("champion", "Champion", 400),
]


def seed(apps, schema_editor):
    Skill = apps.get_model("volunteers", "Skill")
    OnboardingStep = apps.get_model("volunteers", "OnboardingStep")
    PointRule = apps.get_model("volunteers", "PointRule")
    Badge = apps.get_model("volunteers", "Badge")
    for code, name, kind in SKILLS:
        Skill.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
    for code, name, order in STEPS:
        OnboardingStep.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for source, points in RULES:
        PointRule.objects.get_or_create(source=source, defaults={"points": points})
    for code, name, threshold in BADGES:
        Badge.objects.get_or_create(code=code, defaults={"name": name, "threshold": threshold})


def unseed(apps, schema_editor):
    apps.get_model("volunteers", "Skill").objects.filter(code__in=[s[0] for s in SKILLS]).delete()
    apps.get_model("volunteers", "OnboardingStep").objects.filter(
        code__in=[s[0] for s in STEPS]
    ).delete()
    apps.get_model("volunteers", "PointRule").objects.filter(
        source__in=[r[0] for r in RULES]
    ).delete()
    apps.get_model("volunteers", "Badge").objects.filter(code__in=[b[0] for b in BADGES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0001_initial"),
        ("accounts", "0004_default_roles_require_2fa"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
        migration_helpers.grant(
            {
                "campaign_manager": [
                    "volunteers.view", "volunteers.manage", "volunteers.self", "volunteers.staff",
                ],
                "field_organiser": ["volunteers.view", "volunteers.manage", "volunteers.self"],
                "data_manager": ["volunteers.view"],
                "communications": ["volunteers.self"],
                "volunteer": ["volunteers.self"],
            }
        ),
    ]  # fmt: skip
