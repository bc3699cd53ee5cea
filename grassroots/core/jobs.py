"""Visible background work (ARCHITECTURE §3.7; ADR 0010).

One class per kind of work, a ``Runner``: its ``name`` (the ``Job.kind`` and registry key), a
``title``, the ``capability`` it needs, the ``queue`` it runs on ("urgent": sending, webhooks,
the outbox, the minute tick; "batch": imports, dedupe, exports, PDFs) and ``run(reporter,
**ids)``. A service starts one by name, ``jobs.runner("people.export").start(actor=…, **ids)``:
the visible ``core.Job`` is created (its ids stored on it), audited in the same transaction, and
one generic task, ``run_job_task(job_id)``, is enqueued after commit on the runner's queue. That
task looks the runner up by name, claims the job (nothing happens if it is finished or running
under a live lease), checks the creator's capability once more, and runs it with a
``JobReporter``: progress, log, a lease renewed every few seconds by a heartbeat thread, and
``cancelled`` (asked for on the job page; ``advance`` stops the run between batches).

Services never import task modules: they name the runner; the runners' modules are imported
when Django starts (``<app>.runners``, discovered by ``CoreConfig.ready``).
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from grassroots.core import access
from grassroots.core.models import Job

logger = logging.getLogger(__name__)

URGENT, BATCH = "urgent", "batch"
LANGUAGE_KEY = "_language"


def lease_length() -> dt.timedelta:
    """How long a running job is held without a heartbeat (``JOB_LEASE_SECONDS``, 30 s)."""
    return dt.timedelta(seconds=float(getattr(settings, "JOB_LEASE_SECONDS", 30)))


class JobCancelled(Exception):
    """Raised by ``JobReporter.advance`` when someone cancelled the job: the run stops between
    two batches and the job ends ``cancelled``."""


# --- the registry of runners ---------------------------------------------------------------------

runners: dict[str, type[Runner]] = {}


def runner(name: str) -> type[Runner]:
    try:
        return runners[name]
    except KeyError:
        raise LookupError(f"No job runner is registered as {name!r}.") from None


class Runner:
    """One kind of background work. Subclasses set ``name`` and implement ``run``."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    capability: ClassVar[str | None] = None
    queue: ClassVar[str] = BATCH
    cancellable: ClassVar[bool] = True
    # a run that ends without finishing its job (a paused broadcast) leaves it open
    finishes_itself: ClassVar[bool] = False
    # a job whose worker died is run again (it carries on) rather than marked failed
    resumable: ClassVar[bool] = False
    # the failed job's log when the creator may no longer do this at run time
    denied: ClassVar[str] = "The user may no longer do this."

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name:
            runners[cls.name] = cls

    def __init__(self, job: Job, actor: Any = None):
        self.job = job
        self.actor = actor

    # --- starting ----------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        *,
        actor: Any,
        title: str | None = None,
        total: int = 0,
        audit: dict[str, Any] | None = None,
        **ids: Any,
    ) -> Job:
        """Create the visible job (``ids`` stored on it), write the audit record (``audit``:
        ``action``, optional ``obj`` — the job by default —, ``detail``, ``ip_address``) and
        enqueue the work after commit."""
        from grassroots.core import audit as audit_module

        with transaction.atomic():
            job = cls.create(actor=actor, title=title, total=total, **ids)
            if audit:
                audit_module.record(
                    actor=actor,
                    action=audit["action"],
                    obj=audit.get("obj") or job,
                    detail=audit.get("detail") or {},
                    ip_address=audit.get("ip_address"),
                )
            _enqueue_after_commit(job)
        return job

    @classmethod
    def create(cls, *, actor: Any, title: str | None = None, total: int = 0, **ids: Any) -> Job:
        """The visible job alone, to be enqueued later (``job_requeue``: a scheduled send)."""
        return Job.objects.create(
            kind=cls.name,
            title=str(title or cls.title)[:200],
            total=total,
            queue=cls.queue,
            params={**ids, LANGUAGE_KEY: translation.get_language()},
            created_by=access.user_or_none(actor),
            enqueued_at=timezone.now(),
        )

    # --- checks ------------------------------------------------------------------------------
    @classmethod
    def allowed(cls, actor: Any, **ids: Any) -> bool:
        """Whether ``actor`` (the job's creator; ``None``: the system) may run it now."""
        if actor is None or cls.capability is None:
            return True
        return bool(actor.is_active and actor.has_capability(cls.capability))

    @classmethod
    def may_manage(cls, user: Any, job: Job) -> bool:
        """See and cancel the job: its creator, an administrator, or — for a job nobody owns
        (an import's follow-up search, a scheduled send) — someone with the runner's
        capability. Anyone else gets 404, as for a missing job."""
        return job_visible(user, job)

    # --- the work ----------------------------------------------------------------------------
    def run(self, reporter: JobReporter, **ids: Any) -> dict[str, Any] | None:
        raise NotImplementedError

    def on_cancelled(self, **ids: Any) -> None:
        """Tidy up after a run stopped because the job was cancelled."""

    def on_orphaned(self, **ids: Any) -> None:
        """Before a job whose worker died is resumed or failed (release what it claimed)."""


def _enqueue_after_commit(job: Job) -> None:
    job_id, queue = str(job.pk), job.queue or BATCH
    transaction.on_commit(lambda: run_job_task.using(queue_name=queue).enqueue(job_id))


def job_requeue(job: Job) -> None:
    """Run an existing job again (a broadcast resumed, its A/B winner chosen, its worker
    gone): back to queued, enqueued after commit. A job running under a live lease is left
    alone — the running worker carries on."""
    now = timezone.now()
    Job.objects.filter(pk=job.pk).exclude(status=Job.Status.RUNNING, lease_until__gte=now).update(
        status=Job.Status.QUEUED,
        finished_at=None,
        lease_until=None,
        cancel_requested_at=None,
        enqueued_at=now,
    )
    _enqueue_after_commit(job)


# --- progress ------------------------------------------------------------------------------------


class JobReporter:
    """Updates a Job's progress at most every ``interval`` seconds (cheap in a hot loop)."""

    def __init__(self, job: Job, interval: float = 0.5):
        self.job = job
        self.interval = interval
        self._last = 0.0
        self._checked = 0.0
        self._cancelled = False
        self._log: list[str] = [job.log] if job.log else []

    def start(self, total: int | None = None) -> None:
        fields: dict[str, Any] = {"status": Job.Status.RUNNING, "started_at": timezone.now()}
        if total is not None:
            fields["total"] = total
            self.job.total = total
        Job.objects.filter(pk=self.job.pk).update(**fields)
        self.job.status = Job.Status.RUNNING

    @property
    def cancelled(self) -> bool:
        """Whether someone asked to cancel the job (read at most every ``interval`` seconds)."""
        now = time.monotonic()
        if not self._cancelled and now - self._checked >= self.interval:
            self._checked = now
            self._cancelled = Job.objects.filter(
                pk=self.job.pk, cancel_requested_at__isnull=False
            ).exists()
        return self._cancelled

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise JobCancelled(self.job.pk)

    def advance(self, progress: int, *, force: bool = False) -> None:
        """Record progress; between batches, stop the run if the job was cancelled."""
        self.job.progress = progress
        now = time.monotonic()
        if force or now - self._last >= self.interval:
            self._last = now
            Job.objects.filter(pk=self.job.pk).update(progress=progress, total=self.job.total)
            if self.job.kind in runners and runners[self.job.kind].cancellable:
                self.check_cancelled()

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
            lease_until=None,
        )
        self.job.refresh_from_db()

    def fail(self, error: str) -> None:
        self.log(error)
        Job.objects.filter(pk=self.job.pk).update(
            status=Job.Status.FAILED, finished_at=timezone.now(), lease_until=None
        )
        self.job.refresh_from_db()

    def cancel(self) -> None:
        self.log("Cancelled.")
        Job.objects.filter(pk=self.job.pk).update(
            status=Job.Status.CANCELLED, finished_at=timezone.now(), lease_until=None
        )
        self.job.refresh_from_db()


