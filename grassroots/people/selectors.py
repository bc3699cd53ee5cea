"""Reads for the people hub. Every query starts from ``person_visible_to(actor)``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, When
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from grassroots.core import registry
from grassroots.core.registry import Tile
from grassroots.geography.models import Area
from grassroots.geography.selectors import scope_paths, scope_q
from grassroots.people import contact
from grassroots.people.models import (
    Consent,
    ContactPoint,
    CustomField,
    ExternalId,
    Household,
    Interaction,
    Note,
    Person,
    Tag,
    Tagging,
    VoteHistory,
)


def person_visible_to(actor: Any) -> QuerySet[Person]:
    return Person.objects.filter(scope_q(actor, "area"))


def household_visible_to(actor: Any) -> QuerySet[Household]:
    return Household.objects.filter(scope_q(actor, "area"))


def person_list(*, actor: Any, filters: dict | None = None) -> QuerySet[Person]:
    """The people list: scoped, filtered (``PersonFilter``), with what a row shows prefetched."""
    from grassroots.people.filters import PersonFilter

    base = person_visible_to(actor).select_related("area")
    if filters is not None:
        fs = PersonFilter(clean_filter_params(filters), queryset=base, actor=actor)
        base = fs.qs if fs.is_valid() else base.none()
    return base.prefetch_related(
        Prefetch("contact_points", queryset=ContactPoint.objects.filter(is_primary=True)),
        Prefetch("taggings", queryset=Tagging.objects.select_related("tag")),
    )


def person_search(actor: Any, q: str, limit: int = 20) -> list[Person]:
    """The person picker's suggestions (``people/widgets.py``): the people ``actor`` may see
    whose name (any script, another spelling), phone, email or external id matches ``q``, each
    with its area and primary phone; at most ``limit``."""
    from grassroots.people.filters import NAME_SEARCH_ORDERING, search_q

    q = (q or "").strip()[:200]
    if not q:
        return []
    cond = search_q(q)
    if q.isdigit() and len(q) <= 18:  # a person's id, as shown on their page
        cond |= Q(pk=int(q))
    return list(
        person_visible_to(actor)
        .filter(cond)
        .select_related("area")
        .prefetch_related(
            Prefetch(
                "contact_points",
                queryset=ContactPoint.objects.filter(channel="phone").order_by("-is_primary", "id"),
                to_attr="picker_phones",
            )
        )
        .order_by(*NAME_SEARCH_ORDERING)[: max(1, min(limit, 50))]
    )


def clean_filter_params(params) -> QueryDict:
    """Drop empty values (``tag=&support_score=`` from an untouched form) before filtering."""
    cleaned = QueryDict(mutable=True)
    items = (
        params.lists()
        if hasattr(params, "lists")
        else ((k, v if isinstance(v, list) else [v]) for k, v in params.items())
    )
    for key, values in items:
        values = [v for v in values if str(v).strip() != ""]
        if values:
            cleaned.setlist(key, values)
    return cleaned


def person_get(*, actor: Any, pk: int) -> Person | None:
    return (
        person_visible_to(actor)
        .select_related("area", "area__kind", "household", "household__address")
        .prefetch_related(
            "contact_points",
            "external_ids",
            Prefetch(
                "taggings", queryset=Tagging.objects.select_related("tag").order_by("tag__name")
            ),
            Prefetch(
                "custom_values",
                queryset=Person.custom_values.rel.related_model.objects.select_related("field"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def household_members(*, actor: Any, person: Person) -> list[Person]:
    if not person.household_id:
        return []
    return list(
        person_visible_to(actor).filter(household_id=person.household_id).exclude(pk=person.pk)
    )


def consent_current(person: Person) -> list[Consent]:
    """The latest record per channel × purpose."""
    seen = set()
    current = []
    for c in Consent.objects.filter(person=person).order_by("-recorded_at", "-id")[:200]:
        key = (c.channel, c.purpose)
        if key not in seen:
            seen.add(key)
            current.append(c)
    return sorted(current, key=lambda c: (c.channel, c.purpose))


def vote_history(person: Person) -> list[VoteHistory]:
    return list(
        VoteHistory.objects.filter(person=person)
        .select_related("election")
        .order_by("-election__date")
    )


@dataclass
class TimelineEntry:
    when: datetime
    kind: str  # interaction | note | tag | consent
    title: str
    body: str = ""
    who: str = ""
    badge: str = ""
    icon: str = ""  # a symbol for the entry (a door knock ⌂, a call ☎); the kind's when empty


def person_timeline(person: Person, limit: int = 100) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for i in Interaction.objects.filter(person=person).select_related("actor")[:limit]:
        entries.append(
            TimelineEntry(
                i.occurred_at,
                "interaction",
                f"{i.get_channel_display()} · {i.get_direction_display()}",
                # a message's text is shown once, in the messages panel's thread (the app that
                # sent or received it puts its id in ``data["message"]``)
                "" if (i.data or {}).get("message") else i.detail,
                i.actor.get_username() if i.actor else "",
                i.outcome,
                icon=contact.channel_icon(i.channel),
            )
        )
    for n in Note.objects.filter(person=person).select_related("author")[:limit]:
        entries.append(
            TimelineEntry(
                n.created_at, "note", _("Note"), n.body, n.author.get_username() if n.author else ""
            )
        )
    for t in (
        Tagging.objects.filter(person=person)
        .select_related("tag", "created_by")
        .order_by("-created_at")[:limit]
    ):
        entries.append(
            TimelineEntry(
                t.created_at,
                "tag",
                _("Tagged"),
                "",
                t.created_by.get_username() if t.created_by else "",
                t.tag.name,
            )
        )
    for c in Consent.objects.filter(person=person).select_related("recorded_by")[:limit]:
        entries.append(
            TimelineEntry(
                c.recorded_at,
                "consent",
                _("Consent %(status)s") % {"status": c.get_status_display().lower()},
                f"{c.get_channel_display()} · {c.get_purpose_display()} — {c.source}".rstrip(" —"),
                c.recorded_by.get_username() if c.recorded_by else "",
                c.status,
            )
        )
    for source in registry.timeline_sources:  # entries of higher apps (messaging, …)
        entries.extend(source(person, limit))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]


def custom_fields(person: Person | None = None) -> QuerySet[CustomField]:
    """Every custom field, or those that apply to ``person``: fields for everyone and fields of
    an area that contains the person's area (an India-only field is not shown on a US voter)."""
    fields = CustomField.objects.all()
    if person is None:
        return fields
    applies = Q(area__isnull=True)
    if person.area_id:
        applies |= Q(area__path__in=[*person.area.ancestor_paths(), person.area.path])
    return fields.filter(applies)


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.order_by("name")


