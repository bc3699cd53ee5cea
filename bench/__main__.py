"""``make bench [BENCH=name]``: run the benchmarks and write bench/results/latest.json."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

BENCHMARKS = [
    "people",
    "import",
    "dedupe",
    "segments",
    "lists",
    "email",
    "sms",
    "webhooks",
    "limits",
    "api",
    "events",
    "events_reminders",
    "leaderboard",
    "turfs",
    "canvass_results",
    "sync",
    "canvass_app",
]
MODULES = {"import": "importer", "email": "messaging", "sms": "messaging"}  # `import`: a keyword
RUNNERS = {"email": "run_email", "sms": "run_sms"}  # modules with more than one benchmark


def main(argv: list[str]) -> int:
    wanted = [a for a in argv if a] or BENCHMARKS
    results: list[dict] = []
    for name in wanted:
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
            return 2
        module = importlib.import_module(f"bench.{MODULES.get(name, name)}")
        results.extend(getattr(module, RUNNERS.get(name, "run"))())
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or os.environ.get("BENCH", "").split()))
