"""Let the default roles that text (volunteers, field organisers) take part in P2P texting.

Only roles still called by their default slug get them, and only if they lack them; roles an
admin created or renamed are left as they are.
"""

from django.db import migrations

from grassroots.accounts import migration_helpers


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0004_add_texting"),
        ("accounts", "0002_add_default_roles"),
    ]

    operations = [
        migration_helpers.grant(
            {
                "volunteer": ["messaging.text"],
                "field_organiser": ["messaging.text"],
            }
        )
    ]
