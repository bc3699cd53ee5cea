"""Volunteers: profiles on people, skills, teams, tasks, hours, points and staff records.

A volunteer *is* a ``people.Person`` with a ``VolunteerProfile``. Who sees what:

- holders of ``volunteers.view`` see the volunteers (and their tasks and hours) in their areas;
- everyone else sees their own profile, tasks and hours (the profile's linked ``user``), plus
  those of the members of the teams they lead, nested teams included (``VolunteerScope``);
- staff records are behind ``volunteers.staff`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grassroots.core import access
from grassroots.core.i18n import localized
from grassroots.core.models import TimeStampedModel

VIEW_CAPABILITY = "volunteers.view"

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PARTS = ["morning", "afternoon", "evening"]


def weekday_labels() -> list[tuple[str, Any]]:
    return [
        ("mon", _("Monday")),
        ("tue", _("Tuesday")),
        ("wed", _("Wednesday")),
        ("thu", _("Thursday")),
        ("fri", _("Friday")),
        ("sat", _("Saturday")),
        ("sun", _("Sunday")),
    ]


def part_labels() -> list[tuple[str, Any]]:
    return [
        ("morning", pgettext_lazy("part of day", "Morning")),
        ("afternoon", pgettext_lazy("part of day", "Afternoon")),
        ("evening", pgettext_lazy("part of day", "Evening")),
    ]


def names_field() -> models.JSONField:
    """A reference row's name in other languages (``core.i18n``), edited in the admin."""
    return models.JSONField(
        _("name in other languages"),
        default=dict,
        blank=True,
        help_text=_('Language code → name, e.g. {"hi": "प्रचार", "bn": "প্রচার"}.'),
    )


class LocalizedName:
    """``label``: the name in the language of the request (``names``), else as entered."""

    name: str
    names: dict

    @property
    def label(self) -> str:
        return localized(self.name, self.names)

    def __str__(self) -> str:
        return self.label


def slot_choices() -> list[str]:
    """Availability slots: ``"mon-morning"`` … ``"sun-evening"`` (weekday × part of day)."""
    return [f"{d}-{p}" for d in WEEKDAYS for p in PARTS]


def reachable_people(actor: Any) -> models.QuerySet:
    """Person ids of the actor's own volunteer profile and of the members of every team the
    actor leads (and the teams nested below them): a subquery."""
    led = list(
        Team.objects.filter(leaders__volunteer_profile__user_id=actor.pk).values_list(
            "path", flat=True
        )
    )
    q = Q(user_id=actor.pk)
    for path in led:
        q |= Q(teams__path__startswith=path)
    return VolunteerProfile.objects.filter(q).values("person_id")


@dataclass(frozen=True)
class VolunteerScope(access.Scope):
    """Holders of ``volunteers.view`` see rows in their areas (``area``); anyone sees their own
    rows and those of the teams they lead (``people``: a lookup taking a subquery of person ids;
    ``assigned``: the row is a task, reached through its assignments). ``owner``: the user who
    made the row always sees it."""

    area: str
    people: str = ""
    assigned: bool = False
    owner: str | None = None

    def q(self, actor: Any, action: str) -> Q:
        if access.is_system(actor):
            return Q()
        if not access.is_user(actor):
            return access.NOTHING
        out = access.NOTHING
        if access.can(actor, VIEW_CAPABILITY):
            area = access.area_q(actor, self.area)
            if not area:
                return Q()
            out = area
        ids = reachable_people(actor)
        if self.assigned:
            mine = Q(
                pk__in=TaskAssignment.objects.filter(volunteer__person_id__in=ids).values("task_id")
            )
        else:
            mine = Q(**{f"{self.people}__in": ids})
        if self.owner:
            mine |= Q(**{self.owner: actor.pk})
        return mine if out is access.NOTHING else (out | mine)


class Skill(LocalizedName, models.Model):
    """A skill or a language a volunteer offers (data: admins add more)."""

    class Kind(models.TextChoices):
        SKILL = "skill", _("Skill")
        LANGUAGE = "language", _("Language")

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    names = names_field()
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SKILL)

    access_scope = access.Shared()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.label


