"""What an API read costs in queries (issue 14: the API under 32 clients), and that the cheaper
read paths answer exactly what DRF's own would: one query for a token with its user's roles,
a person in three queries, a page of people in four whatever its length."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from grassroots.accounts import services as account_services
from grassroots.accounts.models import Role
from grassroots.accounts.selectors import api_token_authenticate
from grassroots.api import serializers as s
from grassroots.core.access import SYSTEM
from grassroots.people import services as people_services
from grassroots.people.models import Person
from grassroots.testing.queries import assert_constant_queries, capture

PEOPLE = "/api/v1/people/"


def token_client(user) -> APIClient:
    """A token client (the auditor: campaign-wide, reads people, no two-factor requirement)."""
    _token, plaintext = account_services.api_token_create(actor=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    client.get(PEOPLE)  # the token's first use records it (a write, once a minute)
    return client


def test_a_token_its_user_and_roles_are_one_query(users):
    user = users["organiser"]
    extra = Role.objects.create(
        slug="reader", name="A reader", capabilities=["reports.view"], require_2fa=True
    )
    user.roles.add(extra)
    _token, plaintext = account_services.api_token_create(actor=user, name="test")
    api_token_authenticate(plaintext)  # first use: records last_used_at

    def check():
        token = api_token_authenticate(plaintext)
        return (
            token.user.pk,
            token.user.has_capability("api.use"),
            token.user.has_capability("reports.view"),
            token.user.has_capability("accounts.manage"),
            token.user.requires_2fa(),
            sorted(r.slug for r in token.user._roles()),
        )

    result, sql = capture(check)
    assert len(sql) == 1, sql
    assert result == (user.pk, True, True, False, True, ["field_organiser", "reader"])
    user.roles.remove(extra)
    assert capture(check)[0][2:5] == (False, False, False)


def test_a_token_of_a_user_without_roles_reads_no_capability(users):
    _token, plaintext = account_services.api_token_create(actor=users["nobody"], name="t")
    token = api_token_authenticate(plaintext)
    assert token.user == users["nobody"]
    assert token.user._roles() == [] and not token.user.has_capability("api.use")


def test_person_detail_is_three_queries(people, users):
    client = token_client(users["auditor"])
    response, sql = capture(lambda: client.get(f"{PEOPLE}{people['ananya'].pk}/"))
    assert response.status_code == 200
    # the token with its roles, the person, their contact points + identifiers + tags
    assert len(sql) == 3, "\n".join(sql)


def test_people_list_is_four_queries_whatever_its_length(geo, users):
    client = token_client(users["auditor"])

    def make(count, start):
        for i in range(start, start + count):
            person = people_services.person_create(
                actor=SYSTEM,
                data={"given_name": f"P{i}", "family_name": "Roy", "area": geo["p1"]},
                phones=[f"+91 98300 {10000 + i}"],
                external_ids=[("voter", f"V{1000000 + i}")],
            )
            tag = people_services.tag_get_or_create(actor=SYSTEM, name=f"Tag {i % 3}")
            people_services.tag_apply(actor=SYSTEM, tag=tag, people=[person.pk])

    counts = assert_constant_queries(
        make, lambda: client.get(PEOPLE), shown=lambda r: len(r.json()["results"])
    )
    assert counts[0] == 4  # the token, the count, the page, the page's related rows


def _drf_representation(serializer, instance) -> dict:
    """What DRF's own ModelSerializer.to_representation answers (fields built for the call)."""
    return serializers.ModelSerializer.to_representation(serializer, instance)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("attached", [True, False])
