"""The segments and lists screens (and API lists) answer in a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from grassroots.accounts.tests.factories import UserFactory
from grassroots.geography.tests.factories import AreaFactory
from grassroots.lists.tests.factories import PersonListFactory, SegmentFactory
from grassroots.people.tests.factories import PersonFactory
from grassroots.testing.matrix import api_client, html_client
from grassroots.testing.queries import assert_constant_queries


@pytest.fixture
def setup(db):
    area = AreaFactory(code="LQ-1")
    owner = UserFactory(role="field_organiser", areas=[area])
    others = [UserFactory(role="field_organiser", areas=[area]) for _ in range(2)]
    people = [PersonFactory(area=area) for _ in range(3)]

    def make_segments(count: int, start: int) -> None:
        for i in range(start, start + count):  # shared ones of other owners show too
            SegmentFactory(owner=others[i % 2], name=f"Seg-row {i}", visibility="shared")

    def make_lists(count: int, start: int) -> None:
        for i in range(start, start + count):
            PersonListFactory(owner=others[i % 2], name=f"List-row {i}", visibility="shared",
                              people=people)  # fmt: skip

    return {"owner": owner, "segments": make_segments, "lists": make_lists}


@pytest.mark.parametrize(("tab", "marker"), [("segments", "Seg-row"), ("lists", "List-row")])
def test_segment_and_list_screens(setup, tab, marker):
    c = html_client(setup["owner"])
    url = reverse("lists:segment_list") + f"?tab={tab}"
    assert_constant_queries(
        setup[tab],
        lambda: c.get(url),
        shown=lambda r: len(set(re.findall(marker + r" \d+", r.content.decode()))),
    )


@pytest.mark.parametrize("tab", ["segments", "lists"])
def test_segment_and_list_api(setup, tab):
    c = api_client(setup["owner"])
    assert_constant_queries(
        setup[tab], lambda: c.get(f"/api/v1/{tab}/"), shown=lambda r: len(r.json()["results"])
    )
