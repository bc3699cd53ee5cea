"""Campaign managers set the event types' reminder times on a screen (``events.configure``).

Only a role still called by its default slug gets it; roles an admin created or renamed are left
as they are."""

from django.db import migrations

from grassroots.accounts import migration_helpers


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_engagement"),
        ("accounts", "0002_add_default_roles"),
    ]

    operations = [migration_helpers.grant({"campaign_manager": ["events.configure"]})]
