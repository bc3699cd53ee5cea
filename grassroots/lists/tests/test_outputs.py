"""Walk, call and mail lists, labels, booth page lists and slips: contents, order, PDFs, CSVs."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from grassroots.core.access import SYSTEM
from grassroots.lists import selectors
from grassroots.lists.outputs import documents, labels, rows, tables
from grassroots.people import services as people_services
from grassroots.people.models import Consent, ContactPoint, Person

EVERYONE = {"steps": []}
META = documents.Meta(title="Ward 7 north", printed_by="tester", printed_on="22 Nov 2026")


def household(geo, number, street="Lake Road", *, area=None, name=""):
    return people_services.household_create(
        actor=SYSTEM,
        address={
            "house_number": number,
            "street": street,
            "city": "Kolkata",
            "region": "West Bengal",
            "postal_code": "700029",
        },
        name=name,
        area=area or geo["p1"],
    )


def person(geo, given, family="", hh=None, *, area=None, phones=(), **data):
    return people_services.person_create(
        actor=SYSTEM,
        data={
            "given_name": given,
            "family_name": family,
            "area": area or geo["p1"],
            "household": hh,
            **data,
        },
        phones=list(phones),
    )


def everyone(users):
    return selectors.segment_people(actor=users["admin"], definition=EVERYONE)


def pdf_text(data: bytes) -> tuple[int, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), [page.extract_text() for page in reader.pages]


def read_csv(chunks) -> list[list[str]]:
    text = "".join(chunks)
    assert text.startswith("\ufeff")  # Excel reads the Bengali right
    return list(csv.reader(io.StringIO(text[1:])))


# --- walk list -----------------------------------------------------------------------------------


@pytest.fixture
def lake_road(geo, people):
    """Doors on Lake Road, created out of order, one person each (the first door: two)."""
    made = {}
    for number in ["12A", "2", "Flat 3, 14", "3", "12/1", "1", "12", "Flat 10, 14"]:
        hh = household(geo, number)
        made[number] = person(geo, f"Door {number}", "Sen", hh, age=40 + len(made))
    person(geo, "Older", "Sen", made["12A"].household, age=80)
    return made


def test_walk_list_groups_by_street_then_side_in_house_number_order(lake_road, users):
    walk = rows.walk_list(everyone(users))
    labels_ = [(s.street, s.side, [d.house_number for d in s.doors]) for s in walk.sides]
    assert labels_ == [
        ("Harish Mukherjee Road", "even", ["12/1"]),
        ("Lake Road", "odd", ["1", "3"]),
        ("Lake Road", "even", ["2", "12", "12/1", "12A", "Flat 3, 14", "Flat 10, 14"]),
        ("", "", [""]),  # Rahul: no household, a door of his own, last
    ]
    assert walk.doors == 1 + 8 + 1 and walk.people == 2 + 9 + 1
    door_12a = walk.sides[2].doors[3]
    assert [p["name"] for p in door_12a.people] == ["Older Sen", "Door 12A Sen"]  # eldest first
    das = walk.sides[0].doors[0].people
    assert [(p["name"], p["native_name"], p["age"], p["gender"], p["support"], p["phone"])
            for p in das] == [
        ("Sourav Das", "", 61, "male", None, None),
        ("Ananya Das", "অনন্যা দাস", 34, "female", 2, "mobile"),
    ]  # fmt: skip


def test_walk_list_in_order_keeps_the_route_and_groups_consecutive_street_sides(
    lake_road, people, users
):
    """A canvass turf's route: the given order is kept, consecutive doors on one side of one
    street share a heading, a street met again later is a new heading, people out of the
    reader's scope or who may not be knocked for are left off (and an empty door dropped)."""
    older = Person.objects.get(given_name="Older")
    order = [
        [lake_road["3"].pk],
        [lake_road["1"].pk],
        [lake_road["12A"].pk, older.pk],
        [lake_road["2"].pk],
        [people["ananya"].pk, people["sourav"].pk],
        [lake_road["12"].pk],
        [lake_road["Flat 3, 14"].pk],
    ]
    Person.objects.filter(pk=lake_road["Flat 3, 14"].pk).update(do_not_contact=True)
    walk = rows.walk_list_in_order(everyone(users), order)
    assert [(s.street, s.side, [d.house_number for d in s.doors]) for s in walk.sides] == [
        ("Lake Road", "odd", ["3", "1"]),  # the route's order, not the house numbers'
        ("Lake Road", "even", ["12A", "2"]),
        ("Harish Mukherjee Road", "even", ["12/1"]),
        ("Lake Road", "even", ["12"]),  # back on Lake Road: a heading again
    ]
    assert walk.doors == 6 and walk.people == 8
    assert [p["name"] for p in walk.sides[1].doors[0].people] == ["Older Sen", "Door 12A Sen"]
    # the volunteer sees part 1 only: Rahul (part 2) would be left off; the PDF renders
    volunteer_view = selectors.segment_people(actor=users["volunteer"], definition=EVERYONE)
    walk = rows.walk_list_in_order(volunteer_view, [[people["rahul"].pk], [lake_road["1"].pk]])
    assert walk.doors == 1 and walk.sides[0].doors[0].house_number == "1"
    n, text = pdf_text(documents.walk_pdf(walk, META))
    assert n == 1 and "Door 1 Sen" in text[0]


