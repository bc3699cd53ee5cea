"""Peer-to-peer texting (as organisers know it from Spoke).

A campaign has a first message (a template text) and an audience, frozen into contacts when it
starts. Texters ask for a batch and are handed contacts nobody has (one row lock per claim, so
two texters never get the same person); each first message is sent by the texter pressing send
— one key per message — through the one send path (quiet hours, opt-outs and consent apply).
Contacts a texter took but did not text go back to the pool after ``release_after`` minutes.
Replies come back to the texter who sent; canned responses can tag the person and record their
answer to a question of the campaign's survey script in the same action (through
``surveys.services.responses_record``, channel "text"); opt-out and wrong number are one click each. Supervisors see each
texter's progress and can hand a texter's conversations to another.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import access, audit
from grassroots.geography.selectors import home_area
from grassroots.lists import services as list_services
from grassroots.lists.models import ListMember, PersonList, Segment
from grassroots.messaging import rendering, sending
from grassroots.messaging.models import (
    CannedResponse,
    Message,
    ProviderAccount,
    Suppression,
    TextingCampaign,
    TextingContact,
)
from grassroots.people import services as people_services
from grassroots.people.models import Person
from grassroots.people.selectors import person_visible_to
from grassroots.surveys import services as survey_services
from grassroots.surveys.models import Block, Choice, Script

C = TextingContact.Status
T = TextingCampaign.Status


SEND = "messaging.send"


def _require(actor: Any, campaign: TextingCampaign | None = None) -> None:
    """``messaging.send`` (an organiser's action), and the campaign inside the actor's areas:
    another area's campaign answers 404, as if it did not exist."""
    access.require(actor, SEND)
    if campaign is not None:
        access.require_object(actor, SEND, campaign)


def _require_texter_or_supervisor(actor: Any, contact: TextingContact) -> None:
    """The contact's own texter, or an organiser of a campaign inside their areas."""
    if access.is_user(actor) and contact.texter_id == actor.pk:
        return
    access.require(actor, SEND)
    access.require_object(actor, SEND, contact.campaign)


def can_text(actor: Any) -> bool:
    return getattr(actor, "is_authenticated", False) and (
        actor.has_capability("messaging.text") or actor.has_capability("messaging.send")
    )


# --- setting up -----------------------------------------------------------------------------------


@transaction.atomic
def campaign_save(
    *,
    actor: Any,
    campaign: TextingCampaign | None = None,
    name: str,
    script: str,
    segment: Segment | None = None,
    person_list: PersonList | None = None,
    account: ProviderAccount | None = None,
    batch_size: int = 50,
    release_after: int = 60,
    canned: list[dict[str, str]] | None = None,
    language: str = "en",
    versions: list[dict[str, str]] | None = None,
    survey_script: Script | None = None,
) -> TextingCampaign:
    """Create or change a campaign. ``script`` is the first message in ``language``;
    ``versions`` (``[{"language", "body"}]``) are the other languages' (each person gets the
    version in their language, as with a template's variants).

    ``survey_script`` is the survey whose questions the canned responses answer; each of
    ``canned`` (``{"title", "body", "tag", "question", "choice", "value"}``) may name a
    question of it (a ``Block`` or its id) and the answer: a ``choice`` of that question (a
    ``Choice`` or its id; naming the choice alone names its question) or, for a number, scale
    or free-text question, a ``value``."""
    _require(actor, campaign)
    for obj in (segment, person_list, account, survey_script):
        if obj is not None:
            access.require_object(actor, SEND, obj, access.VIEW)
    errors: dict[str, Any] = {}
    if (
        survey_script is not None
        and survey_script.status == Script.Status.ARCHIVED
        and (campaign is None or campaign.survey_script_id != survey_script.pk)
    ):
        errors["survey_script"] = _("This survey script is archived; choose another.")
    if not (name or "").strip():
        errors["name"] = _("Give the campaign a name.")
    if not (script or "").strip():
        errors["script"] = _("Write the first message.")
    else:
        try:
            rendering.check(script, limit=rendering.limit_for("sms"))
        except ValidationError as exc:
            errors["script"] = exc.messages[0]
    language = (language or "en").strip().lower()
    clean_versions, seen = [], {language}
    for i, v in enumerate(versions or []):
        lang, body = (v.get("language") or "").strip().lower(), (v.get("body") or "").strip()
        if not body:
            continue
        if not lang:
            errors[f"versions.{i}"] = _("Choose the language of this version.")
        elif lang in seen:
            errors[f"versions.{i}"] = _("Two versions in the same language.")
        else:
            try:
                rendering.check(body, limit=rendering.limit_for("sms"))
            except ValidationError as exc:
                errors[f"versions.{i}"] = exc.messages[0]
        seen.add(lang)
        clean_versions.append({"language": lang, "body": body})
    draft = campaign is None or campaign.status == T.DRAFT
    if draft and (segment is None) == (person_list is None):
        errors["audience"] = _("Choose a segment or a list as the audience.")
    if not 1 <= int(batch_size or 0) <= 500:
        errors["batch_size"] = _("A batch is 1 to 500 contacts.")
    if not 5 <= int(release_after or 0) <= 1440:
        errors["release_after"] = _("Between 5 minutes and a day.")
    account = account or sending.default_account("sms")
    if account is None:
        errors["account"] = _("No provider account sends SMS yet.")
    clean_canned = []
    for i, c in enumerate(canned or []):
        title, body = (c.get("title") or "").strip(), (c.get("body") or "").strip()
        if not title and not body:
            continue
        if not title or not body:
            errors[f"canned.{i}"] = _("A canned response needs a title and a text.")
            continue
        try:
            question, choice, value = _canned_answer(c, survey_script)
        except ValueError as exc:
            errors[f"canned.{i}"] = str(exc)
            continue
        clean_canned.append(
            {
                "title": title[:60],
                "body": body,
                "tag": (c.get("tag") or "").strip()[:60],
                "question": question,
                "choice": choice,
                "value": value,
            }
        )
    if errors:
        raise ValidationError(errors)
    campaign = campaign or TextingCampaign(
        created_by=access.user_or_none(actor), area=home_area(actor)
    )
    campaign.name, campaign.script = name.strip()[:120], script.strip()
    campaign.language, campaign.versions = language[:10], clean_versions
    if campaign.status == T.DRAFT:
        campaign.segment, campaign.person_list = segment, person_list
    campaign.survey_script = survey_script
    campaign.account, campaign.batch_size, campaign.release_after = (
        account,
        int(batch_size),
        int(release_after),
    )
    campaign.save()
    if canned is not None:
        campaign.canned_responses.all().delete()
        CannedResponse.objects.bulk_create(
            [CannedResponse(campaign=campaign, position=i, **c) for i, c in enumerate(clean_canned)]
        )
    audit.record(actor=actor, action="messaging.texting_saved", obj=campaign, detail={})
    return campaign


def _pk(raw: Any, model: type) -> int | None:
    """An object's id from the object, an int or a string of digits; ``None`` for empty;
    ``ValueError`` for anything else."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, model):
        return raw.pk
    if isinstance(raw, bool):
        raise ValueError
    text = str(raw).strip()
    if not text.isdigit() or len(text) > 18:
        raise ValueError
    return int(text)


def _canned_answer(
    c: dict[str, Any], survey_script: Script | None
) -> tuple[Block | None, Choice | None, str]:
    """The question, choice and value a canned response records, checked against the
    campaign's survey script; ``ValueError`` with the reason."""
    value = str(c.get("value") or "").strip()
    try:
        question_id = _pk(c.get("question"), Block)
        choice_id = _pk(c.get("choice"), Choice)
    except ValueError:
        raise ValueError(_("Choose the question from the list.")) from None
    if question_id is None and choice_id is None:
        if value:
            raise ValueError(_("Choose the question this answer is for."))
        return None, None, ""
    if survey_script is None:
        raise ValueError(_("Choose the campaign's survey script first."))
    choice = None
    if choice_id is not None:
        choice = Choice.objects.filter(pk=choice_id).select_related("block").first()
        if choice is None or choice.block.script_id != survey_script.pk:
            raise ValueError(_("That answer is not in the campaign's survey script."))
        if question_id is not None and choice.block_id != question_id:
            raise ValueError(_("That answer belongs to another question."))
        question_id = choice.block_id
    question = Block.objects.filter(pk=question_id, script=survey_script).first()
    if question is None or not question.is_question:
        raise ValueError(_("That question is not in the campaign's survey script."))
    if question.has_choices:
        if choice is None:
            raise ValueError(_("Choose one of the question's answers."))
        return question, choice, ""
    if choice is not None:  # pragma: no cover - a choice's block always has choices
        raise ValueError(_("That question has no answers to choose from."))
    if not value:
        raise ValueError(_("Write the answer this response records."))
    if len(value) > 200:
        raise ValueError(_("An answer is at most 200 characters."))
    if question.kind in (Block.Kind.SCALE, Block.Kind.NUMBER):
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            raise ValueError(_("The answer to this question is a number.")) from None
        if not number.is_finite() or abs(number) >= Decimal("1e10"):
            raise ValueError(_("The answer to this question is a number."))
        if question.kind == Block.Kind.SCALE and not (
            number == number.to_integral_value()
            and question.scale_min <= number <= question.scale_max
        ):
            raise ValueError(
                _("The answer is a whole number from %(lo)s to %(hi)s.")
                % {"lo": question.scale_min, "hi": question.scale_max}
            )
    return question, None, value


@transaction.atomic
def campaign_start(*, actor: Any, campaign: TextingCampaign) -> TextingCampaign:
    """Freeze the audience into contacts (people with a phone that can take texts)."""
    _require(actor, campaign)
    campaign = TextingCampaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != T.DRAFT:
        raise ValidationError(_("This campaign has already started."))
    if campaign.segment_id and not campaign.person_list_id:
        campaign.person_list = list_services.list_freeze(
            actor=actor,
            segment=campaign.segment,
            name=_("%(name)s — contacts") % {"name": campaign.name},
        )
    from grassroots.messaging.services import best_addresses

    ids = list(
        ListMember.objects.filter(list=campaign.person_list)
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )
    # One contact per number: people who share a phone (a household's one mobile) are texted
    # once, the first in a stable order (person id); the others are recorded as "same number",
    # never handed out, so no number goes to two texters.
    rows, shared = [], []
    first: dict[str, TextingContact] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        phones = best_addresses(chunk, "sms")
        for pid in chunk:
            if pid not in phones:
                continue
            contact = TextingContact(campaign=campaign, person_id=pid, phone=phones[pid])
            if phones[pid] in first:
                contact.status = C.SHARED
                shared.append((contact, first[phones[pid]]))
            else:
                first[phones[pid]] = contact
                rows.append(contact)
    TextingContact.objects.bulk_create(rows, batch_size=1000)
    for contact, same_as in shared:
        contact.same_as_id = same_as.pk
    TextingContact.objects.bulk_create([c for c, _s in shared], batch_size=1000)
    campaign.status = T.ACTIVE
    campaign.save(update_fields=["status", "person_list", "updated_at"])
    audit.record(
        actor=actor,
        action="messaging.texting_started",
        obj=campaign,
        detail={"contacts": len(rows), "same_number": len(shared)},
    )
    return campaign


def campaign_close(*, actor: Any, campaign: TextingCampaign) -> TextingCampaign:
    _require(actor, campaign)
    TextingCampaign.objects.filter(pk=campaign.pk).update(status=T.CLOSED)
    campaign.status = T.CLOSED
    return campaign


# --- texters -------------------------------------------------------------------------------------


def request_batch(*, actor: Any, campaign: TextingCampaign) -> int:
    """Hand the texter up to a batch of contacts nobody has (none if they still have some to
    text). Returns how many they got."""
    if not can_text(actor):
        raise PermissionDenied
    access.require_object(actor, None, campaign, access.VIEW)
    if campaign.status != T.ACTIVE:
        raise ValidationError(_("This campaign is not texting now."))
    now = timezone.now()
    with transaction.atomic():
        if TextingContact.objects.filter(
            campaign=campaign, texter=actor, status=C.ASSIGNED
        ).exists():
            return 0  # finish the batch you have first
        # only people the texter may see (a booth volunteer texts their own booth)
        free = TextingContact.objects.filter(
            campaign=campaign,
            status=C.UNASSIGNED,
            person__in=person_visible_to(actor).values("pk"),
        ).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            free = free.select_for_update(skip_locked=True)
        ids = list(free.values_list("id", flat=True)[: campaign.batch_size])
        # The status condition makes a concurrent claim of the same row a no-op (SQLite has
        # one writer at a time; PostgreSQL skips the rows another texter locked).
        got = TextingContact.objects.filter(pk__in=ids, status=C.UNASSIGNED).update(
            texter=actor, status=C.ASSIGNED, assigned_at=now, last_activity_at=now
        )
    return got


def next_contact(*, actor: Any, campaign: TextingCampaign) -> TextingContact | None:
    return (
        TextingContact.objects.filter(campaign=campaign, texter=actor, status=C.ASSIGNED)
        .select_related("person", "person__area", "person__household__address")
        .order_by("id")
        .first()
    )


class ScriptVersion:
    """One language's version of a campaign's first message (as a template's variant)."""

    def __init__(self, language: str, body: str):
        self.language, self.body = language, body


def script_versions(campaign: TextingCampaign) -> list[ScriptVersion]:
    """The first message in its own language, then the other languages' versions."""
    return [ScriptVersion(campaign.language or "en", campaign.script)] + [
        ScriptVersion(v["language"], v["body"]) for v in campaign.versions or []
    ]


def first_message(campaign: TextingCampaign, person: Person) -> str:
    """The first message for ``person``: the version in their language (else the campaign's
    own), with their name (and area) in that language's script when we have it."""
    from grassroots.messaging.services import context_for

    version = rendering.choose_variant(
        script_versions(campaign), person.preferred_language, campaign.language or "en"
    )
    ctx = context_for(person, version.language)
    return rendering.render(
        rendering.compile_text(version.body), ctx, limit=rendering.limit_for("sms")
    )


def send_initial(*, actor: Any, contact: TextingContact) -> Message:
    """The texter pressed send for this contact's first message."""
    if contact.texter_id != getattr(actor, "pk", None):
        raise PermissionDenied
    with transaction.atomic():
        locked = TextingContact.objects.select_for_update().get(pk=contact.pk)
        if locked.status != C.ASSIGNED or locked.texter_id != actor.pk:
            raise ValidationError(_("This contact is no longer yours to text."))
        person = Person.objects.select_related("area", "household__address").get(
            pk=locked.person_id
        )
        message = _queue(locked, actor, first_message(locked.campaign, person))
        now = timezone.now()
        locked.status, locked.sent_at, locked.last_activity_at = C.SENT, now, now
        locked.save(update_fields=["status", "sent_at", "last_activity_at"])
    sending.dispatch([message.pk])
    message.refresh_from_db()
    return message


def _queue(contact: TextingContact, actor, body: str) -> Message:
    account = contact.campaign.account
    return Message.objects.create(
        person_id=contact.person_id,
        channel="sms",
        purpose=contact.campaign.purpose,
        to_address=contact.phone,
        from_address=account.config.get("from_number", "") if account else "",
        body=body,
        account=account,
        texting_contact=contact,
        created_by=access.user_or_none(actor),
    )


def reply(
    *, actor: Any, contact: TextingContact, body: str = "", canned: CannedResponse | None = None
) -> Message:
    """The texter answers (free text or a canned response, which may also tag the person and
    record their answer to a survey question).

    A canned response answers the person's last reply once: sending it again before they write
    again (a double click) returns the message already queued and records nothing more. The
    answer is one contact attempt (channel "text") keyed by the contact, the canned response
    and that last reply, so ``responses_record`` stores it once."""
    _require_texter_or_supervisor(actor, contact)
    if canned is not None:
        if canned.campaign_id != contact.campaign_id:
            raise PermissionDenied
        body = canned.body
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the reply.")})
    if len(body) > 1600:
        raise ValidationError({"body": _("A text is at most 1,600 characters.")})
    person = contact.person
    with transaction.atomic():
        # one reply at a time per contact: a double click waits for the first, then finds it
        TextingContact.objects.select_for_update().filter(pk=contact.pk).values_list(
            "pk", flat=True
        ).first()
        if canned is not None:
            last_in = (
                Message.objects.filter(texting_contact=contact, direction=Message.Direction.INBOUND)
                .order_by("-id")
                .values_list("pk", flat=True)
                .first()
            )
            already = (
                Message.objects.filter(
                    texting_contact=contact,
                    direction=Message.Direction.OUTBOUND,
                    body=body,
                    pk__gt=last_in or 0,
                )
                .exclude(pk=_first_message_id(contact))
                .order_by("id")
                .first()
            )
            if already is not None:
                return already
        message = _queue(contact, actor, body)
        if canned is not None and canned.tag:
            tag = people_services.tag_get_or_create(actor=actor, name=canned.tag)
            people_services.tag_apply(actor=actor, tag=tag, people=[person])
        if canned is not None and canned.question_id:
            _record_answer(actor, contact, canned, last_in)
        TextingContact.objects.filter(pk=contact.pk).update(
            status=C.SENT, last_activity_at=timezone.now()
        )
    sending.dispatch([message.pk])
    message.refresh_from_db()
    return message


def _first_message_id(contact: TextingContact) -> int | None:
    """The campaign's first message to the contact (a canned reply never repeats it)."""
    return (
        Message.objects.filter(texting_contact=contact, direction=Message.Direction.OUTBOUND)
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )


def _record_answer(
    actor: Any, contact: TextingContact, canned: CannedResponse, last_in: int | None
) -> None:
    """The canned response's survey answer, as one contact attempt by text. The texter records
    it (``surveys.record``, and the script open to them); if they cannot, nothing is sent and
    they are told why (the reply's transaction rolls back)."""
    question = canned.question
    answer: Any = canned.choice.value if canned.choice_id else canned.value
    if question.has_choices and not canned.choice_id:
        return  # its choice was deleted since: nothing to record
    if not access.can(actor, survey_services.RECORD) or not access.is_visible(
        question.script, actor
    ):
        raise ValidationError(
            _(
                "This canned response records a survey answer you may not record; "
                "write the reply instead, or ask an organiser."
            )
        )
    campaign = contact.campaign
    survey_services.responses_record(
        actor=actor,
        person=contact.person_id,
        script=question.script,
        answers={str(question.pk): answer},
        channel="text",
        attempt_key=f"p2p-{contact.pk}-{canned.pk}-{last_in or 0}",
        source=f"p2p texting {campaign.name}"[:100],
    )


def skip(*, actor: Any, contact: TextingContact) -> TextingContact:
    """The texter moves on without texting this contact: it is not "texted" (no message, no
    ``sent_at``) and is not handed out again."""
    if contact.texter_id != getattr(actor, "pk", None):
        raise PermissionDenied
    now = timezone.now()
    if not TextingContact.objects.filter(pk=contact.pk, status=C.ASSIGNED, texter=actor).update(
        status=C.SKIPPED, last_activity_at=now
    ):
        raise ValidationError(_("This contact is no longer yours to text."))
    contact.status, contact.last_activity_at = C.SKIPPED, now
    return contact


def mark(*, actor: Any, contact: TextingContact, outcome: str) -> TextingContact:
    """One click: ``opted_out``, ``wrong`` (number) or ``done`` (close the conversation)."""
    _require_texter_or_supervisor(actor, contact)
    if outcome not in (C.OPTED_OUT, C.WRONG, C.DONE):
        raise ValidationError(_("Unknown outcome."))
    with transaction.atomic():
        if outcome in (C.OPTED_OUT, C.WRONG):
            reason = (
                Suppression.Reason.OPTED_OUT
                if outcome == C.OPTED_OUT
                else Suppression.Reason.WRONG_NUMBER
            )
            Suppression.objects.update_or_create(
                channel="sms",
                address=contact.phone,
                defaults={
                    "reason": reason,
                    "person_id": contact.person_id,
                    "detail": _("marked by %(user)s in “%(campaign)s”")
                    % {"user": actor.get_username(), "campaign": contact.campaign.name},
                },
            )
            if outcome == C.OPTED_OUT:
                people_services.consent_record(
                    actor=actor,
                    person=contact.person,
                    channel="sms",
                    purpose="campaign",
                    status="withdrawn",
                    source=_("Texting: %(campaign)s") % {"campaign": contact.campaign.name},
                )
        contact.status, contact.last_activity_at = outcome, timezone.now()
        contact.save(update_fields=["status", "last_activity_at"])
    return contact


SUBSCRIBER_KEY = "messaging.texting.reply"


def on_message_received(event) -> None:
    """Outbox subscriber (``SUBSCRIBER_KEY``) for ``message.received``: a reply to a P2P text
    goes back to its texter."""
    message = (
        Message.objects.filter(
            pk=event.payload.get("message_id"), direction=Message.Direction.INBOUND
        )
        .select_related("reply_to__texting_contact")
        .first()
    )
    if message is not None:
        on_reply(message)


def on_reply(message: Message) -> None:
    """An inbound message answering a P2P text: the conversation goes back to its texter.
    Once per message (an event may be delivered twice): the first call ties the message to the
    contact, and only that call changes the contact's status."""
    contact = message.reply_to.texting_contact if message.reply_to_id else None
    if contact is None:
        return
    status = C.REPLIED
    if message.status_code in ("opt_out", "possible_opt_out"):
        status = C.OPTED_OUT
    elif message.status_code == "wrong_number":
        status = C.WRONG
    with transaction.atomic():
        if not Message.objects.filter(pk=message.pk, texting_contact__isnull=True).update(
            texting_contact=contact
        ):
            return
        TextingContact.objects.filter(pk=contact.pk).update(
            status=status, last_activity_at=timezone.now()
        )


# --- supervisors ---------------------------------------------------------------------------------


def release_idle(now: dt.datetime | None = None) -> int:
    """Contacts taken but not texted for ``release_after`` minutes go back to the pool."""
    now = now or timezone.now()
    released = 0
    for campaign in TextingCampaign.objects.filter(status=T.ACTIVE):
        released += TextingContact.objects.filter(
            campaign=campaign,
            status=C.ASSIGNED,
            last_activity_at__lt=now - dt.timedelta(minutes=campaign.release_after),
        ).update(status=C.UNASSIGNED, texter=None, assigned_at=None)
    return released


def reassign(*, actor: Any, campaign: TextingCampaign, from_user, to_user=None) -> int:
    """Hand ``from_user``'s conversations (and untexted contacts) to ``to_user``; without a
    ``to_user`` their untexted contacts go back to the pool."""
    _require(actor, campaign)
    if to_user is not None and not access.who_can(campaign, [to_user], can_text):
        raise ValidationError(
            _("%(user)s cannot text in this campaign's area; choose someone who can.")
            % {"user": to_user.get_username()}
        )
    with transaction.atomic():
        mine = TextingContact.objects.filter(campaign=campaign, texter=from_user)
        if to_user is None:
            n = mine.filter(status=C.ASSIGNED).update(
                status=C.UNASSIGNED, texter=None, assigned_at=None
            )
        else:
            n = mine.exclude(status__in=[C.DONE, C.OPTED_OUT, C.WRONG, C.SKIPPED, C.SHARED]).update(
                texter=to_user
            )
        audit.record(
            actor=actor,
            action="messaging.texting_reassigned",
            obj=campaign,
            detail={"from": from_user.pk, "to": to_user.pk if to_user else None, "contacts": n},
        )
    return n


def progress(campaign: TextingCampaign) -> dict[str, Any]:
    """Counts per status, and per texter."""
    totals = dict(
        campaign.contacts.values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    texters = list(
        campaign.contacts.exclude(texter=None)
        .values("texter", "texter__username")
        .annotate(
            assigned=Count("id", filter=Q(status=C.ASSIGNED)),
            sent=Count("id", filter=Q(sent_at__isnull=False)),
            skipped=Count("id", filter=Q(status=C.SKIPPED)),
            replied=Count("id", filter=Q(status=C.REPLIED)),
            opted_out=Count("id", filter=Q(status=C.OPTED_OUT)),
        )
        .order_by("texter__username")
    )
    labels = dict(TextingContact.Status.choices)
    return {
        "totals": totals,
        # texted = a first message went (skipped and shared-number contacts were not texted)
        "texted": campaign.contacts.filter(sent_at__isnull=False).count(),
        "labelled": [(labels.get(k, k), k, n) for k, n in totals.items()],
        "total": sum(totals.values()),
        "texters": texters,
    }


def conversation(contact: TextingContact) -> list[Message]:
    return list(
        Message.objects.filter(
            Q(texting_contact=contact)
            | Q(
                person_id=contact.person_id,
                direction=Message.Direction.INBOUND,
                from_address=contact.phone,
                created_at__gte=contact.sent_at or timezone.now(),
            )
        ).order_by("created_at", "id")
    )
