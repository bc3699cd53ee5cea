"""Provider adapters: every channel's sender speaks ``providers.base.Provider``.

``registry`` maps a provider kind (``twilio``, ``msg91``, ``smtp``, ``simulator``…) to its class;
the send service looks the class up by the kind stored on a ``ProviderAccount``.
"""

from __future__ import annotations

from grassroots.messaging.providers.base import Provider

registry: dict[str, type[Provider]] = {}


def register(cls: type[Provider]) -> type[Provider]:
    registry[cls.kind] = cls
    return cls


def provider_class(kind: str) -> type[Provider]:
    try:
        return registry[kind]
    except KeyError:
        raise LookupError(f"unknown provider kind “{kind}”") from None
