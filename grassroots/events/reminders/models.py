"""One row per registration × reminder kind: the reason a reminder is never sent twice."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core import access


class Kind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Confirmation")
    WAITLISTED = "waitlisted", _("On the waitlist")
    PROMOTED = "promoted", _("A place opened up")
    DAY_BEFORE = "day_before", _("Reminder the day before")
    MORNING_OF = "morning_of", _("Reminder the morning of")
    CHANGED = "changed", _("Change notice")
    CANCELLED = "cancelled", _("Cancellation notice")
    THANK_YOU = "thank_you", _("Thank you and rating")


class ReminderLog(models.Model):
    """A reminder of ``kind`` for ``registration``. ``key`` is the kind, or ``changed:<n>`` for
    the n-th change notice; (registration, key) is unique, so two ticks, two workers or a
    re-delivered domain event never send the same reminder twice. ``claim`` marks the rows one
    run inserted (a bulk insert that skips the rows another run got first). ``used`` remembers
    which of the message's links (confirm, cancel) were followed, and when: a replayed link is
    answered as such."""

    registration = models.ForeignKey(
        "events.Registration", on_delete=models.CASCADE, related_name="reminder_logs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=40)
    claim = models.CharField(max_length=32, blank=True, default="")
    message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, blank=True, default="")  # sent / no_address
    used = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    access_scope = access.Via("registration")
    objects = access.ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "key"], name="ev_reminder_once"),
        ]
        indexes = [models.Index(fields=["claim"], name="ev_reminder_claim_idx")]

    def __str__(self) -> str:
        return f"{self.key} #{self.registration_id}"
