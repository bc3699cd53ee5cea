"""P2P texting's canned responses answer survey questions (issue 16): the campaign names a
survey script, a canned response a question of it and its answer. The custom-field pair they
replace is moved over by 0017 and dropped by 0018."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0015_webhook_event_queue"),
        ("surveys", "0002_seed_result_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="textingcampaign",
            name="survey_script",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="surveys.script",
                verbose_name="survey script",
            ),
        ),
        migrations.AddField(
            model_name="cannedresponse",
            name="question",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="surveys.block",
                verbose_name="survey question",
            ),
        ),
        migrations.AddField(
            model_name="cannedresponse",
            name="choice",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="surveys.choice",
                verbose_name="recorded answer",
            ),
        ),
        migrations.AddField(
            model_name="cannedresponse",
            name="value",
            field=models.CharField(
                blank=True, default="", max_length=200, verbose_name="answer (number or text)"
            ),
        ),
    ]
