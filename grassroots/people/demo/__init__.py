"""People's part of the demo campaign: a plausible electorate and a few months of contact.

An Indian assembly constituency (West Bengal → Kolkata → 158 - Bhabanipur: 40 parts with
sections and ~40,000 electors from a plausible electoral roll) and a US congressional district
(California → Alameda County → CA-12: 12 precincts, ~4,000 voters and their vote history), with
tags, custom fields, a few hundred contacts, notes and consent records.

It runs in two steps. ``build_plan()`` (``builder``) is pure Python: one random stream draws the
areas, polling stations, households and people together, so the same seed always gives the same
plan; geography's demo seeder writes its areas and stations, ``seed()`` (``seed``) the rest, with
``bulk_create``. Both are run by ``grassroots.demo.seed.seed_demo`` through
``core.registry.demo_seeders``.
"""

from grassroots.people.demo.builder import build_plan
from grassroots.people.demo.plan import Plan
from grassroots.people.demo.seed import seed

__all__ = ["Plan", "build_plan", "seed"]
