"""Reads for the area tree. ``scope_q`` is how every other app restricts rows to a user's areas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from grassroots.core.registry import Registry
from grassroots.geography.models import PATH_STEP, Area, Election

# Higher apps register functions ``(areas: list[Area]) -> {area_id: {"label": value}}``
# that add counts (people, households…) to every level of the tree.
area_stats_providers = Registry()

AreaStats = Callable[[list[Area]], dict[int, dict[str, Any]]]


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


def election_list_for_area(area: Area) -> QuerySet[Election]:
    """Elections held in this area or any area above it."""
    return (
        Election.objects.filter(area__path__in=[*area.ancestor_paths(), area.path])
        .select_related("area")
        .prefetch_related("races__area")
        .order_by("-date")
    )


def area_search(actor: Any, q: str, limit: int = 20) -> QuerySet[Area]:
    q = q.strip()[:100]
    return (
        area_visible_to(actor)
        .filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(native_name__icontains=q))
        .order_by("depth", "name")[:limit]
    )


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
