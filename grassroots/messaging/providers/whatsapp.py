"""Meta's WhatsApp Business Cloud API.

``send`` posts to ``{api_base}/{phone_number_id}/messages`` with a Bearer token: a template
message when ``message.template`` is ``{"name", "language", "params"}`` (params fill the body's
``{{1}}``, ``{{2}}``…; a ready ``"components"`` list is passed through as is), else a free-form
text message (only delivered inside the 24-hour customer-service window: the caller decides).
The Cloud API has no idempotency key; our key travels as ``biz_opaque_callback_data`` and comes
back on status webhooks.

Webhooks: Meta signs the raw body (``X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret)>``).
The one-time ``GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`` handshake is
answered with ``verify_subscription``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import mimetypes
from typing import Any

from grassroots.messaging.providers import register
from grassroots.messaging.providers.base import (
    Inbound,
    OutboundMessage,
    Provider,
    ProviderError,
    Receipt,
    SendResult,
    WebhookRejected,
    WebhookRequest,
    post_json,
    redact,
)

STATUS = {"sent": "sent", "delivered": "delivered", "read": "opened", "failed": "failed"}
# Graph/WhatsApp error codes worth retrying later: throttling and temporary outages.
RETRYABLE_CODES = {1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131048, 131056, 133004}


def verify_subscription(query: dict[str, str], verify_token: str) -> str | None:
    """Meta's webhook handshake: the challenge to echo back, or ``None`` to refuse (403)."""
    if not verify_token or query.get("hub.mode") != "subscribe":
        return None
    given = query.get("hub.verify_token", "")
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    challenge = query.get("hub.challenge")
    return challenge if challenge else None


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def _timestamp(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _media_kind(url: str) -> str:
    guessed = (mimetypes.guess_type(url.split("?", 1)[0])[0] or "").split("/", 1)[0]
    return guessed if guessed in ("image", "video", "audio") else "document"


@register
class WhatsAppCloudProvider(Provider):
    """WhatsApp Business Cloud API (Meta)."""

    kind = "whatsapp_cloud"
    label = "WhatsApp Cloud API (Meta)"
    channels = frozenset({"whatsapp"})
    secret_fields = {
        "access_token": "Access token (system user)",
        "app_secret": "App secret (webhook signatures)",
        "verify_token": "Webhook verify token",
    }
    config_fields = {
        "api_base": "API base URL (default https://graph.facebook.com/v21.0)",
        "phone_number_id": "Phone number ID",
        "rate": "Messages per second",
        "connections": "Parallel connections",
    }
    default_rate = 20.0

    def build_payload(self, message: OutboundMessage) -> dict[str, Any]:
        """The JSON body for ``/messages``."""
        payload: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": _digits(message.to),
            "biz_opaque_callback_data": message.idempotency_key,
        }
        template = message.template or {}
        if template.get("name"):
            components = template.get("components")
            if components is None:
                params = template.get("params") or []
                components = (
                    [
                        {
                            "type": "body",
                            "parameters": [{"type": "text", "text": str(p)} for p in params],
                        }
                    ]
                    if params
                    else []
                )
            body: dict[str, Any] = {
                "name": template["name"],
                "language": {"code": template.get("language") or "en"},
            }
            if components:
                body["components"] = components
            payload.update(type="template", template=body)
        elif message.media_urls:
            kind = _media_kind(message.media_urls[0])
            media: dict[str, Any] = {"link": message.media_urls[0]}
            if message.body and kind != "audio":
                media["caption"] = message.body
            payload.update({"type": kind, kind: media})
        else:
            payload.update(type="text", text={"preview_url": False, "body": message.body})
        return payload

    def send(self, message: OutboundMessage) -> SendResult:
        if message.channel != "whatsapp":
            raise ProviderError(f"WhatsApp Cloud cannot send {message.channel}", code="channel")
        token = self.secrets.get("access_token", "")
        number_id = self.config.get("phone_number_id", "")
        if not token or not number_id:
            raise ProviderError(
                "WhatsApp access token or phone number ID is not set", code="config"
            )
        base = (self.config.get("api_base") or "https://graph.facebook.com/v21.0").rstrip("/")
        response, data = post_json(
            "WhatsApp",
            f"{base}/{number_id}/messages",
            json=self.build_payload(message),
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code >= 400 or "error" in data:
            error = data.get("error") if isinstance(data.get("error"), dict) else {}
            raw_code = error.get("code")
            code = str(raw_code or f"http_{response.status_code}")
            details = (
                (error.get("error_data") or {}).get("details")
                if isinstance(error.get("error_data"), dict)
                else ""
            )
            text = str(details or error.get("message") or f"HTTP {response.status_code}")
            retryable = (
                response.status_code == 429
                or response.status_code >= 500
                or raw_code in RETRYABLE_CODES
            )
            raise ProviderError(
                redact(f"WhatsApp error {code}: {text}", self.secrets),
                code=code,
                retryable=retryable,
            )
        messages = data.get("messages") or [{}]
        provider_id = str(messages[0].get("id", ""))
        status = "queued" if messages[0].get("message_status") == "accepted" else "sent"
        return SendResult(provider_id=provider_id, status=status, raw={"id": provider_id})

    # -- webhooks ----------------------------------------------------------------------------

    def verify_webhook(self, request: WebhookRequest) -> None:
        secret = self.secrets.get("app_secret", "")
        header = request.headers.get("x-hub-signature-256", "")
        if not secret or not header.startswith("sha256="):
            raise WebhookRejected("missing WhatsApp signature")
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), header.strip().encode()):
            raise WebhookRejected("bad WhatsApp signature")

    def parse_webhook(self, request: WebhookRequest) -> list[Receipt | Inbound]:
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            raise WebhookRejected("WhatsApp webhook is not JSON") from None
        if not isinstance(payload, dict):
            raise WebhookRejected("WhatsApp webhook is not an object")
        events: list[Receipt | Inbound] = []
        for entry in payload.get("entry") or []:
            for change in (entry or {}).get("changes") or []:
                value = (change or {}).get("value") or {}
                display = _digits(
                    str((value.get("metadata") or {}).get("display_phone_number", ""))
                )
                ours = f"+{display}" if display else ""
                events.extend(self._statuses(value.get("statuses") or []))
                events.extend(self._messages(value.get("messages") or [], ours))
        return events

    @staticmethod
    def _statuses(statuses: list[dict[str, Any]]) -> list[Receipt | Inbound]:
        out: list[Receipt | Inbound] = []
        for item in statuses:
            status = STATUS.get(str(item.get("status", "")))
            if not status or not item.get("id"):
                continue
            errors = item.get("errors") or [{}]
            first = errors[0] if isinstance(errors[0], dict) else {}
            code = str(first.get("code", "")) if status == "failed" else ""
            detail = (
                (first.get("error_data") or {}).get("details")
                if isinstance(first.get("error_data"), dict)
                else ""
            )
            out.append(
                Receipt(
                    provider_id=str(item["id"]),
                    status=status,
                    error_code=code,
                    error=str(detail or first.get("title") or first.get("message") or "")
                    if code
                    else "",
                    occurred_at=_timestamp(item.get("timestamp")),
                )
            )
        return out

    @staticmethod
    def _messages(messages: list[dict[str, Any]], ours: str) -> list[Receipt | Inbound]:
        out: list[Receipt | Inbound] = []
        for item in messages:
            kind = item.get("type")
            if kind == "text":
                body = (item.get("text") or {}).get("body", "")
            elif kind == "button":  # a quick-reply button on a template
                body = (item.get("button") or {}).get("text", "")
            elif kind == "interactive":
                reply = item.get("interactive") or {}
                body = (reply.get("button_reply") or reply.get("list_reply") or {}).get("title", "")
            elif kind in ("image", "video", "document", "audio", "sticker", "location"):
                body = (item.get(kind) or {}).get("caption", "") or f"[{kind}]"
            else:
                continue
            if not item.get("id") or not item.get("from"):
                continue
            out.append(
                Inbound(
                    provider_id=str(item["id"]),
                    channel="whatsapp",
                    sender="+" + _digits(str(item["from"])),
                    to=ours,
                    body=str(body),
                    received_at=_timestamp(item.get("timestamp")),
                )
            )
        return out

    def webhook_response(self, events: list[Receipt | Inbound]) -> tuple[str, str]:
        return "text/plain", "ok"
