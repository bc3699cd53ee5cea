"""Email through any SMTP server (a relay, an ESP's SMTP endpoint, a campaign's own server).

One provider instance keeps ONE open SMTP connection and reuses it for every ``send`` (a big
broadcast would otherwise pay a TCP + TLS + AUTH handshake per message): it opens lazily,
reopens once when the server has dropped an idle connection, and is closed with ``close()``.
The instance is thread-safe (a lock serialises sends); use one instance per worker thread for
parallelism. Each message's ``Message-ID`` is ``<idempotency key@sender's domain>``, so a resend
after a crash is recognisable. SMTP has no webhooks; bounces come from the ESP.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
from email.utils import parseaddr
from types import TracebackType
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend

from grassroots.messaging.providers import register
from grassroots.messaging.providers.base import (
    OutboundMessage,
    Provider,
    ProviderError,
    SendResult,
    redact,
)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@register
class SmtpProvider(Provider):
    """Plain SMTP (STARTTLS or implicit TLS, optional AUTH) with a reused connection."""

    kind = "smtp"
    label = "SMTP server"
    channels = frozenset({"email"})
    secret_fields = {"username": "Username", "password": "Password"}
    config_fields = {
        "host": "SMTP host",
        "port": "Port (587 STARTTLS, 465 TLS, 25 plain)",
        "use_tls": "Use STARTTLS",
        "use_ssl": "Use implicit TLS (SMTPS)",
        "from_email": "From address",
        "rate": "Messages per second",
        "connections": "Parallel connections",
    }
    default_rate = 10.0

    def __init__(self, config: dict[str, Any] | None = None, secrets: dict[str, str] | None = None):
        super().__init__(config, secrets)
        self._backend: EmailBackend | None = None
        self._lock = threading.Lock()

    # -- connection --------------------------------------------------------------------------

    def _connection(self) -> EmailBackend:
        """The shared backend, its SMTP session opened if it is not."""
        if self._backend is None:
            use_ssl = _flag(self.config.get("use_ssl"))
            use_tls = _flag(self.config.get("use_tls")) and not use_ssl
            port = int(self.config.get("port") or (465 if use_ssl else 587 if use_tls else 25))
            self._backend = get_connection(
                "django.core.mail.backends.smtp.EmailBackend",
                host=self.config.get("host") or "localhost",
                port=port,
                username=self.secrets.get("username") or "",
                password=self.secrets.get("password") or "",
                use_tls=use_tls,
                use_ssl=use_ssl,
                timeout=10,
                fail_silently=False,
            )
        self._backend.open()  # no-op when already open
        return self._backend

    def _drop(self) -> None:
        """Forget the SMTP session (politely QUIT if the server is still there)."""
        backend = self._backend
        if backend is None:
            return
        try:
            backend.close()
        except (OSError, smtplib.SMTPException):
            pass
        finally:
            backend.connection = None

    def close(self) -> None:
        """Close the SMTP connection (the next ``send`` opens a new one)."""
        with self._lock:
            self._drop()

    def __enter__(self) -> SmtpProvider:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- sending -----------------------------------------------------------------------------

    def build_email(self, message: OutboundMessage) -> EmailMultiAlternatives:
        """The MIME message: text body, HTML alternative, list headers, our Message-ID."""
        from_email = message.sender or self.config.get("from_email") or ""
        if not from_email:
            raise ProviderError("no From address: set the account's from email", code="config")
        domain = parseaddr(from_email)[1].rpartition("@")[2] or "localhost"
        headers = {k: v for k, v in message.headers.items() if k.lower() != "message-id"}
        headers["Message-ID"] = f"<{message.idempotency_key}@{domain}>"
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=from_email,
            to=[message.to],
            headers=headers,
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        return email

    def send(self, message: OutboundMessage) -> SendResult:
        if message.channel != "email":
            raise ProviderError(f"SMTP cannot send {message.channel}", code="channel")
        email = self.build_email(message)
        message_id = email.extra_headers["Message-ID"]
        with self._lock:
            reused = self._backend is not None and self._backend.connection is not None
            try:
                try:
                    self._connection().send_messages([email])
                except (smtplib.SMTPServerDisconnected, ConnectionError):
                    if not reused:
                        raise
                    # The server dropped our idle connection: reopen once and retry.
                    self._drop()
                    self._connection().send_messages([email])
            except Exception as exc:
                raise self._error(exc) from None
        return SendResult(provider_id=message_id, status="sent", raw={"message_id": message_id})

    def _error(self, exc: Exception) -> ProviderError:
        code = ""
        text = ""
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            refused = next(iter(exc.recipients.values()), (550, b"recipient refused"))
            code, text = str(refused[0]), _text(refused[1])
        elif isinstance(exc, smtplib.SMTPResponseException):
            code, text = str(exc.smtp_code), _text(exc.smtp_error)
            if isinstance(exc, smtplib.SMTPConnectError):
                self._drop()
        if code:
            # 4xx: try again later; 5xx: permanent (bad address, rejected content, bad AUTH).
            retryable = not code.startswith("5")
            return ProviderError(
                redact(f"SMTP {code}: {text}", self.secrets), code=code, retryable=retryable
            )
        if isinstance(exc, ValueError) and not isinstance(exc, OSError):
            # Django's BadHeaderError (a newline in a header…): raised before any SMTP traffic.
            return ProviderError(f"invalid email: {exc}", code="invalid")
        self._drop()  # the session's state is unknown: start afresh next time
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return ProviderError(f"SMTP server: {exc}", code="unsupported")
        if isinstance(exc, ssl.SSLCertVerificationError):
            return ProviderError("SMTP server's TLS certificate is not valid", code="tls")
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return ProviderError("SMTP server disconnected", code="disconnected", retryable=True)
        if isinstance(exc, OSError):  # refused, timeout, TLS hiccup (SMTPException too)
            return ProviderError(
                f"cannot talk to the SMTP server ({type(exc).__name__})",
                code="network",
                retryable=True,
            )
        return ProviderError(
            redact(f"SMTP send failed: {exc}", self.secrets), code="smtp", retryable=False
        )


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
