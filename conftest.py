"""Shared fixtures: a small two-booth constituency, people in each booth, and a user per role.

Layout::

    IN (country) > IN-WB (state) > IN-WB-AC1 (constituency) > IN-WB-AC1-P001, IN-WB-AC1-P002 (parts)
"""

from __future__ import annotations

import pytest

from grassroots.accounts import services as account_services
from grassroots.core import registry
from grassroots.core.access import SYSTEM
from grassroots.geography import services as geo_services
from grassroots.people import services as people_services
from grassroots.testing.users import PASSWORD, make_user  # noqa: F401 - re-exported


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the API's throttles count requests there (per user
    id and per IP), and ids are reused from test to test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A test that switches the language (a request in Bengali, `translation.activate`) does not
    leave it active for the tests after it in the same thread."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def geo(db):
    # Tests with transactional_db (live_server, on_commit) flush the database, which removes
    # the default roles the data migration created; put them back.
    account_services.roles_ensure_defaults()
    for ensure in registry.reference_data:  # event types, skills... (each app's data migrations)
        ensure()
    country = geo_services.area_kind_ensure(code="country", name="Country", sort_order=1)
    state = geo_services.area_kind_ensure(code="state", name="State", sort_order=2)
    ac = geo_services.area_kind_ensure(code="ac", name="Assembly constituency", sort_order=4)
    part = geo_services.area_kind_ensure(
        code="part", name="Part", is_polling_unit=True, sort_order=5
    )
    india = geo_services.area_create(actor=SYSTEM, kind=country, code="IN", name="India")
    wb = geo_services.area_create(
        actor=SYSTEM, kind=state, code="IN-WB", name="West Bengal", parent=india
    )
    ac1 = geo_services.area_create(
        actor=SYSTEM, kind=ac, code="IN-WB-AC1", name="Bhabanipur", parent=wb
    )
    p1 = geo_services.area_create(
        actor=SYSTEM, kind=part, code="IN-WB-AC1-P001", name="Part 1", parent=ac1
    )
    p2 = geo_services.area_create(
        actor=SYSTEM, kind=part, code="IN-WB-AC1-P002", name="Part 2", parent=ac1
    )
    geo_services.polling_station_set(
        actor=SYSTEM,
        area=p1,
        part_number=1,
        name="Mitra Institution",
        electors_male=2,
        electors_female=1,
    )
    return {"country": india, "state": wb, "ac": ac1, "p1": p1, "p2": p2, "kinds": {"part": part}}


@pytest.fixture
def users(geo):
    return {
        "admin": make_user("admin", "admin", scope_all=True, superuser=True),
        "manager": make_user("manager", "campaign_manager", scope_all=True),
        "organiser": make_user("organiser", "field_organiser", areas=[geo["ac"]]),
        "volunteer": make_user("volunteer", "volunteer", areas=[geo["p1"]]),
        "finance": make_user("finance", "finance", scope_all=True),
        "auditor": make_user("auditor", "auditor", scope_all=True),
        "nobody": make_user("nobody", None),
    }


@pytest.fixture
def people(geo, users):
    """Two people in part 1 (one household), one in part 2."""
    hh = people_services.household_create(
        actor=SYSTEM,
        address={
            "house_number": "12/1",
            "street": "Harish Mukherjee Road",
            "city": "Kolkata",
            "postal_code": "700025",
        },
        name="Das family",
        area=geo["p1"],
    )
    ananya = people_services.person_create(
        actor=SYSTEM,
        data={
            "given_name": "Ananya",
            "family_name": "Das",
            "native_name": "অনন্যা দাস",
            "gender": "female",
            "age": 34,
            "area": geo["p1"],
            "household": hh,
            "support_score": 2,
        },
        phones=["+91 98300 12345"],
        emails=["ananya@example.org"],
        external_ids=[("epic", "WKH0000018")],
    )
    sourav = people_services.person_create(
        actor=SYSTEM,
        data={
            "given_name": "Sourav",
            "family_name": "Das",
            "gender": "male",
            "age": 61,
            "area": geo["p1"],
            "household": hh,
            "relation_type": "father",
        },
    )
    rahul = people_services.person_create(
        actor=SYSTEM,
        data={
            "given_name": "Rahul",
            "family_name": "Sharma",
            "native_name": "राहुल शर्मा",
            "gender": "male",
            "age": 25,
            "area": geo["p2"],
        },
        phones=["+91 94330 55555"],
    )
    return {"ananya": ananya, "sourav": sourav, "rahul": rahul, "household": hh}


@pytest.fixture
def client_for(client):
    """``client_for(user)``: a test client signed in as that user."""

    def make(user):
        from django.test import Client

        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make
