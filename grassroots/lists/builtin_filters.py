"""The filters the lists app knows itself: who people are, how to reach them, votes, places.

Every filter returns a ``Q`` on ``Person`` built from indexed columns or ``EXISTS`` / scalar
sub-queries, so the compiler can negate and combine them and the database sees one query.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy

from grassroots.geography.models import Area, Election
from grassroots.lists.registry import Context, Filter, Param, filters
from grassroots.people.models import (
    Consent,
    ContactPoint,
    CustomField,
    CustomFieldValue,
    Interaction,
    Person,
    Tag,
    Tagging,
    VoteHistory,
)
from grassroots.people.validation import years_before
from grassroots.people.votes import slot_mask

PEOPLE, CONTACT, HISTORY, PLACE = _l("Person"), _l("Contact"), _l("History"), _l("Place")
NOBODY = Q(pk__in=[])


def _today(ctx: Context) -> dt.date:
    return ctx.today or dt.date.today()


# --- person -------------------------------------------------------------------------------------


def area_q(p: dict, ctx: Context) -> Q:
    codes = p["areas"]
    areas = list(Area.objects.filter(code__in=codes).values_list("code", "path", "id"))
    missing = sorted(set(codes) - {c for c, _p, _i in areas})
    if missing:
        raise ValidationError({"areas": _("unknown area code “%(c)s”") % {"c": missing[0]}})
    if not p["descendants"]:
        return Q(area_id__in=[i for _c, _p, i in areas])
    within = reduce(or_, (Q(path__startswith=path) for _c, path, _i in areas))
    return Q(area_id__in=Area.objects.filter(within).values("id"))


def tags_q(p: dict, ctx: Context) -> Q:
    slugs = p["tags"]
    found = dict(Tag.objects.filter(slug__in=slugs).values_list("slug", "id"))
    missing = sorted(set(slugs) - set(found))
    if missing:
        raise ValidationError({"tags": _("unknown tag “%(t)s”") % {"t": missing[0]}})
    if p["match"] == "all":
        return reduce(
            lambda a, b: a & b,
            (
                Q(Exists(Tagging.objects.filter(person_id=OuterRef("pk"), tag_id=t)))
                for t in found.values()
            ),
        )
    return Q(Exists(Tagging.objects.filter(person_id=OuterRef("pk"), tag_id__in=found.values())))


def age_q(p: dict, ctx: Context) -> Q:
    q = Q(born_estimate__isnull=False)
    if p["min"] is not None:
        q &= Q(born_estimate__lte=years_before(_today(ctx), p["min"]))
    if p["max"] is not None:
        q &= Q(born_estimate__gt=years_before(_today(ctx), p["max"] + 1))
    return q


def support_q(p: dict, ctx: Context) -> Q:
    return Q(support_score__in=[int(v) for v in p["scores"]])


def language_q(p: dict, ctx: Context) -> Q:
    codes = [c.strip().lower() for c in p["codes"].replace(";", ",").split(",") if c.strip()]
    return Q(preferred_language__in=codes)


def custom_field_q(p: dict, ctx: Context) -> Q:
    field = CustomField.objects.filter(key=p["field"]).first()
    if field is None:
        raise ValidationError({"field": _("unknown custom field “%(f)s”") % {"f": p["field"]}})
    values = CustomFieldValue.objects.filter(person_id=OuterRef("pk"), field=field)
    op, raw = p["op"], p["value"]
    if op == "set":
        return Q(Exists(values))
    if op == "unset":
        return ~Q(Exists(values))
    if raw in (None, ""):
        raise ValidationError({"value": _("a value is needed")})
    wanted = []
    for text in str(raw).split("|"):
        text = text.strip()
        if field.type == CustomField.Type.NUMBER:
            try:
                number = float(text)
            except ValueError:
                raise ValidationError({"value": _("a number is needed")}) from None
            wanted += [number, int(number)] if number == int(number) else [number]
        elif field.type == CustomField.Type.BOOLEAN:
            wanted.append(text.lower() in ("1", "true", "yes", "on"))
        else:
            wanted.append(text)
    cond = reduce(or_, (Q(value=v) for v in wanted))
    return Q(Exists(values.filter(cond)))


# --- contact ------------------------------------------------------------------------------------

USABLE = [ContactPoint.Status.ACTIVE, ContactPoint.Status.UNVERIFIED]
REACH_CHANNELS = [
    ("sms", _l("SMS (mobile phone)")),
    ("whatsapp", _l("WhatsApp")),
    ("phone", _l("Phone call")),
    ("email", _l("Email")),
]


def reachable_q(p: dict, ctx: Context) -> Q:
    """Has a usable contact point for the channel, is not "do not contact", and consent allows.

    ``consent``: ``granted`` needs an explicit, current opt-in for the purpose; ``not_withdrawn``
    (the default) accepts anyone who has not opted out (a roll, a legitimate interest).
    """
    channel = p["channel"]
    points = ContactPoint.objects.filter(person_id=OuterRef("pk"), status__in=USABLE)
    if channel == "email":
        points = points.filter(channel="email")
    else:
        points = points.filter(channel="phone")
        if channel == "sms":
            points = points.exclude(phone_kind=ContactPoint.PhoneKind.LANDLINE)
        elif channel == "whatsapp":
            points = points.filter(whatsapp=True)
    q = Q(Exists(points)) & Q(do_not_contact=False) & Q(status=Person.Status.ACTIVE)
    if p["consent"] == "granted":
        return q & Q(pk__in=latest_consent_people(channel, p["purpose"], Consent.Status.GRANTED))
    return q & ~Q(pk__in=latest_consent_people(channel, p["purpose"], Consent.Status.WITHDRAWN))


def latest_consent_people(channel: str, purpose: str, status: str):
    """Ids of people whose latest consent record for channel × purpose has ``status``."""
    later = Consent.objects.filter(
        person_id=OuterRef("person_id"), channel=channel, purpose=purpose
    ).filter(
        Q(recorded_at__gt=OuterRef("recorded_at"))
        | Q(recorded_at=OuterRef("recorded_at"), id__gt=OuterRef("id"))
    )
    return (
        Consent.objects.filter(channel=channel, purpose=purpose, status=status)
        .filter(~Q(Exists(later)))
        .values("person_id")
    )


def contacted_q(p: dict, ctx: Context) -> Q:
    """Contacted (any channel, or one) within the last N days."""
    since = (ctx.now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=p["days"])
    if not p["channel"]:
        return Q(last_contacted_at__gte=since)
    return Q(
        Exists(
            Interaction.objects.filter(
                person_id=OuterRef("pk"), channel=p["channel"], occurred_at__gte=since
            )
        )
    )


# --- history: votes -----------------------------------------------------------------------------


def _elections(kind: str, last: int, before: dt.date) -> list[tuple[int, int | None]]:
    qs = Election.objects.filter(date__lt=before)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("-date", "-id").values_list("id", "vote_slot")[:last])


def _any_votes(election_ids: list[int]) -> bool:
    """Whether anyone voted in one of these elections (each looked up by its index)."""
    return any(VoteHistory.objects.filter(election_id=i, voted=True).exists() for i in election_ids)


def _bit(slot: int) -> Value:
    return Value(1 << slot, output_field=BigIntegerField())


def votes_q(p: dict, ctx: Context) -> Q:
    """Voted in at least N of the last M elections (of a kind) held before today.

    One predicate on the person's vote summary (``Person.votes_cast``, ADR 0006): the number of
    the M elections' bits set is at least N. An election without a slot (beyond the 63rd with
    votes) is answered from vote history instead."""
    elections = _elections(p["kind"] or "", p["last"], _today(ctx) + dt.timedelta(days=1))
    n = p["at_least"]
    if not elections or n > len(elections):
        return NOBODY
    unslotted = [i for i, s in elections if s is None]
    if not unslotted or not _any_votes(unslotted):
        slots = [s for _i, s in elections if s is not None]  # the others have no votes
        if n > len(slots):
            return NOBODY
        mask = Value(slot_mask(slots), output_field=BigIntegerField())
        if n == 1:  # any of them
            return ~Q(Exact(F("votes_cast").bitand(mask), 0))
        if n == len(slots):  # all of them
            return Q(Exact(F("votes_cast").bitand(mask), mask))
        voted = reduce(
            lambda a, b: a + b,
            (F("votes_cast").bitrightshift(s).bitand(1) for s in slots),
        )
        return Q(GreaterThanOrEqual(ExpressionWrapper(voted, BigIntegerField()), n))
    # A grouped semi-join (people with enough votes): one pass over the vote history.
    voters = (
        VoteHistory.objects.filter(voted=True, election_id__in=[i for i, _s in elections])
        .order_by()
        .values("person_id")
        .annotate(n=Count("id"))
        .filter(n__gte=n)
        .values("person_id")
    )
    return Q(pk__in=voters)


def voted_in_q(p: dict, ctx: Context) -> Q:
    election = Election.objects.filter(code=p["election"]).first()
    if election is None:
        raise ValidationError({"election": _("unknown election “%(e)s”") % {"e": p["election"]}})
    if election.vote_slot is not None:
        bit = _bit(election.vote_slot)
        voted = Q(Exact(F("votes_cast").bitand(bit), bit))
    elif not _any_votes([election.pk]):
        voted = NOBODY
    else:
        voted = Q(
            Exists(
                VoteHistory.objects.filter(person_id=OuterRef("pk"), election=election, voted=True)
            )
        )
    return voted if p["voted"] else ~voted


# --- place ----------------------------------------------------------------------------------------


def household_size_q(p: dict, ctx: Context) -> Q:
    size = (
        Person.objects.filter(household_id=OuterRef("household_id"))
        .order_by()
        .values("household_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    count = Subquery(size, output_field=IntegerField())
    q = Q(household_id__isnull=False)
    if p["min"] is not None:
        q &= Q(GreaterThanOrEqual(count, p["min"]))
    if p["max"] is not None:
        q &= Q(LessThanOrEqual(count, p["max"]))
    return q


KM_PER_DEGREE = 111.32


def distance_q(p: dict, ctx: Context) -> Q:
    """Lives within ``km`` of a point: a bounding box on the indexed columns, then the
    equirectangular distance (exact enough below a few hundred km, and plain arithmetic, so it
    runs the same on SQLite and PostgreSQL)."""
    lat, lon, km = p["latitude"], p["longitude"], p["km"]
    dlat = km / KM_PER_DEGREE
    scale = max(math.cos(math.radians(lat)), 0.01)
    dlon = dlat / scale
    la, lo = "household__address__latitude", "household__address__longitude"
    box = Q(**{f"{la}__gte": lat - dlat, f"{la}__lte": lat + dlat})
    box &= Q(**{f"{lo}__gte": lon - dlon, f"{lo}__lte": lon + dlon})
    dist2 = (F(la) - lat) * (F(la) - lat) + (F(lo) - lon) * scale * (F(lo) - lon) * scale
    return box & Q(LessThanOrEqual(dist2, dlat * dlat))


def _custom_field_choices():
    return [(f.key, f.display_label) for f in CustomField.objects.order_by("sort_order", "label")]


def _election_choices():
    return [(e.code, f"{e.name} ({e.date:%Y-%m-%d})") for e in Election.objects.order_by("-date")]


def _text_values(text: str) -> list[str]:
    return [v.strip() for v in str(text or "").split("|") if v.strip()]


def party_q(p: dict, c: Context) -> Q:
    """Party registration is one of the given values, in any case ("DEM|Democratic")."""
    values = _text_values(p["values"])
    return reduce(or_, (Q(party__iexact=v) for v in values)) if values else Q(pk__in=[])


def voter_status_q(p: dict, c: Context) -> Q:
    """Voter status is one of the given values (stored lower-case: people.registration)."""
    return Q(voter_status__in=[v.casefold() for v in _text_values(p["values"])])


def register_all() -> None:
    add = filters.register
    add(Filter("area", _l("Area"), area_q, group=PLACE, order=10, params=[
        Param("areas", "areas", _l("Areas")),
        Param("descendants", "bool", _l("Include the areas inside"), default=True),
    ]))  # fmt: skip
    add(Filter("tags", _l("Tags"), tags_q, group=PEOPLE, order=20, params=[
        Param("tags", "tags", _l("Tags")),
        Param("match", "choice", _l("Match"), default="any",
              choices=[("any", _l("any of them")), ("all", _l("all of them"))]),
    ]))  # fmt: skip
    add(Filter("age", _l("Age"), age_q, group=PEOPLE, order=30, params=[
        Param("min", "int", pgettext_lazy("lower bound of a range", "From"), required=False,
              min_value=0, max_value=130),
        Param("max", "int", pgettext_lazy("upper bound of a range", "To"), required=False,
              min_value=0, max_value=130),
    ]))  # fmt: skip
    add(Filter("gender", _l("Gender"), lambda p, c: Q(gender__in=p["values"]), group=PEOPLE,
               order=40, params=[
        Param("values", "multi", _l("Gender"), choices=[c for c in Person.Gender.choices if c[0]]),
    ]))  # fmt: skip
    add(Filter("language", _l("Preferred language"), language_q, group=PEOPLE, order=45,
               params=[Param("codes", "text", _l("Language codes (e.g. bn, hi)"))]))  # fmt: skip
    add(Filter("support", _l("Support score"), support_q, group=PEOPLE, order=50, params=[
        Param("scores", "multi", _l("Scores"), choices=[
            ("1", _l("1 strong support")), ("2", _l("2 lean support")), ("3", _l("3 undecided")),
            ("4", _l("4 lean oppose")), ("5", _l("5 strong oppose")),
        ]),
    ]))  # fmt: skip
    add(Filter("status", _l("Status"), lambda p, c: Q(status__in=p["values"]), group=PEOPLE,
               order=55, params=[
        Param("values", "multi", _l("Status"), choices=Person.Status.choices),
    ]))  # fmt: skip
    add(Filter("party", _l("Party registration"), party_q, group=PEOPLE, order=56, params=[
        Param("values", "text", _l("Parties, as the voter file writes them (separate with |)")),
    ]))  # fmt: skip
    add(Filter("voter_status", _l("Voter status"), voter_status_q, group=PEOPLE, order=57,
               params=[
        Param("values", "text", _l("Statuses, e.g. active|inactive")),
    ]))  # fmt: skip
    add(Filter("do_not_contact", _l("Do not contact"),
               lambda p, c: Q(do_not_contact=p["value"]), group=CONTACT, order=75,
               params=[Param("value", "bool", _l("Marked do not contact"), default=True)]))  # fmt: skip
    add(Filter("custom_field", _l("Custom field"), custom_field_q, group=PEOPLE, order=60,
               params=[
        Param("field", "choice", _l("Field"), choices=_custom_field_choices),
        Param("op", "choice", _l("Condition"), default="eq", choices=[
            ("eq", _l("is (one of, separate with |)")), ("set", _l("has a value")),
            ("unset", _l("has no value")),
        ]),
        Param("value", "text", _l("Value"), required=False),
    ]))  # fmt: skip
    add(Filter("reachable", _l("Reachable on a channel"), reachable_q, group=CONTACT, order=70,
               help=_l("Has a working number or address for the channel, is not marked do not "
                       "contact, and has not opted out (or has opted in, if you ask for it)."),
               params=[
        Param("channel", "choice", _l("Channel"), choices=REACH_CHANNELS),
        Param("purpose", "choice", _l("Purpose"), default="campaign",
              choices=Consent.Purpose.choices),
        Param("consent", "choice", _l("Consent"), default="not_withdrawn", choices=[
            ("not_withdrawn", _l("has not opted out")), ("granted", _l("has opted in")),
        ]),
    ]))  # fmt: skip
    add(Filter("contacted", _l("Contacted recently"), contacted_q, group=HISTORY, order=80,
               help=_l("Put it under NOT for “not contacted in the last N days”."), params=[
        Param("days", "int", _l("In the last N days"), default=30, min_value=1, max_value=3650),
        Param("channel", "choice", pgettext_lazy("contacted by (a channel)", "By"), required=False,
              default="",
              choices=[("", _l("any channel")), *Interaction.Channel.choices]),
    ]))  # fmt: skip
    add(Filter("votes", _l("Voted in N of the last M elections"), votes_q, group=HISTORY,
               order=90, params=[
        Param("at_least", "int", _l("At least"), min_value=1, max_value=20),
        Param("last", "int", _l("Of the last"), min_value=1, max_value=20),
        Param("kind", "choice", _l("Kind of election"), required=False, default="",
              choices=[("", _l("any")), *Election.Kind.choices]),
    ]))  # fmt: skip
    add(Filter("voted_in", _l("Voted in an election"), voted_in_q, group=HISTORY, order=95,
               params=[
        Param("election", "choice", _l("Election"), choices=_election_choices),
        Param("voted", "bool", _l("Voted"), default=True),
    ]))  # fmt: skip
    add(Filter("household_size", _l("Household size"), household_size_q, group=PLACE,
               order=100, params=[
        Param("min", "int", pgettext_lazy("lower bound of a range", "From"), required=False,
              min_value=1, max_value=500),
        Param("max", "int", pgettext_lazy("upper bound of a range", "To"), required=False,
              min_value=1, max_value=500),
    ]))  # fmt: skip
    add(Filter("distance", _l("Distance from a point"), distance_q, group=PLACE, order=110,
               params=[
        Param("latitude", "float", _l("Latitude"), min_value=-90, max_value=90),
        Param("longitude", "float", _l("Longitude"), min_value=-180, max_value=180),
        Param("km", "float", _l("Within (km)"), min_value=0.01, max_value=500),
    ]))  # fmt: skip
