"""Canvass efforts, their doors and turfs, who holds a turf, and what happened at each door.

An **effort** (a.k.a. program) pairs a survey script with an audience (a segment or a list),
dates, areas and a target turf size. Building it freezes the audience into **doors** (one per
address — a multi-unit building is one door with ``units`` households — each with its
**targets**, the audience's people living there). Cutting groups the doors into **turfs**, each
in walk order (``Door.position``). A turf is **checked out** to a canvasser or a team for N days
(``Assignment``); two canvassers may hold one turf (co-canvassing).

A **visit** is one sync event from the canvassing app (or a screen): a knock at a door, with or
without a person, a result code, answers (recorded through ``surveys.services.responses_record``
with the visit's event id as the attempt key), GPS and device time. ``Visit.event_id`` is
unique: an event uploaded twice is stored once (ADR 0022). What cannot be applied is kept as a
``SyncRejection`` with the reason — nothing a canvasser typed is lost.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grassroots.core import access
from grassroots.core.models import TimeStampedModel


class Effort(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("effort status", "Draft")
        ACTIVE = "active", pgettext_lazy("effort status", "Active")
        CLOSED = "closed", pgettext_lazy("effort status", "Closed")

    class Measure(models.TextChoices):
        UNITS = "units", _("Households")
        DOORS = "doors", _("Doors")

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    script = models.ForeignKey(
        "surveys.Script", on_delete=models.PROTECT, related_name="+", verbose_name=_("script")
    )
    segment = models.ForeignKey(
        "lists.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("segment"),
    )  # fmt: skip
    person_list = models.ForeignKey(
        "lists.PersonList", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("list"),
    )  # fmt: skip
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    # Where the effort canvasses (booths, precincts, a constituency); empty = the audience as is.
    areas = models.ManyToManyField(
        "geography.Area", blank=True, related_name="+", verbose_name=_("areas")
    )
    target_size = models.PositiveSmallIntegerField(_("doors per turf"), default=40)
    measure = models.CharField(
        _("count turf size in"), max_length=10, choices=Measure.choices, default=Measure.UNITS
    )
    respect_areas = models.BooleanField(
        _("keep each turf inside one booth / precinct"), default=True
    )
    checkout_days = models.PositiveSmallIntegerField(_("check out for (days)"), default=3)
    # Canvasser safety: no new knocks after this time of day (the campaign's time zone).
    stop_time = models.TimeField(_("stop canvassing at"), null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    cut_at = models.DateTimeField(null=True, blank=True)
    cut_summary = models.JSONField(default=dict, blank=True)
    # Campaign-wide when empty; else the author's area (read by the areas below it).
    area = models.ForeignKey(
        "geography.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    access_scope = access.ByArea(
        "area", owner="created_by", unassigned_readable=True, overlap_for_view=True
    )
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Turf(models.Model):
    class Kind(models.TextChoices):
        CUT = "cut", pgettext_lazy("turf kind", "Cut automatically")
        DRAWN = "drawn", pgettext_lazy("turf kind", "Drawn on the map")
        PICKUP = "pickup", pgettext_lazy("turf kind", "Picked up near a canvasser")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("turf status", "Not assigned")
        ASSIGNED = "assigned", pgettext_lazy("turf status", "Checked out")
        DONE = "done", pgettext_lazy("turf status", "Done")

    effort = models.ForeignKey(Effort, on_delete=models.CASCADE, related_name="turfs")
    number = models.PositiveIntegerField()
    name = models.CharField(_("name"), max_length=120, blank=True, default="")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CUT)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    locked = models.BooleanField(_("locked"), default=False)
    area = models.ForeignKey(
        "geography.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    doors_count = models.PositiveIntegerField(default=0)
    units_count = models.PositiveIntegerField(default=0)
    walk_m = models.FloatField(default=0)
    hull = models.JSONField(default=dict, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    access_scope = access.Via("effort")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["effort", "number"]
        constraints = [
            models.UniqueConstraint(fields=["effort", "number"], name="canvassing_turf_number")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name or str(_("Turf %(n)s") % {"n": self.number})


class Door(models.Model):
    class Located(models.TextChoices):
        ADDRESS = "address", _("At its address")
        AREA = "area", _("At its area's centre (no coordinates)")
        NONE = "", _("Not on the map")

    effort = models.ForeignKey(Effort, on_delete=models.CASCADE, related_name="doors")
    turf = models.ForeignKey(
        Turf, null=True, blank=True, on_delete=models.SET_NULL, related_name="doors"
    )
    position = models.PositiveIntegerField(default=0)  # in the turf's walk order
    key = models.CharField(max_length=400)
    address = models.ForeignKey(
        "people.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area = models.ForeignKey(
        "geography.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    house_number = models.CharField(max_length=50, blank=True, default="")
    street = models.CharField(max_length=200, blank=True, default="")
    label = models.CharField(max_length=400, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    located = models.CharField(max_length=10, choices=Located.choices, blank=True, default="")
    units = models.PositiveSmallIntegerField(default=1)
    unplaced_reason = models.CharField(max_length=200, blank=True, default="")
    added_in_field = models.BooleanField(default=False)
    # Kept by each visit: the map's colours and "nearest unworked doors" read them.
    knocks = models.PositiveIntegerField(default=0)
    last_result = models.CharField(max_length=40, blank=True, default="")
    last_visit_at = models.DateTimeField(null=True, blank=True)
    # Canvasser safety: a door nobody should knock (a dog, a threat), set by an organiser or
    # from the app (the "flag" sync event; its id is kept so a replay is a duplicate).
    do_not_knock = models.BooleanField(_("do not knock"), default=False)
    do_not_knock_reason = models.CharField(_("reason"), max_length=300, blank=True, default="")
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flagged_at = models.DateTimeField(null=True, blank=True)
    flag_event_id = models.CharField(max_length=100, null=True, blank=True, unique=True)

    access_scope = access.Via("effort")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["turf_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["effort", "key"], name="canvassing_door_key")
        ]
        indexes = [
            models.Index(fields=["turf", "position"], name="canvassing_door_walk_idx"),
            models.Index(fields=["effort", "knocks"], name="canvassing_door_worked_idx"),
        ]

    def __str__(self) -> str:
        return self.label or self.key


class Target(models.Model):
    """A person of the effort's audience at a door (or added at the door in the field)."""

    effort = models.ForeignKey(Effort, on_delete=models.CASCADE, related_name="+")
    door = models.ForeignKey(Door, on_delete=models.CASCADE, related_name="targets")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    added_in_field = models.BooleanField(default=False)
    event_id = models.CharField(max_length=100, null=True, blank=True, unique=True)

    access_scope = access.Via("door")
    objects = access.ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["effort", "person"], name="canvassing_target_person")
        ]
        indexes = [models.Index(fields=["person"], name="canvassing_target_person_idx")]

    def __str__(self) -> str:
        return f"{self.door_id}:{self.person_id}"


