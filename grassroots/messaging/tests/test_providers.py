"""Provider adapters against real fake servers on loopback (HTTP and SMTP); no database."""

from __future__ import annotations

import base64
import json
import socket
import uuid
from urllib.parse import urlencode

import pytest

from grassroots.messaging.providers import provider_class
from grassroots.messaging.providers.base import (
    Inbound,
    OutboundMessage,
    ProviderError,
    Receipt,
    WebhookRejected,
    WebhookRequest,
)
from grassroots.messaging.providers.msg91 import Msg91Provider
from grassroots.messaging.providers.smtp import SmtpProvider
from grassroots.messaging.providers.twilio import TwilioProvider
from grassroots.messaging.providers.whatsapp import WhatsAppCloudProvider, verify_subscription
from grassroots.messaging.tests.fakes import (
    FakeMsg91,
    FakeSmtp,
    FakeTwilio,
    FakeWhatsApp,
    meta_signature,
    twilio_signature,
)

HOOK = "https://campaign.example.org/messaging/hooks/4f1c2a9e-0000-4000-8000-000000000001/"


def _key() -> str:
    return str(uuid.uuid4())


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_registry_knows_every_adapter() -> None:
    assert provider_class("twilio") is TwilioProvider
    assert provider_class("msg91") is Msg91Provider
    assert provider_class("whatsapp_cloud") is WhatsAppCloudProvider
    assert provider_class("smtp") is SmtpProvider


# -- Twilio ----------------------------------------------------------------------------------


def _twilio(fake: FakeTwilio, **config: str) -> TwilioProvider:
    return TwilioProvider(
        config={"api_base": fake.url, "from_number": "+14155550100", **config},
        secrets={"account_sid": fake.account_sid, "auth_token": fake.auth_token},
    )


def _form_request(url: str, params: dict[str, str], signature: str) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url=url,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": signature,
        },
        body=urlencode(params).encode(),
        form=dict(params),
    )


def test_twilio_sms_send_over_http(fake_twilio: FakeTwilio) -> None:
    key = _key()
    result = _twilio(fake_twilio).send(
        OutboundMessage(
            idempotency_key=key,
            channel="sms",
            to="+919812345678",
            body="Rally at 5pm, Deshapriya Park",
            status_callback=HOOK,
        )
    )
    assert result.provider_id.startswith("SM") and result.status == "queued"
    [request] = fake_twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    user, _, password = (
        base64.b64decode(request.headers["authorization"].removeprefix("Basic ")).decode()
    ).partition(":")
    assert (user, password) == (fake_twilio.account_sid, fake_twilio.auth_token)
    assert request.headers["i-twilio-idempotency-token"] == key
    assert request.form == {
        "To": "+919812345678",
        "From": "+14155550100",
        "Body": "Rally at 5pm, Deshapriya Park",
        "StatusCallback": HOOK,
    }


def test_twilio_whatsapp_and_messaging_service(fake_twilio: FakeTwilio) -> None:
    provider = _twilio(fake_twilio, from_number="", messaging_service_sid="MG" + "1" * 32)
    media = ["https://example.org/a.jpg", "https://example.org/b.pdf"]
    result = provider.send(
        OutboundMessage(
            idempotency_key=_key(),
            channel="whatsapp",
            to="+919812345678",
            body="Hello",
            media_urls=media,
        )
    )
    assert result.status == "queued"  # Twilio answers "accepted" for a messaging service
    request = fake_twilio.requests[0]
    assert request.form["To"] == "whatsapp:+919812345678"
    assert request.form["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in request.form
    assert request.form_lists["MediaUrl"] == media

    provider.send(
        OutboundMessage(
            idempotency_key=_key(),
            channel="whatsapp",
            to="+919812345678",
            body="Hi",
            sender="+14155550199",
        )
    )
    assert fake_twilio.requests[1].form["From"] == "whatsapp:+14155550199"


def test_twilio_retry_with_same_key_sends_once(fake_twilio: FakeTwilio) -> None:
    provider = _twilio(fake_twilio)
    message = OutboundMessage(idempotency_key=_key(), channel="sms", to="+15005550006", body="x")
    first = provider.send(message)
    second = provider.send(message)
    assert first.provider_id == second.provider_id
    assert len(fake_twilio.requests) == 2
    assert len(fake_twilio.messages) == 1


def test_twilio_rate_limit_and_outage_are_retryable(fake_twilio: FakeTwilio) -> None:
    provider = _twilio(fake_twilio)
    message = OutboundMessage(idempotency_key=_key(), channel="sms", to="+15005550006", body="x")
    fake_twilio.fail_next(1, status=429, message="Too Many Requests")
    with pytest.raises(ProviderError) as excinfo:
        provider.send(message)
    assert excinfo.value.retryable and excinfo.value.code == "20429"
    fake_twilio.fail_next(1, status=503)
    with pytest.raises(ProviderError) as excinfo:
        provider.send(message)
    assert excinfo.value.retryable
    assert provider.send(message).provider_id.startswith("SM")  # then it goes through
    assert len(fake_twilio.messages) == 1


def test_twilio_invalid_number_is_permanent(fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(
        1, status=400, code=21211, message="The 'To' number +91000 is not a valid phone number."
    )
    with pytest.raises(ProviderError) as excinfo:
        _twilio(fake_twilio).send(
            OutboundMessage(idempotency_key=_key(), channel="sms", to="+91000", body="x")
        )
    assert not excinfo.value.retryable
    assert excinfo.value.code == "21211"
    assert "not a valid phone number" in str(excinfo.value)


def test_twilio_errors_never_show_secrets(fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(
        1,
        status=404,
        code=20404,
        message=f"/Accounts/{fake_twilio.account_sid} token {fake_twilio.auth_token} not found",
    )
    with pytest.raises(ProviderError) as excinfo:
        _twilio(fake_twilio).send(
            OutboundMessage(idempotency_key=_key(), channel="sms", to="+15005550006", body="x")
        )
    text = str(excinfo.value)
    assert fake_twilio.account_sid not in text and fake_twilio.auth_token not in text


def test_twilio_network_error_is_retryable() -> None:
    provider = TwilioProvider(
        config={"api_base": _closed_port_url(), "from_number": "+14155550100"},
        secrets={"account_sid": "AC" + "9" * 32, "auth_token": "sekrit-token"},
    )
    with pytest.raises(ProviderError) as excinfo:
        provider.send(OutboundMessage(idempotency_key=_key(), channel="sms", to="+1", body="x"))
    assert excinfo.value.retryable and excinfo.value.code == "network"
    assert "AC" + "9" * 32 not in str(excinfo.value)


def test_twilio_voice_call_shape(fake_twilio: FakeTwilio) -> None:
    key = _key()
    result = _twilio(fake_twilio).send(
        OutboundMessage(
            idempotency_key=key,
            channel="voice",
            to="+919812345678",
            body="Vote on 5 May & bring a friend <3",
            status_callback=HOOK,
        )
    )
    assert result.provider_id.startswith("CA")
    [request] = fake_twilio.requests
    assert request.path.endswith("/Calls.json")
    assert request.headers["i-twilio-idempotency-token"] == key
    assert request.form["To"] == "+919812345678"
    assert request.form["From"] == "+14155550100"
    assert request.form["StatusCallback"] == HOOK
    twiml = request.form["Twiml"]
    assert twiml.startswith("<Response>") and twiml.endswith("</Response>")
    assert f'<Gather numDigits="1" action="{HOOK}"' in twiml
    assert "<Say>Vote on 5 May &amp; bring a friend &lt;3</Say>" in twiml
    assert "Press 1" in twiml and "Press 9" in twiml


def test_twilio_signature_verification() -> None:
    token = "12345-auth-token"
    provider = TwilioProvider(secrets={"account_sid": "AC1", "auth_token": token})
    params = {"MessageSid": "SM1", "MessageStatus": "delivered", "To": "+9198", "From": "+1415"}
    good = _form_request(HOOK, params, twilio_signature(HOOK, params, token))
    provider.verify_webhook(good)  # no exception

    tampered = _form_request(
        HOOK, {**params, "MessageStatus": "failed"}, good.headers["x-twilio-signature"]
    )
    with pytest.raises(WebhookRejected):
        provider.verify_webhook(tampered)
    with pytest.raises(WebhookRejected):
        provider.verify_webhook(
            _form_request(HOOK, params, twilio_signature(HOOK, params, "another-token"))
        )
    with pytest.raises(WebhookRejected):
        provider.verify_webhook(_form_request(HOOK, params, ""))
    with pytest.raises(WebhookRejected):  # same params, other URL
        provider.verify_webhook(
            _form_request(HOOK + "?x=1", params, good.headers["x-twilio-signature"])
        )
    # Twilio may sign the URL with the default port spelled out.
    with_port = HOOK.replace("example.org/", "example.org:443/")
    provider.verify_webhook(_form_request(HOOK, params, twilio_signature(with_port, params, token)))


def test_twilio_parse_status_callbacks() -> None:
    provider = TwilioProvider(secrets={"account_sid": "AC1", "auth_token": "t0ken"})
    delivered = _form_request(HOOK, {"MessageSid": "SM1", "MessageStatus": "delivered"}, "")
    assert provider.parse_webhook(delivered) == [Receipt(provider_id="SM1", status="delivered")]
    failed = _form_request(
        HOOK,
        {
            "MessageSid": "SM2",
            "SmsSid": "SM2",
            "MessageStatus": "undelivered",
            "ErrorCode": "30007",
        },
        "",
    )
    [receipt] = provider.parse_webhook(failed)
    assert isinstance(receipt, Receipt)
    assert (receipt.status, receipt.error_code) == ("undelivered", "30007")
    assert "filtered" in receipt.error
    assert provider.webhook_response([receipt]) == (
        "text/xml",
        '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
    )


def test_twilio_parse_inbound_sms_and_whatsapp() -> None:
    provider = TwilioProvider(secrets={"account_sid": "AC1", "auth_token": "t0ken"})
    sms = _form_request(
        HOOK,
        {
            "MessageSid": "SM9",
            "SmsSid": "SM9",
            "SmsStatus": "received",
            "From": "+919812345678",
            "To": "+14155550100",
            "Body": "STOP",
        },
        "",
    )
    assert provider.parse_webhook(sms) == [
        Inbound(
            provider_id="SM9", channel="sms", sender="+919812345678", to="+14155550100", body="STOP"
        )
    ]
    whatsapp = _form_request(
        HOOK,
        {
            "MessageSid": "SM8",
            "From": "whatsapp:+919812345678",
            "To": "whatsapp:+14155550100",
            "Body": "I will volunteer",
        },
        "",
    )
    [inbound] = provider.parse_webhook(whatsapp)
    assert isinstance(inbound, Inbound)
    assert (inbound.channel, inbound.sender, inbound.to) == (
        "whatsapp",
        "+919812345678",
        "+14155550100",
    )
    assert inbound.body == "I will volunteer"


def test_twilio_voice_keypress_becomes_inbound() -> None:
    provider = TwilioProvider(secrets={"account_sid": "AC1", "auth_token": "t0ken"})
    answer = _form_request(
        HOOK,
        {
            "CallSid": "CA1",
            "Digits": "9",
            "From": "+14155550100",
            "To": "+919812345678",
            "Direction": "outbound-api",
        },
        "",
    )
    [inbound] = provider.parse_webhook(answer)
    assert isinstance(inbound, Inbound)
    assert (inbound.channel, inbound.sender, inbound.body) == ("voice", "+919812345678", "STOP")
    content_type, body = provider.webhook_response([inbound])
    assert content_type == "text/xml" and "<Hangup/>" in body
    completed = _form_request(HOOK, {"CallSid": "CA1", "CallStatus": "no-answer"}, "")
    [receipt] = provider.parse_webhook(completed)
    assert isinstance(receipt, Receipt) and receipt.status == "undelivered"


# -- MSG91 -----------------------------------------------------------------------------------


def _msg91(fake: FakeMsg91, **config: str) -> Msg91Provider:
    return Msg91Provider(
        config={"api_base": fake.url, "sender_id": "GRSRTS", **config},
        secrets={"authkey": fake.authkey, "webhook_token": "dlr-token-123"},
    )


def test_msg91_send_shape(fake_msg91: FakeMsg91) -> None:
    result = _msg91(fake_msg91).send(
        OutboundMessage(
            idempotency_key=_key(),
            channel="sms",
            to="+919812345678",
            body="Dear Asha, rally at 5pm",
            template={"dlt_template_id": "1107161234567890123", "vars": {"name": "Asha"}},
        )
    )
    [request] = fake_msg91.requests
    assert request.path == "/api/v5/flow/"
    assert request.headers["authkey"] == fake_msg91.authkey
    assert request.json == {
        "template_id": "1107161234567890123",
        "short_url": "0",
        "sender": "GRSRTS",
        "recipients": [{"mobiles": "919812345678", "name": "Asha"}],
    }
    assert result.provider_id and result.status == "queued"


def test_msg91_uses_default_template_and_body_var(fake_msg91: FakeMsg91) -> None:
    _msg91(fake_msg91, dlt_template_id="1107000000000000001").send(
        OutboundMessage(idempotency_key=_key(), channel="sms", to="9812345678", body="Hello")
    )
    payload = fake_msg91.requests[0].json
    assert payload["template_id"] == "1107000000000000001"
    assert payload["recipients"] == [{"mobiles": "919812345678", "var": "Hello"}]


def test_msg91_needs_a_dlt_template(fake_msg91: FakeMsg91) -> None:
    with pytest.raises(ProviderError, match="India SMS needs a DLT template id") as excinfo:
        _msg91(fake_msg91).send(
            OutboundMessage(idempotency_key=_key(), channel="sms", to="+919812345678", body="x")
        )
    assert not excinfo.value.retryable
    assert fake_msg91.requests == []


def test_msg91_errors(fake_msg91: FakeMsg91) -> None:
    message = OutboundMessage(
        idempotency_key=_key(),
        channel="sms",
        to="+919812345678",
        body="x",
        template={"dlt_template_id": "1107"},
    )
    fake_msg91.fail_next(1, status=200, code="418", message="Template not approved")
    with pytest.raises(ProviderError) as excinfo:
        _msg91(fake_msg91).send(message)
    assert not excinfo.value.retryable and "Template not approved" in str(excinfo.value)
    fake_msg91.fail_next(1, status=502)
    with pytest.raises(ProviderError) as excinfo:
        _msg91(fake_msg91).send(message)
    assert excinfo.value.retryable
    bad_key = Msg91Provider(config={"api_base": fake_msg91.url}, secrets={"authkey": "wrong-key"})
    with pytest.raises(ProviderError) as excinfo:
        bad_key.send(message)
    assert not excinfo.value.retryable and "wrong-key" not in str(excinfo.value)


def test_msg91_delivery_reports() -> None:
    provider = Msg91Provider(secrets={"authkey": "k", "webhook_token": "dlr-token-123"})
    reports = [
        {
            "requestId": "req-1",
            "senderId": "GRSRTS",
            "report": [
                {
                    "number": "919812345678",
                    "status": "1",
                    "desc": "DELIVERED",
                    "date": "2024-05-22 10:06:20",
                }
            ],
        },
        {
            "requestId": "req-2",
            "numbers": [{"number": "919800000000", "status": "9", "date": "2024-05-22 10:07:00"}],
        },
        {"requestId": "req-3", "report": [{"number": "91", "status": "16", "desc": "REJECTED"}]},
        {"requestId": "req-4", "report": [{"number": "91", "status": "2", "desc": "FAILED"}]},
        {"requestId": "req-5", "report": [{"number": "91", "status": "77"}]},  # unknown: skipped
    ]
    body = json.dumps(reports).encode()
    request = WebhookRequest(
        method="POST",
        url=HOOK + "?token=dlr-token-123",
        headers={"content-type": "application/json"},
        body=body,
        query={"token": "dlr-token-123"},
    )
    provider.verify_webhook(request)
    events = provider.parse_webhook(request)
    assert [(e.provider_id, e.status, e.error_code) for e in events if isinstance(e, Receipt)] == [
        ("req-1", "delivered", ""),
        ("req-2", "undelivered", "9"),
        ("req-3", "failed", "16"),
        ("req-4", "failed", "2"),
    ]
    first = events[0]
    assert isinstance(first, Receipt) and first.occurred_at is not None
    assert first.occurred_at.utcoffset().total_seconds() == 5.5 * 3600

    # Webhook v2: form-encoded with the list as a JSON string in "data".
    form_body = urlencode({"data": json.dumps(reports[:1])}).encode()
    v2 = WebhookRequest(
        method="POST",
        url=HOOK,
        headers={"content-type": "application/x-www-form-urlencoded"},
        body=form_body,
    )
    assert [e.status for e in provider.parse_webhook(v2) if isinstance(e, Receipt)] == ["delivered"]


def test_msg91_webhook_token() -> None:
    provider = Msg91Provider(secrets={"authkey": "k", "webhook_token": "dlr-token-123"})

    def request(query: dict[str, str]) -> WebhookRequest:
        return WebhookRequest(method="POST", url=HOOK, headers={}, body=b"[]", query=query)

    provider.verify_webhook(request({"token": "dlr-token-123"}))
    for query in ({"token": "dlr-token-124"}, {}, {"token": ""}):
        with pytest.raises(WebhookRejected):
            provider.verify_webhook(request(query))
    with pytest.raises(WebhookRejected):  # no token configured: refuse everything
        Msg91Provider(secrets={"authkey": "k"}).verify_webhook(request({"token": ""}))


# -- WhatsApp Cloud ---------------------------------------------------------------------------


def _whatsapp(fake: FakeWhatsApp) -> WhatsAppCloudProvider:
    return WhatsAppCloudProvider(
        config={"api_base": fake.api_base, "phone_number_id": fake.phone_number_id},
        secrets={
            "access_token": fake.access_token,
            "app_secret": "app-secret-xyz",
            "verify_token": "verify-me",
        },
    )


def test_whatsapp_template_send(fake_whatsapp: FakeWhatsApp) -> None:
    key = _key()
    result = _whatsapp(fake_whatsapp).send(
        OutboundMessage(
            idempotency_key=key,
            channel="whatsapp",
            to="+919812345678",
            body="",
            template={"name": "rally_invite", "language": "hi", "params": ["Asha", "5pm"]},
        )
    )
    assert result.provider_id.startswith("wamid.")
    [request] = fake_whatsapp.requests
    assert request.path == f"/v21.0/{fake_whatsapp.phone_number_id}/messages"
    assert request.headers["authorization"] == f"Bearer {fake_whatsapp.access_token}"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "919812345678",
        "biz_opaque_callback_data": key,
        "type": "template",
        "template": {
            "name": "rally_invite",
            "language": {"code": "hi"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Asha"},
                        {"type": "text", "text": "5pm"},
                    ],
                }
            ],
        },
    }


def test_whatsapp_text_send(fake_whatsapp: FakeWhatsApp) -> None:
    _whatsapp(fake_whatsapp).send(
        OutboundMessage(
            idempotency_key=_key(),
            channel="whatsapp",
            to="+919812345678",
            body="Thanks for your reply!",
        )
    )
    payload = fake_whatsapp.requests[0].json
    assert payload["type"] == "text"
    assert payload["text"] == {"preview_url": False, "body": "Thanks for your reply!"}


def test_whatsapp_errors(fake_whatsapp: FakeWhatsApp) -> None:
    message = OutboundMessage(idempotency_key=_key(), channel="whatsapp", to="+91", body="x")
    fake_whatsapp.fail_next(1, status=400, code=131026, message="Message Undeliverable.")
    with pytest.raises(ProviderError) as excinfo:
        _whatsapp(fake_whatsapp).send(message)
    assert (excinfo.value.code, excinfo.value.retryable) == ("131026", False)
    fake_whatsapp.fail_next(1, status=400, code=130429, message="Rate limit hit")
    with pytest.raises(ProviderError) as excinfo:
        _whatsapp(fake_whatsapp).send(message)
    assert excinfo.value.retryable
    bad = WhatsAppCloudProvider(
        config={"api_base": fake_whatsapp.api_base, "phone_number_id": "106540352"},
        secrets={"access_token": "expired-token"},
    )
    with pytest.raises(ProviderError) as excinfo:
        bad.send(message)
    assert excinfo.value.code == "190" and not excinfo.value.retryable
    assert "expired-token" not in str(excinfo.value)


def _wa_hook(value: dict) -> bytes:
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": value}]}],
        }
    ).encode()


def test_whatsapp_signature() -> None:
    provider = WhatsAppCloudProvider(secrets={"app_secret": "app-secret-xyz"})
    body = _wa_hook({"messaging_product": "whatsapp", "statuses": []})
    good = WebhookRequest(
        method="POST",
        url=HOOK,
        body=body,
        headers={"x-hub-signature-256": meta_signature(body, "app-secret-xyz")},
    )
    provider.verify_webhook(good)
    for headers in ({"x-hub-signature-256": meta_signature(body, "other")}, {}):
        with pytest.raises(WebhookRejected):
            provider.verify_webhook(
                WebhookRequest(method="POST", url=HOOK, body=body, headers=headers)
            )
    with pytest.raises(WebhookRejected):  # body changed after signing
        provider.verify_webhook(
            WebhookRequest(method="POST", url=HOOK, body=body + b" ", headers=good.headers)
        )


def test_whatsapp_parse_statuses_and_inbound() -> None:
    provider = WhatsAppCloudProvider(secrets={"app_secret": "s"})
    body = _wa_hook(
        {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": "106540352"},
            "statuses": [
                {
                    "id": "wamid.A",
                    "status": "delivered",
                    "timestamp": "1700000000",
                    "recipient_id": "919812345678",
                },
                {
                    "id": "wamid.B",
                    "status": "read",
                    "timestamp": "1700000100",
                    "recipient_id": "919812345678",
                },
                {
                    "id": "wamid.C",
                    "status": "failed",
                    "timestamp": "1700000200",
                    "recipient_id": "919812345678",
                    "errors": [{"code": 131047, "title": "Re-engagement message"}],
                },
            ],
            "contacts": [{"profile": {"name": "Asha"}, "wa_id": "919812345678"}],
            "messages": [
                {
                    "from": "919812345678",
                    "id": "wamid.IN1",
                    "timestamp": "1700000300",
                    "type": "text",
                    "text": {"body": "count me in"},
                },
                {
                    "from": "919812345678",
                    "id": "wamid.IN2",
                    "timestamp": "1700000400",
                    "type": "button",
                    "button": {"text": "STOP", "payload": "stop"},
                },
            ],
        }
    )
    events = provider.parse_webhook(WebhookRequest(method="POST", url=HOOK, headers={}, body=body))
    receipts = [e for e in events if isinstance(e, Receipt)]
    assert [(r.provider_id, r.status, r.error_code) for r in receipts] == [
        ("wamid.A", "delivered", ""),
        ("wamid.B", "opened", ""),
        ("wamid.C", "failed", "131047"),
    ]
    assert receipts[0].occurred_at is not None and receipts[0].occurred_at.year == 2023
    inbound = [e for e in events if isinstance(e, Inbound)]
    assert [(i.provider_id, i.sender, i.to, i.body, i.channel) for i in inbound] == [
        ("wamid.IN1", "+919812345678", "+15550001111", "count me in", "whatsapp"),
        ("wamid.IN2", "+919812345678", "+15550001111", "STOP", "whatsapp"),
    ]


def test_whatsapp_subscription_handshake() -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    assert verify_subscription(query, "verify-me") == "1158201444"
    assert verify_subscription({**query, "hub.verify_token": "nope"}, "verify-me") is None
    assert verify_subscription({**query, "hub.mode": "unsubscribe"}, "verify-me") is None
    assert verify_subscription(query, "") is None


# -- SMTP ------------------------------------------------------------------------------------


def _smtp(server: FakeSmtp) -> SmtpProvider:
    return SmtpProvider(
        config={
            "host": server.host,
            "port": server.port,
            "from_email": "Grassroots <news@campaign.example.org>",
        },
    )


def _email(to: str, key: str) -> OutboundMessage:
    return OutboundMessage(
        idempotency_key=key,
        channel="email",
        to=to,
        subject="Rally on Sunday",
        body="Join us at 5pm.",
        html="<p>Join us at <b>5pm</b>.</p>",
        headers={
            "List-Unsubscribe": "<https://campaign.example.org/u/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def test_smtp_sends_two_messages_over_one_connection(smtp_server: FakeSmtp) -> None:
    keys = [_key(), _key()]
    with _smtp(smtp_server) as provider:
        results = [
            provider.send(_email("asha@example.net", keys[0])),
            provider.send(_email("ravi@example.net", keys[1])),
        ]
    assert [r.provider_id for r in results] == [
        f"<{keys[0]}@campaign.example.org>",
        f"<{keys[1]}@campaign.example.org>",
    ]
    assert len(smtp_server.messages) == 2
    assert len({m.peer for m in smtp_server.messages}) == 1  # one SMTP connection
    for mail, key, to in zip(
        smtp_server.messages, keys, ["asha@example.net", "ravi@example.net"], strict=True
    ):
        assert mail.rcpt_tos == [to]
        assert mail.mail_from == "news@campaign.example.org"
        message = mail.message
        assert message.get_content_type() == "multipart/alternative"
        assert key in message["Message-ID"]
        assert message["List-Unsubscribe"] == "<https://campaign.example.org/u/abc>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Subject"] == "Rally on Sunday"
        parts = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
        assert parts["text/plain"].strip() == "Join us at 5pm."
        assert "<b>5pm</b>" in parts["text/html"]


def test_smtp_reopens_a_dropped_connection(smtp_server: FakeSmtp) -> None:
    provider = _smtp(smtp_server)
    provider.send(_email("asha@example.net", _key()))
    assert provider._backend is not None and provider._backend.connection is not None
    provider._backend.connection.close()  # as if the server had timed the session out
    provider.send(_email("ravi@example.net", _key()))
    provider.close()
    assert len(smtp_server.messages) == 2
    assert len({m.peer for m in smtp_server.messages}) == 2


def test_smtp_rejected_recipient_is_permanent(smtp_server: FakeSmtp) -> None:
    smtp_server.reject("nobody@example.net")
    with _smtp(smtp_server) as provider:
        with pytest.raises(ProviderError) as excinfo:
            provider.send(_email("nobody@example.net", _key()))
        assert (excinfo.value.code, excinfo.value.retryable) == ("550", False)
        provider.send(_email("asha@example.net", _key()))  # the connection is still good
    assert [m.rcpt_tos for m in smtp_server.messages] == [["asha@example.net"]]


def test_smtp_temporary_rejection_is_retryable(smtp_server: FakeSmtp) -> None:
    smtp_server.reject("busy@example.net", "451 4.7.1 Try again later")
    with _smtp(smtp_server) as provider, pytest.raises(ProviderError) as excinfo:
        provider.send(_email("busy@example.net", _key()))
    assert (excinfo.value.code, excinfo.value.retryable) == ("451", True)


def test_smtp_unreachable_server_is_retryable() -> None:
    port = int(_closed_port_url().rsplit(":", 1)[1])
    provider = SmtpProvider(
        config={"host": "127.0.0.1", "port": port, "from_email": "news@campaign.example.org"},
        secrets={"username": "u", "password": "pw-secret"},
    )
    with pytest.raises(ProviderError) as excinfo:
        provider.send(_email("asha@example.net", _key()))
    assert excinfo.value.retryable and excinfo.value.code == "network"
    assert "pw-secret" not in str(excinfo.value)
