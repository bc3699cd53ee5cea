"""Email through any SMTP server (a relay, an ESP's SMTP endpoint, a campaign's own server).

One provider instance keeps ONE open SMTP connection and reuses it for every ``send`` (a big
broadcast would otherwise pay a TCP + TLS + AUTH handshake per message): it opens lazily,
reopens once when the server has dropped an idle connection, and is closed with ``close()``.
The instance is thread-safe (a lock serialises sends); use one instance per worker thread for
parallelism. Each message's ``Message-ID`` is ``<idempotency key@sender's domain>``, so a resend
after a crash is recognisable. The bytes of a common broadcast email are written by
``mime.render`` (Django's ``EmailMessage`` costs ten times the CPU for the same MIME); anything
unusual goes through Django. SMTP has no webhooks; bounces come from the ESP.
"""

from __future__ import annotations

import functools
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate, parseaddr
from types import TracebackType
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import sanitize_address

from grassroots.messaging.providers import mime, register
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

    def envelope(self, message: OutboundMessage) -> tuple[str, list[str], bytes, str]:
        """(envelope sender, recipients, the message's bytes, its Message-ID): built directly
        for the common shape (``mime.render``), through Django's ``EmailMessage`` otherwise —
        the same MIME either way. Raises ``ValueError`` for what cannot be sent (a newline in a
        header, an address that is not one)."""
        from_email = message.sender or self.config.get("from_email") or ""
        if not from_email:
            raise ProviderError("no From address: set the account's from email", code="config")
        sender = _sender(from_email)
        headers = {k: v for k, v in message.headers.items() if k.lower() != "message-id"}
        message_id = f"<{message.idempotency_key}@{sender.domain}>"
        headers["Message-ID"] = message_id
        data = None
        if sender.header is not None:
            data = mime.render(
                from_header=sender.header,
                to=message.to,
                subject=message.subject,
                text=message.body,
                html=message.html,
                headers=headers,
                date=_date(),
            )
        if data is not None:
            return sender.address, [message.to], data, message_id
        email = self.build_email(message)
        encoding = email.encoding or settings.DEFAULT_CHARSET
        recipients = [sanitize_address(a, encoding) for a in email.recipients()]
        data = email.message().as_bytes(linesep="\r\n")
        return sanitize_address(email.from_email, encoding), recipients, data, message_id

    def send(self, message: OutboundMessage) -> SendResult:
        if message.channel != "email":
            raise ProviderError(f"SMTP cannot send {message.channel}", code="channel")
        try:
            sender, recipients, data, message_id = self.envelope(message)
        except ProviderError:
            raise
        except Exception as exc:
            raise self._error(exc) from None
        with self._lock:
            reused = self._backend is not None and self._backend.connection is not None
            try:
                try:
                    self._connection().connection.sendmail(sender, recipients, data)
                except (smtplib.SMTPServerDisconnected, ConnectionError):
                    if not reused:
                        raise
                    # The server dropped our idle connection: reopen once and retry.
                    self._drop()
                    self._connection().connection.sendmail(sender, recipients, data)
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


@dataclass(frozen=True)
class _Sender:
    address: str  # the envelope sender
    domain: str  # for our Message-IDs
    header: str | None  # the From header as Django writes it; None: let Django write it


@functools.lru_cache(maxsize=64)
def _sender(from_email: str) -> _Sender:
    """What a From address means, worked out once per broadcast, not once per message."""
    domain = parseaddr(from_email)[1].rpartition("@")[2] or "localhost"
    try:
        address = parseaddr(sanitize_address(from_email, "utf-8"))[1]
    except ValueError:  # not an address: Django's path raises the error the sender sees
        return _Sender(address="", domain=domain, header=None)
    # Django keeps an ASCII From as written and encodes the others (see mime.render)
    plain = from_email.isascii() and "\n" not in from_email and "\r" not in from_email
    return _Sender(address=address, domain=domain, header=from_email if plain else None)


_last_date: list = [None, ""]


def _date() -> str:
    """The Date header Django writes, computed once a second."""
    now = int(time.time())
    if _last_date[0] != now:
        _last_date[:] = [now, formatdate(now, localtime=settings.EMAIL_USE_LOCALTIME)]
    return _last_date[1]


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
