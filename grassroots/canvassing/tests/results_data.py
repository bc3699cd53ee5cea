"""Test data for the results screens: a small worked effort in part p1, made through the services
and the app's own sync (no rows written by hand)."""

from __future__ import annotations

import uuid

from grassroots.canvassing import services, sync
from grassroots.canvassing.models import Door, Turf
from grassroots.canvassing.tests.factories import effort_for, street_of_people
from grassroots.core.access import SYSTEM
from grassroots.testing.users import make_user


def worked_effort(geo, users, *, households=6, name="Lake Road ID"):
    """An effort of ``households`` doors in p1 by an organiser of p1, its turfs cut and checked
    out to the volunteer (of p1). Returns a dict with the effort, the script's blocks, the
    people, the doors (walk order), the organiser and an organiser of p2 (out of scope)."""
    org = make_user(f"org_p1_{uuid.uuid4().hex[:6]}", "field_organiser", areas=[geo["p1"]])
    other = make_user(f"org_p2_{uuid.uuid4().hex[:6]}", "field_organiser", areas=[geo["p2"]])
    people = street_of_people(geo["p1"], households, prefix=name[:2])
    effort = effort_for(people, actor=org, name=name)
    services.turfs_cut(actor=org, effort=effort)
    for turf in Turf.objects.filter(effort=effort):
        services.turf_assign(actor=org, turf=turf, user=users["volunteer"])
    blocks = {b.label or "intro": b for b in effort.script.blocks.all()}
    doors = list(Door.objects.filter(effort=effort).order_by("turf__number", "position"))
    return {"effort": effort, "org": org, "other": other, "people": people, "doors": doors,
            "blocks": blocks}  # fmt: skip


def knock(user, effort, door, *, person=None, result=None, answers=None, at=None):
    """One visit through the app's sync; returns its result row."""
    event = {"id": str(uuid.uuid4()), "type": "visit", "effort": effort.pk, "door": door.pk,
             "result": result, "answers": answers or {}}  # fmt: skip
    if person is not None:
        event["person"] = person.pk
    if at is not None:
        event["at"] = at.isoformat()
    out = sync.sync(actor=user, events_in=[event])["results"][0]
    assert out["status"] == "applied", out
    return out


def person_at(door):
    return door.targets.order_by("id").first().person


__all__ = ["SYSTEM", "knock", "person_at", "worked_effort"]
