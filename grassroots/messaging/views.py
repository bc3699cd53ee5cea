"""Messaging screens: broadcasts (compose, progress, stats), templates, provider accounts, the
send box on a person's page, the provider webhook and the public unsubscribe page."""

from __future__ import annotations

import urllib.parse

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.lists import selectors as list_selectors
from grassroots.messaging import automations, broadcasts, rendering, selectors, services
from grassroots.messaging.models import (
    Automation,
    AutomationStep,
    Broadcast,
    Channel,
    Enrollment,
    ProviderAccount,
    Purpose,
    Template,
)
from grassroots.messaging.providers import provider_class, registry
from grassroots.messaging.providers.base import WebhookRequest
from grassroots.people import selectors as people_selectors

PAGE_SIZE = 50
MAX_WEBHOOK = 256 * 1024  # bytes


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"__all__": list(exc.messages)}


# --- broadcasts --------------------------------------------------------------------------------


class BroadcastListView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request):
        q = request.GET.get("q", "").strip()[:100]
        qs = Broadcast.objects.visible_to(request.user).select_related(
            "template", "person_list", "segment"
        )
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(template__name__icontains=q))
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        sent = [b for b in page.object_list if b.status != "draft"]
        stats = broadcasts.broadcast_stats_many(sent)
        for b in page.object_list:
            b.stats = stats.get(b.pk)
        return render(
            request,
            "messaging/broadcast_list.html",
            {"page": page, "q": q, "querystring": f"q={urllib.parse.quote(q)}"},
        )


class BroadcastForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    template = forms.ModelChoiceField(
        label=gettext_lazy("Template"), queryset=Template.objects.none()
    )
    audience = forms.ChoiceField(label=gettext_lazy("Audience"), choices=())
    account = forms.ModelChoiceField(
        label=gettext_lazy("Send through"),
        queryset=ProviderAccount.objects.filter(active=True),
        required=False,
        empty_label=gettext_lazy("The channel's default account"),
    )
    scheduled_at = forms.DateTimeField(
        label=gettext_lazy("Send at (leave empty to send now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    expires_at = forms.DateTimeField(
        label=gettext_lazy("Drop messages still held after"),
        required=False,
        help_text=gettext_lazy(
            "Messages held by quiet hours or a silence period go when allowed — or are dropped "
            "after this time (e.g. an event reminder that would arrive too late)."
        ),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    template_b = forms.ModelChoiceField(
        label=gettext_lazy("A/B test: version B (optional)"),
        queryset=Template.objects.none(),
        required=False,
        empty_label=gettext_lazy("No A/B test"),
        help_text=gettext_lazy(
            "A sample of the audience gets the first template or this one, half each; after the "
            "wait, everyone else gets the one that did better."
        ),
    )
    ab_sample = forms.IntegerField(
        # xgettext:no-python-format
        label=gettext_lazy("A/B sample (% of the audience)"), min_value=2, max_value=50,
        initial=20, required=False,
    )  # fmt: skip
    ab_metric = forms.ChoiceField(
        label=gettext_lazy("The better version has more"),
        choices=[("replied", gettext_lazy("replies")), ("clicked", gettext_lazy("clicks")),
                 ("delivered", gettext_lazy("deliveries"))],
        required=False,
    )  # fmt: skip
    ab_wait = forms.IntegerField(
        label=gettext_lazy("Decide after (minutes)"), min_value=5, max_value=10080, initial=60,
        required=False,
    )  # fmt: skip
    track = forms.BooleanField(
        label=gettext_lazy("Email: track opens and link clicks"),
        required=False,
        help_text=gettext_lazy(
            "Adds an invisible image and sends links through a counter; some countries require "
            "consent for this."
        ),
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = Template.objects.visible_to(actor)
        self.fields["template_b"].queryset = Template.objects.visible_to(actor)
        self.fields["account"].queryset = ProviderAccount.objects.visible_to(actor).filter(
            active=True
        )
        choices = [("", "—")]
        segs = [
            (f"segment:{s.pk}", _("Segment: %(name)s") % {"name": s.name})
            for s in list_selectors.segment_visible_to(actor)[:300]
        ]
        lists = [
            (f"list:{pl.pk}", _("List: %(name)s (%(n)s)") % {"name": pl.name, "n": pl.size})
            for pl in list_selectors.list_visible_to(actor)[:300]
        ]
        self.fields["audience"].choices = choices + segs + lists


class BroadcastCreateView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request):
        initial = {}
        if request.GET.get("segment"):
            initial["audience"] = f"segment:{request.GET['segment']}"
        if request.GET.get("template"):
            initial["template"] = request.GET["template"]
        form = BroadcastForm(actor=request.user, initial=initial)
        return self._render(request, form)

    def _render(self, request, form):
        return render(
            request,
            "messaging/broadcast_form.html",
            {"form": form, "has_templates": Template.objects.visible_to(request.user).exists()},
        )

    def post(self, request):
        form = BroadcastForm(request.POST, actor=request.user)
        if not form.is_valid():
            return self._render(request, form)
        kind, _sep, pk = form.cleaned_data["audience"].partition(":")
        segment = person_list = None
        if kind == "segment":
            segment = list_selectors.segment_visible_to(request.user).filter(pk=pk).first()
        elif kind == "list":
            person_list = list_selectors.list_visible_to(request.user).filter(pk=pk).first()
        try:
            broadcast = services.broadcast_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                template=form.cleaned_data["template"],
                segment=segment,
                person_list=person_list,
                account=form.cleaned_data["account"],
                scheduled_at=form.cleaned_data["scheduled_at"],
                expires_at=form.cleaned_data["expires_at"],
                track=form.cleaned_data["track"],
                template_b=form.cleaned_data["template_b"],
                ab_sample=form.cleaned_data["ab_sample"] or 20,
                ab_metric=form.cleaned_data["ab_metric"] or "replied",
                ab_wait=form.cleaned_data["ab_wait"] or 60,
            )
        except ValidationError as exc:
            for field, errs in validation_errors(exc).items():
                form.add_error(field if field in form.fields else None, errs)
            return self._render(request, form)
        return redirect("messaging:broadcast_detail", broadcast.pk)


def _broadcast_or_404(user, pk) -> Broadcast:
    """Another area's broadcast answers 404, exactly like a missing one."""
    return get_object_or_404(
        Broadcast.objects.visible_to(user).select_related(
            "template", "person_list", "segment", "account", "job"
        ),
        pk=pk,
    )


class BroadcastDetailView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request, pk):
        broadcast = _broadcast_or_404(request.user, pk)
        variants = list(broadcast.template.variants.all())
        preview = []
        sample = selectors.audience_sample(request.user, broadcast, 5)
        for person in sample:
            try:
                text = services.render_for(broadcast.template, person, variants)
                preview.append({"person": person, **text})
            except ValidationError as exc:
                preview.append({"person": person, "error": exc.messages[0]})
        return render(
            request,
            "messaging/broadcast_detail.html",
            {
                "broadcast": broadcast,
                "stats": services.broadcast_stats(broadcast),
                "ab": services.ab_results(broadcast) if broadcast.template_b_id else None,
                "preview": preview,
                "audience_size": selectors.audience_size(request.user, broadcast),
                "recent": selectors.broadcast_messages(broadcast, request.GET.get("status"))[:50],
                "status_filter": request.GET.get("status", ""),
            },
        )


class BroadcastStatsView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request, pk):
        broadcast = _broadcast_or_404(request.user, pk)
        return render(
            request,
            "messaging/_broadcast_stats.html",
            {"broadcast": broadcast, "stats": services.broadcast_stats(broadcast)},
        )