def test_the_cached_read_path_answers_what_drf_would(people, users, attached, zone):
    people_services.contact_point_add(
        actor=SYSTEM, person=people["ananya"], channel="phone", value="+91 98300 99999"
    )
    tag = people_services.tag_get_or_create(actor=SYSTEM, name="Volunteer")
    people_services.tag_apply(actor=SYSTEM, tag=tag, people=[people["ananya"].pk])
    Person.objects.filter(pk=people["ananya"].pk).update(  # a date, a time, a score
        birth_date=datetime.date(1990, 2, 28),
        last_contacted_at=datetime.datetime(2026, 3, 1, 20, 45, 7, 123456, tzinfo=datetime.UTC),
        support_score=4,
    )
    qs = Person.objects.all()
    if attached:
        qs = s.person_read_queryset(qs)
    with timezone.override(zone):  # times are shown in the active zone, as DRF shows them
        for person in qs:
            if attached:
                s.attach_related([person])
            serializer = s.PersonSerializer(person)
            fast = serializer.data
            slow = _drf_representation(s.PersonSerializer(Person.objects.get(pk=person.pk)), person)
            assert fast == slow
            assert fast["contact_points"] or person.pk != people["ananya"].pk
            if person.pk == people["ananya"].pk:
                assert fast["birth_date"] == "1990-02-28"
                assert fast["last_contacted_at"] == (
                    "2026-03-01T20:45:07.123456Z"
                    if zone == "UTC"
                    else "2026-03-02T02:15:07.123456+05:30"
                )


def test_a_large_count_is_counted_once_for_a_while_and_per_scope(people, users, settings):
    """Counting a big result on every page is a scan of it; a count at or above the threshold
    is remembered (for the same query: the same scope and filters), a smaller one is exact."""
    settings.API_COUNT_EXACT_BELOW = 2
    client = token_client(users["auditor"])
    first = client.get(PEOPLE).json()["count"]
    assert first >= 2
    area = people["ananya"].area
    people_services.person_create(
        actor=SYSTEM, data={"given_name": "Newcomer", "family_name": "Zed", "area": area}
    )
    assert client.get(PEOPLE).json()["count"] == first  # remembered
    assert client.get(PEOPLE, {"page_size": 1}).json()["count"] == first  # the same query
    # another question (a filter) counts afresh; so does one below the threshold
    assert client.get(PEOPLE, {"q": "Newcomer"}).json()["count"] == 1
    settings.API_COUNT_EXACT_BELOW = 10**9
    assert client.get(PEOPLE, {"ordering": "id"}).json()["count"] == first + 1
    settings.API_COUNT_CACHE_SECONDS = 0
    assert client.get(PEOPLE).json()["count"] == first + 1


def test_a_list_without_filters_in_its_query_string_is_the_scoped_list(people, users):
    client = token_client(users["auditor"])
    everyone = client.get(PEOPLE, {"page": 1}).json()
    assert everyone["count"] == Person.objects.count()
    women = client.get(PEOPLE, {"page": 1, "gender": "female"}).json()
    assert 0 < women["count"] < everyone["count"]
    assert {r["gender"] for r in women["results"]} == {"female"}


def test_a_detail_with_a_filter_in_the_query_string_is_still_filtered(people, users):
    client = token_client(users["auditor"])
    url = f"{PEOPLE}{people['ananya'].pk}/"
    assert client.get(url).status_code == 200
    assert client.get(url, {"gender": "female"}).status_code == 200
    assert client.get(url, {"gender": "male"}).status_code == 404


def test_a_list_without_filters_keeps_the_filtersets_default_order(people, users):
    """The people filters sort by name when no sort is asked; skipping them for ``?page=1``
    must not leave the pages in the database's order."""
    for family in ("Zorba", "Mehta", "Abbas"):  # stored in the reverse of name order
        people_services.person_create(
            actor=SYSTEM,
            data={"given_name": "Test", "family_name": family, "area": people["ananya"].area},
        )
    client = token_client(users["auditor"])
    names = [
        (r["family_name"].upper(), r["given_name"].upper(), r["id"])
        for r in client.get(PEOPLE, {"page": 1}).json()["results"]
    ]
    assert len(names) > 1 and names == sorted(names)
    unordered = client.get(PEOPLE, {"page": 1})
    assert [r["id"] for r in unordered.json()["results"]] == [n[2] for n in names]
