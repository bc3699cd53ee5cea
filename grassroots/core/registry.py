"""Registries that higher apps fill in ``AppConfig.ready()`` so lower apps never import them.

- ``dashboard_tiles``: functions ``(request) -> list[Tile]`` shown on the home dashboard.
- ``nav_items``: entries of the main navigation.
- ``person_panels``: ``PersonPanel`` sections on the person page (``{% person_panels person %}``).
- ``every_minute``: functions ``(now) -> dict`` run once a minute by ``core.tasks.tick_task``
  (``grassroots serve --with-worker`` queues it): held messages, scheduled broadcasts, …
- ``demo_seeders``: ``DemoSeeder`` entries, each app's part of the demo campaign, run in
  ``order`` by ``grassroots.demo.seed.seed_demo`` with one shared ``DemoRun``: geography (10:
  areas, polling stations, elections), accounts (20: logins), people (30: the electorate), then
  the apps above (100+). Idempotent: they skip what exists.
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
class DemoRun:
    """What the demo seeders share during one ``seed_demo``: the seed and scale, the plan it
    drew (``people.demo.Plan``), the progress (``log(text)``, ``add(rows)``), and what earlier
    seeders made for later ones: areas and elections by code, users by username, and the
    logins made (and the demo usernames found already taken) for the CLI to print."""

    seed: int
    scale: float
    plan: Any
    progress: Any
    areas: dict[str, Any] = field(default_factory=dict)
    elections: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    existing_users: list[str] = field(default_factory=list)


@dataclass
class DemoSeeder:
    """``seed(run) -> counts`` adds an app's part of the demo; lower ``order`` runs first."""

    seed: Callable[[DemoRun], dict[str, int]]
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
# Functions that put back the rows an app's data migrations create (event types, skills...),
# idempotently: a test database flushed by a transactional test has lost them (the root
# conftest calls them all; so does anything that must work on such a database).
reference_data = Registry()

TileProvider = Callable[[Any], list[Tile]]
