"""What the events app adds to the shared mechanisms: segment filters, the person panel, the
dashboard tiles and the timeline source (registered in ``EventsConfig.ready``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from grassroots.core.registry import Registry, Tile
from grassroots.events import selectors
from grassroots.events.models import Event, EventType, Registration
from grassroots.lists.registry import Context, Filter, Param, filters

# Templates added to each row of the check-in list by the apps above (volunteers: "Log hours").
# Each is included with ``r`` (the registration), ``base`` (the screen's address), ``event``
# and ``hosting``; it posts to an address under ``base``.
checkin_row_actions = Registry()

R = Registration.Status
A = Registration.Attendance
GROUP = _l("Events")


def _type_choices():
    return [(t.slug, t.label) for t in EventType.objects.all()]


def _regs(p: dict):
    qs = Registration.objects.filter(person_id=OuterRef("pk"))
    if p.get("types"):
        qs = qs.filter(event__type__slug__in=p["types"])
    if p.get("since"):
        qs = qs.filter(event__starts_at__date__gte=p["since"])
    if p.get("until"):
        qs = qs.filter(event__starts_at__date__lte=p["until"])
    return qs


def rsvp_q(p: dict, ctx: Context) -> Q:
    """Signed up for (or attended) an event of these types in this date range."""
    qs = _regs(p)
    if p["what"] == "attended":
        qs = qs.filter(attendance=A.ATTENDED)
    else:
        qs = qs.exclude(status=R.CANCELLED)
    return Q(Exists(qs))


def attended_count_q(p: dict, ctx: Context) -> Q:
    """Attended at least N events (distinct events)."""
    people = (
        _regs(p)
        .filter(attendance=A.ATTENDED)
        .values("person_id")
        .annotate(n=Count("event_id", distinct=True))
        .filter(n__gte=p["min"])
    )
    return Q(Exists(people))


def register_filters() -> None:
    dates = [
        Param("since", "date", _l("From"), required=False),
        Param("until", "date", _l("Until"), required=False),
    ]
    filters.register(Filter("event_rsvp", _l("Signed up for / attended an event"), rsvp_q,
        group=GROUP, order=300, params=[
            Param("what", "choice", _l("Who"), default="rsvp", choices=[
                ("rsvp", _l("signed up")), ("attended", _l("attended"))]),
            Param("types", "multi", _l("Event types"), required=False, choices=_type_choices),
            *dates,
        ]))  # fmt: skip
    filters.register(Filter("events_attended", _l("Attended at least N events"),
        attended_count_q, group=GROUP, order=310, params=[
            Param("min", "int", _l("At least"), min_value=1, max_value=1000, default=1),
            Param("types", "multi", _l("Event types"), required=False, choices=_type_choices),
            *dates,
        ]))  # fmt: skip


def person_panel(request, person) -> dict | None:
    user = request.user
    if not user.has_capability("events.view"):
        return None
    regs = list(
        Registration.objects.visible_to(user)
        .filter(person=person)
        .select_related("event", "shift")
        .order_by("-shift__starts_at")[:20]
    )
    visible = Event.objects.visible_to(user).values("pk")
    hosted = list(person.hosted_events.filter(pk__in=visible).order_by("-starts_at")[:10])
    return {"registrations": regs, "hosted": hosted}


def dashboard_tiles(request) -> list[Tile]:
    actor = request.user
    if not actor.has_capability("events.view"):
        return []
    url = reverse("events:event_list")
    tiles = []
    upcoming = selectors.upcoming_with_fill(actor, 3)
    if upcoming:
        hint = "; ".join(
            f"{e.title}: {round(100 * (e.confirmed or 0) / e.places) if e.places else 0}%"
            for e in upcoming
        )
        places = sum(e.places or 0 for e in upcoming)
        confirmed = sum(e.confirmed or 0 for e in upcoming)
        value = f"{round(100 * confirmed / places)}%" if places else "—"
        tiles.append(Tile(_("Upcoming events filled"), value, hint, url, 60))
    else:
        tiles.append(Tile(_("Upcoming events"), "0", _("none scheduled"), url, 60))
    week = selectors.signups_since(actor, timezone.now() - dt.timedelta(days=7))
    tiles.append(Tile(_("New sign-ups this week"), f"{week:,}", _("for events"), url, 61))
    no_show, recorded = selectors.no_show_rate(actor)
    tiles.append(
        Tile(
            _("No-show rate"),
            f"{round(100 * no_show / recorded)}%" if recorded else "—",
            _("events of the last 90 days"),
            f"{url}?when=past",
            62,
        )
    )
    return tiles


def timeline_entries(person, limit: int) -> list:
    """Sign-ups (and their status) on the person's timeline."""
    from grassroots.people.selectors import TimelineEntry

    out = []
    for r in selectors.person_registrations(person.pk, limit):
        title = {
            R.CONFIRMED: _("Signed up for %(event)s"),
            R.WAITLISTED: _("On the waitlist for %(event)s"),
            R.CANCELLED: _("Cancelled a sign-up for %(event)s"),
        }[r.status] % {"event": r.event.title}
        badge = r.get_attendance_display() if r.attendance != A.UNKNOWN else ""
        body = timezone.localtime(r.shift.starts_at).strftime("%Y-%m-%d %H:%M")
        out.append(TimelineEntry(r.created_at, "event", title, body, "", badge, icon="★"))
    return out
