"""Twilio: SMS, WhatsApp (``whatsapp:+E164`` addressing) and voice calls.

Sending uses the REST API (``/2010-04-01/Accounts/{sid}/Messages.json`` and ``Calls.json``) with
HTTP basic auth and an ``I-Twilio-Idempotency-Token`` header carrying our idempotency key, so a
retried attempt cannot send twice. Webhooks (status callbacks, inbound messages, the voice
``<Gather>`` answer) are verified with ``X-Twilio-Signature`` as Twilio documents it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit

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

API_VERSION = "2010-04-01"
WHATSAPP_PREFIX = "whatsapp:"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

# Twilio message statuses -> our receipt statuses ("receiving"/"received" are inbound).
MESSAGE_STATUS = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
    "read": "opened",  # WhatsApp read receipts
}
# Voice call statuses (CallStatus) -> receipt statuses.
CALL_STATUS = {
    "queued": "queued",
    "initiated": "queued",
    "ringing": "sent",
    "in-progress": "sent",
    "answered": "sent",
    "completed": "delivered",
    "busy": "undelivered",
    "no-answer": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
# A few well-known Twilio error codes, for a readable receipt/error.
ERRORS = {
    "20003": "Authentication failed",
    "20429": "Too many requests",
    "21211": "Invalid 'To' phone number",
    "21408": "Permission to send to this region is not enabled",
    "21610": "Recipient has unsubscribed (replied STOP)",
    "21612": "The 'To' number cannot be reached from this sender",
    "21614": "'To' number is not a mobile number",
    "30003": "Unreachable destination handset",
    "30004": "Message blocked",
    "30005": "Unknown destination handset",
    "30006": "Landline or unreachable carrier",
    "30007": "Message filtered by the carrier",
    "30008": "Unknown error",
    "63016": "WhatsApp: outside the 24-hour window, a template is required",
}
# The voice menu's keys: what an answer becomes as an ``Inbound`` body.
VOICE_DIGITS = {"9": "STOP"}


def compute_signature(url: str, params: list[tuple[str, str]], auth_token: str) -> str:
    """Twilio's request signature: base64(HMAC-SHA1(auth token, url + each sorted param name
    followed by its sorted values))."""
    grouped: dict[str, set[str]] = {}
    for key, value in params:
        grouped.setdefault(key, set()).add(value)
    payload = url + "".join(
        key + value for key in sorted(grouped) for value in sorted(grouped[key])
    )
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """The URL as given, without its default port and with it: Twilio may sign either form."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    userinfo = f"{userinfo}@" if userinfo else ""
    variants = [url]
    if default is None:
        return variants
    if parts.port is None:
        with_port = parts._replace(netloc=f"{userinfo}{host}:{default}")
        variants.append(urlunsplit(with_port))
    elif parts.port == default:
        without_port = parts._replace(netloc=f"{userinfo}{host}")
        variants.append(urlunsplit(without_port))
    return variants


def _to_address(channel: str, number: str) -> str:
    if channel == "whatsapp" and not number.startswith(WHATSAPP_PREFIX):
        return WHATSAPP_PREFIX + number
    return number


def _strip_whatsapp(number: str) -> tuple[str, bool]:
    if number.startswith(WHATSAPP_PREFIX):
        return number[len(WHATSAPP_PREFIX) :], True
    return number, False


