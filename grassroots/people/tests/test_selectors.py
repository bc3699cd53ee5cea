import pytest

from grassroots.core.access import SYSTEM
from grassroots.people import services
from grassroots.people.selectors import area_people_stats, person_list, person_timeline


def names(qs):
    return sorted(p.given_name for p in qs)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("ananya", ["Ananya"]),
        ("das", ["Ananya", "Sourav"]),
        ("অনন্যা", ["Ananya"]),  # Bengali script
        ("राहुल", ["Rahul"]),  # Devanagari
        ("+91 94330 55555", ["Rahul"]),  # phone, any formatting
        ("09433055555", ["Rahul"]),
        ("ananya@example.org", ["Ananya"]),
        ("ANANYA@EXAMPLE.ORG", ["Ananya"]),
        ("epic:WKH0000018", ["Ananya"]),
        ("WKH0000018", ["Ananya"]),
        ("nobody-here", []),
    ],
)
def test_search(people, users, query, expected):
    assert names(person_list(actor=users["manager"], filters={"q": query})) == expected


def test_scope_limits_every_query(people, users):
    assert names(person_list(actor=users["volunteer"], filters={})) == ["Ananya", "Sourav"]
    assert names(person_list(actor=users["volunteer"], filters={"q": "rahul"})) == []
    assert names(person_list(actor=users["organiser"], filters={})) == ["Ananya", "Rahul", "Sourav"]
    assert names(person_list(actor=users["nobody"], filters={})) == []


def test_filters(people, users, geo):
    m = users["manager"]
    assert names(person_list(actor=m, filters={"area": str(geo["p2"].pk)})) == ["Rahul"]
    assert names(person_list(actor=m, filters={"area": str(geo["ac"].pk)})) == [
        "Ananya",
        "Rahul",
        "Sourav",
    ]
    assert names(person_list(actor=m, filters={"age_min": "30", "age_max": "40"})) == ["Ananya"]
    assert names(person_list(actor=m, filters={"age_min": "60"})) == ["Sourav"]
    assert names(person_list(actor=m, filters={"gender": "male"})) == ["Rahul", "Sourav"]
    assert names(person_list(actor=m, filters={"has_email": "true"})) == ["Ananya"]
    assert names(person_list(actor=m, filters={"has_phone": "false"})) == ["Sourav"]
    assert names(person_list(actor=m, filters={"support_score": ["2"]})) == ["Ananya"]
    tag = services.tag_get_or_create(actor=m, name="Yard sign")
    services.tag_apply(actor=m, tag=tag, people=[people["rahul"]])
    assert names(
        person_list(actor=m, filters={"tag": ["yard-sign"], "area": str(geo["ac"].pk)})
    ) == ["Rahul"]
    services.consent_record(
        actor=m, person=people["sourav"], channel="sms", purpose="campaign", status="granted"
    )
    assert names(person_list(actor=m, filters={"consent": "sms:campaign"})) == ["Sourav"]
    services.consent_record(
        actor=m, person=people["sourav"], channel="sms", purpose="campaign", status="withdrawn"
    )
    assert names(person_list(actor=m, filters={"consent": "sms:campaign"})) == []


def test_invalid_filter_returns_nothing_not_everything(people, users):
    assert names(person_list(actor=users["manager"], filters={"age_min": "abc"})) == []


def test_sorting(people, users):
    m = users["manager"]
    assert [p.given_name for p in person_list(actor=m, filters={"sort": "age"})] == [
        "Rahul",
        "Ananya",
        "Sourav",
    ]
    assert [p.given_name for p in person_list(actor=m, filters={"sort": "-name"})][0] == "Rahul"


def test_timeline_merges_interactions_notes_tags_and_consent(people, users):
    p = people["ananya"]
    services.note_create(actor=users["volunteer"], person=p, body="Wants a yard sign")
    services.interaction_record(
        actor=users["volunteer"], person=p, channel="door", outcome="contact"
    )
    tag = services.tag_get_or_create(actor=SYSTEM, name="Donor")
    services.tag_apply(actor=users["manager"], tag=tag, people=[p])
    services.consent_record(
        actor=SYSTEM, person=p, channel="email", purpose="campaign", status="granted"
    )
    kinds = {e.kind for e in person_timeline(p)}
    assert kinds == {"note", "interaction", "tag", "consent"}
    services.interaction_record(
        actor=users["volunteer"], person=p, channel="phone", outcome="contact"
    )
    # a door knock is drawn as a door, a call as a telephone (a door knock showed ☎)
    icons = {e.title.split(" ·")[0]: e.icon for e in person_timeline(p) if e.kind == "interaction"}
    assert icons == {"Door": "⌂", "Phone": "☎"}


