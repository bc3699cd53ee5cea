"""Doors knocked count on the leaderboards (one point a door; an admin may change it), and the
canvassing capabilities for the existing installations' default roles (only roles still
called by their default slug; roles an admin created or renamed are left as they are)."""

from django.db import migrations

from grassroots.accounts import migration_helpers


def seed_points(apps, schema_editor):
    PointRule = apps.get_model("volunteers", "PointRule")
    PointRule.objects.get_or_create(source="doors_knocked", defaults={"points": 1})


def unseed_points(apps, schema_editor):
    apps.get_model("volunteers", "PointRule").objects.filter(source="doors_knocked").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("canvassing", "0001_add_canvassing"),
        ("accounts", "0002_add_default_roles"),
        ("volunteers", "0002_seed_reference_data"),
    ]

    operations = [
        migrations.RunPython(seed_points, unseed_points),
        migration_helpers.grant(
            {
                "campaign_manager": ["canvassing.view", "canvassing.manage", "canvassing.canvass"],
                "field_organiser": ["canvassing.view", "canvassing.manage", "canvassing.canvass"],
                "data_manager": ["canvassing.view"],
                "volunteer": ["canvassing.canvass"],
                "auditor": ["canvassing.view"],
            }
        )]
