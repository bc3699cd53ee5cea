"""Fixtures for messaging tests: real fake servers on loopback (see ``fakes.py``), a
communications user, and provider accounts (the simulator, Twilio through its fake)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grassroots.accounts import services as account_services
from grassroots.accounts.models import Role
from grassroots.core import events
from grassroots.core.access import SYSTEM
from grassroots.messaging import services
from grassroots.messaging.tests.fakes import FakeMsg91, FakeSmtp, FakeTwilio, FakeWhatsApp


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """What the worker does after commit: hand the outbox events to their subscribers (a reply's
    ``message.received`` to the inbox and texting), and run what they leave for after commit."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            while events.deliver_pending():
                pass

    return run


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def fake_msg91() -> Iterator[FakeMsg91]:
    with FakeMsg91() as server:
        yield server


@pytest.fixture
def fake_whatsapp() -> Iterator[FakeWhatsApp]:
    with FakeWhatsApp() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtp]:
    with FakeSmtp() as server:
        yield server


@pytest.fixture
def comms(geo):
    return account_services.user_create(
        actor=SYSTEM,
        username="comms",
        password="correct-horse-battery-1",
        roles=Role.objects.filter(slug="communications"),
        scope_all=True,
    )


@pytest.fixture
def simulator(comms, settings):
    return services.account_save(
        actor=SYSTEM,
        name="Simulator",
        kind="simulator",
        channels=["sms", "whatsapp", "email", "voice"],
        config={"from_number": "+15550100"},
        secrets={},
        is_default=True,
    )


@pytest.fixture
def twilio(fake_twilio, settings):
    settings.GRASSROOTS_PUBLIC_URL = "https://campaign.example.org"
    return services.account_save(
        actor=SYSTEM,
        name="Twilio",
        kind="twilio",
        channels=["sms"],
        config={"api_base": fake_twilio.url, "from_number": "+15005550006"},
        secrets={"account_sid": fake_twilio.account_sid, "auth_token": fake_twilio.auth_token},
        is_default=True,
    )


@pytest.fixture
def smtp_account(smtp_server, settings):
    """The default email account, sending to the loopback SMTP server."""
    settings.GRASSROOTS_PUBLIC_URL = "https://campaign.example.org"
    return services.account_save(
        actor=SYSTEM,
        name="SMTP",
        kind="smtp",
        channels=["email"],
        config={
            "host": smtp_server.host,
            "port": str(smtp_server.port),
            "from_email": "team@campaign.example.org",
        },  # fmt: skip
        secrets={},
        is_default=True,
    )
