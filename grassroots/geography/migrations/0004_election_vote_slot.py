from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("geography", "0003_area_kind_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="election",
            name="vote_slot",
            field=models.PositiveSmallIntegerField(
                blank=True, editable=False, null=True, unique=True
            ),
        ),
    ]
