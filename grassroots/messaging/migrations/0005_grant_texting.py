"""Let the default roles that text (volunteers, field organisers) take part in P2P texting.

Only roles still called by their default slug get them, and only if they lack them; roles an
admin created or renamed are left as they are.
"""

from django.db import migrations

GRANTS = {
    "volunteer": ["messaging.text"],
    "field_organiser": ["messaging.text"],
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
        ("messaging", "0004_add_texting"),
        ("accounts", "0002_add_default_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
