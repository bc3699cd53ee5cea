"""Fixtures for provider adapter tests: real fake servers on loopback (see ``fakes.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grassroots.messaging.tests.fakes import FakeMsg91, FakeSmtp, FakeTwilio, FakeWhatsApp


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
