"""The per-person vote summary (``Person.votes_cast``, ADR 0006): every writer of vote history
keeps it, and the vote filters read it (one predicate on the person row) with the same answers
as vote history itself."""

from __future__ import annotations

import csv
import datetime as dt
import random

from django.db import connection
from django.test.utils import CaptureQueriesContext

from grassroots.core.access import SYSTEM
from grassroots.geography import services as geo_services
from grassroots.geography.models import Election
from grassroots.lists import selectors
from grassroots.people import merge, services
from grassroots.people.imports import services as import_services
from grassroots.people.models import Person, VoteHistory
from grassroots.people.votes import SLOTS, vote_record, vote_summary_refresh


def seg(*items):
    return {"steps": [{"action": "add", "group": {"match": "all", "items": list(items)}}]}


def votes(at_least, last, kind="general"):
    return {"filter": "votes", "params": {"at_least": at_least, "last": last, "kind": kind}}


def voted_in(code, voted=True):
    return {"filter": "voted_in", "params": {"election": code, "voted": voted}}


def ids(definition):
    qs = selectors.segment_people(actor=SYSTEM, definition=definition)
    return set(qs.values_list("pk", flat=True))


def bits(person) -> set[str]:
    person.refresh_from_db()
    slots = dict(Election.objects.exclude(vote_slot=None).values_list("vote_slot", "code"))
    return {code for slot, code in slots.items() if person.votes_cast & (1 << slot)}


def make_election(geo, code, year, kind="general"):
    return geo_services.election_create(
        actor=SYSTEM,
        name=code,
        kind=kind,
        date=dt.date(year, 11, 5),
        area=geo["country"],
        code=code,
    )


def person(geo, name, **extra):
    return services.person_create(
        actor=SYSTEM, data={"given_name": name, "area": geo["p1"], **extra}
    )


def test_vote_filters_read_the_summary_not_vote_history(geo):
    a = person(geo, "Ananya")
    for year in (2018, 2020, 2022, 2024):
        e = make_election(geo, f"g{year}", year)
        vote_record(actor=SYSTEM, person=a, election=e, voted=True)
    for definition in (
        seg(votes(1, 4)),
        seg(votes(2, 4)),
        seg(votes(4, 4)),
        seg(voted_in("g2024")),
        seg(voted_in("g2024", voted=False)),
    ):
        qs = selectors.segment_people(actor=SYSTEM, definition=definition)
        with CaptureQueriesContext(connection) as ctx:
            list(qs)
        sql = ctx.captured_queries[0]["sql"]
        assert "people_votehistory" not in sql and "votes_cast" in sql, sql
    assert ids(seg(voted_in("g2024"))) == {a.pk}


def test_filters_answer_as_vote_history_does(geo):
    """Random histories over generals and by-elections: every built-in vote condition (and its
    negation) gives the people that counting the vote history rows gives."""
    rnd = random.Random(13)
    elections = [
        make_election(geo, f"{kind[:2]}{year}", year, kind)
        for year, kind in (
            (2014, "general"),
            (2016, "by_election"),
            (2018, "general"),
            (2019, "local"),
            (2020, "general"),
            (2022, "general"),
            (2023, "by_election"),
            (2024, "general"),
        )
    ]
    make_election(geo, "g2099", 2099)  # in the future: never among "the last M"
    people = [person(geo, f"P{i}") for i in range(40)]
    for p in people:
        for e in elections:
            roll = rnd.random()
            if roll < 0.45:
                vote_record(actor=SYSTEM, person=p, election=e, voted=True)
            elif roll < 0.6:
                vote_record(actor=SYSTEM, person=p, election=e, voted=False)
    voted = set(VoteHistory.objects.filter(voted=True).values_list("person_id", "election_id"))

    def expected(at_least, last, kind):
        held = sorted(
            (e for e in elections if not kind or e.kind == kind),
            key=lambda e: (e.date, e.pk),
            reverse=True,
        )[:last]
        if at_least > len(held):
            return set()
        return {p.pk for p in people if sum((p.pk, e.pk) in voted for e in held) >= at_least}

    everyone = {p.pk for p in people}
    for kind in ("", "general", "by_election"):
        for last in (1, 2, 3, 4, 6):
            for at_least in range(1, last + 1):
                want = expected(at_least, last, kind)
                assert ids(seg(votes(at_least, last, kind))) == want, (at_least, last, kind)
                negated = {**votes(at_least, last, kind), "negate": True}
                assert ids(seg(negated)) == everyone - want
    for e in elections:
        want = {pid for pid, eid in voted if eid == e.pk}
        assert ids(seg(voted_in(e.code))) == want
        assert ids(seg(voted_in(e.code, voted=False))) == everyone - want


