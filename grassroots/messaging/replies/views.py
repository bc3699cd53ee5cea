"""Public endpoints: provider webhooks, unsubscribe links, tracked opens and clicks."""

from __future__ import annotations

import functools
import urllib.parse

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from grassroots.messaging.models import ProviderAccount
from grassroots.messaging.providers.base import WebhookRequest
from grassroots.messaging.replies import tracking, webhooks

MAX_WEBHOOK = 256 * 1024  # bytes

# --- public: provider webhooks and unsubscribe links ------------------------------------------


def esp_webhook_urls() -> list[URLPattern]:
    """django-anymail's webhook URLs (``/messaging/anymail/<esp>/tracking/``…), each closed —
    404, as for a missing page — unless an active email-service account uses that ESP: an
    ESP nobody configured has no settings, and its view would fail with a server error (which
    a caller retries) instead of refusing."""
    from anymail import urls as anymail_urls

    out = []
    for pattern in anymail_urls.urlpatterns:
        esp = str(pattern.pattern).lstrip("^").split("/")[0]
        out.append(
            URLPattern(pattern.pattern, _esp_gate(esp, pattern.callback), pattern.default_args,
                       pattern.name)
        )  # fmt: skip
    return out


ESP_ALIASES = {"sendinblue": "brevo"}


def _esp_gate(esp: str, view):
    @functools.wraps(view)  # keeps anymail's csrf_exempt
    def gated(request, *args, **kwargs):
        if ESP_ALIASES.get(esp, esp) not in configured_esps():
            raise Http404
        return view(request, *args, **kwargs)

    return gated


def configured_esps() -> set[str]:
    """The ESPs (``providers.esp.ESPS`` keys) of the active email-service accounts."""
    configs = ProviderAccount.objects.filter(kind="esp", active=True).values_list(
        "config", flat=True
    )
    return {str((c or {}).get("esp") or "").strip().lower() for c in configs}


@csrf_exempt
def webhook(request, uuid):
    found = webhooks.account_for(uuid)
    if found is None:
        raise Http404
    account, provider = found
    if request.method == "GET":  # WhatsApp Cloud API's subscription handshake
        challenge = None
        if account.kind == "whatsapp_cloud":
            from grassroots.messaging.providers.whatsapp import verify_subscription

            token = provider.secrets.get("verify_token", "")
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
    status, content_type, text = webhooks.webhook_handle(account, hook, provider)
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
            tracking.unsubscribe(token=token)
        except ValidationError as exc:
            return render(
                request,
                "messaging/unsubscribe.html",
                {"token": token, "error": exc.messages[0]},
                status=400,
            )
        return render(request, "messaging/unsubscribe.html", {"token": token, "done": True})


PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


def tracking_open(request, token):
    tracking.tracking_open(token=token.removesuffix(".gif"))
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


def tracking_click(request, token):
    url = tracking.tracking_click(token=token)
    if url is None:
        raise Http404
    return HttpResponseRedirect(url)
