"""The turf map's tile server: see ``core.maps`` (shared with the events map and the results
map)."""

from grassroots.core.maps import allow_tiles as tiles_csp
from grassroots.core.maps import tiles_context

__all__ = ["tiles_context", "tiles_csp"]
