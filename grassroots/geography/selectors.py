"""Reads for the area tree. ``scope_q`` is how every other app restricts rows to a user's areas."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from grassroots.core.registry import Registry
from grassroots.geography.models import PATH_STEP, Area, Election

# Higher apps register functions ``(areas: list[Area]) -> {area_id: {"label": value}}``
# that add counts (people, households…) to every level of the tree.
area_stats_providers = Registry()

AreaStats = Callable[[list[Area]], dict[int, dict[str, Any]]]


@dataclass
class AreaPanel:
    """A section of an area's page that a higher app adds (a booth's coverage, its prints):
    ``context(request, area)`` gives the template's context, or ``None`` to show nothing."""

    template: str
    context: Callable[[Any, Area], dict | None]
    order: int = 100


# Higher apps register ``AreaPanel`` entries in ``ready()``; the area page shows them in order.
area_panels = Registry()


def area_panels_for(request: Any, area: Area) -> list[tuple[str, dict]]:
    shown = []
    for panel in area_panels:
        context = panel.context(request, area)
        if context is not None:
            shown.append((panel.template, context))
    return shown


def scope_paths(actor: Any) -> list[str] | None:
    """The area paths a user may see (descendants included); ``None`` means everything."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return []
    if actor.sees_everything:
        return None
    cached = getattr(actor, "_scope_paths_cache", None)
    if cached is None:
        cached = list(actor.scope_areas.values_list("path", flat=True))
        actor._scope_paths_cache = cached
    return cached


def scope_q(actor: Any, area_field: str = "area", *, overlap: bool = False) -> Q:
    """A filter keeping rows whose ``area_field`` lies inside the user's scope; with
    ``overlap``, also rows whose area is an ancestor of one of the user's areas. This is the
    area strategy of ``core.access`` (plugged in by ``GeographyConfig.ready``)."""
    paths = scope_paths(actor)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    cond = Q()
    for path in paths:
        cond |= Q(path__startswith=path)
    if overlap:
        ancestors = {a for p in paths for a in _ancestor_paths(p)}
        if ancestors:
            cond |= Q(path__in=sorted(ancestors))
    area_ids = Area.objects.filter(cond).values("id")
    return Q(**{f"{area_field}__in": area_ids})


def _ancestor_paths(path: str) -> list[str]:
    step = PATH_STEP + 1
    return [path[: step * i] for i in range(1, len(path) // step)]


def area_visible_to(actor: Any) -> QuerySet[Area]:
    """Areas inside the user's scope (their scoped areas and everything below them)."""
    paths = scope_paths(actor)
    qs = Area.objects.select_related("kind")
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    cond = Q()
    for path in paths:
        cond |= Q(path__startswith=path)
    return qs.filter(cond)


def area_ancestors_visible(actor: Any, area: Area) -> list[Area]:
    """Breadcrumbs: ancestors the user may see (all for campaign-wide users)."""
    paths = area.ancestor_paths()
    ancestors = list(Area.objects.filter(path__in=paths).order_by("depth"))
    visible_ids = set(area_visible_to(actor).filter(path__in=paths).values_list("id", flat=True))
    return [a for a in ancestors if a.id in visible_ids]


def area_roots_for(actor: Any) -> QuerySet[Area]:
    """The top areas of a user's tree: real roots, or the top of each scoped subtree."""
    paths = scope_paths(actor)
    qs = Area.objects.select_related("kind", "polling_station")
    if paths is None:
        return qs.filter(parent__isnull=True)
    # Only the outermost scoped areas (a scoped area inside another scoped area is not a root).
    tops = [p for p in paths if not any(p != o and p.startswith(o) for o in paths)]
    return qs.filter(path__in=tops)


def area_children(actor: Any, area: Area) -> QuerySet[Area]:
    return (
        area_visible_to(actor)
        .filter(parent=area)
        .select_related("kind", "polling_station")
        .order_by("path")
    )


def area_stats(areas: list[Area]) -> dict[int, dict[str, Any]]:
    stats: dict[int, dict[str, Any]] = {a.id: {} for a in areas}
    for provider in area_stats_providers:
        for area_id, values in provider(areas).items():
            stats.setdefault(area_id, {}).update(values)
    return stats


def election_for_area(area: Area, today: Any) -> Election | None:
    """The election the area votes in next (held in it or in an area above it), or else the
    last one it voted in: what a voter slip announces."""
    above = Election.objects.filter(area__path__in=_ancestor_paths(area.path) + [area.path])
    upcoming = above.filter(date__gte=today).order_by("date", "pk").first()
    return upcoming or above.order_by("-date", "-pk").first()


def election_list_for_area(area: Area) -> QuerySet[Election]:
    """Elections held in this area or any area above it."""
    return (
        Election.objects.filter(area__path__in=[*area.ancestor_paths(), area.path])
        .select_related("area")
        .prefetch_related("races__area")
        .order_by("-date")
    )


def area_search(actor: Any, q: str, limit: int = 20) -> list[Area]:
    """Areas in the actor's scope matching ``q``: every word of it in the name, the native
    name or the code (any script; case and spacing do not matter). An exact code comes first,
    then shallower areas (a constituency before its booths), then by name."""
    q = unicodedata.normalize("NFC", q or "").strip()[:100]
    words = [w for w in re.split(r"[\s,;·›>]+", q) if w][:6]
    if not words:
        return []
    cond = Q()
    for word in words:
        cond &= Q(name__icontains=word) | Q(code__icontains=word) | Q(native_name__icontains=word)
    visible = area_visible_to(actor)
    exact = list(visible.filter(code__iexact=q)[:1])
    rest = visible.filter(cond).exclude(pk__in=[a.pk for a in exact]).order_by("depth", "name")
    return [*exact, *rest[: max(limit - len(exact), 0)]]


def area_labels(areas: list[Area]) -> dict[int, str]:
    """Each area's path as words ("West Bengal › Bhabanipur › Part 12"), for pickers: one
    query for all the ancestors."""
    paths = {p for a in areas for p in a.ancestor_paths()}
    names = dict(Area.objects.filter(path__in=paths).values_list("path", "name"))
    return {
        a.pk: " › ".join([*(names[p] for p in a.ancestor_paths() if p in names), a.name])
        for a in areas
    }


def area_resolve(actor: Any, text: str) -> Area | None:
    """The one visible area a typed text names: its code (any case), or a name, native name or
    path label that only one area has; ``None`` when none or several do."""
    text = unicodedata.normalize("NFC", text or "").strip()[:300]
    if not text:
        return None
    visible = area_visible_to(actor)
    by_code = visible.filter(code__iexact=text).first()
    if by_code is not None:
        return by_code
    last = re.split(r"\s*›\s*", text)[-1]
    candidates = list(visible.filter(Q(name__iexact=last) | Q(native_name__iexact=last))[:20])
    if len(candidates) > 1 and "›" in text:
        labels = area_labels(candidates)
        candidates = [a for a in candidates if labels[a.pk].casefold() == text.casefold()]
    return candidates[0] if len(candidates) == 1 else None


def home_area(actor: Any) -> Area | None:
    """Where an actor's work belongs: ``None`` (campaign-wide) for a campaign-wide actor, their
    area for a user scoped to one, the deepest area containing all of them for a user scoped to
    several. A new broadcast, template, segment… takes this area, so the users who share the
    actor's areas see it and the others do not."""
    paths = scope_paths(actor)
    if not paths:
        return None
    common = paths[0]
    for path in paths[1:]:
        while not path.startswith(common):
            common = common[: len(common) - (PATH_STEP + 1)]
    if not common:
        return None
    return Area.objects.filter(path=common).first()
