"""MSG91: Indian SMS with DLT (TRAI's registered templates and 6-letter sender headers).

Sending uses the Flow API::

    POST {api_base}/api/v5/flow/
    authkey: <authkey>
    {"template_id": "<DLT/flow template id>", "short_url": "0", "sender": "ABCDEF",
     "recipients": [{"mobiles": "919812345678", "<var name>": "<value>", …}]}

and MSG91 answers ``{"type": "success", "message": "<request id>"}`` (errors come as
``{"type": "error", "message": …}``, sometimes with HTTP 200). The template id comes from
``message.template["dlt_template_id"]`` or the account's ``dlt_template_id`` setting; the
template's variables from ``message.template["vars"]`` (a dict of variable name -> value), or
else the whole text as ``{"var": body}`` for a template made of one ``{#var#}``. One recipient
per request, so the request id identifies the message. MSG91 has no idempotency key: a retry
after a lost response may send twice.

Delivery reports are POSTed to our webhook with ``?token=<webhook_token>`` in the URL (set the
URL with the token in MSG91's panel). Accepted shapes: webhook v2 (form field ``data`` holding a
JSON list of ``{"requestId", "report": [{"number", "status", "desc", "date"}]}``), the same list
posted as JSON (``"numbers"`` accepted for ``"report"``) and webhook v3 (one flat JSON object with
``requestId``, ``number``, ``status``, ``date``). Status codes: 1 delivered, 2 failed, 9 NDNC,
16/25 rejected, 17 blocked number; 5 (pending) and 8 (submitted) become "sent"; unknown codes
are ignored. Report dates are India time.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

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

IST = ZoneInfo("Asia/Kolkata")

# Report status -> (receipt status, error text)
REPORT_STATUS: dict[str, tuple[str, str]] = {
    "1": ("delivered", ""),
    "2": ("failed", "Failed"),
    "5": ("sent", ""),
    "8": ("sent", ""),
    "9": ("undelivered", "NDNC: the number is on India's do-not-disturb registry"),
    "16": ("failed", "Rejected"),
    "17": ("failed", "Blocked number"),
    "25": ("failed", "Rejected"),
    "26": ("failed", "Rejected (DLT)"),
    "delivered": ("delivered", ""),
    "failed": ("failed", "Failed"),
    "rejected": ("failed", "Rejected"),
    "ndnc": ("undelivered", "NDNC: the number is on India's do-not-disturb registry"),
    "sent": ("sent", ""),
}


def msg91_mobile(number: str) -> str:
    """``+91 98123 45678`` / ``9812345678`` -> ``919812345678`` (country code, digits only)."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) == 10 and not number.strip().startswith("+"):
        digits = "91" + digits
    return digits


def _parse_date(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)
    except ValueError:
        return None


