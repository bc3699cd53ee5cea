"""Give the default roles that send messages the new messaging capabilities.

Only roles still called by their default slug get them, and only if they lack them; roles an
admin created or renamed are left as they are.
"""

from django.db import migrations

GRANTS = {
    "campaign_manager": ["messaging.send", "messaging.configure"],
    "communications": ["messaging.send", "lists.manage"],
}


def grant(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(slug__in=GRANTS):
        caps = list(role.capabilities or [])
        add = [c for c in GRANTS[role.slug] if c not in caps]
        if add and "*" not in caps:
            role.capabilities = caps + add
            role.save(update_fields=["capabilities"])


def revoke(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(slug__in=GRANTS):
        caps = [c for c in role.capabilities or [] if c not in GRANTS[role.slug]]
        if caps != role.capabilities:
            role.capabilities = caps
            role.save(update_fields=["capabilities"])


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_add_messaging"),
        ("accounts", "0002_add_default_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