def tags_with_counts(actor: Any) -> QuerySet[Tag]:
    return Tag.objects.annotate(n=Count("taggings")).order_by("name")


def household_list(*, actor: Any, q: str = "", area: Area | None = None) -> QuerySet[Household]:
    qs = household_visible_to(actor).select_related("address", "area").annotate(n=Count("members"))
    if area is not None:
        qs = qs.filter(area__path__startswith=area.path)
    if q:
        from django.db.models import Q

        q = q.strip()[:100]
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(address__street__icontains=q)
            | Q(address__house_number__iexact=q)
            | Q(address__locality__icontains=q)
        )
    return qs.order_by("area__path", "address__street", "address__house_number", "id")


def household_get(*, actor: Any, pk: int) -> Household | None:
    return household_visible_to(actor).select_related("address", "area").filter(pk=pk).first()


def external_id_lookup(namespace: str, value: str) -> ExternalId | None:
    return (
        ExternalId.objects.filter(namespace=namespace, value=value).select_related("person").first()
    )


# --- registries -------------------------------------------------------------------------


def dashboard_tiles(request) -> list[Tile]:
    actor = request.user
    if not actor.has_capability("people.view"):
        return []
    people = person_visible_to(actor)
    total = people.count()
    with_phone = people.filter(
        Exists(ContactPoint.objects.filter(person_id=OuterRef("pk"), channel="phone"))
    ).count()
    with_email = people.filter(
        Exists(ContactPoint.objects.filter(person_id=OuterRef("pk"), channel="email"))
    ).count()
    households = household_visible_to(actor).count()
    paths = scope_paths(actor)
    areas = (
        Area.objects.count() if paths is None else Area.objects.filter(scope_q(actor, "id")).count()
    )

    def pct(n):
        return f"{(100 * n / total):.0f}%" if total else "—"

    url = reverse("people:person_list")
    return [
        Tile(_("People"), f"{total:,}", _("in your areas"), url, 10),
        Tile(_("Households"), f"{households:,}", "", reverse("people:household_list"), 20),
        Tile(_("Areas"), f"{areas:,}", _("in the tree"), reverse("geography:area_tree"), 30),
        Tile(
            _("Reachable by phone"),
            pct(with_phone),
            _("%(n)s people") % {"n": f"{with_phone:,}"},
            f"{url}?has_phone=true",
            40,
        ),
        Tile(
            _("Reachable by email"),
            pct(with_email),
            _("%(n)s people") % {"n": f"{with_email:,}"},
            f"{url}?has_email=true",
            50,
        ),
    ]


