"""Write the demo plan's households, people and everything about them, in bulk."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import models

from grassroots.core.bulk import insert_rows
from grassroots.geography.models import Area
from grassroots.people.demo.plan import ISSUES_IN, ISSUES_US, PersonRow
from grassroots.people.models import (
    Address,
    Consent,
    ContactPoint,
    CustomField,
    CustomFieldValue,
    ExternalId,
    Household,
    Interaction,
    Note,
    Person,
    Tag,
    Tagging,
    VoteHistory,
)
from grassroots.people.validation import address_match_key
from grassroots.people.votes import vote_summary_refresh

if TYPE_CHECKING:
    from grassroots.core.registry import DemoRun

CHUNK = 2000

# name, colour, description
TAGS: list[tuple[str, str, str]] = [
    ("Volunteer", "#16a34a", "Has volunteered or signed up to."),
    ("Booth committee", "#2563eb", "Member of the booth committee of their part."),
    ("Page in-charge", "#7c3aed", "Responsible for one page of the roll (panna pramukh)."),
    ("Needs transport", "#ea580c", "Needs a ride or help to reach the polling station."),
    ("Senior citizen", "#64748b", "80 or older: may vote from home."),
    ("Beneficiary", "#0d9488", "Receives a welfare scheme benefit."),
    ("Donor", "#ca8a04", "Has given money to the campaign."),
    ("Yard sign", "#db2777", "Has or wants a yard sign."),
]

CUSTOM_FIELDS: list[dict[str, Any]] = [
    {
        "key": "occupation",
        "label": "Occupation",
        "labels": {"hi": "पेशा", "bn": "পেশা", "it": "Professione"},
        "type": "text",
        "choices": [],
        "help_text": "As the person describes it.",
        "sort_order": 10,
    },
    {
        "key": "ration_card",
        "label": "Ration card",
        "labels": {"hi": "राशन कार्ड", "bn": "রেশন কার্ড", "it": "Tessera annonaria"},
        "type": "boolean",
        "choices": [],
        "help_text": "Holds a ration card (public distribution system).",
        "sort_order": 20,
        "applies_to": "IN-WB",  # an Indian scheme: not shown on US voters
    },
    {
        "key": "issues",
        "label": "Issues",
        "labels": {"hi": "मुद्दे", "bn": "বিষয়গুলি", "it": "Temi"},
        "type": "multi_choice",
        "choices": ISSUES_IN + [i for i in ISSUES_US if i not in ISSUES_IN],
        "help_text": "What they raised when we spoke.",
        "sort_order": 30,
    },
]


def _insert(model: type[models.Model], rows: list[dict[str, Any]], run: DemoRun) -> list[int]:
    return insert_rows(model, rows, batch_rows=CHUNK, on_batch=run.progress.add)


def _write_tags() -> dict[str, Tag]:
    tags = {}
    for name, color, description in TAGS:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag = Tag.objects.create(
                name=name, slug=name.lower().replace(" ", "-"), color=color, description=description
            )
        tags[name] = tag
    return tags


def _write_custom_fields() -> dict[str, CustomField]:
    fields = {}
    for spec in CUSTOM_FIELDS:
        defaults = {k: v for k, v in spec.items() if k not in ("key", "applies_to")}
        if spec.get("applies_to"):
            defaults["area"] = Area.objects.filter(code=spec["applies_to"]).first()
        fields[spec["key"]], _created = CustomField.objects.get_or_create(
            key=spec["key"], defaults=defaults
        )
    return fields


def _free_ids(people: list[PersonRow]) -> set[int]:
    """Indexes of people whose external id is already taken in this database (kept out)."""
    taken: set[int] = set()
    by_ns: dict[str, dict[str, int]] = {}
    for i, p in enumerate(people):
        if p.external_id:
            by_ns.setdefault(p.external_id[0], {})[p.external_id[1]] = i
    for ns, values in by_ns.items():
        if not ExternalId.objects.filter(namespace=ns).exists():
            continue
        keys = list(values)
        for start in range(0, len(keys), 900):
            for value in ExternalId.objects.filter(
                namespace=ns, value__in=keys[start : start + 900]
            ).values_list("value", flat=True):
                taken.add(values[value])
    return taken


def seed(run: DemoRun) -> dict[str, int]:
    """The plan's people (with households, ids, contacts, tags, custom fields, votes, contacts,
    notes and consent), after geography's areas and elections and accounts' users."""
    plan, areas, elections, users = run.plan, run.areas, run.elections, run.users
    tags = _write_tags()
    fields = _write_custom_fields()

    address_ids = _insert(
        Address,
        [
            {
                **{k: v for k, v in h.address.items() if k != "area"},
                "area_id": areas[h.address["area"]].pk,
                "match_key": address_match_key(h.address),
            }
            for h in plan.households
        ],
        run,
    )
    household_ids = _insert(
        Household,
        [
            {"name": h.name, "address_id": address_ids[n], "area_id": areas[h.area].pk}
            for n, h in enumerate(plan.households)
        ],
        run,
    )
    person_ids = _insert(
        Person,
        [
            {
                "given_name": p.given_name,
                "middle_name": p.middle_name,
                "family_name": p.family_name,
                "full_name": p.full_name,
                "native_name": p.native_name,
                "gender": p.gender,
                "birth_date": p.birth_date,
                "age": p.age,
                "age_as_of": p.age_as_of,
                "born_estimate": p.born_estimate,
                "relation_type": p.relation_type,
                "relative_name": p.relative_name,
                "preferred_language": p.preferred_language,
                "support_score": p.support_score,
                "status": p.status,
                "do_not_contact": p.do_not_contact,
                "source": p.source,
                "household_id": household_ids[p.household],
                "area_id": areas[p.area].pk,
                "serial_number": p.serial_number,
                "last_contacted_at": p.last_contacted_at,
            }
            for p in plan.people
        ],
        run,
    )
    run.progress.log(f"Created {len(person_ids):,} people in {len(household_ids):,} households.")

    taken = _free_ids(plan.people)
    _insert(
        ExternalId,
        [
            {
                "person_id": person_ids[i],
                "namespace": p.external_id[0],
                "value": p.external_id[1],
            }
            for i, p in enumerate(plan.people)
            if p.external_id and i not in taken
        ],
        run,
    )
    points = []
    for i, p in enumerate(plan.people):
        for n, (value, kind, whatsapp) in enumerate(p.phones):
            points.append(
                {
                    "person_id": person_ids[i],
                    "channel": "phone",
                    "value": value,
                    "phone_kind": kind,
                    "whatsapp": whatsapp,
                    "is_primary": n == 0,
                    "status": "active",
                    "source": p.source[:100],
                }
            )
        for n, value in enumerate(p.emails):
            points.append(
                {
                    "person_id": person_ids[i],
                    "channel": "email",
                    "value": value,
                    "is_primary": n == 0,
                    "status": "active",
                    "source": p.source[:100],
                }
            )
    _insert(ContactPoint, points, run)
    tagged_at = dt.datetime(2026, 6, 1, 6, 30, tzinfo=dt.UTC)
    _insert(
        Tagging,
        [
            {"person_id": person_ids[i], "tag_id": tags[t].pk, "created_at": tagged_at}
            for i, p in enumerate(plan.people)
            for t in p.tags
        ],
        run,
    )
    _insert(
        CustomFieldValue,
        [
            {"person_id": person_ids[i], "field_id": fields[k].pk, "value": v}
            for i, p in enumerate(plan.people)
            for k, v in p.custom.items()
        ],
        run,
    )
    _insert(
        VoteHistory,
        [
            {
                "person_id": person_ids[i],
                "election_id": elections[code].pk,
                "voted": voted,
                "method": method,
            }
            for i, p in enumerate(plan.people)
            for code, voted, method in p.votes
        ],
        run,
    )
    vote_summary_refresh(person_ids)  # the vote filters read the summary (ADR 0006)
    _insert(
        Interaction,
        [
            {
                "person_id": person_ids[r.person],
                "channel": r.channel,
                "direction": "outbound",
                "outcome": r.outcome,
                "actor_id": users[r.actor].pk,
                "occurred_at": r.occurred_at,
                "detail": r.detail,
                "data": r.data,
                "source": r.source,
            }
            for r in plan.interactions
        ],
        run,
    )
    _insert(
        Note,
        [
            {
                "person_id": person_ids[r.person],
                "author_id": users[r.author].pk,
                "body": r.body,
                "created_at": r.created_at,
            }
            for r in plan.notes
        ],
        run,
    )
    _insert(
        Consent,
        [
            {
                "person_id": person_ids[r.person],
                "channel": r.channel,
                "purpose": "campaign",
                "lawful_basis": "consent",
                "status": r.status,
                "source": r.source,
                "wording": r.wording,
                "recorded_at": r.recorded_at,
                "recorded_by_id": users[r.recorded_by].pk,
            }
            for r in plan.consents
        ],
        run,
    )
    return {
        "external_ids": sum(1 for p in plan.people if p.external_id) - len(taken),
        "tags": len(tags),
        "custom_fields": len(fields),
    }
