"""Messaging writes: provider accounts, templates, single sends, broadcasts, webhooks, replies.

Everything that sends goes through ``dispatch`` (compliance inside); everything a provider
tells us goes through ``webhook_handle`` (the HTTP view and the simulator alike).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets as pysecrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import audit, events
from grassroots.core.jobs import JobReporter, job_create
from grassroots.lists import services as list_services
from grassroots.lists.models import ListMember, PersonList, Segment
from grassroots.messaging import dispatch, keywords, rendering
from grassroots.messaging import secrets as secret_store
from grassroots.messaging.models import (
    Broadcast,
    Channel,
    Message,
    ProviderAccount,
    Suppression,
    Template,
    TemplateVariant,
    WebhookEvent,
)
from grassroots.messaging.providers import provider_class
from grassroots.messaging.providers.base import Inbound, Receipt, WebhookRejected, WebhookRequest
from grassroots.people import services as people_services
from grassroots.people.models import ContactPoint, Person

S = Message.Status
B = Broadcast.Status
LANGUAGES = ("en", "hi", "bn", "it", "es", "ta", "te", "mr", "ur", "gu", "kn", "ml", "pa", "or")
CONFIRM = {
    "opt_out": "You are unsubscribed and will get no more messages from us. Reply START to resubscribe.",
    "opt_in": "You are subscribed again. Reply STOP to unsubscribe.",
    "help": "Campaign messages. Reply STOP to unsubscribe, START to resubscribe.",
}


def _require(actor: Any, capability: str) -> None:
    if actor is not None and not (
        getattr(actor, "is_authenticated", False) and actor.has_capability(capability)
    ):
        raise PermissionDenied


# --- provider accounts -------------------------------------------------------------------------


@transaction.atomic
def account_save(
    *,
    actor: Any,
    account: ProviderAccount | None = None,
    name: str,
    kind: str,
    channels: list[str],
    config: dict[str, Any],
    secrets: dict[str, str],
    is_default: bool = False,
    active: bool = True,
) -> ProviderAccount:
    """Create or change an account. Blank secrets keep the stored value (the screen never
    shows them back), so editing a setting does not mean typing the token again."""
    _require(actor, "messaging.configure")
    cls = provider_class(kind)
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Give the account a name.")
    bad = [c for c in channels if c not in cls.channels]
    if not channels or bad:
        errors["channels"] = _("Choose the channels this provider sends (%(allowed)s).") % {
            "allowed": ", ".join(sorted(cls.channels))
        }
    if errors:
        raise ValidationError(errors)
    account = account or ProviderAccount(kind=kind)
    stored = secret_store.decrypt(account.secrets) if account.secrets else {}
    for key, value in secrets.items():
        if key in cls.secret_fields and value:
            stored[key] = value
    if kind == "simulator" and not stored.get("signing_key"):
        stored["signing_key"] = pysecrets.token_urlsafe(32)
    account.name, account.kind, account.channels = name.strip()[:100], kind, list(channels)
    account.config = {k: v for k, v in config.items() if k in cls.config_fields}
    account.secrets = secret_store.encrypt(stored)
    account.secret_hints = {k: secret_store.hint(v) for k, v in stored.items()}
    account.is_default, account.active = is_default, active
    account.save()
    if is_default:  # one default per channel
        for other in ProviderAccount.objects.filter(is_default=True).exclude(pk=account.pk):
            if set(other.channels) & set(channels):
                other.is_default = False
                other.save(update_fields=["is_default"])
    audit.record(
        actor=actor,
        action="messaging.account_saved",
        obj=account,
        detail={"kind": kind, "channels": channels, "secrets_changed": sorted(secrets)},
    )
    return account


# --- templates ---------------------------------------------------------------------------------


@transaction.atomic
def template_save(
    *,
    actor: Any,
    template: Template | None = None,
    name: str,
    channel: str,
    purpose: str = "campaign",
    default_language: str = "en",
    variants: list[dict[str, str]],
) -> Template:
    """A template and its language variants (``[{"language", "subject", "body", "html",
    "provider_template"}]``); variants not listed are removed. Every variant must render."""
    _require(actor, "messaging.send")
    errors: dict[str, Any] = {}
    if not (name or "").strip():
        errors["name"] = _("Give the template a name.")
    if channel not in Channel.values:
        errors["channel"] = _("Choose a channel.")
    variants = [v for v in variants if (v.get("body") or "").strip() or v.get("language")]
    if not variants:
        errors["variants"] = _("Write the message in at least one language.")
    seen = set()
    for i, v in enumerate(variants):
        lang = (v.get("language") or "").strip().lower()
        if not lang:
            errors[f"variants.{i}.language"] = _("Choose the language.")
        elif lang in seen:
            errors[f"variants.{i}.language"] = _("Two versions in the same language.")
        seen.add(lang)
        if not (v.get("body") or "").strip():
            errors[f"variants.{i}.body"] = _("Write the message.")
            continue
        for key, html in (("body", False), ("subject", False), ("html", True)):
            if v.get(key):
                try:
                    rendering.check(v[key], html=html)
                except ValidationError as exc:
                    errors[f"variants.{i}.{key}"] = exc.messages[0]
        if channel == Channel.EMAIL and not (v.get("subject") or "").strip():
            errors[f"variants.{i}.subject"] = _("An email needs a subject.")
    if errors:
        raise ValidationError(errors)
    if default_language not in seen:
        default_language = (variants[0].get("language") or "en").strip().lower()
    template = template or Template(created_by=actor if _user(actor) else None)
    template.name, template.channel = name.strip()[:120], channel
    template.purpose, template.default_language = purpose, default_language
    template.save()
    keep = []
    for v in variants:
        lang = v["language"].strip().lower()
        variant, _created = TemplateVariant.objects.update_or_create(
            template=template,
            language=lang,
            defaults={
                "subject": (v.get("subject") or "").strip()[:200],
                "body": v["body"].strip(),
                "html": (v.get("html") or "").strip(),
                "provider_template": (v.get("provider_template") or "").strip()[:100],
                "approval": "pending"
                if channel == Channel.WHATSAPP and v.get("provider_template")
                else "",
            },
        )
        keep.append(variant.pk)
    template.variants.exclude(pk__in=keep).delete()
    audit.record(actor=actor, action="messaging.template_saved", obj=template, detail={})
    return template


def _user(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def person_context(person: Person, *, campaign: str = "", city: str = "", area: str = "") -> dict:
    return {
        "first_name": person.given_name,
        "family_name": person.family_name,
        "full_name": person.full_name,
        "native_name": person.native_name,
        "name": person.native_name or person.full_name,
        "city": city,
        "area": area,
        "language": person.preferred_language,
        "campaign": campaign,
    }


def render_for(template: Template, person: Person, variants=None, compiled=None) -> dict:
    """Subject, body and html of ``template`` for ``person`` in their language."""
    from django.conf import settings

    variants = variants if variants is not None else list(template.variants.all())
    variant = rendering.choose_variant(
        variants, person.preferred_language, template.default_language
    )
    if variant is None:
        raise ValidationError(_("The template has no text."))
    compiled = compiled if compiled is not None else {}
    address = getattr(getattr(person, "household", None), "address", None)
    ctx = person_context(
        person,
        campaign=settings.GRASSROOTS_CAMPAIGN_NAME,
        city=getattr(address, "city", "") or "",
        area=getattr(getattr(person, "area", None), "name", "") or "",
    )
    out = {"variant": variant}
    for key, html in (("subject", False), ("body", False), ("html", True)):
        source = getattr(variant, key)
        if not source:
            out[key] = ""
            continue
        ck = (variant.pk, key)
        if ck not in compiled:
            compiled[ck] = rendering.compile_text(source, html=html)
        out[key] = rendering.render(compiled[ck], ctx)
    return out


# --- addresses ---------------------------------------------------------------------------------


def best_addresses(person_ids: list[int], channel: str) -> dict[int, str]:
    """Each person's best usable address for a channel: the primary active (or unverified)
    phone / email; WhatsApp needs a WhatsApp-capable phone."""
    cp_channel = "email" if channel == Channel.EMAIL else "phone"
    qs = ContactPoint.objects.filter(
        person_id__in=person_ids,
        channel=cp_channel,
        status__in=[ContactPoint.Status.ACTIVE, ContactPoint.Status.UNVERIFIED],
    )
    if channel == Channel.WHATSAPP:
        qs = qs.filter(whatsapp=True)
    if channel == Channel.SMS:
        qs = qs.exclude(phone_kind=ContactPoint.PhoneKind.LANDLINE)
    out: dict[int, str] = {}
    for pid, value in qs.order_by("person_id", "-is_primary", "status", "id").values_list(
        "person_id", "value"
    ):
        out.setdefault(pid, value)
    return out


# --- single messages ---------------------------------------------------------------------------


def message_send(
    *,
    actor: Any,
    person: Person,
    channel: str,
    body: str,
    subject: str = "",
    purpose: str = "campaign",
    to: str = "",
    account: ProviderAccount | None = None,
) -> Message:
    """One message to one person (a test send, a staff reply): queued and dispatched at once,
    through the same compliance layer as a broadcast."""
    _require(actor, "messaging.send")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the message.")})
    to = to or best_addresses([person.pk], channel).get(person.pk, "")
    if not to:
        raise ValidationError(
            {"to": _("%(name)s has no address for this channel.") % {"name": person.full_name}}
        )
    account = account or dispatch.default_account(channel)
    message = Message.objects.create(
        person=person,
        channel=channel,
        purpose=purpose,
        to_address=to,
        from_address=(account.config.get("from_number") or account.config.get("from_email") or "")
        if account
        else "",
        subject=subject[:200],
        body=body,
        account=account,
        created_by=actor if _user(actor) else None,
    )
    dispatch.dispatch([message.pk])
    message.refresh_from_db()
    return message


# --- broadcasts --------------------------------------------------------------------------------


def broadcast_test_send(*, actor: Any, broadcast: Broadcast, to: str) -> Message:
    """Send the broadcast's text, as the first person of the audience would get it, to a
    test address (the sender's own phone or inbox), marked [TEST] and tied to nobody."""
    from grassroots.core.phones import normalize_email, normalize_phone
    from grassroots.messaging import selectors

    _require(actor, "messaging.send")
    to = (to or "").strip()
    try:
        to = normalize_email(to) if broadcast.channel == Channel.EMAIL else normalize_phone(to)[0]
    except (ValidationError, ValueError):
        raise ValidationError({"to": _("“%(to)s” is not a valid address for this channel.")
                               % {"to": to}})  # fmt: skip
    sample = selectors.audience_sample(actor, broadcast, 1)
    person = sample[0] if sample else Person(given_name=_("Test"), full_name=_("Test"))
    text = render_for(broadcast.template, person)
    account = broadcast.account or dispatch.default_account(broadcast.channel)
    message = Message.objects.create(
        channel=broadcast.channel,
        purpose=broadcast.purpose,
        to_address=to,
        from_address=(account.config.get("from_number") or account.config.get("from_email", ""))
        if account
        else "",
        subject=("[TEST] " + text["subject"])[:200] if text["subject"] else "",
        body=text["body"] if broadcast.channel == Channel.EMAIL else "[TEST] " + text["body"],
        html=text["html"],
        template_variant=text["variant"],
        account=account,
        created_by=actor if _user(actor) else None,
    )
    dispatch.dispatch([message.pk])
    message.refresh_from_db()
    audit.record(actor=actor, action="messaging.test_sent", obj=broadcast, detail={"to": to[-4:]})
    return message


@transaction.atomic
def broadcast_create(
    *,
    actor: Any,
    name: str,
    template: Template,
    segment: Segment | None = None,
    person_list: PersonList | None = None,
    account: ProviderAccount | None = None,
    scheduled_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    track: bool = False,
    template_b: Template | None = None,
    ab_sample: int = 20,
    ab_metric: str = "replied",
    ab_wait: int = 60,
) -> Broadcast:
    _require(actor, "messaging.send")
    errors = {}
    if template_b is not None:
        if template_b.channel != template.channel or template_b.pk == template.pk:
            errors["template_b"] = _("Version B must be another template of the same channel.")
        if not 2 <= int(ab_sample or 0) <= 50:
            errors["ab_sample"] = _("The sample is 2% to 50% of the audience.")
        if ab_metric not in ("replied", "clicked", "delivered"):
            errors["ab_metric"] = _("Choose how the better version is chosen.")
        if not 5 <= int(ab_wait or 0) <= 60 * 24 * 7:
            errors["ab_wait"] = _("Decide after 5 minutes to a week.")
    if not (name or "").strip():
        errors["name"] = _("Give the broadcast a name.")
    if (segment is None) == (person_list is None):
        errors["audience"] = _("Choose a segment or a list as the audience.")
    account = account or dispatch.default_account(template.channel)
    if account is None:
        errors["account"] = _("No provider account sends %(channel)s yet.") % {
            "channel": template.get_channel_display()
        }
    elif template.channel not in account.channels:
        errors["account"] = _("That account does not send this channel.")
    if scheduled_at and expires_at and expires_at <= scheduled_at:
        errors["expires_at"] = _("Held messages must be allowed to go after the start.")
    if errors:
        raise ValidationError(errors)
    broadcast = Broadcast.objects.create(
        name=name.strip()[:120],
        template=template,
        channel=template.channel,
        purpose=template.purpose,
        segment=segment,
        person_list=person_list,
        account=account,
        scheduled_at=scheduled_at,
        expires_at=expires_at,
        track=track and template.channel == Channel.EMAIL,
        template_b=template_b,
        ab_sample=int(ab_sample or 20),
        ab_metric=ab_metric,
        ab_wait=int(ab_wait or 60),
        created_by=actor if _user(actor) else None,
    )
    audit.record(actor=actor, action="messaging.broadcast_created", obj=broadcast, detail={})
    return broadcast


def broadcast_start(*, actor: Any, broadcast: Broadcast) -> Broadcast:
    """Freeze the audience (a segment becomes a snapshot list, within the sender's scope) and
    send now, or at the scheduled time."""
    _require(actor, "messaging.send")
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if broadcast.status != B.DRAFT:
            raise ValidationError(_("This broadcast has already been started."))
        if broadcast.segment_id and not broadcast.person_list_id:
            frozen = list_services.list_freeze(
                actor=actor,
                segment=broadcast.segment,
                name=_("%(name)s — recipients") % {"name": broadcast.name},
            )
            broadcast.person_list = frozen
        if broadcast.person_list is None:
            raise ValidationError(_("The audience list no longer exists."))
        job = job_create(
            kind="messaging.broadcast",
            title=_("Broadcast “%(name)s”") % {"name": broadcast.name},
            total=broadcast.person_list.size,
            actor=actor,
        )
        later = broadcast.scheduled_at and broadcast.scheduled_at > dispatch.clock()
        broadcast.status = B.SCHEDULED if later else B.SENDING
        broadcast.job = job
        broadcast.recipients = broadcast.person_list.size
        broadcast.save()
        audit.record(
            actor=actor,
            action="messaging.broadcast_started",
            obj=broadcast,
            detail={"recipients": broadcast.recipients, "scheduled": bool(later)},
        )
        if not later:
            _enqueue_run(broadcast)
    return broadcast


def _enqueue_run(broadcast: Broadcast) -> None:
    from grassroots.messaging import tasks

    transaction.on_commit(lambda: tasks.broadcast_run_task.enqueue(broadcast.pk))


def broadcast_set_status(*, actor: Any, broadcast: Broadcast, action: str) -> Broadcast:
    """pause, resume or cancel."""
    _require(actor, "messaging.send")
    with transaction.atomic():
        b = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if action == "pause" and b.status in (B.SENDING, B.SCHEDULED):
            b.status = B.PAUSED
        elif action == "resume" and b.status == B.PAUSED:
            b.status = B.SENDING
            _enqueue_run(b)
        elif action == "cancel" and b.status in (B.SENDING, B.SCHEDULED, B.PAUSED, B.DRAFT):
            b.status, b.finished_at = B.CANCELLED, timezone.now()
            b.messages.filter(status__in=[S.PENDING, S.HELD]).update(
                status=S.CANCELLED, status_code="cancelled", updated_at=timezone.now()
            )
        else:
            raise ValidationError(_("The broadcast cannot be changed that way now."))
        b.save(update_fields=["status", "finished_at", "updated_at"])
        audit.record(actor=actor, action=f"messaging.broadcast_{action}", obj=b, detail={})
    return b


def broadcast_run(broadcast_id: int, reporter: JobReporter | None = None) -> dict[str, Any]:
    """The broadcast's job: one message per recipient (created once, whatever restarts),
    then dispatched at the provider's pace until done, paused or cancelled."""
    broadcast = Broadcast.objects.select_related("template", "account", "person_list").get(
        pk=broadcast_id
    )
    if broadcast.status != B.SENDING:
        return {"skipped": broadcast.status}
    if broadcast.started_at is None:
        Broadcast.objects.filter(pk=broadcast.pk).update(started_at=dispatch.clock())
    _materialise(broadcast)
    provider = dispatch.provider_for(broadcast.account)
    pace = dispatch.Pacer(provider.rate)
    providers = {broadcast.account_id: provider}
    total = dispatch.Outcome()
    # progress = messages dealt with: counted once here, then from each batch's outcome (a
    # count over the whole broadcast per batch cost more than the batch at 100,000)
    done = broadcast.messages.exclude(status=S.PENDING).count()
    try:
        while True:
            status = Broadcast.objects.filter(pk=broadcast.pk).values_list("status", flat=True)[0]
            if status != B.SENDING:
                break
            ids = list(
                broadcast.messages.filter(status=S.PENDING, held_until__isnull=True)
                .order_by("id")
                .values_list("id", flat=True)[: dispatch.BATCH]
            )
            if not ids:
                break
            batch = dispatch.dispatch(ids, providers=providers, pace=pace)
            total.add(batch)
            done += batch.sent + batch.held + batch.blocked + batch.failed + batch.retry
            if reporter is not None:
                reporter.advance(done)
    finally:
        close = getattr(provider, "close", None)
        if close:
            close()
    _finish_if_done(broadcast.pk)
    if (
        reporter is not None
        and not Broadcast.objects.filter(pk=broadcast.pk, status=B.PAUSED).exists()
    ):
        # this pass is over; held messages go when allowed (the minute tick), not in this job
        reporter.job.refresh_from_db()
        if not reporter.job.is_finished:
            reporter.succeed({**broadcast_stats(broadcast), **total.as_dict()})
    return total.as_dict()


def _ab_group(broadcast: Broadcast, person_id: int) -> str:
    """ "a" or "b" for the sample of an A/B test, "" for the rest: a stable hash of the person
    and the broadcast, so a restart puts everyone in the same group again."""
    if not broadcast.template_b_id:
        return ""
    h = int(hashlib.sha256(f"{broadcast.pk}:{person_id}".encode()).hexdigest()[:8], 16) % 10000
    if h >= broadcast.ab_sample * 100:
        return ""
    return "a" if h % 2 == 0 else "b"


def _materialise(broadcast: Broadcast) -> int:
    """Create the broadcast's messages, 1,000 recipients at a time; a restart skips the people
    who already have theirs (unique per broadcast and person). In an A/B test the sample gets
    version A or B now; the others wait (held, "ab_wait") for the winner."""
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
    created = 0
    ids = list(members)
    waiting = _("Waiting for the A/B test to pick the better version.")
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        people = Person.objects.filter(pk__in=chunk).select_related("area", "household__address")
        addresses = best_addresses(chunk, broadcast.channel)
        rows = []
        for person in people:
            to = addresses.get(person.pk, "")
            group = _ab_group(broadcast, person.pk)
            wait = bool(broadcast.template_b_id) and not group and not broadcast.ab_winner
            key = group or broadcast.ab_winner or "a"
            text = (
                {"subject": "", "body": "", "html": "", "variant": None}
                if wait
                else render_for(templates[key], person, variants[key], compiled)
            )
            if not to:
                status, code, reason = (
                    S.BLOCKED,
                    "no_address",
                    _("No usable %(channel)s address.")
                    % {"channel": broadcast.get_channel_display()},
                )
            elif wait:
                status, code, reason = S.HELD, "ab_wait", waiting
            else:
                status, code, reason = S.PENDING, "", ""
            rows.append(
                Message(
                    person=person,
                    channel=broadcast.channel,
                    purpose=broadcast.purpose,
                    to_address=to,
                    from_address=sender,
                    subject=text["subject"],
                    body=text["body"],
                    html=text["html"],
                    template_variant=text["variant"],
                    broadcast=broadcast,
                    account=broadcast.account,
                    ab_variant=group,
                    status=status,
                    status_code=code,
                    status_reason=reason,
                    created_by=broadcast.created_by,
                )
            )
        Message.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        created += len(rows)
    return created


def ab_results(broadcast: Broadcast) -> dict[str, dict[str, int]]:
    """Per version of an A/B test: sent, delivered, replied, clicked (and the rate of the
    metric that decides)."""
    out = {}
    for key in ("a", "b"):
        qs = broadcast.messages.filter(ab_variant=key)
        sent = qs.filter(status__in=[S.SENT, S.DELIVERED]).count()
        row = {
            "sent": sent,
            "delivered": qs.filter(status=S.DELIVERED).count(),
            "replied": qs.filter(replies__isnull=False).distinct().count(),
            "clicked": qs.filter(clicked_at__isnull=False).count(),
        }
        row["rate"] = round(row[broadcast.ab_metric] / sent, 4) if sent else 0.0
        out[key] = row
    return out


def ab_decide(broadcast: Broadcast, now: dt.datetime | None = None) -> str:
    """After the wait: the version with the higher rate wins (A on a tie); everyone still
    waiting gets it, rendered in their language, and the sending job runs again."""
    now = now or dispatch.clock()
    with transaction.atomic():
        b = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if b.ab_winner or not b.template_b_id or b.started_at is None:
            return b.ab_winner
        if now < b.started_at + dt.timedelta(minutes=b.ab_wait):
            return ""
        results = ab_results(b)
        winner = "b" if results["b"]["rate"] > results["a"]["rate"] else "a"
        b.ab_winner = winner
        b.save(update_fields=["ab_winner", "updated_at"])
        template = b.template_b if winner == "b" else b.template
        variants = list(template.variants.all())
        compiled: dict = {}
        waiting = b.messages.filter(status=S.HELD, status_code="ab_wait").select_related(
            "person", "person__area", "person__household__address"
        )
        batch = []
        for m in waiting.iterator(chunk_size=1000):
            text = render_for(template, m.person, variants, compiled)
            m.subject, m.body, m.html = text["subject"], text["body"], text["html"]
            m.template_variant = text["variant"]
            m.status, m.status_code, m.status_reason = S.PENDING, "", ""
            batch.append(m)
            if len(batch) >= 1000:
                _ab_save(batch)
                batch = []
        _ab_save(batch)
        audit.record(
            actor=None,
            action="messaging.ab_decided",
            obj=b,
            detail={"winner": winner, "results": results},
        )
        if b.status == B.SENDING:
            _enqueue_run(b)
    return winner


def _ab_save(messages: list[Message]) -> None:
    if messages:
        Message.objects.bulk_update(
            messages,
            ["subject", "body", "html", "template_variant", "status", "status_code",
             "status_reason"],
        )  # fmt: skip


def _finish_if_done(broadcast_id: int) -> None:
    with transaction.atomic():
        b = Broadcast.objects.select_for_update().get(pk=broadcast_id)
        if b.status != B.SENDING:
            return
        if b.messages.filter(status__in=[S.PENDING, S.HELD, S.SENDING]).exists():
            return  # held messages go when allowed (messaging_tick)
        b.status, b.finished_at = B.DONE, timezone.now()
        b.save(update_fields=["status", "finished_at", "updated_at"])
        if b.job_id and not b.job.is_finished:
            JobReporter(b.job).succeed(broadcast_stats(b))
        events.publish("broadcast.finished", {"broadcast_id": b.pk})


def broadcast_stats(broadcast: Broadcast) -> dict[str, int]:
    counts = dict(
        broadcast.messages.values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    agg = broadcast.messages.aggregate(
        opened=Count("id", filter=Q(opened_at__isnull=False)),
        clicked=Count("id", filter=Q(clicked_at__isnull=False)),
        replied=Count("replies", distinct=True),
        opted_out=Count("replies", filter=Q(replies__status_code="opt_out"), distinct=True),
    )
    sent = counts.get(S.SENT, 0) + counts.get(S.DELIVERED, 0)
    return {
        "recipients": broadcast.recipients,
        "queued": counts.get(S.PENDING, 0) + counts.get(S.SENDING, 0),
        "held": counts.get(S.HELD, 0),
        "blocked": counts.get(S.BLOCKED, 0),
        "sent": sent,
        "delivered": counts.get(S.DELIVERED, 0),
        "failed": counts.get(S.FAILED, 0),
        "cancelled": counts.get(S.CANCELLED, 0),
        **agg,
    }


# --- the clock ---------------------------------------------------------------------------------


def messaging_tick(now: dt.datetime | None = None) -> dict[str, Any]:
    """Every minute: start scheduled broadcasts that are due, send held and retried messages
    whose time has come, requeue messages a dead worker left ``sending``, finish broadcasts."""
    now = now or dispatch.clock()
    started = 0
    for b in Broadcast.objects.filter(status=B.SCHEDULED, scheduled_at__lte=now):
        Broadcast.objects.filter(pk=b.pk, status=B.SCHEDULED).update(status=B.SENDING)
        _enqueue_run(b)
        started += 1
    for b in Broadcast.objects.filter(
        status=B.SENDING, template_b__isnull=False, ab_winner="", started_at__isnull=False
    ):
        ab_decide(b, now)
    recovered = dispatch.recover_stuck(now)
    out = dispatch.dispatch(dispatch.due_ids(now), now=now)
    for pk in Broadcast.objects.filter(status=B.SENDING).values_list("pk", flat=True):
        _finish_if_done(pk)
    from grassroots.messaging import automations

    resumed = automations.run_due(now)
    entered = automations.segment_entries(now)
    from grassroots.messaging import texting

    released = texting.release_idle()
    return {
        "started": started,
        "recovered": recovered,
        "automations": resumed,
        "segment_entries": entered,
        "texting_released": released,
        **out.as_dict(),
    }


# --- webhooks: receipts and replies -------------------------------------------------------------


def webhook_handle(account: ProviderAccount, request: WebhookRequest) -> tuple[int, str, str]:
    """Verify, parse and apply one provider webhook. (status, content type, body)"""
    provider = dispatch.provider_for(account)
    try:
        provider.verify_webhook(request)
    except WebhookRejected:
        return 403, "text/plain", "forbidden"
    try:
        items = provider.parse_webhook(request)
    except (ValueError, KeyError, TypeError):
        return 400, "text/plain", "malformed"
    replies: list[int] = []
    for item in items:
        key = (
            f"in:{item.provider_id}"
            if isinstance(item, Inbound)
            else f"r:{item.provider_id}:{item.status}"
        )
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(account=account, key=key[:200])
                if isinstance(item, Inbound):
                    replies += inbound_record(account=account, inbound=item).followups
                else:
                    receipt_apply(account=account, receipt=item)
        except IntegrityError:
            continue  # the provider delivered this event before: applied once already
    if replies:  # the one confirmation of STOP / START / HELP, after the reply is stored
        dispatch.dispatch(replies)
    content_type, body = provider.webhook_response(items)
    return 200, content_type, body


ORDER = {S.SENT: 1, S.DELIVERED: 2}


def receipt_apply(*, account: ProviderAccount, receipt: Receipt) -> int:
    messages = list(Message.objects.filter(provider_id=receipt.provider_id, account=account))
    now = receipt.occurred_at or timezone.now()
    for m in messages:
        st = receipt.status
        if st == "delivered" and m.status in (S.SENT, S.SENDING):
            Message.objects.filter(pk=m.pk).update(status=S.DELIVERED, delivered_at=now)
        elif st in ("failed", "undelivered", "bounced") and m.status != S.FAILED:
            Message.objects.filter(pk=m.pk).update(
                status=S.FAILED,
                status_code=(receipt.error_code or st)[:30],
                status_reason=(receipt.error or st)[:300],
            )
            if st == "bounced":
                _suppress(m.channel, m.to_address, Suppression.Reason.BOUNCED, m.person_id)
        elif st == "opened" and m.opened_at is None:
            Message.objects.filter(pk=m.pk).update(opened_at=now)
        elif st == "clicked" and m.clicked_at is None:
            Message.objects.filter(pk=m.pk).update(clicked_at=now, opened_at=m.opened_at or now)
        elif st == "complained":
            _suppress(m.channel, m.to_address, Suppression.Reason.COMPLAINED, m.person_id)
    return len(messages)


def _suppress(channel: str, address: str, reason: str, person_id: int | None, detail=""):
    Suppression.objects.update_or_create(
        channel=channel,
        address=address,
        defaults={"reason": reason, "person_id": person_id, "detail": detail[:300]},
    )
    # a bounce or a wrong number is a fact about the contact point itself: the person page,
    # call lists and "reachable" segments see it too
    status = {
        Suppression.Reason.BOUNCED: ContactPoint.Status.BOUNCED,
        Suppression.Reason.WRONG_NUMBER: ContactPoint.Status.WRONG,
    }.get(reason)
    if status:
        ContactPoint.objects.filter(
            channel="email" if channel == Channel.EMAIL else "phone", value=address
        ).update(status=status)


@transaction.atomic
def suppression_add(
    *, actor: Any, channel: str, address: str, reason: str = "manual"
) -> Suppression:
    """Add an address to the suppression list by hand (a number that asked by phone, a list
    received from a partner)."""
    from grassroots.core.phones import normalize_email, normalize_phone

    _require(actor, "messaging.send")
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose a channel.")})
    try:
        value = (
            normalize_email(address) if channel == Channel.EMAIL else normalize_phone(address)[0]
        )
    except (ValidationError, ValueError):
        raise ValidationError(
            {"address": _("“%(a)s” is not a valid address for this channel.") % {"a": address}}
        )
    person = _person_for(channel, value)
    _suppress(channel, value, reason, person.pk if person else None,
              _("added by %(user)s") % {"user": getattr(actor, "username", "")})  # fmt: skip
    audit.record(actor=actor, action="messaging.suppression_added", detail={"channel": channel})
    return Suppression.objects.get(channel=channel, address=value)


@transaction.atomic
def suppression_remove(*, actor: Any, suppression: Suppression) -> None:
    """Take an address off the list (the person asked to hear from us again, in writing)."""
    _require(actor, "messaging.send")
    audit.record(
        actor=actor,
        action="messaging.suppression_removed",
        detail={"channel": suppression.channel, "reason": suppression.reason},
    )
    suppression.delete()


def _person_for(channel: str, address: str) -> Person | None:
    cp = "email" if channel == Channel.EMAIL else "phone"
    pid = (
        ContactPoint.objects.filter(channel=cp, value=address)
        .order_by("-is_primary", "id")
        .values_list("person_id", flat=True)
        .first()
    )
    return Person.objects.filter(pk=pid).first() if pid else None


def inbound_record(*, account: ProviderAccount, inbound: Inbound) -> Message:
    """A reply: stored, put on the person's timeline, threaded to what we last sent them, and
    acted on — STOP (and its kin) opts the number out of every campaign, START opts back in,
    HELP answers; a free-text opt-out ("please stop texting me") is applied as well (the
    careful reading of TCPA's "any reasonable means"), a wrong number is suppressed."""
    channel = inbound.channel if inbound.channel in Channel.values else Channel.SMS
    person = _person_for(channel, inbound.sender)
    last = (
        Message.objects.filter(
            to_address=inbound.sender, channel=channel, direction=Message.Direction.OUTBOUND
        )
        .exclude(status__in=[S.BLOCKED, S.HELD, S.PENDING, S.CANCELLED])
        .order_by("-sent_at", "-id")
        .first()
    )
    verdict = keywords.classify(inbound.body)
    followups: list[int] = []
    message = Message.objects.create(
        person=person,
        channel=channel,
        direction=Message.Direction.INBOUND,
        to_address=inbound.to,
        from_address=inbound.sender,
        body=inbound.body[:5000],
        status=S.RECEIVED,
        status_code=verdict.kind,
        provider_id=inbound.provider_id[:100],
        account=account,
        reply_to=last,
        purpose=last.purpose if last else "campaign",
        created_at=inbound.received_at or timezone.now(),
    )
    if last is not None and last.texting_contact_id:
        from grassroots.messaging import texting

        texting.on_reply(message)  # the conversation goes back to the texter who sent
    else:
        from grassroots.messaging import inbox

        inbox.thread_for_inbound(message)
    outcome = {
        "opt_out": "opted out",
        "possible_opt_out": "opted out",
        "opt_in": "opted in",
        "wrong_number": "wrong number",
        "help": "asked for help",
    }.get(verdict.kind, "replied")
    if person is not None:
        people_services.interaction_record(
            actor=None,
            person=person,
            channel=dispatch.INTERACTION_CHANNEL[channel],
            direction="inbound",
            outcome=outcome,
            detail=inbound.body[:2000],
            data={"message": str(message.uuid), "keyword": verdict.keyword},
            source="reply",
        )
    if verdict.kind in ("opt_out", "possible_opt_out"):
        _suppress(
            channel, inbound.sender, Suppression.Reason.OPTED_OUT, person and person.pk,
            detail=inbound.body,
        )  # fmt: skip
        if person is not None:
            people_services.consent_record(
                actor=None,
                person=person,
                channel=channel if channel != "voice" else "phone",
                purpose="campaign",
                status="withdrawn",
                source=_("Replied “%(text)s”") % {"text": inbound.body[:60]},
            )
        followups.append(_confirm(account, inbound, person, "opt_out"))
    elif verdict.kind == "opt_in":
        Suppression.objects.filter(
            channel=channel, address=inbound.sender, reason=Suppression.Reason.OPTED_OUT
        ).delete()
        if person is not None:
            people_services.consent_record(
                actor=None,
                person=person,
                channel=channel if channel != "voice" else "phone",
                purpose="campaign",
                status="granted",
                source=_("Replied “%(text)s”") % {"text": inbound.body[:60]},
            )
        followups.append(_confirm(account, inbound, person, "opt_in"))
    elif verdict.kind == "help":
        followups.append(_confirm(account, inbound, person, "help"))
    elif verdict.kind == "wrong_number":
        _suppress(channel, inbound.sender, Suppression.Reason.WRONG_NUMBER, None, inbound.body)
    events.publish(
        "message.received",
        {
            "message_id": message.pk,
            "person_id": person.pk if person else None,
            "channel": channel,
            "keyword": verdict.kind,
            "body": inbound.body[:500],
        },
    )
    message.followups = followups  # replies to send once this is committed
    return message


def _confirm(account, inbound: Inbound, person, kind: str) -> int:
    return Message.objects.create(
        person=person,
        channel=inbound.channel if inbound.channel in Channel.values else Channel.SMS,
        to_address=inbound.sender,
        from_address=inbound.to,
        body=CONFIRM[kind],
        account=account,
        system=True,
    ).pk


def tracking_open(*, token: str) -> bool:
    """The 1×1 image of a tracked email was loaded: the message was opened."""
    from django.core import signing

    try:
        key = signing.loads(token, salt="messaging.open", max_age=60 * 60 * 24 * 365)
    except signing.BadSignature:
        return False
    return bool(
        Message.objects.filter(uuid=key, opened_at__isnull=True).update(opened_at=timezone.now())
    )


def tracking_click(*, token: str) -> str | None:
    """A tracked link was followed: record the click (and the open) and say where to go; None
    for a token we did not sign (no open redirect)."""
    from django.core import signing

    try:
        data = signing.loads(token, salt="messaging.click", max_age=60 * 60 * 24 * 365)
        key, url = data["m"], data["u"]
    except (signing.BadSignature, KeyError, TypeError):
        return None
    if not url.startswith(("http://", "https://")):
        return None
    now = timezone.now()
    Message.objects.filter(uuid=key, clicked_at__isnull=True).update(clicked_at=now)
    Message.objects.filter(uuid=key, opened_at__isnull=True).update(opened_at=now)
    return url


def unsubscribe(*, token: str) -> Message:
    """An email's unsubscribe link (or one-click POST): the address is suppressed for email."""
    from django.core import signing

    try:
        key = signing.loads(token, salt="messaging.unsubscribe", max_age=60 * 60 * 24 * 365)
    except signing.BadSignature:
        raise ValidationError(_("This unsubscribe link is not valid."))
    message = Message.objects.filter(uuid=key).first()
    if message is None:
        raise ValidationError(_("This unsubscribe link is not valid."))
    with transaction.atomic():
        _suppress(message.channel, message.to_address, Suppression.Reason.OPTED_OUT,
                  message.person_id, "unsubscribe link")  # fmt: skip
        if message.person_id:
            people_services.consent_record(
                actor=None,
                person=message.person,
                channel="email",
                purpose=message.purpose,
                status="withdrawn",
                source=_("Unsubscribe link"),
            )
    return message
