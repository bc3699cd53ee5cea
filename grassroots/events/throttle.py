"""Spam defence for the public sign-up form: at most so many sign-ups per client IP and per
contact point (an email or a phone) in a window (``core.ratelimit``).

``settings.EVENTS_RSVP_LIMITS`` overrides the defaults. With a per-process cache (the default
local-memory one) each worker process counts on its own; configure a shared cache (Redis) to
count across them."""

from __future__ import annotations

from django.conf import settings

from grassroots.core import ratelimit

DEFAULTS = {"per_ip": 20, "per_contact": 5, "window": 600}


def rules() -> dict:
    return {**DEFAULTS, **getattr(settings, "EVENTS_RSVP_LIMITS", {})}


def allow(ip: str | None, contacts: list[str]) -> bool:
    """Count one attempt for the IP and each contact point; ``False`` when any is over."""
    r = rules()
    return ratelimit.allow(
        "events.rsvp", ip=ip, per_ip=r["per_ip"], window=r["window"], contacts=contacts,
        per_contact=r["per_contact"],
    )  # fmt: skip
