"""Messaging writes: provider accounts, templates, rendering for a person, single sends.

Broadcasts are in ``broadcasts``, receipts/replies/unsubscribes in ``replies``, automations in
``automations``, the minute clock in ``tick``. Everything that sends goes through ``sending``
(compliance inside); everything a provider tells us goes through
``replies.webhooks.webhook_handle`` (the HTTP view and the simulator alike).
"""

from __future__ import annotations

import secrets as pysecrets
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.core import access, audit
from grassroots.geography.selectors import home_area
from grassroots.messaging import rendering, sending
from grassroots.messaging import secrets as secret_store
from grassroots.messaging.models import (
    Broadcast,
    Channel,
    Message,
    ProviderAccount,
    Template,
    TemplateVariant,
)
from grassroots.messaging.providers import provider_class
from grassroots.people import contact
from grassroots.people.models import ContactPoint, Person

S = Message.Status
B = Broadcast.Status
SEND = "messaging.send"
LANGUAGES = ("en", "hi", "bn", "it", "es", "ta", "te", "mr", "ur", "gu", "kn", "ml", "pa", "or")


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
    access.require(actor, "messaging.configure")
    if account is not None:
        access.require_object(actor, "messaging.configure", account)
    cls = provider_class(kind)
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Give the account a name.")
    bad = [c for c in channels if c not in cls.channels]
    if not channels or bad:
        errors["channels"] = _("Choose the channels this provider sends (%(allowed)s).") % {
            "allowed": ", ".join(sorted(cls.channels))
        }
    errors.update(_config_errors(cls, config))
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


def parse_segment_cost(value: str) -> tuple[Decimal, str] | None:
    """ "0.25 INR" (or "INR 0.25", "0.0079") -> (Decimal("0.25"), "INR"); None if blank or not
    a cost. A bare number is in the campaign's currency (``GRASSROOTS_CURRENCY``, else USD)."""
    from django.conf import settings

    words = (value or "").replace(",", ".").split()
    amount = next((w for w in words if w.replace(".", "", 1).isdecimal()), None)
    if amount is None or len(words) > 2:
        return None
    currency = next((w.upper() for w in words if w is not amount), "")
    if currency and not (len(currency) == 3 and currency.isalpha()):
        return None
    return Decimal(amount), currency or getattr(settings, "GRASSROOTS_CURRENCY", "USD")


def sms_segment_cost() -> tuple[Decimal, str] | None:
    """The cost of one SMS segment: the default SMS account's *cost per segment*, else the
    ``GRASSROOTS_SMS_SEGMENT_COST`` setting (e.g. "0.25 INR"); None when neither is set."""
    from django.conf import settings

    account = sending.default_account("sms")
    configured = (account.config.get("segment_cost") if account else "") or getattr(
        settings, "GRASSROOTS_SMS_SEGMENT_COST", ""
    )
    return parse_segment_cost(configured)


# The settings that point an adapter somewhere else than its service's own address (tests, a
# regional endpoint, an EU Postmark...). The server sends the account's stored credentials and
# the messages' personal data there (docs/guide/security.md: who may set it and what it means).
URL_FIELDS = ("api_base", "api_url")


def provider_url_problem(url: str) -> str | None:
    """Why a provider's API address is refused, or None. Unless
    ``GRASSROOTS_PROVIDER_URLS_ANYWHERE`` (on in DEBUG), it must be ``https://`` and must not
    name this machine or a private network by its address or as ``localhost``: the server would
    send credentials in clear text, or make requests on the user's behalf inside the network
    (server-side request forgery). A host name that resolves to a private address is not caught
    here: restrict the server's outgoing traffic for that (the security guide says how)."""
    import ipaddress
    import socket
    from urllib.parse import urlsplit

    from django.conf import settings

    if getattr(settings, "GRASSROOTS_PROVIDER_URLS_ANYWHERE", False):
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        parts.port  # noqa: B018 - a bad port raises ValueError
    except ValueError:
        host, parts = "", None
    if parts is None or parts.scheme != "https" or not host:
        return _("The API address must be an https:// address, e.g. https://api.example.com.")
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        try:  # the forms resolvers also read as IPv4: 2130706433, 0x7f.1, 127.1
            ip = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            ip = None
    if host == "localhost" or host.endswith(".localhost") or (ip is not None and not ip.is_global):
        return _(
            "The API address may not be this server or an address on a private network "
            "(an administrator can allow it with GRASSROOTS_PROVIDER_URLS_ANYWHERE)."
        )
    return None


