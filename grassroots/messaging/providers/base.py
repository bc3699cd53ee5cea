"""The adapter interface every messaging provider implements (no Django models here).

The send service builds an ``OutboundMessage`` after the compliance layer has allowed it, calls
``Provider.send`` exactly once per attempt with the message's ``idempotency_key`` (which the
adapter passes to the provider where the provider supports it, so a retried attempt after a
crash cannot send twice), and stores the ``SendResult``. Webhooks arrive at
``/messaging/hooks/<account uuid>/``; the view hands the raw request to
``Provider.verify_webhook`` and then ``Provider.parse_webhook``, which turns it into
``Receipt`` (delivery status) and ``Inbound`` (a reply) events. Nothing here touches the
database.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx


class ProviderError(Exception):
    """A send that failed. ``retryable`` says whether trying again later may succeed (network
    error, 429, 5xx) or not (invalid number, rejected content, bad credentials)."""

    def __init__(self, message: str, *, code: str = "", retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class WebhookRejected(Exception):
    """A webhook whose signature or shape is wrong: answered 403/400, nothing recorded."""


@dataclass
class OutboundMessage:
    idempotency_key: str  # our message's uuid: the same on every attempt
    channel: str  # "sms", "whatsapp", "email", "voice"
    to: str  # E.164 for phones, an address for email
    body: str  # text (SMS, WhatsApp free-form, email text part, voice text-to-speech)
    sender: str = ""  # from number / sender id / from address ("" = the account's default)
    subject: str = ""  # email
    html: str = ""  # email HTML part
    headers: dict[str, str] = field(default_factory=dict)  # email (List-Unsubscribe, …)
    template: dict[str, Any] | None = None  # provider template: WhatsApp name/language/params,
    #                                         India DLT template id ({"dlt_template_id": …})
    status_callback: str = ""  # absolute URL the provider should post receipts to
    media_urls: list[str] = field(default_factory=list)  # MMS / WhatsApp media


@dataclass
class SendResult:
    provider_id: str  # the provider's message id (Twilio SID, …)
    status: str = "sent"  # "queued" | "sent" | "delivered" (some report at once)
    raw: dict[str, Any] = field(default_factory=dict)  # a small excerpt kept for support


@dataclass
class Receipt:
    """A delivery status update for a message we sent."""

    provider_id: str
    status: str  # "queued" | "sent" | "delivered" | "failed" | "undelivered" | "opened" | "clicked" | "bounced" | "complained"
    error_code: str = ""
    error: str = ""
    occurred_at: dt.datetime | None = None


@dataclass
class Inbound:
    """A message a person sent us (a reply, a keyword)."""

    provider_id: str
    channel: str
    sender: str  # E.164 (or email address)
    to: str  # our number / address
    body: str
    received_at: dt.datetime | None = None


@dataclass
class WebhookRequest:
    """What a webhook view hands an adapter: enough to verify a signature and parse."""

    method: str
    url: str  # the absolute URL the provider called (signatures cover it)
    headers: dict[str, str]  # header names lower-cased
    body: bytes
    form: dict[str, str] = field(default_factory=dict)  # parsed x-www-form-urlencoded body
    query: dict[str, str] = field(default_factory=dict)


class Provider:
    """Base class. ``config`` holds non-secret settings (base URL, sender, rate), ``secrets`` the
    decrypted credentials (never logged, never shown back)."""

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    channels: ClassVar[frozenset[str]] = frozenset()
    # The credential and setting names the UI asks for (name -> label); secrets are write-only.
    secret_fields: ClassVar[dict[str, str]] = {}
    config_fields: ClassVar[dict[str, str]] = {}
    default_rate: ClassVar[float] = 10.0  # messages per second the provider accepts
    # how many sends may be in flight at once (one connection each for SMTP); a broadcast's
    # pipeline runs that many lanes
    default_connections: ClassVar[int] = 2
    MAX_CONNECTIONS: ClassVar[int] = 16

    def __init__(self, config: dict[str, Any] | None = None, secrets: dict[str, str] | None = None):
        self.config = dict(config or {})
        self.secrets = dict(secrets or {})

    @property
    def rate(self) -> float:
        try:
            return float(self.config.get("rate") or self.default_rate)
        except (TypeError, ValueError):
            return self.default_rate

    @property
    def connections(self) -> int:
        try:
            n = int(self.config.get("connections") or self.default_connections)
        except (TypeError, ValueError):
            return self.default_connections
        return min(max(n, 1), self.MAX_CONNECTIONS)

    def send(self, message: OutboundMessage) -> SendResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def verify_webhook(self, request: WebhookRequest) -> None:
        """Raise ``WebhookRejected`` unless the request really comes from the provider."""
        raise WebhookRejected("this provider takes no webhooks")

    def parse_webhook(self, request: WebhookRequest) -> list[Receipt | Inbound]:
        return []

    def webhook_response(self, events: list[Receipt | Inbound]) -> tuple[str, str]:
        """(content type, body) to answer the provider with."""
        return "text/plain", ""


def redact(text: str, secrets: dict[str, str]) -> str:
    """``text`` with every secret value (of 4+ characters) replaced by ``***``: for error
    messages built from a provider's answer, which may echo a credential back."""
    for value in secrets.values():
        if isinstance(value, str) and len(value) >= 4:
            text = text.replace(value, "***")
    return text


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def http_client() -> httpx.Client:
    """One pooled HTTP client per process for every HTTP provider (created lazily, after any
    fork)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(timeout=10)
        return _client


def post_json(provider: str, url: str, **kwargs: Any) -> tuple[httpx.Response, dict[str, Any]]:
    """POST to a provider; a network error becomes a retryable ``ProviderError`` that names
    only the provider and the kind of error (never a URL or header that could hold a secret).
    Returns the response and its JSON object (``{}`` when the body is not one)."""
    try:
        response = http_client().post(url, **kwargs)
    except httpx.HTTPError as exc:
        raise ProviderError(
            f"network error talking to {provider} ({type(exc).__name__})",
            code="network",
            retryable=True,
        ) from None
    try:
        data = response.json()
    except ValueError:
        data = {}
    return response, data if isinstance(data, dict) else {}
