"""Segments (saved dynamic queries) and lists (fixed sets of people)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core import access
from grassroots.geography.fields import scope_area_field


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Only me")
    SHARED = "shared", _("Everyone who can see people")


class Segment(models.Model):
    """A saved query (``lists.compiler`` describes ``definition``); its members change with the
    data. What a user sees of it is always cut to their own geographic scope."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, default="")
    definition = models.JSONField(default=dict)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    visibility = models.CharField(
        _("shared with"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    area = scope_area_field()

    access_scope = access.ByOwner(
        "owner",
        shared=("visibility", ("shared",)),
        shared_scope=access.ByArea("area", unassigned_readable=True, overlap_for_view=True),
        capability="accounts.manage",
    )
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name


class PersonList(models.Model):
    """A fixed set of people: frozen from a segment (a snapshot), uploaded as ids, hand-picked."""

    class Source(models.TextChoices):
        SEGMENT = "segment", _("Frozen from a segment")
        UPLOAD = "upload", _("Uploaded ids")
        MANUAL = "manual", _("Picked by hand")

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, default="")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="snapshots"
    )
    # A snapshot keeps the definition it was frozen from, so results can be measured against
    # the universe later even if the segment is edited or deleted.
    definition = models.JSONField(default=dict, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    visibility = models.CharField(
        _("shared with"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    area = scope_area_field()

    access_scope = access.ByOwner(
        "owner",
        shared=("visibility", ("shared",)),
        shared_scope=access.ByArea("area", unassigned_readable=True, overlap_for_view=True),
        capability="accounts.manage",
    )
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ListMember(models.Model):
    list = models.ForeignKey(PersonList, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    access_scope = access.Via("list")
    objects = access.ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["list", "person"], name="lists_member_unique")
        ]
        indexes = [models.Index(fields=["person"], name="lists_member_person_idx")]

    def __str__(self) -> str:
        return f"{self.list_id}:{self.person_id}"
