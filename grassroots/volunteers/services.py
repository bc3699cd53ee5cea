"""Writes for volunteers: profiles, the public sign-up, onboarding, teams, tasks, hours, logins
and staff records. Each authorizes → validates → writes → audits → publishes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import access, audit, events
from grassroots.core.exceptions import Conflict, Forbidden, Invalid, NotFound
from grassroots.core.phones import normalize_email, normalize_phone
from grassroots.people import services as people_services
from grassroots.people.models import ContactPoint, Person
from grassroots.volunteers import points, selectors
from grassroots.volunteers.models import (
    STAFF,
    HoursEntry,
    OnboardingCompletion,
    OnboardingStep,
    Skill,
    StaffDocument,
    StaffRecord,
    Task,
    TaskAssignment,
    Team,
    VolunteerProfile,
    slot_choices,
)

MANAGE = "volunteers.manage"
SELF = "volunteers.self"
MAX_HOURS_PER_ENTRY = Decimal("24")
PROFILE_FIELDS = ("status", "interests", "emergency_name", "emergency_phone", "source")


def reference_data_ensure() -> None:
    """The skills, onboarding steps, point rules and badges the app starts with exist (a flushed
    test database): the data migrations' own ``seed`` and ``fill`` (names in other languages), run
    again (they only add what is missing)."""
    from importlib import import_module

    from django.apps import apps

    import_module("grassroots.volunteers.migrations.0002_seed_reference_data").seed(apps, None)
    import_module("grassroots.volunteers.migrations.0004_translate_reference_names").fill(apps)


def _clean_availability(slots: Iterable[str] | None) -> list[str]:
    slots = [str(s).strip() for s in (slots or []) if str(s).strip()]
    allowed = set(slot_choices())
    bad = [s for s in slots if s not in allowed]
    if bad:
        raise Invalid({"availability": _("Unknown availability “%(s)s”.") % {"s": bad[0]}})
    return sorted(set(slots), key=slot_choices().index)


def _clean_status(status: str) -> str:
    if status not in VolunteerProfile.Status.values:
        raise Invalid({"status": _("Unknown status.")})
    return status


def _is_own(actor: Any, profile: VolunteerProfile) -> bool:
    return access.is_user(actor) and profile.user_id == actor.pk


# --- profiles ----------------------------------------------------------------------------------


@transaction.atomic
def profile_create(
    *,
    actor: Any,
    person: Person,
    status: str = VolunteerProfile.Status.PROSPECT,
    skills: Iterable[Skill] = (),
    availability: Iterable[str] = (),
    interests: str = "",
    preferred_areas: Iterable[Any] = (),
    emergency_name: str = "",
    emergency_phone: str = "",
    recruited_by: Person | None = None,
    teams: Iterable[Team] = (),
    source: str = "",
) -> VolunteerProfile:
    """Make a person a volunteer (an organiser adds them; the public form goes through
    ``volunteer_signup_public``)."""
    access.require_object(actor, MANAGE, person)
    if VolunteerProfile.objects.filter(person=person).exists():
        raise Conflict(_("This person is already a volunteer."))
    profile = VolunteerProfile(
        person=person,
        status=_clean_status(status),
        availability=_clean_availability(availability),
        interests=interests[:5000],
        emergency_name=emergency_name[:150],
        emergency_phone=emergency_phone[:30],
        recruited_by=recruited_by,
        source=source[:50],
    )
    profile.save()
    profile.skills.set(list(skills))
    profile.preferred_areas.set(list(preferred_areas))
    profile.teams.set(list(teams))
    audit.record(actor=actor, action="volunteer.created", obj=profile)
    events.publish(
        "volunteer.signed_up", {"profile_id": profile.pk, "person_id": person.pk, "via": "staff"}
    )
    return profile


@transaction.atomic
def profile_update(
    *, actor: Any, profile: VolunteerProfile, data: dict[str, Any]
) -> VolunteerProfile:
    """``data`` may hold the plain fields, ``availability``, ``skills``, ``preferred_areas``,
    ``teams`` and ``recruited_by``."""
    access.require_object(actor, MANAGE, profile)
    profile = VolunteerProfile.objects.select_for_update().get(pk=profile.pk)
    old_status = profile.status
    if "status" in data:
        _clean_status(data["status"])
    recruiter = data.get("recruited_by")
    if recruiter is not None and recruiter.pk == profile.person_id:
        raise Invalid({"recruited_by": _("A volunteer cannot recruit themselves.")})
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(profile, name, data[name] or "")
    if "availability" in data:
        profile.availability = _clean_availability(data["availability"])
    if "recruited_by" in data:
        profile.recruited_by = data["recruited_by"]
    profile.full_clean(exclude=["person", "user"])
    profile.save()
    for m2m in ("skills", "preferred_areas", "teams"):
        if m2m in data:
            getattr(profile, m2m).set(list(data[m2m]))
    if profile.status != old_status:
        audit.record(
            actor=actor, action="volunteer.status_changed", obj=profile,
            detail={"from": old_status, "to": profile.status},
        )  # fmt: skip
        events.publish(
            "volunteer.status_changed",
            {"profile_id": profile.pk, "person_id": profile.person_id, "status": profile.status},
        )
    return profile


def _find_person(email: str, phone: str) -> Person | None:
    values = [v for v in (email, phone) if v]
    if not values:
        return None
    cp = (
        ContactPoint.objects.filter(value__in=values)
        .order_by("person__created_at", "person_id")
        .select_related("person")
        .first()
    )
    return cp.person if cp is not None else None


@transaction.atomic
def volunteer_signup_public(
    *,
    given_name: str,
    family_name: str = "",
    email: str = "",
    phone: str = "",
    skills: Iterable[Skill] = (),
    availability: Iterable[str] = (),
    interests: str = "",
    area: Any = None,
    consents: Iterable[tuple[str, str]] = (),
    region: str | None = None,
) -> VolunteerProfile:
    """The public form (no login): the person is matched by email or phone — or made — and
    becomes a prospect volunteer; a repeated sign-up updates the same profile, never a second
    person. ``consents``: (channel, the exact wording shown) the visitor ticked."""
    given_name = (given_name or "").strip()
    errors: dict[str, str] = {}
    if not given_name:
        errors["given_name"] = _("Please give your name.")
    norm_email = norm_phone = ""
    try:
        norm_email = normalize_email(email) if email.strip() else ""
    except Exception:  # noqa: BLE001 - any unreadable address is the visitor's typo
        errors["email"] = _("Enter a valid email address.")
    try:
        norm_phone = normalize_phone(phone, region)[0] if phone.strip() else ""
    except Exception:  # noqa: BLE001
        errors["phone"] = _("Enter a valid phone number.")
    if not errors and not (norm_email or norm_phone):
        errors["email"] = _("Give an email address or a phone number so we can reach you.")
    try:
        slots = _clean_availability(availability)
    except Invalid as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise Invalid(errors)
    person = _find_person(norm_email, norm_phone)
    if person is None:
        person = people_services.person_create(
            actor=access.SYSTEM,
            data={"given_name": given_name, "family_name": family_name.strip(), "area": area,
                  "source": "volunteer form"},
            emails=[norm_email] if norm_email else [],
            phones=[norm_phone] if norm_phone else [],
            via="volunteer_form",
        )  # fmt: skip
    else:
        for channel, value in (("email", norm_email), ("phone", norm_phone)):
            if value:
                people_services.contact_point_add(
                    actor=access.SYSTEM, person=person, channel=channel, value=value,
                    source="volunteer form",
                )  # fmt: skip
    profile, created = VolunteerProfile.objects.get_or_create(
        person=person, defaults={"source": "public form"}
    )
    profile.availability = sorted(set(profile.availability) | set(slots), key=slot_choices().index)
    if interests.strip():
        profile.interests = interests.strip()[:5000]
    profile.save()
    profile.skills.add(*list(skills))
    if area is not None:
        profile.preferred_areas.add(area)
    for channel, wording in consents:
        people_services.consent_record(
            actor=access.SYSTEM, person=person, channel=channel, purpose="volunteering",
            status="granted", source="volunteer form", wording=wording,
        )  # fmt: skip
    if created:
        events.publish(
            "volunteer.signed_up",
            {"profile_id": profile.pk, "person_id": person.pk, "via": "public_form"},
        )
    return profile


@transaction.atomic
def onboarding_step_set(
    *, actor: Any, profile: VolunteerProfile, step: OnboardingStep, done: bool
) -> bool:
    access.require_object(actor, MANAGE, profile)
    if done:
        _obj, created = OnboardingCompletion.objects.get_or_create(profile=profile, step=step)
        changed = created
    else:
        changed = bool(OnboardingCompletion.objects.filter(profile=profile, step=step).delete()[0])
    if changed:
        audit.record(
            actor=actor, action="volunteer.onboarding", obj=profile,
            detail={"step": step.code, "done": done},
        )  # fmt: skip
    return changed


@transaction.atomic
def volunteer_invite(
    *, actor: Any, profile: VolunteerProfile, username: str, email: str, role: Any,
    areas: Iterable[Any] = (),
):  # fmt: skip
    """Create a login for a volunteer with a role and a scope in one step (``accounts``
    ``user_create``; the volunteer sets a password through the reset link) and link it."""
    access.require_object(actor, MANAGE, profile)
    if profile.user_id:
        raise Conflict(_("This volunteer already has a login."))
    from grassroots.accounts import services as account_services

    areas = list(areas) or ([profile.person.area] if profile.person.area_id else [])
    user = account_services.user_create(
        actor=actor,
        username=username.strip(),
        password=None,
        email=email.strip(),
        first_name=profile.person.given_name[:150],
        last_name=profile.person.family_name[:150],
        roles=[role],
        scope_areas=areas,
    )
    profile.user = user
    profile.save(update_fields=["user", "updated_at"])
    audit.record(actor=actor, action="volunteer.login_linked", obj=profile,
                 detail={"username": user.username})  # fmt: skip
    return user


# --- teams -------------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *, actor: Any, name: str, parent: Team | None = None, area: Any = None,
    leaders: Iterable[Person] = (),
) -> Team:  # fmt: skip
    access.require(actor, MANAGE)
    if not name.strip():
        raise Invalid({"name": _("A team needs a name.")})
    if parent is not None:
        access.require_object(actor, MANAGE, parent)
    if area is not None and not access.is_visible(area, actor):
        raise Invalid({"area": _("Unknown area.")})
    team = Team.objects.create(name=name.strip()[:150], parent=parent, area=area)
    team.path = f"{parent.path if parent else ''}{team.pk}/"
    team.save(update_fields=["path"])
    team.leaders.set(list(leaders))
    audit.record(actor=actor, action="team.created", obj=team)
    return team


@transaction.atomic
def team_members_add(*, actor: Any, team: Team, profiles: Iterable[VolunteerProfile]) -> int:
    access.require_object(actor, MANAGE, team)
    added = 0
    for profile in profiles:
        access.require_object(actor, MANAGE, profile)
        if not profile.teams.filter(pk=team.pk).exists():
            profile.teams.add(team)
            added += 1
    return added


@transaction.atomic
def team_leaders_set(*, actor: Any, team: Team, leaders: Iterable[Person]) -> Team:
    access.require_object(actor, MANAGE, team)
    team.leaders.set(list(leaders))
    audit.record(actor=actor, action="team.leaders_set", obj=team,
                 detail={"leaders": sorted(p.pk for p in team.leaders.all())})  # fmt: skip
    return team


_UNSET: Any = object()


@transaction.atomic
def team_update(
    *, actor: Any, team: Team, name: str | None = None, parent: Team | None = _UNSET,
    area: Any = _UNSET,
) -> Team:  # fmt: skip
    """Rename a team, move it under another (``parent=None``: to the top) or change its area.
    A team cannot become part of itself or of a team below it; moving it moves the teams
    below it too (their ``path`` follows)."""
    access.require_object(actor, MANAGE, team)
    team = Team.objects.select_for_update().get(pk=team.pk)
    errors = {}
    if name is not None and not name.strip():
        errors["name"] = _("A team needs a name.")
    if parent is not _UNSET and parent is not None:
        access.require_object(actor, MANAGE, parent)
        if parent.pk == team.pk or parent.path.startswith(team.path):
            errors["parent"] = _(
                "A team cannot be part of itself or of a team below it (“%(t)s” is below "
                "“%(team)s”)."
            ) % {"t": parent.name, "team": team.name}
    if area is not _UNSET and area is not None and not access.is_visible(area, actor):
        errors["area"] = _("Unknown area.")
    if errors:
        raise Invalid(errors)
    changed = []
    if name is not None and name.strip()[:150] != team.name:
        team.name = name.strip()[:150]
        changed.append("name")
    if area is not _UNSET and area != team.area:
        team.area = area
        changed.append("area")
    if parent is not _UNSET and (parent.pk if parent else None) != team.parent_id:
        old = team.path
        team.parent = parent
        team.path = f"{parent.path if parent else ''}{team.pk}/"
        changed += ["parent", "path"]
        for below in Team.objects.filter(path__startswith=old).exclude(pk=team.pk):
            below.path = team.path + below.path[len(old) :]
            below.save(update_fields=["path"])
    if changed:
        team.save(update_fields=[*changed, "updated_at"])
        audit.record(actor=actor, action="team.updated", obj=team,
                     detail={"fields": [f for f in changed if f != "path"]})  # fmt: skip
    return team


@transaction.atomic
def team_delete(*, actor: Any, team: Team) -> None:
    """Delete a team with no teams below it (move or delete those first). Its members keep
    their volunteer profiles; only their membership of this team goes."""
    access.require_object(actor, MANAGE, team)
    children = list(Team.objects.filter(parent_id=team.pk).values_list("name", flat=True)[:5])
    if children:
        raise Conflict(
            _("“%(team)s” has teams under it (%(names)s): move or delete them first.")
            % {"team": team.name, "names": ", ".join(children)}
        )
    audit.record(actor=actor, action="team.deleted", obj=team,
                 detail={"name": team.name, "members": team.members.count()})  # fmt: skip
    team.delete()


# --- tasks -------------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *, actor: Any, title: str, instructions: str = "", due_date: dt.date | None = None,
    area: Any = None, skills: Iterable[Skill] = (), slots: int = 1,
) -> Task:  # fmt: skip
    access.require(actor, MANAGE)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("A task needs a title.")
    if not 1 <= int(slots or 0) <= 500:
        errors["slots"] = _("Between 1 and 500 people.")
    if area is not None and not access.is_visible(area, actor):
        errors["area"] = _("Unknown area.")
    if errors:
        raise Invalid(errors)
    if area is None:
        from grassroots.geography.selectors import home_area

        area = home_area(actor)
    task = Task.objects.create(
        title=title.strip()[:200], instructions=instructions[:10000], due_date=due_date,
        area=area, slots=int(slots), created_by=access.user_or_none(actor),
    )  # fmt: skip
    task.skills.set(list(skills))
    audit.record(actor=actor, action="task.created", obj=task)
    return task


@transaction.atomic
def task_assign(
    *, actor: Any, task: Task, profiles: Iterable[VolunteerProfile]
) -> list[TaskAssignment]:
    """Assign volunteers (those already on it are skipped). Only open tasks take people."""
    access.require_object(actor, MANAGE, task)
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != Task.Status.OPEN:
        raise Conflict(_("Only an open task can be assigned."))
    made = []
    for profile in profiles:
        if not access.is_visible(profile, actor):
            raise NotFound
        if profile.status == VolunteerProfile.Status.INACTIVE:
            raise Conflict(_("%(name)s is inactive.") % {"name": profile.person})
        try:
            with transaction.atomic():
                a = TaskAssignment.objects.create(
                    task=task, volunteer=profile, assigned_by=access.user_or_none(actor)
                )
        except IntegrityError:
            continue
        made.append(a)
        events.publish(
            "task.assigned",
            {"task_id": task.pk, "assignment_id": a.pk, "person_id": profile.person_id},
        )
    if made:
        audit.record(actor=actor, action="task.assigned", obj=task,
                     detail={"volunteers": [a.volunteer_id for a in made]})  # fmt: skip
    return made


def task_assign_best(*, actor: Any, task: Task, n: int) -> list[TaskAssignment]:
    """Assign the ``n`` best suggested volunteers in one action."""
    access.require_object(actor, MANAGE, task)
    if not 1 <= int(n) <= 100:
        raise Invalid({"n": _("Between 1 and 100 people.")})
    best = selectors.task_suggestions(actor=actor, task=task, limit=int(n))
    return task_assign(actor=actor, task=task, profiles=[s.profile for s in best])


@transaction.atomic
def assignment_complete(
    *, actor: Any, assignment: TaskAssignment, note: str = ""
) -> TaskAssignment:
    """The volunteer (their own task, ``volunteers.self``) or an organiser marks it done; the
    task is done when every assignee is."""
    profile = assignment.volunteer
    if _is_own(actor, profile):
        access.require(actor, SELF)
    else:
        access.require_object(actor, MANAGE, assignment)
    assignment = TaskAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status == TaskAssignment.Status.DONE:
        return assignment
    if assignment.task.status == Task.Status.CANCELLED:
        raise Conflict(_("This task was cancelled."))
    assignment.status = TaskAssignment.Status.DONE
    assignment.completed_at = timezone.now()
    assignment.note = note[:2000]
    assignment.save(update_fields=["status", "completed_at", "note"])
    task = assignment.task
    if not task.assignments.exclude(status=TaskAssignment.Status.DONE).exists():
        Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE)
    audit.record(actor=actor, action="task.completed", obj=task)
    events.publish(
        "task.completed",
        {"task_id": task.pk, "assignment_id": assignment.pk, "person_id": profile.person_id},
    )
    return assignment


_KEEP: Any = object()


@transaction.atomic
def task_update(
    *, actor: Any, task: Task, title: str | None = None, instructions: str | None = None,
    due_date: dt.date | None = _KEEP, area: Any = _KEEP, skills: Iterable[Skill] | None = None,
    slots: int | None = None,
) -> Task:  # fmt: skip
    """Edit an open task: what is passed changes, the rest stays (``due_date=None`` clears
    the date). A due date cannot be moved into the past (an unchanged old one may stay)."""
    access.require_object(actor, MANAGE, task)
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != Task.Status.OPEN:
        raise Conflict(_("Only an open task can be edited."))
    errors = {}
    if title is not None and not title.strip():
        errors["title"] = _("A task needs a title.")
    if slots is not None and not 1 <= int(slots or 0) <= 500:
        errors["slots"] = _("Between 1 and 500 people.")
    moved = due_date is not _KEEP and due_date is not None and due_date != task.due_date
    if moved and due_date < timezone.localdate():
        errors["due_date"] = _("The due date is in the past.")
    if area is not _KEEP and area is not None and not access.is_visible(area, actor):
        errors["area"] = _("Unknown area.")
    if errors:
        raise Invalid(errors)
    changed = []
    if title is not None and title.strip()[:200] != task.title:
        task.title = title.strip()[:200]
        changed.append("title")
    if instructions is not None and instructions[:10000] != task.instructions:
        task.instructions = instructions[:10000]
        changed.append("instructions")
    if due_date is not _KEEP and due_date != task.due_date:
        task.due_date = due_date
        changed.append("due_date")
    if area is not _KEEP and area is not None and area.pk != task.area_id:
        task.area = area
        changed.append("area")
    if slots is not None and int(slots) != task.slots:
        task.slots = int(slots)
        changed.append("slots")
    if changed:
        task.save(update_fields=[*changed, "updated_at"])
    if skills is not None:
        wanted = {s.pk for s in skills}
        if wanted != set(task.skills.values_list("pk", flat=True)):
            task.skills.set(list(wanted))
            changed.append("skills")
    if changed:
        audit.record(actor=actor, action="task.updated", obj=task, detail={"fields": changed})
    return task


@transaction.atomic
def task_cancel(*, actor: Any, task: Task) -> Task:
    access.require_object(actor, MANAGE, task)
    if task.status == Task.Status.DONE:
        raise Conflict(_("This task is already done."))
    task.status = Task.Status.CANCELLED
    task.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="task.cancelled", obj=task)
    return task


# --- hours -------------------------------------------------------------------------------------


def _clean_hours(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise Invalid({"hours": _("A number of hours is needed.")}) from None
    if not value.is_finite() or value <= 0 or value > MAX_HOURS_PER_ENTRY:
        raise Invalid({"hours": _("Between 0.25 and 24 hours.")})
    return value


@transaction.atomic
def hours_log(
    *, actor: Any, profile: VolunteerProfile, date: dt.date, hours: Any, description: str = ""
) -> HoursEntry:
    """A volunteer logs their own hours (``volunteers.self``), or an organiser or host logs a
    volunteer's; either way an organiser approves them."""
    if _is_own(actor, profile):
        access.require(actor, SELF)
    else:
        access.require_object(actor, MANAGE, profile)
    value = _clean_hours(hours)
    if date is None or date > timezone.localdate():
        raise Invalid({"date": _("Hours cannot be logged for a future day.")})
    entry = HoursEntry.objects.create(
        volunteer=profile, date=date, hours=value, description=description[:300],
        logged_by=access.user_or_none(actor),
    )  # fmt: skip
    audit.record(actor=actor, action="hours.logged", obj=entry, detail={"hours": str(value)})
    return entry