def test_walk_list_leaves_off_do_not_contact_moved_and_deceased(lake_road, people, users):
    Person.objects.filter(pk=lake_road["1"].pk).update(do_not_contact=True)
    Person.objects.filter(pk=lake_road["3"].pk).update(status="deceased")
    Person.objects.filter(pk=lake_road["2"].pk).update(status="moved")
    walk = rows.walk_list(everyone(users))
    assert [s.side for s in walk.sides if s.street == "Lake Road"] == ["even"]
    assert "2" not in [d.house_number for s in walk.sides for d in s.doors]


def test_walk_list_is_one_query(lake_road, users):
    qs = everyone(users)
    with CaptureQueriesContext(connection) as ctx:
        rows.walk_list(qs)
    assert len(ctx.captured_queries) == 1


def test_walk_list_pdf_has_every_name_once_and_numbered_pages(geo, people, users):
    for i in range(1, 61):
        person(geo, f"Walker{i:02d}", "Roy", household(geo, str(i), "Canal Street"))
    walk = rows.walk_list(everyone(users))
    pages, texts = pdf_text(documents.walk_pdf(walk, META))
    assert pages == 2  # 63 rows (62 doors), 39 rows a page
    everything = "\n".join(texts)
    for i in range(1, 61):
        assert everything.count(f"Walker{i:02d} Roy") == 1
    assert "অনন্যা দাস" in everything and "Ananya Das" in everything
    assert "राहुल" in everything  # Devanagari, through the font fallback
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {pages}" in text
        assert "Walk list: Ward 7 north" in text
    assert "62 doors" in texts[0] and "63 people" in texts[0]
    assert "Canal Street — even side (continued)" in texts[1]


def test_walk_list_csv(lake_road, users):
    table = read_csv(tables.walk_csv(rows.walk_list(everyone(users))))
    header, body = table[0], table[1:]
    assert header[:4] == ["Walk order", "Street", "Side", "House number"]
    assert [(r[0], r[1], r[3], r[7]) for r in body[:4]] == [
        ("1", "Harish Mukherjee Road", "12/1", "Sourav Das"),
        ("1", "Harish Mukherjee Road", "12/1", "Ananya Das"),
        ("2", "Lake Road", "1", "Door 1 Sen"),
        ("3", "Lake Road", "3", "Door 3 Sen"),
    ]
    assert body[1][8] == "অনন্যা দাস" and body[1][12] == "mobile"


