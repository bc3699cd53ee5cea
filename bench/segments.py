"""Segments on a generated PostgreSQL database (1,000,000 people; ``BENCH_SCALE`` shrinks it).

For four representative segments, the builder's live count (a full Django request: people,
households and a sample of ten) next to the same three queries written by hand in SQL, in the
same run. Goal: within 1.2x of the hand-written SQL, and under 200 ms at 1M people.

Reuses the people benchmark's database (``bench/people.py``) and adds what segments need:
four general elections with vote history, and contact dates.

    BENCH_SCALE=100000 make bench BENCH=segments
"""

from __future__ import annotations

import datetime as dt
import json
import time

from bench.common import median_ms, print_table, row, scale
from bench.people import _generate, _setup_django

ELECTIONS = [
    ("bench-g2018", 2018),
    ("bench-g2020", 2020),
    ("bench-g2022", 2022),
    ("bench-g2024", 2024),
]


def _extras() -> None:
    """Vote history (4 generals) and last contact dates, once per generated database."""
    from django.db import connection, transaction

    from grassroots.geography.models import Area, Election

    if Election.objects.filter(code="bench-g2024").exists():
        if not Election.objects.filter(code="bench-g2024", vote_slot__isnull=False).exists():
            _summary()  # a database generated before the summary existed
        return
    print("adding vote history and contact dates …", flush=True)
    start = time.perf_counter()
    root = Area.objects.get(code="BENCH")
    with transaction.atomic():
        for code, year in ELECTIONS:
            Election.objects.create(
                code=code,
                name=f"General {year}",
                kind="general",
                date=dt.date(year, 11, 5),
                area=root,
            )
        with connection.cursor() as cur:
            for i, (code, _year) in enumerate(ELECTIONS):
                cur.execute(
                    """INSERT INTO people_votehistory (person_id, election_id, voted, method,
                                                      ballot_party)
                       SELECT id, (SELECT id FROM geography_election WHERE code = %s),
                              abs(hashtext('v' || %s || id)) %% 100 < 55, '', ''
                       FROM people_person""",
                    [code, i],
                )
            cur.execute(
                """UPDATE people_person SET last_contacted_at = now() - (abs(hashtext('lc' || id)) % 120) * INTERVAL '1 day'
                   WHERE abs(hashtext('c' || id)) % 3 = 0"""
            )
    print(f"added in {time.perf_counter() - start:.1f}s", flush=True)
    _summary()


def _summary() -> None:
    """The per-person vote summary (ADR 0006), as a writer of vote history keeps it: one
    refresh of everyone after the bulk insert (timed: what a full back-fill costs)."""
    from django.db import connection, transaction

    from grassroots.people.votes import vote_summary_refresh

    with connection.cursor() as cur:
        cur.execute("ANALYZE people_votehistory")  # as a settled database has, after the insert
    start = time.perf_counter()
    with transaction.atomic():
        vote_summary_refresh()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE people_votehistory")
        cur.execute("VACUUM ANALYZE people_person")
    print(f"vote summary of everyone in {time.perf_counter() - start:.1f}s", flush=True)