class BroadcastActionView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def post(self, request, pk, action):
        broadcast = _broadcast_or_404(request.user, pk)
        try:
            if action == "start":
                services.broadcast_start(actor=request.user, broadcast=broadcast)
                flash.success(request, _("Sending started."))
            elif action == "test":
                message = services.broadcast_test_send(
                    actor=request.user, broadcast=broadcast, to=request.POST.get("to", "")[:254]
                )
                if message.status in ("sent", "delivered"):
                    flash.success(request, _("Test sent to %(to)s.") % {"to": message.to_address})
                else:
                    flash.warning(
                        request,
                        _("Test not sent now: %(reason)s")
                        % {"reason": message.status_reason or message.get_status_display()},
                    )
            elif action in ("pause", "resume", "cancel"):
                services.broadcast_set_status(
                    actor=request.user, broadcast=broadcast, action=action
                )
                flash.success(
                    request,
                    {
                        "pause": _("Paused."),
                        "resume": _("Sending again."),
                        "cancel": _("Cancelled; nothing more will be sent."),
                    }[action],
                )
            else:
                raise Http404
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
        return redirect("messaging:broadcast_detail", broadcast.pk)


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
            },
            status=status,
        )

    def post(self, request, pk=None):
        template = (
            get_object_or_404(Template.objects.visible_to(request.user), pk=pk) if pk else None
        )
        data = {k: request.POST.get(k, "") for k in ("name", "channel", "purpose",
                                                     "default_language")}  # fmt: skip
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
        if request.GET.get("person", "").isdigit():
            person = (
                people_selectors.person_visible_to(request.user)
                .filter(pk=int(request.GET["person"]))
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
            services.dispatch.public_url(reverse("messaging:webhook", args=[account.uuid]))
            if account
            else ""
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


# --- public: provider webhooks and unsubscribe links ------------------------------------------


@csrf_exempt
def webhook(request, uuid):
    account = ProviderAccount.objects.filter(uuid=uuid, active=True).first()
    if account is None:
        raise Http404
    if request.method == "GET":  # WhatsApp Cloud API's subscription handshake
        challenge = None
        if account.kind == "whatsapp_cloud":
            from grassroots.messaging.dispatch import provider_for
            from grassroots.messaging.providers.whatsapp import verify_subscription

            token = provider_for(account).secrets.get("verify_token", "")
            challenge = verify_subscription(request.GET.dict(), token) if token else None
        if challenge is None:
            return HttpResponse("forbidden", status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST", "GET"])
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_WEBHOOK:
        return HttpResponse("too large", status=413, content_type="text/plain")
    body = request.body
    form = {}
    if request.content_type == "application/x-www-form-urlencoded":
        form = {k: v for k, v in urllib.parse.parse_qsl(body.decode("utf-8", "replace"))}
    hook = WebhookRequest(
        method="POST",
        url=_public_absolute(request),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        form=form,
        query=request.GET.dict(),
    )
    status, content_type, text = services.webhook_handle(account, hook)
    return HttpResponse(text, status=status, content_type=content_type)


def _public_absolute(request) -> str:
    """The URL the provider signed: our public URL + the path and query it called."""
    from django.conf import settings

    base = settings.GRASSROOTS_PUBLIC_URL.rstrip("/")
    return base + request.get_full_path()


@method_decorator(csrf_exempt, name="dispatch")  # mail clients' one-click POST has no token
class UnsubscribeView(View):
    """The link in every email (GET asks, POST confirms; mail clients' one-click POST too)."""

    def get(self, request, token):
        return render(request, "messaging/unsubscribe.html", {"token": token, "done": False})

    def post(self, request, token):
        try:
            services.unsubscribe(token=token)
        except ValidationError as exc:
            return render(
                request,
                "messaging/unsubscribe.html",
                {"token": token, "error": exc.messages[0]},
                status=400,
            )
        return render(request, "messaging/unsubscribe.html", {"token": token, "done": True})


# --- automations -------------------------------------------------------------------------------


class AutomationListView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request):
        qs = (
            Automation.objects.visible_to(request.user)
            .annotate(
                running=Count(
                    "enrollments", filter=Q(enrollments__status__in=["active", "waiting"])
                ),
                finished=Count("enrollments", filter=Q(enrollments__status="done")),
            )
            .prefetch_related("steps")
            .order_by("name", "id")
        )
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        labels = automations.trigger_events()
        for a in page.object_list:  # each trigger with its label from the event catalogue
            a.trigger_list = [
                {**t, "label": labels.get(t.get("event"), t.get("event"))}
                for t in a.triggers
                if isinstance(t, dict)
            ]
        return render(request, "messaging/automation_list.html", {"page": page, "querystring": ""})


def _editor_state(automation: Automation | None, triggers=None, steps=None) -> dict:
    triggers = triggers if triggers is not None else (automation.triggers if automation else [])
    if steps is None:
        steps = (
            [{"kind": s.kind, "key": s.key, "params": s.params} for s in automation.steps.all()]
            if automation
            else []
        )
    by_event = {t.get("event"): t for t in triggers if isinstance(t, dict)}
    return {
        "steps": steps if isinstance(steps, list) else [],
        "triggers": {
            "created": {
                "on": "person.created" in by_event,
                "via": by_event.get("person.created", {}).get("via", ""),
            },
            "tagged": {
                "on": "tag.applied" in by_event,
                "tag": by_event.get("tag.applied", {}).get("tag", ""),
            },
            "keyword": {
                "on": "message.received" in by_event,
                "keyword": by_event.get("message.received", {}).get("keyword", ""),
            },
            "segment": {
                "on": "segment.entered" in by_event,
                "segment": str(by_event.get("segment.entered", {}).get("segment", "")),
            },
            # every other event about a person in the catalogue (RSVPs, donations…)
            "others": {name: name in by_event for name in _other_triggers()},
        },
    }


def _other_triggers() -> dict[str, str]:
    return {k: v for k, v in automations.trigger_events().items() if k not in automations.DETAILED}


class AutomationEditView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def _render(self, request, automation, data, state, errors, status=200):
        from django.contrib.auth import get_user_model

        return render(
            request,
            "messaging/automation_form.html",
            {
                "automation": automation,
                "data": data,
                "state": state,
                "errors": errors,
                "kinds": AutomationStep.Kind.choices,
                "other_triggers": _other_triggers(),
                "templates": Template.objects.visible_to(request.user),
                "lists": list_selectors.list_visible_to(request.user)[:300],
                "segments": list_selectors.segment_visible_to(request.user)[:300],
                "staff": get_user_model().objects.filter(is_active=True).order_by("username"),
                "conditions": [
                    ("has_phone", _("has a phone number")),
                    ("has_email", _("has an email address")),
                    ("has_tag", _("has the tag")),
                    ("lacks_tag", _("does not have the tag")),
                    ("language", _("prefers the language")),
                ],
            },
            status=status,
        )

    def get(self, request, pk=None):
        automation = (
            get_object_or_404(Automation.objects.visible_to(request.user), pk=pk) if pk else None
        )
        data = {
            "name": automation.name if automation else "",
            "description": automation.description if automation else "",
            "active": automation.active if automation else False,
        }
        return self._render(request, automation, data, _editor_state(automation), {})

    def post(self, request, pk=None):
        import json

        automation = (
            get_object_or_404(Automation.objects.visible_to(request.user), pk=pk) if pk else None
        )
        data = {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", "")[:2000],
            "active": bool(request.POST.get("active")),
        }
        try:
            triggers = json.loads(request.POST.get("triggers") or "[]")
            steps = json.loads(request.POST.get("steps") or "[]")
        except ValueError:
            triggers, steps = [], []
        try:
            automation = automations.automation_save(
                actor=request.user,
                automation=automation,
                name=data["name"],
                description=data["description"],
                triggers=triggers,
                steps=steps,
                active=data["active"],
            )
        except ValidationError as exc:
            return self._render(
                request, automation, data, _editor_state(automation, triggers, steps),
                validation_errors(exc), 400,
            )  # fmt: skip
        flash.success(request, _("Automation saved."))
        return redirect("messaging:automation_edit", automation.pk)


class AutomationPeopleView(CapabilityRequiredMixin, View):
    """Each person's way through the automation: where they are, what happened, when next."""

    capability = "messaging.send"

    def get(self, request, pk):
        automation = get_object_or_404(Automation.objects.visible_to(request.user), pk=pk)
        visible = people_selectors.person_visible_to(request.user).values("pk")
        qs = automation.enrollments.filter(person__in=visible).select_related("person")
        status = request.GET.get("status", "")
        if status in Enrollment.Status.values:
            qs = qs.filter(status=status)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        steps = {s.key: s for s in automation.steps.all()}
        for e in page.object_list:
            e.next_step = steps.get(e.step_key)
        return render(
            request,
            "messaging/automation_people.html",
            {
                "automation": automation,
                "page": page,
                "status": status,
                "statuses": Enrollment.Status.choices,
                "querystring": f"status={status}",
            },
        )


# 1×1 transparent GIF
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


def tracking_open(request, token):
    services.tracking_open(token=token.removesuffix(".gif"))
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


def tracking_click(request, token):
    url = services.tracking_click(token=token)
    if url is None:
        raise Http404
    return HttpResponseRedirect(url)
