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


def url(log_id: int, action: str) -> str:
    return sending.public_url(reverse("events:reminder_link", args=[token(log_id, action)]))


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
