"""Signed links in reminders: confirm, cancel, rate. A link names its reminder (the log row) and
its action; the signature makes a forged or altered link fail, and the log row's ``used`` makes a
replayed one answer "already used"."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from grassroots.messaging import sending

SALT = "events.reminders.link"
ACTIONS = ("confirm", "cancel", "rate")


class BadLink(Exception):
    """The link was altered, cut short, or made up."""


def token(log_id: int, action: str) -> str:
    return signing.dumps({"l": log_id, "a": action}, salt=SALT, compress=True)


def url_for(name: str, value: str) -> str:
    """``reverse(name, args=[value])`` as a public URL, the pattern resolved once per name (a
    reminder run builds three links per message)."""
    pattern = _patterns.get(name)
    if pattern is None:
        pattern = _patterns[name] = reverse(name, args=["__VALUE__"])
    return sending.public_url(pattern.replace("__VALUE__", value))


_patterns: dict[str, str] = {}


def url(log_id: int, action: str) -> str:
    return url_for("events:reminder_link", token(log_id, action))


def read(value: str) -> tuple[int, str]:
    try:
        data = signing.loads(value, salt=SALT)
    except signing.BadSignature as exc:
        raise BadLink from exc
    if not isinstance(data, dict) or data.get("a") not in ACTIONS:
        raise BadLink
    try:
        return int(data["l"]), data["a"]
    except (KeyError, TypeError, ValueError) as exc:
        raise BadLink from exc
