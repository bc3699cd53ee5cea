"""The per-person vote summary (ADR 0006): one bit per election on ``Person.votes_cast``.

An election gets a *slot* (``Election.vote_slot``, 0–62) when its first vote is recorded; bit
``slot`` of a person's ``votes_cast`` is set when their vote history says they voted in it.
Then "voted in E", "did not vote in E" and "voted in at least N of the last M" are each one
predicate on the person row (``votes_cast & mask`` and a sum of its bits), combined with the
other conditions in the same scan instead of a grouped join over millions of vote rows.

Every write of vote history calls :func:`vote_summary_refresh` for the people it touched (the
import engine, a merge and its undo, the demo, the benchmark); it recomputes their summary from
their vote history in one statement, so it is right whatever was written before. An election
beyond the 63rd with votes has no slot; the filters read vote history for it, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from grassroots.core import access

SLOTS = 63  # bits 0–62 of a signed 64-bit integer
PART = 5000  # people per statement


def slot_mask(slots: Iterable[int]) -> int:
    mask = 0
    for s in slots:
        mask |= 1 << s
    return mask


def _summary_sql(where: str) -> str:
    """``UPDATE`` of ``votes_cast`` from vote history, for the people ``where`` selects
    (the same SQL on SQLite and PostgreSQL: each person's bits are distinct, so their sum is
    their OR). Driven by the person's vote rows (the ``(person, election)`` index), each
    looking up its election's slot; an election without one adds nothing (NULL)."""
    return (
        "UPDATE people_person SET votes_cast = COALESCE(("  # noqa: S608 - fixed text, int ids
        "SELECT SUM(CAST(1 AS bigint) << (SELECT e.vote_slot FROM geography_election e "
        "WHERE e.id = v.election_id)) FROM people_votehistory v "
        "WHERE v.person_id = people_person.id AND v.voted), 0) "
        f"WHERE {where}"
    )


# Everyone whose summary may be wrong: has one, or has a vote (a probe of the vote index per
# person; an ``IN (SELECT …)`` inside the OR was not hashed at 4M votes and never finished).
EVERYONE = (
    "votes_cast <> 0 OR EXISTS (SELECT 1 FROM people_votehistory w "
    "WHERE w.person_id = people_person.id AND w.voted)"
)


def summary_of(slots: Iterable[int | None]) -> int:
    """The summary of someone who voted in the elections with these slots (``None``: an
    election without a slot, left out of the summary)."""
    return slot_mask(s for s in slots if s is not None)


def vote_slots(election_ids: Iterable[int]) -> dict[int, int | None]:
    """Election id → slot, for a bulk writer that computes the summary of new people itself;
    elections about to receive their first votes get a slot first (while slots last)."""
    from grassroots.geography.models import Election

    ids = sorted(set(election_ids))
    if not ids:
        return {}
    election_slots_assign(ids)
    return dict(Election.objects.filter(pk__in=ids).values_list("pk", "vote_slot"))


def election_slots_assign(election_ids: Iterable[int] | None = None) -> None:
    """Give a slot to every election that has votes and none yet (or to these elections,
    about to get votes), oldest first, while slots last. A slot freed by a deleted election is
    cleared from everyone before it is used again."""
    from grassroots.geography.models import Election
    from grassroots.people.models import VoteHistory

    waiting = Election.objects.filter(vote_slot__isnull=True)
    if election_ids is not None:
        waiting = waiting.filter(pk__in=list(election_ids))
    else:
        # EXISTS per election without a slot (usually none): the election index, not a pass
        # over all vote history.
        waiting = waiting.filter(
            Exists(VoteHistory.objects.filter(election_id=OuterRef("pk"), voted=True))
        )
    if not waiting.exists():
        return
    with transaction.atomic():
        # One assigner at a time: lock the (small) election table's rows, then read again.
        list(Election.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        used = set(
            Election.objects.filter(vote_slot__isnull=False).values_list("vote_slot", flat=True)
        )
        free = [s for s in range(SLOTS) if s not in used]
        for election in waiting.order_by("date", "pk"):
            if not free:
                return
            slot = free.pop(0)
            with connection.cursor() as cur:
                cur.execute(
                    "UPDATE people_person SET votes_cast = votes_cast - %s "
                    "WHERE votes_cast <> 0 AND (votes_cast & %s) <> 0",
                    [1 << slot, 1 << slot],
                )
            Election.objects.filter(pk=election.pk).update(vote_slot=slot)


def vote_summary_refresh(person_ids: Iterable[int] | None = None) -> None:
    """Recompute ``votes_cast`` from vote history for these people (everyone when ``None``)."""
    election_slots_assign()
    with connection.cursor() as cur:
        if person_ids is None:
            cur.execute(_summary_sql(EVERYONE))
            return
        ids = sorted({int(i) for i in person_ids})
        for start in range(0, len(ids), PART):
            part = ", ".join(str(i) for i in ids[start : start + PART])
            cur.execute(_summary_sql(f"id IN ({part})"))


@transaction.atomic
def vote_record(
    *,
    actor: Any,
    person: Any,
    election: Any,
    voted: bool,
    method: str = "",
    ballot_party: str = "",
) -> Any:
    """Record (or correct) whether a person voted in an election, and keep their summary."""
    from grassroots.people.models import VoteHistory

    access.require_object(actor, "people.edit", person)
    row, _created = VoteHistory.objects.update_or_create(
        person_id=person.pk,
        election_id=election.pk,
        defaults={"voted": voted, "method": method, "ballot_party": ballot_party},
    )
    vote_summary_refresh([person.pk])
    return row
