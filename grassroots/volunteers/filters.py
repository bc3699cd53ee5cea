"""Segment filters the volunteers app registers: "is a volunteer (status, skill, team)" and
"has volunteer hours ≥ N" (approved hours, optionally since a date)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy

from grassroots.lists.registry import Filter, Param, filters
from grassroots.volunteers.models import HoursEntry, Skill, Team, VolunteerProfile

GROUP = _l("Volunteers")


def _skills():
    return [(s.code, s.label) for s in Skill.objects.only("code", "name", "names")]


def _teams():
    return [(str(pk), name) for pk, name in Team.objects.values_list("pk", "name")[:500]]


def volunteer_q(params, ctx) -> Q:
    profiles = VolunteerProfile.objects.filter(person_id=OuterRef("pk"))
    if params.get("status"):
        profiles = profiles.filter(status__in=params["status"])
    for code in params.get("skills") or []:
        profiles = profiles.filter(Exists(Skill.volunteers.through.objects.filter(
            volunteerprofile_id=OuterRef("pk"), skill__code=code)))  # fmt: skip
    if params.get("team"):
        team = Team.objects.filter(pk=params["team"]).first()
        if team is None:
            return Q(pk__in=[])
        profiles = profiles.filter(teams__path__startswith=team.path)
    return Q(Exists(profiles))


def hours_q(params, ctx) -> Q:
    entries = HoursEntry.objects.filter(status="approved", volunteer__person_id=OuterRef("pk"))
    if params.get("since"):
        entries = entries.filter(date__gte=params["since"])
    total = (
        entries.values("volunteer__person_id")
        .annotate(h=Sum("hours"))
        .filter(h__gte=params["min_hours"])
    )
    return Q(Exists(total))


def register_all() -> None:
    filters.register(Filter("volunteer", _l("Is a volunteer"), volunteer_q, group=GROUP,
                            order=300, params=[
        Param("status", "multi", _l("Status"), required=False,
              choices=lambda: VolunteerProfile.Status.choices),
        Param("skills", "multi", _l("Has all these skills"), required=False, choices=_skills),
        Param("team", "choice", _l("In the team (or a team below it)"), required=False,
              choices=_teams),
    ]))  # fmt: skip
    filters.register(Filter("volunteer_hours", _l("Has volunteer hours"), hours_q, group=GROUP,
                            order=310, params=[
        Param("min_hours", "float", _l("At least (hours)"), min_value=0.25, max_value=100000),
        Param("since", "date", pgettext_lazy("start of a date range", "Since"), required=False),
    ]))  # fmt: skip
