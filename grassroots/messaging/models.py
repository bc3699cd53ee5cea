"""Messaging: provider accounts, templates, broadcasts, every message in and out, suppressions.

Every outbound message is a ``Message`` row created before anything is sent; the one send
service (``messaging.services``) takes it through the compliance layer and a provider adapter.
A broadcast's recipients are frozen when it starts (one message per person, unique), so a
worker that dies mid-broadcast resumes without sending anyone a second message.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core import access
from grassroots.core.models import TimeStampedModel
from grassroots.geography.fields import scope_area_field
from grassroots.people import contact

# The channels a message goes out on: three of the contact channels (people.contact), plus a
# voice broadcast, which reaches the person's phone (contact.consent_channel).
Channel = contact.channel_subset(
    contact.Channel.SMS,
    contact.Channel.WHATSAPP,
    contact.Channel.EMAIL,
    extra=[("VOICE", contact.VOICE, _("Voice broadcast"))],
)
Purpose = contact.Purpose


class ProviderAccount(TimeStampedModel):
    """A configured provider (Twilio, MSG91, SMTP, the simulator…). Secrets are stored
    encrypted (``messaging.secrets``) and never shown back in full."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("provider"), max_length=30)
    channels = models.JSONField(_("channels"), default=list)
    config = models.JSONField(default=dict, blank=True)
    secrets = models.TextField(blank=True, default="")  # Fernet token of a JSON object
    secret_hints = models.JSONField(default=dict, blank=True)  # name -> "…last4"
    is_default = models.BooleanField(_("default for its channels"), default=False)
    active = models.BooleanField(_("active"), default=True)

    access_scope = access.Campaign("messaging.send", change_capability="messaging.configure")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Template(TimeStampedModel):
    """A message with personalisation, in one or more languages (``TemplateVariant``)."""

    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(
        _("purpose"), max_length=15, choices=Purpose.choices, default=Purpose.CAMPAIGN
    )
    default_language = models.CharField(_("default language"), max_length=10, default="en")
    # A broadcast sends once per address (people sharing a phone get one text); a message
    # personal by design (a polling slip, a reminder of one person's booth) goes to each.
    personal = models.BooleanField(
        _("personal: send to each person, even when people share a number or address"),
        default=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    area = scope_area_field()

    access_scope = access.ByArea("area", owner="created_by", unassigned_readable=True)
    objects = access.ScopedManager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class TemplateVariant(models.Model):
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200, blank=True, default="")
    body = models.TextField(_("text"))
    html = models.TextField(_("HTML (email)"), blank=True, default="")
    # Provider-side templates: WhatsApp's approved template name, India's DLT template id.
    provider_template = models.CharField(
        _("provider template (WhatsApp name / DLT id)"), max_length=100, blank=True, default=""
    )
    approval = models.CharField(
        _("approval"),
        max_length=10,
        blank=True,
        default="",
        choices=[
            ("", _("Not needed")),
            ("pending", _("Pending")),
            ("approved", _("Approved")),
            ("rejected", _("Rejected")),
        ],
    )

    access_scope = access.Via("template")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["template", "language"]
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="msg_variant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.template} [{self.language}]"


