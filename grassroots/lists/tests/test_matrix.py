"""Authorisation matrices for segments and lists, on the screens and in the API (ARCHITECTURE §5).

A private segment or list is the owner's alone: another user of the same role and the same area
gets 404 exactly like a user scoped elsewhere, and nobody but the owner changes it. A shared one
is read by users whose area overlaps its own, still changed only by its owner."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.accounts.tests.factories import UserFactory
from grassroots.geography.tests.factories import AreaFactory, AreaKindFactory
from grassroots.lists.models import ListMember, PersonList, Segment
from grassroots.lists.tests.factories import PersonListFactory, SegmentFactory
from grassroots.people.tests.factories import PersonFactory
from grassroots.testing.matrix import LOGIN, api_client, assert_matrix, html_client, snapshot

LEAKS = ["Zebra secret", "quiet description"]


@pytest.fixture
def world(db):
    part = AreaKindFactory(code="part", name="Part", is_polling_unit=True)
    ac = AreaFactory(kind=AreaKindFactory(code="ac", name="AC"))
    here, there = AreaFactory(parent=ac, kind=part), AreaFactory(parent=ac, kind=part)
    owner = UserFactory(role="field_organiser", areas=[here])
    person = PersonFactory(area=here, given_name="Mitra", family_name="Listmember")
    return {
        "owner": owner,
        "person": person,
        "nobody": UserFactory(areas=[here]),
        "volunteer": UserFactory(role="volunteer", areas=[here]),
        "elsewhere": UserFactory(role="field_organiser", areas=[there]),
        "colleague": UserFactory(role="field_organiser", areas=[here]),
        "segment": SegmentFactory(owner=owner, name="Zebra secret",
                                  description="quiet description"),
        "list": PersonListFactory(owner=owner, name="Zebra secret",
                                  description="quiet description", people=[person]),
    }  # fmt: skip


def _users(w, wrong="volunteer"):
    return {
        "wrong_role": w[wrong],
        "out_of_scope": w["elsewhere"],
        "private_other_owner": w["colleague"],
        "allowed": w["owner"],
    }


def _segment_rows(segment):
    return lambda: snapshot(Segment.objects.filter(pk=segment.pk))


def _list_rows(person_list):
    return lambda: snapshot(
        PersonList.objects.filter(pk=person_list.pk), ListMember.objects.filter(list=person_list)
    )


# --- screens -------------------------------------------------------------------------------


def test_segment_builder(world):
    assert_matrix(
        html_client, "get", reverse("lists:segment_edit", args=[world["segment"].pk]),
        users=_users(world),
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "private_other_owner": 404, "allowed": 200},
        leaks=LEAKS,
    )  # fmt: skip


def test_segment_save(world):
    seg = world["segment"]
    assert_matrix(
        html_client, "post", reverse("lists:segment_edit", args=[seg.pk]),
        data={"name": "Renamed", "visibility": "shared", "definition": '{"steps": []}'},
        users=_users(world),
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "private_other_owner": 404},
        leaks=LEAKS, unchanged=_segment_rows(seg),
    )  # fmt: skip


def test_segment_delete(world):
    seg = world["segment"]
    assert_matrix(
        html_client, "post", reverse("lists:segment_action", args=[seg.pk, "delete"]),
        users=_users(world),
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "private_other_owner": 404, "allowed": 302},
        leaks=LEAKS, unchanged=_segment_rows(seg),
    )  # fmt: skip
    assert not Segment.objects.filter(pk=seg.pk).exists()


def test_shared_segment_is_read_by_colleagues_but_deleted_by_its_owner_only(world):
    seg = SegmentFactory(owner=world["owner"], name="Zebra shared", visibility="shared")
    url = reverse("lists:segment_edit", args=[seg.pk])
    assert html_client(world["colleague"]).get(url).status_code == 200
    assert_matrix(
        html_client, "post", reverse("lists:segment_action", args=[seg.pk, "delete"]),
        users={**_users(world), "shared_colleague": world["colleague"]},
        expect={"out_of_scope": 404, "shared_colleague": 302},  # back to the builder, refused
        leaks=["Zebra shared"], unchanged=_segment_rows(seg), allowed=(),
    )  # fmt: skip


def test_list_detail(world):
    assert_matrix(
        html_client, "get", reverse("lists:list_detail", args=[world["list"].pk]),
        users=_users(world, wrong="nobody"),
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "private_other_owner": 404, "allowed": 200},
        leaks=[*LEAKS, "Listmember"], unchanged=_list_rows(world["list"]),
    )  # fmt: skip


@pytest.mark.parametrize("action", ["delete", "remove", "add"])
def test_list_changes(world, action):
    lst, person = world["list"], world["person"]
    other = PersonFactory(area=person.area)
    assert_matrix(
        html_client, "post", reverse("lists:list_detail", args=[lst.pk]),
        data={"action": action, "person": [person.pk], "ids": str(other.pk)},
        users=_users(world),
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "private_other_owner": 404, "allowed": 302},
        leaks=LEAKS, unchanged=_list_rows(lst),
    )  # fmt: skip


def test_list_export(world):
    """Exporting needs people.export (the owner, a field organiser, lacks it: 403); data
    managers elsewhere or beside the owner get 404 for a private list."""
    here, there = world["person"].area, AreaFactory(parent=world["person"].area.parent)
    assert_matrix(
        html_client, "post", reverse("lists:list_export", args=[world["list"].pk]),
        users={"wrong_role": world["owner"],
               "out_of_scope": UserFactory(role="data_manager", areas=[there]),
               "private_other_owner": UserFactory(role="data_manager", areas=[here])},
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404,
                "private_other_owner": 404},
        leaks=[*LEAKS, "Listmember"], unchanged=_list_rows(world["list"]),
    )  # fmt: skip


# --- API -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["segments", "lists"])
def test_api_detail(world, kind):
    obj = world["segment"] if kind == "segments" else world["list"]
    assert_matrix(
        api_client, "get", f"/api/v1/{kind}/{obj.pk}/", users=_users(world, wrong="nobody"),
        expect={"anonymous": 401, "wrong_role": 403, "out_of_scope": 404,
                "private_other_owner": 404, "allowed": 200},
        leaks=LEAKS, json_errors=True,
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["segments", "lists"])
def test_api_list_hides_private_and_out_of_scope(world, kind):
    assert_matrix(
        api_client, "get", f"/api/v1/{kind}/", users=_users(world, wrong="nobody"),
        expect={"anonymous": 401, "wrong_role": 403, "out_of_scope": 200,
                "private_other_owner": 200, "allowed": 200},
        leaks=LEAKS, json_errors=True,
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["segments", "lists"])
def test_api_delete(world, kind):
    obj = world["segment"] if kind == "segments" else world["list"]
    rows = _segment_rows(obj) if kind == "segments" else _list_rows(obj)
    assert_matrix(
        api_client, "delete", f"/api/v1/{kind}/{obj.pk}/", users=_users(world),
        expect={"anonymous": 401, "wrong_role": 403, "out_of_scope": 404,
                "private_other_owner": 404, "allowed": 204},
        leaks=LEAKS, json_errors=True, unchanged=rows,
    )  # fmt: skip
    assert not type(obj).objects.filter(pk=obj.pk).exists()


def test_api_list_members_of_a_private_list(world):
    assert_matrix(
        api_client, "get", f"/api/v1/lists/{world['list'].pk}/members/",
        users=_users(world, wrong="nobody"),
        expect={"anonymous": 401, "wrong_role": 403, "out_of_scope": 404,
                "private_other_owner": 404, "allowed": 200},
        leaks=["Listmember"], json_errors=True,
    )  # fmt: skip
