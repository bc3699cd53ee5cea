"""The people hub: Person, Household, Address, ContactPoint, tags, custom fields, notes,
the universal Interaction log, Consent records and VoteHistory."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core import access
from grassroots.core.i18n import localized
from grassroots.core.models import TimeStampedModel
from grassroots.geography.fields import scope_area_field
from grassroots.people import contact, registration


class Address(TimeStampedModel):
    house_number = models.CharField(_("house number"), max_length=50, blank=True, default="")
    street = models.CharField(_("street"), max_length=200, blank=True, default="")
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True, default="")
    locality = models.CharField(_("locality / section"), max_length=200, blank=True, default="")
    city = models.CharField(_("city / village"), max_length=100, blank=True, default="")
    district = models.CharField(_("district / county"), max_length=100, blank=True, default="")
    region = models.CharField(_("state / region"), max_length=100, blank=True, default="")
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True, default="")
    country = models.CharField(_("country"), max_length=2, default="IN")
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    area = models.ForeignKey(
        "geography.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="addresses"
    )
    # Normalised "house|street|locality|city|postcode": how imports find the same door again.
    match_key = models.CharField(max_length=400, blank=True, default="")

    access_scope = access.ByArea("area")
    objects = access.ScopedManager()

    class Meta:
        verbose_name_plural = _("addresses")
        # Equality only: no second ``varchar_pattern_ops`` index for LIKE on PostgreSQL.
        indexes = [models.Index(fields=["match_key"], name="people_address_key_idx")]

    def __str__(self) -> str:
        return self.one_line()

    def one_line(self) -> str:
        first = " ".join(p for p in [self.house_number, self.street] if p)
        parts = [first, self.line2, self.locality, self.city, self.region, self.postal_code]
        return ", ".join(p for p in parts if p)


class Household(TimeStampedModel):
    name = models.CharField(_("household name"), max_length=200, blank=True, default="")
    address = models.ForeignKey(
        Address, null=True, blank=True, on_delete=models.SET_NULL, related_name="households"
    )
    area = models.ForeignKey(
        "geography.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
        db_index=False,  # people_hh_area_idx
    )

    access_scope = access.ByArea("area")
    objects = access.ScopedManager()

    class Meta:
        indexes = [models.Index(fields=["area"], name="people_hh_area_idx")]

    def __str__(self) -> str:
        return self.name or (self.address.one_line() if self.address_id else f"#{self.pk}")


class Person(TimeStampedModel):
    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Third gender / other")
        UNKNOWN = "", _("Unknown")

    class Relation(models.TextChoices):
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        HUSBAND = "husband", _("Husband")
        WIFE = "wife", _("Wife")
        OTHER = "other", _("Other")
        NONE = "", _("—")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        MOVED = "moved", _("Moved")
        DECEASED = "deceased", _("Deceased")

    given_name = models.CharField(_("given name"), max_length=100)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True, default="")
    family_name = models.CharField(_("family name"), max_length=100, blank=True, default="")
    full_name = models.CharField(max_length=320, editable=False, default="")
    # The matching keys of every word of the names, Latin and native script alike
    # (``people.dedupe.names.name_keys``: " amit bandyopadyai "), kept on write, so a search
    # for "Amith Banerjee" or "অমিত ব্যানার্জি" finds the same people (trigram-indexed on PostgreSQL).
    name_keys = models.CharField(max_length=400, editable=False, default="")
    native_name = models.CharField(
        _("name in native script"), max_length=300, blank=True, default=""
    )
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, blank=True, default=""
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    age_as_of = models.DateField(_("age as of"), null=True, blank=True)
    # Derived from birth_date, or from age and its as-of date, so age filters use one index.
    born_estimate = models.DateField(null=True, blank=True, editable=False)
    relation_type = models.CharField(
        _("relation"), max_length=10, choices=Relation.choices, blank=True, default=""
    )
    relative_name = models.CharField(_("relative's name"), max_length=200, blank=True, default="")
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, blank=True, default=""
    )
    support_score = models.PositiveSmallIntegerField(
        _("support score"),
        null=True,
        blank=True,
        help_text=_("1 strong support … 5 strong oppose"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    source = models.CharField(_("source"), max_length=100, blank=True, default="")
    # What a voter file says about the registration (US files carry them). The voter status is
    # an open vocabulary: any value a file uses is kept (lower-case); the common ones have
    # translated labels (``people.registration``).
    name_suffix = models.CharField(_("name suffix"), max_length=20, blank=True, default="")
    party = models.CharField(_("party registration"), max_length=50, blank=True, default="")
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    voter_status = models.CharField(_("voter status"), max_length=30, blank=True, default="")
    # Indexed by people_person_hh_idx and (area first) people_person_area_idx: every index is
    # written on every insert, so an import of millions pays for each duplicate one.
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        db_index=False,
    )
    area = models.ForeignKey(
        "geography.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        verbose_name=_("area"),
        db_index=False,
    )
    serial_number = models.PositiveIntegerField(_("serial number in part"), null=True, blank=True)
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    # The vote summary (ADR 0006): bit ``Election.vote_slot`` is set when the person voted in
    # that election, so every built-in vote filter is one predicate on this row, not a grouped
    # join over vote history. Kept by ``people.votes.vote_summary_refresh`` after every write.
    votes_cast = models.BigIntegerField(default=0, db_default=0, editable=False)

    access_scope = access.ByArea("area")
    objects = access.ScopedManager()

    class Meta:
        verbose_name_plural = _("people")
        ordering = ["family_name", "given_name", "id"]
        indexes = [
            models.Index(
                fields=["area", "family_name", "given_name"], name="people_person_area_idx"
            ),
            models.Index(fields=["family_name", "given_name", "id"], name="people_person_name_idx"),
            models.Index(fields=["born_estimate"], name="people_person_born_idx"),
            models.Index(fields=["support_score"], name="people_person_support_idx"),
            models.Index(fields=["household"], name="people_person_hh_idx"),
            # Imports match a row without an identifier on name + birth (estimate).
            models.Index(fields=["full_name", "born_estimate"], name="people_person_match_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.given_name

    def save(self, *args, **kwargs):
        """Saving a person never writes ``votes_cast``: the summary is kept by SQL from vote
        history (``people.votes``), and a person object read before an import changed their votes
        must not put the old summary back when an edit saves it. (An object whose row was
        deleted meanwhile is not brought back: Django's "did not affect any rows" error.)"""
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not (kwargs.get("force_insert") or (args and args[0]))
        ):
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "votes_cast"
            ]
        return super().save(*args, **kwargs)

    @property
    def voter_status_label(self) -> str:
        return registration.label(self.voter_status)

    @property
    def display_age(self) -> int | None:
        if self.born_estimate is None:
            return None
        today = timezone.localdate()
        b = self.born_estimate
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