def test_a_corrected_vote_and_a_deleted_election_keep_the_summary_right(geo):
    g20, g24 = make_election(geo, "g2020", 2020), make_election(geo, "g2024", 2024)
    a = person(geo, "Ananya")
    vote_record(actor=SYSTEM, person=a, election=g20, voted=True)
    vote_record(actor=SYSTEM, person=a, election=g24, voted=True)
    assert bits(a) == {"g2020", "g2024"}
    vote_record(actor=SYSTEM, person=a, election=g24, voted=False)
    assert bits(a) == {"g2020"}
    # A deleted election's slot is used again only after it is cleared from everyone.
    slot = Election.objects.get(pk=g20.pk).vote_slot
    g20.delete()
    g26 = make_election(geo, "g2026", 2026)
    b = person(geo, "Bikash")
    vote_record(actor=SYSTEM, person=b, election=g26, voted=True)
    assert Election.objects.get(pk=g26.pk).vote_slot == slot
    assert bits(a) == set() and bits(b) == {"g2026"}
    assert ids(seg(voted_in("g2026"))) == {b.pk}


def test_beyond_the_slots_the_filters_read_vote_history(geo):
    elections = [make_election(geo, f"e{i}", 1900 + i) for i in range(SLOTS + 2)]
    a, b = person(geo, "Ananya"), person(geo, "Bikash")
    for e in elections:
        vote_record(actor=SYSTEM, person=a, election=e, voted=True)
    vote_record(actor=SYSTEM, person=b, election=elections[-1], voted=True)
    assert Election.objects.filter(vote_slot=None).count() == 2  # the newest two
    assert ids(seg(voted_in(elections[-1].code))) == {a.pk, b.pk}
    assert ids(seg(voted_in(elections[0].code))) == {a.pk}
    assert ids(seg(votes(2, 3))) == {a.pk}
    assert ids(seg(votes(1, 1))) == {a.pk, b.pk}


def test_refresh_of_everyone_rebuilds_from_vote_history(geo):
    """What the migration and a bulk writer rely on: rows written without the summary are
    counted after one refresh."""
    e = make_election(geo, "g2024", 2024)
    a, b = person(geo, "Ananya"), person(geo, "Bikash")
    VoteHistory.objects.create(person=a, election=e, voted=True)
    VoteHistory.objects.create(person=b, election=e, voted=False)
    Person.objects.filter(pk=b.pk).update(votes_cast=1 << 5)  # stale
    vote_summary_refresh()
    assert bits(a) == {"g2024"} and bits(b) == set()
    assert ids(seg(voted_in("g2024"))) == {a.pk}


US_HEADER = [
    "VoterID", "FirstName", "MiddleName", "LastName", "BirthDate", "Gender", "HouseNumber",
    "Street", "Unit", "City", "Zip", "Precinct", "Phone", "Email", "G2022", "P2024", "G2024",
]  # fmt: skip


def test_an_import_keeps_the_summary_when_it_creates_and_updates(geo, tmp_path):
    geo_services.area_create(
        actor=SYSTEM, kind=geo["kinds"]["part"], code="US-CA-P1", name="P1", parent=geo["country"]
    )
    for code, date in (
        ("us-2022-general", "2022-11-08"),
        ("us-2024-primary", "2024-03-05"),
        ("us-2024-general", "2024-11-05"),
    ):
        geo_services.election_create(
            actor=SYSTEM,
            name=code,
            kind="general" if "general" in code else "primary",
            date=dt.date.fromisoformat(date),
            area=geo["country"],
            code=code,
        )

    def run(g22, g24):
        path = tmp_path / "vf.csv"
        row = ["100001", "Maria", "", "Lopez", "03/14/1980", "F", "12", "Grand Ave", "",
               "Oakland", "94610", "US-CA-P1", "", "", g22, "N", g24]  # fmt: skip
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([US_HEADER, row])
        batch = import_services.import_create(
            actor=SYSTEM, path=path, template="us-voter-file", dry_run=False
        )
        import_services.import_run(batch=batch)

    run("Y", "N")
    maria = Person.objects.get(given_name="Maria")
    assert bits(maria) == {"us-2022-general"}
    assert ids(seg(votes(1, 1))) == set()
    run("N", "M")  # the file corrected: voted by mail in 2024, not in 2022
    assert bits(maria) == {"us-2024-general"}
    assert ids(seg(votes(1, 1))) == {maria.pk}


def test_a_merge_and_its_undo_keep_both_summaries(geo):
    g20, g24 = make_election(geo, "g2020", 2020), make_election(geo, "g2024", 2024)
    a, b = person(geo, "Ananya", family_name="Das"), person(geo, "Ananya", family_name="Dass")
    vote_record(actor=SYSTEM, person=a, election=g20, voted=True)
    vote_record(actor=SYSTEM, person=b, election=g24, voted=True)
    record = merge.person_merge(actor=SYSTEM, survivor=a, loser=b)
    assert bits(a) == {"g2020", "g2024"}
    assert ids(seg(votes(2, 2))) == {a.pk}
    loser = merge.person_merge_undo(actor=SYSTEM, record=record)
    assert bits(a) == {"g2020"} and bits(loser) == {"g2024"}
    assert ids(seg(votes(2, 2))) == set()
