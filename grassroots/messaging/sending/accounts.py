"""Which provider account sends, and its adapter."""

from __future__ import annotations

from grassroots.messaging.models import ProviderAccount
from grassroots.messaging.providers import provider_class
from grassroots.messaging.providers.base import Provider
from grassroots.messaging.secrets import decrypt


def provider_for(account: ProviderAccount) -> Provider:
    return provider_class(account.kind)(account.config, decrypt(account.secrets))


def default_account(channel: str) -> ProviderAccount | None:
    accounts = ProviderAccount.objects.filter(active=True, is_default=True)
    for account in accounts:
        if channel in (account.channels or []):
            return account
    for account in ProviderAccount.objects.filter(active=True):
        if channel in (account.channels or []):
            return account
    return None
