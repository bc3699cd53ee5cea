"""Model fields other apps use to place their rows on the area tree."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


def scope_area_field() -> models.ForeignKey:
    """The ``area`` of a piece of work (a broadcast, a template, a segment, an import…) that
    decides who sees it (``access.ByArea``, ADR 0008): users whose areas include it. Empty means
    campaign-wide. Set by the service from the author's ``home_area``."""
    return models.ForeignKey(
        "geography.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("area"),
        help_text=_("Who may see it: users whose areas include this one. Empty: campaign-wide."),
    )
