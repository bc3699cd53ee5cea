"""People search and filtered list on a generated PostgreSQL database (1,000,000 people).

Measures the whole page (Django test client: middleware, scope, filters, pagination, template)
against the same query written by hand in SQL (count + first page), in the same run.
Target: the page within 2x of the raw query.

    BENCH_SCALE=100000 make bench BENCH=people     # a quicker run
    BENCH_DATABASE_URL=postgres://...              # where to build the data (default: grassroots_bench)
"""

from __future__ import annotations

import os
import time
from urllib.parse import quote

from bench.common import median_ms, print_table, row, scale
from grassroots.core.access import SYSTEM

GIVEN = [
    ("Ananya", "অনন্যা"),
    ("Sourav", "সৌরভ"),
    ("Debashis", "দেবাশিস"),
    ("Moumita", "মৌমিতা"),
    ("Rupa", "রূপা"),
    ("Arjun", "अर्जुन"),
    ("Priya", "प्रिया"),
    ("Rahul", "राहुल"),
    ("Sunita", "सुनीता"),
    ("Amit", "अमित"),
    ("Pooja", "पूजा"),
    ("Rakesh", "राकेश"),
    ("Kavita", "कविता"),
    ("Sanjay", "संजय"),
    ("Neha", "नेहा"),
    ("Vikram", "विक्रम"),
    ("Anjali", "अंजलि"),
    ("Suresh", "सुरेश"),
    ("Meena", "मीना"),
    ("Ravi", "रवि"),
    ("Tanmay", "তন্ময়"),
    ("Shreya", "শ্রেয়া"),
    ("Bikash", "বিকাশ"),
    ("Jaya", "জয়া"),
    ("John", ""),
    ("Mary", ""),
    ("Maria", ""),
    ("James", ""),
    ("Linda", ""),
    ("Robert", ""),
]
FAMILY = [
    ("Banerjee", "বন্দ্যোপাধ্যায়"),
    ("Chatterjee", "চট্টোপাধ্যায়"),
    ("Das", "দাস"),
    ("Ghosh", "ঘোষ"),
    ("Mukherjee", "মুখোপাধ্যায়"),
    ("Sen", "সেন"),
    ("Bose", "বসু"),
    ("Roy", "রায়"),
    ("Saha", "সাহা"),
    ("Mondal", "মণ্ডল"),
    ("Sharma", "शर्मा"),
    ("Gupta", "गुप्ता"),
    ("Singh", "सिंह"),
    ("Yadav", "यादव"),
    ("Agarwal", "अग्रवाल"),
    ("Verma", "वर्मा"),
    ("Khan", "খান"),
    ("Sheikh", "শেখ"),
    ("Smith", ""),
    ("Garcia", ""),
    ("Nguyen", ""),
    ("Johnson", ""),
    ("Lopez", ""),
    ("Kim", ""),
    ("Patel", "पटेल"),
]
PARTS = 1000


def _setup_django() -> None:
    url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/grassroots_bench"
    )
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ["GRASSROOTS_TASK_BACKEND"] = "immediate"
    import psycopg

    base, _, dbname = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _generate(n: int) -> None:
    from django.db import connection, transaction

    from grassroots.people.models import Person, Tag

    if (
        Person.objects.count() == n
        and Tag.objects.filter(slug="bench-tag", description="v3").exists()
    ):
        print(f"reusing the generated database ({n:,} people)")
        return
    print(f"generating {n:,} people …", flush=True)
    start = time.perf_counter()
    with transaction.atomic():
        _generate_rows(n)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # hint bits and visibility map, as a settled database has
    print(f"generated in {time.perf_counter() - start:.1f}s", flush=True)