class Broadcast(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("name"), max_length=120)
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="broadcasts")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(
        _("purpose"), max_length=15, choices=Purpose.choices, default=Purpose.CAMPAIGN
    )
    segment = models.ForeignKey(
        "lists.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_list = models.ForeignKey(
        "lists.PersonList", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        ProviderAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    # Held messages (quiet hours, silence period) not sent by then are dropped.
    expires_at = models.DateTimeField(_("drop held messages after"), null=True, blank=True)
    track = models.BooleanField(_("track email opens and link clicks"), default=False)
    # A/B test: a sample gets template A or B; after the wait the rest get the better one.
    template_b = models.ForeignKey(
        Template, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ab_sample = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("sample (% of the audience)"),
        default=20,
    )
    ab_metric = models.CharField(
        _("the better version has more"),
        max_length=10,
        default="replied",
        choices=[
            ("replied", _("replies")),
            ("clicked", _("clicks")),
            ("delivered", _("deliveries")),
        ],
    )
    ab_wait = models.PositiveIntegerField(_("decide after (minutes)"), default=60)
    ab_winner = models.CharField(max_length=1, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    area = scope_area_field()

    access_scope = access.ByArea("area", owner="created_by")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """One message to or from one person on one channel. ``uuid`` is the idempotency key
    handed to the provider on every attempt."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        HELD = "held", _("Held")
        BLOCKED = "blocked", _("Blocked")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        RECEIVED = "received", _("Received")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Foreign keys without an index of their own where a composite index below starts with
    # them, or where they are only looked up on a rare delete: every index is written for
    # every message, several times over its life (queued, sent, delivered).
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.OUTBOUND
    )
    purpose = models.CharField(max_length=15, choices=Purpose.choices, default=Purpose.CAMPAIGN)
    to_address = models.CharField(max_length=254)
    from_address = models.CharField(max_length=254, blank=True, default="")
    subject = models.CharField(max_length=200, blank=True, default="")
    body = models.TextField(blank=True, default="")
    html = models.TextField(blank=True, default="")
    template_variant = models.ForeignKey(
        TemplateVariant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    broadcast = models.ForeignKey(
        Broadcast,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
    )
    account = models.ForeignKey(
        ProviderAccount,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    status_code = models.CharField(max_length=30, blank=True, default="")
    status_reason = models.CharField(max_length=300, blank=True, default="")
    held_until = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    claim = models.CharField(max_length=32, blank=True, default="")  # the dispatch sending it
    # A compliance reply (the one opt-out / opt-in confirmation, a HELP answer): sent even to
    # an opted-out number and outside quiet hours, as the rules allow for exactly these.
    system = models.BooleanField(default=False)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    # "<enrollment id>:<step key>" for a message an automation sent: unique, so a re-run or an
    # edited sequence never sends the same step to the same person twice.
    automation_key = models.CharField(max_length=60, blank=True, default="")
    texting_contact = models.ForeignKey(
        "TextingContact", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    ab_variant = models.CharField(max_length=1, blank=True, default="")  # "a", "b" in an A/B test
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # a broadcast sends each person at most one message, whatever crashes
            models.UniqueConstraint(
                fields=["broadcast", "person"],
                condition=models.Q(broadcast__isnull=False),
                name="msg_one_per_broadcast_person",
            ),
            models.UniqueConstraint(
                fields=["automation_key"],
                condition=~models.Q(automation_key=""),
                name="msg_one_per_automation_step",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "held_until"], name="msg_status_due_idx"),
            models.Index(fields=["provider_id"], name="msg_provider_id_idx"),
            models.Index(fields=["person", "channel", "-created_at"], name="msg_person_idx"),
            models.Index(fields=["to_address", "channel"], name="msg_to_idx"),
            models.Index(fields=["broadcast", "status"], name="msg_broadcast_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.direction} {self.to_address}"


class Suppression(models.Model):
    """An address that must not get messages on a channel: it replied STOP, hard-bounced,
    complained, is a wrong number, or was added by hand. Applies to every campaign."""

    class Reason(models.TextChoices):
        OPTED_OUT = "opted_out", _("Opted out")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        MANUAL = "manual", _("Added by hand")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254)
    reason = models.CharField(max_length=15, choices=Reason.choices)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="msg_suppression_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address} ({self.reason})"


class WebhookEvent(models.Model):
    """Every provider event we accepted (a reply, a delivery receipt), keyed by the provider's
    event id so a repeated delivery (providers retry) is stored — and applied — once.

    The webhook stores it and answers at once; a worker applies it later (ADR 0016), in arrival
    order (``id``): ``applied_at`` is set in the same transaction as the event's effects, so a
    worker killed mid-batch leaves the rest pending and the next run applies them once. While
    an inbound event that ``may_opt_out`` (STOP, a free-text opt-out, a wrong number) is
    pending, the send path holds messages to its ``channel`` + ``address``."""

    class Kind(models.TextChoices):
        INBOUND = "inbound", "inbound"
        RECEIPT = "receipt", "receipt"
        ESP = "esp", "esp"

    account = models.ForeignKey(ProviderAccount, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    received_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices, blank=True, default="")
    channel = models.CharField(max_length=10, blank=True, default="")
    address = models.CharField(max_length=254, blank=True, default="")  # an inbound's sender
    payload = models.JSONField(default=dict, blank=True)  # the parsed event (Inbound / Receipt)
    may_opt_out = models.BooleanField(default=False)
    applied_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True, default="")

    access_scope = access.SystemOnly("messaging.configure")
    objects = access.ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="msg_webhook_event_unique")
        ]
        indexes = [
            # the worker's queue: pending events in arrival order
            models.Index(
                fields=["id"], condition=Q(applied_at__isnull=True), name="msg_webhook_pending"
            ),
            # the send path's "is a STOP from this number still pending?"
            models.Index(
                fields=["address", "channel"],
                condition=Q(applied_at__isnull=True, may_opt_out=True),
                name="msg_webhook_hold",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class Automation(TimeStampedModel):
    """A sequence of steps that starts for a person when a trigger fires (signed up, tagged,
    replied with a keyword…). It acts with the permissions of the user who built it."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, default="")
    active = models.BooleanField(_("active"), default=False)
    # [{"event": "person.created", "via": "api"}, {"event": "tag.applied", "tag": "volunteer"},
    #  {"event": "message.received", "keyword": "JOIN"}]
    triggers = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Made by the platform itself (the demo), not by a user: runs without an author's rights.
    # A user's automation whose author is deleted stops instead of running with no checks.
    system = models.BooleanField(default=False, editable=False)

    area = scope_area_field()

    access_scope = access.ByArea("area", owner="created_by")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class AutomationStep(models.Model):
    automation = models.ForeignKey(Automation, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    # Stays the same when the sequence is edited: what a person has done is keyed by it.
    key = models.CharField(max_length=32)
    # A key of the step registry (messaging.automations.registry): messaging's own (wait, send,
    # branch, tag, list, notify) and those higher apps register; no fixed choices here.
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)

    access_scope = access.Via("automation")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["automation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["automation", "key"], name="msg_step_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.automation} #{self.position} {self.kind}"


class Enrollment(models.Model):
    """One person's way through one automation (at most once: re-triggering changes nothing)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Running")
        WAITING = "waiting", _("Waiting")
        DONE = "done", _("Finished")
        EXITED = "exited", _("Left (condition not met)")
        FAILED = "failed", _("Stopped by an error")

    automation = models.ForeignKey(Automation, on_delete=models.CASCADE, related_name="enrollments")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    trigger = models.CharField(max_length=60, blank=True, default="")
    step_key = models.CharField(max_length=32, blank=True, default="")  # the next step to run
    step_position = models.PositiveSmallIntegerField(default=0)
    next_run_at = models.DateTimeField(null=True, blank=True)
    log = models.JSONField(default=list, blank=True)  # [{"at", "step", "text"}]
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_scope = access.Via("automation")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["automation", "person"], name="msg_enrollment_unique")
        ]
        indexes = [models.Index(fields=["status", "next_run_at"], name="msg_enrollment_due_idx")]

    def __str__(self) -> str:
        return f"{self.automation} — {self.person_id}"


class TextingCampaign(TimeStampedModel):
    """Peer-to-peer texting: texters send each first message by hand, one key press each, to
    contacts handed out in batches; replies come back to the texter who sent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Texting")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=120)
    script = models.TextField(_("first message"))
    # ``script`` is in ``language``; other languages' versions: [{"language", "body"}]. Each
    # person gets the version in their language (as a template's variants), else ``script``.
    language = models.CharField(_("language of the first message"), max_length=10, default="en")
    versions = models.JSONField(default=list, blank=True)
    purpose = models.CharField(
        _("purpose"), max_length=15, choices=Purpose.choices, default=Purpose.CAMPAIGN
    )
    segment = models.ForeignKey(
        "lists.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_list = models.ForeignKey(
        "lists.PersonList", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        ProviderAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    batch_size = models.PositiveSmallIntegerField(_("contacts per batch"), default=50)
    release_after = models.PositiveSmallIntegerField(
        _("give unsent contacts back after (minutes)"), default=60
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The survey whose questions the canned responses answer (``script`` above is the first
    # message). SET_NULL: the surveys app, below this one, deletes a script without knowing of
    # campaigns (it refuses only when people answered it).
    survey_script = models.ForeignKey(
        "surveys.Script",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("survey script"),
    )

    area = scope_area_field()

    # Texters read a campaign meant for an area containing theirs, or a campaign-wide one;
    # organising it needs its area inside theirs.
    access_scope = access.ByArea(
        "area", owner="created_by", unassigned_readable=True, overlap_for_view=True
    )
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class CannedResponse(models.Model):
    """A ready answer; choosing it can also tag the person and record their answer to a
    question of the campaign's survey script (``surveys.services.responses_record``): the
    ``choice`` of a choice question, or ``value`` for a number, scale or free-text one."""

    campaign = models.ForeignKey(
        TextingCampaign, on_delete=models.CASCADE, related_name="canned_responses"
    )
    title = models.CharField(_("title"), max_length=60)
    body = models.TextField(_("text"))
    tag = models.CharField(_("tag the person"), max_length=60, blank=True, default="")
    # SET_NULL, not PROTECT: the surveys app deletes a question nobody answered yet without
    # knowing of canned responses; PROTECT would turn that into an error there. The response
    # then stays a plain reply (and tag).
    question = models.ForeignKey(
        "surveys.Block",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("survey question"),
    )
    choice = models.ForeignKey(
        "surveys.Choice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded answer"),
    )
    value = models.CharField(_("answer (number or text)"), max_length=200, blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)

    access_scope = access.Via("campaign")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["campaign", "position", "id"]

    def __str__(self) -> str:
        return self.title


class TextingContact(models.Model):
    """One person in a texting campaign, and the texter they belong to."""

    class Status(models.TextChoices):
        UNASSIGNED = "unassigned", _("Not handed out")
        ASSIGNED = "assigned", _("To text")
        SENT = "sent", _("Texted")
        REPLIED = "replied", _("Needs a reply")
        DONE = "done", _("Conversation closed")
        OPTED_OUT = "opted_out", _("Opted out")
        WRONG = "wrong", _("Wrong number")
        # the texter moved on without texting (not "texted")
        SKIPPED = "skipped", _("Skipped")
        # another contact of the campaign has the same number: it is texted once, to them
        SHARED = "shared", _("Same number as another contact")

    campaign = models.ForeignKey(TextingCampaign, on_delete=models.CASCADE, related_name="contacts")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=32)
    texter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNASSIGNED)
    assigned_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # status "shared": the contact of this campaign who is texted at the same number
    same_as = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    access_scope = access.Via("campaign")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person"], name="msg_texting_contact_unique"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "texter"], name="msg_texting_status_idx")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.person_id}"


class InboxThread(models.Model):
    """The shared inbox: every conversation with one address on one channel, assignable to a
    member of staff, open until someone closes it (a new reply opens it again)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    last_message_at = models.DateTimeField(default=timezone.now)
    last_body = models.CharField(max_length=200, blank=True, default="")
    unread = models.PositiveIntegerField(default=0)

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="msg_thread_unique")
        ]
        indexes = [
            models.Index(fields=["status", "-last_message_at"], name="msg_thread_status_idx")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


class AutomationSegmentMember(models.Model):
    """Who was already in an automation's trigger segment (so only people who enter it later
    start the automation)."""

    automation = models.ForeignKey(Automation, on_delete=models.CASCADE, related_name="+")
    person_id = models.BigIntegerField()

    access_scope = access.Via("automation")
    objects = access.ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["automation", "person_id"], name="msg_auto_segment_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.automation_id}:{self.person_id}"
