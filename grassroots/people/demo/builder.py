"""The demo plan: both electorates, then a few months of canvassing, notes and consent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from grassroots.people.demo.india import IndiaBuilder
from grassroots.people.demo.plan import (
    DOOR_OUTCOME,
    IST,
    PACIFIC,
    PHONE_OUTCOME,
    ConsentRow,
    InteractionRow,
    NoteRow,
    Plan,
)
from grassroots.people.demo.us import USBuilder

NOTES_IN = [
    "Wants help correcting the spelling of the father's name on the roll.",
    "Elderly; will need a wheelchair at the booth on polling day.",
    "Complained about waterlogging on {street} after every heavy rain.",
    "Son works in Bengaluru and will come home to vote.",
    "Interested in helping at the booth on polling day.",
    "Prefers calls after 7 pm; works at the shop all day.",
    "Water supply comes only for an hour in the morning; asked us to raise it with the ward office.",
    "Ration card renewal pending — follow up with the food supply office.",
    "Said the whole family will come to the booth together.",
    "Wants the streetlight on {street} repaired.",
    "Asked about the old-age pension application.",
    "Has moved to the first floor of the same house; same family.",
]
NOTES_US = [
    "Interested in canvassing on weekends.",
    "Asked where to drop off a mail ballot.",
    "Concerned about rent increases on {street}.",
    "Prefers texts over calls.",
    "Asked for a yard sign.",
    "Works nights; knock after 2 pm.",
    "Wants to host a house party in the fall.",
    "Asked about the candidate's position on public safety.",
]
DETAILS_IN = [
    "Talked about water supply.",
    "Talked about prices.",
    "Asked about jobs for the son.",
    "Happy with the new road.",
    "Wants the drain cleaned.",
    "Gave the booth slip.",
    "",
]
DETAILS_US = [
    "Talked about housing.",
    "Talked about public safety.",
    "Asked about the mail ballot.",
    "Signed up for updates.",
    "",
]


class Builder(IndiaBuilder, USBuilder):
    def activity(self) -> None:
        rng = self.rng
        people = self.plan.people
        households = self.plan.households
        india = [i for i, p in enumerate(people) if p.external_id and p.external_id[0] == "epic"]
        us = [i for i, p in enumerate(people) if p.external_id and p.external_id[0] != "epic"]
        p001 = [i for i in india if people[i].area.endswith("-P001")]

        def street_of(i: int) -> str:
            return households[people[i].household].address["street"]

        def contact(i: int, tz: dt.timezone, actor: str, country: str) -> None:
            p = people[i]
            phone = bool(p.phones) and rng.random() < 0.35
            when = self.datetime_before(1, 150, tz, (10, 19) if not phone else (10, 20))
            if p.status == "deceased":
                channel, outcome = "door", "deceased"
            elif p.status == "moved":
                channel, outcome = "door", "moved"
            elif phone:
                channel = "phone"
                outcome = PHONE_OUTCOME[country].pick(rng)
            else:
                channel = "door"
                outcome = DOOR_OUTCOME.pick(rng)
            data: dict[str, Any] = {}
            detail = ""
            if outcome == "contact_made":
                if p.support_score is not None:
                    data["support_score"] = p.support_score
                detail = rng.choice(DETAILS_IN if country == "IN" else DETAILS_US)
            self.plan.interactions.append(
                InteractionRow(
                    person=i,
                    channel=channel,
                    outcome=outcome,
                    occurred_at=when,
                    actor=actor,
                    detail=detail,
                    data=data,
                    source="canvass" if channel == "door" else "phone_bank",
                )
            )
            if p.last_contacted_at is None or when > p.last_contacted_at:
                p.last_contacted_at = when

        n_in = min(len(india), max(5, round(450 * self.scale)))
        n_us = min(len(us), max(2, round(150 * self.scale)))
        for i in rng.sample(india, n_in):
            actor = (
                "volunteer"
                if people[i].area.endswith("-P001") and rng.random() < 0.8
                else "organiser"
            )
            contact(i, IST, actor, "IN")
        for i in rng.sample(p001, min(len(p001), max(3, round(40 * self.scale)))):
            contact(i, IST, "volunteer", "IN")  # the volunteer's own booth is well worked
        for i in rng.sample(us, n_us):
            contact(i, PACIFIC, "us-organiser", "US")

        for pool, n, bodies, tz, author in (
            (india, max(3, round(200 * self.scale)), NOTES_IN, IST, "organiser"),
            (us, max(1, round(60 * self.scale)), NOTES_US, PACIFIC, "us-organiser"),
        ):
            for i in rng.sample(pool, min(len(pool), n)):
                body = rng.choice(bodies).format(street=street_of(i))
                who = (
                    "volunteer"
                    if people[i].area.endswith("-P001") and rng.random() < 0.5
                    else author
                )
                self.plan.notes.append(
                    NoteRow(
                        person=i, body=body, author=who, created_at=self.datetime_before(1, 150, tz)
                    )
                )

        wording = {
            "whatsapp": "Agreed at the door to receive campaign updates on WhatsApp.",
            "sms": "Agreed at the door to receive campaign updates by SMS.",
        }
        in_wa = [
            i
            for i in india
            if people[i].phones and people[i].phones[0][2] and people[i].status == "active"
        ]
        us_cell = [
            i
            for i in us
            if people[i].phones
            and people[i].phones[0][1] == "mobile"
            and people[i].status == "active"
        ]
        for pool, n, tz, actor in (
            (in_wa, max(3, round(400 * self.scale)), IST, "organiser"),
            (us_cell, max(1, round(100 * self.scale)), PACIFIC, "us-organiser"),
        ):
            for i in rng.sample(pool, min(len(pool), n)):
                channel = "whatsapp" if pool is in_wa and rng.random() < 0.7 else "sms"
                who = "volunteer" if people[i].area.endswith("-P001") else actor
                when = self.datetime_before(20, 150, tz)
                self.plan.consents.append(
                    ConsentRow(
                        person=i,
                        channel=channel,
                        status="granted",
                        recorded_at=when,
                        recorded_by=who,
                        wording=wording[channel],
                    )
                )
                if rng.random() < 0.06:  # later opted out
                    self.plan.consents.append(
                        ConsentRow(
                            person=i,
                            channel=channel,
                            status="withdrawn",
                            recorded_at=when + dt.timedelta(days=rng.randint(3, 18), hours=2),
                            recorded_by=who,
                            wording="Replied STOP.",
                            source="reply",
                        )
                    )


def build_plan(*, seed: int = 42, scale: float = 1.0) -> Plan:
    """Everything the demo will write, generated without touching the database."""
    if not scale > 0:
        raise ValueError("scale must be positive")
    builder = Builder(seed, scale)
    builder.india()
    builder.us()
    builder.activity()
    return builder.plan