def _is_event_host(actor: Any, event: Any, host_person_id: int | None) -> bool:
    """``host_person_id``: the host a signed host link names (the link was checked by the events
    app); otherwise the signed-in actor's own person, through their volunteer profile."""
    if host_person_id is None:
        mine = selectors.my_profile(actor)
        host_person_id = mine.person_id if mine else None
    return host_person_id is not None and event.hosts.filter(pk=host_person_id).exists()


@transaction.atomic
def hours_log_for_attendee(
    *, actor: Any, registration: Any, date: dt.date | None = None, hours: Any,
    description: str = "", host_person_id: int | None = None,
) -> HoursEntry:  # fmt: skip
    """A host of an event (or an organiser who manages volunteers) logs hours for someone signed
    up to it, from the check-in screen. The entry waits for an organiser's approval like any
    logged hours; the attendee gets a volunteer profile (a prospect) if they had none."""
    event = registration.event
    if not _is_event_host(actor, event, host_person_id):
        access.require(actor, MANAGE)
        person = registration.person
        if person is None or not access.is_visible(person, actor):
            raise NotFound
    if registration.status != "confirmed" or registration.person_id is None:
        raise Conflict(_("Only people with a confirmed place can have hours logged."))
    value = _clean_hours(hours)
    if date is None:
        date = timezone.localtime(event.starts_at).date()
    if date > timezone.localdate():
        raise Invalid({"date": _("Hours cannot be logged for a future day.")})
    profile, created = VolunteerProfile.objects.get_or_create(
        person_id=registration.person_id, defaults={"source": "shift"}
    )
    entry = HoursEntry.objects.create(
        volunteer=profile, date=date, hours=value,
        description=(description or event.title)[:300], logged_by=access.user_or_none(actor),
    )  # fmt: skip
    audit.record(
        actor=actor, action="hours.logged", obj=entry,
        detail={"hours": str(value), "event_id": event.pk, "registration_id": registration.pk,
                "host_person_id": host_person_id},
    )  # fmt: skip
    if created:
        events.publish(
            "volunteer.signed_up",
            {"profile_id": profile.pk, "person_id": registration.person_id, "via": "shift"},
        )
    return entry