class Assignment(models.Model):
    """A turf checked out to a canvasser (or a team) until ``due_at``; released when done."""

    turf = models.ForeignKey(Turf, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("canvasser"),
    )  # fmt: skip
    team = models.ForeignKey(
        "volunteers.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("team"),
    )  # fmt: skip
    checked_out_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("due back"))
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    access_scope = access.Via("turf")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-checked_out_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["turf", "user"],
                condition=Q(released_at__isnull=True, user__isnull=False),
                name="canvassing_assignment_one_open",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(team__isnull=False),
                name="canvassing_assignment_someone",
            ),
        ]
        indexes = [models.Index(fields=["user", "released_at"], name="canvassing_asg_user_idx")]

    def __str__(self) -> str:
        return f"{self.turf_id}→{self.user_id or self.team_id}"

    @property
    def is_open(self) -> bool:
        return self.released_at is None


class Visit(models.Model):
    """One knock, as the canvasser's device recorded it (one sync event)."""

    event_id = models.CharField(max_length=100, unique=True)
    effort = models.ForeignKey(Effort, on_delete=models.CASCADE, related_name="visits")
    turf = models.ForeignKey(
        Turf, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    door = models.ForeignKey(Door, on_delete=models.CASCADE, related_name="visits")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    canvasser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device_id = models.CharField(max_length=100, blank=True, default="")  # the app's install
    result_code = models.ForeignKey(
        "surveys.ResultCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contacted = models.BooleanField(default=False)  # talked with someone at the door
    attempt = models.ForeignKey(
        "surveys.Attempt", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    device_time = models.DateTimeField(null=True, blank=True)  # as the device said, if skewed
    received_at = models.DateTimeField(default=timezone.now)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    note = models.TextField(blank=True, default="")
    errors = models.JSONField(default=dict, blank=True)

    access_scope = access.Via("effort")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["effort", "recorded_at"], name="canvassing_visit_effort_idx"),
            models.Index(fields=["person", "effort"], name="canvassing_visit_person_idx"),
            models.Index(fields=["canvasser", "recorded_at"], name="canvassing_visit_user_idx"),
        ]

    def __str__(self) -> str:
        return self.event_id


class SyncRejection(models.Model):
    """An uploaded event that could not be applied, kept whole with the reason."""

    event_id = models.CharField(max_length=100, blank=True, default="")
    effort = models.ForeignKey(
        Effort, null=True, blank=True, on_delete=models.CASCADE, related_name="rejections"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    device_id = models.CharField(max_length=100, blank=True, default="")
    reason = models.CharField(max_length=300)
    received_at = models.DateTimeField(default=timezone.now)

    # An organiser reads them through the effort; the uploader sees their own.
    access_scope = access.AnyOf((access.Via("effort"), access.ByOwner("user")))
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.reason}"


class SafetyAlert(models.Model):
    """A canvasser's check-in ("I'm safe") or call for help, for their team leaders."""

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("Check in: safe")
        PANIC = "panic", _("Help")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    effort = models.ForeignKey(Effort, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    event_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The effort's organisers read them; the canvasser sees their own.
    access_scope = access.AnyOf((access.Via("effort"), access.ByOwner("user")))
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["effort", "acknowledged_at"], name="canvassing_alert_open_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} {self.created_at:%Y-%m-%d %H:%M}"
