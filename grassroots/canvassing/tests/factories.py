"""Test data for canvassing, made through the services (as ``SYSTEM`` unless ``actor=``).

``street_of_people(area, n, ...)`` makes ``n`` households on one street (odd and even sides,
with coordinates a few metres apart) with one or two people each; ``effort_for(people, ...)``
makes a list of them and an effort over it with the "ID" script (``surveys`` factories)."""

from __future__ import annotations

from grassroots.canvassing import services
from grassroots.core.access import SYSTEM
from grassroots.lists import services as lists
from grassroots.people import services as people_services
from grassroots.surveys.tests.factories import ScriptFactory


def street_of_people(
    area,
    n: int,
    *,
    street: str = "Lake Road",
    lat: float = 22.5200,
    lon: float = 88.3500,
    two_every: int = 3,
    coordinates: bool = True,
    prefix: str = "",
) -> list:
    """``n`` households along a street (about 12 m apart, odd side north, even side south); every
    ``two_every``-th household has two people. Returns the people."""
    out = []
    for i in range(n):
        number = i + 1
        address = {"house_number": str(number), "street": street, "city": "Kolkata"}
        if coordinates:
            address["latitude"] = lat + (0.00012 if number % 2 else -0.00012)
            address["longitude"] = lon + (number // 2) * 0.00011
        hh = people_services.household_create(
            actor=SYSTEM, address=address, name=f"{prefix}{street} {number}", area=area
        )
        for j in range(2 if two_every and i % two_every == 0 else 1):
            out.append(
                people_services.person_create(
                    actor=SYSTEM,
                    data={
                        "given_name": f"{prefix}P{number}{'ab'[j]}",
                        "family_name": street.split()[0],
                        "area": area,
                        "household": hh,
                        "age": 30 + j * 25,
                    },
                )
            )
    return out


def effort_for(people, *, actor=SYSTEM, script=None, name="Lake Road ID", **kwargs):
    script = script or ScriptFactory(blocks=True, status="active")
    person_list = lists.list_create(
        actor=actor, name=f"{name} list", person_ids=[p.pk for p in people]
    )
    data = {"target_size": 10, "checkout_days": 3}
    data.update(kwargs)
    return services.effort_create(
        actor=actor, name=name, script=script, person_list=person_list, **data
    )