class OnboardingStep(LocalizedName, models.Model):
    """A step of the onboarding checklist ("code of conduct signed", "trained for canvassing")."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    names = names_field()
    order = models.PositiveSmallIntegerField(default=100)

    access_scope = access.Shared()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.label


class Team(TimeStampedModel):
    """A team, nested (a constituency team → booth committees), with leaders. ``path`` is the
    chain of ids from the root ("3/7/"), so a leader's view reaches every team below."""

    name = models.CharField(_("name"), max_length=150)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("part of"),
    )  # fmt: skip
    path = models.CharField(max_length=500, editable=False, default="", db_index=True)
    area = models.ForeignKey(
        "geography.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("area"),
    )  # fmt: skip
    leaders = models.ManyToManyField(
        "people.Person", blank=True, related_name="led_teams", verbose_name=_("leaders")
    )

    # teams in one's areas (and below); a campaign-wide team (no area) is read by everyone
    access_scope = access.ByArea("area", unassigned_readable=True)
    objects = access.ScopedManager()

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 1, 0)


class VolunteerProfile(TimeStampedModel):
    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACTIVE = "active", pgettext_lazy("volunteer status", "Active")
        INACTIVE = "inactive", pgettext_lazy("volunteer status", "Inactive")

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="volunteer_profile"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROSPECT
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="volunteers")
    availability = models.JSONField(
        _("availability"), default=list, blank=True,
        help_text=_("Weekday and part of day slots, e.g. “sat-morning”."),
    )  # fmt: skip
    interests = models.TextField(_("interests"), blank=True, default="")
    preferred_areas = models.ManyToManyField(
        "geography.Area", blank=True, related_name="+", verbose_name=_("preferred areas")
    )
    emergency_name = models.CharField(_("emergency contact"), max_length=150, blank=True)
    emergency_phone = models.CharField(_("emergency phone"), max_length=30, blank=True)
    recruited_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="recruits",
        verbose_name=_("recruited by"),
    )  # fmt: skip
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="volunteer_profile",
    )  # fmt: skip
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    source = models.CharField(_("source"), max_length=50, blank=True, default="")

    access_scope = VolunteerScope(area="person__area", people="person_id")
    objects = access.ScopedManager()

    class Meta:
        indexes = [models.Index(fields=["status"], name="vol_profile_status_idx")]

    def __str__(self) -> str:
        return str(self.person)


class OnboardingCompletion(models.Model):
    profile = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="onboarding"
    )
    step = models.ForeignKey(OnboardingStep, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(default=timezone.now)

    access_scope = access.Via("profile")
    objects = access.ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "step"], name="vol_onboarding_once")
        ]

    def __str__(self) -> str:
        return f"{self.profile_id}: {self.step_id}"


class Task(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("task status", "Open")
        DONE = "done", pgettext_lazy("task status", "Done")
        CANCELLED = "cancelled", pgettext_lazy("task status", "Cancelled")

    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True, default="")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    area = models.ForeignKey(
        "geography.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("area"),
    )  # fmt: skip
    skills = models.ManyToManyField(
        Skill, blank=True, related_name="tasks", verbose_name=_("skills needed")
    )
    slots = models.PositiveSmallIntegerField(_("people needed"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    access_scope = VolunteerScope(area="area", assigned=True, owner="created_by")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["status", "due_date", "-id"]

    def __str__(self) -> str:
        return self.title


class TaskAssignment(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        DONE = "done", pgettext_lazy("task status", "Done")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    volunteer = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="assignments"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASSIGNED)
    assigned_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True, default="")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    access_scope = VolunteerScope(area="task__area", people="volunteer__person_id")
    objects = access.ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "volunteer"], name="vol_assignment_once")
        ]
        indexes = [
            models.Index(fields=["volunteer", "status"], name="vol_assign_status_idx"),
            models.Index(fields=["status", "completed_at"], name="vol_assign_done_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.volunteer_id}"


class HoursEntry(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Source(models.TextChoices):
        LOGGED = "logged", _("Logged")
        SHIFT = "shift", _("Shift attended")

    volunteer = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="hours")
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    description = models.CharField(_("what was done"), max_length=300, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LOGGED)
    # the events app's registration an attended shift came from (one entry per registration)
    registration_id = models.BigIntegerField(null=True, blank=True, unique=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)

    access_scope = VolunteerScope(area="volunteer__person__area", people="volunteer__person_id")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["status", "date"], name="vol_hours_status_idx"),
            # the leaderboards' points of this week: approved hours and attended shifts since
            models.Index(fields=["status", "decided_at"], name="vol_hours_decided_idx"),
            models.Index(fields=["source", "status", "created_at"], name="vol_hours_shift_idx"),
        ]


