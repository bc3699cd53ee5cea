"""Events: types as data, events with shifts (timeslots), and the registrations (RSVPs).

A shift's ``confirmed_count`` is kept exact by the services with a conditional UPDATE
(``confirmed_count < capacity``), so capacity is never exceeded under concurrent sign-ups.
"""

from __future__ import annotations

import datetime
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grassroots.core import access
from grassroots.core.models import TimeStampedModel

# Display names of the seeded types (the slug is the code; a campaign's own types use ``name``).
TYPE_LABELS = {
    "canvass": pgettext_lazy("event type", "Canvass"),
    "phone_bank": pgettext_lazy("event type", "Phone bank"),
    "text_bank": pgettext_lazy("event type", "Text bank"),
    "rally": pgettext_lazy("event type", "Rally"),
    "meeting": pgettext_lazy("event type", "Meeting"),
    "training": pgettext_lazy("event type", "Training"),
    "town_hall": pgettext_lazy("event type", "Town hall"),
    "booth_meeting": pgettext_lazy("event type", "Booth meeting"),
    "fundraiser": pgettext_lazy("event type", "Fundraiser"),
    "virtual": pgettext_lazy("event type", "Virtual event"),
}


def new_token() -> str:
    return secrets.token_urlsafe(24)


class EventType(models.Model):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_virtual = models.BooleanField(_("virtual"), default=False)
    reminder_day_before = models.TimeField(
        _("reminder the day before at"), default=datetime.time(18, 0)
    )
    reminder_morning_of = models.TimeField(_("reminder on the day at"), default=datetime.time(8, 0))
    position = models.PositiveSmallIntegerField(default=0)

    access_scope = access.Shared()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self):
        return TYPE_LABELS.get(self.slug) or self.name


class EventSeries(TimeStampedModel):
    """A weekly recurring event (a Tuesday phone bank): its events share the series."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")

    title = models.CharField(_("title"), max_length=200)
    frequency = models.CharField(
        _("repeats"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    count = models.PositiveSmallIntegerField(_("occurrences"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    area = models.ForeignKey(
        "geography.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    access_scope = access.ByArea("area", owner="created_by", unassigned_readable=True)
    objects = access.ScopedManager()

    class Meta:
        verbose_name_plural = _("event series")

    def __str__(self) -> str:
        return self.title


class Event(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")
        PROPOSED = "proposed", _("Proposed")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public (listed)")
        UNLISTED = "unlisted", _("Unlisted (link only)")
        INTERNAL = "internal", _("Internal (staff only)")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    type = models.ForeignKey(
        EventType, on_delete=models.PROTECT, related_name="events", verbose_name=_("type")
    )
    description = models.TextField(_("description"), blank=True, default="")
    description_html = models.TextField(blank=True, default="", editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    area = models.ForeignKey(
        "geography.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("area"),
    )
    hosts = models.ManyToManyField(
        "people.Person", blank=True, related_name="hosted_events", verbose_name=_("hosts")
    )
    contact_person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact person"),
    )
    address = models.TextField(_("address"), blank=True, default="")
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    virtual_url = models.URLField(_("virtual meeting link"), max_length=500, blank=True, default="")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Kolkata")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    tags = models.ManyToManyField(
        "people.Tag", blank=True, related_name="+", verbose_name=_("tags")
    )
    series = models.ForeignKey(
        EventSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    access_scope = access.ByArea("area", owner="created_by", unassigned_readable=True)
    objects = access.ScopedManager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["status", "visibility", "starts_at"], name="events_public_idx"),
            models.Index(fields=["area", "starts_at"], name="events_area_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")), name="events_event_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.visibility in (
            self.Visibility.PUBLIC,
            self.Visibility.UNLISTED,
        )

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()


class Shift(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    confirmed_count = models.PositiveIntegerField(default=0, editable=False)
    position = models.PositiveSmallIntegerField(default=0)

    access_scope = access.Via("event")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["position", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="events_shift_capacity_pos"),
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=F("capacity")), name="events_shift_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")), name="events_shift_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_full(self) -> bool:
        return self.confirmed_count >= self.capacity

    @property
    def fill_rate(self) -> float:
        return self.confirmed_count / self.capacity if self.capacity else 0.0

    @property
    def fill_pct(self) -> int:
        """0…100, for the ``pct-N`` bar classes."""
        return min(100, round(100 * self.fill_rate))

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.confirmed_count)


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waitlisted")
        CANCELLED = "cancelled", _("Cancelled")

    class Attendance(models.TextChoices):
        UNKNOWN = "unknown", _("Not recorded")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="registrations")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="event_registrations"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.UNKNOWN
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    source = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    access_scope = access.Via("event")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "person"], name="events_reg_shift_person")
        ]
        indexes = [
            models.Index(fields=["shift", "status", "waitlist_position"], name="events_reg_wl_idx"),
            models.Index(fields=["person", "status"], name="events_reg_person_idx"),
            models.Index(fields=["event", "status"], name="events_reg_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.shift_id} ({self.status})"
