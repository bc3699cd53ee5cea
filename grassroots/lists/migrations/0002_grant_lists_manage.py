"""Give the default roles that build lists the new ``lists.manage`` capability.

Only roles still called by their default slug get it, and only if they lack it; roles an admin
created or renamed are left as they are.
"""

from django.db import migrations

from grassroots.accounts import migration_helpers


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0001_add_segments_and_lists"),
        ("accounts", "0002_add_default_roles"),
    ]

    operations = [
        migration_helpers.grant(
            {
                "campaign_manager": ["lists.manage"],
                "data_manager": ["lists.manage"],
                "field_organiser": ["lists.manage"],
            }
        )
    ]
