"""Provider credentials at rest: a JSON object encrypted with Fernet (AES-128-CBC + HMAC).

The key is ``GRASSROOTS_ENCRYPTION_KEY`` when set (a Fernet key: 32 url-safe base64 bytes),
else derived from ``SECRET_KEY`` with HKDF — so rotating the secret key makes stored
credentials unreadable (they must be entered again), which the accounts screen says.
"""

from __future__ import annotations

import base64
import json
import os

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretsUnreadable(Exception):
    pass


def _fernet() -> Fernet:
    key = os.environ.get("GRASSROOTS_ENCRYPTION_KEY", "").strip()
    if not key:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"grassroots-messaging", info=b"secrets"
        ).derive(settings.SECRET_KEY.encode())
        key = base64.urlsafe_b64encode(derived).decode()
    return Fernet(key.encode())


def encrypt(values: dict[str, str]) -> str:
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError) as exc:
        raise SecretsUnreadable(
            "the stored credentials cannot be decrypted (was the secret key changed?)"
        ) from exc


def hint(value: str) -> str:
    """What the screen may show of a secret: its last four characters at most."""
    value = value or ""
    if len(value) <= 8:
        return "•" * 4
    return "•" * 4 + value[-4:]
