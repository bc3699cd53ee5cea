"""The public URLs a message carries: tracked links and the open pixel, the unsubscribe link,
the provider's status callback."""

from __future__ import annotations

import functools
import re
import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse


def public_url(path: str) -> str:
    return settings.GRASSROOTS_PUBLIC_URL.rstrip("/") + path


_HREF = re.compile(r"""href=(["'])(https?://[^"']+)\1""", re.IGNORECASE)


def tracked_html(html: str, message_uuid) -> str:
    """Links through our click counter, and a 1×1 image that counts the open."""

    def link(match: re.Match) -> str:
        token = signing.dumps(
            {"m": str(message_uuid), "u": match.group(2)}, salt="messaging.click", compress=True
        )
        return f'href="{public_url(reverse("messaging:click", args=[token]))}"'

    out = _HREF.sub(link, html)
    pixel_token = signing.dumps(str(message_uuid), salt="messaging.open")
    pixel = (
        f'<img src="{public_url(reverse("messaging:open", args=[pixel_token]))}" width="1" '
        'height="1" alt="" style="display:none">'
    )
    if "</body>" in out:
        return out.replace("</body>", pixel + "</body>", 1)
    return out + pixel


def unsubscribe_token(message_uuid: uuid.UUID | str) -> str:
    return signing.dumps(str(message_uuid), salt="messaging.unsubscribe", compress=True)


@functools.lru_cache(maxsize=64)
def _url_pattern(name: str, base: str, *args: str) -> str:
    """``base`` + the path of URL ``name`` with a ``{}`` where the last argument goes: reversed
    once, not for every message of a broadcast."""
    return base.rstrip("/") + reverse(f"messaging:{name}", args=[*args, "PLACEHOLDER"]).replace(
        "PLACEHOLDER", "{}"
    )


def unsubscribe_url(message_uuid: uuid.UUID | str) -> str:
    pattern = _url_pattern("unsubscribe", settings.GRASSROOTS_PUBLIC_URL)
    return pattern.format(unsubscribe_token(message_uuid))


def webhook_url(account_uuid) -> str:
    return public_url(reverse("messaging:webhook", args=[account_uuid]))


@functools.lru_cache(maxsize=64)
def callback_url(base: str, account_uuid) -> str:
    return base.rstrip("/") + reverse("messaging:webhook", args=[account_uuid])
