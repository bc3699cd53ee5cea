"""Real servers on loopback that impersonate messaging providers, for adapter tests.

``FakeTwilio``, ``FakeMsg91`` and ``FakeWhatsApp`` are HTTP servers (``ThreadingHTTPServer`` on
127.0.0.1, an ephemeral port, a background thread) that answer like the real APIs and record
every request; ``FakeSmtp`` is an aiosmtpd SMTP server that keeps every message it accepts.
Each is a context manager; ``conftest.py`` wraps them as fixtures.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import re
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller


def twilio_signature(url: str, params: dict[str, str], auth_token: str) -> str:
    """``X-Twilio-Signature`` for a POST to ``url`` with ``params``, as Twilio computes it."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    mac = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def meta_signature(body: bytes, app_secret: str) -> str:
    """``X-Hub-Signature-256`` for a WhatsApp webhook body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    form: dict[str, str] = field(default_factory=dict)  # last value of each field
    form_lists: dict[str, list[str]] = field(default_factory=dict)
    json: Any = None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = RecordedRequest(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers=headers,
            body=body,
        )
        content_type = headers.get("content-type", "")
        if "application/x-www-form-urlencoded" in content_type:
            request.form_lists = parse_qs(body.decode(), keep_blank_values=True)
            request.form = {k: v[-1] for k, v in request.form_lists.items()}
        elif "json" in content_type and body:
            request.json = json.loads(body)
        status, payload = self.server.fake.dispatch(request)
        data = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeHTTPServer


class FakeHTTPServer:
    """Base class: a threaded HTTP server on 127.0.0.1 that records requests and answers with
    ``handle``; ``fail_next`` makes the next requests fail with a provider-shaped error."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._failures: deque[tuple[int, Any]] = deque()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def fail_next(
        self, n: int = 1, status: int = 500, code: int | str | None = None, message: str = ""
    ) -> None:
        """Answer the next ``n`` requests with ``status`` and a provider-shaped error body."""
        with self._lock:
            for _ in range(n):
                self._failures.append((status, self.error_body(status, code, message)))

    def error_body(self, status: int, code: int | str | None, message: str) -> Any:
        return {"status": status, "code": code, "message": message or f"HTTP {status}"}

    def dispatch(self, request: RecordedRequest) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(request)
            if self._failures:
                return self._failures.popleft()
            return self.handle(request)

    def handle(self, request: RecordedRequest) -> tuple[int, Any]:  # pragma: no cover
        return 404, {"message": "not found"}


