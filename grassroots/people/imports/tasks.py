from __future__ import annotations

from django_tasks import task

from grassroots.core.jobs import run_job
from grassroots.core.models import Job
from grassroots.people.imports import services
from grassroots.people.models import ImportBatch


@task()
def import_task(batch_id: str, job_id: str) -> dict:
    """Run an import as a visible job (progress = rows read)."""
    batch = ImportBatch.objects.get(pk=batch_id)
    job = Job.objects.get(pk=job_id)

    def work(reporter):
        return services.import_run(batch=batch, reporter=reporter)

    result = run_job(job, work).result
    batch.refresh_from_db()
    if not batch.dry_run and batch.status == ImportBatch.Status.SUCCEEDED:
        from grassroots.people import dedupe_jobs

        dedupe_jobs.dedupe_after_import(batch=batch)  # the people it wrote, as their own job
    return result
