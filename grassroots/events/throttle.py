"""Spam defence for the public sign-up form: at most so many sign-ups per client IP and per
contact point (an email or a phone) in a window, counted in the cache.

``settings.EVENTS_RSVP_LIMITS`` overrides the defaults. With a per-process cache (the default
local-memory one) each worker process counts on its own; configure a shared cache (Redis) to
count across them."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

DEFAULTS = {"per_ip": 20, "per_contact": 5, "window": 600}


def rules() -> dict:
    return {**DEFAULTS, **getattr(settings, "EVENTS_RSVP_LIMITS", {})}


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"events:rsvp:{kind}:{digest}"


def allow(ip: str | None, contacts: list[str]) -> bool:
    """Count one attempt for the IP and each contact point; ``False`` when any is over."""
    r = rules()
    checks = [(_key("ip", ip or "?"), r["per_ip"])]
    checks += [(_key("contact", c), r["per_contact"]) for c in contacts if c and c.strip()]
    ok = True
    for key, limit in checks:
        cache.add(key, 0, timeout=r["window"])
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=r["window"])
            count = 1
        if count > limit:
            ok = False
    return ok
