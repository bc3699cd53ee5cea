from django.db import migrations


def add_default_roles(apps, schema_editor):
    from grassroots.accounts.capabilities import default_roles

    Role = apps.get_model("accounts", "Role")
    for spec in default_roles():
        Role.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "capabilities": spec["capabilities"],
                "require_2fa": spec["require_2fa"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(add_default_roles, migrations.RunPython.noop)]
