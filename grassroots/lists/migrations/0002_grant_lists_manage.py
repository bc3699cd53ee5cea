"""Give the default roles that build lists the new ``lists.manage`` capability.

Only roles still called by their default slug get it, and only if they lack it; roles an admin
created or renamed are left as they are.
"""

from django.db import migrations

ROLES = ("campaign_manager", "data_manager", "field_organiser")


def grant(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(slug__in=ROLES):
        caps = list(role.capabilities or [])
        if "lists.manage" not in caps and "*" not in caps:
            role.capabilities = [*caps, "lists.manage"]
            role.save(update_fields=["capabilities"])


def revoke(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(slug__in=ROLES):
        caps = [c for c in role.capabilities or [] if c != "lists.manage"]
        if caps != role.capabilities:
            role.capabilities = caps
            role.save(update_fields=["capabilities"])


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0001_add_segments_and_lists"),
        ("accounts", "0002_add_default_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
