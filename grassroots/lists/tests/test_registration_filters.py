"""Segments by what a voter file says about the registration (issue 13 §7): party
registration (any case, several with |) and voter status (an open vocabulary)."""

from __future__ import annotations

from grassroots.core.access import SYSTEM
from grassroots.lists.tests.test_segments import names, one, seg
from grassroots.people import services as people_services


def test_party_and_voter_status_conditions(geo, users):
    for given, party, status in (
        ("Ann", "Democratic", "active"),
        ("Bob", "REP", "Inactive"),
        ("Cy", "democratic", "inactive"),
        ("Di", "", "confirmation pending"),
    ):
        people_services.person_create(
            actor=SYSTEM,
            data={"given_name": given, "area": geo["p1"], "party": party, "voter_status": status},
        )
    admin = users["admin"]
    assert names(admin, seg(one("party", values="DEMOCRATIC"))) == ["Ann", "Cy"]
    assert names(admin, seg(one("party", values="democratic | rep"))) == ["Ann", "Bob", "Cy"]
    assert names(admin, seg(one("voter_status", values="Inactive"))) == ["Bob", "Cy"]
    assert names(admin, seg(one("voter_status", values="confirmation pending"))) == ["Di"]
    assert names(
        admin, seg(one("party", values="Democratic"), one("voter_status", values="active"))
    ) == ["Ann"]
