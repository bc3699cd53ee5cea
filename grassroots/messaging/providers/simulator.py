"""The simulator: a provider that sends nothing and answers like a real one.

It speaks the adapter interface, and after each send it produces the webhook calls a real
provider would make — a delivery receipt (or a carrier failure) and sometimes a reply — which
``messaging.tasks.simulator_webhooks_task`` feeds through the same verify → parse → apply path
as the HTTP webhook. What happens depends on the recipient, so the demo and the tests can
choose it:

========================  ===============================================================
number ends in            what the simulator does
========================  ===============================================================
``13``                    rejects the send: invalid number (error 21211, not retried)
``00``                    accepts, then reports *undelivered* (carrier error 30003)
``99``                    delivers, then the person replies ``STOP``
``98``                    delivers, then replies "please stop texting me"
``97``                    delivers, then replies "Yes! Count me in"
``96``                    delivers, then replies ``START``
anything else             delivers
========================  ===============================================================

Email addresses whose local part ends in ``+bounce`` bounce; ``+open`` are opened.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import urllib.parse

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
)

REPLIES = {"99": "STOP", "98": "please stop texting me", "97": "Yes! Count me in", "96": "START"}
SIGNATURE_HEADER = "x-simulator-signature"


@register
class SimulatorProvider(Provider):
    kind = "simulator"
    label = "Simulator (sends nothing; realistic receipts and replies)"
    channels = frozenset({"sms", "whatsapp", "email", "voice"})
    config_fields = {
        "from_number": "From number",
        "rate": "Messages per second",
        "segment_cost": "Cost per SMS segment (e.g. 0.25 INR)",
    }
    secret_fields = {"signing_key": "Webhook signing key"}
    default_rate = 200.0
    default_connections = 1  # sends nothing: a second lane would only add a thread

    def send(self, message: OutboundMessage) -> SendResult:
        if message.channel != "email" and re.sub(r"\D", "", message.to).endswith("13"):
            raise ProviderError(
                "The 'To' number is not a valid phone number (simulated).", code="21211"
            )
        sid = "SIM" + hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:29]
        return SendResult(provider_id=sid, status="sent")

    def events_for(
        self, message: OutboundMessage, result: SendResult, *, replies: bool = True
    ) -> list[WebhookRequest]:
        """The webhook calls a provider would make after this send (``replies=False``: receipts
        only, e.g. for our own STOP confirmation, which nobody answers)."""
        forms: list[dict[str, str]] = []
        if message.channel == "email":
            local = message.to.split("@")[0]
            status = "bounced" if local.endswith("+bounce") else "delivered"
            forms.append({"MessageSid": result.provider_id, "MessageStatus": status})
            if local.endswith("+open"):
                forms.append({"MessageSid": result.provider_id, "MessageStatus": "opened"})
            return [self._request(f) for f in forms]
        digits = re.sub(r"\D", "", message.to)
        if digits.endswith("00"):
            forms.append(
                {
                    "MessageSid": result.provider_id,
                    "MessageStatus": "undelivered",
                    "ErrorCode": "30003",
                }
            )
        else:
            forms.append({"MessageSid": result.provider_id, "MessageStatus": "delivered"})
            reply = REPLIES.get(digits[-2:])
            if replies and reply and message.channel in ("sms", "whatsapp"):
                prefix = "whatsapp:" if message.channel == "whatsapp" else ""
                forms.append(
                    {
                        "MessageSid": "SIMIN" + result.provider_id[3:],
                        "From": prefix + message.to,
                        "To": prefix + (message.sender or self.config.get("from_number", "")),
                        "Body": reply,
                    }
                )
        return [self._request(f) for f in forms]

    def _request(self, form: dict[str, str]) -> WebhookRequest:
        body = urllib.parse.urlencode(form).encode()
        return WebhookRequest(
            method="POST",
            url="simulator://",
            headers={SIGNATURE_HEADER: self._sign(body)},
            body=body,
            form=form,
        )

    def _sign(self, body: bytes) -> str:
        key = self.secrets.get("signing_key", "").encode()
        return hmac.new(key, body, hashlib.sha256).hexdigest()

    def verify_webhook(self, request: WebhookRequest) -> None:
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not self.secrets.get("signing_key") or not hmac.compare_digest(
            given, self._sign(request.body)
        ):
            raise WebhookRejected("bad simulator signature")

    def parse_webhook(self, request: WebhookRequest) -> list[Receipt | Inbound]:
        form = request.form or dict(urllib.parse.parse_qsl(request.body.decode()))
        sid = form.get("MessageSid", "")
        if not sid:
            return []
        if "Body" in form and "MessageStatus" not in form:
            sender, to = form.get("From", ""), form.get("To", "")
            channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
            return [
                Inbound(
                    provider_id=sid,
                    channel=channel,
                    sender=sender.removeprefix("whatsapp:"),
                    to=to.removeprefix("whatsapp:"),
                    body=form.get("Body", ""),
                )
            ]
        return [
            Receipt(
                provider_id=sid,
                status=form.get("MessageStatus", ""),
                error_code=form.get("ErrorCode", ""),
                error="Unreachable destination handset (simulated)"
                if form.get("ErrorCode") == "30003"
                else "",
            )
        ]