class FakeTwilio(FakeHTTPServer):
    """Twilio's REST API: ``Messages.json`` and ``Calls.json`` under one account, basic auth,
    and ``I-Twilio-Idempotency-Token`` (a repeated token gets the first answer again, and no
    second message or call is recorded)."""

    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "tw-secret-token"):
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict[str, Any]] = []  # form of each message actually created
        self.calls: list[dict[str, Any]] = []
        self._by_token: dict[str, dict[str, Any]] = {}

    def answer_for(self, token: str) -> dict[str, Any] | None:
        """What Twilio answered to the request with this idempotency token."""
        return self._by_token.get(token)

    def error_body(self, status: int, code: int | str | None, message: str) -> Any:
        code = code if code is not None else (20429 if status == 429 else 20500)
        return {
            "code": code,
            "message": message or f"HTTP {status}",
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }

    def handle(self, request: RecordedRequest) -> tuple[int, Any]:
        match = re.fullmatch(r"/2010-04-01/Accounts/([^/]+)/(Messages|Calls)\.json", request.path)
        if request.method != "POST" or not match:
            return 404, self.error_body(404, 20404, "The requested resource was not found")
        expected = (
            "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        )
        if match.group(1) != self.account_sid or request.headers.get("authorization") != expected:
            return 401, self.error_body(401, 20003, "Authenticate")
        token = request.headers.get("i-twilio-idempotency-token", "")
        if token and token in self._by_token:
            return 201, self._by_token[token]
        form = request.form
        if not form.get("To"):
            return 400, self.error_body(400, 21604, "A 'To' phone number is required.")
        if match.group(2) == "Calls":
            if not form.get("From") or not (form.get("Twiml") or form.get("Url")):
                return 400, self.error_body(400, 21205, "Url or Twiml parameter is required.")
            answer = {
                "sid": "CA" + secrets.token_hex(16),
                "account_sid": self.account_sid,
                "to": form["To"],
                "from": form["From"],
                "status": "queued",
                "direction": "outbound-api",
            }
            self.calls.append(dict(request.form_lists))
        else:
            if not (form.get("From") or form.get("MessagingServiceSid")):
                return 400, self.error_body(400, 21603, "A 'From' phone number is required.")
            answer = {
                "sid": "SM" + secrets.token_hex(16),
                "account_sid": self.account_sid,
                "to": form["To"],
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": form.get("Body", ""),
                "status": "accepted" if form.get("MessagingServiceSid") else "queued",
                "num_segments": "1",
                "num_media": str(len(request.form_lists.get("MediaUrl", []))),
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
            }
            self.messages.append(dict(request.form_lists))
        if token:
            self._by_token[token] = answer
        return 201, answer


class FakeMsg91(FakeHTTPServer):
    """MSG91's Flow API (``POST /api/v5/flow/`` with an ``authkey`` header)."""

    def __init__(self, authkey: str = "msg91-secret-key"):
        super().__init__()
        self.authkey = authkey
        self.messages: list[dict[str, Any]] = []

    def error_body(self, status: int, code: int | str | None, message: str) -> Any:
        return {"type": "error", "message": message or f"HTTP {status}", "code": code}

    def handle(self, request: RecordedRequest) -> tuple[int, Any]:
        if request.method != "POST" or request.path.rstrip("/") != "/api/v5/flow":
            return 404, self.error_body(404, 404, "not found")
        if request.headers.get("authkey") != self.authkey:
            return 401, self.error_body(401, "401", "Authentication failure")
        payload = request.json if isinstance(request.json, dict) else {}
        if not payload.get("template_id") or not payload.get("recipients"):
            return 200, self.error_body(200, "400", "template_id and recipients are required")
        self.messages.append(payload)
        return 200, {"type": "success", "message": secrets.token_hex(12)}


class FakeWhatsApp(FakeHTTPServer):
    """Meta's Graph API ``POST /{version}/{phone number id}/messages`` (Bearer token).
    Point the adapter's ``api_base`` at ``.api_base``."""

    version = "v21.0"

    def __init__(self, access_token: str = "wa-secret-token", phone_number_id: str = "106540352"):
        super().__init__()
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.messages: list[dict[str, Any]] = []

    @property
    def api_base(self) -> str:
        return f"{self.url}/{self.version}"

    def error_body(self, status: int, code: int | str | None, message: str) -> Any:
        return {
            "error": {
                "message": message or f"HTTP {status}",
                "type": "OAuthException",
                "code": code if code is not None else 1,
                "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
            }
        }

    def handle(self, request: RecordedRequest) -> tuple[int, Any]:
        path = f"/{self.version}/{self.phone_number_id}/messages"
        if request.method != "POST" or request.path != path:
            return 404, self.error_body(404, 100, "Unsupported post request")
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return 401, self.error_body(401, 190, "Invalid OAuth access token.")
        payload = request.json if isinstance(request.json, dict) else {}
        if payload.get("messaging_product") != "whatsapp" or not payload.get("to"):
            return 400, self.error_body(400, 100, "Invalid parameter")
        self.messages.append(payload)
        wamid = "wamid." + base64.b64encode(secrets.token_bytes(24)).decode()
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": payload["to"], "wa_id": payload["to"]}],
            "messages": [{"id": wamid}],
        }


# -- SMTP ------------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    peer: Any  # (host, port) of the client connection: equal peers = one connection
    content: bytes
    message: EmailMessage


class _SmtpHandler:
    def __init__(self, fake: FakeSmtp):
        self.fake = fake

    async def handle_RCPT(  # aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.fake.rejections.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        self.fake.messages.append(
            ReceivedMail(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                peer=session.peer,
                content=content,
                message=parsed,
            )
        )
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's Controller, able to listen on an ephemeral port (``port=0``)."""

    def _trigger_server(self) -> None:
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class FakeSmtp:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives in ``messages``.
    ``reject(address)`` makes it refuse a recipient (``550 5.1.1`` by default)."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self.rejections: dict[str, str] = {}
        self._controller = _Controller(
            _SmtpHandler(self), hostname="127.0.0.1", port=0, server_hostname="fake-smtp.test"
        )

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return self._controller.port

    def reject(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        self.rejections[address.lower()] = reply

    def start(self) -> Self:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
