"""Kernel models: visible background work, the audit trail and the domain-event outbox."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core import access


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Job(models.Model):
    """Anything a person waits on: progress the UI shows live and the CLI shows as a bar."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    log = models.TextField(blank=True, default="")
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # the runner's ids (``core.jobs.Runner.start``), its queue, when it was (last) enqueued
    params = models.JSONField(default=dict, blank=True)
    queue = models.CharField(max_length=32, blank=True, default="")
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # a running job is held by its worker's heartbeat until then (a killed worker lets it go)
    lease_until = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)

    access_scope = access.ByOwner("created_by", capability="accounts.manage")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="core_job_status_idx"),
            models.Index(fields=["queue", "status", "enqueued_at"], name="core_job_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.progress * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED, self.Status.CANCELLED}


class AuditEvent(models.Model):
    """An append-only record of a sensitive action: who did what to which object, and when."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    object_label = models.CharField(max_length=255, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    access_scope = access.Campaign("audit.view")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="core_audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"


class OutboxEvent(models.Model):
    """A domain event, written in the transaction that caused it and delivered after commit.

    A delivery run fans it out into one ``OutboxDelivery`` per subscriber (``fanned_out_at``)
    and marks it delivered once every one of them is done."""

    name = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    access_scope = access.SystemOnly("accounts.manage")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"],
                name="core_outbox_pending_idx",
                condition=models.Q(delivered_at__isnull=True),
            ),
            models.Index(
                fields=["id"],
                name="core_outbox_fanout_idx",
                condition=models.Q(fanned_out_at__isnull=True, delivered_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class OutboxDelivery(models.Model):
    """One event for one subscriber: retried with back-off on its own, parked as a dead letter
    after too many failures (never dropped), and never re-run because a sibling failed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Delivered")
        DEAD = "dead", _("Dead letter")

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True, default="")
    # a claim is a lease: a worker that dies mid-delivery loses it when locked_until passes
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    # plumbing: the system works it; admins see the dead letters (``core.outbox``)
    access_scope = access.SystemOnly("accounts.manage")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["event_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber"], name="core_outbox_delivery_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "event"],
                name="core_delivery_due_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["-finished_at"],
                name="core_delivery_dead_idx",
                condition=models.Q(status="dead"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscriber} ({self.status})"
