"""PostgreSQL only: trigram indexes so name search (icontains) stays fast at millions of rows."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS people_person_fullname_trgm ON people_person "
    "USING gin (UPPER(full_name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS people_person_native_trgm ON people_person "
    "USING gin (UPPER(native_name::text) gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS people_person_fullname_trgm",
    "DROP INDEX IF EXISTS people_person_native_trgm",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
