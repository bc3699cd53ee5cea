"""Questions for a virtual town hall: asked by attendees before and during, moderated by staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core import access


class EventQuestion(models.Model):
    """A question, stored as the plain text typed (shown escaped: HTML in it is only text)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        APPROVED = "approved", _("Approved")
        HIDDEN = "hidden", _("Hidden")

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="questions")
    registration = models.ForeignKey(
        "events.Registration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(_("name"), max_length=120, blank=True, default="")
    text = models.TextField(_("question"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    starred = models.BooleanField(_("starred"), default=False)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    access_scope = access.Via("event")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-starred", "created_at", "id"]
        indexes = [models.Index(fields=["event", "status"], name="ev_question_event_idx")]

    def __str__(self) -> str:
        return self.text[:60]
