import pytest
from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.people.models import ContactPoint, Note, Person, Tagging
from grassroots.people.services import person_create


def test_anonymous_is_sent_to_login(client, people):
    for url in [
        reverse("people:person_list"),
        reverse("people:person_detail", args=[people["ananya"].pk]),
        reverse("people:person_create"),
        reverse("people:household_list"),
    ]:
        r = client.get(url)
        assert r.status_code == 302 and reverse("accounts:login") in r["Location"]
    r = client.post(
        reverse("people:person_action", args=[people["ananya"].pk, "note"]), {"body": "x"}
    )
    assert r.status_code == 302
    assert Note.objects.count() == 0


def test_list_authorisation_matrix(client_for, people, users):
    url = reverse("people:person_list")
    assert client_for(users["nobody"]).get(url).status_code == 403
    r = client_for(users["volunteer"]).get(url)
    assert r.status_code == 200
    body = r.content.decode()
    assert "Ananya Das" in body and "Sourav Das" in body
    assert "Rahul" not in body  # out of scope: not leaked
    r = client_for(users["manager"]).get(url)
    assert "Rahul Sharma" in r.content.decode()


def test_detail_out_of_scope_is_404_like_missing(client_for, people, users):
    c = client_for(users["volunteer"])
    assert c.get(reverse("people:person_detail", args=[people["rahul"].pk])).status_code == 404
    assert c.get(reverse("people:person_detail", args=[999999])).status_code == 404
    r = c.get(reverse("people:person_detail", args=[people["ananya"].pk]))
    assert r.status_code == 200
    assert "Sourav Das" in r.content.decode()  # household member


def test_volunteer_can_note_but_not_edit(client_for, people, users):
    c = client_for(users["volunteer"])
    ananya, rahul = people["ananya"], people["rahul"]
    r = c.post(
        reverse("people:person_action", args=[ananya.pk, "note"]), {"body": "Met at the door"}
    )
    assert r.status_code == 302
    assert Note.objects.filter(person=ananya, body="Met at the door").exists()
    # out of scope note: 404 and nothing written
    r = c.post(reverse("people:person_action", args=[rahul.pk, "note"]), {"body": "sneaky"})
    assert r.status_code == 404
    assert not Note.objects.filter(body="sneaky").exists()
    # editing actions need people.edit
    r = c.post(reverse("people:person_action", args=[ananya.pk, "tag"]), {"name": "Volunteer"})
    assert r.status_code == 403
    assert Tagging.objects.count() == 0
    assert c.get(reverse("people:person_edit", args=[ananya.pk])).status_code == 403
    r = c.post(
        reverse("people:person_edit", args=[ananya.pk]),
        {"given_name": "Hacked", "status": "active"},
    )
    assert r.status_code == 403
    ananya.refresh_from_db()
    assert ananya.given_name == "Ananya"
    r = c.post(reverse("people:bulk_tag"), {"tag_name": "x", "ids": f"{ananya.pk}"})
    assert r.status_code == 403


def test_finance_role_cannot_add_notes(client_for, people, users):
    r = client_for(users["finance"]).post(
        reverse("people:person_action", args=[people["ananya"].pk, "note"]), {"body": "x"}
    )
    assert r.status_code == 403
    assert Note.objects.count() == 0


