"""Authorisation matrices for the person pages and the people API (ARCHITECTURE §5).

Columns: anonymous, a user with no role, a user of the right role scoped elsewhere (404, as for
a missing person), and the allowed user. Every refused column must show none of the person's
details and change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.accounts.tests.factories import UserFactory
from grassroots.geography.tests.factories import AreaFactory, AreaKindFactory
from grassroots.people.models import ContactPoint, Note, Person, Tagging
from grassroots.people.tests.factories import ContactPointFactory, PersonFactory, TagFactory
from grassroots.testing.matrix import LOGIN, api_client, assert_matrix, html_client, snapshot


@pytest.fixture
def world(db):
    part = AreaKindFactory(code="part", name="Part", is_polling_unit=True)
    ac = AreaFactory(code="MX-AC1", kind=AreaKindFactory(code="ac", name="AC"))
    here, there = AreaFactory(parent=ac, kind=part), AreaFactory(parent=ac, kind=part)
    person = PersonFactory(
        given_name="Ananya", family_name="Matrixdas", area=here, emails=["ananya.mx@example.org"]
    )
    ContactPointFactory(person=person, value="+91 98300 67890")
    return {
        "here": here,
        "there": there,
        "person": person,
        "anonymous": None,
        "nobody": UserFactory(areas=[here]),
        "volunteer_elsewhere": UserFactory(role="volunteer", areas=[there]),
        "volunteer": UserFactory(role="volunteer", areas=[here]),
        "organiser_elsewhere": UserFactory(role="field_organiser", areas=[there]),
        "organiser": UserFactory(role="field_organiser", areas=[here]),
    }


LEAKS = ["Matrixdas", "ananya.mx@example.org", "67890"]


def _person_rows(person):
    return lambda: snapshot(
        Person.objects.filter(pk=person.pk),
        ContactPoint.objects.filter(person=person),
        Note.objects.filter(person=person),
        Tagging.objects.filter(person=person),
    )


def _cols(w, *, wrong="nobody", elsewhere="volunteer_elsewhere", allowed="volunteer"):
    return {"wrong_role": w[wrong], "out_of_scope": w[elsewhere], "allowed": w[allowed]}


# --- HTML ----------------------------------------------------------------------------------


def test_person_detail(world):
    assert_matrix(
        html_client, "get", reverse("people:person_detail", args=[world["person"].pk]),
        users=_cols(world),
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
        leaks=LEAKS, unchanged=_person_rows(world["person"]),
    )  # fmt: skip


def test_person_edit_form(world):
    assert_matrix(
        html_client, "get", reverse("people:person_edit", args=[world["person"].pk]),
        users=_cols(world, wrong="volunteer", elsewhere="organiser_elsewhere", allowed="organiser"),
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
        leaks=LEAKS,
    )  # fmt: skip


def test_person_edit_post(world):
    p = world["person"]
    assert_matrix(
        html_client, "post", reverse("people:person_edit", args=[p.pk]),
        data={"given_name": "Hijacked", "family_name": "Matrixdas", "status": "active",
              "area": world["here"].code},
        users=_cols(world, wrong="volunteer", elsewhere="organiser_elsewhere", allowed="organiser"),
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 302},
        leaks=LEAKS, unchanged=_person_rows(p),
    )  # fmt: skip
    p.refresh_from_db()
    assert p.given_name == "Hijacked"  # the allowed column did change it


@pytest.mark.parametrize(
    ("action", "data"),
    [("note", {"body": "sneaky"}), ("tag", {"name": "Sneaky"}), ("contact", {"channel": "phone",
      "value": "+91 98300 11111"})],
)  # fmt: skip
def test_person_actions_out_of_scope_change_nothing(world, action, data):
    TagFactory(name="Sneaky")
    users = _cols(world)
    expect = {"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404}
    if action == "contact":  # adding a contact point needs people.edit: volunteers are refused
        users = _cols(world, wrong="volunteer", elsewhere="organiser_elsewhere")
    assert_matrix(
        html_client, "post", reverse("people:person_action", args=[world["person"].pk, action]),
        data=data, users=users, expect=expect, leaks=LEAKS,
        unchanged=_person_rows(world["person"]),
    )  # fmt: skip


# --- API -----------------------------------------------------------------------------------


def test_api_person_detail(world):
    assert_matrix(
        api_client, "get", f"/api/v1/people/{world['person'].pk}/", users=_cols(world),
        expect={"anonymous": 401, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
        leaks=LEAKS, json_errors=True, unchanged=_person_rows(world["person"]),
    )  # fmt: skip


def test_api_person_list_shows_no_one_out_of_scope(world):
    assert_matrix(
        api_client, "get", "/api/v1/people/", users=_cols(world),
        expect={"anonymous": 401, "wrong_role": 403, "out_of_scope": 200, "allowed": 200},
        leaks=LEAKS, json_errors=True,
    )  # fmt: skip


def test_api_person_list_filter_by_out_of_scope_area_is_refused_like_a_missing_one(world):
    url = f"/api/v1/people/?area={world['here'].pk}"
    responses = assert_matrix(
        api_client, "get", url, users=_cols(world),
        expect={"out_of_scope": 400, "allowed": 200}, leaks=LEAKS, json_errors=True,
    )  # fmt: skip
    missing = api_client(world["volunteer_elsewhere"]).get("/api/v1/people/?area=999999")
    assert missing.status_code == 400
    assert missing.json() == responses["out_of_scope"].json()


def test_api_person_patch(world):
    p = world["person"]
    assert_matrix(
        api_client, "patch", f"/api/v1/people/{p.pk}/", data={"given_name": "Hijacked"},
        format="json",
        users=_cols(world, wrong="volunteer", elsewhere="organiser_elsewhere", allowed="organiser"),
        expect={"anonymous": 401, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
        leaks=LEAKS, json_errors=True, unchanged=_person_rows(p),
    )  # fmt: skip
    p.refresh_from_db()
    assert p.given_name == "Hijacked"


def test_the_matrix_catches_a_wrong_expectation_on_a_real_endpoint(world):
    """The helper against the real person page: expecting 403 where the page answers 404."""
    with pytest.raises(AssertionError, match="status 404, expected 403"):
        assert_matrix(
            html_client, "get", reverse("people:person_detail", args=[world["person"].pk]),
            users=_cols(world), expect={"out_of_scope": 403},
        )  # fmt: skip
