"""Visible background work (ARCHITECTURE §3.7).

A service creates a ``Job``; a task wraps the work and reports progress through a
``JobReporter``. The UI polls ``core:job_status`` (an HTMX partial) and the CLI draws a bar.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from grassroots.core.models import Job


def job_create(*, kind: str, title: str, total: int = 0, actor: Any = None) -> Job:
    return Job.objects.create(
        kind=kind,
        title=title,
        total=total,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


class JobReporter:
    """Updates a Job's progress at most every ``interval`` seconds (cheap in a hot loop)."""

    def __init__(self, job: Job, interval: float = 0.5):
        self.job = job
        self.interval = interval
        self._last = 0.0
        self._log: list[str] = [job.log] if job.log else []

    def start(self, total: int | None = None) -> None:
        fields = {"status": Job.Status.RUNNING, "started_at": timezone.now()}
        if total is not None:
            fields["total"] = total
            self.job.total = total
        Job.objects.filter(pk=self.job.pk).update(**fields)
        self.job.status = Job.Status.RUNNING

    def advance(self, progress: int, *, force: bool = False) -> None:
        self.job.progress = progress
        now = time.monotonic()
        if force or now - self._last >= self.interval:
            self._last = now
            Job.objects.filter(pk=self.job.pk).update(progress=progress, total=self.job.total)

    def log(self, line: str) -> None:
        self._log.append(line)
        self.job.log = "\n".join(self._log)[-20000:]
        Job.objects.filter(pk=self.job.pk).update(log=self.job.log)

    def succeed(self, result: dict[str, Any] | None = None) -> None:
        Job.objects.filter(pk=self.job.pk).update(
            status=Job.Status.SUCCEEDED,
            progress=self.job.total or self.job.progress,
            result=result or {},
            finished_at=timezone.now(),
        )
        self.job.refresh_from_db()

    def fail(self, error: str) -> None:
        self.log(error)
        Job.objects.filter(pk=self.job.pk).update(
            status=Job.Status.FAILED, finished_at=timezone.now()
        )
        self.job.refresh_from_db()


def run_job(job: Job, work: Callable[[JobReporter], dict[str, Any] | None]) -> Job:
    """Run ``work`` with a reporter; record success or the failure's traceback."""
    reporter = JobReporter(job)
    reporter.start()
    try:
        result = work(reporter)
    except Exception as exc:
        reporter.fail(f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
        raise
    reporter.succeed(result)
    return reporter.job


def cli_progress(job: Job, stream=None, width: int = 40) -> None:
    """Draw a text progress bar for a job (used by the CLI for local, synchronous runs)."""
    stream = stream or sys.stderr
    done = int(width * job.percent / 100)
    bar = "#" * done + "-" * (width - done)
    stream.write(f"\r{job.title[:40]:<40} [{bar}] {job.percent:3d}% {job.progress}/{job.total}")
    if job.is_finished:
        stream.write("\n")
    stream.flush()