def _generate_rows(n: int) -> None:
    """All or nothing (one transaction): a half-built database is never reused."""
    from django.db import connection

    from grassroots.geography import services as geo
    from grassroots.people.models import Tag

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE people_tagging, people_contactpoint, people_externalid, people_person, "
            "people_household, people_address, geography_pollingstation, geography_area CASCADE"
        )
    state = geo.area_kind_ensure(code="state", name="State")
    ac_kind = geo.area_kind_ensure(code="ac", name="Assembly constituency")
    part_kind = geo.area_kind_ensure(code="part", name="Part", is_polling_unit=True)
    root = geo.area_create(actor=SYSTEM, kind=state, code="BENCH", name="Bench state")
    acs = geo.areas_bulk_create(
        [{"kind": ac_kind, "code": f"BENCH-AC{i:03d}", "name": f"AC {i}"} for i in range(10)], root
    )
    for ac in acs:
        geo.areas_bulk_create(
            [
                {"kind": part_kind, "code": f"{ac.code}-P{j:03d}", "name": f"Part {j}"}
                for j in range(PARTS // len(acs))
            ],
            ac,
        )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT array_agg(id ORDER BY id) FROM geography_area WHERE code LIKE 'BENCH-AC%-P%'"
        )
        part_ids = cur.fetchone()[0]
        cur.execute(
            """
            INSERT INTO people_person (created_at, updated_at, given_name, middle_name, family_name,
                full_name, native_name, gender, born_estimate, age, age_as_of, relation_type,
                relative_name, preferred_language, support_score, status, do_not_contact, source,
                area_id, serial_number, name_keys, name_suffix, party, voter_status)
            SELECT now(), now(), g[1], '', f[1], g[1] || ' ' || f[1],
                   CASE WHEN g[2] <> '' AND f[2] <> '' THEN g[2] || ' ' || f[2] ELSE '' END,
                   CASE WHEN h.sex %% 2 = 0 THEN 'female' ELSE 'male' END,
                   DATE '2026-01-01' - ((18 + h.age) * 365 + h.day) * INTERVAL '1 day',
                   18 + h.age, DATE '2026-01-01', '', '', '',
                   CASE WHEN h.sup %% 3 = 0 THEN 1 + h.sup %% 5 END, 'active', false, 'bench',
                   (%(parts)s::bigint[])[1 + h.part %% array_length(%(parts)s::bigint[], 1)],
                   s %% 1200, '', '', '', ''
            FROM generate_series(1, %(n)s) AS s,
                 -- independent pseudo-random columns (a real hash per column, so filters
                 -- on area, tag and age are not correlated through the row number)
                 LATERAL (SELECT abs(hashtext('g' || s)) AS sex, abs(hashtext('a' || s)) %% 70 AS age,
                                 abs(hashtext('d' || s)) %% 365 AS day, abs(hashtext('s' || s)) AS sup,
                                 abs(hashtext('p' || s)) AS part, abs(hashtext('n' || s)) AS gn,
                                 abs(hashtext('f' || s)) AS fn) h,
                 LATERAL (SELECT string_to_array((%(given)s::text[])[1 + h.gn %% %(ng)s], '|') AS g) gg,
                 LATERAL (SELECT string_to_array((%(family)s::text[])[1 + h.fn %% %(nf)s], '|') AS f) ff
            """,
            {
                "n": n,
                "parts": part_ids,
                "given": [f"{a}|{b}" for a, b in GIVEN],
                "family": [f"{a}|{b}" for a, b in FAMILY],
                "ng": len(GIVEN),
                "nf": len(FAMILY),
            },
        )
        # name_keys, as the person services and the import keep them (one key per name pair)
        from grassroots.people.dedupe.names import name_keys

        pairs = [(g, f) for g in GIVEN for f in FAMILY]
        cur.execute(
            """UPDATE people_person p SET name_keys = k.keys
               FROM (SELECT unnest(%s::text[]) AS g, unnest(%s::text[]) AS f,
                            unnest(%s::text[]) AS keys) k
               WHERE p.given_name = k.g AND p.family_name = k.f""",
            [
                [g[0] for g, _f in pairs],
                [f[0] for _g, f in pairs],
                [
                    name_keys(g[0], f[0], f"{g[1]} {f[1]}" if g[1] and f[1] else "")
                    for g, f in pairs
                ],
            ],
        )
        Tag.objects.update_or_create(
            slug="bench-tag", defaults={"name": "Bench tag", "description": "v3"}
        )
        cur.execute(
            """INSERT INTO people_tagging (person_id, tag_id, created_at)
               SELECT id, (SELECT id FROM people_tag WHERE slug='bench-tag'), now()
               FROM people_person WHERE abs(hashtext('t' || id)) % 10 = 0"""
        )
        cur.execute(
            """INSERT INTO people_contactpoint (created_at, updated_at, person_id, channel, value,
                   phone_kind, whatsapp, status, is_primary, source)
               SELECT now(), now(), id, 'phone', '+9198' || lpad((id % 100000000)::text, 8, '0'),
                      'mobile', false, 'active', true, 'bench'
               FROM people_person WHERE abs(hashtext('c' || id)) % 5 < 2"""
        )


