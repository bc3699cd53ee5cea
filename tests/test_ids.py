"""Ids from outside, on the screens (issue 14, item 7): one check (``core.ids``) for every input
that takes an id. An id past 64 bits, zero, negative or not a number is a form error, an empty
result or a 404 — it was a server error on SQLite (``OverflowError``) — and changes nothing.
The API's side is ``grassroots/api/tests/test_robustness.py``."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from grassroots.core.access import SYSTEM
from grassroots.core.ids import MAX_ID, IdField, parse_id, parse_ids
from grassroots.lists import services as list_services
from grassroots.lists.models import ListMember
from grassroots.messaging.tests.factories import TemplateFactory
from grassroots.people.models import Person, Tagging

NOT_IDS = [str(2**64), str(MAX_ID + 1), "0", "-1", "1.5", "abc", "²", "١", " ", "1" * 5000]


def test_parse_id_takes_whole_numbers_from_1_to_the_largest_id():
    assert parse_id("7") == 7 and parse_id(7) == 7 and parse_id(" 7 ") == 7
    assert parse_id(MAX_ID) == MAX_ID and parse_id(str(MAX_ID)) == MAX_ID
    for value in [*NOT_IDS, MAX_ID + 1, 0, -1, 1.0, True, None, [1]]:
        assert parse_id(value) is None, value
    assert parse_ids(["3", 1, "3", "x", 2**64]) == ([1, 3], ["x", str(2**64)])


def test_id_field_is_a_form_error_for_what_is_not_an_id():
    class Form(forms.Form):
        household = IdField(required=False)

    assert Form({"household": "12"}).is_valid()
    for value in NOT_IDS[:-2]:
        form = Form({"household": value})
        assert not form.is_valid(), value
        assert form.errors["household"] == ["Not a valid id."]


@pytest.mark.parametrize("value", NOT_IDS)
def test_people_list_filters_by_household_or_area_without_a_server_error(
    client_for, users, people, value
):
    c = client_for(users["admin"])
    for name in ("household", "area"):
        response = c.get(reverse("people:person_list"), {name: value})
        assert response.status_code == 200, (name, value)
    response = c.get(reverse("people:person_list"), {"household": people["household"].pk})
    assert "Ananya" in response.content.decode() and "Rahul" not in response.content.decode()


def test_bulk_tag_refuses_a_selection_that_is_not_ids(client_for, users, people):
    c = client_for(users["admin"])
    for value in [str(2**64), "0", "-1", "abc"]:
        response = c.post(
            reverse("people:bulk_tag"),
            {"tag_name": "Yard sign", "ids": f"{people['ananya'].pk},{value}"},
        )
        assert response.status_code == 302
    assert not Tagging.objects.exists()


def test_list_add_and_remove_on_screen_refuse_what_is_not_an_id(client_for, users, people):
    person_list = list_services.list_create(
        actor=users["admin"], name="L", person_ids=[people["ananya"].pk]
    )
    url = reverse("lists:list_detail", args=[person_list.pk])
    c = client_for(users["admin"])
    for value in [str(2**64), str(MAX_ID + 1), "0", "-1", "abc"]:
        c.post(url, {"action": "add", "ids": f"{people['sourav'].pk} {value}"})
        c.post(url, {"action": "remove", "person": [str(people["ananya"].pk), value]})
    members = set(ListMember.objects.filter(list=person_list).values_list("person_id", flat=True))
    assert members == {people["ananya"].pk}


def test_template_preview_for_a_person_that_is_not_an_id_is_404(client_for, users, people):
    template = TemplateFactory()
    url = reverse("messaging:template_preview", args=[template.pk])
    c = client_for(users["admin"])
    for value in NOT_IDS:
        assert c.get(url, {"person": value}).status_code == 404, value
    assert c.get(url, {"person": people["ananya"].pk}).status_code == 200


def test_add_person_to_a_household_that_is_not_an_id_is_404(client_for, users, people):
    c = client_for(users["admin"])
    for value in NOT_IDS[:-2]:
        assert c.get(reverse("people:person_create"), {"household": value}).status_code == 404
        response = c.post(
            reverse("people:person_create"), {"given_name": "New", "household": value}
        )
        assert response.status_code in (200, 404), value
    assert not Person.objects.filter(given_name="New").exists()


def test_duplicates_queue_ignores_a_merged_banner_that_is_not_an_id(client_for, users):
    c = client_for(users["admin"])
    for value in NOT_IDS:
        assert c.get(reverse("people:duplicate_list"), {"merged": value}).status_code == 200


def _int_routes(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from _int_routes(p.url_patterns, inner)
        elif isinstance(p, URLPattern) and p.name:
            converters = getattr(p.pattern, "converters", {})
            if converters and all(isinstance(c, IntConverter) for c in converters.values()):
                yield namespace + p.name, list(converters)


def test_every_screen_taking_an_id_in_its_address_answers_without_a_server_error(
    client_for, users, people
):
    """Each route with ``<int:…>`` in its path, with an id past 64 bits, as an admin."""
    c = client_for(users["admin"])
    c.raise_request_exception = False
    routes = [
        (name, args)
        for name, args in _int_routes(get_resolver().url_patterns)
        # django-otp's own admin views answer 500 for any device id that does not exist
        if not name.startswith("admin:otp_")
    ]
    assert len(routes) > 30
    failing = []
    for name, args in routes:
        url = reverse(name, kwargs=dict.fromkeys(args, 2**64))
        for method in (c.get, c.post):
            if method(url).status_code >= 500:
                failing.append(f"{method.__name__.upper()} {url}")
    assert not failing


def test_people_service_ids_are_bounded_too(users, people):
    from django.core.exceptions import ValidationError

    person_list = list_services.list_create(actor=SYSTEM, name="S", person_ids=[])
    with pytest.raises(ValidationError):
        list_services.list_add_people(actor=SYSTEM, person_list=person_list, person_ids=[2**64])
