"""The people list (screen and API) answers in a fixed number of queries, however many rows."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from grassroots.accounts.tests.factories import UserFactory
from grassroots.geography.tests.factories import AreaFactory, AreaKindFactory
from grassroots.people.tests.factories import HouseholdFactory, PersonFactory, TagFactory
from grassroots.testing.matrix import api_client, html_client
from grassroots.testing.queries import assert_constant_queries


@pytest.fixture
def area(db):
    part = AreaKindFactory(code="part", name="Part", is_polling_unit=True)
    return AreaFactory(parent=AreaFactory(code="Q-AC1"), kind=part)


@pytest.fixture
def make_people(area):
    """Rows with everything a row shows: a household, phones, emails, tags, an area."""
    tags = [TagFactory(name="Volunteer"), TagFactory(name="Donor")]

    def make(count: int, start: int) -> None:
        for i in range(start, start + count):
            PersonFactory(
                given_name=f"Row{i}", family_name="Querycount", area=area,
                household=HouseholdFactory(area=area), tags=tags,
                phones=[f"+91 98300 {i:05d}"], emails=[f"row{i}@example.org"],
            )  # fmt: skip

    return make


@pytest.mark.parametrize("role", ["volunteer", "campaign_manager"])  # area-scoped and everyone
def test_person_list_view(area, make_people, role):
    c = html_client(UserFactory(role=role, areas=[area], scope_all=role != "volunteer"))
    assert_constant_queries(
        make_people, lambda: c.get(reverse("people:person_list")),
        shown=lambda r: len(set(re.findall(r"Row\d+", r.content.decode()))),
    )  # fmt: skip


@pytest.mark.parametrize("role", ["volunteer", "campaign_manager"])
def test_people_api_list(area, make_people, role):
    c = api_client(UserFactory(role=role, areas=[area], scope_all=role != "volunteer"))
    assert_constant_queries(
        make_people, lambda: c.get("/api/v1/people/"), shown=lambda r: len(r.json()["results"])
    )