def test_htmx_note_returns_the_panel_with_the_note(client_for, people, users):
    c = client_for(users["manager"])
    r = c.post(
        reverse("people:person_action", args=[people["ananya"].pk, "note"]),
        {"body": "Needs a ride to the booth"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="person-main"' in body and "Needs a ride to the booth" in body
    assert "<html" not in body  # a partial, not a page
    # empty note: the panel comes back with a field error, nothing saved
    r = c.post(
        reverse("people:person_action", args=[people["ananya"].pk, "note"]),
        {"body": "  "},
        HTTP_HX_REQUEST="true",
    )
    assert "errorlist" in r.content.decode()
    assert Note.objects.count() == 1


def test_add_contact_with_bad_phone_shows_message(client_for, people, users):
    c = client_for(users["manager"])
    r = c.post(
        reverse("people:person_action", args=[people["sourav"].pk, "contact"]),
        {"channel": "phone", "value": "12"},
    )
    assert r.status_code == 400
    assert "phone number" in r.content.decode()
    assert ContactPoint.objects.filter(person=people["sourav"]).count() == 0


def test_create_person_form_errors_and_success(client_for, geo, users):
    c = client_for(users["manager"])
    url = reverse("people:person_create")
    r = c.post(
        url,
        {
            "given_name": "<script>alert(1)</script>",
            "birth_date": "2023-02-30",
            "status": "active",
            "area": "NOPE-1",
            "phone": "12345",
        },
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "Enter a real date" in body
    assert "Unknown area code" in body
    assert "<script>alert(1)</script>" not in body  # escaped when echoed back
    assert Person.objects.count() == 0
    r = c.post(url, {"given_name": "<b>Mita</b>", "status": "active", "area": geo["p1"].code})
    assert r.status_code == 400 and "characters a name cannot have" in r.content.decode()
    r = c.post(
        url,
        {
            "given_name": "Mita",
            "family_name": "Roy",
            "status": "active",
            "area": geo["p1"].code,
            "phone": "98300 99999",
            "external_id": "epic:WKH1234566",
            "age": "40",
        },
    )
    assert r.status_code == 302
    mita = Person.objects.get(given_name="Mita")
    assert mita.area == geo["p1"]
    assert mita.contact_points.get().value == "+919830099999"


def test_organiser_cannot_create_outside_scope(client_for, geo, users):
    from grassroots.geography import services as geo_services

    other = geo_services.area_create(
        actor=SYSTEM,
        kind=geo["kinds"]["part"],
        code="IN-WB-AC9-P001",
        name="Elsewhere",
        parent=geo["state"],
    )
    r = client_for(users["organiser"]).post(
        reverse("people:person_create"),
        {"given_name": "Mita", "status": "active", "area": other.code},
    )
    assert r.status_code == 400
    assert "Unknown area code" in r.content.decode()
    assert Person.objects.count() == 0


def test_bulk_tag_selected_and_all_matching(client_for, people, users, geo):
    c = client_for(users["manager"])
    r = c.post(
        reverse("people:bulk_tag"),
        {"tag_name": "Yard sign", "ids": f"{people['ananya'].pk},{people['rahul'].pk}"},
    )
    assert r.status_code == 302
    assert Tagging.objects.filter(tag__name="Yard sign").count() == 2
    r = c.post(
        reverse("people:bulk_tag"),
        {"tag_name": "Booth P1", "all_matching": "1", "area": str(geo["p1"].pk)},
    )
    assert sorted(
        Tagging.objects.filter(tag__name="Booth P1").values_list("person__given_name", flat=True)
    ) == ["Ananya", "Sourav"]


def test_organiser_bulk_tag_ignores_out_of_scope_ids(client_for, people, users, geo):
    from grassroots.geography import services as geo_services

    other = geo_services.area_create(
        actor=SYSTEM, kind=geo["kinds"]["part"], code="X-P9", name="X", parent=geo["state"]
    )
    outsider = person_create(actor=SYSTEM, data={"given_name": "Out", "area": other})
    client_for(users["organiser"]).post(
        reverse("people:bulk_tag"), {"tag_name": "T", "ids": f"{outsider.pk},{people['rahul'].pk}"}
    )
    assert list(Tagging.objects.values_list("person__given_name", flat=True)) == ["Rahul"]


def test_edit_person_and_custom_fields(client_for, people, users):
    from grassroots.people.models import CustomField

    CustomField.objects.create(key="occupation", label="Occupation", type="text")
    c = client_for(users["manager"])
    url = reverse("people:person_edit", args=[people["rahul"].pk])
    assert "Occupation" in c.get(url).content.decode()
    r = c.post(
        url,
        {
            "given_name": "Rahul",
            "family_name": "Sharma",
            "status": "active",
            "support_score": "1",
            "area": "IN-WB-AC1-P002",
            "cf_occupation": "Teacher",
            "age": "25",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    rahul = Person.objects.get(pk=people["rahul"].pk)
    assert rahul.support_score == 1
    assert rahul.custom_values.get().value == "Teacher"


@pytest.mark.parametrize("n", [3, 40])
def test_person_list_query_count_is_constant(
    client_for, geo, users, n, django_assert_max_num_queries
):
    for i in range(n):
        person_create(
            actor=SYSTEM,
            data={"given_name": f"P{i}", "area": geo["p1"], "age": 30},
            phones=[f"+9198300{i:05d}"],
        )
    c = client_for(users["manager"])
    with django_assert_max_num_queries(14):
        r = c.get(reverse("people:person_list"))
    assert r.status_code == 200


def test_list_htmx_returns_results_partial(client_for, people, users):
    r = client_for(users["manager"]).get(
        reverse("people:person_list") + "?q=rahul", HTTP_HX_REQUEST="true"
    )
    body = r.content.decode()
    assert 'id="results"' in body and "Rahul Sharma" in body and "Ananya" not in body
    assert "<html" not in body


def test_household_views_scoped(client_for, people, users):
    hh = people["household"]
    r = client_for(users["volunteer"]).get(reverse("people:household_detail", args=[hh.pk]))
    assert r.status_code == 200 and "Ananya Das" in r.content.decode()
    assert client_for(users["finance"]).get(reverse("people:household_list")).status_code == 200
    from grassroots.geography import services as geo_services
    from grassroots.people.services import household_create

    other = geo_services.area_create(
        actor=SYSTEM,
        kind=geo_services.area_kind_ensure(code="part", name="Part"),
        code="IN-WB-AC1-P003",
        name="Part 3",
        parent=people["ananya"].area.parent,
    )
    hh2 = household_create(actor=SYSTEM, address={"street": "Elgin Road"}, area=other)
    assert (
        client_for(users["volunteer"])
        .get(reverse("people:household_detail", args=[hh2.pk]))
        .status_code
        == 404
    )


def test_person_page_shows_vote_history(client_for, people, users, geo):
    import datetime as dt

    from grassroots.geography.services import election_create
    from grassroots.people.models import VoteHistory

    e = election_create(
        actor=SYSTEM,
        name="2024 General",
        kind="general",
        date=dt.date(2024, 11, 5),
        area=geo["state"],
        code="g-2024",
    )
    VoteHistory.objects.create(person=people["rahul"], election=e, voted=True, method="mail")
    body = (
        client_for(users["manager"])
        .get(reverse("people:person_detail", args=[people["rahul"].pk]))
        .content.decode()
    )
    assert "2024 General" in body and "Mail / postal" in body


@pytest.mark.parametrize("n", [2, 30])
def test_household_list_query_count_is_constant(
    client_for, geo, users, n, django_assert_max_num_queries
):
    from grassroots.people.services import household_create

    for i in range(n):
        household_create(
            actor=SYSTEM, address={"house_number": str(i), "street": "Elgin Road"}, area=geo["p1"]
        )
    c = client_for(users["manager"])
    with django_assert_max_num_queries(10):
        assert c.get(reverse("people:household_list")).status_code == 200


def test_audit_list_query_count_is_constant(
    client_for, people, users, django_assert_max_num_queries
):
    from grassroots.core import audit

    for i in range(30):
        audit.record(
            actor=users["admin"], action="test.thing", obj=people["rahul"], detail={"i": i}
        )
    c = client_for(users["admin"])
    with django_assert_max_num_queries(10):
        assert c.get(reverse("accounts:audit_list")).status_code == 200


def test_a_custom_field_of_one_area_is_shown_only_to_people_there(client_for, geo, people, users):
    """A ration card (an Indian scheme) is not a field of a voter elsewhere (issue 13, item 28)."""
    from grassroots.people.models import CustomField

    CustomField.objects.create(key="occupation", label="Occupation", type="text")
    CustomField.objects.create(
        key="ration_card", label="Ration card", type="boolean", area=geo["p1"]
    )
    c = client_for(users["manager"])
    inside = people["rahul"] if people["rahul"].area_id == geo["p1"].pk else people["ananya"]
    outside = person_create(actor=SYSTEM, data={"given_name": "Elsewhere", "area": geo["p2"]})
    for person, shown in ((inside, True), (outside, False)):
        for name in ("people:person_detail", "people:person_edit"):
            page = c.get(reverse(name, args=[person.pk])).content.decode()
            assert "Occupation" in page
            assert ("Ration card" in page) is shown, (name, person)


def test_the_support_score_is_said_in_words(client_for, people, users):
    """A bare "2" in a green circle meant nothing to a new user (issue 13, item 28)."""
    person = people["ananya"]
    Person.objects.filter(pk=person.pk).update(support_score=2)
    c = client_for(users["manager"])
    page = c.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    assert "Leaning support" in page and 'aria-label="Support 2: Leaning support"' in page
    listing = c.get(reverse("people:person_list")).content.decode()
    assert "Strong support" in listing and "Strong oppose" in listing  # the legend
    assert "2 · Leaning support" in listing  # the filter's option