NAME_ORDER = "p.family_name, p.given_name, p.id"
NAME_SQL = (
    "UPPER(p.full_name) LIKE UPPER(%s) OR UPPER(p.native_name) LIKE UPPER(%s) "
    "OR p.name_keys LIKE %s"
)
# What the app does for name searches (see people.filters.NAME_SEARCH_ORDERING), written by hand.
SEARCH_ORDER = "UPPER(p.family_name), UPPER(p.given_name), p.id"


def _raw(sql: str, params: list, order: str = NAME_ORDER) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM people_person p WHERE {sql}", params)
        cur.fetchone()
        cur.execute(
            "SELECT p.id, p.given_name, p.family_name, p.full_name, p.native_name, p.born_estimate, "
            "p.support_score, a.name FROM people_person p LEFT JOIN geography_area a ON a.id = p.area_id "
            f"WHERE {sql} ORDER BY {order} LIMIT 50",
            params,
        )
        cur.fetchall()


def run() -> list[dict]:
    _setup_django()
    n = scale(1_000_000)
    _generate(n)

    from django.test import Client

    from grassroots.accounts.models import Role, User
    from grassroots.geography.models import Area
    from grassroots.people.models import ContactPoint, Tag

    user = User.objects.filter(username="bench").first()
    if user is None:
        user = User.objects.create_user(
            "bench", password="bench-password-123", scope_all=True, two_factor_exempt=True
        )
        user.roles.set(Role.objects.filter(slug="campaign_manager"))
    client = Client()
    client.force_login(user)
    ac = Area.objects.get(code="BENCH-AC003")
    tag_id = Tag.objects.get(slug="bench-tag").pk
    phone = ContactPoint.objects.order_by("id").values_list("value", flat=True)[500]

    def page(url):
        def go():
            r = client.get(url)
            assert r.status_code == 200, r.status_code

        return go

    cases = [
        # A name search also matches the stored keys of other spellings and scripts
        # (people.filters.search_q): the hand-written SQL asks the same question.
        (
            "search by name (q=sharma)",
            "/people/?q=sharma",
            f"({NAME_SQL})",
            ["%sharma%", "%sharma%", "% sarma%"],
            SEARCH_ORDER,
        ),
        (
            "search native script (q=राहुल)",
            "/people/?q=%E0%A4%B0%E0%A4%BE%E0%A4%B9%E0%A5%81%E0%A4%B2",
            f"({NAME_SQL})",
            ["%राहुल%", "%राहुल%", "% rahul%"],
            SEARCH_ORDER,
        ),
        (
            "search another spelling (q=amith)",
            "/people/?q=amith",
            f"({NAME_SQL})",
            ["%amith%", "%amith%", "% amit%"],
            SEARCH_ORDER,
        ),
        (
            "search by phone",
            "/people/?q=" + quote(phone),
            "p.id IN (SELECT person_id FROM people_contactpoint WHERE value = %s AND channel = 'phone')",
            [phone],
            NAME_ORDER,
        ),
        (
            "filtered list (area + tag + age 30-45)",
            f"/people/?area={ac.pk}&tag=bench-tag&age_min=30&age_max=45",
            "p.area_id IN (SELECT id FROM geography_area WHERE path LIKE %s) AND EXISTS (SELECT 1 FROM people_tagging t "
            f"WHERE t.person_id = p.id AND t.tag_id = {tag_id}) "
            "AND p.born_estimate <= %s AND p.born_estimate > %s",
            [ac.path + "%", _years_ago(30), _years_ago(46)],
            NAME_ORDER,
        ),
        ("unfiltered list, first page", "/people/", "TRUE", [], NAME_ORDER),
    ]
    rows = []
    for label, url, sql, params, order in cases:
        baseline = median_ms(lambda sql=sql, params=params, order=order: _raw(sql, params, order))
        value = median_ms(page(url))
        rows.append(row("people", label, value, "ms", baseline, n))
    print_table(rows)
    return rows


def _years_ago(years: int):
    from django.utils import timezone

    today = timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


if __name__ == "__main__":
    run()
