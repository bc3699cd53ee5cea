"""Scripts, their blocks (text to read and questions), choices, result codes and responses.

A **script** is an ordered list of blocks. A block is either text to read or a question; a
question of kind single/multiple choice or yes/no has choices (yes/no gets its two choices
made for it), a choice may apply a tag, record consent (with the exact wording shown) and jump
forward to a later block. Texts typed by the campaign carry ``{language: text}`` maps
(``core.i18n.localized``).

A contact **attempt** (one knock, one call, one text thread, one form) carries the
client-supplied ``attempt_key`` (unique: recording it twice stores it once), the channel, who
and when, and an optional **result code** (not home, moved, …). Its **responses** are one row
per question; the person's latest answer per question carries ``is_latest`` (by the time the
answer was given, then id), kept under a lock on the person, so "latest answer is …" is one
indexed predicate (ADR 0020).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grassroots.core import access
from grassroots.core.i18n import localized
from grassroots.core.models import TimeStampedModel


class Script(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("script status", "Draft")
        ACTIVE = "active", pgettext_lazy("script status", "Active")
        ARCHIVED = "archived", pgettext_lazy("script status", "Archived")

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    base_language = models.CharField(_("written in"), max_length=10, default="en")
    # The languages the script is offered in besides its base language.
    languages = models.JSONField(default=list, blank=True)
    # Campaign-wide when empty (read by everyone who sees scripts); else the author's area.
    area = models.ForeignKey(
        "geography.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # A constituency's script is read by the booths below it (overlap); changed inside one's areas.
    access_scope = access.ByArea(
        "area", owner="created_by", unassigned_readable=True, overlap_for_view=True
    )
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Block(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text to read")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SCALE = "scale", _("Scale")
        YES_NO = "yes_no", _("Yes / no")
        NUMBER = "number", pgettext_lazy("kind of question", "Number")
        FREE_TEXT = "free_text", _("Free text")

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE, Kind.YES_NO)
    QUESTION_KINDS = (
        Kind.SINGLE,
        Kind.MULTIPLE,
        Kind.SCALE,
        Kind.YES_NO,
        Kind.NUMBER,
        Kind.FREE_TEXT,
    )

    script = models.ForeignKey(Script, on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # A short name for reports and segment filters ("2026 ID"); the text is what is read.
    label = models.CharField(_("short name"), max_length=80, blank=True, default="")
    text = models.TextField(_("text"))
    translations = models.JSONField(default=dict, blank=True)
    scale_min = models.IntegerField(_("lowest"), null=True, blank=True)
    scale_max = models.IntegerField(_("highest"), null=True, blank=True)
    writes_support_score = models.BooleanField(
        _("writes the person's support score"), default=False
    )

    access_scope = access.Via("script")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["script", "position", "id"]
        indexes = [models.Index(fields=["script", "position"], name="surveys_block_pos_idx")]

    def __str__(self) -> str:
        return self.label or self.text[:60]

    @property
    def is_question(self) -> bool:
        return self.kind != self.Kind.TEXT

    @property
    def has_choices(self) -> bool:
        return self.kind in self.CHOICE_KINDS

    def text_in(self, language: str | None = None) -> str:
        return localized(self.text, self.translations, language)

    def name(self) -> str:
        return self.label or self.text[:60]


class Choice(models.Model):
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=0)
    # A stable value for exports and the API ("yes", "no", "health"); the label is shown.
    value = models.SlugField(_("value"), max_length=50, allow_unicode=True)
    label = models.CharField(_("label"), max_length=200)
    translations = models.JSONField(default=dict, blank=True)
    # Effects of picking it.
    tag = models.ForeignKey(
        "people.Tag",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("apply the tag"),
    )
    consent_channel = models.CharField(_("consent to be reached by"), max_length=10, blank=True)
    consent_purpose = models.CharField(_("consent purpose"), max_length=15, blank=True)
    consent_wording = models.TextField(_("consent wording"), blank=True, default="")
    consent_wording_translations = models.JSONField(default=dict, blank=True)
    # Branching: on this answer, go on at that (later) block of the same script.
    goto = models.ForeignKey(
        Block,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("then go to"),
    )

    access_scope = access.Via("block")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["block", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["block", "value"], name="surveys_choice_value_unique")
        ]

    def __str__(self) -> str:
        return self.label

    def label_in(self, language: str | None = None) -> str:
        return localized(self.label, self.translations, language)

    def wording_in(self, language: str | None = None) -> str:
        return localized(self.consent_wording, self.consent_wording_translations, language)


class ResultCode(models.Model):
    """How a contact attempt ended (reference data; admins may add more)."""

    class PersonStatus(models.TextChoices):
        NONE = "", _("No change")
        MOVED = "moved", _("Moved")
        DECEASED = "deceased", _("Deceased")

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    translations = models.JSONField(default=dict, blank=True)
    counts_as_contact = models.BooleanField(_("counts as a contact"), default=False)
    person_status = models.CharField(
        _("sets the person's status"),
        max_length=10,
        choices=PersonStatus.choices,
        blank=True,
        default="",
    )
    # The field app reads it: don't send anyone back to this door alone.
    hostile = models.BooleanField(_("hostile or unsafe"), default=False)
    # Try again later (not home, come back later): the attempt leaves the door open.
    retry = models.BooleanField(_("try again later"), default=False)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    access_scope = access.Shared()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self, language: str | None = None) -> str:
        return localized(self.name, self.translations, language)


class Attempt(models.Model):
    """One contact attempt with one person using one script."""

    class Channel(models.TextChoices):
        DOOR = "door", _("Door")
        PHONE = "phone", _("Phone")
        TEXT = "text", pgettext_lazy("channel", "Text message")
        FORM = "form", pgettext_lazy("channel", "Form")

    attempt_key = models.CharField(max_length=100, unique=True)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    script = models.ForeignKey(Script, on_delete=models.PROTECT, related_name="attempts")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    source = models.CharField(_("source"), max_length=100, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("when"), default=timezone.now)
    received_at = models.DateTimeField(default=timezone.now)
    result_code = models.ForeignKey(
        ResultCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(max_length=10, blank=True, default="")
    # What could not be kept: {question id or "_": message} ("one bad value costs that value").
    errors = models.JSONField(default=dict, blank=True)
    interaction = models.ForeignKey(
        "people.Interaction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-recorded_at"], name="surveys_attempt_person_idx")
        ]

    def __str__(self) -> str:
        return self.attempt_key


class Response(models.Model):
    """One answer: a person × a question × an attempt."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="responses")
    recorded_at = models.DateTimeField()
    choices = models.ManyToManyField(Choice, through="ResponseChoice", related_name="+")
    number = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    text = models.TextField(blank=True, default="")
    is_latest = models.BooleanField(default=False)

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="surveys_response_attempt_question"
            ),
            models.UniqueConstraint(
                fields=["person", "question"],
                condition=Q(is_latest=True),
                name="surveys_response_one_latest",
            ),
        ]
        indexes = [
            models.Index(
                fields=["question", "is_latest", "person"], name="surveys_response_latest_idx"
            ),
            models.Index(fields=["person", "question"], name="surveys_response_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.question_id}"


class ResponseChoice(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, related_name="+")

    access_scope = access.Via("response")
    objects = access.ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "choice"], name="surveys_rc_unique")
        ]
        indexes = [models.Index(fields=["choice", "response"], name="surveys_rc_choice_idx")]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.choice_id}"
