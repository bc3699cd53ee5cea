"""Geography's background work as job runners (``core.jobs.Runner``; ADR 0010)."""

from __future__ import annotations

from grassroots.core.jobs import BATCH, JobReporter, Runner
from grassroots.geography import area_import


class AreaImportRunner(Runner):
    """Read an area-tree file (CSV or GeoJSON): a dry run says what would be created, updated
    and moved; a real run writes it all or nothing (progress = areas written)."""

    name = area_import.JOB_KIND
    title = "Import areas"
    capability = area_import.CAPABILITY
    denied = "The user may no longer edit areas."
    queue = BATCH

    def run(
        self,
        reporter: JobReporter,
        *,
        path: str,
        filename: str = "",
        fmt: str = "csv",
        dry_run: bool = True,
        options: dict | None = None,
    ) -> dict:
        from grassroots.core.access import SYSTEM

        return area_import.area_import_work(
            actor=self.actor or SYSTEM,
            path=path,
            fmt=fmt,
            dry_run=dry_run,
            options=options or {},
            reporter=reporter,
        )
