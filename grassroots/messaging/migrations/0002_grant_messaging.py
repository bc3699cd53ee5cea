"""Give the default roles that send messages the new messaging capabilities.

Only roles still called by their default slug get them, and only if they lack them; roles an
admin created or renamed are left as they are.
"""

from django.db import migrations

from grassroots.accounts import migration_helpers


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_add_messaging"),
        ("accounts", "0002_add_default_roles"),
    ]

    operations = [
        migration_helpers.grant(
            {
                "campaign_manager": ["messaging.send", "messaging.configure"],
                "communications": ["messaging.send", "lists.manage"],
            }
        )
    ]
