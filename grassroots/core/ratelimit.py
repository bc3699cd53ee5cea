"""Rate limits for public (no-login) forms — an event sign-up, a volunteer sign-up, an event
proposal: at most so many attempts per client address and per contact point (an email or a
phone) in a window, counted in the cache.

Every public form uses ``allow``; a new one picks its own ``scope`` name and limits. With the
default per-process cache each web worker counts on its own (N workers allow N times the rate);
set ``GRASSROOTS_CACHE_URL`` (a shared Redis cache) to count across them. Contact points are counted hashed and
case-folded, never stored as typed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.core.cache import cache


def _count(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def _key(scope: str, kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().casefold().encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{kind}:{digest}"


def allow(
    scope: str,
    *,
    ip: str | None,
    per_ip: int,
    window: int,
    contacts: Iterable[str] = (),
    per_contact: int | None = None,
    contact_window: int | None = None,
) -> bool:
    """Count one attempt for the address and for each contact point; ``False`` when any of them
    is over its limit (every one is counted all the same, so a refused flood stays refused)."""
    ok = _count(_key(scope, "ip", ip or "?"), window) <= per_ip
    if per_contact is not None:
        for contact in contacts:
            if contact and contact.strip():
                key = _key(scope, "contact", contact)
                if _count(key, contact_window or window) > per_contact:
                    ok = False
    return ok
