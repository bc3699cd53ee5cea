"""Add person (issue 13 item 25): address and household, identifiers as kind + value, booth
volunteers adding electors in their own booth; the area is the area picker (item 18)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.geography import services as geo_services
from grassroots.people.models import ExternalId, Household, Person

URL = reverse("people:person_create")


def _post(client, **data):
    base = {"given_name": "Mitali", "status": "active"}
    return client.post(URL, {**base, **data})


@pytest.mark.django_db
def test_a_booth_volunteer_adds_an_elector_at_an_address_in_their_booth(
    client_for, geo, people, users
):
    c = client_for(users["volunteer"])
    page = c.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    # their booth is chosen already, shown by its path
    assert 'value="IN-WB-AC1-P001"' in body and "Bhabanipur › Part 1" in body
    assert "namespace:value" not in body
    r = _post(
        c,
        family_name="Roy",
        area="IN-WB-AC1-P001",
        house_number="7",
        street="Lake Road",
        city="Kolkata",
        postal_code="700029",
        phone="98300 11111",
        id_namespace="epic",
        id_value="ABC1234566",
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    mitali = Person.objects.get(given_name="Mitali", family_name="Roy")
    assert mitali.area == geo["p1"]
    hh = mitali.household
    assert hh is not None and hh.area == geo["p1"]
    assert (hh.address.house_number, hh.address.street, hh.address.postal_code) == (
        "7",
        "Lake Road",
        "700029",
    )
    assert mitali.contact_points.get().value == "+919830011111"
    assert mitali.external_ids.get().value == "ABC1234566"
    # a second person at the same door (typed differently) joins the same household
    r = _post(
        c,
        given_name="Tapas",
        family_name="Roy",
        area="IN-WB-AC1-P001",
        house_number=" 7 ",
        street="LAKE ROAD",
        city="kolkata",
        postal_code="700029",
    )
    assert r.status_code == 302
    assert Person.objects.get(given_name="Tapas").household_id == hh.pk
    assert Household.objects.filter(address__street__iexact="lake road").count() == 1


@pytest.mark.django_db
def test_an_identifier_is_a_kind_and_a_value(client_for, geo, users):
    c = client_for(users["manager"])
    body = c.get(URL).content.decode()
    assert 'name="id_namespace"' in body and "EPIC" in body
    r = _post(c, area="IN-WB-AC1-P002", id_namespace="epic", id_value="ABC1234566")
    assert r.status_code == 302, r.content.decode()[:2000]
    assert ExternalId.objects.filter(namespace="epic", value="ABC1234566").exists()
    # a wrong check digit: said next to the identifier, the rest kept, nothing written
    before = Person.objects.count()
    r = _post(c, given_name="Keya", id_namespace="epic", id_value="ABC1234567", phone="98300 22222")
    assert r.status_code == 400
    form = r.context["form"]
    assert "not a valid EPIC" in " ".join(form.errors["id_value"])
    assert 'value="Keya"' in r.content.decode() and 'value="98300 22222"' in r.content.decode()
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_the_hints_own_example_code_is_accepted(client_for, geo, users):
    part = geo["kinds"]["part"]
    geo_services.area_create(
        actor=SYSTEM, kind=part, code="WB-AC158-P012", name="Part 12", parent=geo["ac"]
    )
    c = client_for(users["manager"])
    # typed into the picker's box without choosing a suggestion (no JavaScript)
    r = _post(c, area="", area__text="WB-AC158-P012")
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Person.objects.get(given_name="Mitali").area.code == "WB-AC158-P012"


@pytest.mark.django_db
def test_a_volunteer_cannot_add_outside_their_booth_and_nothing_is_left_behind(
    client_for, geo, people, users
):
    c = client_for(users["volunteer"])
    households = Household.objects.count()
    for area in ("IN-WB-AC1-P002", ""):
        r = _post(c, area=area, house_number="9", street="Elgin Road")
        assert r.status_code == 400
    assert not Person.objects.filter(given_name="Mitali").exists()
    assert Household.objects.count() == households
    # a household outside their booth is as missing
    other = people["rahul"]
    hh = Household.objects.create(area=geo["p2"], name="Sharma")
    other.household = hh
    other.save()
    assert c.get(URL, {"household": hh.pk}).status_code == 404
    assert _post(c, area="IN-WB-AC1-P001", household=hh.pk).status_code == 404
    # adding is not editing: the volunteer still cannot edit someone
    edit = reverse("people:person_edit", args=[people["ananya"].pk])
    assert c.get(edit).status_code == 403
    # somebody without a role cannot add at all
    assert client_for(users["nobody"]).get(URL).status_code == 403


@pytest.mark.django_db
def test_adding_a_member_to_a_household(client_for, geo, people, users):
    hh = people["household"]
    c = client_for(users["volunteer"])
    page = c.get(URL, {"household": hh.pk}).content.decode()
    assert "Harish Mukherjee Road" in page and f'name="household" value="{hh.pk}"' in page
    r = _post(
        c,
        given_name="Rina",
        family_name="Das",
        household=hh.pk,
        area="IN-WB-AC1-P001",
        house_number="12/1",
        street="Harish Mukherjee Road",
        city="Kolkata",
        postal_code="700025",
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    rina = Person.objects.get(given_name="Rina")
    assert rina.household_id == hh.pk and rina.area == geo["p1"]


@pytest.mark.django_db
def test_the_volunteer_finds_add_person_and_add_a_member(client_for, people, users):
    c = client_for(users["volunteer"])
    assert reverse("people:person_create") in c.get(reverse("people:person_list")).content.decode()
    hh = people["household"]
    page = c.get(reverse("people:household_detail", args=[hh.pk])).content.decode()
    assert f"{URL}?household={hh.pk}" in page and "Add a member" in page
    auditor = client_for(users["auditor"])
    assert URL not in auditor.get(reverse("people:person_list")).content.decode()


@pytest.mark.django_db
def test_the_same_door_is_found_anywhere_in_the_booth(geo, people, users):
    from grassroots.people import services

    kind = geo_services.area_kind_ensure(code="section", name="Section")
    section = geo_services.area_create(
        actor=SYSTEM, kind=kind, code="IN-WB-AC1-P001-S1", name="Section 1", parent=geo["p1"]
    )
    door = {"house_number": "12/1", "street": "harish mukherjee road", "postal_code": "700025",
            "city": "Kolkata"}  # fmt: skip
    hh, created = services.household_for_address(
        actor=users["volunteer"], address=door, area=section
    )
    assert hh == people["household"] and not created
    # another booth's same street and number is another door
    hh2, created = services.household_for_address(actor=SYSTEM, address=door, area=geo["p2"])
    assert created and hh2 != people["household"] and hh2.area == geo["p2"]
