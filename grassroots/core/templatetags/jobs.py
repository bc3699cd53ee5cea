"""``{% job_waiting job as ahead %}``: how many jobs of its queue are ahead of a waiting job;
``job|cancellable:user``: whether the Cancel button is shown."""

from __future__ import annotations

from django import template

from grassroots.core import jobs as core_jobs

register = template.Library()


@register.simple_tag
def job_waiting(job):
    return core_jobs.jobs_ahead(job) if job is not None else None


@register.filter
def cancellable(job, user) -> bool:
    return job is not None and core_jobs.job_cancellable(user, job)
