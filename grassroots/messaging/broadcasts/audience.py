"""Creating a broadcast's messages: one per recipient, rendered in their language, a batch
at a time (the sending job yields between batches), A/B groups assigned."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from grassroots.core import bulk
from grassroots.lists.models import ListMember
from grassroots.messaging.models import Broadcast, Channel, Message
from grassroots.messaging.services import best_addresses, render_for
from grassroots.people import contact
from grassroots.people.models import ContactPoint, Person

S = Message.Status
# The status code of a recipient not sent to because an earlier recipient of the same
# broadcast has the same address on the channel (a household's shared phone).
SAME_ADDRESS = "same_address"


def ab_group(broadcast: Broadcast, person_id: int) -> str:
    """ "a" or "b" for the sample of an A/B test, "" for the rest: a stable hash of the person
    and the broadcast, so a restart puts everyone in the same group again."""
    if not broadcast.template_b_id:
        return ""
    h = int(hashlib.sha256(f"{broadcast.pk}:{person_id}".encode()).hexdigest()[:8], 16) % 10000
    if h >= broadcast.ab_sample * 100:
        return ""
    return "a" if h % 2 == 0 else "b"


PERSON_FIELDS = (
    "id", "given_name", "family_name", "full_name", "native_name", "preferred_language",
    "area__name", "area__native_name", "household__address__city",
)  # fmt: skip


def shared_addresses(broadcast: Broadcast) -> set[str]:
    """The addresses (on the broadcast's channel) that two or more of its recipients have: one
    set-based query, so only these are tracked while the messages are made (a household's
    shared phone is common in India; most addresses are one person's)."""
    if broadcast.person_list_id is None:
        return set()
    return set(
        ContactPoint.objects.filter(
            channel=contact.contact_point_channel(broadcast.channel),
            person_id__in=ListMember.objects.filter(list_id=broadcast.person_list_id).values(
                "person_id"
            ),
        )
        .order_by()
        .values("value")
        .annotate(people=Count("person_id", distinct=True))
        .filter(people__gt=1)
        .values_list("value", flat=True)
    )


def address_owners(broadcast: Broadcast, shared: set[str]) -> dict[str, tuple[int, str]]:
    """Of the ``shared`` addresses, those an earlier run of the job already sent to (a restart):
    address -> (person id, full name) of the recipient who has it. Read once per run."""
    owners: dict[str, tuple[int, str]] = {}
    if not shared or not Message.objects.filter(broadcast=broadcast).exists():
        return owners
    rows = (
        Message.objects.filter(broadcast=broadcast, channel=broadcast.channel)
        .exclude(status_code=SAME_ADDRESS)
        .exclude(to_address="")
        .order_by("person_id")
        .values_list("to_address", "person_id", "person__full_name")
    )
    for address, pid, name in rows.iterator(chunk_size=5000):
        if address in shared:
            owners.setdefault(address, (pid, name or ""))
    return owners


def materialise_chunks(broadcast: Broadcast, size: int = 1000) -> Iterator[int]:
    """Create the broadcast's messages, ``size`` recipients at a time, yielding after each
    chunk how many of its messages were created not pending (blocked: no address, or the same
    address as an earlier recipient; held: A/B wait). A restart skips the people who already
    have theirs (unique per broadcast and person). In an A/B test the sample gets version A or
    B now; the others wait (held, "ab_wait") for the winner.

    Once per address: people who share a phone or an email (a household's one mobile) get one
    message, the first of them in person-id order (the order chunks are made in, whatever
    restarts); the others are recorded as blocked, "same number as …", unless the template is
    personal by design (``Template.personal``). No query per chunk: the shared addresses are
    found once (``shared_addresses``), and only they are remembered while the job runs."""
    templates = {"a": broadcast.template, "b": broadcast.template_b}
    variants = {k: list(t.variants.all()) for k, t in templates.items() if t is not None}
    compiled: dict = {}
    sender = broadcast.account.config.get("from_number") or broadcast.account.config.get(
        "from_email", ""
    )
    members = (
        ListMember.objects.filter(list=broadcast.person_list)
        .exclude(person_id__in=Message.objects.filter(broadcast=broadcast).values("person_id"))
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )
    ids = list(members)
    personal = broadcast.template.personal
    # once per address: who has each shared address (the first recipient by person id)
    shared = set() if personal else shared_addresses(broadcast)
    owners = address_owners(broadcast, shared)
    waiting = _("Waiting for the A/B test to pick the better version.")
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        # only what a template can use (render_for, person_context): a person row has dozens
        # of columns, most of them dates that cost more to read than the rest of the work
        people = (
            Person.objects.filter(pk__in=chunk)
            .select_related("area", "household__address")
            .only(*PERSON_FIELDS)
        )
        addresses = best_addresses(chunk, broadcast.channel)
        rows = []
        for person in sorted(people, key=lambda p: p.pk):
            to = addresses.get(person.pk, "")
            owner = owners.get(to) if to in shared else None
            group = ab_group(broadcast, person.pk)
            wait = bool(broadcast.template_b_id) and not group and not broadcast.ab_winner
            key = group or broadcast.ab_winner or "a"
            text = {"subject": "", "body": "", "html": "", "variant": None}
            unrenderable = ""
            if not wait:
                try:
                    text = render_for(templates[key], person, variants[key], compiled)
                except ValidationError as exc:  # too long for the channel, …: this one fails
                    unrenderable = exc.messages[0]
            if not to:
                status, code, reason = (
                    S.BLOCKED,
                    "no_address",
                    _("No usable %(channel)s address.")
                    % {"channel": broadcast.get_channel_display()},
                )
            elif unrenderable:
                status, code, reason = S.FAILED, "render_failed", unrenderable[:300]
            elif owner is not None:
                status, code = S.BLOCKED, SAME_ADDRESS
                reason = (
                    _("Same number as %(name)s, who gets this message.")
                    if broadcast.channel != Channel.EMAIL
                    else _("Same email address as %(name)s, who gets this message.")
                ) % {"name": owner[1] or f"#{owner[0]}"}
            elif wait:
                status, code, reason = S.HELD, "ab_wait", waiting
            else:
                status, code, reason = S.PENDING, "", ""
            if to in shared and owner is None:
                owners[to] = (person.pk, person.full_name)
            variant = text["variant"]
            rows.append(
                {
                    "uuid": uuid.uuid4(),
                    "person_id": person.pk,
                    "channel": broadcast.channel,
                    "purpose": broadcast.purpose,
                    "to_address": to,
                    "from_address": sender,
                    "subject": text["subject"],
                    "body": text["body"],
                    "html": text["html"],
                    "template_variant_id": variant.pk if variant is not None else None,
                    "broadcast_id": broadcast.pk,
                    "account_id": broadcast.account_id,
                    "ab_variant": group,
                    "status": status,
                    "status_code": code,
                    "status_reason": reason,
                    "created_by_id": broadcast.created_by_id,
                }
            )
        insert_messages(rows)
        yield sum(1 for row in rows if row["status"] != S.PENDING)


def insert_messages(rows: list[dict[str, Any]]) -> None:
    """Plain rows in, fast (``COPY`` on PostgreSQL). If another run of the job created some of
    the same messages meanwhile (unique per broadcast and person), the chunk is inserted again
    skipping those: nobody gets a second message."""
    try:
        with transaction.atomic():
            bulk.insert_rows(Message, rows)
    except IntegrityError:
        Message.objects.bulk_create(
            [Message(**row) for row in rows], batch_size=500, ignore_conflicts=True
        )
