from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from grassroots.core import health
from grassroots.core.models import Job
from grassroots.core.registry import dashboard_tiles


@login_required
def dashboard(request):
    tiles = []
    for provider in dashboard_tiles:
        tiles.extend(provider(request))
    tiles.sort(key=lambda t: t.order)
    return render(request, "core/dashboard.html", {"tiles": tiles})


@never_cache
def healthz(request):
    db = health.database_status()
    worker = health.worker_status() if db["ok"] else {"ok": False, "error": "database down"}
    ok = db["ok"] and worker["ok"]
    return JsonResponse(
        {"status": "ok" if ok else "degraded", "database": db, "worker": worker},
        status=200 if db["ok"] else 503,
    )


@login_required
def job_status(request, pk):
    """The live progress partial (HTMX polls it until the job ends)."""
    job = Job.objects.filter(pk=pk).first()
    if job is None or (
        job.created_by_id
        and job.created_by_id != request.user.pk
        and not request.user.has_capability("*")
    ):
        raise Http404
    return render(request, "core/job_status.html", {"job": job})
