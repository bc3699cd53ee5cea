"""The per-person vote summary (ADR 0006): ``Person.votes_cast``, back-filled from vote history
(elections with votes get slots, oldest first)."""

from django.db import migrations, models

SLOTS = 63


def backfill(apps, schema_editor):
    Election = apps.get_model("geography", "Election")
    VoteHistory = apps.get_model("people", "VoteHistory")
    with_votes = VoteHistory.objects.filter(voted=True).values("election_id")
    used = set(Election.objects.exclude(vote_slot=None).values_list("vote_slot", flat=True))
    free = [s for s in range(SLOTS) if s not in used]
    for pk in (
        Election.objects.filter(vote_slot=None, pk__in=with_votes)
        .order_by("date", "pk")
        .values_list("pk", flat=True)
    ):
        if not free:
            break
        Election.objects.filter(pk=pk).update(vote_slot=free.pop(0))
    with schema_editor.connection.cursor() as cur:
        cur.execute(
            "UPDATE people_person SET votes_cast = COALESCE(("
            "SELECT SUM(CAST(1 AS bigint) << (SELECT e.vote_slot FROM geography_election e "
            "WHERE e.id = v.election_id)) FROM people_votehistory v "
            "WHERE v.person_id = people_person.id AND v.voted), 0) "
            "WHERE EXISTS (SELECT 1 FROM people_votehistory w "
            "WHERE w.person_id = people_person.id AND w.voted)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0015_person_name_keys"),
        ("geography", "0004_election_vote_slot"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="votes_cast",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
