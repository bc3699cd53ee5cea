"""Messaging screens: templates, provider accounts, the send box on a person's page. Broadcasts,
automations, texting and the inbox have their screens in their packages; the public endpoints
(webhooks, unsubscribe, tracking) are in ``replies.views``."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.core.ids import parse_id
from grassroots.messaging import rendering, sending, services
from grassroots.messaging.models import (
    Channel,
    ProviderAccount,
    Purpose,
    Template,
)
from grassroots.messaging.providers import provider_class, registry
from grassroots.people import selectors as people_selectors

PAGE_SIZE = 50


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"__all__": list(exc.messages)}


# --- templates ---------------------------------------------------------------------------------


class TemplateListView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request):
        qs = Template.objects.visible_to(request.user).prefetch_related("variants")
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "messaging/template_list.html", {"page": page, "querystring": ""})


LANGUAGE_CHOICES = [
    ("en", "English"),
    ("hi", "हिन्दी (Hindi)"),
    ("bn", "বাংলা (Bengali)"),
    ("it", "Italiano"),
    ("es", "Español"),
    ("ta", "தமிழ் (Tamil)"),
    ("te", "తెలుగు (Telugu)"),
    ("mr", "मराठी (Marathi)"),
    ("ur", "اردو (Urdu)"),
    ("gu", "ગુજરાતી (Gujarati)"),
]


def sms_meter_config() -> dict:
    """What the SMS meter (static/grassroots/sms_meter.js) needs: the translated phrases, the
    sample values per language, and the cost of a segment on the default SMS account (or the
    ``GRASSROOTS_SMS_SEGMENT_COST`` setting), if one is set."""
    cost = services.sms_segment_cost()
    return {
        "samples": {code: rendering.sample_for(code) for code, _label in LANGUAGE_CHOICES},
        "gsm": _("GSM-7 (plain Latin letters)"),
        "ucs2": _("UCS-2 (Unicode: any Bengali, Hindi or other non-Latin letter)"),
        # xgettext:python-format
        "one": _("1 SMS segment · %(encoding)s · %(units)s of %(per)s characters"),
        "many": _(
            "%(segments)s SMS segments · %(encoding)s · %(units)s characters, %(per)s per segment"
        ),  # fmt: skip
        "one_short": _("1 segment, %(encoding)s"),
        "many_short": _("%(segments)s segments, %(encoding)s"),
        "cost_format": _("about %(cost)s %(currency)s per message"),
        "no_cost": _("set a cost per segment on the SMS account to see the cost"),
        "cost": {
            "amount": float(cost[0]),
            "currency": cost[1],
            "places": max(2, -cost[0].as_tuple().exponent),
        }  # fmt: skip
        if cost
        else None,
    }


def _variants_from(post) -> list[dict[str, str]]:
    out = []
    for i in range(12):
        row = {k: post.get(f"v{i}-{k}", "") for k in ("language", "subject", "body", "html",
                                                       "provider_template", "approval")}  # fmt: skip
        if any(v.strip() for k, v in row.items() if k != "language"):
            out.append(row)
    return out


class TemplateEditView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request, pk=None):
        template = (
            get_object_or_404(Template.objects.visible_to(request.user), pk=pk) if pk else None
        )
        variants = (
            [
                {
                    "language": v.language,
                    "subject": v.subject,
                    "body": v.body,
                    "html": v.html,
                    "provider_template": v.provider_template,
                    "approval": v.approval,
                }
                for v in sorted(
                    template.variants.all(),
                    key=lambda v: (v.language != template.default_language, v.language),
                )  # the default language first
            ]
            if template
            else [{"language": "en"}, {"language": "hi"}]
        )
        data = {
            "name": template.name if template else "",
            "channel": template.channel if template else "sms",
            "purpose": template.purpose if template else "campaign",
            "default_language": template.default_language if template else "en",
            "personal": template.personal if template else False,
        }
        return self._render(request, template, data, variants, {})

    def _render(self, request, template, data, variants, errors, status=200):
        return render(
            request,
            "messaging/template_form.html",
            {
                "template": template,
                "data": data,
                "variants": variants,
                "errors": errors,
                "channels": Channel.choices,
                "purposes": Purpose.choices,
                "languages": LANGUAGE_CHOICES,
                "variables": rendering.VARIABLES,
                "sms_meter": sms_meter_config(),
            },
            status=status,
        )

    def post(self, request, pk=None):
        template = (
            get_object_or_404(Template.objects.visible_to(request.user), pk=pk) if pk else None
        )
        data = {k: request.POST.get(k, "") for k in ("name", "channel", "purpose",
                                                     "default_language")}  # fmt: skip
        data["personal"] = bool(request.POST.get("personal"))
        variants = _variants_from(request.POST)
        try:
            template = services.template_save(
                actor=request.user,
                template=template,
                name=data["name"],
                channel=data["channel"],
                purpose=data["purpose"] or "campaign",
                default_language=data["default_language"] or "en",
                variants=variants,
                personal=data["personal"],
            )
        except ValidationError as exc:
            return self._render(
                request,
                template,
                data,
                variants or [{"language": "en"}],
                validation_errors(exc),
                400,
            )
        flash.success(request, _("Template saved."))
        return redirect("messaging:template_edit", template.pk)


class TemplatePreviewView(CapabilityRequiredMixin, View):
    """The rendered text for one person (``?person=ID``, within the viewer's scope)."""

    capability = "messaging.send"

    def get(self, request, pk):
        template = get_object_or_404(Template.objects.visible_to(request.user), pk=pk)
        person = None
        person_id = parse_id(request.GET.get("person", ""))
        if person_id is not None:
            person = (
                people_selectors.person_visible_to(request.user)
                .filter(pk=person_id)
                .select_related("area", "household__address")
                .first()
            )
        if person is None:
            raise Http404
        try:
            text = services.render_for(template, person)
        except ValidationError as exc:
            text = {"error": exc.messages[0]}
        return render(
            request,
            "messaging/_preview.html",
            {"person": person, "text": text, "template": template},
        )


# --- provider accounts -------------------------------------------------------------------------


class AccountListView(CapabilityRequiredMixin, View):
    capability = "messaging.configure"

    def get(self, request):
        return render(
            request,
            "messaging/account_list.html",
            {"accounts": ProviderAccount.objects.visible_to(request.user), "kinds": sorted(registry.values(),
                                                                        key=lambda c: c.kind)},
        )  # fmt: skip


class AccountEditView(CapabilityRequiredMixin, View):
    capability = "messaging.configure"

    def get(self, request, pk=None):
        account = (
            get_object_or_404(ProviderAccount.objects.visible_to(request.user), pk=pk)
            if pk
            else None
        )
        kind = account.kind if account else request.GET.get("kind", "simulator")
        if kind not in registry:
            raise Http404
        data = {
            "name": account.name if account else provider_class(kind).label.split(" (")[0],
            "channels": account.channels if account else sorted(provider_class(kind).channels),
            "config": account.config if account else {},
            "is_default": account.is_default if account else True,
            "active": account.active if account else True,
        }
        return self._render(request, account, kind, data, {})

    def _render(self, request, account, kind, data, errors, status=200):
        cls = provider_class(kind)
        webhook = (
            sending.public_url(reverse("messaging:webhook", args=[account.uuid])) if account else ""
        )
        return render(
            request,
            "messaging/account_form.html",
            {
                "account": account,
                "kind": kind,
                "cls": cls,
                "all_channels": sorted(cls.channels),
                "data": data,
                "errors": errors,
                "webhook": webhook,
                "config_fields": [
                    (k, lbl, data["config"].get(k, ""), errors.get(k, []))
                    for k, lbl in cls.config_fields.items()
                ],
                "secret_fields": [
                    (k, lbl, (account.secret_hints or {}).get(k, "") if account else "")
                    for k, lbl in cls.secret_fields.items()
                ],
            },
            status=status,
        )

    def post(self, request, pk=None):
        account = (
            get_object_or_404(ProviderAccount.objects.visible_to(request.user), pk=pk)
            if pk
            else None
        )
        kind = account.kind if account else request.POST.get("kind", "")
        if kind not in registry:
            raise Http404
        cls = provider_class(kind)
        data = {
            "name": request.POST.get("name", ""),
            "channels": request.POST.getlist("channels"),
            "config": {k: request.POST.get(f"config-{k}", "").strip() for k in cls.config_fields},
            "is_default": bool(request.POST.get("is_default")),
            "active": bool(request.POST.get("active")),
        }
        secrets = {k: request.POST.get(f"secret-{k}", "") for k in cls.secret_fields}
        try:
            account = services.account_save(
                actor=request.user,
                account=account,
                name=data["name"],
                kind=kind,
                channels=data["channels"],
                config=data["config"],
                secrets=secrets,
                is_default=data["is_default"],
                active=data["active"],
            )
        except ValidationError as exc:
            return self._render(request, account, kind, data, validation_errors(exc), 400)
        flash.success(request, _("Provider account saved."))
        return redirect("messaging:account_list")


# --- a person's page: send one message ---------------------------------------------------------


class PersonSendView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def post(self, request, pk):
        person = people_selectors.person_visible_to(request.user).filter(pk=pk).first()
        if person is None:
            raise Http404
        channel = request.POST.get("channel", "sms")
        if channel not in Channel.values:
            channel = "sms"
        try:
            message = services.message_send(
                actor=request.user,
                person=person,
                channel=channel,
                body=request.POST.get("body", "")[:5000],
                subject=request.POST.get("subject", "")[:200],
            )
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
        else:
            if message.status in ("sent", "delivered"):
                flash.success(request, _("Message sent."))
            else:
                flash.warning(
                    request,
                    _("Not sent now: %(reason)s")
                    % {"reason": message.status_reason or message.get_status_display()},
                )
        return redirect("people:person_detail", person.pk)