def test_csv_cells_are_defused_against_formula_injection(geo, people, users):
    hh = household(geo, "=1+1", "@SUM(A1)")
    evil = person(geo, "Evil", "-2", hh, phones=["+919830011111"])
    # The forms refuse "=" in names; data from elsewhere (an old import, the admin) may not.
    Person.objects.filter(pk=evil.pk).update(
        given_name='=HYPERLINK("http://evil")', full_name='=HYPERLINK("http://evil") -2'
    )
    walk_rows = read_csv(tables.walk_csv(rows.walk_list(everyone(users))))
    evil = next(r for r in walk_rows if "HYPERLINK" in r[7])
    assert evil[7].startswith("'=HYPERLINK") and evil[1] == "'@SUM(A1)" and evil[3] == "'=1+1"
    call_rows = read_csv(tables.call_csv(rows.call_list(everyone(users))))
    evil = next(r for r in call_rows if "HYPERLINK" in r[1])
    assert evil[1].startswith("'=") and evil[3] == "+919830011111"  # E.164 stays as it is
    mail_rows = read_csv(tables.mail_csv(rows.mail_list(everyone(users))))
    assert any(r[2] == "'=1+1 @SUM(A1)" for r in mail_rows)


# --- call list -----------------------------------------------------------------------------------


def phone(p, value, kind="mobile", status="active", primary=False):
    return ContactPoint.objects.create(
        person=p, channel="phone", value=value, phone_kind=kind, status=status, is_primary=primary
    )


def test_call_list_picks_the_best_phone_and_leaves_off_who_may_not_be_called(geo, people, users):
    a = person(geo, "Primary", "Landline")
    phone(a, "+919830000001", "mobile")
    phone(a, "+913324000001", "landline", primary=True)
    b = person(geo, "Mobile", "First")
    phone(b, "+913324000002", "landline")
    phone(b, "+919830000002", "mobile", status="unverified")
    c = person(geo, "Active", "First")
    phone(c, "+919830000003", "mobile", status="unverified")
    phone(c, "+919830000004", "mobile")
    d = person(geo, "Wrong", "Number")
    phone(d, "+919830000005", "mobile", status="wrong")
    e = person(geo, "Do Not", "Contact", do_not_contact=True)
    phone(e, "+919830000006")
    f = person(geo, "Opted", "Out")
    phone(f, "+919830000007")
    Consent.objects.create(person=f, channel="phone", purpose="campaign", status="withdrawn")
    g = person(geo, "Opted", "Back")
    phone(g, "+919830000008")
    now = timezone.now()
    Consent.objects.create(
        person=g, channel="phone", purpose="campaign", status="withdrawn", recorded_at=now
    )
    Consent.objects.create(
        person=g,
        channel="phone",
        purpose="campaign",
        status="granted",
        recorded_at=now + dt.timedelta(minutes=1),
    )
    h = person(geo, "Texts", "Refused")
    phone(h, "+919830000009")
    Consent.objects.create(person=h, channel="sms", purpose="campaign", status="withdrawn")

    calls = {c.person["name"]: c for c in rows.call_list(everyone(users))}
    assert set(calls) == {
        "Primary Landline",
        "Mobile First",
        "Active First",
        "Opted Back",
        "Texts Refused",
        "Ananya Das",
        "Rahul Sharma",
    }
    assert calls["Primary Landline"].phone.value == "+913324000001"
    assert [o.value for o in calls["Primary Landline"].others] == ["+919830000001"]
    assert calls["Mobile First"].phone.value == "+919830000002"
    assert calls["Active First"].phone.value == "+919830000004"
    # Ordered by family name, then name.
    names = [c.person["name"] for c in rows.call_list(everyone(users))]
    assert names.index("Opted Back") < names.index("Ananya Das") < names.index("Active First")

    table = read_csv(tables.call_csv(rows.call_list(everyone(users))))
    row = next(r for r in table if r[1] == "Primary Landline")
    assert row[3:7] == ["+913324000001", "landline", "no", "+919830000001"]

    pages, texts = pdf_text(documents.call_pdf(rows.call_list(everyone(users)), META))
    assert pages == 1
    assert "Call list: Ward 7 north" in texts[0] and "+91 33 2400 0001" in texts[0]
    assert "অনন্যা দাস" in texts[0] and "Wrong Number" not in texts[0]