def area_people_stats(areas: list[Area]) -> dict[int, dict[str, Any]]:
    """People and households in each area's subtree: one grouped query per model."""
    if not areas:
        return {}
    prefix = _common_prefix([a.path for a in areas])
    result: dict[int, dict[str, Any]] = {a.id: {"people": 0, "households": 0} for a in areas}
    for model, key, address in (
        (Person, "people", "household__address__area"),
        (Household, "households", "address__area"),
    ):
        rows = (
            model.objects.filter(area__path__startswith=prefix) if prefix else model.objects.all()
        )
        # Counted where they live most precisely: the address's area when it lies inside the
        # row's own area (a section of a part: the roll files a voter under the part, the
        # address under its section), else the row's own area.
        located = Case(
            When(
                **{f"{address}__path__startswith": F("area__path"), f"{address}__isnull": False},
                then=F(f"{address}_id"),
            ),
            default=F("area_id"),
        )
        counts = rows.annotate(at=located).values("at").annotate(n=Count("id")).order_by()
        by_area = {r["at"]: r["n"] for r in counts if r["at"]}
        paths = dict(Area.objects.filter(id__in=list(by_area)).values_list("id", "path"))
        per_path: dict[str, int] = defaultdict(int)
        for area_id, n in by_area.items():
            per_path[paths[area_id]] += n
        for a in areas:
            result[a.id][key] = sum(n for p, n in per_path.items() if p.startswith(a.path))
    return result


def _common_prefix(paths: list[str]) -> str:
    if not paths:
        return ""
    first, last = min(paths), max(paths)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    prefix = first[:i]
    return prefix[: prefix.rfind("/") + 1]


@dataclass
class PersonRelated:
    """A person's contact points (dicts), identifiers ("namespace:value") and tag slugs."""

    contact_points: list[dict]
    external_ids: list[str]
    tags: list[str]


def person_related(person_ids: list[int]) -> dict[int, PersonRelated]:
    """The contact points, identifiers and tag slugs of these (already visible) people, in one
    round trip: the API reads them for every person it answers with, where three prefetch
    queries cost more than the person's own. Contact points in their model order (primary
    first, then channel), identifiers and tags in the order they were added."""
    from django.db import connection

    out = {pk: PersonRelated([], [], []) for pk in person_ids}
    if not out:
        return out
    qn = connection.ops.quote_name
    cp, ext, tagging, tag = (qn(m._meta.db_table) for m in (ContactPoint, ExternalId, Tagging, Tag))
    marks = ", ".join(["%s"] * len(out))
    # table names from the models; the ids are parameters
    sql = (
        f"SELECT 'c', person_id, id, channel, value, phone_kind, whatsapp, status, is_primary "  # noqa: S608
        f"FROM {cp} WHERE person_id IN ({marks}) "
        f"UNION ALL SELECT 'e', person_id, id, namespace, value, NULL, NULL, NULL, NULL "
        f"FROM {ext} WHERE person_id IN ({marks}) "
        f"UNION ALL SELECT 't', tg.person_id, tg.id, t.slug, NULL, NULL, NULL, NULL, NULL "
        f"FROM {tagging} tg INNER JOIN {tag} t ON t.id = tg.tag_id WHERE tg.person_id IN ({marks})"
    )
    ids = list(out)
    with connection.cursor() as cursor:
        cursor.execute(sql, ids * 3)
        rows = sorted(cursor.fetchall(), key=lambda r: r[2])
    contact_points = []
    for kind, pk, row_id, a, b, c, d, e, f in rows:
        if kind == "c":
            contact_points.append(
                {
                    "id": row_id,
                    "person_id": pk,
                    "channel": a,
                    "value": b,
                    "phone_kind": c,
                    "whatsapp": bool(d),
                    "status": e,
                    "is_primary": bool(f),
                }
            )
        elif kind == "e":
            out[pk].external_ids.append(f"{a}:{b}")
        else:
            out[pk].tags.append(a)
    contact_points.sort(key=lambda r: (not r["is_primary"], r["channel"], r["id"]))
    for row in contact_points:
        out[row["person_id"]].contact_points.append(row)
    return out
