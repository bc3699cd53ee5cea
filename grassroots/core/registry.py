"""Registries that higher apps fill in ``AppConfig.ready()`` so lower apps never import them.

- ``dashboard_tiles``: functions ``(request) -> list[Tile]`` shown on the home dashboard.
- ``nav_items``: entries of the main navigation.
- ``person_panels``: ``PersonPanel`` sections on the person page (``{% person_panels person %}``).
- ``every_minute``: functions ``(now) -> dict`` run once a minute by ``core.tasks.tick_task``
  (``grassroots serve --with-worker`` queues it): held messages, scheduled broadcasts, …
- ``demo_seeders``: functions ``(*, users) -> dict[str, int]`` that add an app's part to the demo
  campaign after the people are in (idempotent: they skip what exists).
- ``timeline_sources``: functions ``(person, limit) -> list`` of ``people.selectors.TimelineEntry``
  that higher apps add to a person's timeline (held and blocked messages, …).
- ``housekeeping``: functions ``(now) -> dict[str, int]`` that delete what has outlived its
  retention (export files, import rollback data, …); ``core.housekeeping`` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Tile:
    label: str
    value: Any
    hint: str = ""
    url: str = ""
    order: int = 100


@dataclass
class NavItem:
    label: Any
    url_name: str
    capability: str | None = None
    order: int = 100
    icon: str = ""


@dataclass
class PersonPanel:
    """A section of the person page: ``context(request, person)`` gives the template's context,
    or ``None`` to show nothing (no capability, nothing to say)."""

    template: str
    context: Callable[[Any, Any], dict | None]
    order: int = 100


@dataclass
class Registry:
    items: list[Any] = field(default_factory=list)

    def register(self, item: Any) -> Any:
        if item not in self.items:
            self.items.append(item)
        return item

    def __iter__(self):
        return iter(sorted(self.items, key=lambda i: getattr(i, "order", 100)))


dashboard_tiles = Registry()
nav_items = Registry()
person_panels = Registry()
housekeeping = Registry()
timeline_sources = Registry()
every_minute = Registry()
demo_seeders = Registry()

TileProvider = Callable[[Any], list[Tile]]
