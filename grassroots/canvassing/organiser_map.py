"""The turf map's tile server (``settings.EVENTS_MAP_TILES``, set by ``GRASSROOTS_MAP_TILES``):
what the page needs to draw it, and its origin allowed for images on the map's page only
(the Content-Security-Policy is strict everywhere else; ADR 0015)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from grassroots.core.middleware import SecurityHeadersMiddleware


def tiles_context() -> dict:
    return {"tiles": settings.EVENTS_MAP_TILES, "attribution": settings.EVENTS_MAP_ATTRIBUTION}


def tiles_csp(response) -> None:
    tiles = settings.EVENTS_MAP_TILES
    if not tiles:
        return
    parts = urlsplit(tiles.replace("{s}", "a"))
    origin = f"{parts.scheme}://{parts.netloc}"
    if "{s}" in tiles:
        origin = f"{parts.scheme}://*.{parts.netloc.split('.', 1)[-1]}"
    policy = SecurityHeadersMiddleware(None).policy()
    response["Content-Security-Policy"] = policy.replace(
        "img-src 'self' data:", f"img-src 'self' data: {origin}"
    )
