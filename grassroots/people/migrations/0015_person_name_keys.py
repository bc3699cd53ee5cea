"""Person.name_keys: the matching keys of every word of a person's names, so name search
tolerates spellings and scripts (issue 13 §19). Filled for everyone here; a trigram index on
PostgreSQL serves ``LIKE '% key%'``."""

from django.db import migrations, models

from grassroots.people.dedupe.names import person_name_keys

TRGM = (
    "CREATE INDEX IF NOT EXISTS people_person_namekeys_trgm ON people_person "
    "USING gin (name_keys gin_trgm_ops)"
)
BATCH = 5000


def fill(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    fields = ("given_name", "middle_name", "family_name", "native_name")
    keys: dict[tuple, str] = {}  # names repeat: compute each distinct one once
    last = 0
    while True:
        rows = list(
            Person.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:BATCH]
        )
        if not rows:
            break
        todo = []
        for pk, *names in rows:
            key = tuple(names)
            if key not in keys:
                keys[key] = person_name_keys(dict(zip(fields, names, strict=True)))
                if len(keys) > 200_000:
                    keys.clear()
            todo.append(Person(pk=pk, name_keys=keys[key]))
        Person.objects.bulk_update(todo, ["name_keys"], batch_size=500)
        last = rows[-1][0]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(TRGM)


def unfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS people_person_namekeys_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0014_custom_field_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="name_keys",
            field=models.CharField(default="", editable=False, max_length=400),
        ),
        migrations.RunPython(fill, unfill, elidable=True),
    ]