def test_call_list_queries_do_not_grow_with_people(geo, people, users):
    qs = everyone(users)
    with CaptureQueriesContext(connection) as ctx:
        rows.call_list(qs)
    few = len(ctx.captured_queries)
    for i in range(30):
        phone(person(geo, f"Caller{i}", "Bose"), f"+9198300100{i:02d}")
    with CaptureQueriesContext(connection) as ctx:
        rows.call_list(qs)
    assert len(ctx.captured_queries) == few == 2


# --- mail list -----------------------------------------------------------------------------------


def test_mail_list_is_one_row_per_household_addressed_to_the_family(geo, people, users):
    sen = household(geo, "5", "Lake Road", name="Sen family")
    person(geo, "Amit", "Sen", sen)
    person(geo, "Rita", "Sen", sen)
    person(geo, "Tapas", "Roy", sen)
    alone = household(geo, "7", "Lake Road")
    person(geo, "Mira", "Bose", alone)
    nobody_to_mail = household(geo, "9", "Lake Road")
    person(geo, "Dnc", "Ghosh", nobody_to_mail, do_not_contact=True)
    opted = household(geo, "11", "Lake Road")
    out = person(geo, "Post", "Refuser", opted)
    Consent.objects.create(person=out, channel="post", purpose="campaign", status="withdrawn")

    mailings = rows.mail_list(everyone(users))
    by_house = {m.lines[0]: m for m in mailings}
    assert set(by_house) == {"12/1 Harish Mukherjee Road", "5 Lake Road", "7 Lake Road"}
    assert by_house["5 Lake Road"].addressee == "The Sen Household"
    assert by_house["5 Lake Road"].people == 3
    assert by_house["12/1 Harish Mukherjee Road"].addressee == "The Das Household"
    assert by_house["7 Lake Road"].addressee == "Mira Bose"
    assert by_house["7 Lake Road"].lines == ["7 Lake Road", "Kolkata, West Bengal 700029"]
    # Rahul has no household, so no address: not on a mail list.
    table = read_csv(tables.mail_csv(mailings))
    assert len(table) == 1 + 3
    assert table[0][:3] == ["Household ID", "Addressee", "Address line 1"]


def test_addressee_rules():
    one = {"full_name": "Mira Bose", "given_name": "Mira", "family_name": "Bose"}
    assert rows.addressee([one]) == "Mira Bose"
    mixed = [
        {"full_name": "", "given_name": "A", "family_name": "Roy"},
        {"full_name": "", "given_name": "B", "family_name": "Sen"},
    ]
    assert rows.addressee(mixed) == "The Roy Household"  # a tie: alphabetical
    unnamed = [{"full_name": "", "given_name": "A", "family_name": ""}] * 2
    assert rows.addressee(unnamed, "Green House") == "Green House"
    assert rows.addressee(unnamed) == "The Household"


@pytest.mark.parametrize(
    "code, per_page, page_mm",
    [("L7160", 21, (210, 297)), ("5160", 30, (215.9, 279.4))],
)
def test_label_sheets_fit_their_paper(code, per_page, page_mm):
    sheet = labels.SHEETS[code]
    assert sheet.per_page == per_page
    xs, ys = zip(*(sheet.position(i) for i in range(per_page)), strict=True)
    assert min(xs) > 0 and min(ys) > 0
    assert max(xs) + sheet.width < page_mm[0] and max(ys) + sheet.height < page_mm[1]
    # Symmetric side margins, as the sheets are cut.
    right = page_mm[0] - (max(xs) + sheet.width)
    assert right == pytest.approx(sheet.left, abs=0.3)
    assert sheet.position(per_page) == sheet.position(0)  # the next page starts again


