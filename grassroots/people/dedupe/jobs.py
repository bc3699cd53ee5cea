"""Finding duplicates as a visible background ``core.Job``: over everyone (the "Find duplicates"
button) or only the people an import just wrote (started by the import task).

``dedupe_start`` starts the ``people.dedupe`` runner (``people.runners.DedupeRunner``: the
Job, its audit record, the generic task after commit); the runner calls ``dedupe_work``, which
runs ``scoring.dedupe_run`` and then, when a data manager has set an auto-merge threshold,
``review.auto_merge``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from grassroots.core import jobs
from grassroots.core.models import Job
from grassroots.people.dedupe import review
from grassroots.people.models import ImportBatch, ImportChange

JOB_KIND = "people.dedupe"
logger = logging.getLogger(__name__)


def dedupe_start(*, actor: Any, batch: ImportBatch | None = None) -> Job:
    """Queue a duplicate search: everyone, or (``batch``) the people that import wrote.

    A person starting a full search needs ``people.merge``; the import's follow-up search is
    started by the import itself (its ``actor`` is whoever ran the import)."""
    if batch is None:
        review.require_review(actor)
        title = _("Find duplicates among everyone")
    else:
        title = _("Find duplicates of the people imported from %(file)s") % {"file": batch.filename}
    return jobs.runner(JOB_KIND).start(
        actor=actor,
        title=title[:200],
        audit={"action": "people.dedupe_started"} if batch is None else None,
        batch_id=str(batch.pk) if batch is not None else None,
    )


def dedupe_after_import(*, batch: ImportBatch) -> Job | None:
    """Queue an incremental search for the people a finished, real import created or updated.

    Never fails the import: a problem here is logged and the next full search finds the pairs.
    """
    if batch.dry_run or not ImportChange.objects.filter(batch=batch).exists():
        return None
    try:
        return dedupe_start(actor=batch.created_by, batch=batch)
    except Exception:
        logger.exception("Could not queue the duplicate search after import %s", batch.pk)
        return None


def import_person_ids(batch_id: str) -> list[int]:
    """The people an import created or updated."""
    return sorted(
        set(ImportChange.objects.filter(batch_id=batch_id).values_list("person_id", flat=True))
    )


def dedupe_work(*, job: Job, actor: Any, batch_id: str | None, reporter) -> dict:
    """The job's work: find and record pairs, then auto-merge above the threshold if one is set."""
    person_ids = import_person_ids(batch_id) if batch_id else None
    if person_ids is not None:
        reporter.log(f"Looking for duplicates of {len(person_ids):,} imported people.")
    # pandas, scikit-learn and recordlinkage load here, not when Django starts (5 s).
    from grassroots.people.dedupe import scoring

    counts = scoring.dedupe_run(actor=actor, person_ids=person_ids, reporter=reporter)
    threshold = review.settings_get().auto_merge_threshold
    result: dict[str, Any] = {**counts, "auto_merged": 0, "incremental": person_ids is not None}
    if threshold is not None:
        reporter.job.total += 1
        result.update(
            review.auto_merge(
                actor=actor,
                threshold=threshold,
                person_ids=person_ids,
                job_id=str(job.pk),
                reporter=reporter,
            )
        )
        result["threshold"] = threshold
        reporter.advance(reporter.job.total, force=True)
    result["pending"] = review.DuplicatePair.objects.filter(
        status=review.DuplicatePair.Status.PENDING
    ).count()
    result["queue_url"] = reverse("people:duplicate_list")
    return result


def latest_jobs(*, actor: Any, limit: int = 1) -> list[Job]:
    """The actor's own most recent duplicate searches (the status partial is theirs only)."""
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(Job.objects.filter(kind=JOB_KIND, created_by=actor).order_by("-created_at")[:limit])


def latest_finished(limit: int = 1) -> list[Job]:
    return list(
        Job.objects.filter(kind=JOB_KIND, status=Job.Status.SUCCEEDED)
        .select_related("created_by")
        .order_by("-finished_at")[:limit]
    )
