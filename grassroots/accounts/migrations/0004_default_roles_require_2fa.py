"""The default roles that can export, change roles or touch money require two-factor sign-in.

Only roles still called by their default slug are changed; their users who have not enrolled an
authenticator app are sent to enrolment at their next sign-in, and their API tokens are refused
until they enrol. Reversing turns the requirement off again for the same roles."""

from django.db import migrations

ROLES = ["admin", "campaign_manager", "data_manager", "finance"]


def require(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(slug__in=ROLES).update(require_2fa=True)


def unrequire(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(slug__in=ROLES).update(require_2fa=False)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_security_and_login_throttle")]
    operations = [migrations.RunPython(require, unrequire)]
