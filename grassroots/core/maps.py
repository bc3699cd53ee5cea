"""Maps drawn with the configured tile server (``settings.EVENTS_MAP_TILES``, set by
``GRASSROOTS_MAP_TILES``): what a page needs to draw one, and the server's origin allowed for
images on that page only (the Content-Security-Policy is strict everywhere else; ADR 0015)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from grassroots.core.middleware import SecurityHeadersMiddleware


def tiles_context() -> dict:
    return {"tiles": settings.EVENTS_MAP_TILES, "attribution": settings.EVENTS_MAP_ATTRIBUTION}


def allow_tiles(response) -> None:
    """Let this answer's page load the tile server's images (``{s}`` subdomains included)."""
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
