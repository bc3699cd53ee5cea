"""What the canvassing app plugs into the shared registries (called from ``ready()``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core import registry


def _expire(now):
    from grassroots.canvassing import services

    return {"released": services.assignments_expire(now)}


def _doors_knocked(since):
    """Leaderboard units: doors knocked per canvasser's person (their volunteer profile)."""
    from grassroots.canvassing.models import Visit
    from grassroots.volunteers.models import VolunteerProfile

    qs = Visit.objects.filter(canvasser__isnull=False)
    if since is not None:
        qs = qs.filter(recorded_at__gte=since)
    per_user = dict(qs.values_list("canvasser_id").annotate(n=Count("door_id", distinct=True)))
    if not per_user:
        return {}
    people = dict(
        VolunteerProfile.objects.filter(user_id__in=per_user).values_list("user_id", "person_id")
    )
    return {people[u]: n for u, n in per_user.items() if u in people}


def visit_backdated(recorded_at: dt.datetime) -> None:
    """A visit recorded before this week (synced late) changes past weeks' points."""
    from grassroots.volunteers import points

    now = timezone.localtime()
    week_start = (now - dt.timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    if recorded_at < week_start:
        points.invalidate()


def _week_start() -> dt.datetime:
    now = timezone.localtime()
    return (now - dt.timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )


def _dashboard_tiles(request) -> list:
    """ "Doors knocked this week" (since Monday), in the efforts the user may see."""
    from grassroots.canvassing import results
    from grassroots.core import access

    if not access.can(request.user, "canvassing.view"):
        return []
    n = results.doors_knocked_since(actor=request.user, since=_week_start())
    return [registry.Tile(_("Doors knocked this week"), n, hint=_("since Monday"), order=55)]


def _person_panel(request, person) -> dict | None:
    from grassroots.canvassing import results

    visits = results.person_visits(actor=request.user, person=person)
    if not visits:
        return None
    return {"person": person, "canvass_visits": visits}


def register_results() -> None:
    """Live results: segment filters, the dashboard tile, the person page's canvass visits."""
    from grassroots.canvassing import filters

    filters.register_all()
    registry.dashboard_tiles.register(_dashboard_tiles)
    registry.person_panels.register(
        registry.PersonPanel("canvassing/results/_person_panel.html", _person_panel, 42)
    )


def register_organiser() -> None:
    """The organiser's screens: the "Canvassing" item of the navigation."""
    registry.nav_items.register(
        registry.NavItem(_("Canvassing"), "canvassing:effort_list", "canvassing.view", 36)
    )


def register_demo() -> None:
    """The demo's efforts, turfs and visits: after surveys (120) and volunteers (150)."""
    from grassroots.canvassing import demo

    registry.demo_seeders.register(registry.DemoSeeder(demo.seed, 160))


def register_all() -> None:
    from grassroots.volunteers import points

    register_results()
    register_organiser()
    register_demo()
    registry.every_minute.register(_expire)
    points.register(points.PointSource("doors_knocked", _("Doors knocked"), _doors_knocked, 40))
