"""Email through an ESP's HTTP API, by way of django-anymail (Postmark, Mailgun, SendGrid,
Amazon SES, Brevo, SparkPost, Mailjet, Resend, …): the same MIME message as the SMTP provider,
sent with the ESP's API key, and the ESP's delivery, bounce, complaint, open and click webhooks
turned into receipts (``messaging.esp_webhooks``, mounted at ``/messaging/anymail/``).
"""

from __future__ import annotations

from typing import Any

from django.core.mail import get_connection

from grassroots.messaging.providers import register
from grassroots.messaging.providers.base import (
    OutboundMessage,
    Provider,
    ProviderError,
    SendResult,
    redact,
)
from grassroots.messaging.providers.smtp import SmtpProvider

ESPS = {
    "postmark": "Postmark",
    "mailgun": "Mailgun",
    "sendgrid": "SendGrid",
    "amazon_ses": "Amazon SES",
    "brevo": "Brevo",
    "sparkpost": "SparkPost",
    "mailjet": "Mailjet",
    "resend": "Resend",
    "postal": "Postal",
}


@register
class EspProvider(Provider):
    kind = "esp"
    label = "Email service (Postmark, Mailgun, SendGrid, SES… through django-anymail)"
    channels = frozenset({"email"})
    secret_fields = {"api_key": "API key / server token"}
    config_fields = {
        "esp": "Service: " + ", ".join(ESPS),
        "api_url": "API address (leave empty for the service's own)",
        "from_email": "From address",
        "rate": "Messages per second",
        "connections": "Parallel connections",
    }
    default_rate = 20.0

    def _esp(self) -> str:
        esp = str(self.config.get("esp") or "").strip().lower()
        if esp not in ESPS:
            raise ProviderError(
                f"unknown email service “{esp}” (choose one of {', '.join(ESPS)})", code="config"
            )
        return esp

    def send(self, message: OutboundMessage) -> SendResult:
        from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused

        esp = self._esp()
        key = self.secrets.get("api_key", "")
        options: dict[str, Any] = {"api_key": key}
        if esp == "postmark":
            options = {"server_token": key}
        elif esp == "amazon_ses":
            options = {}
        if self.config.get("api_url"):
            options["api_url"] = str(self.config["api_url"])
        connection = get_connection(f"anymail.backends.{esp}.EmailBackend", **options)
        email = SmtpProvider(self.config, self.secrets).build_email(message)
        email.connection = connection
        try:
            email.send()
        except AnymailRecipientsRefused as exc:
            raise ProviderError(redact(str(exc), self.secrets)[:300], code="refused") from None
        except AnymailAPIError as exc:
            status = getattr(exc, "status_code", None) or 0
            raise ProviderError(
                redact(str(exc).splitlines()[0], self.secrets)[:300],
                code=str(status or "api"),
                retryable=status == 429 or status >= 500 or status == 0,
            ) from None
        except AnymailError as exc:
            raise ProviderError(redact(str(exc).splitlines()[0], self.secrets)[:300], code="esp")
        status = email.anymail_status
        if status.status and set(status.status) <= {"rejected", "failed", "invalid"}:
            raise ProviderError(
                f"{ESPS[esp]} refused the recipient ({', '.join(sorted(status.status))})",
                code="refused",
            )
        return SendResult(
            provider_id=str(status.message_id or "")[:100],
            status="sent",
            raw={"esp": esp, "status": sorted(status.status or [])},
        )
