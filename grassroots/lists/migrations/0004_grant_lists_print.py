"""Give the default roles the new ``lists.print`` capability: a booth volunteer prints their
booth's page list, voter slips, walk and call lists (issue 13 item 24); the roles that build
lists print too.

Only roles still called by their default slug get it, and only if they lack it; roles an admin
created or renamed are left as they are.
"""

from django.db import migrations

from grassroots.accounts import migration_helpers


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0003_scope_area"),
        ("accounts", "0002_add_default_roles"),
    ]

    operations = [
        migration_helpers.grant(
            {
                "campaign_manager": ["lists.print"],
                "data_manager": ["lists.print"],
                "field_organiser": ["lists.print"],
                "communications": ["lists.print"],
                "volunteer": ["lists.print"],
            }
        )
    ]
