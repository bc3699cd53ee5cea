"""The demo campaign: an Indian assembly constituency and a US congressional district.

``seed_demo()`` fills an empty installation with a campaign a campaign manager recognises. Each
app writes its own part (its ``demo`` module, registered in ``core.registry.demo_seeders``):
geography the area tree, polling stations and elections; accounts one login per default role;
people the electorate (``people.demo``: ~40,000 electors of 158 - Bhabanipur and ~4,000 voters
of CA-12 with their contacts, tags, notes and consent); messaging templates, a segment, an
automation and a texting campaign. This module only orchestrates: it draws the plan, runs the
seeders in order inside one transaction with one progress bar, and records the audit event.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.db import transaction

from grassroots.accounts.demo import DEMO_PASSWORD, DEMO_USERS, demo_logins
from grassroots.core import audit, bulk, registry
from grassroots.core.access import SYSTEM
from grassroots.geography.models import Area
from grassroots.people.demo import build_plan

if TYPE_CHECKING:
    from grassroots.core.jobs import JobReporter

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "build_plan", "demo_exists", "demo_logins", "seed_demo"]

MARKER_AREA_CODE = "IN-WB"  # if this area exists the demo (or a real West Bengal tree) is there


class _Progress:
    def __init__(self, reporter: JobReporter | None):
        self.reporter = reporter
        self.done = 0

    def start(self, total: int) -> None:
        if self.reporter is not None:
            self.reporter.start(total=total)

    def log(self, text: str) -> None:
        if self.reporter is not None:
            self.reporter.log(text)

    def add(self, n: int, force: bool = False) -> None:
        self.done += n
        if self.reporter is not None:
            self.reporter.advance(self.done, force=force)


def demo_exists() -> bool:
    """True when the demo campaign (or a real West Bengal tree) is already installed."""
    return Area.objects.filter(code=MARKER_AREA_CODE).exists()


def seed_demo(*, seed: int = 42, reporter: JobReporter | None = None, scale: float = 1.0) -> dict:
    """Create the demo campaign; return counts and the demo logins, or ``{"skipped": True}``."""
    progress = _Progress(reporter)
    if demo_exists():
        progress.log(f"Demo data already present (area {MARKER_AREA_CODE} exists); nothing to do.")
        return {"skipped": True}
    started = time.perf_counter()
    plan = build_plan(seed=seed, scale=scale)
    counts = plan.counts()
    # Rows written in bulk: one address per household, then everything else.
    progress.start(
        total=counts["households"]
        + sum(v for k, v in counts.items() if k not in {"areas", "polling_stations"})
    )
    progress.log(
        f"Planned {counts['people']:,} people in {counts['households']:,} households "
        f"(seed {seed}, scale {scale:g})."
    )
    run = registry.DemoRun(seed=seed, scale=scale, plan=plan, progress=progress)
    with transaction.atomic():
        for ensure in registry.reference_data:  # event types, skills… (a flushed database)
            ensure()
        for seeder in registry.demo_seeders:  # each app's part, in order (geography first)
            counts.update(seeder.seed(run))
        audit.record(
            actor=SYSTEM, action="demo.seeded", detail={"seed": seed, "scale": scale, **counts}
        )
    bulk.analyze()  # the tables were empty a moment ago: plan the first reads on real counts
    progress.add(0, force=True)
    seconds = round(time.perf_counter() - started, 2)
    progress.log(f"Demo campaign ready in {seconds} s.")
    return {
        "skipped": False,
        "seed": seed,
        "scale": scale,
        **counts,
        "seconds": seconds,
        "password": DEMO_PASSWORD,
        "logins": run.logins,
        "existing_users": run.existing_users,
    }
