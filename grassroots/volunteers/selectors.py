"""Reads for volunteers: lists, suggestions for a task, leaderboards, tiles and the panel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grassroots.core import access
from grassroots.core.registry import Tile
from grassroots.people.models import Person
from grassroots.volunteers import points
from grassroots.volunteers.models import (
    Badge,
    HoursEntry,
    OnboardingCompletion,
    OnboardingStep,
    StaffRecord,
    Task,
    TaskAssignment,
    Team,
    VolunteerProfile,
)


def profile_visible_to(actor: Any) -> QuerySet[VolunteerProfile]:
    return VolunteerProfile.objects.visible_to(actor)


def volunteer_list(
    *, actor: Any, q: str = "", status: str = "", skill: str = "", team: int | None = None
) -> QuerySet[VolunteerProfile]:
    qs = (
        profile_visible_to(actor)
        .select_related("person", "person__area")
        .prefetch_related("skills", "teams")
        .order_by("person__family_name", "person__given_name", "pk")
    )
    if q:
        qs = qs.filter(person__full_name__icontains=q)
    if status in VolunteerProfile.Status.values:
        qs = qs.filter(status=status)
    if skill:
        qs = qs.filter(skills__code=skill)
    if team:
        qs = qs.filter(teams=team)
    return qs.distinct() if (skill or team) else qs


def public_signup_areas() -> QuerySet:
    """The public selector of the sign-up form's areas (no login): the tree above polling
    units — a state, a district, a constituency — the public part of the geography."""
    from grassroots.geography.models import Area

    ids = Area.objects.filter(kind__is_polling_unit=False, depth__lte=3).order_by("path")
    return Area.objects.filter(pk__in=ids.values("pk")[:300]).order_by("path")


def my_profile(actor: Any) -> VolunteerProfile | None:
    if not access.is_user(actor):
        return None
    return VolunteerProfile.objects.filter(user_id=actor.pk).select_related("person").first()


def onboarding_for(profile: VolunteerProfile) -> list[tuple[OnboardingStep, Any]]:
    done = {c.step_id: c.completed_at for c in OnboardingCompletion.objects.filter(profile=profile)}
    return [(step, done.get(step.pk)) for step in OnboardingStep.objects.all()]


def task_list(*, actor: Any, status: str = "") -> QuerySet[Task]:
    qs = (
        Task.objects.visible_to(actor)
        .select_related("area")
        .prefetch_related(
            "skills",
            Prefetch(
                "assignments",
                queryset=TaskAssignment.objects.select_related("volunteer__person"),
            ),
        )
    )
    if status in Task.Status.values:
        qs = qs.filter(status=status)
    return qs


def my_assignments(actor: Any) -> QuerySet[TaskAssignment]:
    return (
        TaskAssignment.objects.filter(volunteer__user_id=actor.pk)
        .select_related("task", "task__area")
        .order_by("status", "task__due_date", "-id")
    )


def team_assignments(actor: Any) -> QuerySet[TaskAssignment]:
    """The assignments of the members of the teams the actor leads, nested teams included
    (not the actor's own)."""
    from grassroots.volunteers.models import reachable_people

    if not access.is_user(actor):
        return TaskAssignment.objects.none()
    return (
        TaskAssignment.objects.filter(volunteer__person_id__in=reachable_people(actor))
        .exclude(volunteer__user_id=actor.pk)
        .select_related("task", "volunteer__person")
        .order_by("status", "task__due_date", "-id")
    )


def led_teams(actor: Any) -> list[Team]:
    if not access.is_user(actor):
        return []
    return list(Team.objects.filter(leaders__volunteer_profile__user_id=actor.pk))


def hours_list(*, actor: Any, status: str = "") -> QuerySet[HoursEntry]:
    qs = HoursEntry.objects.visible_to(actor).select_related("volunteer__person", "logged_by")
    if status in HoursEntry.Status.values:
        qs = qs.filter(status=status)
    return qs


def team_list(*, actor: Any) -> QuerySet[Team]:
    return (
        Team.objects.visible_to(actor)
        .select_related("area", "parent")
        .prefetch_related(
            Prefetch("leaders", queryset=Person.objects.select_related("area")),
            Prefetch("members", queryset=VolunteerProfile.objects.select_related("person")),
        )
        .annotate(member_count=Count("members", distinct=True))
    )


def staff_list(*, actor: Any) -> QuerySet[StaffRecord]:
    return StaffRecord.objects.visible_to(actor).select_related("person", "manager")


# --- suggestions -----------------------------------------------------------------------------


@dataclass
class Suggestion:
    profile: VolunteerProfile
    score: float
    reasons: list[str] = field(default_factory=list)


WEIGHTS = {"skill": 4.0, "area": 2.0, "available": 1.0, "load": 0.75}


def task_suggestions(*, actor: Any, task: Task, limit: int = 10) -> list[Suggestion]:
    """Active volunteers the actor may see, not yet on the task, best first: needed skills
    they have (the most weight), living in or preferring the task's area, free on the due
    date's weekday, and fewest open tasks. Ties go to the longest-standing volunteer."""
    needed = set(task.skills.values_list("pk", flat=True))
    qs = (
        profile_visible_to(actor)
        .filter(status=VolunteerProfile.Status.ACTIVE)
        .exclude(assignments__task=task)
        .select_related("person", "person__area")
        .prefetch_related("skills", "preferred_areas")
        .annotate(
            open_tasks=Count(
                "assignments",
                filter=Q(assignments__status="assigned", assignments__task__status="open"),
                distinct=True,  # the area filter may join several preferred areas
            )
        )
    )
    if task.area_id:
        qs = qs.filter(
            Q(person__area__path__startswith=task.area.path)
            | Q(preferred_areas__path__startswith=task.area.path)
            | Q(person__area__isnull=True)
        ).distinct()
    weekday = task.due_date.strftime("%a").lower()[:3] if task.due_date else None
    out = []
    for profile in qs[:2000]:
        score, reasons = 0.0, []
        have = {s.pk: s for s in profile.skills.all()}
        if needed:
            matched = [have[pk].label for pk in needed if pk in have]
            if matched:
                score += WEIGHTS["skill"] * len(matched) / len(needed)
                reasons.append(_("skills: %(s)s") % {"s": ", ".join(sorted(matched))})
        if task.area_id:
            home = profile.person.area
            if home is not None and home.path.startswith(task.area.path):
                score += WEIGHTS["area"]
                reasons.append(_("lives in the area"))
            elif any(a.path.startswith(task.area.path) for a in profile.preferred_areas.all()):
                score += WEIGHTS["area"] * 0.75
                reasons.append(_("prefers the area"))
        if weekday and any(s.startswith(weekday) for s in profile.availability):
            score += WEIGHTS["available"]
            reasons.append(_("free that day"))
        elif not weekday and profile.availability:
            score += WEIGHTS["available"] / 2
        score -= WEIGHTS["load"] * min(profile.open_tasks, 4)
        if profile.open_tasks:
            reasons.append(
                ngettext("%(n)s open task", "%(n)s open tasks", profile.open_tasks)
                % {"n": profile.open_tasks}
            )
        out.append(Suggestion(profile, round(score, 2), reasons))
    out.sort(key=lambda s: (-s.score, s.profile.created_at, s.profile.pk))
    return out[:limit]


# --- leaderboards -----------------------------------------------------------------------------


@dataclass
class Row:
    profile_id: int
    person_id: int
    name: str
    points: float
    rank: int
    badge: str = ""


def period_start(period: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """The start of this week (Monday, local time) for ``"week"``; ``None`` for all time."""
    if period != "week":
        return None
    now = timezone.localtime(now or timezone.now())
    monday = now.date() - dt.timedelta(days=now.weekday())
    return timezone.make_aware(dt.datetime.combine(monday, dt.time.min), now.tzinfo)


def leaderboard(
    *, actor: Any, period: str = "all", team: Team | None = None, area: Any = None
) -> list[Row]:
    """Active volunteers ranked by points (ties share a rank). The pool is the actor's areas
    (a booth volunteer sees their booth's board), narrowed to a team (and the teams below it)
    or an area. Every row; a screen wants ``leaderboard_page``."""
    return leaderboard_page(actor=actor, period=period, team=team, area=area, limit=None)[0]


def leaderboard_page(
    *, actor: Any, period: str = "all", team: Team | None = None, area: Any = None,
    limit: int | None = 50, profile_id: int | None = None,
) -> tuple[list[Row], Row | None]:  # fmt: skip
    """The first ``limit`` rows of the board (all for ``None``) and the row of ``profile_id``
    (wherever it ranks). Everyone is ranked, but rows (names, badges) are made only for what
    is shown: with 20,000 volunteers that is most of the time saved."""
    pool = VolunteerProfile.objects.filter(status=VolunteerProfile.Status.ACTIVE)
    area_scope = access.area_q(actor, "person__area")
    if area_scope:
        pool = pool.filter(area_scope | Q(user_id=getattr(actor, "pk", None)))
    if team is not None:
        pool = pool.filter(teams__path__startswith=team.path).distinct()
    if area is not None:
        pool = pool.filter(person__area__path__startswith=area.path)
    people = pool.values_list("pk", "person_id", "person__given_name", "person__family_name")
    narrowed = team is not None or area is not None
    all_time, this_week = points.totals(
        period_start("week"), people=pool.values("person_id") if narrowed else None
    )
    scores = this_week if period == "week" else all_time
    entries = [
        (-round(scores.get(person_id, 0.0), 1), f"{given} {family[:1]}." if family else given,
         pk, person_id)
        for pk, person_id, given, family in people
    ]  # fmt: skip
    entries.sort()
    badges = [(b.threshold, b.label) for b in Badge.objects.order_by("-threshold")]
    rows: list[Row] = []
    me = None
    rank, previous = 0, None
    for i, (negative, name, pk, person_id) in enumerate(entries, start=1):
        if negative != previous:
            rank, previous = i, negative
        shown = limit is None or i <= limit
        if not shown and pk != profile_id:
            continue
        earned = all_time.get(person_id, 0.0)
        badge = next((label for threshold, label in badges if earned >= threshold), "")
        row = Row(pk, person_id, name, -negative or 0.0, rank, badge)
        if shown:
            rows.append(row)
        if pk == profile_id:
            me = row
    return rows, me


def leaderboard_areas(*, actor: Any) -> list:
    """Areas to rank by: those of the teams the actor may see (constituencies, booths …)."""
    from grassroots.geography.models import Area

    ids = Team.objects.visible_to(actor).exclude(area=None).values("area_id")
    return list(Area.objects.filter(pk__in=ids).order_by("path")[:200])


def my_rank(actor: Any, period: str = "all") -> Row | None:
    profile = my_profile(actor)
    if profile is None:
        return None
    return leaderboard_page(actor=actor, period=period, limit=0, profile_id=profile.pk)[1]


# --- tiles and panel ----------------------------------------------------------------------------


def dashboard_tiles(request) -> list[Tile]:
    actor = request.user
    if not access.can(actor, "volunteers.view"):
        return []
    from django.urls import reverse

    visible = profile_visible_to(actor)
    active = visible.filter(status=VolunteerProfile.Status.ACTIVE).count()
    today = timezone.localdate()
    hours = (
        HoursEntry.objects.visible_to(actor)
        .filter(status="approved", date__gte=today.replace(day=1), date__lte=today)
        .aggregate(h=Sum("hours"))["h"]
        or 0
    )
    return [
        Tile(_("Active volunteers"), active, url=reverse("volunteers:volunteer_list"), order=60),
        Tile(
            _("Volunteer hours this month"),
            f"{float(hours):g}",
            hint=_("approved"),
            url=reverse("volunteers:hours_list"),
            order=61,
        ),
    ]


def person_panel(request, person) -> dict | None:
    actor = request.user
    profile = (
        profile_visible_to(actor)
        .filter(person=person)
        .select_related("recruited_by", "user")
        .prefetch_related("skills", "teams", "preferred_areas")
        .first()
    )
    if profile is None:
        if not access.can(actor, "volunteers.manage"):
            return None
        return {"person": person, "profile": None}
    totals = profile.hours.filter(status="approved").aggregate(h=Sum("hours"))["h"] or 0
    return {
        "person": person,
        "profile": profile,
        "hours": totals,
        "open_tasks": profile.assignments.filter(status="assigned").count(),
        "onboarding": onboarding_for(profile),
    }


def timeline_entries(person, limit: int) -> list:
    """Tasks completed and hours approved on the person's timeline."""
    from grassroots.people.selectors import TimelineEntry

    out = []
    for a in (
        TaskAssignment.objects.filter(volunteer__person=person, status="done")
        .select_related("task")
        .order_by("-completed_at")[:limit]
    ):
        out.append(TimelineEntry(a.completed_at, "volunteer", _("Task done: %(t)s") % {
            "t": a.task.title}, a.note, "", "", icon="✓"))  # fmt: skip
    for h in HoursEntry.objects.filter(volunteer__person=person, status="approved").order_by(
        "-decided_at"
    )[:limit]:
        when = h.decided_at or h.created_at
        out.append(TimelineEntry(when, "volunteer", _("%(h)s volunteer hours") % {"h": h.hours},
                                 h.description, "", h.get_source_display(), icon="⏱"))  # fmt: skip
    return out
