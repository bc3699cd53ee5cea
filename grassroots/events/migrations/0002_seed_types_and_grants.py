"""Seed the built-in event types and give the default roles the events capabilities."""

import datetime

from django.db import migrations

from grassroots.accounts import migration_helpers

TYPES = [
    # slug, name, is_virtual
    ("canvass", "Canvass", False),
    ("phone_bank", "Phone bank", False),
    ("text_bank", "Text bank", False),
    ("rally", "Rally", False),
    ("meeting", "Meeting", False),
    ("training", "Training", False),
    ("town_hall", "Town hall", False),
    ("booth_meeting", "Booth meeting", False),
    ("fundraiser", "Fundraiser", False),
    ("virtual", "Virtual event", True),
]


def seed_types(apps, schema_editor):
    EventType = apps.get_model("events", "EventType")
    for position, (slug, name, is_virtual) in enumerate(TYPES):
        EventType.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "is_virtual": is_virtual,
                "position": position,
                "reminder_day_before": datetime.time(18, 0),
                "reminder_morning_of": datetime.time(8, 0),
            },
        )


def unseed_types(apps, schema_editor):
    EventType = apps.get_model("events", "EventType")
    EventType.objects.filter(slug__in=[t[0] for t in TYPES], events__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_add_events"),
        ("accounts", "0002_add_default_roles"),
    ]

    operations = [
        migrations.RunPython(seed_types, unseed_types),
        migration_helpers.grant(
            {
                "campaign_manager": ["events.view", "events.manage"],
                "field_organiser": ["events.view", "events.manage"],
                "communications": ["events.view", "events.manage"],
                "data_manager": ["events.view"],
                "volunteer": ["events.view"],
                "auditor": ["events.view"],
            }
        ),
    ]