def test_area_stats_count_descendants(people, geo):
    stats = area_people_stats([geo["ac"], geo["p1"], geo["p2"]])
    assert stats[geo["ac"].pk] == {"people": 3, "households": 1}
    assert stats[geo["p1"].pk] == {"people": 2, "households": 1}
    assert stats[geo["p2"].pk] == {"people": 1, "households": 0}


@pytest.mark.parametrize(
    "query",
    ["Adhikari", "Adhikary", "অধিকারী", "अधिकारी", "adhikari rina", "Reena Adhikary"],
)
def test_search_finds_other_spellings_and_scripts(people, users, geo, query):
    """Name search uses the matching keys the duplicate finder computes (``Person.name_keys``),
    on SQLite as on PostgreSQL: a query in another spelling or script finds the same people."""
    services.person_create(
        actor=SYSTEM,
        data={"given_name": "Rina", "family_name": "Adhikari", "area": geo["p1"]},
    )
    services.person_create(
        actor=SYSTEM, data={"given_name": "রিনা", "native_name": "রিনা অধিকারী", "area": geo["p1"]}
    )
    found = person_list(actor=users["manager"], filters={"q": query})
    assert sorted(p.full_name for p in found) == ["Rina Adhikari", "রিনা"]


@pytest.mark.parametrize(
    ("queries", "expected"),
    [
        (["Amit", "Amith", "অমিত", "अमित"], ["Amit Banerjee", "অমিত ব্যানার্জি"]),
        (["Banerjee", "Bandyopadhyay", "ব্যানার্জি", "বন্দ্যোপাধ্যায়"], ["Amit Banerjee", "অমিত ব্যানার্জি"]),
        (["Sourav", "Saurav", "সৌরভ"], ["Sourav Das"]),
    ],
)
def test_latin_and_native_queries_for_one_name_find_the_same_people(
    people, users, geo, queries, expected
):
    services.person_create(
        actor=SYSTEM, data={"given_name": "Amit", "family_name": "Banerjee", "area": geo["p1"]}
    )
    services.person_create(
        actor=SYSTEM,
        data={"given_name": "অমিত", "family_name": "ব্যানার্জি", "area": geo["p1"]},
    )
    for query in queries:
        found = person_list(actor=users["manager"], filters={"q": query})
        assert sorted(p.full_name for p in found) == expected, query


def test_name_keys_follow_every_write(people, users, geo):
    person = people["sourav"]
    assert person.name_keys == " das sorab "
    services.person_update(actor=SYSTEM, person=person, data={"family_name": "Chatterjee"})
    person.refresh_from_db()
    assert person.name_keys == " catopadyai sorab "
    assert [p.pk for p in person_list(actor=users["manager"], filters={"q": "চ্যাটার্জি"})] == [
        person.pk
    ]


def test_sections_count_the_people_whose_address_is_in_them(people, geo):
    """The roll files a voter under the part and the address under its section: the section
    counts them (it showed 0), the part counts them once, and an address outside the person's
    own area does not move them."""
    from grassroots.geography import services as geo_services
    from grassroots.geography.services import area_kind_ensure
    from grassroots.people.models import Address

    kind = area_kind_ensure(code="section", name="Section")
    s1 = geo_services.area_create(
        actor=SYSTEM, kind=kind, code="IN-WB-AC1-P001-S1", name="1 - Harish Mukherjee Road",
        parent=geo["p1"],
    )  # fmt: skip
    s2 = geo_services.area_create(
        actor=SYSTEM, kind=kind, code="IN-WB-AC1-P001-S2", name="2 - Elgin Road", parent=geo["p1"]
    )
    Address.objects.filter(pk=people["household"].address_id).update(area=s1)
    other = geo_services.area_create(
        actor=SYSTEM, kind=kind, code="IN-WB-AC1-P002-S1", name="1 - Lansdowne", parent=geo["p2"]
    )
    hh = services.household_create(
        actor=SYSTEM, address={"house_number": "3", "street": "Lansdowne"}, area=geo["p1"]
    )
    Address.objects.filter(pk=hh.address_id).update(area=other)  # not inside its own part
    services.person_create(
        actor=SYSTEM, data={"given_name": "Moumita", "area": geo["p1"], "household": hh}
    )
    stats = area_people_stats([s1, s2, geo["p1"], geo["p2"], other])
    assert stats[s1.pk] == {"people": 2, "households": 1}
    assert stats[s2.pk] == {"people": 0, "households": 0}
    assert stats[geo["p1"].pk] == {"people": 3, "households": 2}
    assert stats[geo["p2"].pk] == {"people": 1, "households": 0}
    assert stats[other.pk] == {"people": 0, "households": 0}