class PointRule(models.Model):
    """How many points one unit of a point source is worth (data; sources are registered in
    ``volunteers.points``)."""

    source = models.CharField(max_length=50, unique=True)
    points = models.DecimalField(_("points per unit"), max_digits=7, decimal_places=2)

    access_scope = access.Shared()
    objects = access.ScopedManager()

    def __str__(self) -> str:
        return f"{self.source}: {self.points}"


class PointSnapshot(models.Model):
    """Everyone's all-time points up to ``as_of`` (the start of the current week), under the
    point rules ``rules`` (a fingerprint): the leaderboards add the live points since ``as_of``
    (a short, indexed range) instead of summing every record ever on every request. Rebuilt
    when the week turns, when a rule changes, or after ``points.invalidate()``."""

    as_of = models.DateTimeField()
    rules = models.CharField(max_length=500)
    built_at = models.DateTimeField(default=timezone.now)

    access_scope = access.Campaign("volunteers.manage")
    objects = access.ScopedManager()

    def __str__(self) -> str:
        return f"points before {self.as_of:%Y-%m-%d}"


class PointTotal(models.Model):
    snapshot = models.ForeignKey(PointSnapshot, on_delete=models.CASCADE, related_name="totals")
    person_id = models.BigIntegerField()
    points = models.FloatField()

    access_scope = access.Campaign("volunteers.manage")
    objects = access.ScopedManager()

    def __str__(self) -> str:
        return f"{self.person_id}: {self.points:g}"


class Badge(LocalizedName, models.Model):
    """Recognition at a threshold of all-time points (data)."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    names = names_field()
    threshold = models.PositiveIntegerField(_("points needed"))

    access_scope = access.Shared()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["threshold"]

    def __str__(self) -> str:
        return self.label


STAFF = "volunteers.staff"


class StaffRecord(TimeStampedModel):
    """HR-lite: a staff member is a person with a role title, dates, pay type and a manager."""

    class PayType(models.TextChoices):
        UNPAID = "unpaid", _("Unpaid")
        STIPEND = "stipend", _("Stipend")
        SALARIED = "salaried", _("Salaried")
        HOURLY = "hourly", _("Hourly")
        CONTRACTOR = "contractor", _("Contractor")

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="staff_record"
    )
    role_title = models.CharField(_("role title"), max_length=150)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    pay_type = models.CharField(_("pay type"), max_length=12, choices=PayType.choices)
    manager = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports",
        verbose_name=_("manager"),
    )  # fmt: skip
    notes = models.TextField(_("notes"), blank=True, default="")

    access_scope = access.Campaign(STAFF)
    objects = access.ScopedManager()

    class Meta:
        ordering = ["role_title"]

    def __str__(self) -> str:
        return f"{self.person} — {self.role_title}"


class StaffDocument(models.Model):
    record = models.ForeignKey(StaffRecord, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to="staff/%Y/")
    uploaded_at = models.DateTimeField(default=timezone.now)

    access_scope = access.Via("record")
    objects = access.ScopedManager()

    def __str__(self) -> str:
        return self.title