@register
class Msg91Provider(Provider):
    """MSG91 SMS (India, DLT templates)."""

    kind = "msg91"
    label = "MSG91 (India)"
    channels = frozenset({"sms"})
    secret_fields = {
        "authkey": "Auth key",
        "webhook_token": "Delivery report token (add ?token=… to the webhook URL)",
    }
    config_fields = {
        "api_base": "API base URL (default https://control.msg91.com)",
        "sender_id": "DLT sender header (6 letters)",
        "dlt_template_id": "Default DLT template id",
        "rate": "Messages per second",
        "connections": "Parallel connections",
        "segment_cost": "Cost per SMS segment (e.g. 0.25 INR)",
    }
    default_rate = 20.0

    def send(self, message: OutboundMessage) -> SendResult:
        if message.channel != "sms":
            raise ProviderError(f"MSG91 cannot send {message.channel}", code="channel")
        authkey = self.secrets.get("authkey", "")
        if not authkey:
            raise ProviderError("MSG91 auth key is not set", code="config")
        template = message.template or {}
        template_id = template.get("dlt_template_id") or self.config.get("dlt_template_id")
        if not template_id:
            raise ProviderError("India SMS needs a DLT template id", code="dlt_template")
        variables = template.get("vars")
        recipient: dict[str, str] = {"mobiles": msg91_mobile(message.to)}
        if isinstance(variables, dict) and variables:
            recipient.update({str(k): str(v) for k, v in variables.items()})
        else:
            recipient["var"] = message.body
        payload: dict[str, Any] = {
            "template_id": str(template_id),
            "short_url": "0",
            "recipients": [recipient],
        }
        sender = message.sender or self.config.get("sender_id", "")
        if sender:
            payload["sender"] = sender
        base = (self.config.get("api_base") or "https://control.msg91.com").rstrip("/")
        response, data = post_json(
            "MSG91",
            f"{base}/api/v5/flow/",
            json=payload,
            headers={"authkey": authkey, "accept": "application/json"},
        )
        text = redact(str(data.get("message") or f"HTTP {response.status_code}"), self.secrets)
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderError(
                f"MSG91 error: {text}", code=f"http_{response.status_code}", retryable=True
            )
        if response.status_code >= 400 or data.get("type") != "success":
            code = str(data.get("code") or f"http_{response.status_code}")
            raise ProviderError(f"MSG91 error: {text}", code=code, retryable=False)
        request_id = str(data.get("message") or data.get("request_id") or "")
        return SendResult(provider_id=request_id, status="queued", raw={"type": "success"})

    # -- webhooks ----------------------------------------------------------------------------

    def verify_webhook(self, request: WebhookRequest) -> None:
        expected = self.secrets.get("webhook_token") or self.config.get("webhook_token") or ""
        given = request.query.get("token", "")
        if not expected or not given:
            raise WebhookRejected("missing MSG91 webhook token")
        if not hmac.compare_digest(str(expected).encode(), given.encode()):
            raise WebhookRejected("bad MSG91 webhook token")

    def parse_webhook(self, request: WebhookRequest) -> list[Receipt | Inbound]:
        payload = _payload(request)
        batches = payload if isinstance(payload, list) else [payload]
        events: list[Receipt | Inbound] = []
        for batch in batches:
            if not isinstance(batch, dict):
                continue
            request_id = str(batch.get("requestId") or batch.get("request_id") or "")
            reports = batch.get("report") or batch.get("numbers")
            if reports is None and "status" in batch:
                reports = [batch]  # webhook v3 / new webhooks: one flat object
            if isinstance(reports, str):
                try:
                    reports = json.loads(reports)
                except ValueError:
                    reports = []
            if not request_id or not isinstance(reports, list):
                continue
            for report in reports:
                if not isinstance(report, dict):
                    continue
                code = str(report.get("status", "")).strip()
                mapped = REPORT_STATUS.get(code.lower())
                if mapped is None:
                    continue
                status, error = mapped
                if error:
                    error = str(report.get("failedReason") or report.get("desc") or error)
                events.append(
                    Receipt(
                        provider_id=request_id,
                        status=status,
                        error_code=code if error else "",
                        error=error,
                        occurred_at=_parse_date(report.get("date") or report.get("deliveryTime")),
                    )
                )
        return events

    def webhook_response(self, events: list[Receipt | Inbound]) -> tuple[str, str]:
        return "application/json", '{"status": "ok"}'


def _payload(request: WebhookRequest) -> Any:
    """The report list/object from a JSON body or a v2 form post (``data=<json>``)."""
    data = request.form.get("data")
    if data is None and "application/x-www-form-urlencoded" in request.headers.get(
        "content-type", ""
    ):
        data = (parse_qs(request.body.decode("utf-8", "replace")).get("data") or [None])[0]
    try:
        if data is not None:
            return json.loads(data)
        parsed = json.loads(request.body or b"null")
    except ValueError:
        raise WebhookRejected("MSG91 report is not JSON") from None
    if isinstance(parsed, dict) and isinstance(parsed.get("data"), str):
        try:
            return json.loads(parsed["data"])
        except ValueError:
            raise WebhookRejected("MSG91 report is not JSON") from None
    return parsed