def _config_errors(cls, config: dict[str, Any]) -> dict[str, str]:
    """The settings every adapter reads the same way: a throughput and a number of parallel
    connections (blank means the adapter's default)."""
    errors = {}
    rate = str(config.get("rate") or "").strip()
    if rate and "rate" in cls.config_fields:
        try:
            ok = 0 < float(rate) <= 100_000
        except ValueError:
            ok = False
        if not ok:
            errors["rate"] = _(
                "Messages per second must be a number above 0 (at most 100000), or blank for "
                "the provider's default."
            )
    cost = str(config.get("segment_cost") or "").strip()
    if cost and "segment_cost" in cls.config_fields and parse_segment_cost(cost) is None:
        errors["segment_cost"] = _(
            "The cost of one SMS segment is a number and a currency code, e.g. “0.25 INR” or "
            "“0.0079 USD”, or blank."
        )
    for key in URL_FIELDS:
        url = str(config.get(key) or "").strip()
        if url and key in cls.config_fields and (problem := provider_url_problem(url)):
            errors[key] = problem
    connections = str(config.get("connections") or "").strip()
    if (
        connections
        and "connections" in cls.config_fields
        and not (connections.isdecimal() and 1 <= int(connections) <= cls.MAX_CONNECTIONS)
    ):
        errors["connections"] = _(
            "Parallel connections must be a whole number from 1 to %(max)d, or blank for the "
            "provider's default (%(default)d)."
        ) % {"max": cls.MAX_CONNECTIONS, "default": cls.default_connections}
    return errors


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
    personal: bool = False,
) -> Template:
    """A template and its language variants (``[{"language", "subject", "body", "html",
    "provider_template"}]``); variants not listed are removed. Every variant must render.
    A new template belongs to the author's area (campaign-wide templates are read by everyone;
    an area's templates only inside it). ``personal``: a broadcast of it goes to each person
    even when people share a number or address (by default, once per address)."""
    access.require(actor, SEND)
    if template is not None:
        access.require_object(actor, SEND, template)
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
                    rendering.check(v[key], html=html, limit=rendering.limit_for(channel, key))
                except ValidationError as exc:
                    errors[f"variants.{i}.{key}"] = exc.messages[0]
        if channel == Channel.EMAIL and not (v.get("subject") or "").strip():
            errors[f"variants.{i}.subject"] = _("An email needs a subject.")
    if errors:
        raise ValidationError(errors)
    if default_language not in seen:
        default_language = (variants[0].get("language") or "en").strip().lower()
    template = template or Template(created_by=access.user_or_none(actor), area=home_area(actor))
    template.name, template.channel = name.strip()[:120], channel
    template.purpose, template.default_language = purpose, default_language
    template.personal = bool(personal)
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
                # WhatsApp approves each template: staff record its answer (pending first)
                "approval": (
                    v.get("approval")
                    if v.get("approval") in ("pending", "approved", "rejected")
                    else "pending"
                )
                if channel == Channel.WHATSAPP and v.get("provider_template")
                else "",
            },
        )
        keep.append(variant.pk)
    template.variants.exclude(pk__in=keep).delete()
    audit.record(actor=actor, action="messaging.template_saved", obj=template, detail={})
    return template


def person_context(
    person: Person,
    *,
    campaign: str = "",
    city: str = "",
    area: str = "",
    language: str = "",
    area_native: str = "",
) -> dict:
    """The variables of a message to ``person`` in ``language`` (the version chosen for them).
    In a language written in another script (Bengali, Hindi…), the names are the person's
    name in that script when they have one (``native_name``), and the area's too: "নমস্কার তৃষা",
    not "নমস্কার Trisha"."""
    first, family, full = person.given_name, person.family_name, person.full_name
    if rendering.written_in(person.native_name, language):
        full = person.native_name
        first, family = rendering.native_name_parts(
            person.native_name, person.given_name, person.family_name
        )
    if rendering.written_in(area_native, language):
        area = area_native
    return {
        "first_name": first,
        "family_name": family,
        "full_name": full,
        "native_name": person.native_name,
        "name": person.native_name or person.full_name,
        "city": city,
        "area": area,
        "language": person.preferred_language,
        "campaign": campaign,
    }


def context_for(person: Person, language: str) -> dict:
    """``person_context`` with the person's city and area read from them (select_related
    ``area`` and ``household__address`` to avoid a query each)."""
    from django.conf import settings

    address = getattr(getattr(person, "household", None), "address", None)
    area = getattr(person, "area", None)
    return person_context(
        person,
        campaign=settings.GRASSROOTS_CAMPAIGN_NAME,
        city=getattr(address, "city", "") or "",
        area=getattr(area, "name", "") or "",
        area_native=getattr(area, "native_name", "") or "",
        language=language,
    )


def render_for(template: Template, person: Person, variants=None, compiled=None) -> dict:
    """Subject, body and html of ``template`` for ``person`` in their language."""
    variants = variants if variants is not None else list(template.variants.all())
    variant = rendering.choose_variant(
        variants, person.preferred_language, template.default_language
    )
    if variant is None:
        raise ValidationError(_("The template has no text."))
    compiled = compiled if compiled is not None else {}
    ctx = context_for(person, variant.language)
    out = {"variant": variant}
    for key, html in (("subject", False), ("body", False), ("html", True)):
        source = getattr(variant, key)
        if not source:
            out[key] = ""
            continue
        ck = (variant.pk, key)
        if ck not in compiled:
            compiled[ck] = rendering.compile_text(source, html=html)
        out[key] = rendering.render(
            compiled[ck], ctx, limit=rendering.limit_for(template.channel, key)
        )
    return out


# --- addresses ---------------------------------------------------------------------------------


def best_addresses(person_ids: list[int], channel: str) -> dict[int, str]:
    """Each person's best usable address for a channel: the primary active (or unverified)
    phone / email; WhatsApp needs a WhatsApp-capable phone."""
    cp_channel = contact.contact_point_channel(channel)
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
    access.require_object(actor, SEND, person)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the message.")})
    to = to or best_addresses([person.pk], channel).get(person.pk, "")
    if not to:
        raise ValidationError(
            {"to": _("%(name)s has no address for this channel.") % {"name": person.full_name}}
        )
    account = account or sending.default_account(channel)
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
        created_by=access.user_or_none(actor),
    )
    sending.dispatch([message.pk])
    message.refresh_from_db()
    return message