@transaction.atomic
def hours_decide(*, actor: Any, entry: HoursEntry, approve: bool) -> HoursEntry:
    """An organiser approves or rejects logged hours (not their own)."""
    access.require_object(actor, MANAGE, entry)
    entry = HoursEntry.objects.select_for_update().select_related("volunteer").get(pk=entry.pk)
    if _is_own(actor, entry.volunteer):
        raise Forbidden(_("Someone else approves your own hours."))
    if entry.status != HoursEntry.Status.PENDING:
        raise Conflict(_("These hours have already been decided."))
    entry.status = HoursEntry.Status.APPROVED if approve else HoursEntry.Status.REJECTED
    entry.decided_by = access.user_or_none(actor)
    entry.decided_at = timezone.now()
    entry.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit.record(actor=actor, action=f"hours.{entry.status}", obj=entry)
    if approve:
        events.publish(
            "hours.approved",
            {"hours_id": entry.pk, "person_id": entry.volunteer.person_id,
             "hours": str(entry.hours)},
        )  # fmt: skip
    return entry


ATTENDANCE_SUBSCRIBER_KEY = "volunteers.hours_from_attendance"


def hours_from_attendance(event) -> HoursEntry | None:
    """Subscriber of ``attendance.recorded`` (key ``ATTENDANCE_SUBSCRIBER_KEY``): an attended
    shift becomes approved hours of the shift's length for the person's volunteer profile
    (made as a prospect if they had none: showing up is volunteering). Idempotent: one entry
    per registration (``registration_id`` is unique); a no-show afterwards removes it."""
    from django.apps import apps

    Registration = apps.get_model("events", "Registration")
    reg = (
        Registration.objects.filter(pk=event.payload.get("rsvp_id"))
        .select_related("shift", "person")
        .first()
    )
    if reg is None or reg.person_id is None:
        return None
    if reg.attendance != "attended":
        removed, _n = HoursEntry.objects.filter(
            registration_id=reg.pk, source=HoursEntry.Source.SHIFT
        ).delete()
        if removed:
            points.invalidate()  # those points may belong to a week already in the snapshot
        return None
    existing = HoursEntry.objects.filter(registration_id=reg.pk).first()
    if existing is not None:
        return existing
    shift = reg.shift
    seconds = (shift.ends_at - shift.starts_at).total_seconds()
    hours = max(min(Decimal(seconds) / Decimal(3600), MAX_HOURS_PER_ENTRY), Decimal("0"))
    with transaction.atomic():
        profile, created = VolunteerProfile.objects.get_or_create(
            person_id=reg.person_id, defaults={"source": "shift"}
        )
        try:
            with transaction.atomic():
                entry = HoursEntry.objects.create(
                    volunteer=profile,
                    date=timezone.localtime(shift.starts_at).date(),
                    hours=hours.quantize(Decimal("0.01")),
                    description=str(getattr(shift, "event", "") or "")[:300],
                    status=HoursEntry.Status.APPROVED,
                    source=HoursEntry.Source.SHIFT,
                    registration_id=reg.pk,
                    decided_at=timezone.now(),
                )
        except IntegrityError:  # a concurrent delivery made it
            return HoursEntry.objects.get(registration_id=reg.pk)
        if created:
            events.publish(
                "volunteer.signed_up",
                {"profile_id": profile.pk, "person_id": reg.person_id, "via": "shift"},
            )
        events.publish(
            "hours.approved",
            {"hours_id": entry.pk, "person_id": reg.person_id, "hours": str(entry.hours)},
        )
    return entry