class Heartbeat:
    """Renews a running job's lease every third of its length from a thread of its own, so a
    long provider call or a slow batch never looks like a dead worker; a killed worker stops
    renewing and the lease runs out (``recover_orphans``)."""

    def __init__(self, job_id: Any):
        self.job_id = job_id
        self.length = lease_length()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        # inside a caller's transaction (the immediate backend in tests) a second connection
        # would wait on the caller's locks: the caller's own run is its liveness
        if not connection.in_atomic_block:
            self._thread = threading.Thread(target=self._beat, daemon=True, name="job-lease")
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _beat(self) -> None:
        interval = max(self.length.total_seconds() / 3, 0.05)
        try:
            while not self._stop.wait(interval):
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                        lease_until=timezone.now() + self.length
                    )
                except Exception:  # a busy database: the next beat tries again
                    logger.warning("Could not renew the lease of job %s", self.job_id)
        finally:
            connection.close()


# --- the one generic task ------------------------------------------------------------------------


def _claim(job_id: Any) -> bool:
    """Take the job: queued, or running under a lease that ran out. One worker wins."""
    now = timezone.now()
    return bool(
        Job.objects.filter(pk=job_id)
        .filter(
            Q(status=Job.Status.QUEUED)
            | Q(status=Job.Status.RUNNING, lease_until__lt=now)
            | Q(status=Job.Status.RUNNING, lease_until__isnull=True)
        )
        .update(
            status=Job.Status.RUNNING,
            started_at=now,
            lease_until=now + lease_length(),
        )
    )


def job_execute(job_id: Any) -> dict[str, Any]:
    """Run a job by its runner: idempotent (a finished job, or one running under a live
    lease, is left alone), the creator's capability checked once more, the outcome recorded."""
    job = Job.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return {}
    if job.is_finished:
        return job.result
    if job.status == Job.Status.QUEUED and job.cancel_requested_at is not None:
        JobReporter(job).cancel()
        return {}
    cls = runner(job.kind)
    if not _claim(job.pk):
        return {"skipped": job.status}
    job.refresh_from_db()
    params = dict(job.params or {})
    language = params.pop(LANGUAGE_KEY, None) or settings.LANGUAGE_CODE
    actor = job.created_by
    reporter = JobReporter(job)
    if not cls.allowed(actor, **params):
        reporter.fail(f"PermissionDenied: {cls.denied}")
        return {}
    instance = cls(job, actor)
    with Heartbeat(job.pk), translation.override(language):
        try:
            result = instance.run(reporter, **params)
        except JobCancelled:
            instance.on_cancelled(**params)
            reporter.cancel()
            return {"cancelled": True}
        except PermissionDenied as exc:
            reporter.fail(f"PermissionDenied: {exc}")
            return {}
        except Exception as exc:
            reporter.fail(f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
            raise
    job.refresh_from_db()
    if job.status == Job.Status.RUNNING:
        if cls.finishes_itself:  # left open on purpose (a paused broadcast): no lease held
            Job.objects.filter(pk=job.pk).update(lease_until=None)
        else:
            reporter.job = job
            reporter.succeed(result)
    job.refresh_from_db()
    return job.result


@task(queue_name=BATCH)
def run_job_task(job_id: str) -> dict[str, Any]:
    """The generic task: ``jobs.runner(kind)`` does the work (enqueued on the runner's queue)."""
    return job_execute(job_id)


# --- orphans and cancelling ----------------------------------------------------------------------


def recover_orphans(now: dt.datetime | None = None) -> dict[str, int]:
    """Running jobs whose lease ran out (their worker was killed): a resumable runner's job
    (a broadcast) releases what it claimed and runs again; any other is marked failed — never
    left running for ever. Run by the minute tick."""
    now = now or timezone.now()
    resumed = failed = 0
    for job in Job.objects.filter(status=Job.Status.RUNNING, lease_until__lt=now):
        cls = runners.get(job.kind)
        params = {k: v for k, v in (job.params or {}).items() if k != LANGUAGE_KEY}
        with transaction.atomic():
            # one recoverer wins: the lease moves before anything is released
            if not Job.objects.filter(
                pk=job.pk, status=Job.Status.RUNNING, lease_until=job.lease_until
            ).update(lease_until=None):
                continue
            if cls is not None:
                cls(job, job.created_by).on_orphaned(**params)
            if cls is not None and cls.resumable:
                JobReporter(job).log("The worker stopped; carrying on where it left off.")
                job_requeue(job)
                resumed += 1
            else:
                JobReporter(job).fail("The worker running this job stopped (its lease ran out).")
                failed += 1
    return {"resumed": resumed, "failed": failed}


def job_cancel(*, actor: Any, job: Job) -> Job:
    """Ask a job to stop: a queued one ends at once, a running one between two batches."""
    if not job_cancellable(actor, job):
        raise PermissionDenied(_("This job cannot be cancelled by you."))
    from grassroots.core import audit

    with transaction.atomic():
        now = timezone.now()
        queued = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.CANCELLED, finished_at=now, cancel_requested_at=now
        )
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(cancel_requested_at=now)
        audit.record(actor=actor, action="core.job_cancelled", obj=job, detail={"kind": job.kind})
        job.refresh_from_db()
        if queued:  # it never ran: tidy up as after a run that stopped (an import's batch)
            params = {k: v for k, v in (job.params or {}).items() if k != LANGUAGE_KEY}
            runner(job.kind)(job, job.created_by).on_cancelled(**params)
    return job