@register
class TwilioProvider(Provider):
    """Twilio Programmable Messaging and Voice."""

    kind = "twilio"
    label = "Twilio"
    channels = frozenset({"sms", "whatsapp", "voice"})
    secret_fields = {"account_sid": "Account SID", "auth_token": "Auth token"}
    config_fields = {
        "api_base": "API base URL (default https://api.twilio.com)",
        "from_number": "From number (E.164)",
        "messaging_service_sid": "Messaging Service SID (used instead of a from number)",
        "rate": "Messages per second",
        "connections": "Parallel connections",
        "segment_cost": "Cost per SMS segment (e.g. 0.25 INR)",
    }
    default_rate = 1.0  # a single long code; raise it for short codes / messaging services

    # -- sending -----------------------------------------------------------------------------

    @property
    def _account_url(self) -> str:
        base = (self.config.get("api_base") or "https://api.twilio.com").rstrip("/")
        sid = self.secrets.get("account_sid", "")
        if not sid or not self.secrets.get("auth_token"):
            raise ProviderError("Twilio account SID and auth token are not set", code="config")
        return f"{base}/{API_VERSION}/Accounts/{sid}"

    def send(self, message: OutboundMessage) -> SendResult:
        if message.channel == "voice":
            return self._call(message)
        if message.channel not in ("sms", "whatsapp"):
            raise ProviderError(f"Twilio cannot send {message.channel}", code="channel")
        form: dict[str, Any] = {
            "To": _to_address(message.channel, message.to),
            "Body": message.body,
        }
        service_sid = self.config.get("messaging_service_sid", "")
        if message.sender:
            form["From"] = _to_address(message.channel, message.sender)
        elif service_sid:
            form["MessagingServiceSid"] = service_sid
        elif self.config.get("from_number"):
            form["From"] = _to_address(message.channel, self.config["from_number"])
        else:
            raise ProviderError(
                "no Twilio sender: set a from number or messaging service", code="config"
            )
        if message.status_callback:
            form["StatusCallback"] = message.status_callback
        if message.media_urls:
            form["MediaUrl"] = list(message.media_urls)
        data = self._post("Messages.json", form, message.idempotency_key)
        status = MESSAGE_STATUS.get(str(data.get("status", "")), "queued")
        return SendResult(provider_id=str(data.get("sid", "")), status=status, raw=_excerpt(data))

    def _call(self, message: OutboundMessage) -> SendResult:
        sender = message.sender or self.config.get("from_number", "")
        if not sender:
            raise ProviderError("no Twilio caller ID: set a from number", code="config")
        form: dict[str, Any] = {
            "To": message.to,
            "From": sender,
            "Twiml": voice_twiml(message.body, message.status_callback, message.media_urls),
        }
        if message.status_callback:
            form["StatusCallback"] = message.status_callback
            form["StatusCallbackMethod"] = "POST"
        data = self._post("Calls.json", form, message.idempotency_key)
        status = CALL_STATUS.get(str(data.get("status", "")), "queued")
        return SendResult(provider_id=str(data.get("sid", "")), status=status, raw=_excerpt(data))

    def _post(self, resource: str, form: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        url = f"{self._account_url}/{resource}"
        response, data = post_json(
            "Twilio",
            url,
            data=form,
            auth=(self.secrets["account_sid"], self.secrets["auth_token"]),
            headers={
                "I-Twilio-Idempotency-Token": idempotency_key,
                "Accept": "application/json",
            },
        )
        if response.status_code >= 400:
            raise self._error(response.status_code, data)
        return data

    def _error(self, status: int, data: dict[str, Any]) -> ProviderError:
        code = str(data.get("code") or f"http_{status}")
        text = str(data.get("message") or ERRORS.get(code) or f"HTTP {status}")
        retryable = status == 429 or status >= 500
        return ProviderError(
            redact(f"Twilio error {code}: {text}", self.secrets), code=code, retryable=retryable
        )

    # -- webhooks ----------------------------------------------------------------------------

    def _params(self, request: WebhookRequest) -> list[tuple[str, str]]:
        content_type = request.headers.get("content-type", "")
        if request.body and "application/x-www-form-urlencoded" in content_type:
            return parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        return list(request.form.items())

    def verify_webhook(self, request: WebhookRequest) -> None:
        token = self.secrets.get("auth_token", "")
        signature = request.headers.get("x-twilio-signature", "")
        if not token or not signature:
            raise WebhookRejected("missing Twilio signature")
        query = parse_qs(urlsplit(request.url).query)
        if "bodySHA256" in query:  # JSON bodies: the URL is signed, the body is hashed
            params: list[tuple[str, str]] = []
            body_hash = hashlib.sha256(request.body).hexdigest()
            if not hmac.compare_digest(body_hash, query["bodySHA256"][0]):
                raise WebhookRejected("Twilio body hash mismatch")
        elif request.method.upper() == "POST":
            params = self._params(request)
        else:
            params = []
        for url in _url_variants(request.url):
            expected = compute_signature(url, params, token)
            if hmac.compare_digest(expected.encode(), signature.encode()):
                return
        raise WebhookRejected("bad Twilio signature")

    def parse_webhook(self, request: WebhookRequest) -> list[Receipt | Inbound]:
        form = dict(self._params(request)) if request.method.upper() == "POST" else {}
        form = form or dict(request.form) or dict(request.query)
        if "Digits" in form and form.get("CallSid"):
            return [self._voice_answer(form)]
        if form.get("CallSid") and form.get("CallStatus") and not form.get("MessageSid"):
            return [self._receipt(form["CallSid"], CALL_STATUS, form["CallStatus"], form)]
        sid = form.get("MessageSid") or form.get("SmsSid") or form.get("SmsMessageSid") or ""
        if not sid:
            raise WebhookRejected("not a Twilio messaging webhook")
        status = form.get("MessageStatus") or form.get("SmsStatus") or ""
        if status in ("", "received", "receiving"):
            if "Body" not in form and "From" not in form:
                raise WebhookRejected("Twilio webhook without status or body")
            sender, is_whatsapp = _strip_whatsapp(form.get("From", ""))
            to, _ = _strip_whatsapp(form.get("To", ""))
            return [
                Inbound(
                    provider_id=sid,
                    channel="whatsapp" if is_whatsapp else "sms",
                    sender=sender,
                    to=to,
                    body=form.get("Body", ""),
                )
            ]
        if status not in MESSAGE_STATUS:
            return []
        return [self._receipt(sid, MESSAGE_STATUS, status, form)]

    @staticmethod
    def _receipt(sid: str, table: dict[str, str], status: str, form: dict[str, str]) -> Receipt:
        code = form.get("ErrorCode", "") or ""
        error = form.get("ErrorMessage", "") or ERRORS.get(code, "")
        if not code and status in ("busy", "no-answer", "canceled"):
            error = status
        return Receipt(
            provider_id=sid, status=table.get(status, "failed"), error_code=code, error=error
        )

    @staticmethod
    def _voice_answer(form: dict[str, str]) -> Inbound:
        # On a call we placed Twilio's From is our caller ID and To is the person.
        outbound = form.get("Direction", "outbound-api").startswith("outbound")
        person, ours = (
            (form.get("To", ""), form.get("From", ""))
            if outbound
            else (form.get("From", ""), form.get("To", ""))
        )
        digits = form.get("Digits", "")
        return Inbound(
            provider_id=form["CallSid"],
            channel="voice",
            sender=person,
            to=ours,
            body=VOICE_DIGITS.get(digits, digits),
        )

    def webhook_response(self, events: list[Receipt | Inbound]) -> tuple[str, str]:
        for event in events:
            if isinstance(event, Inbound) and event.channel == "voice":
                if event.body == "STOP":
                    text = "You will not get any more calls from us. Goodbye."
                elif event.body == "1":
                    text = "Thank you. Someone from our team will call you back soon. Goodbye."
                else:
                    text = "Thank you. Goodbye."
                return "text/xml", (
                    '<?xml version="1.0" encoding="UTF-8"?>'
                    f"<Response><Say>{html.escape(text)}</Say><Hangup/></Response>"
                )
        return "text/xml", EMPTY_TWIML


def voice_twiml(text: str, action: str = "", audio: list[str] | tuple = ()) -> str:
    """The TwiML a broadcast call plays: the recording (``audio`` URLs) or the text spoken, then
    a one-key menu (1 = talk to someone, 9 = no more calls) whose answer Twilio posts to
    ``action`` (our webhook)."""
    say = (
        "".join(f"<Play>{html.escape(url)}</Play>" for url in audio)
        if audio
        else f"<Say>{html.escape(text)}</Say>"
    )
    if not action:
        return f"<Response>{say}</Response>"
    menu = "<Say>Press 1 to talk to someone from our team. Press 9 to stop these calls.</Say>"
    return (
        f'<Response><Gather numDigits="1" action="{html.escape(action, quote=True)}" '
        f'method="POST" timeout="5">{say}{menu}</Gather></Response>'
    )


def _excerpt(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("sid", "status", "to", "from", "num_segments", "price", "error_code", "direction")
    return {k: data[k] for k in keys if k in data}