# --- staff records -----------------------------------------------------------------------------


@transaction.atomic
def staff_record_save(
    *, actor: Any, person: Person, role_title: str, start_date: dt.date, pay_type: str,
    end_date: dt.date | None = None, manager: Person | None = None, notes: str = "",
) -> StaffRecord:  # fmt: skip
    access.require(actor, STAFF)
    errors = {}
    if not role_title.strip():
        errors["role_title"] = _("A role title is needed.")
    if pay_type not in StaffRecord.PayType.values:
        errors["pay_type"] = _("Unknown pay type.")
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = _("The end date is before the start date.")
    if manager is not None and manager.pk == person.pk:
        errors["manager"] = _("A person cannot manage themselves.")
    if errors:
        raise Invalid(errors)
    record, created = StaffRecord.objects.update_or_create(
        person=person,
        defaults={"role_title": role_title.strip()[:150], "start_date": start_date,
                  "end_date": end_date, "pay_type": pay_type, "manager": manager,
                  "notes": notes[:10000]},
    )  # fmt: skip
    audit.record(actor=actor, action="staff.created" if created else "staff.updated", obj=record)
    return record


MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


@transaction.atomic
def staff_document_add(*, actor: Any, record: StaffRecord, title: str, file) -> StaffDocument:
    access.require_object(actor, STAFF, record)
    if file is None:
        raise Invalid({"file": _("Choose a file.")})
    if file.size > MAX_DOCUMENT_BYTES:
        raise Invalid({"file": _("The file is larger than 10 MB.")})
    doc = StaffDocument.objects.create(
        record=record, title=(title.strip() or file.name)[:200], file=file
    )
    audit.record(actor=actor, action="staff.document_added", obj=record,
                 detail={"title": doc.title})  # fmt: skip
    return doc