@pytest.mark.parametrize("code, per_page, points", [("L7160", 21, 595), ("5160", 30, 612)])
def test_labels_pdf_pages(code, per_page, points):
    sheet = labels.SHEETS[code]

    def mailing(i):
        return rows.Mailing(
            household_id=i,
            addressee=f"The Family{i} Household",
            lines=[f"{i} Lake Road", "Kolkata, West Bengal 700029"],
            people=2,
            row={},
        )

    for n, pages in ((per_page, 1), (per_page + 1, 2)):
        data = documents.labels_pdf([mailing(i) for i in range(n)], sheet, META)
        reader = PdfReader(io.BytesIO(data))
        assert len(reader.pages) == pages
        assert round(float(reader.pages[0].mediabox.width)) == points
        text = "\n".join(p.extract_text() for p in reader.pages)
        assert text.count("Household") == n and f"{n - 1} Lake Road" in text


# --- booth page list and slips ---------------------------------------------------------------------


@pytest.fixture
def roll(geo, people):
    Person.objects.filter(pk=people["ananya"].pk).update(
        serial_number=2, relation_type="father", relative_name="Sourav Das"
    )
    Person.objects.filter(pk=people["sourav"].pk).update(serial_number=1)
    Person.objects.filter(pk=people["rahul"].pk).update(serial_number=5)
    station = geo["p1"].polling_station
    station.address = "12 Harish Mukherjee Road, Kolkata"
    station.save()
    person(geo, "Late", "Entry", age=19)  # no serial number yet: after the numbered ones
    return people


def test_booth_list_orders_each_part_by_serial_number(roll, users):
    parts = rows.booth_list(everyone(users))
    assert [p.label for p in parts] == ["Part 1 — Part 1", "Part 2"]  # P002 has no station
    p1 = parts[0]
    assert [v["name"] for v in p1.voters] == ["Sourav Das", "Ananya Das", "Late Entry"]
    ananya = p1.voters[1]
    assert (ananya["serial_number"], ananya["epic"], ananya["native_name"]) == (
        2,
        "WKH0000018",
        "অনন্যা দাস",
    )
    assert (ananya["relation_type"], ananya["relative_name"]) == ("father", "Sourav Das")
    assert (ananya["house_number"], ananya["age"], ananya["gender"]) == ("12/1", 34, "female")
    table = read_csv(tables.booth_csv(parts))
    assert [r[2] for r in table[1:]] == ["1", "2", "", "5"]
    assert table[2][:8] == [
        "IN-WB-AC1-P001",
        "1",
        "2",
        "WKH0000018",
        "Ananya Das",
        "অনন্যা দাস",
        "father",
        "Sourav Das",
    ]


def test_page_list_pdf_thirty_to_a_page_and_a_new_page_per_part(roll, geo, users):
    for i in range(30):
        person(geo, f"Voter{i:02d}", "Pal", serial_number=10 + i)
    parts = rows.booth_list(everyone(users))
    pages, texts = pdf_text(documents.page_list_pdf(parts, META))
    assert pages == 3  # part 1: 33 voters on 2 pages; part 2 on its own
    assert "Page 1 of 2 of this part" in texts[0] and "Page 2 of 2 of this part" in texts[1]
    assert "Mitra Institution" in texts[0] and "12 Harish Mukherjee Road, Kolkata" in texts[0]
    assert "WKH0000018" in texts[0] and "অনন্যা দাস" in texts[0]
    assert "Father: Sourav Das" in texts[0]
    assert "Rahul Sharma" in texts[2] and "Rahul Sharma" not in texts[0] + texts[1]


def test_voter_slips_ten_to_a_page(roll, geo, users):
    for i in range(8):
        person(geo, f"Slip{i}", "Kar", serial_number=20 + i)
    parts = rows.booth_list(everyone(users))  # 4 + 8 people
    pages, texts = pdf_text(documents.slips_pdf(parts, META))
    assert pages == 2
    assert "Part 1 · Sl. 2" in texts[0] and "EPIC: WKH0000018" in texts[0]
    assert "Polling station: Mitra Institution" in texts[0]
    assert "অনন্যা দাস" in texts[0]
