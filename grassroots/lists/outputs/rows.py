"""Who goes on each output and in which order: plain data, no layout.

Every function takes a ``Person`` queryset that is already cut to the actor's scope (from
``lists.selectors``), so an output can never show more than the screen does. Rows are read with
``values()`` (no model instances) in one query, plus one for phones where they are needed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from grassroots.geography.models import Area, Election, PollingStation
from grassroots.geography.selectors import election_for_area
from grassroots.lists import builtin_filters
from grassroots.lists.outputs import housenumbers
from grassroots.lists.registry import Context
from grassroots.people.models import Consent, ContactPoint, ExternalId, Person

USABLE = (ContactPoint.Status.ACTIVE, ContactPoint.Status.UNVERIFIED)
_KIND_RANK = {ContactPoint.PhoneKind.MOBILE: 0, ContactPoint.PhoneKind.UNKNOWN: 1}
_STATUS_RANK = {ContactPoint.Status.ACTIVE: 0}

_ADDRESS = {
    "house_number": "household__address__house_number",
    "street": "household__address__street",
    "line2": "household__address__line2",
    "locality": "household__address__locality",
    "city": "household__address__city",
    "region": "household__address__region",
    "postal_code": "household__address__postal_code",
    "country": "household__address__country",
}
_PERSON = (
    "id",
    "given_name",
    "family_name",
    "full_name",
    "native_name",
    "gender",
    "born_estimate",
    "support_score",
    "status",
    "household_id",
)


def age(born: dt.date | None, today: dt.date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def phone_rank(point: ContactPoint) -> tuple:
    """Best phone first: the primary one, mobile before unknown before landline, active before
    unverified, then the oldest."""
    return (
        not point.is_primary,
        _KIND_RANK.get(point.phone_kind, 2),
        _STATUS_RANK.get(point.status, 1),
        point.id,
    )


def _best_phone_kind() -> Subquery:
    """The kind of the best usable phone (same order as ``phone_rank``), in SQL."""
    points = (
        ContactPoint.objects.filter(person_id=OuterRef("pk"), channel="phone", status__in=USABLE)
        .annotate(
            kind_rank=Case(
                When(phone_kind=ContactPoint.PhoneKind.MOBILE, then=Value(0)),
                When(phone_kind=ContactPoint.PhoneKind.UNKNOWN, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            status_rank=Case(
                When(status=ContactPoint.Status.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("-is_primary", "kind_rank", "status_rank", "id")
        .values("phone_kind")[:1]
    )
    return Subquery(points)


def format_phone(value: str) -> str:
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(value, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return value


def street_label(row: dict) -> str:
    return row["street"] or row["locality"] or row["city"] or ""


def address_lines(row: dict) -> list[str]:
    """Postal lines: "12/1 Harish Mukherjee Road", line 2, locality, "Kolkata, WB 700025"."""
    first = " ".join(p for p in (row.get("house_number"), row.get("street")) if p)
    town = ", ".join(p for p in (row.get("city"), row.get("region")) if p)
    last = " ".join(p for p in (town, row.get("postal_code")) if p)
    return [line for line in (first, row.get("line2"), row.get("locality"), last) if line]


def _with_address(qs: QuerySet[Person], *extra: str, **annotations: Any) -> list[dict]:
    qs = qs.order_by().annotate(**{k: F(v) for k, v in _ADDRESS.items()}, **annotations)
    return list(qs.values(*_PERSON, *_ADDRESS, *extra, *annotations))


# --- walk list -----------------------------------------------------------------------------------


@dataclass
class Door:
    household_id: int | None
    house_number: str
    address: str
    street: str = ""
    place: str = ""
    people: list[dict] = field(default_factory=list)


@dataclass
class StreetSide:
    street: str
    place: str  # locality / city, to tell two streets of one name apart
    side: str  # housenumbers.ODD / EVEN / NONE
    doors: list[Door] = field(default_factory=list)

    @property
    def label(self) -> str:
        name = self.street or _("No street given")
        side = {
            housenumbers.ODD: _("odd side"),
            housenumbers.EVEN: _("even side"),
        }.get(self.side, _("no house number"))
        return f"{name} — {side}"


@dataclass
class WalkList:
    sides: list[StreetSide]
    doors: int
    people: int


def _walk_rows(people: QuerySet[Person], today: dt.date) -> list[dict]:
    return [
        {
            "id": p["id"],
            "name": p["full_name"] or p["given_name"],
            "native_name": p["native_name"],
            "age": age(p["born_estimate"], today),
            "gender": p["gender"],
            "support": p["support_score"],
            "phone": p["phone_kind"],
            **{k: p[k] for k in _ADDRESS},
            "household_id": p["household_id"],
            "born": p["born_estimate"],
        }
        for p in _with_address(
            people.filter(status=Person.Status.ACTIVE, do_not_contact=False),
            phone_kind=_best_phone_kind(),
        )
    ]


def _new_door(r: dict) -> Door:
    street = street_label(r)
    return Door(
        household_id=r["household_id"],
        house_number=r["house_number"] or "",
        address=", ".join(address_lines(r)),
        street=street,
        place=", ".join(p for p in (r["locality"], r["city"]) if p and p != street),
    )


def _eldest_first(door: Door) -> None:
    # Eldest first (as rolls list a family), then by name.
    door.people.sort(
        key=lambda r: (r["born"] is None, r["born"] or dt.date.min, r["name"].casefold())
    )


def walk_list(people: QuerySet[Person], *, today: dt.date | None = None) -> WalkList:
    """Doors (households) grouped by street, odd side then even side, in house-number order;
    the people of the segment at each door, eldest first. People without a household are a
    door each, under "No street given". People marked do not contact, moved or deceased are
    left off: nobody should knock for them."""
    today = today or timezone.localdate()
    rows = _walk_rows(people, today)
    doors: dict[Any, Door] = {}
    for r in rows:
        key = ("h", r["household_id"]) if r["household_id"] else ("p", r["id"])
        door = doors.get(key)
        if door is None:
            door = doors[key] = _new_door(r)
        door.people.append(r)
    for door in doors.values():
        _eldest_first(door)
    groups: dict[tuple, StreetSide] = {}
    for door in doors.values():
        s = housenumbers.side(door.house_number)
        key = (door.street.casefold(), door.place.casefold(), s)
        if key not in groups:
            groups[key] = StreetSide(street=door.street, place=door.place, side=s)
        groups[key].doors.append(door)
    for g in groups.values():
        g.doors.sort(key=lambda d: (housenumbers.sort_key(d.house_number), d.household_id or 0))
    sides = sorted(
        groups.values(),
        key=lambda g: (
            not g.street,  # "no street" last
            housenumbers.natural_key(g.street),
            g.place.casefold(),
            {housenumbers.ODD: 0, housenumbers.EVEN: 1}.get(g.side, 2),
        ),
    )
    return WalkList(sides=sides, doors=len(doors), people=len(rows))


def walk_list_in_order(
    people: QuerySet[Person], door_order: Iterable[Iterable[int]], *, today: dt.date | None = None
) -> WalkList:
    """The walk list in a given walk order (a canvass turf's route): ``door_order`` is the
    doors in the order to knock, each the ids of its people. The order is kept as given;
    consecutive doors on the same side of the same street share one heading, so a route that
    comes back to a street later shows it again. People not in ``people`` (out of the reader's
    scope) or who may not be knocked for are left off; a door left with nobody is dropped."""
    today = today or timezone.localdate()
    by_id = {r["id"]: r for r in _walk_rows(people, today)}
    doors: list[Door] = []
    for ids in door_order:
        found = [by_id[i] for i in ids if i in by_id]
        if not found:
            continue
        door = _new_door(found[0])
        door.people = found
        _eldest_first(door)
        doors.append(door)
    sides: list[StreetSide] = []
    for door in doors:
        s = housenumbers.side(door.house_number)
        last = sides[-1] if sides else None
        if (
            last is None
            or last.side != s
            or last.street.casefold() != door.street.casefold()
            or last.place.casefold() != door.place.casefold()
        ):
            last = StreetSide(street=door.street, place=door.place, side=s)
            sides.append(last)
        last.doors.append(door)
    return WalkList(sides=sides, doors=len(doors), people=sum(len(d.people) for d in doors))


def household_count(people: QuerySet[Person]) -> int:
    """Doors an output would have: households, plus people without one."""
    row = people.order_by().aggregate(
        households=Count("household_id", distinct=True),
        alone=Count("id", filter=Q(household_id__isnull=True)),
    )
    return (row["households"] or 0) + (row["alone"] or 0)


# --- call list ------------------------------------------------------------------------------------


@dataclass
class Call:
    person: dict
    phone: ContactPoint
    others: list[ContactPoint]


def callable_people(people: QuerySet[Person], *, purpose: str = "campaign") -> QuerySet[Person]:
    """The segment builder's own "Reachable by phone call" rule: a usable (active or unverified)
    phone, not do-not-contact, active (not moved or deceased), and the latest phone-call consent
    for ``purpose`` not withdrawn."""
    rule = builtin_filters.reachable_q(
        {"channel": "phone", "purpose": purpose, "consent": "not_withdrawn"}, Context()
    )
    return people.filter(rule)


def call_list(
    people: QuerySet[Person], *, purpose: str = "campaign", today: dt.date | None = None
) -> list[Call]:
    """One row per callable person, by name, with their best phone and the other usable ones."""
    today = today or timezone.localdate()
    rows = _with_address(callable_people(people, purpose=purpose))
    phones: dict[int, list[ContactPoint]] = {}
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), 2000):
        for cp in ContactPoint.objects.filter(
            person_id__in=ids[start : start + 2000], channel="phone", status__in=USABLE
        ).only("id", "person_id", "value", "phone_kind", "whatsapp", "status", "is_primary"):
            phones.setdefault(cp.person_id, []).append(cp)
    calls = []
    for r in rows:
        points = sorted(phones.get(r["id"], []), key=phone_rank)
        if not points:  # a phone changed since the filter ran
            continue
        r["age"] = age(r["born_estimate"], today)
        r["name"] = r["full_name"] or r["given_name"]
        calls.append(Call(person=r, phone=points[0], others=points[1:]))
    calls.sort(key=lambda c: (c.person["family_name"].casefold(), c.person["name"].casefold()))
    return calls


# --- mail list ------------------------------------------------------------------------------------


@dataclass
class Mailing:
    household_id: int | None
    addressee: str
    lines: list[str]
    people: int
    row: dict


def mailable_people(people: QuerySet[Person], *, purpose: str = "campaign") -> QuerySet[Person]:
    """Not do-not-contact, active, with an address, and not opted out of post for ``purpose``."""
    # builtin_filters' "latest consent per channel × purpose" sub-query, so one rule decides
    # who has opted out everywhere.
    withdrawn = builtin_filters.latest_consent_people("post", purpose, Consent.Status.WITHDRAWN)
    return people.filter(
        do_not_contact=False,
        status=Person.Status.ACTIVE,
        household__address__isnull=False,
    ).exclude(pk__in=withdrawn)


def addressee(names: list[dict], household_name: str = "") -> str:
    """One person: their name. Several: "The Das Household" after the most common family name
    (ties: alphabetical); without family names, the household's name or "The Household"."""
    if len(names) == 1:
        p = names[0]
        return p["full_name"] or p["given_name"]
    families = Counter(p["family_name"].strip() for p in names if p["family_name"].strip())
    if families:
        family = sorted(families.items(), key=lambda kv: (-kv[1], kv[0].casefold()))[0][0]
        return _("The %(family)s Household") % {"family": family}
    return household_name or _("The Household")


def mail_list(people: QuerySet[Person], *, purpose: str = "campaign") -> list[Mailing]:
    """One row per household (whoever of the segment lives there), in street order."""
    rows = _with_address(
        mailable_people(people, purpose=purpose), household_name=F("household__name")
    )
    by_household: dict[int, list[dict]] = {}
    for r in rows:
        by_household.setdefault(r["household_id"], []).append(r)
    out = []
    for hh_id, members in by_household.items():
        members.sort(key=lambda r: r["id"])
        first = members[0]
        out.append(
            Mailing(
                household_id=hh_id,
                addressee=addressee(members, first["household_name"]),
                lines=address_lines(first),
                people=len(members),
                row=first,
            )
        )
    out.sort(
        key=lambda m: (
            m.row["postal_code"],
            housenumbers.natural_key(m.row["street"]),
            housenumbers.sort_key(m.row["house_number"])[1:],  # by number, not side
            m.household_id,
        )
    )
    return out


# --- booth page list and slips --------------------------------------------------------------------


@dataclass
class Part:
    area: Area | None
    station: PollingStation | None
    voters: list[dict]
    election: Election | None = None  # the poll the part votes in next (slips print it)

    @property
    def number(self) -> str:
        if self.station is not None and self.station.part_number is not None:
            return str(self.station.part_number)
        return ""

    @property
    def label(self) -> str:
        if self.area is None:
            return _("No part")
        if self.number:
            return _("Part %(n)s — %(name)s") % {"n": self.number, "name": self.area.name}
        return self.area.name


def booth_list(people: QuerySet[Person], *, today: dt.date | None = None) -> list[Part]:
    """The people of each part (booth), by serial number in the part's roll (people without a
    serial number after, by name), with EPIC, relative and house number."""
    today = today or timezone.localdate()
    epic = ExternalId.objects.filter(person_id=OuterRef("pk"), namespace="epic").order_by("id")
    rows = _with_address(
        people,
        "serial_number",
        "relation_type",
        "relative_name",
        "area_id",
        epic=Subquery(epic.values("value")[:1]),
    )
    parts: dict[int | None, list[dict]] = {}
    for r in rows:
        r["age"] = age(r["born_estimate"], today)
        r["name"] = r["full_name"] or r["given_name"]
        parts.setdefault(r["area_id"], []).append(r)
    areas = {a.pk: a for a in Area.objects.filter(pk__in=[k for k in parts if k])}
    stations = {s.area_id: s for s in PollingStation.objects.filter(area_id__in=list(areas))}
    out = []
    for area_id, voters in parts.items():
        voters.sort(
            key=lambda r: (
                r["serial_number"] is None,
                r["serial_number"] or 0,
                r["name"].casefold(),
                r["id"],
            )
        )
        area = areas.get(area_id)
        out.append(
            Part(
                area=area,
                station=stations.get(area_id),
                voters=voters,
                election=election_for_area(area, today) if area is not None else None,
            )
        )
    out.sort(
        key=lambda p: (
            p.area is None,
            p.station is None or p.station.part_number is None,
            p.station.part_number if p.station and p.station.part_number is not None else 0,
            p.area.path if p.area else "",
        )
    )
    return out


def relation_label(code: str) -> str:
    labels = dict(Person.Relation.choices)
    return str(labels.get(code, "")) if code else ""


def gender_short(code: str) -> str:
    return _short_labels()["gender"].get(code or "", "")


def _short_labels() -> dict[str, dict[str, str]]:
    """Translated once per language, not once per row."""
    from django.utils import translation

    lang = translation.get_language() or ""
    cached = _SHORT_CACHE.get(lang)
    if cached is None:
        cached = _SHORT_CACHE[lang] = {
            "gender": {
                "female": pgettext("sex, one letter", "F"),
                "male": pgettext("sex, one letter", "M"),
                "other": pgettext("sex, one letter", "O"),
            },
            "phone": {
                "mobile": pgettext("phone kind, one letter", "M"),
                "landline": pgettext("phone kind, one letter", "L"),
                "": pgettext("phone kind, one letter", "P"),
            },
        }
    return cached


_SHORT_CACHE: dict[str, dict[str, dict[str, str]]] = {}


def gender_label(code: str) -> str:
    return str(dict(Person.Gender.choices).get(code, "")) if code else ""


def phone_short(kind: str | None) -> str:
    if kind is None:
        return ""
    return _short_labels()["phone"].get(kind, _short_labels()["phone"][""])


def chunks(items: Iterable, n: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch
