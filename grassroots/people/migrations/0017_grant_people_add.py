"""Give the default roles the new ``people.add`` capability: booth volunteers add a new elector
or household member in their own areas (issue 13 item 25); the roles that edit people add too.

Only roles still called by their default slug get it, and only if they lack it; roles an admin
created or renamed are left as they are.
"""

from django.db import migrations

from grassroots.accounts import migration_helpers


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0016_person_votes_cast"),
        ("accounts", "0002_add_default_roles"),
    ]

    operations = [
        migration_helpers.grant(
            {
                "campaign_manager": ["people.add"],
                "data_manager": ["people.add"],
                "field_organiser": ["people.add"],
                "volunteer": ["people.add"],
            }
        )
    ]
