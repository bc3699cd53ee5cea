"""A provider account's API address (issue 14 §11): outside DEBUG only https, and never this
machine or a private network, unless GRASSROOTS_PROVIDER_URLS_ANYWHERE allows it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from grassroots.messaging import services
from grassroots.messaging.models import ProviderAccount


@pytest.fixture
def strict(settings):
    settings.GRASSROOTS_PROVIDER_URLS_ANYWHERE = False


def save(actor, **config):
    return services.account_save(
        actor=actor,
        name="Twilio",
        kind="twilio",
        channels=["sms"],
        config={"from_number": "+14155550100", **config},
        secrets={"account_sid": "AC" + "1" * 32, "auth_token": "secret-token"},
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://api.twilio.com",  # credentials in clear text
        "ftp://api.twilio.com",
        "https://",
        "https://localhost:8080",
        "https://metadata.localhost",
        "https://127.0.0.1",
        "https://2130706433",  # 127.0.0.1 as one number
        "https://0x7f.1",
        "https://10.0.0.5/api",
        "https://192.168.1.1",
        "https://172.16.3.4",
        "https://169.254.169.254/latest/meta-data",  # a cloud's metadata service
        "https://[::1]/",
        "https://[fd00::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://0.0.0.0",
        "https://api.example.com:99999",
    ],
)
def test_unsafe_api_addresses_are_refused(users, strict, url):
    with pytest.raises(ValidationError) as exc:
        save(users["admin"], api_base=url)
    assert "api_base" in exc.value.message_dict
    assert ProviderAccount.objects.count() == 0


@pytest.mark.parametrize("url", ["", "https://api.twilio.com", "https://eu1.example.org:8443/v1"])
def test_public_https_addresses_are_taken(users, strict, url):
    account = save(users["admin"], api_base=url)
    assert account.config.get("api_base", "") == url


def test_the_setting_allows_a_local_fake(users, settings):
    settings.GRASSROOTS_PROVIDER_URLS_ANYWHERE = True
    assert save(users["admin"], api_base="http://127.0.0.1:9999").config["api_base"]


def test_the_email_service_address_is_checked_too(users, strict):
    with pytest.raises(ValidationError) as exc:
        services.account_save(
            actor=users["admin"],
            name="Postmark",
            kind="esp",
            channels=["email"],
            config={"esp": "postmark", "api_url": "http://10.1.1.1/", "from_email": "a@b.org"},
            secrets={},
        )
    assert "api_url" in exc.value.message_dict
