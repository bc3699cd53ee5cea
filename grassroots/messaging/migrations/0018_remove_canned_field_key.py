"""The custom-field pair of canned responses is gone: 0017 moved it to survey answers."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("messaging", "0017_canned_answers_to_surveys")]

    operations = [
        migrations.RemoveField(model_name="cannedresponse", name="field_key"),
        migrations.RemoveField(model_name="cannedresponse", name="field_value"),
    ]