class ExternalId(models.Model):
    """An identifier from another system: ``epic:ABC1234567``, ``us-ca-voter:12345``."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="external_ids")
    namespace = models.CharField(_("namespace"), max_length=40)
    value = models.CharField(_("identifier"), max_length=100)

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["namespace", "value"], name="people_extid_unique")
        ]
        indexes = [models.Index(fields=["value"], name="people_extid_value_idx")]

    def __str__(self) -> str:
        return f"{self.namespace}:{self.value}"


class ContactPoint(TimeStampedModel):
    Channel = contact.channel_subset(*contact.CONTACT_POINT_CHANNELS)

    class PhoneKind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        LANDLINE = "landline", _("Landline")
        UNKNOWN = "", _("Unknown")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        UNVERIFIED = "unverified", _("Unverified")
        WRONG = "wrong", _("Wrong number / address")
        BOUNCED = "bounced", _("Bounced")

    person = models.ForeignKey(  # indexed by people_cp_person_idx (person, channel)
        Person, on_delete=models.CASCADE, related_name="contact_points", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    value = models.CharField(_("value"), max_length=254, help_text=_("E.164 phone or email"))
    phone_kind = models.CharField(
        _("phone kind"), max_length=10, choices=PhoneKind.choices, blank=True, default=""
    )
    whatsapp = models.BooleanField(_("WhatsApp-capable"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    is_primary = models.BooleanField(_("primary"), default=False)
    source = models.CharField(_("source"), max_length=100, blank=True, default="")

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-is_primary", "channel", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "channel", "value"], name="people_cp_unique")
        ]
        indexes = [
            models.Index(fields=["value"], name="people_cp_value_idx"),
            models.Index(fields=["person", "channel"], name="people_cp_person_idx"),
        ]

    def __str__(self) -> str:
        return self.value


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True, allow_unicode=True)
    color = models.CharField(_("colour"), max_length=7, default="#4b5563")
    description = models.CharField(_("description"), max_length=255, blank=True, default="")

    access_scope = access.Shared()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tagging(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="taggings")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="taggings")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag", "person"], name="people_tagging_unique")
        ]
        indexes = [models.Index(fields=["person"], name="people_tagging_person_idx")]

    def __str__(self) -> str:
        return f"{self.tag_id}→{self.person_id}"


class CustomField(models.Model):
    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        MULTI_CHOICE = "multi_choice", _("Multiple choice")
        BOOLEAN = "boolean", _("Yes/no")

    key = models.SlugField(max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=100)
    labels = models.JSONField(
        _("label in other languages"),
        default=dict,
        blank=True,
        help_text=_('Language code → label, e.g. {"hi": "पेशा", "bn": "পেশা"}.'),
    )
    type = models.CharField(_("type"), max_length=15, choices=Type.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    help_text = models.CharField(_("help text"), max_length=255, blank=True, default="")
    sort_order = models.PositiveIntegerField(default=100)
    # Where the field applies: people in this area (and below); empty = everyone. A ration card
    # means nothing to a Californian voter.
    area = models.ForeignKey(
        "geography.Area",
        verbose_name=_("applies to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Only people in this area (and below) have this field; empty for everyone."),
    )

    access_scope = access.Shared()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["sort_order", "label"]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        """The label in the language of the request (``labels``), else the label as entered."""
        return localized(self.label, self.labels)


class CustomFieldValue(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="custom_values")
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    value = models.JSONField()

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "field"], name="people_cfv_unique")
        ]

    def __str__(self) -> str:
        return f"{self.field_id}={self.value}"


class Note(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.body[:50]


class Interaction(models.Model):
    """The universal contact log: every door, call, text, email, event, donation or case."""

    # Every contact channel, plus the contacts that are not a channel of their own.
    Channel = contact.channel_subset(
        contact.Channel.DOOR,
        contact.Channel.PHONE,
        contact.Channel.SMS,
        contact.Channel.WHATSAPP,
        contact.Channel.EMAIL,
        contact.Channel.POST,
        extra=[
            ("EVENT", "event", _("Event")),
            ("DONATION", "donation", _("Donation")),
            ("CASE", "case", _("Case")),
            ("MEETING", "meeting", _("Meeting")),
            ("OTHER", "other", _("Other")),
        ],
    )

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="interactions")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND
    )
    outcome = models.CharField(_("outcome"), max_length=50, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    detail = models.TextField(_("detail"), blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=50, blank=True, default="")

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["person", "-occurred_at"], name="people_inter_person_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.outcome}".strip()


class Consent(models.Model):
    """An append-only record; the latest per channel × purpose is the person's current answer."""

    # One can consent to be reached on any channel but the door (a canvass is not opt-in).
    Channel = contact.channel_subset(
        contact.Channel.EMAIL,
        contact.Channel.SMS,
        contact.Channel.WHATSAPP,
        contact.Channel.PHONE,
        contact.Channel.POST,
    )
    Purpose = contact.Purpose

    class Basis(models.TextChoices):
        CONSENT = "consent", _("Consent")
        LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
        CONTRACT = "contract", _("Contract / membership")
        LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
        PUBLIC_TASK = "public_task", _("Public task / electoral roll")

    class Status(models.TextChoices):
        GRANTED = "granted", _("Granted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=15, choices=Purpose.choices)
    lawful_basis = models.CharField(
        _("lawful basis"), max_length=20, choices=Basis.choices, default=Basis.CONSENT
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    source = models.CharField(_("source"), max_length=100, blank=True, default="")
    wording = models.TextField(_("wording shown"), blank=True, default="")
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(
                fields=["person", "channel", "purpose", "-recorded_at"], name="people_consent_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.purpose}: {self.status}"


class VoteHistory(models.Model):
    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        EARLY = "early", _("Early")
        MAIL = "mail", _("Mail / postal")
        ABSENTEE = "absentee", _("Absentee")
        UNKNOWN = "", _("Unknown")

    person = models.ForeignKey(  # indexed by people_vote_unique (person, election)
        Person, on_delete=models.CASCADE, related_name="vote_history", db_index=False
    )
    election = models.ForeignKey("geography.Election", on_delete=models.CASCADE, related_name="+")
    voted = models.BooleanField(_("voted"))
    method = models.CharField(
        _("method"), max_length=10, choices=Method.choices, blank=True, default=""
    )
    # The party ballot taken in a primary ("DEM", "REP"…), as the file's mark said.
    ballot_party = models.CharField(_("ballot party"), max_length=30, blank=True, default="")

    access_scope = access.ByPerson()
    objects = access.ScopedManager()

    class Meta:
        verbose_name_plural = _("vote history")
        constraints = [
            models.UniqueConstraint(fields=["person", "election"], name="people_vote_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.election_id}: {self.voted}"


# --- imports -------------------------------------------------------------------------------


class ImportTemplate(models.Model):
    """A saved column mapping (``people.imports.mapping`` describes its shape)."""

    name = models.SlugField(_("name"), max_length=60, unique=True)
    description = models.CharField(_("description"), max_length=255, blank=True, default="")
    mapping = models.JSONField(default=dict)
    builtin = models.BooleanField(default=False)

    access_scope = access.Shared()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One import of one file: who, when, which file (by hash), the mapping, the counts."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        ROLLED_BACK = "rolled_back", _("Rolled back")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    filename = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField(default=0)
    mapping = models.JSONField(default=dict)
    template = models.CharField(max_length=60, blank=True, default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    dry_run = models.BooleanField(default=False)
    counts = models.JSONField(default=dict)
    examples = models.JSONField(default=dict)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Touched after every batch of rows: a running import without a heartbeat for
    # STALE_AFTER has died (worker killed) and may be run again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    STALE_AFTER = dt.timedelta(minutes=5)

    area = scope_area_field()

    access_scope = access.ByArea("area", owner="created_by")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_stale(self) -> bool:
        if self.status != self.Status.RUNNING:
            return False
        last = self.heartbeat_at or self.created_at
        return timezone.now() - last > self.STALE_AFTER

    @property
    def is_expired(self) -> bool:
        """Past the retention window: its file, rejected rows and rollback data are (to be) gone."""
        return timezone.now() - self.created_at > settings.IMPORT_RETENTION


class ImportRejection(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejections")
    line = models.PositiveIntegerField()
    reason = models.TextField()
    raw = models.TextField()

    access_scope = access.Via("batch")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["batch", "line"]

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason[:60]}"


class ImportNotice(models.Model):
    """Something an import did to one row short of rejecting it: a value it left out (the
    person was imported without it), or an earlier row of the same person that a later row of
    the same file replaced."""

    class Kind(models.TextChoices):
        VALUE = "value", _("Rejected value")
        REPEATED = "repeated", _("Repeated row")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="notices")
    line = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # the file's column of a rejected value; for a repeated row, the line it repeats
    column = models.CharField(max_length=255, blank=True, default="")
    value = models.TextField(blank=True, default="")  # a repeated row: what differs
    reason = models.TextField()

    access_scope = access.Via("batch")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["batch", "line", "id"]

    def __str__(self) -> str:
        return f"line {self.line} {self.column}: {self.reason[:60]}"


class ImportChange(models.Model):
    """What an import did to one person, so it can be rolled back (``before``) and shown on
    their timeline (``fields``: the names of what changed, e.g. ``age``, ``address``, ``phone``)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="changes")
    person_id = models.BigIntegerField(db_index=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    before = models.JSONField(default=dict, blank=True)
    fields = models.JSONField(default=list, blank=True)

    access_scope = access.Via("batch")
    objects = access.ScopedManager()

    def __str__(self) -> str:
        return f"{self.action} {self.person_id}"


# --- duplicates and merges ---------------------------------------------------------------------


class DuplicatePair(models.Model):
    """Two people who may be one. ``low``/``high`` are ordered ids, so a pair is stored once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To review")
        MERGED = "merged", _("Merged")
        DISTINCT = "distinct", _("Not a duplicate")

    low = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    high = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(default=0)
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    access_scope = access.AllOf((access.ByPerson("low"), access.ByPerson("high")))
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["low", "high"], name="people_dup_pair_unique")
        ]
        indexes = [models.Index(fields=["status", "-score"], name="people_dup_status_idx")]

    def __str__(self) -> str:
        return f"{self.low_id}~{self.high_id} ({self.score:.2f})"


class MergeRecord(models.Model):
    """Everything needed to undo one merge: the loser as it was and what moved or went."""

    survivor_id = models.BigIntegerField(db_index=True)
    loser_id = models.BigIntegerField()
    loser_snapshot = models.JSONField(default=dict)
    survivor_before = models.JSONField(default=dict)
    moved = models.JSONField(default=list)  # [model label, pk, fk attname]
    removed = models.JSONField(default=list)  # [model label, {field: value}] rows that clashed
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    access_scope = access.ByOwner("actor", capability="people.merge")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.loser_id} → {self.survivor_id}"


class DedupeSettings(models.Model):
    """Campaign-wide duplicate settings: one row (``load()``), changed by a data manager."""

    auto_merge_threshold = models.FloatField(
        _("auto-merge threshold"),
        null=True,
        blank=True,
        help_text=_("Pairs scoring at least this are merged without review. Empty: never."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    access_scope = access.Campaign("people.view", change_capability="people.merge")
    objects = access.ScopedManager()

    class Meta:
        verbose_name = _("duplicate settings")
        verbose_name_plural = _("duplicate settings")

    def __str__(self) -> str:
        return (
            f"auto-merge ≥ {self.auto_merge_threshold}" if self.auto_merge_threshold else "manual"
        )

    @classmethod
    def load(cls) -> DedupeSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj
