"""The direct MIME builder says the same as Django's EmailMessage, or steps aside.

Each case is built both ways and parsed back with the ``email`` package (as a mail client
would): same headers (unfolded), same parts, same bodies. Byte equality is not the point —
the two fold long headers at different places."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grassroots.messaging.providers import mime
from grassroots.messaging.providers.base import OutboundMessage, ProviderError
from grassroots.messaging.providers.smtp import SmtpProvider

LIST_HEADERS = {
    "List-Unsubscribe": "<https://campaign.example.org/messaging/unsubscribe/"
    + "eJxTSk1Lzs8rSUzOSE0BAB4xBII:1xZj5d:VfPynHCIaTAQQcml2QtEtTcNPEKkuWVEfhzrrhf-6lI/>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def _provider() -> SmtpProvider:
    return SmtpProvider(config={"from_email": "Team Grassroots <news@campaign.example.org>"})


def _outbound(**kw) -> OutboundMessage:
    fields = {
        "idempotency_key": "5f0c6a1e-6d7b-4c1a-9d55-1b7e0f3c2a10",
        "channel": "email",
        "to": "asha@example.org",
        "subject": "Rally on Sunday",
        "body": "Hi Asha,\nJoin us at 5pm.\n",
        "html": "<p>Hi Asha,</p>\n<p>Join us at <b>5pm</b>.</p>",
        "headers": dict(LIST_HEADERS),
    } | kw
    return OutboundMessage(**fields)


def _direct(message: OutboundMessage) -> bytes | None:
    """``mime.render`` of the message as the SMTP adapter calls it."""
    return mime.render(
        from_header="Team Grassroots <news@campaign.example.org>",
        to=message.to,
        subject=message.subject,
        text=message.body,
        html=message.html,
        headers={**message.headers, "Message-ID": "<k@campaign.example.org>"},
        date="Sat, 05 Dec 2026 06:15:33 -0000",
    )


def _django_bytes(provider: SmtpProvider, message: OutboundMessage) -> bytes:
    return provider.build_email(message).message().as_bytes(linesep="\r\n")


def _parsed(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def _same(fast: bytes, slow: bytes) -> None:
    a, b = _parsed(fast), _parsed(slow)
    # header names in the same order, values equal once unfolded and decoded
    assert [k for k, _v in a.items()] == [k for k, _v in b.items()]
    for (name, va), (_n, vb) in zip(a.items(), b.items(), strict=True):
        if name == "Date":
            continue
        if name == "Content-Type":
            va, vb = (re.sub(r'boundary="[^"]+"', "B", str(v)) for v in (va, vb))
        # (Django folds a long unbreakable value onto a line of its own, which parses back
        # with a leading space; mail clients strip it)
        assert str(va).strip() == str(vb).strip(), name
    pa, pb = list(a.walk()), list(b.walk())
    assert [p.get_content_type() for p in pa] == [p.get_content_type() for p in pb]
    for x, y in zip(pa, pb, strict=True):
        assert x.get("Content-Transfer-Encoding") == y.get("Content-Transfer-Encoding")
        assert x.get_content_charset() == y.get_content_charset()
        if not x.is_multipart():
            assert x.get_content() == y.get_content()
    # the SMTP rules a server checks: CRLF line ends only, no line over 998 bytes
    assert b"\n" not in fast.replace(b"\r\n", b"")
    assert max(len(line) for line in fast.split(b"\r\n")) <= 998


def test_the_common_email_is_built_directly_and_says_what_django_says() -> None:
    provider = _provider()
    message = _outbound()
    sender, recipients, fast, message_id = provider.envelope(message)
    assert (sender, recipients) == ("news@campaign.example.org", ["asha@example.org"])
    assert message_id == "<5f0c6a1e-6d7b-4c1a-9d55-1b7e0f3c2a10@campaign.example.org>"
    assert fast.startswith(b"Content-Type: multipart/alternative;")
    _same(fast, _django_bytes(provider, message))
    parsed = _parsed(fast)
    assert parsed["Message-ID"] == message_id
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize(
    "change",
    [
        {"html": ""},  # text only: one part
        {"subject": "নমস্কার Bina, বিকেল ৫টায় সভা! " * 3, "body": "নমস্কার Bina\r\nসভা\r"},
        {"subject": "A subject that runs well past the seventy-eight characters of a line, "
                    "as campaign subjects do"},
        {"body": "", "html": "<p>only html</p>"},
        {"html": "<p>नमस्ते</p>\n" * 50},
        {"to": "first.last+tag@mail.example.co.in"},
        {"headers": {"X-Campaign": "Durga Puja café"} | LIST_HEADERS},  # encoded-word
    ],
)  # fmt: skip
def test_variants_of_the_common_shape(change) -> None:
    provider = _provider()
    message = _outbound(**change)
    assert _direct(message) is not None
    _same(provider.envelope(message)[2], _django_bytes(provider, message))


@pytest.mark.parametrize(
    "change",
    [
        {"body": "x" * 1200},  # a line too long for 8bit: Django uses quoted-printable
        {"to": "Asha Roy <asha@example.org>"},  # a display name
        {"to": "আশা@example.org"},  # not ASCII
        {"headers": {"Reply-To": "desk@campaign.example.org"}},
    ],
)
def test_anything_unusual_takes_djangos_path(change) -> None:
    provider = _provider()
    message = _outbound(**change)
    assert _direct(message) is None
    _sender, _recipients, data, _id = provider.envelope(message)
    _same(data, _django_bytes(provider, message))  # what Django makes, because Django made it


@pytest.mark.parametrize(
    "change",
    [
        {"subject": "Hello\r\nBcc: everyone@example.org"},
        {"headers": {"List-Unsubscribe": "<https://x>\nBcc: everyone@example.org"}},
        {"to": "asha@example.org\nBcc: everyone@example.org"},
    ],
)
def test_header_injection_is_refused_before_anything_is_sent(change) -> None:
    with pytest.raises(ProviderError) as exc:
        _provider().send(_outbound(**change))  # no server configured: never reached
    assert exc.value.code == "invalid" and not exc.value.retryable


def test_a_sender_that_is_not_an_address_is_refused() -> None:
    provider = SmtpProvider(config={"from_email": "news@campaign.example.org <"})
    with pytest.raises(ProviderError) as exc:
        provider.send(_outbound())
    assert exc.value.code == "invalid"


def test_the_boundary_is_never_inside_a_body(monkeypatch) -> None:
    taken = "=" * 15 + "0" * 19 + "=="
    draws = iter([0, 7])
    monkeypatch.setattr(mime._random, "randrange", lambda _n: next(draws))
    assert mime.boundary(f"text\n--{taken}\n") == "=" * 15 + "0" * 18 + "7=="


@settings(max_examples=150, deadline=None)
@given(
    subject=st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=120),
    body=st.text(st.characters(blacklist_categories=["Cs"]), max_size=400),
    html=st.text(st.characters(blacklist_categories=["Cs"]), max_size=200),
)
def test_any_text_reads_back_the_same(subject, body, html) -> None:
    """Whatever a template renders to, the mail client reads what Django would have made it
    read (or the direct path stepped aside)."""
    provider = _provider()
    message = _outbound(subject=subject, body=body, html=html)
    try:
        slow = _django_bytes(provider, message)
    except ValueError:  # Django refuses it (a line break in the subject): so must we
        with pytest.raises(ProviderError):
            provider.send(message)
        return
    _same(provider.envelope(message)[2], slow)