def job_visible(user: Any, job: Job) -> bool:
    """Whether ``user`` may see (and cancel) ``job``; see ``Runner.may_manage``."""
    if not getattr(user, "is_authenticated", False):
        return False
    if job.created_by_id is not None and job.created_by_id == user.pk:
        return True
    if user.has_capability("*"):
        return True
    cls = runners.get(job.kind)
    return bool(
        job.created_by_id is None
        and cls is not None
        and cls.capability
        and user.has_capability(cls.capability)
    )


def job_cancellable(user: Any, job: Job) -> bool:
    cls = runners.get(job.kind)
    return bool(cls and cls.cancellable and not job.is_finished and job_visible(user, job))


def jobs_ahead(job: Job) -> int | None:
    """How many jobs of the same queue were enqueued before this queued one and are still
    waiting or running (``None`` unless it is waiting)."""
    if job.status != Job.Status.QUEUED or job.enqueued_at is None:
        return None
    return (
        Job.objects.filter(
            queue=job.queue,
            status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
            enqueued_at__lt=job.enqueued_at,
        )
        .exclude(pk=job.pk)
        .count()
    )


# --- local, synchronous runs (the CLI) -----------------------------------------------------------


def job_create(*, kind: str, title: str, total: int = 0, actor: Any = None) -> Job:
    """A job for work run in this process (``run_job``), e.g. the CLI's demo seeding."""
    return Job.objects.create(
        kind=kind[:64],
        title=str(title)[:200],  # a file name can be longer than the column (PostgreSQL refuses)
        total=total,
        created_by=access.user_or_none(actor),
    )


def run_job(job: Job, work: Callable[[JobReporter], dict[str, Any] | None]) -> Job:
    """Run ``work`` here with a reporter; record success or the failure's traceback."""
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


__all__ = [
    "BATCH",
    "URGENT",
    "JobCancelled",
    "JobReporter",
    "Runner",
    "job_cancel",
    "job_create",
    "job_execute",
    "job_requeue",
    "jobs_ahead",
    "recover_orphans",
    "run_job",
    "run_job_task",
    "runner",
]
