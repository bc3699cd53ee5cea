"""The job page (an HTMX partial polled until the job ends) and its Cancel button (ADR 0010)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from grassroots.core import jobs
from grassroots.core.models import Job


def _job_for(request, pk) -> Job:
    job = Job.objects.filter(pk=pk).first()
    if job is None or not jobs.job_visible(request.user, job):
        raise Http404  # not theirs: the same answer as missing
    return job


@login_required
def job_status(request, pk):
    """The live progress partial (HTMX polls it until the job ends)."""
    return render(request, "core/job_status.html", {"job": _job_for(request, pk)})


@login_required
@require_POST
def job_cancel(request, pk):
    """Cancel a queued or running job: its creator or someone with the runner's capability."""
    job = _job_for(request, pk)
    if not jobs.job_cancellable(request.user, job):
        raise Http404
    jobs.job_cancel(actor=request.user, job=job)
    if request.htmx:
        return render(request, "core/job_status.html", {"job": job})
    back = request.POST.get("next") or request.headers.get("Referer") or ""
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("core:dashboard")