def _raw(where: str, params: list) -> None:
    """What the live count runs, by hand: people, households, the first ten by name."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*), count(DISTINCT p.household_id) FROM people_person p WHERE {where}",
            params,
        )
        cur.fetchone()
        cur.execute(
            "SELECT p.id, p.full_name, p.native_name, p.born_estimate, a.name FROM people_person p "
            f"LEFT JOIN geography_area a ON a.id = p.area_id WHERE {where} "
            "ORDER BY p.family_name, p.given_name, p.id LIMIT 10",
            params,
        )
        cur.fetchall()


def _years_ago(years: int) -> dt.date:
    from grassroots.people.validation import years_before

    return years_before(dt.date.today(), years)


def run() -> list[dict]:
    _setup_django()
    n = scale(1_000_000)
    _generate(n)
    _extras()

    from django.test import Client
    from django.utils import timezone

    from grassroots.accounts.models import Role, User
    from grassroots.geography.models import Area, Election
    from grassroots.people.models import Tag

    user = User.objects.filter(username="bench").first()
    if user is None:
        user = User.objects.create_user(
            "bench", password="bench-password-123", scope_all=True, two_factor_exempt=True
        )
        user.roles.set(Role.objects.filter(slug="campaign_manager"))
    client = Client()
    client.force_login(user)
    ac3, ac1, ac5 = (Area.objects.get(code=f"BENCH-AC00{i}") for i in (3, 1, 5))
    tag_id = Tag.objects.get(slug="bench-tag").pk
    since = timezone.now() - dt.timedelta(days=30)
    last4 = list(
        Election.objects.filter(code__startswith="bench-g")
        .order_by("-date")
        .values_list("id", "vote_slot")[:4]
    )
    generals = [i for i, _s in last4]
    # The same question by hand over the same summary: the bits of the four set, at least 2.
    bits = " + ".join(f"((p.votes_cast >> {s}) & 1)" for _i, s in last4)

    def area(a):
        return {"filter": "area", "params": {"areas": [a.code]}}

    def seg(*items, match="all"):
        return {"steps": [{"action": "add", "group": {"match": match, "items": list(items)}}]}

    in_area = "p.area_id IN (SELECT id FROM geography_area WHERE path LIKE %s)"
    cases = [
        (
            "area + age 18-35 + not contacted 30d + support 1-2",
            seg(area(ac3), {"filter": "age", "params": {"min": 18, "max": 35}},
                {"filter": "contacted", "params": {"days": 30}, "negate": True},
                {"filter": "support", "params": {"scores": ["1", "2"]}}),
            f"{in_area} AND p.born_estimate <= %s AND p.born_estimate > %s "
            "AND (p.last_contacted_at IS NULL OR p.last_contacted_at < %s) AND p.support_score IN (1, 2)",
            [ac3.path + "%", _years_ago(18), _years_ago(36), since],
        ),
        (
            "voted in 2 of the last 4 generals",
            seg({"filter": "votes", "params": {"at_least": 2, "last": 4, "kind": "general"}}),
            f"({bits}) >= 2",
            [],
        ),
        (
            "reachable by SMS in one constituency",
            seg(area(ac3), {"filter": "reachable", "params": {"channel": "sms"}}),
            f"{in_area} AND EXISTS (SELECT 1 FROM people_contactpoint c WHERE c.person_id = p.id "
            "AND c.channel = 'phone' AND c.status IN ('active', 'unverified') AND c.phone_kind <> 'landline') "
            "AND NOT p.do_not_contact AND p.status = 'active' AND p.id NOT IN (SELECT person_id FROM "
            "people_consent WHERE channel = 'sms' AND purpose = 'campaign' AND status = 'withdrawn')",
            [ac3.path + "%"],
        ),
        (
            "three groups OR'd (tag | 60+ in AC1 | support 1 in AC5)",
            seg({"filter": "tags", "params": {"tags": ["bench-tag"]}},
                {"match": "all", "items": [area(ac1), {"filter": "age", "params": {"min": 60}}]},
                {"match": "all", "items": [area(ac5), {"filter": "support", "params": {"scores": ["1"]}}]},
                match="any"),
            f"(EXISTS (SELECT 1 FROM people_tagging t WHERE t.person_id = p.id AND t.tag_id = {tag_id}) "
            f"OR ({in_area} AND p.born_estimate <= %s) OR ({in_area} AND p.support_score = 1))",
            [ac1.path + "%", _years_ago(60), ac5.path + "%"],
        ),
    ]  # fmt: skip
    rows = []
    for label, definition, where, params in cases:
        body = {"definition": json.dumps(definition)}

        def live(body=body):
            # The whole wait for the number: within the budget, or "counting…" and then the
            # builder's second request (wait=1) that brings it.
            r = client.post("/segments/count/", body)
            if b"bigcount" not in r.content and b"hx-vals" in r.content:
                r = client.post("/segments/count/", {**body, "wait": "1"})
            assert r.status_code == 200 and b"bigcount" in r.content, r.content[:300]

        def api(definition=definition):
            r = client.post(
                "/api/v1/segments/preview/",
                {"definition": definition},
                content_type="application/json",
            )
            assert r.status_code == 200, r.content[:300]

        baseline = median_ms(lambda where=where, params=params: _raw(where, params))
        rows.append(row("segments", f"live count: {label}", median_ms(live), "ms", baseline, n))
        rows.append(row("segments", f"API count: {label}", median_ms(api), "ms", baseline, n))
    # For honesty: the hand-written SQL over vote history itself (what the filter ran before
    # the summary), next to the same hand-written SQL over the summary.
    old_where = (
        "p.id IN (SELECT v.person_id FROM people_votehistory v WHERE v.voted "
        "AND v.election_id = ANY(%s) GROUP BY v.person_id HAVING count(*) >= 2)"
    )
    summary = median_ms(lambda: _raw(f"({bits}) >= 2", []))
    over_history = median_ms(lambda: _raw(old_where, [generals]), repeat=3, warmup=1)
    rows.append(
        row("segments", "hand SQL over vote history: 2 of the last 4", over_history, "ms",
            summary, n)
    )  # fmt: skip
    print_table(rows)
    return rows


if __name__ == "__main__":
    run()
