"""Walk-list PDF of a 1,000-household turf (≈2,500 people, a third with Bengali or Devanagari
names): the whole output (query, grouping, house-number sort, layout, shaping, font subsetting)
against a bare fpdf2 loop writing the same cells with the same fonts and shaping, in the same
run. Also the file's size and pages, and the same turf as a CSV.

    make bench BENCH=lists
    BENCH_SCALE=200 make bench BENCH=lists      # households
    BENCH_DATABASE_URL=postgres://...           # default: grassroots_bench_lists
"""

from __future__ import annotations

import os
import random
import time

from bench.common import median_ms, print_table, row, scale
from grassroots.core.access import SYSTEM

FIRST = [
    ("Ananya", "অনন্যা"),
    ("Sourav", "সৌরভ"),
    ("Shreya", "শ্রেয়া"),
    ("Arjun", "अर्जुन"),
    ("Priya", "प्रिया"),
    ("Rahul", "राहुल"),
    ("John", ""),
    ("Maria", ""),
    ("Tanmay", "তন্ময়"),
]
FAMILY = [
    ("Chatterjee", "চট্টোপাধ্যায়"),
    ("Ghosh", "ঘোষ"),
    ("Sharma", "शर्मा"),
    ("Gupta", "गुप्ता"),
    ("Smith", ""),
    ("Das", "দাস"),
]
STREETS = ["Lake Road", "Sarat Bose Road", "Hazra Lane", "Rashbehari Avenue", "Kalighat Road"]
AREA = "BENCH-LISTS-P001"


def _setup_django() -> None:
    url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/grassroots_bench_lists"
    )
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    import psycopg

    base, _, dbname = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _generate(households: int):
    """A part with ``households`` doors on five streets, 1–4 people each; reused when there."""
    from django.db import transaction

    from grassroots.geography import services as geo
    from grassroots.people.models import Address, ContactPoint, Household, Person

    kind = geo.area_kind_ensure(code="part", name="Part", is_polling_unit=True, sort_order=5)
    from grassroots.geography.models import Area

    area = Area.objects.filter(code=AREA).first()
    if area is None:
        area = geo.area_create(actor=SYSTEM, kind=kind, code=AREA, name="Bench part")
    if Household.objects.filter(area=area).count() == households:
        print(f"reusing the generated turf ({households:,} households)")
        return area
    print(f"generating {households:,} households …", flush=True)
    rng = random.Random(1)
    with transaction.atomic():
        Person.objects.filter(area=area).delete()
        Household.objects.filter(area=area).delete()
        Address.objects.filter(area=area).delete()
        for i in range(households):
            street = STREETS[i % len(STREETS)]
            number = i // len(STREETS) + 1
            house = rng.choice([str(number), f"{number}/1", f"{number}A", f"Flat 2, {number}"])
            address = Address.objects.create(
                house_number=house, street=street, city="Kolkata", postal_code="700026", area=area
            )
            hh = Household.objects.create(address=address, area=area)
            family = rng.choice(FAMILY)
            for _ in range(rng.randint(1, 4)):
                first = rng.choice(FIRST)
                native = f"{first[1]} {family[1]}" if first[1] and family[1] else ""
                p = Person.objects.create(
                    given_name=first[0],
                    family_name=family[0],
                    full_name=f"{first[0]} {family[0]}",
                    native_name=native,
                    gender=rng.choice(["female", "male"]),
                    born_estimate=f"{rng.randint(1940, 2006)}-06-01",
                    support_score=rng.choice([None, 1, 2, 3, 4, 5]),
                    household=hh,
                    area=area,
                )
                if rng.random() < 0.5:
                    ContactPoint.objects.create(
                        person=p,
                        channel="phone",
                        value=f"+9198{rng.randint(10**7, 10**8 - 1)}",
                        phone_kind=rng.choice(["mobile", "landline"]),
                        is_primary=True,
                    )
    return area


def _bare_pdf(walk) -> bytes:
    """The baseline: the same cells, fonts and shaping, written one after another."""
    from fpdf import FPDF

    from grassroots.lists.outputs.pdf import FALLBACKS, FAMILIES, FONT_DIR

    pdf = FPDF(format="A4")
    for family, stem in FAMILIES.items():
        pdf.add_font(family, "", FONT_DIR / f"{stem}-Regular.ttf")
        pdf.add_font(family, "B", FONT_DIR / f"{stem}-Bold.ttf")
    pdf.set_fallback_fonts(FALLBACKS)
    pdf.set_text_shaping(True)
    pdf.set_font("noto", size=8)
    pdf.add_page()
    for side in walk.sides:
        for door in side.doors:
            for p in door.people:
                if pdf.get_y() > 275:
                    pdf.add_page()
                pdf.cell(16, 6, door.house_number)
                pdf.cell(42, 6, p["name"])
                pdf.cell(34, 6, p["native_name"])
                pdf.cell(8, 6, str(p["age"] or ""), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def run() -> list[dict]:
    _setup_django()
    from grassroots.core.access import SYSTEM
    from grassroots.lists import selectors
    from grassroots.lists.outputs import documents, rows, tables

    n = scale(1000)
    _generate(n)
    actor = SYSTEM  # sees every person (an unsaved superuser no longer works: scopes read roles)
    definition = {"steps": [{"action": "add", "group": {"items": [
        {"filter": "area", "params": {"areas": [AREA]}}]}}]}  # fmt: skip
    people = selectors.segment_people(actor=actor, definition=definition)
    meta = documents.Meta(title="Bench turf", printed_by="bench", printed_on="today")
    walk = rows.walk_list(people)
    print(f"{walk.doors:,} doors, {walk.people:,} people", flush=True)

    start = time.perf_counter()
    pdf = documents.walk_pdf(rows.walk_list(people), meta)
    first = (time.perf_counter() - start) * 1000
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    whole = median_ms(lambda: documents.walk_pdf(rows.walk_list(people), meta), repeat=3, warmup=0)
    bare = median_ms(lambda: _bare_pdf(walk), repeat=3, warmup=0)
    query = median_ms(lambda: rows.walk_list(people), repeat=5, warmup=1)
    csv_ms = median_ms(lambda: "".join(tables.walk_csv(rows.walk_list(people))), repeat=5)
    bare_size = len(_bare_pdf(walk))
    results = [
        row("lists", "walk-list PDF (query + layout + shaping)", whole, "ms", bare, n),
        row("lists", "walk-list PDF, first in process", first, "ms", bare, n),
        row("lists", "walk-list PDF size", len(pdf) / 1024, "KiB", bare_size / 1024, n),
        row("lists", "walk-list PDF pages", pages, "pages", 0, n),
        row("lists", "walk-list rows (query, group, sort)", query, "ms", 0, n),
        row("lists", "walk-list CSV (query + rows)", csv_ms, "ms", query, n),
    ]
    print_table(results)
    return results


if __name__ == "__main__":
    run()
