"""The area tree (kinds are data), polling stations, elections and races."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.core import access
from grassroots.core.i18n import localized
from grassroots.core.models import TimeStampedModel

PATH_STEP = 7  # characters per tree level in Area.path ("0000042/")


class AreaKind(models.Model):
    """A level of a country's electoral geography: state, constituency, booth, precinct…"""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    plural = models.CharField(_("plural"), max_length=100, blank=True, default="")
    names = models.JSONField(
        _("name in other languages"),
        default=dict,
        blank=True,
        help_text=_('Language code → name, e.g. {"hi": "भाग", "bn": "ভাগ"}.'),
    )
    is_polling_unit = models.BooleanField(
        _("polling unit"), default=False, help_text=_("Booth/part or precinct: where people vote.")
    )
    sort_order = models.PositiveIntegerField(default=100)

    access_scope = access.Shared()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the language of the request (``names``), else the name as entered."""
        return localized(self.name, self.names)


class Area(TimeStampedModel):
    """A node of the area tree. ``path`` (materialised) makes descendant queries one range scan."""

    kind = models.ForeignKey(AreaKind, on_delete=models.PROTECT, related_name="areas")
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    native_name = models.CharField(
        _("name in native script"), max_length=200, blank=True, default=""
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    access_scope = access.ByArea("pk", overlap_for_view=True)
    objects = access.ScopedManager()

    class Meta:
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "name"], name="geo_area_parent_idx")]

    def __str__(self) -> str:
        return self.name

    def ancestor_paths(self) -> list[str]:
        """Paths of every ancestor, root first."""
        step = PATH_STEP + 1
        return [self.path[: step * i] for i in range(1, self.depth + 1)]


class PollingStation(models.Model):
    """The booth of an Indian part or the polling place of a US precinct."""

    area = models.OneToOneField(Area, on_delete=models.CASCADE, related_name="polling_station")
    part_number = models.PositiveIntegerField(_("part number"), null=True, blank=True)
    name = models.CharField(_("polling station"), max_length=255)
    address = models.CharField(_("address"), max_length=500, blank=True, default="")
    electors_male = models.PositiveIntegerField(_("male electors"), default=0)
    electors_female = models.PositiveIntegerField(_("female electors"), default=0)
    electors_third_gender = models.PositiveIntegerField(_("third-gender electors"), default=0)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    access_scope = access.ByArea("area")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["part_number", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def electors_total(self) -> int:
        return self.electors_male + self.electors_female + self.electors_third_gender


class Election(models.Model):
    class Kind(models.TextChoices):
        GENERAL = "general", _("General")
        PRIMARY = "primary", _("Primary")
        RUNOFF = "runoff", _("Runoff")
        BY_ELECTION = "by_election", _("By-election")
        LOCAL = "local", _("Local")
        REFERENDUM = "referendum", _("Referendum")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    date = models.DateField(_("polling date"))
    # Local time at the polling places; India's 48-hour silence period counts back from it.
    polls_open = models.TimeField(_("polls open"), default=dt.time(7, 0))
    polls_close = models.TimeField(_("polls close"), default=dt.time(18, 0))
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="elections", verbose_name=_("area")
    )
    code = models.SlugField(_("code"), max_length=64, unique=True)
    # The bit of ``Person.votes_cast`` that says "voted in this election" (0–62), given when
    # its first vote is recorded; none when all 63 are taken (filters then read vote history).
    vote_slot = models.PositiveSmallIntegerField(null=True, blank=True, unique=True, editable=False)

    access_scope = access.Shared()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-date", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%Y})"


class Race(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="races")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="races")
    office = models.CharField(_("office"), max_length=200)
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)
    candidates = models.JSONField(_("candidates"), default=list, blank=True)

    access_scope = access.Shared()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["election", "office"]

    def __str__(self) -> str:
        return f"{self.office} — {self.area.name}"
